"""Raw NMEA as receivers write it (issue 21): time reconstruction for untimestamped logs,
several sentences per line, mixed talker ids, identity messages counted as identity rows, and
the loud failure of a run that accepts too little."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais import encode_dict
from pyais.messages import NMEAMessage

from vessels import schema as S
from vessels.cli import main
from vessels.io import read_ais
from vessels.io._nmea import reconstruct_times
from vessels.simulation._nmea import nmea_checksum, position_sentences

T0 = int(datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC).timestamp())


def _talker(sentence: str, talker: str) -> str:
    """The sentence with another talker id (``AB`` for ``!ABVDM``) and its checksum redone."""
    body = talker + sentence[3 : sentence.rindex("*")]
    return f"!{body}*{nmea_checksum(body):02X}"


def _tag(content: str) -> str:
    return f"\\{content}*{nmea_checksum(content):02X}\\"


def _base_station(epoch: int) -> str:
    t = datetime.fromtimestamp(epoch, UTC)
    fields = {"year": t.year, "month": t.month, "day": t.day, "hour": t.hour}
    fields.update({"minute": t.minute, "second": t.second, "lat": 55.0, "lon": 11.0})
    parts = encode_dict({"type": 4, "mmsi": 2190047, **fields}, talker_id="AI", sentence_type="VDM")
    return str(parts[0])


def _simulated_log(
    rng: np.random.Generator, n: int, anchor_every_s: int, mean_gap_s: float
) -> tuple[list[str], pl.DataFrame]:
    """Untimestamped sentences in reception order + the truth (mmsi -> epoch) of each position.

    Every position has its own MMSI so the truth is looked up by MMSI. Base-station reports
    (type 4) every ``anchor_every_s`` seconds; a type 5 (two fragments) now and then.
    """
    gaps = rng.exponential(mean_gap_s, n)
    truth_s = T0 + np.floor(np.cumsum(gaps)).astype(np.int64)
    mmsi = 211_000_000 + np.arange(n)
    sentences = position_sentences(
        mmsi,
        rng.random(n) < 0.7,
        rng.uniform(54.0, 57.0, n),
        rng.uniform(8.0, 13.0, n),
        rng.uniform(0, 20, n).round(1),
        rng.uniform(0, 359, n).round(1),
        np.full(n, np.nan),
        np.zeros(n, dtype=np.int64),
        (truth_s % 60).astype(np.int64),
        rng.random(n) < 0.5,
    ).to_list()
    events: list[tuple[float, int, list[str]]] = [
        (float(t), 1, [s]) for t, s in zip(truth_s, sentences, strict=True)
    ]
    first = T0 + int(rng.integers(0, anchor_every_s))
    for t in range(first, int(truth_s[-1]) + anchor_every_s, anchor_every_s):
        events.append((float(t), 0, [_base_station(t)]))
    for k in range(0, n, 40):  # static reports of some vessels, two fragments each
        static = {"mmsi": int(mmsi[k]), "shipname": f"SHIP {k}", "callsign": f"OX{k}"}
        report = {"type": 5, **static, "imo": 9320063, "ship_type": 70}
        parts = encode_dict(report, talker_id="AI", sentence_type="VDM")
        events.append((float(truth_s[k]) + 0.5, 2, list(parts)))
    events.sort(key=lambda e: (e[0], e[1]))
    lines = [s for _, _, parts in events for s in parts]
    truth = pl.DataFrame({S.MMSI: mmsi.astype(np.uint32), "truth_s": truth_s})
    return lines, truth


def _regroup(rng: np.random.Generator, sentences: list[str], max_per_line: int, mix: float) -> str:
    """Several sentences per line (no separator), some with the talker id AB instead of AI."""
    out: list[str] = []
    i = 0
    while i < len(sentences):
        k = int(rng.integers(1, max_per_line + 1))
        group = [_talker(s, "AB") if rng.random() < mix else s for s in sentences[i : i + k]]
        out.append("".join(group))
        i += k
    return "\n".join(out) + "\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    anchor_every_s=st.sampled_from([5, 10, 30, 60]),
    mean_gap_s=st.sampled_from([0.1, 0.5, 2.0]),
    max_per_line=st.integers(1, 4),
    mix=st.sampled_from([0.0, 0.3]),
)
def test_stripped_simulated_logs_get_their_times_back(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    anchor_every_s: int,
    mean_gap_s: float,
    max_per_line: int,
    mix: float,
) -> None:
    rng = np.random.default_rng(seed)
    sentences, truth = _simulated_log(rng, 300, anchor_every_s, mean_gap_s)
    path = tmp_path_factory.mktemp("nmea") / "untimed.nmea"
    path.write_text(_regroup(rng, sentences, max_per_line, mix))
    ing = read_ais(path, format="nmea")
    pos = ing.positions.collect().join(truth, on=S.MMSI, how="left")
    assert pos["truth_s"].null_count() == 0
    # at least 95 % of the positions are accepted, every one within 60 s of the truth
    assert pos.height >= 0.95 * truth.height
    err_s = (pos[S.TS].dt.epoch("s") - pos["truth_s"]).abs()
    assert err_s.max() <= 60  # type: ignore[operator]
    assert (err_s == 0).mean() >= 0.95  # type: ignore[operator]
    assert set(pos[S.TS_SOURCE].cast(pl.String)) == {"base_station"}
    s = ing.summary()
    assert s["balanced"]
    assert s[S.IDENTITY_ROWS] == len(range(0, 300, 40))
    assert "bad_checksum" not in s["per_rule"]
    named = pos.filter(pl.col(S.VESSEL_NAME).is_not_null())
    assert named.height == len(range(0, 300, 40))


def _five(mmsi: int, name: str) -> list[str]:
    return list(
        encode_dict(
            {"type": 5, "mmsi": mmsi, "shipname": name, "callsign": "SHZA", "imo": 9320063},
            talker_id="AI",
            sentence_type="VDM",
        )
    )


def test_fragments_on_one_line_with_mixed_talkers_and_own_tag_blocks(tmp_path: Path) -> None:
    a, b = _five(219000001, "NORDIC TANKER")
    pos = position_sentences(
        np.array([219000001]), np.array([True]), np.array([55.5]), np.array([11.0]),
        np.array([10.0]), np.array([90.0]), np.array([np.nan]), np.array([0]),
        np.array([30]), np.array([False]),
    )[0]  # fmt: skip
    line1 = (
        _tag(f"s:rx1,c:{T0}")
        + _talker(a, "AB")
        + _tag(f"s:rx1,c:{T0}")
        + b
        + _tag(f"s:rx1,c:{T0 + 30}")
        + pos
    )
    # the same with a corrupted middle sentence: only that message is lost
    bad = _tag(f"s:rx1,c:{T0 + 60}") + a[:-2] + "00" + _tag(f"s:rx1,c:{T0 + 60}") + b
    path = tmp_path / "multi.nmea"
    path.write_text(line1 + "\n" + bad + "\n")
    ing = read_ais(path)
    s = ing.summary()
    assert s[S.IDENTITY_ROWS] == 1
    assert s["per_rule"] == {"bad_checksum": 1, "orphan_fragment": 1}
    p = ing.positions.collect()
    assert p.select(S.VESSEL_NAME, S.CALLSIGN, S.IMO).row(0) == ("NORDIC TANKER", "SHZA", 9320063)
    assert p[S.TS_SOURCE].cast(pl.String).to_list() == ["tag_block"]
    assert p[S.SOURCE_ROW].to_list() == [1]


def test_tag_block_groups_assemble_fragments_across_lines(tmp_path: Path) -> None:
    a, b = _five(219000002, "GROUPED")
    # same sequential id as another message in flight: the g: group keeps them apart
    c, d = _five(219000003, "OTHER")
    lines = [
        _tag(f"g:1-2-17,s:rx1,c:{T0}") + a,
        _tag(f"g:1-2-18,s:rx1,c:{T0}") + c,
        _tag("g:2-2-17") + _talker(b, "BS"),
        _tag("g:2-2-18") + d,
    ]
    path = tmp_path / "groups.nmea"
    path.write_text("\n".join(lines) + "\n")
    ing = read_ais(path)
    s = ing.summary()
    assert s[S.IDENTITY_ROWS] == 2 and s["quarantined_rows"] == 0
    hist = ing.identity_history().collect().sort(S.MMSI)
    assert hist[S.VESSEL_NAME].to_list() == ["GROUPED", "OTHER"]


def test_line_prefix_times_with_time_zone(tmp_path: Path) -> None:
    pos = position_sentences(
        np.array([219000001, 219000001]), np.array([True, True]), np.array([55.5, 55.6]),
        np.array([11.0, 11.1]), np.array([10.0, 10.0]), np.array([90.0, 90.0]),
        np.array([np.nan, np.nan]), np.array([0, 0]), np.array([0, 10]), np.array([False, True]),
    ).to_list()  # fmt: skip
    path = tmp_path / "prefixed.log"
    path.write_text(
        f"2024-03-01 11:00:00 {pos[0]}\n2024-03-01T11:00:10.5,{pos[1]}\n", encoding="utf-8"
    )
    utc = read_ais(path, format="nmea").positions.collect()
    assert utc[S.TS].dt.hour().to_list() == [11, 11]
    assert set(utc[S.TS_SOURCE].cast(pl.String)) == {"line_prefix"}
    local = read_ais(path, format="nmea", time_zone="Europe/Copenhagen").positions.collect()
    assert local[S.TS].to_list() == [
        datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 10, 0, 10, 500_000, tzinfo=UTC),
    ]


def _no_anchor_log(tmp_path: Path) -> Path:
    n = 50
    secs = (np.arange(n) * 7) % 60  # a report every 7 s, crossing minutes
    pos = position_sentences(
        np.full(n, 219000001), np.ones(n, dtype=bool), np.linspace(55, 55.5, n),
        np.linspace(11, 11.5, n), np.full(n, 8.0), np.full(n, 45.0), np.full(n, np.nan),
        np.zeros(n, dtype=np.int64), secs, np.zeros(n, dtype=bool),
    ).to_list()  # fmt: skip
    path = tmp_path / "bare.nmea"
    path.write_text("\n".join(pos) + "\n")
    return path


def test_no_anchor_and_no_start_time_fails_loudly(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _no_anchor_log(tmp_path)
    code = main(["ingest", str(path), "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "0 of 50 position rows" in err and "no_timestamp 50" in err
    assert "pass --start-time" in err
    assert "Traceback" not in err


def test_start_time_ingests_with_assumed_times(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _no_anchor_log(tmp_path)
    out = tmp_path / "o"
    args = ["ingest", str(path), "--out", str(out), "--start-time", "2024-03-01T10:00:00"]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accepted_rows"] == 50
    assert summary["time_reconstruction"]["start_time"] == "2024-03-01T10:00:00+00:00"
    assert summary[S.TS_SOURCE] == {"assumed": 50}
    assert any("--start-time" in w for w in summary["warnings"])
    assert "warning" in capsys.readouterr().err
    p = pl.read_parquet(out / "positions.parquet").sort(S.SOURCE_ROW)
    # one report every 7 s from the start time, minutes resolved in line order
    expected = [T0 + 7 * i for i in range(50)]
    assert p[S.TS].dt.epoch("s").to_list() == expected


def test_run_takes_the_start_time_too(tmp_path: Path) -> None:
    from vessels.pipeline import run

    res = run(_no_anchor_log(tmp_path), start_time="2024-03-01T10:00:00", no_default_zones=True)
    assert res.summary["accepted_rows"] == 50
    assert res.summary[S.TS_SOURCE] == {"assumed": 50}


def test_unplaceable_rows_are_quarantined_with_their_own_rule() -> None:
    msgs = pl.DataFrame(
        {
            "_line": [1, 2, 3],
            "_ts_s": [None, None, None],
            "_sec": [5, 6, 7],
            S.TS_SOURCE: ["base_station"] * 3,
            "_error": [None, None, None],
        },
        schema_overrides={"_ts_s": pl.Float64, "_error": pl.String},
    )
    # anchors 20 minutes apart: too far to resolve the minute of what lies between
    anchors = pl.DataFrame({"_line": [0, 4], "_ts_s": [float(T0), float(T0 + 1200)]})
    out = reconstruct_times(msgs, anchors)
    assert out["_error"].to_list() == ["time_not_placeable"] * 3
    close = anchors.with_columns(pl.Series("_ts_s", [float(T0), float(T0 + 20)]))
    out = reconstruct_times(msgs, close)
    assert out["_error"].null_count() == 3
    assert out["_ts_s"].to_list() == [T0 + 5, T0 + 6, T0 + 7]


def test_decoded_fields_equal_pyais_on_the_simulated_log(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    sentences, _ = _simulated_log(rng, 120, 10, 0.5)
    path = tmp_path / "log.nmea"
    path.write_text("\n".join(sentences) + "\n")
    pos = read_ais(path).positions.collect()
    by_mmsi = {}
    for s in sentences:
        m = NMEAMessage(s.encode())
        if m.frag_cnt == 1 and m.ais_id in (1, 18):
            d = m.decode()
            by_mmsi[d.mmsi] = (d.lat, d.lon, d.speed, d.course)
    assert pos.height == len(by_mmsi)
    for row in pos.select(S.MMSI, S.LAT, S.LON, S.SOG_KN, S.COG_DEG).iter_rows():
        lat, lon, sog, cog = by_mmsi[row[0]]
        assert row[1] == pytest.approx(lat) and row[2] == pytest.approx(lon)
        assert row[3] == pytest.approx(sog, abs=1e-4) and row[4] == pytest.approx(cog, abs=1e-4)
