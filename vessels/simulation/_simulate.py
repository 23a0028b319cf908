"""``simulate()``: scenario -> plans -> received positions -> truth, controls and roster.

Examples
--------
>>> sim = simulate("pacific-eez", seed=1, hours=24)
>>> sim.positions.height > 0, sim.positions.columns[:2]
(True, ['mmsi', 'ts'])
>>> sorted(set(sim.truth["event_type"]))
['eez_incursion', 'fishing']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.errors import UserError
from vessels.simulation._background import background_vessels
from vessels.simulation._controls import control_vessels, thin_sparse
from vessels.simulation._params import SimConfig
from vessels.simulation._portcalls import add_port_calls
from vessels.simulation._regions import REGIONS
from vessels.simulation._sample import Knots, sample_messages
from vessels.simulation._scenarios import SCENARIO_REGIONS, SCENARIOS
from vessels.simulation._track import STATUS_NA, VesselSpec
from vessels.simulation._truth import build_truth

__all__ = ["DEFAULT_START", "ROSTER_SCHEMA", "Simulation", "simulate"]

DEFAULT_START = datetime(2024, 3, 1, tzinfo=UTC)
#: vessels sampled together (bounds the memory of the bulk path; part of the random stream)
SAMPLE_CHUNK_VESSELS = 1000

ROSTER_SCHEMA: dict[str, pl.DataType] = {
    "vessel_key": pl.String(),
    S.MMSI: pl.UInt32(),
    S.VESSEL_NAME: pl.String(),
    "kind": pl.String(),
    S.FLAG: pl.String(),
    S.SHIP_TYPE: pl.UInt8(),
    S.AIS_CLASS: pl.String(),
    S.LENGTH_M: pl.Float32(),
    "is_background": pl.Boolean(),
    "is_control": pl.Boolean(),
}


@dataclass
class Simulation:
    """The result of :func:`simulate`.

    ``positions`` is what an ideal reader would return for the valid position lines (canonical
    schema, sorted by MMSI then time, no duplicates). ``truth`` has one row per planted (or, for
    zone events, geometrically certain) behaviour; ``controls`` lists clean vessels with no truth
    row at all; ``vessels`` is the roster (two rows share an MMSI in the identity scenario).
    """

    scenario: str
    seed: int
    start: datetime
    hours: float
    positions: pl.DataFrame
    truth: pl.DataFrame
    vessels: pl.DataFrame
    config: SimConfig
    stats: dict[str, Any] = field(default_factory=dict)
    #: the watchlist the scenario comes with (``renamed-watchlisted``), else None
    watchlist: pl.DataFrame | None = None

    @property
    def controls(self) -> pl.DataFrame:
        """Clean control vessels (mmsi, kind): no planted behaviour, no shared MMSI.

        A control may still have ``basis == "geometry"`` truth rows (a cargo ship's visit to an
        area of interest is a fact, not a planted behaviour); detections matching those are
        true positives, anything else on a control counts in ``fp_on_controls``."""
        return (
            self.vessels.filter(pl.col("is_control"))
            .select(S.MMSI, "kind", "vessel_key")
            .sort(S.MMSI)
        )


def _knots(specs: list[VesselSpec]) -> Knots:
    n = [len(s.plan.t) for s in specs]
    return Knots(
        v=np.repeat(np.arange(len(specs), dtype=np.int64), n),
        t_s=np.concatenate([np.asarray(s.plan.t, dtype=np.float64) for s in specs]),
        lat=np.concatenate([np.asarray(s.plan.lats, dtype=np.float64) for s in specs]),
        lon=np.concatenate([np.asarray(s.plan.lons, dtype=np.float64) for s in specs]),
        status=np.concatenate([np.asarray(s.plan.statuses, dtype=np.uint8) for s in specs]),
    )


def _static_table(specs: list[VesselSpec]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_v": np.arange(len(specs), dtype=np.int64),
            "_key": [s.key for s in specs],
            "_kind": [s.kind for s in specs],
            S.MMSI: [s.mmsi for s in specs],
            S.VESSEL_NAME: [s.name for s in specs],
            "_rename_s": [s.rename[0] if s.rename else None for s in specs],
            "_rename_to": [s.rename[1] if s.rename else None for s in specs],
            S.CALLSIGN: [s.callsign for s in specs],
            S.IMO: [s.imo for s in specs],
            S.SHIP_TYPE: [s.ship_type for s in specs],
            # AIS broadcasts dimensions in whole metres (ITU-R M.1371 types 5 and 24)
            S.LENGTH_M: [float(round(s.length_m)) for s in specs],
            S.WIDTH_M: [float(round(s.width_m)) for s in specs],
            S.DRAFT_M: [s.draft_m for s in specs],
            S.DESTINATION: [s.destination for s in specs],
            S.AIS_CLASS: [s.ais_class for s in specs],
            S.FLAG: [s.flag for s in specs],
        },
        schema_overrides={
            S.MMSI: pl.UInt32(),
            S.IMO: pl.UInt32(),
            S.SHIP_TYPE: pl.UInt8(),
            S.LENGTH_M: pl.Float32(),
            S.WIDTH_M: pl.Float32(),
            S.DRAFT_M: pl.Float32(),
            "_rename_s": pl.Float64(),
        },
    )


def simulate(
    scenario: str,
    *,
    seed: int = 0,
    n_vessels: int | None = None,
    hours: float | None = None,
    start: datetime = DEFAULT_START,
    config: SimConfig | None = None,
    port_calls: int = 0,
) -> Simulation:
    """Simulate AIS with ground truth for a named scenario.

    Parameters
    ----------
    scenario
        ``gulf-of-california``, ``yucatan``, ``pacific-eez`` or ``mixed``.
    seed
        Same seed, same everything (positions, truth, messy files).
    n_vessels
        Total number of vessels; vessels beyond the scenario's own are background traffic
        (cargo and tankers on lanes, recreational boats near marinas): use it to scale ``mixed``
        to millions of rows.
    hours
        Length of the simulated period (default 48). Planted behaviours after it are dropped.
    start
        UTC start time (default 2024-03-01 00:00).
    config
        Reporting, reception, noise and file-mess parameters (:class:`SimConfig`).
    port_calls
        Coastal freighters to add, each calling at two World Port Index ports of the region
        with a ``port_visit`` truth row per stay (:mod:`vessels.simulation._portcalls`).

    Examples
    --------
    >>> sim = simulate("gulf-of-california", seed=0, hours=18)
    >>> sim.truth.filter(pl.col("event_type") == "ais_gap").height >= 1
    True
    >>> bool(sim.controls["kind"].is_in(["ferry", "cargo", "tanker"]).any())
    True
    """
    if scenario not in SCENARIOS:
        raise UserError(
            f"unknown scenario {scenario!r}",
            hint=f"choose one of: {', '.join(SCENARIOS)}",
        )
    if hours is not None and not hours > 0:
        raise UserError(f"--hours must be positive, got {hours}")
    if n_vessels is not None and n_vessels < 0:
        raise UserError(f"--vessels must not be negative, got {n_vessels}")
    if port_calls < 0:
        raise UserError(f"--port-calls must not be negative, got {port_calls}")
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    cfg = config or SimConfig()
    horizon_h = 48.0 if hours is None else float(hours)
    horizon_s = horizon_h * 3600.0

    # scenario vessels' plans run to 2 h past the period (at least the 50 h they are staged in)
    build = SCENARIOS[scenario](seed, max(50.0, horizon_h + 2.0))
    add_port_calls(build, scenario, seed=seed, n=port_calls, end_h=max(50.0, horizon_h + 2.0))
    specs = list(build.vessels)
    regions = [REGIONS[r] for r in SCENARIO_REGIONS[scenario]]
    n_extra = max(0, (n_vessels or 0) - len(specs))
    # one in six extra vessels is a real-world control pattern (issue 13), from 12 extra on
    n_ctrl = n_extra // 6 if n_extra >= 12 else 0
    n_bg = n_extra - n_ctrl
    bg_knots, bg_static = background_vessels(
        n_bg, regions, horizon_s=horizon_s, seed=seed, first_index=len(specs)
    )
    c_knots, c_static, c_dark, c_sparse = control_vessels(
        n_ctrl, regions, horizon_s=horizon_s, seed=seed, first_index=len(specs) + n_bg
    )
    bg_knots = Knots(
        v=np.concatenate([bg_knots.v, c_knots.v]),
        t_s=np.concatenate([bg_knots.t_s, c_knots.t_s]),
        lat=np.concatenate([bg_knots.lat, c_knots.lat]),
        lon=np.concatenate([bg_knots.lon, c_knots.lon]),
        status=np.concatenate([bg_knots.status, c_knots.status]),
    )
    bg_static = pl.concat([bg_static, c_static], how="vertical_relaxed")

    sk = _knots(specs)
    knots = Knots(
        v=np.concatenate([sk.v, bg_knots.v]),
        t_s=np.concatenate([sk.t_s, bg_knots.t_s]),
        lat=np.concatenate([sk.lat, bg_knots.lat]),
        lon=np.concatenate([sk.lon, bg_knots.lon]),
        status=np.concatenate([sk.status, bg_knots.status]),
    )
    static = pl.concat([_static_table(specs), bg_static], how="vertical_relaxed")
    is_b = (static[S.AIS_CLASS] == "B").to_numpy()
    has_heading = np.concatenate(
        [
            np.array([s.has_heading for s in specs], dtype=bool),
            np.ones(bg_static.height, dtype=bool),
        ]
    )
    dark = [(i, a, z) for i, s in enumerate(specs) for a, z in s.plan.dark] + c_dark
    stations = np.array([st for r in regions for st in r.stations], dtype=np.float64)
    dark_v = np.array([d[0] for d in dark], dtype=np.int64)
    dark_t0 = np.array([d[1] for d in dark], dtype=np.float64)
    dark_t1 = np.array([d[2] for d in dark], dtype=np.float64)
    # vessels are sampled in fixed-size chunks (each with its own random stream) so memory stays
    # bounded by the chunk, not by the fleet; the result does not depend on anything but seed
    parts: list[dict[str, np.ndarray]] = []
    n_v = static.height
    for ci, v0 in enumerate(range(0, max(n_v, 1), SAMPLE_CHUNK_VESSELS)):
        v1 = v0 + SAMPLE_CHUNK_VESSELS
        k0, k1 = np.searchsorted(knots.v, [v0, v1])
        d = (dark_v >= v0) & (dark_v < v1)
        parts.append(
            sample_messages(
                Knots(
                    knots.v[k0:k1],
                    knots.t_s[k0:k1],
                    knots.lat[k0:k1],
                    knots.lon[k0:k1],
                    knots.status[k0:k1],
                ),
                is_class_b=is_b,
                has_heading=has_heading,
                dark_v=dark_v[d],
                dark_t0=dark_t0[d],
                dark_t1=dark_t1[d],
                stations=stations,
                horizon_s=horizon_s,
                cfg=cfg,
                rng=np.random.default_rng([seed, 4242, ci]),
            )
        )
    msgs = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "n_dropped_on_land"}
    msgs["n_dropped_on_land"] = np.array([sum(int(p["n_dropped_on_land"][0]) for p in parts)])
    n_dropped_on_land = int(msgs["n_dropped_on_land"][0])
    frame = thin_sparse(_positions_frame(msgs, static, start), c_sparse)
    del msgs, parts  # free the raw message arrays before the truth is built
    positions = frame.drop("_v", "_t_s", "_gps_jump")
    roster_keys = static["_key"].to_list()
    truth = build_truth(
        build.planted,
        frame,
        static,
        keys=roster_keys,
        scenario=scenario,
        start=start,
        horizon_s=horizon_s,
    )
    planted = truth.filter(pl.col("basis") == "planted")
    in_truth = set(planted[S.MMSI].drop_nulls().to_list()) | set(
        planted[S.OTHER_MMSI].drop_nulls().to_list()
    )
    roster = pl.DataFrame(
        {
            "vessel_key": roster_keys,
            S.MMSI: static[S.MMSI],
            S.VESSEL_NAME: static[S.VESSEL_NAME],
            "kind": static["_kind"],
            S.FLAG: static[S.FLAG],
            S.SHIP_TYPE: static[S.SHIP_TYPE],
            S.AIS_CLASS: static[S.AIS_CLASS],
            S.LENGTH_M: static[S.LENGTH_M],
            "is_background": [False] * len(specs) + [True] * bg_static.height,
        }
    ).with_columns(is_control=~pl.col(S.MMSI).is_in(list(in_truth)))
    roster = roster.cast(ROSTER_SCHEMA)  # type: ignore[arg-type]
    stats = {
        "n_positions": positions.height,
        "n_vessels": roster.height,
        "n_gps_jumps": int(frame["_gps_jump"].sum()),
        "n_dropped_on_land": n_dropped_on_land,
        "n_truth": truth.height,
    }
    return Simulation(
        scenario, seed, start, horizon_h, positions, truth, roster, cfg, stats, build.watchlist
    )


def _positions_frame(
    msgs: dict[str, np.ndarray], static: pl.DataFrame, start: datetime
) -> pl.DataFrame:
    """Canonical positions: numeric columns sorted and de-duplicated first, static data gathered
    by vessel index afterwards (no string column is ever sorted or joined)."""
    start_us = int(start.timestamp() * 1_000_000)
    n_v = int(static["_v"].to_numpy().max()) + 1 if static.height else 0
    mmsi_of_v = np.zeros(n_v, dtype=np.int64)
    mmsi_of_v[static["_v"].to_numpy()] = static[S.MMSI].to_numpy()
    ts_us = start_us + np.round(msgs["t_s"]).astype(np.int64) * 1_000_000
    m = pl.DataFrame(
        {
            "_v": msgs["v"],
            "_t_s": msgs["t_s"],
            S.MMSI: mmsi_of_v[msgs["v"]],
            "_ts_us": ts_us,
            S.LAT: np.round(msgs["lat"], 5),
            S.LON: np.round(msgs["lon"], 5),
            S.SOG_KN: np.round(msgs["sog_kn"], 1),
            S.COG_DEG: np.round(msgs["cog_deg"], 1) % 360.0,
            S.HEADING_DEG: msgs["heading_deg"],
            S.NAV_STATUS: msgs["nav_status"],
            "_gps_jump": msgs["gps_jump"],
        },
        nan_to_null=True,
    ).sort(S.MMSI, "_ts_us", "_v")
    keep = ~(
        (pl.col(S.MMSI) == pl.col(S.MMSI).shift()) & (pl.col("_ts_us") == pl.col("_ts_us").shift())
    ).fill_null(False)
    m = m.filter(keep)
    st = static.sort("_v")
    row_of_v = np.zeros(mmsi_of_v.size, dtype=np.int64)
    row_of_v[st["_v"].to_numpy()] = np.arange(st.height)
    stat = st.drop("_v", S.MMSI, "_key", "_kind").gather(row_of_v[m["_v"].to_numpy()])
    out = pl.concat([m, stat], how="horizontal").with_columns(
        pl.col("_ts_us").cast(S.TS_DTYPE).alias(S.TS),
        pl.when(pl.col("_rename_s").is_not_null() & (pl.col("_t_s") >= pl.col("_rename_s")))
        .then(pl.col("_rename_to"))
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias(S.VESSEL_NAME),
        pl.when(pl.col(S.NAV_STATUS) == STATUS_NA)
        .then(None)
        .otherwise(pl.col(S.NAV_STATUS))
        .alias(S.NAV_STATUS),
        pl.lit(True).alias(S.MMSI_VALID),
        pl.lit("simulated").alias(S.SOURCE_FILE),
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt64).alias(S.SOURCE_ROW),
    )
    cols = [*S.POSITION_SCHEMA, "_v", "_t_s", "_gps_jump"]
    return out.select(cols).cast(pl.Schema(S.POSITION_SCHEMA))
