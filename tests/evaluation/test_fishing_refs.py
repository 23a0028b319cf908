"""The fishing references: dafishr's speed mixture, status 7 while moving, simulator truth."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from tests.factories import T0, make_positions
from vessels import schema as S
from vessels.evaluation.fishing_refs import (
    MixtureError,
    agreement,
    fit_normal_mixture,
    port_distance_deg,
    sim_fishing_truth,
    speed_mixture_reference,
    status7_reference,
    thin_to_vms,
)


def _speeds(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [rng.normal(0.4, 0.2, 500), rng.normal(3.0, 0.5, 300), rng.normal(9.0, 1.0, 400)]
    ).clip(0.0)


def test_em_recovers_a_known_mixture() -> None:
    fit = fit_normal_mixture(_speeds(), (1.0, 4.0, 8.0), (1.0, 1.0, 1.0))
    assert fit.converged
    assert fit.mu == pytest.approx((0.4, 3.0, 9.0), abs=0.1)
    assert fit.sigma == pytest.approx((0.2, 0.5, 1.0), abs=0.1)
    assert fit.weights == pytest.approx((500 / 1200, 300 / 1200, 400 / 1200), abs=0.03)


def test_em_increases_the_likelihood_over_the_start() -> None:
    x = _speeds(1)
    one = fit_normal_mixture(x, (1.0, 4.0, 8.0), (1.0, 1.0, 1.0), max_iter=1)
    full = fit_normal_mixture(x, (1.0, 4.0, 8.0), (1.0, 1.0, 1.0))
    assert full.loglik > one.loglik


def test_em_refuses_too_few_values_and_collapse() -> None:
    with pytest.raises(MixtureError, match="too few"):
        fit_normal_mixture([1.0, 2.0], (1.0, 4.0, 8.0), (1.0, 1.0, 1.0))
    with pytest.raises(MixtureError, match="collapsed"):
        fit_normal_mixture([0.0] * 50, (1.0, 4.0), (1.0, 1.0))


def _frame(speeds: np.ndarray, lat: float = 20.0) -> pl.DataFrame:
    n = len(speeds)
    return pl.DataFrame({S.MMSI: [1] * n, S.LAT: [lat] * n, S.LON: [-100.0] * n, S.SOG_KN: speeds})


def test_speed_mixture_labels_hauling_below_mu1_plus_1_96_sigma1() -> None:
    x = _speeds()
    ref = speed_mixture_reference(_frame(x), pl.DataFrame({"lat": [30.0], "lon": [-100.0]}))
    fit = fit_normal_mixture(x, (1.0, 4.0, 8.0), (1.0, 1.0, 1.0))
    thr = fit.mu[0] + 1.96 * fit.sigma[0]
    assert ref["ref_threshold_kn"][0] == pytest.approx(thr)
    assert ref["ref_hauling"].to_list() == (x < thr).tolist()


def test_positions_near_a_port_are_never_hauling() -> None:
    ref = speed_mixture_reference(_frame(_speeds()), pl.DataFrame({"lat": [20.1], "lon": [-100.0]}))
    assert not ref["ref_at_sea"].any()
    assert not ref["ref_hauling"].any()


def test_port_distance_is_planar_degrees() -> None:
    ports = pl.DataFrame({"lat": [0.0, 10.0], "lon": [0.0, 10.0]})
    d = port_distance_deg(np.array([0.0, 9.0]), np.array([0.15, 10.0]), ports)
    assert d.tolist() == pytest.approx([0.15, 1.0])


def test_status7_reference_keeps_moving_positions_with_a_status() -> None:
    df = pl.DataFrame(
        {S.NAV_STATUS: [7, 0, 7, None, 15], S.SOG_KN: [3.0, 3.0, 0.2, 3.0, 5.0]},
        schema={S.NAV_STATUS: pl.UInt8, S.SOG_KN: pl.Float32},
    )
    assert status7_reference(df)["ref_status7"].to_list() == [True, False, None, None, False]


def test_sim_truth_marks_positions_inside_planted_fishing() -> None:
    pos = make_positions(
        {S.MMSI: m, S.TS: T0 + timedelta(hours=h), S.LAT: 20.0, S.LON: -100.0}
        for m in (1, 2)
        for h in range(6)
    )
    truth = pl.DataFrame(
        {
            S.EVENT_TYPE: ["fishing", "ais_gap"],
            S.MMSI: [1, 2],
            S.START_TS: [T0 + timedelta(hours=1), T0],
            S.END_TS: [T0 + timedelta(hours=3), T0 + timedelta(hours=5)],
            "subtype": ["trawl", None],
        },
        schema_overrides={S.MMSI: pl.UInt32},
    )
    out = sim_fishing_truth(pos, truth)
    assert out["truth_fishing"].to_list() == [False, True, True, True, False, False] + [False] * 6
    assert out["truth_gear"].to_list() == ["trawl"] * 6 + [None] * 6


def test_thinning_keeps_one_fix_per_interval_of_1_to_4_hours() -> None:
    pos = make_positions(
        {S.MMSI: m, S.TS: T0 + timedelta(minutes=i), S.LAT: 20.0, S.LON: -100.0}
        for m in range(1, 21)
        for i in range(24 * 60)
    )
    thin = thin_to_vms(pos, seed=5)
    gaps = (
        thin.sort(S.MMSI, S.TS)
        .group_by(S.MMSI)
        .agg(pl.col(S.TS).diff().dt.total_seconds().drop_nulls().alias("g"))
    )
    for g in gaps["g"].to_list():
        # a fixed rate per vessel, to the minute of the input (the first interval is cut by the
        assert max(g[1:], default=0) - min(g[1:], default=0) <= 60  # start of the data)
        assert 3600 <= g[-1] <= 4 * 3600 + 60
        assert 0 < g[0] <= g[-1]
    assert thin_to_vms(pos, seed=5).equals(thin)  # deterministic


def test_agreement_matches_a_hand_count() -> None:
    t, f = True, False
    a = agreement([t, t, t, f, f, f, f, f], [t, t, f, t, f, f, f, f])
    assert (a["tp"], a["fp"], a["fn"], a["tn"]) == (2, 1, 1, 4)
    assert a["precision"] == pytest.approx(2 / 3) and a["f1"] == pytest.approx(2 / 3)
    po, pe = 6 / 8, (3 * 3 + 5 * 5) / 64
    assert a["kappa"] == pytest.approx((po - pe) / (1 - pe))
