"""Fishing events from the gear-specific score: who may be called fishing, VMS events, outputs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.events._helpers import label, track, zigzag
from tests.events.test_fishing_features import circle, drifting, moored, path
from vessels import schema as S
from vessels.events import detect_events
from vessels.events.fishing import FishingConfig, detect_fishing, score_positions
from vessels.risk import load_profile, score

SAMPLES = Path(__file__).resolve().parents[2] / "ais_samples"


def fishing_events(df: pl.DataFrame, **kw: Any) -> pl.DataFrame:
    return detect_events(df, types=["fishing"], **kw)


def harbour_manoeuvres(mmsi: int, ship_type: int | None) -> pl.DataFrame:
    """A ship turning slowly in a harbour basin for 3 h (2-4 kn, 0.3 km from the shore)."""
    step = 3.0 * 1852 / 60
    pts = [(300 * math.sin(i / 20), (i % 40) * step / 4, 2.0 + (i % 3)) for i in range(180)]
    return label(path(mmsi, pts, ship_type=ship_type), shore_km=0.3)


@pytest.mark.parametrize("ship_type", [70, 80, 60])
def test_merchant_ships_never_fish(ship_type: int) -> None:
    cases = [
        harbour_manoeuvres(351000001, ship_type),
        label(drifting(351000002, 6, 0.4, ship_type=ship_type), shore_km=30.0),
        label(zigzag(351000003, n=60, ship_type=ship_type), shore_km=40.0),
        label(circle(351000004, ship_type=ship_type), shore_km=100.0),
    ]
    for df in cases:
        assert fishing_events(df).height == 0
        assert score_positions(df)[S.FISHING_SCORE].max() == 0.0


def test_no_fishing_event_in_a_harbour_whatever_the_type() -> None:
    for st in (None, 30, 37, 52):
        assert fishing_events(harbour_manoeuvres(351000010, st)).height == 0


def test_an_undeclared_vessel_needs_sustained_fishing_behaviour() -> None:
    # straight at 3 kn for 4 h, a short drift, an hour at 9 kn: none is fishing for type unknown
    assert fishing_events(track(351000020, n=48, interval_s=300, speed_kn=3.0)).height == 0
    short_drift = label(drifting(351000021, 0.3, 0.4), shore_km=30.0)
    assert fishing_events(short_drift).height == 0
    assert fishing_events(track(351000022, n=60, speed_kn=9.0)).height == 0
    # the same vessel trawling (tows with turns) for 4 h is called fishing
    assert fishing_events(label(zigzag(351000023, n=48, leg=3))).height == 1


def test_a_declared_fishing_vessel_soaking_a_net_is_fishing_and_named() -> None:
    ev = fishing_events(label(drifting(351000030, 4, 0.4, ship_type=30), shore_km=25.0))
    assert ev.height == 1
    summary = ev[S.EVIDENCE].struct.field("summary").item()
    assert summary.startswith("fishing-like movement (soak) for ")
    assert "fishing score" in summary
    assert ev[S.EVIDENCE].struct.field("mean_fishing_score").item() >= 0.8


def test_moored_fishing_boat_is_not_fishing() -> None:
    assert fishing_events(label(moored(351000031, 12, ship_type=30), shore_km=4.0)).height == 0


def _vms(mmsi: int, n_slow: int, *, interval_s: float = 3600.0) -> pl.DataFrame:
    """Hourly VMS fixes: steaming out, ``n_slow`` slow fixes 1.5 km apart, steaming back."""
    out = [(-(i + 1) * 18_000.0, 0.0, 10.0) for i in reversed(range(3))]
    slow = [(i * 1500.0, 0.0, 1.5) for i in range(n_slow)]
    back = [(slow[-1][0] + (i + 1) * 18_000.0, 0.0, 10.0) for i in range(3)]
    return label(path(mmsi, out + slow + back, interval_s=interval_s, ship_type=30), shore_km=30.0)


def test_vms_fishing_event_with_vms_limits() -> None:
    ev = fishing_events(_vms(351000040, 6))
    assert ev.height == 1
    assert ev[S.DURATION_H].item() == pytest.approx(5.0)
    assert "(vms_slow)" in ev[S.EVIDENCE].struct.field("summary").item()
    # GFW's limits (> 5 positions, split at 2 h) would drop or split it: they apply to dense AIS
    gfw = FishingConfig(vms_split_max_gap_h=2.0, vms_drop_max_positions=5)
    assert detect_fishing(_vms(351000040, 6), gfw).height == 1  # 6 fixes 1 h apart still pass
    assert detect_fishing(_vms(351000041, 4), gfw).height == 0
    assert fishing_events(_vms(351000041, 4)).height == 1
    # a lone slow fix is not sustained
    assert fishing_events(_vms(351000042, 1)).height == 0


def test_score_positions_keeps_row_order_and_nulls_rows_without_position() -> None:
    df = pl.concat(
        [label(zigzag(351000050, n=30, ship_type=30)), track(351000051, n=30, speed_kn=12.0)]
    )
    df = df.reverse().with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise(pl.col(S.LAT)).alias(S.LAT)
    )
    out = score_positions(df)
    assert out.drop(S.FISHING_SCORE, S.FISHING_BEHAVIOUR).equals(df)
    assert out[S.FISHING_SCORE][5] is None
    assert out[S.FISHING_SCORE].null_count() == 1
    assert out.schema[S.FISHING_BEHAVIOUR] == S.FISHING_SCORE_SCHEMA[S.FISHING_BEHAVIOUR]


def test_scoring_in_chunks_of_whole_segments_changes_nothing() -> None:
    from vessels.events._common import prepare
    from vessels.events.fishing import _score_columns

    df = pl.concat(
        [
            label(zigzag(351000055 + i, n=40 + 7 * i, ship_type=30), segment_id=f"s{i}")
            for i in range(6)
        ]
        + [label(drifting(351000065, 3, 0.4, ship_type=30), shore_km=25.0)]
    )
    p = prepare(df)
    one = _score_columns(p, FishingConfig(), chunk_rows=10**9)
    for rows in (1, 50, 97):
        part = _score_columns(p, FishingConfig(), chunk_rows=rows)
        # the same windows, and the window sums restart per segment: the same values exactly
        assert part.equals(one)
        assert part[S.FISHING_SCORE].sum() > 0


def test_detectors_reuse_a_score_the_tracks_carry() -> None:
    df = label(zigzag(351000060, n=48, ship_type=30))
    fresh = fishing_events(df)
    assert fresh.height == 1
    zeroed = score_positions(df).with_columns(pl.lit(0.0).alias(S.FISHING_SCORE))
    assert fishing_events(zeroed).height == 0  # the carried column wins


def test_reason_shows_the_fishing_score_and_the_threshold_filters(tmp_path: Path) -> None:
    df = label(drifting(351000070, 4, 0.4, ship_type=30), shore_km=25.0, zones=["mx-rb-alto-golfo"])
    ev = detect_events(df, types=["fishing"])
    assert ev.height == 1
    res = score(ev, df, load_profile("default"))
    reasons = res.contributions.filter(pl.col("rule") == "fishing_in_zone")["explanation"]
    assert reasons.len() == 1 and "fishing score 0.8" in reasons.item()
    strict = tmp_path / "strict.toml"
    strict.write_text(
        '[profile]\nname = "strict"\nextends = "default"\n'
        "[rules.fishing_in_zone]\nmin_fishing_score = 0.95\n"
    )
    res = score(ev, df, load_profile(strict))
    assert res.contributions.filter(pl.col("rule") == "fishing_in_zone").height == 0


def test_tracks_parquet_carries_the_score(tmp_path: Path) -> None:
    from vessels.pipeline import run

    res = run(SAMPLES / "pacific-eez" / "ais.csv", out=tmp_path / "out", map=False)
    tracks = pl.read_parquet(tmp_path / "out" / S.TRACKS_FILE)
    assert {S.FISHING_SCORE, S.FISHING_BEHAVIOUR} <= set(tracks.columns)
    assert tracks[S.FISHING_SCORE].is_between(0.0, 1.0).all()
    merchant = tracks.filter(pl.col(S.SHIP_TYPE).is_between(60, 89))
    assert merchant.height > 0 and merchant[S.FISHING_SCORE].max() == 0.0
    fishing = tracks.filter(pl.col(S.FISHING_SCORE) >= 0.5)
    assert set(fishing[S.SHIP_TYPE].drop_nulls().unique()) <= {30}
    # every fishing event's positions are fishing positions of the written tracks
    ev = res.events.filter(pl.col(S.EVENT_TYPE) == S.FISHING)
    assert ev.height > 0
    for row in ev.iter_rows(named=True):
        inside = fishing.filter(
            (pl.col(S.MMSI) == row[S.MMSI])
            & pl.col(S.TS).is_between(row[S.START_TS], row[S.END_TS])
        )
        assert inside.height > 5


def test_scoring_whole_vessels_batch_by_batch_changes_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """score_positions splits big inputs into batches of whole vessels (memory); the windows never
    cross vessels, so any batch size gives the same scores in the input's row order."""
    from polars.testing import assert_frame_equal

    import vessels.events.fishing as fishing
    from vessels.testing import make_track, staged

    tracks = staged(
        pl.concat(
            [make_track(i, n=120, speed_kn=float(1 + i % 6), ship_type=30) for i in range(1, 30)]
        )
    ).sample(fraction=1.0, shuffle=True, seed=3)
    whole = fishing.score_positions(tracks)
    monkeypatch.setattr(fishing, "_BATCH_ROWS", 500)
    assert len(list(fishing._vessel_batches(tracks, 500))) > 3
    assert len(list(fishing._vessel_batches(tracks.sort(S.MMSI), 500))) > 3
    batched = fishing.score_positions(tracks)
    assert whole["fishing_score"].sum() > 0
    assert_frame_equal(whole, batched)
    # sorted by MMSI, the batches are slices of the frame
    ordered = tracks.sort(S.MMSI, S.TS)
    assert_frame_equal(fishing.score_positions(ordered), whole.sort(S.MMSI, S.TS))


