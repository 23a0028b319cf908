"""Markdown tables of the rules and profiles, pasted into docs/scoring.md (private).

A test checks that docs/scoring.md contains exactly these tables, so the documentation cannot
drift from the shipped profiles. Regenerate with::

    .venv/bin/python -m vessels.risk._docs

Examples
--------
>>> print(rules_table().splitlines()[0])
| rule | reads | counts hours of | pair | meaning |
"""

from __future__ import annotations

from vessels import schema as S
from vessels.risk.profile import Profile, available_profiles, load_profile
from vessels.risk.rules import EVENT_RULES, VESSEL_RULES

__all__ = ["all_tables", "profile_table", "rules_table"]

_HOURS = {
    "ais_gap": S.EV_GAP_H,
    "zone_presence": S.EV_TIME_INSIDE_H,
    "eez_incursion": S.EV_TIME_INSIDE_H,
    "eez_incursion_fishing": S.EV_FISHING_TIME_INSIDE_H,
    "dark_rendezvous": S.EV_OVERLAP_H,
}


def rules_table() -> str:
    """One row per rule of the registry."""
    lines = [
        "| rule | reads | counts hours of | pair | meaning |",
        "|---|---|---|---|---|",
    ]
    for r in EVENT_RULES:
        pair = "both vessels" if r.pair else ""
        hours = "—" if r.network else _HOURS.get(r.name, "duration_h")
        hours = hours if r.network else f"`{hours}`"
        lines.append(
            f"| `{r.name}` | {', '.join(r.event_types)} events | {hours} | {pair} "
            f"| {r.description} |"
        )
    for v in VESSEL_RULES:
        lines.append(f"| `{v.name}` | vessel | | | {v.description} |")
    return "\n".join(lines)


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:g}"


def _mults(m: dict[str, float]) -> str:
    return ", ".join(f"{k} ×{v:g}" for k, v in sorted(m.items())) or "—"


def _overrides(profile: Profile) -> str:
    items = [
        f"`{section}.{key} = {value}`"
        for section, table in sorted(profile.events.items())
        if isinstance(table, dict)
        for key, value in sorted(table.items())
    ]
    return f", with {', '.join(items)}" if items else ""


def profile_table(profile: Profile) -> str:
    """The numbers of one profile, one row per rule."""
    lines = [
        f"**`{profile.name}`** — {profile.description}. "
        f"Tiers: medium ≥ {profile.tiers['medium']:g}, high ≥ {profile.tiers['high']:g}, "
        f"critical ≥ {profile.tiers['critical']:g}. Detector profile: "
        f"`{profile.detectors or 'built-in defaults'}`{_overrides(profile)}.",
        "",
        "| rule | points | points/h | max h | min h | min shore km | min track positions "
        "| min fishing score | cap | open × | zone-kind multipliers | zone multipliers |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in EVENT_RULES:
        w = profile.rules.get(r.name)
        if w is None or not w.enabled:
            lines.append(f"| `{r.name}` | off | | | | | | | | | | |")
            continue
        shore = _num(w.min_shore_km) + ("" if w.shore_exempt_in_zones else " (also in zones)")
        if r.network:
            lines.append(
                f"| `{r.name}` | {w.share_of_other_score:g} × each contact's score "
                f"(contacts ≥ {w.min_other_points:g}) | | | | | | {_num(w.cap)} | | — | — |"
            )
            continue
        lines.append(
            f"| `{r.name}` | {_num(w.points)} | {_num(w.points_per_h)} | {_num(w.max_hours)} "
            f"| {_num(w.min_hours)} | {shore} | {w.min_track_positions} "
            f"| {_num(w.min_fishing_score)} | {_num(w.cap)} "
            f"| {_num(w.open_multiplier)} "
            f"| {_mults(w.zone_kind_multipliers)} | {_mults(w.zone_multipliers)} |"
        )
    for v in VESSEL_RULES:
        vw = profile.vessel_rules.get(v.name)
        pts = "off" if vw is None or not vw.enabled else _num(vw.points)
        lines.append(f"| `{v.name}` | {pts} | | | | | | | | | | |")
    return "\n".join(lines)


def all_tables() -> str:
    """The rules table and one table per shipped profile."""
    parts = [rules_table()]
    parts += [profile_table(load_profile(name)) for name in available_profiles()]
    return "\n\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(all_tables())
