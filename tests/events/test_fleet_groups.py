"""A fleet is one group of vessels operating together (issue 19): spatial groups per flag and time
bin (vessels within ``link_km`` linked), followed over time by shared members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from vessels import schema as S
from vessels.events._fleet_groups import CANDIDATE_SCHEMA, fleet_groups, in_large_groups

T = datetime(2024, 3, 1, tzinfo=UTC)


def _cand(groups: list[tuple[float, float, int, int]], hours: int = 4) -> pl.DataFrame:
    """(lat, lon, n vessels, first mmsi) per group: vessels 2 km apart east-west, hourly rows."""
    rows = []
    for lat, lon, n, m0 in groups:
        for h in range(hours):
            for i in range(n):
                t = T + timedelta(hours=h)
                dlon = 2.0 / (111.32 * np.cos(np.radians(lat)))
                rows.append((m0 + i, h, t, t, lat, lon + i * dlon, "CHN", "MEX"))
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")


def _groups(cand: pl.DataFrame, **kw: float) -> pl.DataFrame:
    args = {"link_km": 5.0, "min_vessels": 5, "time_bin_h": 1.0, "min_duration_h": 3.0, **kw}
    return fleet_groups(cand, **args)  # type: ignore[arg-type]


def test_two_groups_along_one_boundary_are_two_fleets() -> None:
    cand = _cand([(24.0, -116.0, 8, 1000), (26.5, -115.0, 6, 2000)])
    g = _groups(cand)
    per = g.group_by("fleet_id").agg(pl.col(S.MMSI).sort(), pl.col("_size").first()).sort("_size")
    assert per["_size"].to_list() == [6, 8]
    assert per[S.MMSI].to_list() == [list(range(2000, 2006)), list(range(1000, 1008))]
    assert g[S.MMSI].is_unique().all()  # every member in exactly one fleet


def test_a_chain_of_neighbours_is_one_group_and_a_gap_splits_it() -> None:
    chain = _cand([(24.0, -116.0, 12, 1000)])  # 12 vessels, 2 km apart: one chain of 22 km
    assert _groups(chain)["fleet_id"].n_unique() == 1
    # link distance shorter than the spacing: nobody is linked, no group reaches 5
    assert _groups(chain, link_km=1.5).height == 0
    # a 30 km hole in the middle: two groups of 6
    split = _cand([(24.0, -116.0, 6, 1000), (24.0, -115.6, 6, 2000)])
    assert sorted(_groups(split).group_by("fleet_id").len()["len"].to_list()) == [6, 6]


def test_small_groups_short_episodes_and_other_flags_are_not_fleets() -> None:
    cand = _cand([(24.0, -116.0, 4, 1000)])
    assert _groups(cand).height == 0  # 4 < min_vessels
    assert _groups(_cand([(24.0, -116.0, 8, 1000)], hours=2)).height == 0  # 2 h < 3 h
    # the same spot, half the vessels flagged elsewhere: neither half is a fleet of 8
    mixed = _cand([(24.0, -116.0, 8, 1000)]).with_columns(
        pl.when(pl.col(S.MMSI) % 2 == 0).then(pl.lit("KOR")).otherwise(pl.col(S.FLAG)).alias(S.FLAG)
    )
    assert _groups(mixed, min_vessels=5).height == 0


def test_a_group_followed_over_time_by_its_members() -> None:
    """A group drifting 8 km an hour stays one fleet (shared members), counted each hour."""
    rows = []
    for h in range(5):
        for i in range(6):
            t = T + timedelta(hours=h)
            rows.append((1000 + i, h, t, t, 24.0 + 0.07 * h, -116.0 + 0.02 * i, "CHN", "MEX"))
    g = _groups(pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row"))
    assert g["fleet_id"].n_unique() == 1 and g.height == 6
    assert g["_bins"].to_list() == [5] * 6


@pytest.mark.parametrize("lat", [0.0, 45.0, 70.0, -60.0])
def test_neighbours_found_at_every_latitude(lat: float) -> None:
    """Cells widen with latitude: vessels 2 km apart are linked anywhere (even across a row
    or the antimeridian-free edge of a cell)."""
    cand = _cand([(lat + 0.0449, 179.5, 8, 1000)])
    assert _groups(cand)["fleet_id"].n_unique() == 1


def test_no_candidates() -> None:
    assert _groups(pl.DataFrame(schema=CANDIDATE_SCHEMA)).height == 0


def test_detector_reports_two_fleets_along_one_eez() -> None:
    """fleet_presence on staged tracks: two groups of Chinese jiggers 300 km apart along Mexico's
    Pacific EEZ are two fleets (one per group, each member in its own), not one of 40."""
    from vessels.events import detect_fleets
    from vessels.simulation._network_scenarios import _edge_lon
    from vessels.testing import make_track, staged
    from vessels.tracks import segment
    from vessels.zones import default_zones

    frames = []
    for g, lat in enumerate((23.9, 26.6)):
        edge = _edge_lon(lat)
        for i in range(20):
            lon = edge - 0.25 - 0.02 * i  # 25-65 km outside, 2 km apart
            frames.append(
                make_track(
                    412_800_000 + 100 * g + i,
                    lat=lat,
                    lon=lon,
                    n=30,
                    interval_s=600.0,
                    speed_kn=0.3,
                    ship_type=30,
                    flag="CHN",
                )
            )
    tracks = staged(segment(pl.concat(frames, how="diagonal_relaxed")), shore_km=300.0)
    ev = detect_fleets(tracks, default_zones())
    fleets = ev.group_by(pl.col(S.EVIDENCE).struct.field(S.EV_FLEET_ID)).agg(
        pl.col(S.MMSI).sort(), pl.col(S.EVIDENCE).struct.field("group_size").first()
    )
    assert fleets.height == 2, fleets
    members = sorted(fleets[S.MMSI].to_list())
    assert members == [
        list(range(412_800_000, 412_800_020)),
        list(range(412_800_100, 412_800_120)),
    ]
    assert fleets["group_size"].to_list() == [20, 20]


@pytest.mark.parametrize("seed", range(6))
def test_leaving_out_small_groups_of_all_candidates_keeps_every_fleet_of_a_subset(
    seed: int,
) -> None:
    """detect_fleets leaves out the candidates whose group among *all* candidates is too small
    (in_large_groups) before its band filter: the fleets of any subset are the same."""
    rng = np.random.default_rng(seed)
    # clusters of 1-12 vessels (some of two flags) spread over two degrees, four hourly bins
    parts = []
    for k in range(30):
        n = int(rng.integers(1, 13))
        lat0, lon0 = rng.uniform(20.0, 22.0), rng.uniform(-118.0, -116.0)
        rows = []
        for h in range(4):
            for i in range(n):
                t = T + timedelta(hours=h)
                lat = lat0 + rng.normal(0.0, 0.03)
                lon = lon0 + rng.normal(0.0, 0.03)
                flag = "CHN" if i % 3 else "KOR"
                rows.append((1000 * k + i, h, t, t, lat, lon, flag, "MEX"))
        parts.append(pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row"))
    cand = pl.concat(parts)
    large = in_large_groups(cand, link_km=5.0, min_vessels=5)
    assert 0 < large.sum() < cand.height  # the cases hold both kinds
    for cut in (1.0, 0.8, 0.5):  # a random subset stands for the band's filter
        subset = pl.Series(rng.random(cand.height) < cut)
        before = _groups(cand.filter(subset), min_duration_h=2.0)
        after = _groups(cand.filter(subset & large), min_duration_h=2.0)
        assert before.height > 0 or cut < 1.0
        assert after.sort(S.MMSI, "fleet_id").equals(before.sort(S.MMSI, "fleet_id"))


def test_in_large_groups_counts_vessels_linked_through_a_chain() -> None:
    chain = _cand([(24.0, -116.0, 6, 1000), (26.0, -116.0, 3, 2000)], hours=1)
    large = in_large_groups(chain, link_km=5.0, min_vessels=5)
    assert large.to_list() == [True] * 6 + [False] * 3
    assert not in_large_groups(chain, link_km=1.5, min_vessels=5).any()  # 2 km apart: no links
    assert in_large_groups(chain.head(0), link_km=5.0, min_vessels=5).len() == 0