@pytest.mark.parametrize("shuffled", [False, True], ids=["sorted-by-mmsi", "shuffled"])
def test_scoring_does_not_copy_the_tracks_columns(monkeypatch, shuffled: bool) -> None:  # type: ignore[no-untyped-def]
    """The tracks come from zone labelling with columns in other chunks than the ingested ones;
    an operation over the whole frame (select, drop) would first copy every column into the same
    chunks (2.2 GB at 10 M rows). score_positions hands the tracks' own columns back."""
    import vessels.events.fishing as fishing
    from vessels.testing import make_track, staged

    parts = [
        staged(
            pl.concat([make_track(i, n=60, speed_kn=3.0, ship_type=30) for i in range(k, k + 4)])
        )
        for k in (1, 5)
    ]
    tracks = pl.concat(parts, rechunk=False)
    if shuffled:
        tracks = tracks.sample(fraction=1.0, shuffle=True, seed=2)
        tracks = pl.DataFrame([tracks[c].rechunk().slice(0) for c in tracks.columns])
        tracks = pl.concat([tracks.slice(0, 200), tracks.slice(200)], rechunk=False)
    tracks = tracks.with_columns(tracks[S.SHORE_KM].rechunk())  # other chunks than the rest
    assert tracks[S.LAT].n_chunks() == 2 and tracks[S.SHORE_KM].n_chunks() == 1
    monkeypatch.setattr(fishing, "_BATCH_ROWS", 100)
    out = fishing.score_positions(tracks)
    assert [out[c].n_chunks() for c in tracks.columns] == [
        tracks[c].n_chunks() for c in tracks.columns
    ]
    assert out.drop(S.FISHING_SCORE, S.FISHING_BEHAVIOUR).equals(tracks)
    whole = fishing.score_positions(tracks.rechunk())
    assert out.equals(whole) and out[S.FISHING_SCORE].sum() > 0


