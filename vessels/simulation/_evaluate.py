"""Score an event table against simulated ground truth.

A detected event **matches** a truth event when they have the same ``event_type``, the same
vessel (``mmsi``) — or, for a truth event about a pair, the same pair in either order — and
their time intervals overlap once each is widened by ``tolerance_h`` on both sides. Zone entries
and EEZ incursions must also name the same ``zone_id`` when both tables give one.

Counting is event-based and many-to-many: a truth event is found (TP) if any detection matches
it, otherwise it is missed (FN); a detection is correct if it matches any truth event,
otherwise it is a false positive (FP). ``precision`` = correct detections / detections,
``recall`` = found truth events / truth events, ``f1`` their harmonic mean. A detector that
splits one planted event into two correct pieces is therefore not punished, and one that
reports the same thing twice is not rewarded. ``fp_on_controls`` counts false positives that
involve a clean control vessel (one with no planted behaviour at all);
:func:`false_events_by_control` breaks them down by the control's kind (the real-world control
patterns of issue 13: crowded ports, anchorage queues, tracks ending early, ...).

Context events are not claims and are not counted: an event whose evidence says the vessel did
*not* go dark (``is_open``: the track ended before the data did; ``port_call``; ``coverage_edge``;
``poor_reception``; ``poor_area_reception``)
or a dark-rendezvous ``group`` (a crowd, reported once, unscored). The detectors report them for
the analyst's map; the risk rules give them no points (:func:`claims`).

Examples
--------
>>> from datetime import datetime, UTC
>>> import polars as pl
>>> t0 = datetime(2024, 3, 1, tzinfo=UTC)
>>> t1 = datetime(2024, 3, 1, 8, tzinfo=UTC)
>>> truth = pl.DataFrame({"event_type": ["ais_gap"], "mmsi": [345000001],
...                       "start_ts": [t0], "end_ts": [t1]})
>>> events = pl.DataFrame({"event_type": ["ais_gap", "ais_gap"], "mmsi": [345000001, 1],
...                        "start_ts": [t0, t0], "end_ts": [t1, t1]})
>>> r = evaluate(truth, events, controls=[1])
>>> r.select("event_type", "tp", "fp", "fn", "precision", "recall", "fp_on_controls").row(0)
('ais_gap', 1, 1, 0, 0.5, 1.0, 1)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from vessels import schema as S
from vessels.errors import FormatError, UserError
from vessels.events import EVENT_TYPES

__all__ = [
    "CONTEXT_FLAGS",
    "EVALUATION_SCHEMA",
    "MATCH_TOLERANCE_H",
    "claims",
    "evaluate",
    "evaluate_sample",
    "false_events_by_control",
    "read_events",
    "read_truth",
]

#: Default slack when comparing event times, hours. One hour absorbs the reporting interval and
#: reception thinning at the edges of an event (a detector can only see an event start at the
#: first received message) without letting unrelated events of the same vessel match.
MATCH_TOLERANCE_H = 1.0

EVALUATION_SCHEMA: dict[str, pl.DataType] = {
    S.EVENT_TYPE: pl.String(),
    "n_truth": pl.UInt32(),
    "n_detected": pl.UInt32(),
    "tp": pl.UInt32(),
    "fp": pl.UInt32(),
    "fn": pl.UInt32(),
    "precision": pl.Float64(),
    "recall": pl.Float64(),
    "f1": pl.Float64(),
    "fp_on_controls": pl.UInt32(),
}

_REQUIRED = (S.EVENT_TYPE, S.MMSI, S.START_TS, S.END_TS)

#: event types whose match also needs the same ``zone_id`` (when truth and event both name one)
ZONE_MATCH_TYPES = (S.ZONE_ENTRY, S.EEZ_INCURSION)


#: Evidence flags marking an event as context, not a claim (see the module docstring).
CONTEXT_FLAGS = (
    S.EV_IS_OPEN,
    S.EV_PORT_CALL,
    S.EV_COVERAGE_EDGE,
    S.EV_POOR_RECEPTION,
    S.EV_POOR_AREA_RECEPTION,
)


def claims(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` without the context events (evidence flags :data:`CONTEXT_FLAGS`, or a
    dark-rendezvous ``group``). A table without an evidence struct is returned as is.

    Examples
    --------
    >>> ev = pl.DataFrame({"event_type": ["ais_gap", "ais_gap"],
    ...                    "evidence": [{"is_open": True}, {"is_open": False}]})
    >>> claims(ev).height
    1
    """
    if S.EVIDENCE not in events.columns or not isinstance(events.schema[S.EVIDENCE], pl.Struct):
        return events
    dtype = events.schema[S.EVIDENCE]
    assert isinstance(dtype, pl.Struct)
    fields = {f.name for f in dtype.fields}
    ev = pl.col(S.EVIDENCE).struct
    context = [ev.field(f).fill_null(False) for f in CONTEXT_FLAGS if f in fields]
    if S.EV_RENDEZVOUS_KIND in fields:
        context.append((ev.field(S.EV_RENDEZVOUS_KIND) == "group").fill_null(False))
    return events.filter(~pl.any_horizontal(context)) if context else events


