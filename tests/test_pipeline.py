"""Tests of vessels.pipeline: the Python API of the main job, its result object and the map."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.test_cli_score import CARGO, DARK, write_sample
from vessels import schema as S
from vessels.errors import ConfigError, UserError
from vessels.pipeline import Pipeline, events_geojson, run
from vessels.risk import VESSEL_SCHEMA


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("ais") / "ais.csv")


@pytest.fixture(scope="module")
def result(sample: Path):  # type: ignore[no-untyped-def]
    return run(sample)


def test_run_returns_every_table(result) -> None:  # type: ignore[no-untyped-def]
    S.validate(result.vessels, VESSEL_SCHEMA)
    S.validate(result.events, S.EVENT_SCHEMA)
    S.validate(result.contributions, S.CONTRIBUTION_SCHEMA)
    S.validate(result.tracks, {**S.POSITION_SCHEMA, S.SEGMENT_ID: pl.String()})
    assert result.tracks.height == result.summary["accepted_rows"]
    assert result.quarantine.height == result.summary["quarantined_rows"]
    assert result.vessels[S.RISK_SCORE].is_sorted(descending=True)
    assert result.vessel_days.height >= result.vessels.filter(pl.col(S.RISK_SCORE) > 0).height
    assert result.files == {}  # nothing written without out=


def test_repr_html_shows_counts_and_escapes_names(result) -> None:  # type: ignore[no-untyped-def]
    hostile = result.vessels.with_columns(
        pl.when(pl.col(S.MMSI) == DARK)
        .then(pl.lit("<script>alert(1)</script>"))
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias(S.VESSEL_NAME)
    )
    page = type(result)(**{**result.__dict__, "vessels": hostile})._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert f"{result.summary['accepted_rows']:,} positions" in page
    assert "2024-03-01" in page  # time range
    assert str(CARGO) in page


def test_write_with_map(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = result.write(tmp_path / "out", top_n=5)
    assert (tmp_path / "out" / "map.html").stat().st_size > 1000
    assert "map.html" in files
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["map_written"] is True and "map" in summary["timings_s"]
    # CPU seconds of every stage timed, next to the wall seconds (ingest's include tracks)
    assert set(summary["cpu_s"]) == set(summary["timings_s"]) - {"tracks"}
    assert all(v >= 0 for v in summary["cpu_s"].values()) and summary["cpu_s"]["ingest"] > 0
    with pytest.raises(UserError, match="already exists"):
        result.write(tmp_path / "out")
    # overwriting without a map removes the old map (it would not belong to this run);
    # files that are not ours stay
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result.write(tmp_path / "out", overwrite=True, map=False, tracks=False)
    assert not (tmp_path / "out" / "map.html").exists()
    assert not (tmp_path / "out" / "tracks.parquet").exists()
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_pipeline_keeps_options(sample: Path) -> None:
    p = Pipeline(profile="gulf-of-california", mmsi=[DARK])
    res = p.run(sample)
    assert res.profile.name == "gulf-of-california"
    assert res.vessels[S.MMSI].to_list() == [DARK]
    assert "gulf-of-california" in repr(p)
    with pytest.raises(ConfigError, match="unknown option"):
        Pipeline(colour="red")


def test_since_until_filter(sample: Path) -> None:
    res = run(sample, since="2024-03-01T12:00:00", until="2024-03-02")
    assert res.tracks[S.TS].min() >= datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert res.summary["filtered_rows"] > 0
    assert res.summary["filters"]["since"] == "2024-03-01T12:00:00+00:00"


def test_geojson_of_empty_and_null_positions() -> None:
    assert json.loads(events_geojson(S.empty_events()))["features"] == []
    ev = pl.DataFrame(
        [{S.EVENT_ID: "x", S.EVENT_TYPE: "ais_gap", S.MMSI: 1, S.EVIDENCE: {"summary": 'a "b"'}}],
        schema=S.EVENT_SCHEMA,
    )
    gj = json.loads(events_geojson(ev))
    assert gj["features"][0]["geometry"] is None
    assert gj["features"][0]["properties"]["evidence"]["summary"] == 'a "b"'


@pytest.mark.parametrize("sample_dir", ["gulf-of-california", "yucatan", "pacific-eez"])
def test_labelling_whole_vessels_by_batch_equals_labelling_all_at_once(
    sample_dir: str, tmp_path: Path
) -> None:
    """`vessels.run` labels zones batch by batch of whole vessels: the same frame as one call."""
    from vessels.ingestion import ingest
    from vessels.pipeline import _label_by_vessel
    from vessels.zones import default_zones, label_zones

    root = Path(__file__).resolve().parents[1] / "ais_samples" / sample_dir
    ingested = ingest(sorted(root.glob("*.csv")), tmp_path / "positions.parquet")
    positions = pl.read_parquet(ingested.positions)
    layer = default_zones()
    whole = label_zones(positions, layer)
    assert whole[S.MMSI].n_unique() > 5
    for rows in (1, 997, positions.height // 3):
        batched = _label_by_vessel(positions, layer, rows)
        assert batched.equals(whole)


def _tables(res) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    tracks = res.tracks.collect() if isinstance(res.tracks, pl.LazyFrame) else res.tracks
    return {
        "tracks": tracks,
        "events": res.events,
        "vessels": res.vessels,
        "contributions": res.contributions,
    }


def _facts(summary: dict) -> dict:  # type: ignore[type-arg]
    return {k: summary[k] for k in ("positions", "time_range", "coverage", "warnings", "events")}


@pytest.mark.parametrize("spill", [True, False], ids=["tracks-parquet", "in-memory"])
def test_batches_of_whole_vessels_give_the_run_of_one_batch(
    spill: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` reads, labels, fishing-scores (and writes) the ingested positions batch by batch of
    whole vessels: any batch size gives the tables, tracks, coverage report, time range and
    position count of one batch of everything."""
    import vessels.pipeline as P

    root = Path(__file__).resolve().parents[1] / "ais_samples" / "gulf-of-california"
    inputs = sorted(root.glob("*.csv"))

    def once(rows: int, name: str):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(P, "POSITION_BATCH_ROWS", rows)
        monkeypatch.setattr(
            P, "_ingested_batches", lambda path, rows=rows: _counting(path, rows, seen[name])
        )
        return run(inputs, out=tmp_path / name if spill else None, map=False)

    seen: dict[str, list[int]] = {"whole": [], "batched": []}
    original = P._ingested_batches

    def _counting(path: Path, rows: int, sizes: list[int]):  # type: ignore[no-untyped-def]
        for batch in original(path, rows):
            sizes.append(batch.height)
            yield batch

    whole = once(10**9, "whole")
    batched = once(997, "batched")
    assert len(seen["whole"]) == 1 and len(seen["batched"]) > 5
    assert sum(seen["batched"]) == whole.summary["positions"] > 5_000
    a, b = _tables(whole), _tables(batched)
    for name in a:
        assert a[name].equals(b[name]), name
        assert a[name].schema == b[name].schema, name
    assert _facts(whole.summary) == _facts(batched.summary)
    if spill:  # same file contents and types as polars' own writer gives
        for d in ("whole", "batched"):
            on_disk = pl.read_parquet(tmp_path / d / S.TRACKS_FILE)
            assert on_disk.equals(a["tracks"]) and on_disk.schema == a["tracks"].schema
        for f in ("events.csv", "vessels.csv", "contributions.csv"):
            assert (tmp_path / "whole" / f).read_bytes() == (tmp_path / "batched" / f).read_bytes()


