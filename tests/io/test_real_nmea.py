"""Golden test on a real untimestamped receiver log (pyais' tests/nmea_data_sample.txt, MIT;
see tests/data/README.md): times come from its base-station reports and each report's own UTC
second, and the decoded fields are pyais's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from pyais.messages import NMEAMessage

from vessels import schema as S
from vessels.io import read_ais

LOG = Path(__file__).resolve().parents[1] / "data" / "real" / "pyais_coastal_untimed.nmea"
POSITION_TYPES = {1, 2, 3, 18, 19, 27}


def _pyais() -> tuple[dict[int, tuple[object, ...]], list[tuple[int, float]]]:
    """line -> decoded position fields, and (line, epoch) of every base-station report."""
    positions: dict[int, tuple[object, ...]] = {}
    anchors: list[tuple[int, float]] = []
    for i, line in enumerate(LOG.read_text().splitlines(), start=1):
        msg = NMEAMessage(line.encode())
        if not msg.payload or msg.frag_cnt != 1:
            continue
        d = msg.decode()
        if msg.ais_id in POSITION_TYPES and abs(d.lat) <= 90 and abs(d.lon) <= 180:
            positions[i] = (d.mmsi, d.lat, d.lon, d.speed, d.course)
        elif msg.ais_id == 4:
            t = datetime(d.year, d.month, d.day, d.hour, d.minute, d.second, tzinfo=UTC)
            anchors.append((i, t.timestamp()))
    return positions, anchors


def test_real_untimestamped_log_is_placed_by_its_base_stations() -> None:
    truth, anchors = _pyais()
    assert len(anchors) == 3 and len(truth) > 200
    ing = read_ais(LOG)
    s = ing.summary()
    pos = ing.positions.collect()
    # >= 95 % of the position reports pyais decodes are accepted (duplicates are accepted rows
    # that repeat another exactly)
    assert s["accepted_rows"] + s["duplicate_rows"] >= 0.95 * len(truth)
    assert set(pos[S.SOURCE_ROW].to_list()) <= set(truth)
    assert set(pos[S.TS_SOURCE].cast(pl.String)) == {"base_station"}
    assert s["per_rule"]["empty_payload"] == 31
    assert "no_timestamp" not in s["per_rule"] and "time_not_placeable" not in s["per_rule"]
    # decoded fields equal pyais's
    for row in pos.select(S.SOURCE_ROW, S.MMSI, S.LAT, S.LON, S.SOG_KN, S.COG_DEG).iter_rows():
        mmsi, lat, lon, sog, cog = truth[row[0]]
        assert row[1] == mmsi and abs(row[2] - lat) < 1e-9 and abs(row[3] - lon) < 1e-9
        assert sog is None or abs(row[4] - sog) < 1e-4
        assert cog is None or cog >= 360 or abs(row[5] - cog) < 1e-4
    # times: the log spans 09:30:38-09:31:02 in reception order; each report's time is its own
    # UTC second in the minute nearest the anchors; most lie within 3 s of the time
    # interpolated between the anchors in line order
    lines = pos[S.SOURCE_ROW].cast(pl.Float64)
    (l0, t0), _, (l2, t2) = anchors
    rate = (l2 - l0) / (t2 - t0)
    est = t0 + (lines - l0) / rate
    err = (pos[S.TS].dt.epoch("ms") / 1000.0 - est).abs()
    assert (err <= 3.0).mean() >= 0.9  # type: ignore[operator]
    assert err.max() <= 30.0  # type: ignore[operator]
