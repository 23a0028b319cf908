"""Contract matrix: every detector on degenerate and bulk inputs returns EVENT_SCHEMA rows."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.events._helpers import T0, label, track
from tests.factories import make_positions
from vessels import schema as S
from vessels.config import override
from vessels.errors import ConfigError, SchemaError
from vessels.events import (
    PROFILES_DIR,
    DetectorConfig,
    detect_dark_rendezvous,
    detect_eez_incursions,
    detect_encounters,
    detect_events,
    detect_fishing,
    detect_fleets,
    detect_gaps,
    detect_identity_changes,
    detect_identity_conflicts,
    detect_loitering,
    detect_port_visits,
    detect_zone_entries,
    detectors,
    events_by_vessel,
    fishing_score,
)
from vessels.testing import staged

#: Direct entry points of the built-in detectors (each also runs through the registry below).
DIRECT: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "ais_gap": detect_gaps,
    "zone_entry": detect_zone_entries,
    "eez_incursion": detect_eez_incursions,
    "encounter": detect_encounters,
    "loitering": detect_loitering,
    "fishing": detect_fishing,
    "dark_rendezvous": detect_dark_rendezvous,
    "identity_conflict": detect_identity_conflicts,
    "identity_change": detect_identity_changes,
    "port_visit": detect_port_visits,
    "fleet_presence": lambda frame: detect_fleets(frame, None),
}


def _through_registry(event_type: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda frame: detect_events(frame, types=[event_type])


#: The matrix: every registered detector (derived from the registry), its direct function where
#: it has one, and all detectors together.
DETECTORS: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    **{d.event_type: _through_registry(d.event_type) for d in detectors()},
    **{f"{t}-direct": f for t, f in DIRECT.items()},
    "all": detect_events,
}


def _empty() -> pl.DataFrame:
    return staged(S.empty_positions())


def _one_position() -> pl.DataFrame:
    return track(n=1)


def _all_null_optional() -> pl.DataFrame:
    """Only mmsi/ts/lat/lon set; every optional column null, the zone labels null (unknown)."""
    return staged(
        make_positions(
            [
                {S.MMSI: 345000001, S.TS: T0, S.LAT: 25.0, S.LON: -110.0},
                {S.MMSI: 345000001, S.TS: T0.replace(hour=8), S.LAT: 25.0, S.LON: -110.0},
            ]
        ).with_columns(pl.lit(None, dtype=pl.Boolean).alias(S.MMSI_VALID))
    )


def _many_vessels() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    n_v, n_p = 300, 30
    mmsi = np.repeat(np.arange(345_000_000, 345_000_000 + n_v), n_p).astype(np.uint32)
    t = np.tile(np.arange(n_p) * 600, n_v) + rng.integers(0, 60, n_v * n_p)
    lat = 24.0 + np.repeat(rng.uniform(0, 0.2, n_v), n_p) + rng.normal(0, 0.0005, n_v * n_p)
    lon = -110.0 + np.repeat(rng.uniform(0, 0.2, n_v), n_p) + rng.normal(0, 0.0005, n_v * n_p)
    df = pl.DataFrame(
        {
            S.MMSI: mmsi,
            S.TS: pl.Series(T0.timestamp() * 1e6 + t * 1e6).cast(pl.Int64).cast(S.TS_DTYPE),
            S.LAT: lat,
            S.LON: lon,
        }
    )
    full = df.with_columns(
        pl.lit(None, dtype=d).alias(c) for c, d in S.POSITION_SCHEMA.items() if c not in df.columns
    ).select(list(S.POSITION_SCHEMA))
    return label(full, segment_id=None).with_columns(
        pl.col(S.MMSI).cast(pl.String).alias(S.SEGMENT_ID)
    )


INPUTS = {
    "empty": _empty,
    "one-position": _one_position,
    "all-null-optional": _all_null_optional,
    "many-vessels": _many_vessels,
}


#: Stage outputs the detectors need and do not make themselves (stage contracts).
SKIPPED_STAGES = {
    "not-segmented": ([S.SEGMENT_ID, *S.SEGMENT_DERIVED_SCHEMA], "segment them first"),
    "no-eez-label": ([S.EEZ_ISO3], "label them first"),
    "no-zone-ids": ([S.ZONE_IDS], "label them first"),
    "no-shore-km": ([S.SHORE_KM], "label them first"),
}


@pytest.mark.parametrize("skipped", list(SKIPPED_STAGES), ids=list(SKIPPED_STAGES))
@pytest.mark.parametrize("det", list(DETECTORS), ids=list(DETECTORS))
def test_detectors_refuse_tracks_that_skipped_a_stage(det: str, skipped: str) -> None:
    dropped, message = SKIPPED_STAGES[skipped]
    frame = track(n=3).drop(dropped, strict=False)
    with pytest.raises(SchemaError, match=message):
        DETECTORS[det](frame)


def test_the_fishing_score_needs_segments_and_shore_distance_only() -> None:
    with pytest.raises(SchemaError, match="segment them first"):
        fishing_score(track(n=3).drop(S.SEGMENT_ID))
    with pytest.raises(SchemaError, match="'shore_km'"):
        fishing_score(track(n=3).drop(S.SHORE_KM))
    assert fishing_score(track(n=3).drop(S.EEZ_ISO3, S.ZONE_IDS)).height == 3


@pytest.mark.parametrize("inp", list(INPUTS), ids=list(INPUTS))
@pytest.mark.parametrize("det", list(DETECTORS), ids=list(DETECTORS))
def test_contract_matrix(det: str, inp: str) -> None:
    frame = INPUTS[inp]()
    out = DETECTORS[det](frame)
    assert out.schema == pl.Schema(S.EVENT_SCHEMA)
    if det != "all":
        assert (out[S.EVENT_TYPE] == det.removesuffix("-direct")).all()
    assert out[S.EVENT_ID].is_unique().all()
    assert (out[S.DURATION_H].drop_nulls() >= 0).all()
    if inp in ("empty", "one-position"):
        assert out.filter(pl.col(S.EVENT_TYPE) != "identity_conflict").height == 0


def test_lazy_input_equals_eager() -> None:
    frame = _many_vessels()
    assert detect_events(frame.lazy()).equals(detect_events(frame))


def test_many_vessels_finds_pairs_without_self_pairs() -> None:
    enc = detect_encounters(_many_vessels())
    assert (enc[S.MMSI] < enc[S.OTHER_MMSI]).all()


def test_events_by_vessel_attributes_pairs_to_both() -> None:
    ev = detect_events(_many_vessels(), types=["encounter"])
    by = events_by_vessel(ev)
    assert by.height == 2 * ev.height
    assert set(by["vessel_mmsi"]) == set(ev[S.MMSI]) | set(ev[S.OTHER_MMSI])


def test_fishing_score_in_unit_interval() -> None:
    sc = fishing_score(_many_vessels())["fishing_score"]
    assert sc.null_count() == 0
    assert sc.min() >= 0.0 and sc.max() <= 1.0  # type: ignore[operator]


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ConfigError, match="gapz"):
        detect_events(_one_position(), types=["gapz"])


# --- configuration -------------------------------------------------------------------------------

UNIT_SUFFIXES = ("_h", "_m", "_km", "_kn", "_nm", "_deg", "_min", "_per_day")
UNITLESS = {
    "min_score",
    "min_fishing_score",
    # fishing score: multipliers and shares in [0, 1]
    "trawl_straight_factor",
    "haul_factor",
    "soak_day_factor",
    "unknown_type_factor",
    "small_craft_type_factor",
    "other_type_factor",
}


def _all_fields() -> list[tuple[str, dataclasses.Field[object], type]]:
    out = []
    for record in detectors():
        cls = record.config
        for f in dataclasses.fields(cls):
            out.append((record.event_type, f, cls))
    return out


@pytest.mark.parametrize("sec,f,cls", _all_fields(), ids=lambda x: getattr(x, "name", str(x)))
def test_every_parameter_has_unit_and_documented_source(
    sec: str, f: dataclasses.Field[object], cls: type
) -> None:
    hint = typing.get_type_hints(cls)[f.name]
    if hint is float and f.name not in UNITLESS:
        assert f.name.endswith(UNIT_SUFFIXES), f"{sec}.{f.name} has no unit in its name"
    assert f.name in (cls.__doc__ or ""), f"{sec}.{f.name} undocumented in {cls.__name__}"
    docs = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
    default = getattr(getattr(DetectorConfig(), sec), f.name)
    row = f"| `{f.name}` | `{default!r}` |"
    assert row in docs, f"{sec}.{f.name} (default {default!r}) missing or stale in docs/events.md"


@pytest.mark.parametrize("path", sorted(PROFILES_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_profiles_load(path: Path) -> None:
    cfg = DetectorConfig.from_toml(path)
    assert isinstance(cfg, DetectorConfig)


def test_default_profile_equals_defaults() -> None:
    assert DetectorConfig.from_toml(PROFILES_DIR / "default.toml") == DetectorConfig()


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    p = tmp_path / "mine.toml"
    p.write_text("[encounter]\nmax_dist = 300\n")
    with pytest.raises(ConfigError, match=r"mine\.toml \[encounter\]: unknown key 'max_dist'"):
        DetectorConfig.from_toml(p)
    p.write_text("[encounters]\nmax_dist_m = 300\n")
    with pytest.raises(ConfigError, match=r"unknown section \[encounters\]"):
        DetectorConfig.from_toml(p)


def test_profile_changes_detection(tmp_path: Path) -> None:
    a = track(n=3, interval_s=600)
    b = track(n=3, interval_s=600, start=T0.replace(hour=5))
    frame = pl.concat([a, b])
    assert detect_gaps(frame).height == 0  # 4.7 h < 6 h
    p = tmp_path / "p.toml"
    p.write_text("[ais_gap]\nmin_gap_h = 4\n")
    assert detect_events(frame, config=p, types=["ais_gap"]).height == 1


def test_override_refuses_negative() -> None:
    with pytest.raises(ConfigError):
        override(DetectorConfig().encounter, {"max_dist_m": -1}, source="x")


def test_end_to_end_with_the_segmenter() -> None:
    """Raw positions -> vessels.tracks.segment -> detect_events; unsegmented tracks are refused."""
    import vessels.tracks as tracks_mod
    from tests.events import test_scenarios as sc

    raw = pl.concat(
        [sc.gap_7h_80nm(), sc.alongside_3h_offshore(), sc.reefer_loitering_offshore()],
        how="diagonal_relaxed",
    ).drop(S.SEGMENT_ID)
    raw = raw.with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias(S.SOURCE_ROW))
    segmented = tracks_mod.segment(raw)
    ev = detect_events(segmented)
    with pytest.raises(SchemaError, match="segment them first"):
        detect_events(raw)
    assert {"ais_gap", "encounter", "loitering"} <= set(ev[S.EVENT_TYPE])


def test_end_to_end_with_segmenter_and_zone_labeller() -> None:
    """A panga dark 3 h in the upper Gulf, through segment -> label_zones -> detect_events."""
    import vessels.tracks as tracks_mod
    import vessels.zones as zones_mod
    from tests.factories import make_track

    kw: dict[str, Any] = {"speed_kn": 4.0, "lat": 31.0, "lon": -114.2, "interval_s": 300, "n": 12}
    raw = pl.concat(
        [make_track(345000050, **kw), make_track(345000050, start=T0.replace(hour=4), **kw)]
    ).with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias(S.SOURCE_ROW))
    zones = zones_mod.default_zones()
    labelled = zones_mod.label_zones(tracks_mod.segment(raw), zones)
    gaps = detect_events(labelled, zones, types=["ais_gap", "zone_entry"])
    gap = gaps.filter(pl.col(S.EVENT_TYPE) == "ais_gap").row(0, named=True)
    assert gap[S.EVENT_ZONE_ID] == "aoi-upper-gulf"
    assert gap[S.EVENT_ZONE_NAME].startswith("Upper Gulf of California")
    assert gap[S.EVIDENCE]["in_zone_kind"] == "aoi"
    assert "Upper Gulf" in gap[S.EVIDENCE]["summary"]
    entries = gaps.filter(pl.col(S.EVENT_TYPE) == "zone_entry")
    assert entries[S.EVENT_ZONE_ID].to_list() == ["aoi-upper-gulf"]  # one visit across the gap


def test_fishing_score_keeps_input_columns_and_hides_internals() -> None:
    frame = _many_vessels()
    out = fishing_score(frame)
    assert out.height == frame.height
    assert set(frame.columns) <= set(out.columns)
    assert not [c for c in out.columns if c.startswith("_")]


def test_docs_parameter_tables_are_the_generated_ones() -> None:
    from vessels.events.config import parameters_markdown

    docs = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
    start = docs.index("<!-- params:start")
    block = docs[docs.index("\n", start) + 1 : docs.index("<!-- params:end -->")]
    assert block.strip() == parameters_markdown().strip(), (
        "docs/events.md parameter tables are stale: paste parameters_markdown() between the markers"
    )


def test_finish_of_a_frame_without_columns_is_no_events() -> None:
    """A frame with no columns has no rows: no event, not one row of nulls (a select of
    literals alone broadcasts to one row)."""
    from vessels.events import finish

    assert finish(pl.DataFrame(), S.IDENTITY_CONFLICT).height == 0
    assert finish(pl.LazyFrame(), S.AIS_GAP).height == 0


def test_identity_conflicts_with_every_kind_switched_off_are_none() -> None:
    """The detector's rarely reached branch (nothing asked) returns an empty event table."""
    from vessels.events import IdentityConfig, detect_identity_conflicts

    tracks = staged(track(1, n=5))
    off = IdentityConfig(report_shared_mmsi=False, report_mmsi_validity=False)
    ev = detect_identity_conflicts(tracks, off)
    assert ev.height == 0
    assert ev.schema == S.empty_events().schema