def _fast_and_full(df: pl.DataFrame, monkeypatch) -> tuple[pl.DataFrame, pl.DataFrame]:  # type: ignore[no-untyped-def]
    """``score_positions(df)`` with the vessels of ``_never_fishing`` skipped and computed in
    full; row 7 (no latitude) is the one null score, and the scores are equal bit for bit."""
    import numpy as np

    import vessels.events.fishing as fishing

    fast = score_positions(df)
    monkeypatch.setattr(fishing, "_never_fishing", lambda *_: None)
    full = score_positions(df)
    assert fast[S.FISHING_SCORE][7] is None and fast[S.FISHING_SCORE].null_count() == 1
    bits = fast[S.FISHING_SCORE].fill_null(-1.0).to_numpy().view(np.uint64)
    assert np.array_equal(bits, full[S.FISHING_SCORE].fill_null(-1.0).to_numpy().view(np.uint64))
    return fast, full


def test_vessels_that_cannot_fish_score_what_the_full_computation_gives(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Cargo ships (types 60-89 on every row, finite inputs) get 0 without their windowed
    features; the same scores, bit for bit, as computing them: +0.0 (never -0.0), no behaviour,
    null where a row has no position. A cargo ship with a NaN input and a ship whose type is
    60-89 on some rows only are computed."""
    import numpy as np

    import vessels.events.fishing as fishing

    cargo = [
        label(drifting(351000090 + k, 6, 0.4, ship_type=st), shore_km=30.0)
        for k, st in enumerate((70, 80, 60))
    ]
    nan_sog = label(zigzag(351000095, n=40, ship_type=70), shore_km=40.0).with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(float("nan"))
        .otherwise(pl.col(S.SOG_KN))
        .alias(S.SOG_KN)
    )
    mixed = label(zigzag(351000096, n=40, leg=3, ship_type=30), shore_km=40.0).with_columns(
        pl.when(pl.int_range(pl.len()) < 20)
        .then(70)
        .otherwise(30)
        .cast(pl.UInt8)
        .alias(S.SHIP_TYPE)
    )
    fisher = label(zigzag(351000097, n=48, leg=3, ship_type=30))
    df = pl.concat([*cargo, nan_sog, mixed, fisher], how="diagonal_relaxed")
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col(S.LAT)).alias(S.LAT)
    )
    fixed = fishing._never_fishing(df.select(S.MMSI, S.SHIP_TYPE, S.SOG_KN), FishingConfig())
    assert fixed is not None and fixed.sum() == sum(c.height for c in cargo)
    fast, full = _fast_and_full(df, monkeypatch)
    assert fast.equals(full) and fast[S.FISHING_SCORE].max() > 0
    assert not np.signbit(fast[S.FISHING_SCORE].drop_nulls().to_numpy()).any()


def test_vessels_never_at_sea_score_what_the_full_computation_gives(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Fishing vessels whose every row is within 0.5 km of the shore (or on land) get 0 without
    their windowed features, as the full computation gives (every behaviour needs the position
    at sea); a vessel with one row at sea, one with a null shore distance (taken as far) and one
    with a NaN input are computed, and a fisher at sea still scores."""

    import vessels.events.fishing as fishing

    ashore = [
        label(zigzag(351000101, n=48, leg=3, ship_type=30), shore_km=0.5),
        label(zigzag(351000102, n=48, leg=3, ship_type=None), shore_km=-2.0),
        label(drifting(351000103, 6, 0.4, ship_type=30), shore_km=0.1),
    ]
    one_at_sea = label(zigzag(351000104, n=48, leg=3, ship_type=30), shore_km=0.2).with_columns(
        pl.when(pl.int_range(pl.len()) == 30)
        .then(40.0)
        .otherwise(pl.col(S.SHORE_KM))
        .alias(S.SHORE_KM)
    )
    null_shore = label(zigzag(351000105, n=48, leg=3, ship_type=30), shore_km=0.2).with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(None)
        .otherwise(pl.col(S.SHORE_KM))
        .alias(S.SHORE_KM)
    )
    nan_cog = label(zigzag(351000106, n=48, leg=3, ship_type=30), shore_km=0.2).with_columns(
        pl.when(pl.int_range(pl.len()) == 9)
        .then(float("nan"))
        .otherwise(pl.col(S.COG_DEG))
        .alias(S.COG_DEG)
    )
    fisher = label(zigzag(351000107, n=48, leg=3, ship_type=30), shore_km=40.0)
    coastal = label(zigzag(351000108, n=48, leg=3, ship_type=30), shore_km=1.5)  # ramps at 1/3
    df = pl.concat(
        [*ashore, one_at_sea, null_shore, nan_cog, fisher, coastal], how="diagonal_relaxed"
    ).with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise(pl.col(S.LAT)).alias(S.LAT)
    )
    narrow = df.select(S.MMSI, S.SHIP_TYPE, S.SHORE_KM, S.COG_DEG)
    fixed = fishing._never_fishing(narrow, FishingConfig())
    assert fixed is not None and fixed.sum() == sum(c.height for c in ashore)
    # a configuration whose shore ramps do not all rise has no such vessels
    assert fishing._never_fishing(narrow, FishingConfig(vms_min_shore_km=(3.0, 3.0))) is None
    fast, full = _fast_and_full(df, monkeypatch)
    assert fast.equals(full)
    at_sea = fast.filter(pl.col(S.MMSI) == 351000107)[S.FISHING_SCORE]
    assert at_sea.max() > 0.5  # type: ignore[operator]
    # the vessels computed in full: null shore counts as far from the coast, and 1.5 km is
    # inside the at-sea ramp (0.5 -> 2 km), so both may score
    for mmsi in (351000105, 351000108):
        assert fast.filter(pl.col(S.MMSI) == mmsi)[S.FISHING_SCORE].max() > 0  # type: ignore[operator]