def _normalise(df: pl.DataFrame, what: str, id_col: str) -> pl.DataFrame:
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(
            f"{what}: missing column(s) {', '.join(missing)}",
            hint=f"an {what} table needs {', '.join(_REQUIRED)} (and other_mmsi for pairs)",
        )
    if S.OTHER_MMSI not in df.columns:
        df = df.with_columns(pl.lit(None, pl.UInt32).alias(S.OTHER_MMSI))
    if S.EVENT_ZONE_ID not in df.columns:
        df = df.with_columns(pl.lit(None, pl.String).alias(S.EVENT_ZONE_ID))
    exprs = []
    for c in (S.START_TS, S.END_TS):
        dt = df.schema[c]
        if dt == pl.String:
            e = pl.col(c).str.to_datetime(time_zone="UTC", time_unit="us")
        elif isinstance(dt, pl.Datetime):
            e = pl.col(c).dt.replace_time_zone("UTC") if dt.time_zone is None else pl.col(c)
            e = e.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        else:
            raise FormatError(f"{what}: column {c!r} must be a datetime, got {dt}")
        exprs.append(e.alias(c))
    try:
        out = df.with_columns(
            *exprs,
            pl.col(S.MMSI).cast(pl.Int64),
            pl.col(S.OTHER_MMSI).cast(pl.Int64),
            pl.col(S.EVENT_TYPE).cast(pl.String),
        )
    except pl.exceptions.PolarsError as exc:
        raise FormatError(f"{what}: cannot read columns: {exc}") from None
    return out.with_row_index("_row").with_columns(
        (pl.col(id_col) if id_col in out.columns else pl.col("_row")).cast(pl.String).alias("_id")
    )


