"""Fishing scores do not depend on which way a vessel turns (mirror-symmetric tracks).

``course_change_deg`` is a signed turn (vessels.schema); the fishing score must use how much a
track turns. A circle fished to starboard once scored 0.754 and its mirror image, to port, 0.55.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from tests.factories import make_positions
from vessels import schema as S
from vessels.events import detect_events, fishing_score
from vessels.testing import staged
from vessels.tracks import segment

NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # local noon at lon 0: the night term is 0


def _circle(mmsi: int, *, to_port: bool, speed_kn: float = 3.0, n: int = 240) -> pl.DataFrame:
    """A vessel circling at ``speed_kn`` (a 2 km circle), reporting every 60 s."""
    radius_m = 1000.0
    step = speed_kn * 1852.0 / 3600.0 * 60.0 / radius_m  # radians per report
    sign = -1.0 if to_port else 1.0
    rows = []
    for i in range(n):
        a = i * step
        east, north = radius_m * math.sin(a) * sign, radius_m * math.cos(a)
        rows.append(
            {
                S.MMSI: mmsi,
                S.TS: NOON + timedelta(seconds=60 * i),
                S.LAT: 10.0 + north / 111_195.0,
                S.LON: 0.0 + east / (111_195.0 * math.cos(math.radians(10.0))),
                S.SOG_KN: speed_kn,
                S.COG_DEG: (90.0 + math.degrees(a)) % 360.0
                if not to_port
                else (270.0 - math.degrees(a)) % 360.0,
                S.SHIP_TYPE: 30,
            }
        )
    return make_positions(rows).with_columns(pl.lit(150.0).alias(S.SHORE_KM))


@pytest.mark.parametrize("speed_kn", [2.5, 3.0, 4.0])
def test_fishing_score_is_the_same_turning_either_way(speed_kn: float) -> None:
    starboard = fishing_score(staged(_circle(1, to_port=False, speed_kn=speed_kn)))
    port = fishing_score(staged(_circle(1, to_port=True, speed_kn=speed_kn)))
    s, p = starboard["fishing_score"].to_list(), port["fishing_score"].to_list()
    assert max(s) > 0.5  # a slow tight circle by a fishing vessel looks like fishing
    assert s == pytest.approx(p, abs=1e-9)


def test_course_change_is_signed_and_mirrors() -> None:
    starboard = segment(_circle(1, to_port=False))[S.COURSE_CHANGE_DEG].drop_nulls()
    port = segment(_circle(1, to_port=True))[S.COURSE_CHANGE_DEG].drop_nulls()
    assert (starboard > 0).all() and (port < 0).all()
    assert starboard.to_list() == pytest.approx((-port).to_list(), abs=1e-6)


def test_fishing_events_are_the_same_for_mirrored_tracks() -> None:
    both = pl.concat([_circle(1, to_port=False), _circle(2, to_port=True)])
    ev = detect_events(staged(segment(both)), types=["fishing"])
    per_vessel = ev.group_by(S.MMSI).agg(pl.col(S.DURATION_H).sum()).sort(S.MMSI)
    assert per_vessel[S.MMSI].to_list() == [1, 2]
    assert per_vessel[S.DURATION_H][0] == pytest.approx(per_vessel[S.DURATION_H][1])
