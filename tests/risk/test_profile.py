"""Profile loading and validation: shipped profiles, errors naming the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.risk._events import event, events
from vessels.errors import ConfigError
from vessels.risk import available_profiles, load_profile, score
from vessels.risk.rules import EVENT_RULES, VESSEL_RULES


@pytest.mark.parametrize("name", ["default", "gulf-of-california", "yucatan"])
def test_shipped_profiles_load_and_cover_every_rule(name: str) -> None:
    p = load_profile(name)
    assert p.name == name
    assert set(p.rules) == {r.name for r in EVENT_RULES}
    assert set(p.vessel_rules) == {r.name for r in VESSEL_RULES}


def test_available_profiles() -> None:
    assert available_profiles() == ["default", "gulf-of-california", "yucatan"]


def _write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD = [
    pytest.param("[rulez]\n", "unknown key 'rulez'", id="unknown-section"),
    pytest.param("[rules.no_such]\npoints = 1\n", "unknown key 'rules.no_such'", id="unknown-rule"),
    pytest.param(
        "[rules.ais_gap]\npointz = 1\n", "unknown key 'rules.ais_gap.pointz'", id="unknown-key"
    ),
    pytest.param(
        '[rules.ais_gap]\npoints = "five"\n',
        "key 'rules.ais_gap.points' must be a number",
        id="wrong-type",
    ),
    pytest.param(
        "[rules.encounter]\npoints = -3\n",
        "key 'rules.encounter.points' must not be negative",
        id="negative-weight",
    ),
    pytest.param(
        "[rules.ais_gap]\ncap = -1\n", "key 'rules.ais_gap.cap' must not be negative", id="neg-cap"
    ),
    pytest.param(
        "[rules.ais_gap.zone_kind_multipliers]\nharbour = 2\n",
        "unknown key 'rules.ais_gap.zone_kind_multipliers.harbour'",
        id="unknown-zone-kind",
    ),
    pytest.param(
        '[rules.ais_gap.zone_multipliers]\n"aoi-x" = -2\n',
        "key 'rules.ais_gap.zone_multipliers.aoi-x' must not be negative",
        id="negative-zone-multiplier",
    ),
    pytest.param(
        "[rules.ais_gap]\nenabled = 1\n", "key 'rules.ais_gap.enabled' must be true", id="bool"
    ),
    pytest.param(
        "[vessel_rules.invalid_mmsi]\npoints = -1\n",
        "key 'vessel_rules.invalid_mmsi.points' must not be negative",
        id="negative-vessel-rule",
    ),
    pytest.param("[profile]\nmax_reasons = 2.5\n", "'profile.max_reasons'", id="reasons-type"),
    pytest.param("[tiers]\nmedium = 80\n", "key 'tiers' must rise", id="tiers-out-of-order"),
    pytest.param("[rules\n", "not valid TOML", id="syntax-error"),
    pytest.param(
        "[events.ais_gap]\nmin_gap = 1\n", "unknown key 'min_gap'", id="unknown-detector-key"
    ),
    pytest.param(
        "[events.ais_gap]\nmin_gap_h = -1\n", "must not be negative", id="negative-detector-value"
    ),
    pytest.param(
        '[profile]\ndetectors = "atlantis"\n', "unknown detector profile", id="detectors-name"
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_profile_names_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")) as info:
        load_profile(path)
    assert str(path) in str(info.value)


def test_regional_profiles_carry_detector_overrides() -> None:
    gulf = load_profile("gulf-of-california").detector_config()
    default = load_profile("default").detector_config()
    assert gulf.ais_gap.min_gap_in_zone_h < default.ais_gap.min_gap_in_zone_h


def test_events_section_overrides_the_detector_profile(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[profile]\nextends = "gulf-of-california"\n[events.ais_gap]\nmin_gap_in_zone_h = 0.5\n',
    )
    cfg = load_profile(path).detector_config()
    assert cfg.ais_gap.min_gap_in_zone_h == 0.5
    assert cfg.loitering.min_shore_nm == 5.0  # still from upper_gulf.toml


def test_unknown_profile_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="gulf-of-california"):
        load_profile("atlantis")


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_profile("/nonexistent/p.toml")


def test_extends_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[profile]\nextends = "default"\nname = "mine"\n[rules.encounter]\npoints = 99\n',
    )
    mine, default = load_profile(path), load_profile("default")
    assert mine.name == "mine"
    assert mine.rules["encounter"].points == 99
    assert mine.rules["encounter"].cap == default.rules["encounter"].cap
    assert mine.rules["ais_gap"] == default.rules["ais_gap"]


def test_extends_loop_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, '[profile]\nextends = "b.toml"\n', "a.toml")
    _write(tmp_path, '[profile]\nextends = "a.toml"\n', "b.toml")
    with pytest.raises(ConfigError, match="loops"):
        load_profile(tmp_path / "a.toml")


def test_disabled_rule_gives_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, '[profile]\nextends = "default"\n[rules.ais_gap]\nenabled = false\n')
    ev = events([event("ais_gap", 345000001, hours=8, gap_h=8, shore_km=100.0)])
    assert score(ev, profile=path).vessels["risk_score"].item() == 0
    assert score(ev, profile="default").vessels["risk_score"].item() > 0


def test_regional_profiles_weigh_their_concern_most() -> None:
    """Gulf: a dark period in the AOI; Yucatán: a rendezvous on the shelf AOI."""
    gap = events(
        [event("ais_gap", 345000001, hours=3, gap_h=3, in_zone_kind="aoi", zone_name="AOI")]
    )
    meet = events([event("encounter", 345000001, other_mmsi=345000002, hours=3, zone_kind="aoi")])

    def s(ev: object, name: str) -> float:
        return float(score(ev, profile=name).vessels["risk_score"].max())  # type: ignore[arg-type]

    assert s(gap, "gulf-of-california") > s(gap, "default") >= s(gap, "yucatan")
    assert s(meet, "yucatan") > s(meet, "default")