def evaluate(
    truth: pl.DataFrame,
    events: pl.DataFrame,
    *,
    controls: Iterable[int] | pl.DataFrame | None = None,
    tolerance_h: float = MATCH_TOLERANCE_H,
    event_types: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Per event type: n_truth, n_detected, tp, fp, fn, precision, recall, f1, fp_on_controls.

    Parameters
    ----------
    truth
        A truth table (``Simulation.truth`` or ``truth.parquet``).
    events
        Detected events (the event schema; only event_type, mmsi, other_mmsi, start_ts,
        end_ts are used).
    controls
        MMSIs of clean control vessels (a list, or a frame with an ``mmsi`` column).
    tolerance_h
        Slack added to both ends of both intervals before testing overlap.
    event_types
        Rows to report (default: every type in truth or events, in the order of
        :data:`vessels.events.EVENT_TYPES`). A last row ``all`` sums over the reported types.

    Returns
    -------
    polars.DataFrame
        :data:`EVALUATION_SCHEMA`; precision/recall/f1 are null when undefined (0/0).

    Examples
    --------
    >>> from vessels.simulation import simulate
    >>> sim = simulate("pacific-eez", seed=0, hours=24)
    >>> table = evaluate(sim.truth, sim.truth, controls=sim.controls)  # a perfect detector
    >>> table.filter(pl.col("event_type") == "all").select("precision", "recall").row(0)
    (1.0, 1.0)
    """
    S.require_frame(truth, "truth", "evaluate")
    S.require_frame(events, "events", "evaluate")
    if tolerance_h < 0:
        raise UserError(f"tolerance must not be negative, got {tolerance_h}")
    truth = truth.collect() if isinstance(truth, pl.LazyFrame) else truth
    events = claims(events.collect() if isinstance(events, pl.LazyFrame) else events)
    t = _normalise(truth, "truth", "truth_id")
    e = _normalise(events, "events", S.EVENT_ID)
    if isinstance(controls, pl.DataFrame):
        control_set = set(controls[S.MMSI].cast(pl.Int64).to_list())
    else:
        control_set = {int(c) for c in (controls or [])}
    found, correct = _match(t, e, tolerance_h)

    types = (
        list(event_types)
        if event_types is not None
        else [
            x
            for x in EVENT_TYPES
            if x in set(t[S.EVENT_TYPE].to_list()) | set(e[S.EVENT_TYPE].to_list())
        ]
        + sorted(
            (set(t[S.EVENT_TYPE].to_list()) | set(e[S.EVENT_TYPE].to_list())) - set(EVENT_TYPES)
        )
    )
    e_fp = e.filter(~pl.col("_id").is_in(list(correct)))

    e_fp_ctrl = e_fp.filter(
        pl.col(S.MMSI).is_in(list(control_set)) | pl.col(S.OTHER_MMSI).is_in(list(control_set))
    )
    rows = []
    for et in types:
        ids_t = t.filter(pl.col(S.EVENT_TYPE) == et)["_id"].to_list()
        ids_e = e.filter(pl.col(S.EVENT_TYPE) == et)["_id"].to_list()
        tp = sum(1 for i in ids_t if i in found)
        ok = sum(1 for i in ids_e if i in correct)
        rows.append(
            {
                S.EVENT_TYPE: et,
                "n_truth": len(ids_t),
                "n_detected": len(ids_e),
                "tp": tp,
                "fp": len(ids_e) - ok,
                "fn": len(ids_t) - tp,
                "_ok": ok,
                "fp_on_controls": e_fp_ctrl.filter(pl.col(S.EVENT_TYPE) == et).height,
            }
        )
    if rows:
        total = {k: sum(int(r[k]) for r in rows) for k in rows[0] if k != S.EVENT_TYPE}
        rows.append({S.EVENT_TYPE: "all", **total})
    out = pl.DataFrame(
        rows,
        schema={
            S.EVENT_TYPE: pl.String,
            "n_truth": pl.UInt32,
            "n_detected": pl.UInt32,
            "tp": pl.UInt32,
            "fp": pl.UInt32,
            "fn": pl.UInt32,
            "_ok": pl.UInt32,
            "fp_on_controls": pl.UInt32,
        },
    )
    p = pl.when(pl.col("n_detected") > 0).then(pl.col("_ok") / pl.col("n_detected"))
    r = pl.when(pl.col("n_truth") > 0).then(pl.col("tp") / pl.col("n_truth"))
    out = out.with_columns(p.alias("precision"), r.alias("recall"))
    f1 = (
        pl.when((pl.col("precision") + pl.col("recall")) > 0)
        .then(2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall")))
        .when(pl.col("precision").is_not_null() & pl.col("recall").is_not_null())
        .then(0.0)
    )
    return out.with_columns(f1.alias("f1")).select(list(EVALUATION_SCHEMA))


def _match(t: pl.DataFrame, e: pl.DataFrame, tolerance_h: float) -> tuple[set[str], set[str]]:
    """Ids of the truth rows found and of the detections that match a truth row."""
    tol = pl.duration(microseconds=int(tolerance_h * 3_600_000_000))
    keep = [S.EVENT_TYPE, S.MMSI, S.OTHER_MMSI, S.START_TS, S.END_TS, S.EVENT_ZONE_ID, "_id"]
    tt = t.select(keep)
    ee = e.select(keep).rename({c: f"{c}_e" for c in keep if c != S.EVENT_TYPE})
    same = tt.join(ee, left_on=[S.EVENT_TYPE, S.MMSI], right_on=[S.EVENT_TYPE, f"{S.MMSI}_e"])
    same = same.filter(
        pl.col(S.OTHER_MMSI).is_null() | (pl.col(S.OTHER_MMSI) == pl.col(f"{S.OTHER_MMSI}_e"))
    )
    rev = tt.filter(pl.col(S.OTHER_MMSI).is_not_null()).join(
        ee,
        left_on=[S.EVENT_TYPE, S.MMSI, S.OTHER_MMSI],
        right_on=[S.EVENT_TYPE, f"{S.OTHER_MMSI}_e", f"{S.MMSI}_e"],
    )
    z, ze = S.EVENT_ZONE_ID, f"{S.EVENT_ZONE_ID}_e"
    cols = [
        S.EVENT_TYPE,
        "_id",
        "_id_e",
        S.START_TS,
        S.END_TS,
        f"{S.START_TS}_e",
        f"{S.END_TS}_e",
        z,
        ze,
    ]
    cand = pl.concat([same.select(cols), rev.select(cols)])
    same_zone = (
        ~pl.col(S.EVENT_TYPE).is_in(ZONE_MATCH_TYPES)
        | pl.col(z).is_null()
        | pl.col(ze).is_null()
        | (pl.col(z) == pl.col(ze))
    )
    matched = cand.filter(
        (pl.col(f"{S.START_TS}_e") <= pl.col(S.END_TS) + tol)
        & (pl.col(f"{S.END_TS}_e") >= pl.col(S.START_TS) - tol)
        & same_zone
    )
    found = set(matched["_id"].to_list())
    correct = set(matched["_id_e"].to_list())

    return found, correct


def false_events_by_control(
    truth: pl.DataFrame,
    events: pl.DataFrame,
    controls: pl.DataFrame,
    *,
    tolerance_h: float = MATCH_TOLERANCE_H,
) -> pl.DataFrame:
    """False events on control vessels, per control ``kind`` and event type.

    ``controls`` has ``mmsi`` and ``kind`` (``Simulation.controls`` / ``controls.parquet``). A
    false event is a claim (:func:`claims`) matching no truth row; a pair event counts for each
    control vessel it involves. Columns: ``kind, event_type, false_events``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t0 = datetime(2024, 3, 1, tzinfo=UTC)
    >>> truth = pl.DataFrame({"event_type": ["ais_gap"], "mmsi": [1], "start_ts": [t0],
    ...                       "end_ts": [t0]})
    >>> ev = pl.DataFrame({"event_type": ["encounter"], "mmsi": [2], "other_mmsi": [3],
    ...                    "start_ts": [t0], "end_ts": [t0]})
    >>> ctrl = pl.DataFrame({"mmsi": [2, 3], "kind": ["anchorage-queue", "cargo"]})
    >>> false_events_by_control(truth, ev, ctrl).rows()
    [('anchorage-queue', 'encounter', 1), ('cargo', 'encounter', 1)]
    """
    t = _normalise(truth, "truth", "truth_id")
    e = _normalise(claims(events), "events", S.EVENT_ID)
    _, correct = _match(t, e, tolerance_h)
    fp = e.filter(~pl.col("_id").is_in(list(correct)))
    kinds = controls.select(pl.col(S.MMSI).cast(pl.Int64), pl.col("kind").cast(pl.String))
    per_vessel = pl.concat(
        [
            fp.select(S.EVENT_TYPE, "_id", pl.col(S.MMSI).alias("_m")),
            fp.select(S.EVENT_TYPE, "_id", pl.col(S.OTHER_MMSI).alias("_m")).drop_nulls("_m"),
        ]
    ).unique()
    return (
        per_vessel.join(kinds, left_on="_m", right_on=S.MMSI, how="inner")
        .group_by("kind", S.EVENT_TYPE)
        .agg(pl.len().cast(pl.UInt32).alias("false_events"))
        .sort("kind", S.EVENT_TYPE)
    )


def _read_table(path: str | Path, what: str) -> pl.DataFrame:
    p = Path(path)
    if not p.exists():
        raise UserError(f"{what} file {p} not found", hint="check the path")
    try:
        if p.suffix == ".parquet":
            return pl.read_parquet(p, glob=False)
        if p.suffix == ".json":
            return pl.read_json(p)
        if p.suffix == ".csv":
            return pl.read_csv(p, glob=False, try_parse_dates=True)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FormatError(f"{what} file {p} cannot be read: {exc}") from None
    raise FormatError(f"{what} file {p}: unknown extension", hint="use .parquet, .json or .csv")


def read_truth(path: str | Path) -> pl.DataFrame:
    """Read a truth table (``truth.parquet`` / ``truth.json`` / CSV) with a clear error."""
    df = _read_table(path, "truth")
    _normalise(df, f"truth file {path}", "truth_id")
    return df


def read_events(path: str | Path) -> pl.DataFrame:
    """Read a detected-event table with a clear error when a needed column is missing."""
    df = claims(_read_table(path, "events"))
    if S.EVIDENCE in df.columns and isinstance(df.schema[S.EVIDENCE], pl.Struct):
        df = df.drop(S.EVIDENCE)
    _normalise(df, f"events file {path}", S.EVENT_ID)
    return df


def evaluate_sample(
    sample_dir: str | Path,
    events: pl.DataFrame | pl.LazyFrame,
    *,
    tolerance_h: float = MATCH_TOLERANCE_H,
) -> pl.DataFrame:
    """Score ``events`` against a simulation folder's ``truth.parquet`` and ``controls.parquet``.

    The one-liner for tests that hold detectors to recall/precision floors on ``ais_samples/``.

    Examples
    --------
    >>> import tempfile
    >>> from vessels.simulation import simulate, write
    >>> sim = simulate("pacific-eez", seed=0, hours=6)
    >>> with tempfile.TemporaryDirectory() as sample:
    ...     _ = write(sim, sample, format="parquet")
    ...     truth = read_truth(Path(sample) / "truth.parquet")
    ...     r = evaluate_sample(sample, truth)  # the truth itself is a perfect detector
    >>> r.filter(pl.col("event_type") == "eez_incursion")["recall"].item()
    1.0
    """
    d = Path(sample_dir)
    truth = read_truth(d / "truth.parquet")
    controls_path = d / "controls.parquet"
    controls = pl.read_parquet(controls_path, glob=False) if controls_path.exists() else None
    ev = claims(events.collect() if isinstance(events, pl.LazyFrame) else events)
    if S.EVIDENCE in ev.columns:
        ev = ev.drop(S.EVIDENCE)
    return evaluate(truth, ev, controls=controls, tolerance_h=tolerance_h)
