"""Reference labels of fishing per position, to measure the fishing score against.

Three independent references (issue 14), none of which the score itself uses:

1. **Speed mixture (dafishr).** The method the R package dafishr applies to Mexico's public VMS
   (CONAPESCA): positions farther than 0.15 degrees from every port are *at sea*; a
   3-component normal mixture is fitted by EM to the at-sea speeds, started at means 1 / 4 /
   8 kn; a position is *hauling* (fishing) when its speed is below ``mu_1 + 1.96 sigma_1`` of the
   component started at 1 kn. If the 3-component fit fails, a 2-component fit started at 1 / 4 kn;
   if that fails too, at-sea speeds below 5 kn (dafishr's own fallbacks). Port positions are
   never hauling. Differences from dafishr, on purpose: the fit is per vessel only when the
   vessel has ``min_vessel_positions`` at-sea speeds, else one fit over all vessels (simulated
   and thinned tracks are short); the start standard deviation is a parameter (real-data.md says
   1 kn; the package's code has used 2 kn); ports are whatever list the caller passes.
2. **Self-reported status.** AIS navigational status 7 ("engaged in fishing", ITU-R M.1371)
   while moving (SOG >= ``min_speed_kn``); positions with no status or at rest are left out.
3. **Simulator truth.** Positions of a simulated vessel inside one of its planted fishing
   intervals; the gear is the planted event's subtype (trawl, longline, gillnet, purse_seine).

:func:`thin_to_vms` turns an AIS track into VMS-like fixes (one every 1-4 h, a fixed rate per
vessel as VMS units report), and :func:`agreement` gives precision, recall, F1 and Cohen's kappa.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = np.concatenate([rng.normal(0.5, 0.3, 400), rng.normal(3, 0.6, 300), rng.normal(9, 1, 300)])
>>> fit = fit_normal_mixture(x, (1.0, 4.0, 8.0), (1.0, 1.0, 1.0))
>>> [round(m, 1) for m in fit.mu]
[0.5, 3.0, 8.9]
>>> agreement([True, True, False, False], [True, False, False, False])["kappa"]
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from vessels import schema as S

__all__ = [
    "MixtureFit",
    "agreement",
    "fit_normal_mixture",
    "port_distance_deg",
    "sim_fishing_truth",
    "speed_mixture_reference",
    "status7_reference",
    "thin_to_vms",
]

_LOG_2PI = math.log(2.0 * math.pi)


class MixtureError(ValueError):
    """The EM fit degenerated (a component lost all its weight or its spread)."""


@dataclass(frozen=True)
class MixtureFit:
    """A fitted 1-D normal mixture; components keep the order of the start values."""

    weights: tuple[float, ...]
    mu: tuple[float, ...]
    sigma: tuple[float, ...]
    loglik: float
    n_iter: int
    converged: bool


def fit_normal_mixture(
    x: Sequence[float] | np.ndarray,
    mu0: Sequence[float],
    sigma0: Sequence[float],
    *,
    max_iter: int = 1000,
    tol: float = 1e-8,
    min_sigma: float = 1e-6,
) -> MixtureFit:
    """Fit a 1-D normal mixture by expectation-maximisation (as ``mixtools::normalmixEM``).

    Starts with equal weights and the given means and standard deviations; stops when the
    log-likelihood changes by less than ``tol`` (absolute, as mixtools' ``epsilon``) or after
    ``max_iter`` iterations. Raises :class:`MixtureError` when a component collapses (weight or
    standard deviation ~ 0), the case where mixtools errors and dafishr falls back.

    Examples
    --------
    >>> fit_normal_mixture([0.0, 0.0, 0.0, 0.0], (1.0, 4.0), (1.0, 1.0))
    Traceback (most recent call last):
    ...
    vessels.evaluation.fishing_refs.MixtureError: component 1 collapsed ...
    """
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    k = len(mu0)
    if len(sigma0) != k:
        raise ValueError("mu0 and sigma0 need the same number of components")
    if v.size < 2 * k:
        raise MixtureError(f"{v.size} values are too few for {k} components")
    mu = np.asarray(mu0, dtype=np.float64).copy()
    sd = np.asarray(sigma0, dtype=np.float64).copy()
    w = np.full(k, 1.0 / k)
    ll_old = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
        z = (v[:, None] - mu) / sd
        logp = np.log(w) - np.log(sd) - 0.5 * _LOG_2PI - 0.5 * z * z
        top = logp.max(axis=1, keepdims=True)
        lse = top + np.log(np.exp(logp - top).sum(axis=1, keepdims=True))
        ll = float(lse.sum())
        r = np.exp(logp - lse)
        nk = r.sum(axis=0)
        if np.any(nk < 1e-9):
            bad = int(np.argmin(nk)) + 1
            raise MixtureError(f"component {bad} collapsed (no weight left)")
        w = nk / v.size
        mu = (r * v[:, None]).sum(axis=0) / nk
        sd = np.sqrt((r * (v[:, None] - mu) ** 2).sum(axis=0) / nk)
        if np.any(sd < min_sigma) or not np.isfinite(ll):
            bad = int(np.argmin(sd)) + 1
            raise MixtureError(f"component {bad} collapsed (standard deviation ~ 0)")
        if abs(ll - ll_old) < tol:
            converged = True
            break
        ll_old = ll
    return MixtureFit(
        tuple(float(a) for a in w),
        tuple(float(a) for a in mu),
        tuple(float(a) for a in sd),
        ll,
        it,
        converged,
    )


def port_distance_deg(lat: np.ndarray, lon: np.ndarray, ports: pl.DataFrame) -> np.ndarray:
    """Planar distance in degrees from each position to the nearest port (``lat``/``lon`` columns).

    dafishr buffers ports by 0.15 with spherical geometry switched off (``sf_use_s2(FALSE)``):
    a planar distance in degrees of longitude and latitude, reproduced here.

    Examples
    --------
    >>> ports = pl.DataFrame({"lat": [0.0], "lon": [0.0]})
    >>> port_distance_deg(np.array([0.3]), np.array([0.4]), ports).round(3).tolist()
    [0.5]
    """
    if ports.height == 0:
        return np.full(len(lat), np.inf)
    tree = cKDTree(np.column_stack([ports["lon"].to_numpy(), ports["lat"].to_numpy()]))
    dist, _ = tree.query(np.column_stack([lon, lat]), k=1)
    return np.asarray(dist, dtype=np.float64)


def _threshold(speeds: np.ndarray, mu0: Sequence[float], sigma0: Sequence[float]) -> float:
    """dafishr's hauling threshold with its fallbacks; nan means 'below 5 kn' (last fallback)."""
    try:
        fit = fit_normal_mixture(speeds, mu0, sigma0)
    except MixtureError:
        try:
            fit = fit_normal_mixture(speeds, mu0[:2], sigma0[:2])
        except MixtureError:
            return 5.0
    return fit.mu[0] + 1.96 * fit.sigma[0]


def speed_mixture_reference(
    positions: pl.DataFrame,
    ports: pl.DataFrame,
    *,
    buffer_deg: float = 0.15,
    mu0: Sequence[float] = (1.0, 4.0, 8.0),
    sigma0: Sequence[float] = (1.0, 1.0, 1.0),
    min_vessel_positions: int = 30,
    speed: str | pl.Expr | None = None,
) -> pl.DataFrame:
    """Label positions as dafishr does: ``ref_at_sea``, ``ref_threshold_kn``, ``ref_hauling``.

    ``speed`` defaults to SOG, else the implied speed. Rows keep their order.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sp = np.concatenate([rng.normal(0.6, 0.3, 200), rng.normal(3, 0.5, 200),
    ...                      rng.normal(9, 0.8, 200)]).clip(0)
    >>> df = pl.DataFrame({"mmsi": [1] * 600, "lat": [20.0] * 600, "lon": [-100.0] * 600,
    ...                    "sog_kn": sp})
    >>> ref = speed_mixture_reference(df, pl.DataFrame({"lat": [30.0], "lon": [-100.0]}))
    >>> round(ref["ref_threshold_kn"][0], 1), ref["ref_hauling"].sum()
    (1.1, 194)
    """
    if speed is None:
        sp_expr = (
            pl.coalesce(pl.col(S.SOG_KN).cast(pl.Float64), pl.col(S.IMPLIED_SPEED_KN))
            if S.IMPLIED_SPEED_KN in positions.columns
            else pl.col(S.SOG_KN).cast(pl.Float64)
        )
    else:
        sp_expr = pl.col(speed) if isinstance(speed, str) else speed
    sp = positions.select(sp_expr.alias("_sp"))["_sp"].to_numpy().astype(np.float64)
    lat = positions[S.LAT].to_numpy()
    lon = positions[S.LON].to_numpy()
    at_sea = port_distance_deg(lat, lon, ports) > buffer_deg
    usable = at_sea & np.isfinite(sp)
    mmsi = positions[S.MMSI].to_numpy()
    thr = np.full(len(sp), np.nan)
    pooled = _threshold(sp[usable], mu0, sigma0) if usable.sum() >= 2 * len(mu0) else 5.0
    for m in np.unique(mmsi[usable]):
        rows = mmsi == m
        own = usable & rows
        thr[rows] = (
            _threshold(sp[own], mu0, sigma0) if own.sum() >= min_vessel_positions else pooled
        )
    thr[np.isnan(thr)] = pooled
    hauling = usable & (sp < thr)
    return positions.with_columns(
        pl.Series("ref_at_sea", at_sea),
        pl.Series("ref_threshold_kn", thr),
        pl.Series("ref_hauling", hauling),
    )


def status7_reference(positions: pl.DataFrame, *, min_speed_kn: float = 1.0) -> pl.DataFrame:
    """Add ``ref_status7``: status 7 while moving; null where status or speed is unknown or the
    vessel is at rest (those positions are outside this reference).

    Examples
    --------
    >>> df = pl.DataFrame({"nav_status": [7, 7, 0, None], "sog_kn": [3.0, 0.1, 12.0, 4.0]})
    >>> status7_reference(df)["ref_status7"].to_list()
    [True, None, False, None]
    """
    st = pl.col(S.NAV_STATUS)
    moving = pl.col(S.SOG_KN).cast(pl.Float64) >= min_speed_kn
    return positions.with_columns(
        pl.when(st.is_not_null() & moving.fill_null(False)).then(st == 7).alias("ref_status7")
    )


def sim_fishing_truth(positions: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Add ``truth_fishing`` (inside a planted fishing interval of the vessel) and ``truth_gear``
    (the gear of the vessel's planted fishing, null for vessels that never fish).

    ``truth`` is a simulator truth table (:data:`vessels.simulation.TRUTH_SCHEMA`).
    """
    fish = truth.filter(pl.col(S.EVENT_TYPE) == "fishing").select(
        S.MMSI, S.START_TS, S.END_TS, pl.col("subtype").alias("_gear")
    )
    gear = fish.group_by(S.MMSI).agg(pl.col("_gear").sort().first().alias("truth_gear"))
    idx = positions.with_row_index("_row")
    inside = (
        idx.select("_row", S.MMSI, S.TS)
        .join(fish, on=S.MMSI, how="inner")
        .filter((pl.col(S.TS) >= pl.col(S.START_TS)) & (pl.col(S.TS) <= pl.col(S.END_TS)))
        .select("_row")
        .unique()
        .with_columns(pl.lit(True).alias("truth_fishing"))
    )
    return (
        idx.join(inside, on="_row", how="left", maintain_order="left")
        .join(gear, on=S.MMSI, how="left", maintain_order="left")
        .with_columns(pl.col("truth_fishing").fill_null(False))
        .drop("_row")
    )


def thin_to_vms(
    positions: pl.DataFrame,
    *,
    min_interval_h: float = 1.0,
    max_interval_h: float = 4.0,
    seed: int = 0,
) -> pl.DataFrame:
    """Keep one fix per vessel every 1-4 h (a fixed interval per vessel, random phase).

    The first position of each interval is kept, with its reported speed and course (VMS units
    report both). Derived columns (kinematics, segments, zone labels) are dropped: recompute them
    on the thinned fixes.

    Examples
    --------
    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2024, 1, 1, tzinfo=UTC)
    >>> df = pl.DataFrame({"mmsi": [1] * 600, "ts": [t0 + timedelta(minutes=i) for i in range(600)],
    ...                    "lat": [0.0] * 600, "lon": [0.0] * 600})
    >>> 2 <= thin_to_vms(df, seed=3).height <= 11
    True
    """
    vessels = positions.select(pl.col(S.MMSI).unique().sort())
    rng = np.random.default_rng(seed)
    n = vessels.height
    interval_s = rng.uniform(min_interval_h, max_interval_h, n) * 3600.0
    phase_s = rng.uniform(0.0, 1.0, n) * interval_s
    plan = vessels.with_columns(
        pl.Series("_int", interval_s.round()), pl.Series("_phase", phase_s.round())
    )
    derived = [
        c for c in (*S.SEGMENT_DERIVED_SCHEMA, *S.ZONE_LABEL_SCHEMA) if c in positions.columns
    ]
    bucket = ((pl.col(S.TS).dt.epoch("s") - pl.col("_phase")) / pl.col("_int")).floor()
    return (
        positions.drop(derived)
        .join(plan, on=S.MMSI, how="left")
        .sort(S.MMSI, S.TS)
        .with_columns(bucket.alias("_b"))
        .unique([S.MMSI, "_b"], keep="first", maintain_order=True)
        .drop("_int", "_phase", "_b")
    )


def agreement(pred: Any, ref: Any) -> dict[str, float]:
    """Counts, precision, recall, F1 and Cohen's kappa of two boolean sequences (nulls dropped).

    Examples
    --------
    >>> a = agreement([True, False, True, None], [True, False, False, True])
    >>> a["n"], a["tp"], a["fp"], a["precision"]
    (3, 1, 1, 0.5)
    """
    frame = pl.DataFrame(
        {"p": pl.Series(list(pred), dtype=pl.Boolean), "r": pl.Series(list(ref), dtype=pl.Boolean)}
    ).drop_nulls()
    p = frame["p"].to_numpy().astype(bool)
    r = frame["r"].to_numpy().astype(bool)
    n = len(p)
    tp = int((p & r).sum())
    fp = int((p & ~r).sum())
    fn = int((~p & r).sum())
    tn = n - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    if n:
        po = (tp + tn) / n
        pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        kappa = (po - pe) / (1 - pe) if pe < 1 else float("nan")
    else:
        kappa = float("nan")
    return {
        "n": n,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "kappa": kappa,
    }
