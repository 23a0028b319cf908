"""Real-traffic regression suite (issue 13): ordinary ships must not light up.

Real NOAA MarineCadastre AIS shipped in ``tracktable-data`` (public domain; BSD-2 package): New
York harbour (an hour as CSV, a December week as .traj), Virginia Beach (three days, .traj) and
the US coasts (a day, .traj). Nobody here wrote or tuned on these tracks: they are ordinary
traffic, so an analyst expects of the default ranking

- at most 1 % of vessels high or critical,
- at most 0.05 events per position,
- no open gap (a track ending before the data does) scored,
- no dark rendezvous in a port or anchorage, and no dark rendezvous built on an open gap,
- no fleet event (issue 19: ordinary traffic is no distant-water fleet), and the network rule
  lifting no vessel into the high tier on its own.

Measured before issue 13 (default profile): US coast 12.7 % high/critical, NY harbour week 89 %,
Virginia Beach 39 %, almost all from dark rendezvous of open or in-port silences.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pytest
import tracktable_data  # dev extra: real NOAA MarineCadastre AIS (public domain)

import vessels
from vessels import schema as S
from vessels.events._common import prepare
from vessels.events.coverage import harbour_cells, harbour_expr
from vessels.pipeline import PipelineResult

EXAMPLES = Path(tracktable_data.__file__).parent / "python_example_data"
REAL = [
    "NYHarbor_2020_06_30_first_hour.csv",
    "NYHarbor_2020_12_first_week.traj",
    "VirginiaBeach_2020_06_04_to_06_filtered.traj",
    "US_coastal_2020_06_30.traj",
]


@cache
def _run(name: str) -> PipelineResult:
    return vessels.run(EXAMPLES / name)


def _evidence(events: pl.DataFrame, field: str) -> pl.Expr:
    return pl.col(S.EVIDENCE).struct.field(field)


@pytest.mark.parametrize("name", REAL)
def test_ordinary_traffic_is_not_high_risk(name: str) -> None:
    res = _run(name)
    v = res.vessels
    assert v.height > 50, "the real set has traffic"
    hot = v.filter(pl.col(S.RISK_TIER).is_in(["high", "critical"]))
    share = hot.height / v.height
    assert share <= 0.01, f"{name}: {hot.height}/{v.height} high/critical\n{hot.head(10)}"


@pytest.mark.parametrize("name", REAL)
def test_events_per_position_stay_low(name: str) -> None:
    res = _run(name)
    n = res.summary["positions"]
    assert n > 1000
    rate = res.events.height / n
    assert rate <= 0.05, f"{name}: {res.events.height} events on {n} positions"


@pytest.mark.parametrize("name", REAL)
def test_no_open_gap_scored(name: str) -> None:
    res = _run(name)
    gaps = res.events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
    open_ids = gaps.filter(_evidence(gaps, "is_open"))[S.EVENT_ID]
    assert open_ids.len() > 0 or name.endswith(".csv"), "real tracks end before the data does"
    scored = res.contributions.filter(pl.col(S.EVENT_ID).is_in(open_ids.implode()))
    assert scored.height == 0, scored


@pytest.mark.parametrize("name", REAL)
def test_no_dark_rendezvous_in_port_or_on_open_gaps(name: str) -> None:
    res = _run(name)
    dr = res.events.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS)
    cells = harbour_cells(prepare(res.tracks))
    in_port = dr.filter(
        harbour_expr(S.START_LAT, S.START_LON, cells) | harbour_expr(S.END_LAT, S.END_LON, cells)
    )
    assert in_port.height == 0, in_port
    # every dark rendezvous is built on closed silences: it ends before the data does
    horizon = res.tracks.lazy().select(pl.col(S.TS).max()).collect().item()
    assert dr.filter(pl.col(S.END_TS) >= horizon).height == 0


def test_stray_late_rows_do_not_open_gaps_for_everyone(tmp_path: Path) -> None:
    """A handful of rows at the end of the day must not give every vessel an open 'gap' that
    then pairs into dark rendezvous (the MarineCadastre day of issue 13)."""
    src = (EXAMPLES / "NYHarbor_2020_06_30_first_hour.csv").read_text().splitlines()
    header, rows = src[0], src[1:]
    cols = header.split(",")
    t = cols.index("BaseDateTime")
    late = []
    for r in rows[:3]:
        f = r.split(",")
        f[t] = "2020-06-30T23:59:00"
        late.append(",".join(f))
    path = tmp_path / "ny_with_stray_rows.csv"
    path.write_text("\n".join([header, *rows, *late]) + "\n")
    res = vessels.run(path)
    gaps = res.events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
    assert gaps.filter(_evidence(gaps, "is_open")).height <= 3
    assert res.events.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS).height == 0
    hot = res.vessels.filter(pl.col(S.RISK_TIER).is_in(["high", "critical"]))
    assert hot.height == 0


@pytest.mark.parametrize("name", REAL)
def test_no_fleet_among_ordinary_traffic(name: str) -> None:
    res = _run(name)
    fleets = res.events.filter(pl.col(S.EVENT_TYPE) == "fleet_presence")
    assert fleets.height == 0, fleets
    # the network rule never lifts an ordinary vessel into the high tier by itself
    net = res.contributions.filter(pl.col(S.RULE_NAME) == "network_contact")
    lifted = (
        res.vessels.join(net.group_by(S.MMSI).agg(pl.col(S.POINTS).sum().alias("_net")), on=S.MMSI)
        .filter(pl.col(S.RISK_SCORE) >= 50)
        .filter(pl.col(S.RISK_SCORE) - pl.col("_net") < 50)
    )
    assert lifted.height == 0, lifted