def test_write_tracks_batches_equal_one_write(tmp_path: Path) -> None:
    """Batches written one after another make the file one frame's write makes (values and
    types: enums, lists of text, time zone), with row groups of about 100 k rows."""
    import pyarrow.parquet as pq

    from vessels.pipeline import _write_tracks
    from vessels.testing import make_track, staged

    frame = staged(pl.concat([make_track(m, n=400) for m in (3, 1, 2)])).with_columns(
        pl.lit(["EEZ-A"]).alias(S.ZONE_IDS),
        pl.Series(S.GEO_CLASS, ["open_sea"] * 1200, dtype=pl.Enum(S.GEO_CLASSES)),
    )
    _write_tracks(frame, tmp_path / "one.parquet")
    parts = (frame.slice(a, 250) for a in range(0, frame.height, 250))
    _write_tracks(parts, tmp_path / "batches.parquet")
    one = pl.read_parquet(tmp_path / "one.parquet")
    batches = pl.read_parquet(tmp_path / "batches.parquet")
    assert batches.equals(one) and batches.schema == one.schema == frame.schema
    meta = pq.ParquetFile(tmp_path / "batches.parquet").metadata
    assert meta.num_row_groups == 5
    # a reader can still skip row groups by vessel and time: their statistics are kept
    group = meta.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert chunks[S.MMSI].statistics.max == 1 and chunks[S.TS].is_stats_set
    assert not chunks[S.VESSEL_NAME].is_stats_set and chunks[S.LAT].compression == "LZ4"
    with pytest.raises(ValueError, match="no batch"):
        _write_tracks(iter([]), tmp_path / "none.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batches.parquet", "one.parquet"]


def test_a_failing_batch_fails_the_interleaved_stages(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zones, fishing_score and write_tracks run batch by batch together: a fishing-score error
    tells the hook fishing_score failed (then the others), none of them done, no file left."""
    import vessels.pipeline as P

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("scoring broke")

    monkeypatch.setattr(P, "score_positions", broken)
    calls: list[tuple[str, str]] = []
    with pytest.raises(RuntimeError, match="scoring broke"):
        run(sample, out=tmp_path / "o", map=False, progress=lambda s, st, i: calls.append((s, st)))
    assert [c for c in calls if c[1] != "step"] == [
        ("ingest", "start"),
        ("ingest", "done"),
        ("zones", "start"),
        ("fishing_score", "start"),
        ("write_tracks", "start"),
        ("fishing_score", "failed"),
        ("zones", "failed"),
        ("write_tracks", "failed"),
    ]
    assert ("zones", "step") in calls
    assert not (tmp_path / "o" / S.TRACKS_FILE).exists()
