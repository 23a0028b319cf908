"""``vessels explain MMSI --run DIR``: one vessel's score taken apart, from a run (private).

Reads the output directory of ``vessels score`` (never re-runs anything) and prints, on stdout:
who the vessel is, its score and tier, every contribution that adds up to the score (rules,
points, explanations, the event each came from, and points a cap held back), its events, and a
summary of its track (positions, time span, segments, gaps, distance, where it was).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.table import Table
from rich.text import Text

from vessels import schema as S
from vessels._cli.common import data_console, emit_json
from vessels.errors import UserError
from vessels.outputs import check_complete

__all__ = ["command", "explain_vessel", "find_vessel"]

_TRACK_COLUMNS = (S.TS, S.LAT, S.LON, S.SOG_KN, S.SEGMENT_ID, S.DIST_M, S.SHORE_KM, S.EEZ_ISO3)


def _read(directory: Path, name: str, what: str) -> pl.DataFrame:
    path = directory / name
    if not path.is_file():
        raise UserError(
            f"{directory} has no {name} ({what})",
            hint="pass the --out directory of a finished `vessels score` run",
        )
    try:
        return pl.read_parquet(path, glob=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"cannot read {path}: {str(exc).splitlines()[0][:200]}") from None


def find_vessel(vessels: pl.DataFrame, text: str) -> int:
    """The MMSI of the vessel ``text`` names in a run's vessel table: an MMSI, or (for runs of
    non-MMSI ids, such as VMS permit numbers) the original vessel id.

    Examples
    --------
    >>> v = pl.DataFrame({"mmsi": [345070102]}, schema={"mmsi": pl.UInt32})
    >>> find_vessel(v, "345070102")
    345070102
    """
    key = text.strip()
    if S.VESSEL_ID in vessels.columns:
        hit = vessels.filter(pl.col(S.VESSEL_ID) == key)
        if hit.height:
            return int(hit[S.MMSI][0])
    if key.isdigit() and len(key) <= 10:
        hit = vessels.filter(pl.col(S.MMSI) == int(key))
        if hit.height:
            return int(key)
    top = ", ".join(str(m) for m in vessels.head(5)[S.MMSI].to_list())
    raise UserError(
        f"vessel {text!r} is not in this run ({vessels.height:,} vessels)",
        hint=f"the highest-risk ones are {top}" if top else "the run has no vessels",
    )


def _track_summary(directory: Path, mmsi: int) -> dict[str, Any] | None:
    """Positions, time span, segments, gaps, distance and where, from tracks.parquet."""
    path = directory / S.TRACKS_FILE
    if not path.is_file():
        return None
    lf = pl.scan_parquet(path, glob=False).filter(pl.col(S.MMSI) == mmsi)
    have = lf.collect_schema().names()
    pos = lf.select(c for c in (*_TRACK_COLUMNS, "geo_class", "zone_ids") if c in have).collect()
    if pos.height == 0:
        return {"positions": 0}
    pos = pos.sort(S.TS)
    gaps_h = pos[S.TS].diff().dt.total_seconds().drop_nulls() / 3600.0
    out: dict[str, Any] = {
        "positions": pos.height,
        "first_ts": pos[S.TS].min(),
        "last_ts": pos[S.TS].max(),
        "span_h": round(float(gaps_h.sum()), 2) if gaps_h.len() else 0.0,
        "median_interval_min": round(float(gaps_h.median() or 0.0) * 60.0, 2),  # type: ignore[arg-type]
        "longest_gap_h": round(float(gaps_h.max() or 0.0), 2),  # type: ignore[arg-type]
        "bbox": [
            round(float(pos[S.LON].min()), 4),  # type: ignore[arg-type]
            round(float(pos[S.LAT].min()), 4),  # type: ignore[arg-type]
            round(float(pos[S.LON].max()), 4),  # type: ignore[arg-type]
            round(float(pos[S.LAT].max()), 4),  # type: ignore[arg-type]
        ],
    }
    if S.SEGMENT_ID in pos.columns:
        out["segments"] = pos[S.SEGMENT_ID].n_unique()
    if S.DIST_M in pos.columns:
        out["distance_km"] = round(float(pos[S.DIST_M].fill_null(0.0).sum()) / 1000.0, 1)
    if S.SOG_KN in pos.columns and pos[S.SOG_KN].null_count() < pos.height:
        out["median_speed_kn"] = round(float(pos[S.SOG_KN].median() or 0.0), 1)  # type: ignore[arg-type]
    if S.SHORE_KM in pos.columns and pos[S.SHORE_KM].null_count() < pos.height:
        out["min_shore_km"] = round(float(pos[S.SHORE_KM].min()), 1)  # type: ignore[arg-type]
        out["median_shore_km"] = round(float(pos[S.SHORE_KM].median()), 1)  # type: ignore[arg-type]
    if S.EEZ_ISO3 in pos.columns:
        out["eez"] = sorted(pos[S.EEZ_ISO3].drop_nulls().unique().to_list())
    if "zone_ids" in pos.columns:
        out["zones"] = sorted(pos["zone_ids"].explode().drop_nulls().unique().to_list())
    if "geo_class" in pos.columns:
        shares = pos["geo_class"].cast(pl.String).value_counts(normalize=True, sort=True)
        out["where"] = {str(k): round(float(v), 3) for k, v in shares.iter_rows()}
    return out


def explain_vessel(directory: str | Path, vessel: str | int) -> dict[str, Any]:
    """One vessel's score, contributions, events, track summary and identity from a run's outputs.

    Parameters
    ----------
    directory
        The ``--out`` directory of a finished ``vessels score`` run.
    vessel
        Its MMSI (or, in a run of non-MMSI ids, the original vessel id).

    Returns
    -------
    dict
        ``vessel`` (static columns, score, tier, event counts), ``profile``, ``contributions``
        (they add up to the score), ``events`` (each with the points it earned), ``track`` (None
        when the run wrote no tracks.parquet) and ``identity`` (identity periods).
    """
    d = Path(directory)
    if not d.is_dir():
        raise UserError(
            f"--run {d} is not a directory", hint="pass the --out directory of `vessels score`"
        )
    check_complete(d, what="score output")
    vessels = _read(d, S.VESSELS_FILE, "the vessel table")
    mmsi = find_vessel(vessels, str(vessel))
    row = vessels.filter(pl.col(S.MMSI) == mmsi).row(0, named=True)
    contributions = _read(d, S.CONTRIBUTIONS_FILE, "the score contributions").filter(
        pl.col(S.MMSI) == mmsi
    )
    events = _read(d, S.EVENTS_FILE, "the events").filter(
        (pl.col(S.MMSI) == mmsi) | (pl.col(S.OTHER_MMSI) == mmsi)
    )
    earned = (
        contributions.filter(pl.col(S.EVENT_ID).is_not_null())
        .group_by(S.EVENT_ID)
        .agg(
            pl.col(S.POINTS).sum().alias("points"),
            pl.col(S.RULE_NAME).unique().sort().alias("rules"),
        )
    )
    summary_expr = (
        pl.col(S.EVIDENCE).struct.field("summary")
        if S.EVIDENCE in events.columns
        and "summary" in [f.name for f in events.schema[S.EVIDENCE].fields]  # type: ignore[attr-defined]
        else pl.lit(None, dtype=pl.String)
    )
    # the other vessel of a pair event, seen from this vessel (it may be either side); VMS runs
    # name it by its own id
    mine = pl.col(S.OTHER_MMSI) == mmsi
    other_id = "other_" + S.VESSEL_ID
    names = S.VESSEL_ID in events.columns and other_id in events.columns
    partner = pl.when(mine).then(pl.col(S.MMSI)).otherwise(pl.col(S.OTHER_MMSI))
    partner_id = (
        pl.when(mine).then(pl.col(S.VESSEL_ID)).otherwise(pl.col(other_id))
        if names
        else pl.lit(None, dtype=pl.String)
    )
    ev = (
        events.with_columns(
            summary_expr.alias("summary"),
            partner.alias("with_mmsi"),
            partner_id.alias("with_vessel_id"),
        )
        .join(earned, on=S.EVENT_ID, how="left")
        .sort(S.START_TS, S.EVENT_TYPE, S.EVENT_ID)
        .select(
            S.EVENT_ID,
            S.EVENT_TYPE,
            S.OTHER_MMSI,
            "with_mmsi",
            "with_vessel_id",
            S.START_TS,
            S.END_TS,
            S.DURATION_H,
            S.LAT,
            S.LON,
            S.EEZ_ISO3,
            S.EVENT_ZONE_NAME,
            S.SHORE_KM,
            "summary",
            "points",
            "rules",
        )
    )
    profile: Any = None
    summary_path = d / S.SUMMARY_FILE
    if summary_path.is_file():
        try:
            profile = json.loads(summary_path.read_text(encoding="utf-8")).get("profile")
        except (OSError, ValueError, AttributeError):
            profile = None
    identity: list[dict[str, Any]] = []
    if (d / S.IDENTITY_HISTORY_FILE).is_file():
        hist = _read(d, S.IDENTITY_HISTORY_FILE, "the identity history")
        identity = hist.filter(pl.col(S.MMSI) == mmsi).sort("valid_from").to_dicts()
    return {
        "vessel": row,
        "profile": profile,
        "contributions": contributions.to_dicts(),
        "events": ev.to_dicts(),
        "track": _track_summary(d, mmsi),
        "identity": identity,
    }


def _fmt_ts(value: Any) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _num(value: Any, fmt: str = ".1f") -> str:
    return "" if value is None else format(value, fmt)


def _print(report: dict[str, Any], max_events: int) -> None:
    console = data_console()
    v = report["vessel"]
    prof = report.get("profile") or {}
    ident = Text(f"MMSI {v[S.MMSI]}", style="bold")
    if v.get(S.VESSEL_ID) is not None:
        ident.append(f"  vessel id {v[S.VESSEL_ID]}")
    ident.append(f"  {v.get(S.VESSEL_NAME) or '(no name)'}")
    facts = [
        f"flag {v.get(S.FLAG) or '?'}",
        f"ship type {v.get(S.SHIP_TYPE) if v.get(S.SHIP_TYPE) is not None else '?'}",
    ]
    if v.get(S.CALLSIGN):
        facts.append(f"call sign {v[S.CALLSIGN]}")
    if v.get(S.IMO):
        facts.append(f"IMO {v[S.IMO]}")
    if v.get(S.LENGTH_M):
        facts.append(f"{v[S.LENGTH_M]:.0f} m")
    if v.get(S.MMSI_VALID) is False:
        facts.append("MMSI not valid")
    ident.append("  (" + ", ".join(facts) + ")")
    console.print(ident)
    tiers = prof.get("tiers") or {}
    tier_text = ", ".join(f"{k} ≥ {val:g}" for k, val in tiers.items() if val)
    console.print(
        Text(
            f"score {v[S.RISK_SCORE]:.1f} / 100 — {v[S.RISK_TIER]}"
            + (f"   (profile {prof.get('name')}" if prof.get("name") else "")
            + (f"; {tier_text})" if tier_text else (")" if prof.get("name") else ""))
        )
    )
    contrib = report["contributions"]
    table = Table(
        title=f"contributions ({len(contrib)}): they add up to the score",
        title_justify="left",
        expand=True,
    )
    table.add_column("rule", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("explanation", ratio=1, overflow="fold")
    table.add_column("event", no_wrap=True)
    number = {e[S.EVENT_ID]: i for i, e in enumerate(report["events"], start=1)}
    for c in contrib:
        table.add_row(
            Text(c[S.RULE_NAME]),
            Text(f"{c[S.POINTS]:+.2f}".rstrip("0").rstrip(".")),
            Text(c[S.EXPLANATION] or ""),
            Text(f"#{number[c[S.EVENT_ID]]}" if c[S.EVENT_ID] in number else "(vessel)"),
        )
    total = sum(c[S.POINTS] for c in contrib)
    table.add_row(Text("total", style="bold"), Text(f"{total:.2f}".rstrip("0").rstrip(".")), "", "")
    console.print(table)
    events = report["events"]
    scored = sum(1 for e in events if e["points"])
    table = Table(
        title=f"events ({len(events)}; {scored} earned points)"
        + (f"; the first {max_events} shown (--events)" if len(events) > max_events else ""),
        title_justify="left",
        expand=True,
    )
    # narrow terminals: the summary ("what") names the zone anyway, so "where" goes first
    wide = console.width >= 110
    names: tuple[str, ...] = ("#", "start (UTC)", "type", "hours", "where", "points", "what")
    for name in names if wide else tuple(n for n in names if n != "where"):
        table.add_column(
            name,
            no_wrap=name in ("#", "start (UTC)", "points", "hours"),
            justify="right" if name in ("#", "hours", "points") else "left",
            overflow="fold",
            ratio={"what": 2, "where": 1}.get(name),
        )
    for i, e in enumerate(events[:max_events], start=1):
        where = e.get(S.EVENT_ZONE_NAME) or (f"{e[S.EEZ_ISO3]} EEZ" if e.get(S.EEZ_ISO3) else "")
        what = e.get("summary") or ""
        if e.get(S.OTHER_MMSI) is not None:
            other = e["with_vessel_id"] or e["with_mmsi"]
            what = f"{what} [with {other}]".strip()
        cells = [
            Text(f"#{i}"),
            Text(_fmt_ts(e[S.START_TS])),
            Text(e[S.EVENT_TYPE]),
            Text(_num(e[S.DURATION_H])),
            Text(where),
            Text(_num(e["points"], ".2f").rstrip("0").rstrip(".") if e["points"] else ""),
            Text(what),
        ]
        table.add_row(*(cells if wide else cells[:4] + cells[5:]))
    console.print(table)
    track = report["track"]
    if track is None:
        console.print("track: not in this run (it was scored with --no-tracks)", markup=False)
    elif not track.get("positions"):
        console.print("track: no accepted positions", markup=False)
    else:
        parts = [
            f"{track['positions']:,} positions from {_fmt_ts(track['first_ts'])} to "
            f"{_fmt_ts(track['last_ts'])} UTC ({track['span_h']:.1f} h)",
        ]
        if "segments" in track:
            parts.append(f"{track['segments']} segment(s)")
        parts.append(f"median interval {track['median_interval_min']:.1f} min")
        parts.append(f"longest gap {track['longest_gap_h']:.1f} h")
        if "distance_km" in track:
            parts.append(f"{track['distance_km']:,.1f} km sailed")
        if "median_speed_kn" in track:
            parts.append(f"median speed {track['median_speed_kn']:.1f} kn")
        if "min_shore_km" in track:
            parts.append(
                f"{track['min_shore_km']:.1f}-{track['median_shore_km']:.1f} km from shore "
                "(min-median)"
            )
        if track.get("eez"):
            parts.append("EEZ " + ", ".join(track["eez"]))
        if track.get("where"):
            parts.append(
                "where: " + ", ".join(f"{k} {val:.0%}" for k, val in track["where"].items())
            )
        console.print(Text("track: " + "; ".join(parts)))
        if track.get("zones"):
            console.print(Text("zones visited: " + ", ".join(track["zones"])))
    known = [p.get(S.VESSEL_NAME) for p in report["identity"]]
    changes = [n for i, n in enumerate(known) if i == 0 or n != known[i - 1]]
    if len(report["identity"]) > 1:
        console.print(
            Text(
                f"identity: {len(report['identity'])} periods; names "
                + " → ".join(n or "(none)" for n in changes)
            )
        )


@click.command("explain")
@click.argument("vessel")
@click.option(
    "--run",
    "run_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The --out directory of a finished `vessels score` run.",
)
@click.option(
    "--events",
    "max_events",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Print at most this many events (all are in --json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON on stdout.")
def command(vessel: str, run_dir: Path, max_events: int, as_json: bool) -> int:
    """Explain one vessel's score: contributions, events and track, from a finished run.

    VESSEL is an MMSI (or, for runs of non-MMSI ids such as VMS permit numbers, the vessel id).

    \b
    Example:
      vessels score ais_samples/gulf-of-california/ais.csv --out out/ --profile gulf-of-california
      vessels explain 345070102 --run out/
    """
    report = explain_vessel(run_dir, vessel)
    if as_json:
        emit_json(report)
    else:
        _print(report, max_events)
    return 0
