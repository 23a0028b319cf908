"""Identity changes over time: a vessel renamed, re-called, re-typed, or re-flagged (flag hopping).

The identity history (:func:`identity_periods`: one row per vessel and period in which its name,
call sign, IMO and ship type stayed the same) is read in time order:

- ``vessel_name``, ``callsign``, ``imo``, ``ship_type``: one event per change of the field to a
  value not seen before on the MMSI (names and call signs compared normalised: upper-case,
  spaces collapsed), from the last report of the old value to the first report of the new one
  (a return to an earlier value, and two transmitters alternating on one MMSI — the old value
  reported again after the new one — are no change);
- ``flag``: the flag comes from the MMSI (its MID), so a vessel changes flag by changing MMSI;
  the IMO number ties the MMSIs together. One event per change of flag of one IMO, on the new
  MMSI with the old one as ``other_mmsi``. ``flag_hopping`` marks every flag change of an IMO
  that changed flag ``min_flag_changes_hopping`` times or more.

This detector is the one owner of identity changes: ``identity_conflict`` reports only shared
and invalid MMSIs, and the ``identity_change`` / ``flag_hopping`` risk rules read these events
(a rename is reported and scored once). Two transmitters sharing an MMSI (``identity_conflict``
``shared_mmsi``) alternate their identities; a "change" whose old value is reported again
afterwards is that alternation, not a change, and is left out.

Examples
--------
>>> from vessels.testing import make_track, staged
>>> t = pl.concat([make_track(n=2, vessel_name="A"),
...                make_track(n=2, vessel_name="B", start=make_track()["ts"][5])])
>>> detect_identity_changes(staged(t))["evidence"].struct.field("summary").to_list()
["vessel_name changed 'A' -> 'B'"]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from vessels import schema as S
from vessels._template import clause, compile_template
from vessels.events._common import Frameish, finish, per_frame, prepare, prev_in
from vessels.events.registry import Context, Detector, register
from vessels.flags import flag_from_mmsi

__all__ = ["IdentityChangeConfig", "detect_identity_changes", "identity_parts", "identity_periods"]

_KEYS = (S.VESSEL_NAME, S.CALLSIGN, S.IMO, S.SHIP_TYPE)


@dataclass(frozen=True)
class IdentityChangeConfig:
    """Parameters of the identity-change detector.

    Attributes
    ----------
    min_flag_changes_hopping : int
        An IMO whose flag changed this many times or more is flag hopping. Default 2 (ours:
        one re-flagging is routine, a second within the data is a pattern).
    report_ship_type : bool
        Report ship type changes (AIS ship types are often mis-set and corrected). Default on.
    """

    min_flag_changes_hopping: int = 2
    report_ship_type: bool = True


def _text_ids(frame: pl.DataFrame, name: str, f: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Per row, a UInt32 id of ``f(pl.col(name))`` (an element-wise text expression): equal ids
    for equal results, null for null. ``f`` runs once per distinct text (a vessel repeats its own
    hundreds of times), and no normalised copy of the column is made. Texts are looked up once
    per run of equal consecutive values (a vessel's rows repeat its name), not once per row."""
    col = frame[name]
    run = col.rle_id()
    values = col.gather((run != run.shift(1)).fill_null(True).arg_true())  # one per run
    distinct = values.unique().drop_nulls()
    ids = pl.select(f(pl.lit(distinct)).rank("dense").cast(pl.UInt32)).to_series()
    per_run = values.replace_strict(distinct, ids, default=None, return_dtype=pl.UInt32)
    return per_run.gather(run)


def identity_periods(positions: Frameish) -> pl.DataFrame:
    """One row per vessel and identity period, from positions carrying identity columns.

    Consecutive reports of an MMSI (in time order) with the same name, call sign, IMO and ship
    type (names and call signs normalised) form one period. Columns: ``mmsi``, ``valid_from``,
    ``valid_to``, ``n_reports``, ``vessel_name``, ``callsign``, ``imo``, ``ship_type``, ``flag``,
    ``lat``, ``lon`` (first position of the period) and ``segment_id``.
    """
    lf = (
        positions.lazy()
        if isinstance(positions, pl.DataFrame | pl.LazyFrame)
        else prepare(positions).lazy()
    )
    names = lf.collect_schema().names()
    dtypes = {
        S.VESSEL_NAME: pl.String,
        S.CALLSIGN: pl.String,
        S.IMO: pl.UInt32,
        S.SHIP_TYPE: pl.UInt8,
        S.FLAG: pl.String,
        S.SEGMENT_ID: pl.String,
    }
    lf = lf.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in dtypes.items() if c not in names
    )
    text = {
        S.VESSEL_NAME: lambda c: (
            c.str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ").replace("", None)
        ),
        S.CALLSIGN: lambda c: c.str.strip_chars().str.to_uppercase().replace("", None),
    }
    frame = lf.select(S.MMSI, S.TS, *_KEYS, S.FLAG, S.LAT, S.LON, S.SEGMENT_ID).collect()
    flag = frame[S.FLAG]
    if flag.null_count():  # positions that did not go through cleaning: the MID's flag
        # looked up for the rows without a flag only (a few at 10 M: 0.75 CPU s for all rows)
        at = flag.is_null().arg_true()
        mid_flag = frame[S.MMSI].gather(at).to_frame().select(flag_from_mmsi(pl.col(S.MMSI)))
        frame = frame.with_columns(flag.scatter(at, mid_flag.to_series()))
    # names and call signs are compared normalised, through ids of their normalised texts
    keyed = frame.select(S.MMSI, *_KEYS).with_columns(
        _text_ids(frame, k, f).alias(k) for k, f in text.items()
    )
    kept = keyed.select(pl.any_horizontal(pl.col(list(_KEYS)).is_not_null())).to_series()
    # the kept rows in (mmsi, ts, segment_id) order, stable; then one pass over them, no window
    # per MMSI: a period starts at each MMSI's first row (every kept row has an identity value,
    # so it differs from "nothing before") and wherever a field differs from the previous row.
    # Only the change keys are put in that order: a period's other values are those of its first
    # (last) row, gathered for the periods alone, not a sorted copy of every column.
    all_kept = bool(kept.all())
    rows = kept.arg_true()
    moves = _time_moves(frame, rows)
    order = rows if moves is None else rows.scatter(*moves)
    new_mmsi = (pl.col(S.MMSI) != pl.col(S.MMSI).shift(1)).fill_null(True)
    changed = new_mmsi | pl.any_horizontal(
        [~pl.col(k).eq_missing(pl.col(k).shift(1)) for k in _KEYS]
    )
    starts = _in_order(keyed, kept, all_kept, moves, order, changed).arg_true()
    del keyed
    ends = starts.shift(-1).fill_null(order.len()) - 1
    first = order.gather(starts)
    # the first non-null flag of each period: the first flagged row at or after its start, if
    # before its end (a sentinel past the last row stands for "none after")
    has_flag = frame.select(pl.col(S.FLAG).is_not_null())
    flagged = _in_order(has_flag, kept, all_kept, moves, order, pl.col(S.FLAG)).arg_true()
    flagged = flagged.append(pl.Series([order.len()], dtype=flagged.dtype))
    hit = flagged.gather(flagged.search_sorted(starts, side="left"))
    flag_pos = pl.select(pl.when(hit <= ends).then(hit)).to_series()
    return pl.DataFrame(
        [
            frame[S.MMSI].gather(first),
            frame[S.TS].gather(first).alias("valid_from"),
            frame[S.TS].gather(order.gather(ends)).alias("valid_to"),
            (ends - starts + 1).cast(pl.UInt32).alias("n_reports"),
            *(
                frame.select(k)
                .gather(first)
                .select(text[k](pl.col(k)) if k in text else k)
                .to_series()
                for k in _KEYS
            ),
            frame[S.FLAG].gather(order.gather(flag_pos)),
            frame[S.LAT].gather(first),
            frame[S.LON].gather(first),
            frame[S.SEGMENT_ID].gather(first),
        ]
    )


def _in_order(
    frame: pl.DataFrame,
    kept: pl.Series,
    all_kept: bool,
    moves: tuple[pl.Series, pl.Series] | None,
    order: pl.Series,
    expr: pl.Expr,
) -> pl.Series:
    """``expr`` over the ``kept`` rows of ``frame`` in time order (the rows ``rows`` of
    :func:`_time_moves`, with its moves; ``order``: those rows in that order), for an ``expr``
    that reads a row and the row before it of the same MMSI (or the row alone).

    The rows that keep their place are not gathered: ``expr`` is computed over the kept rows as
    they are, and again over the moved rows alone, in their new order, into their places. A
    vessel's rows all move or none does, so each row sees the same row before it of its MMSI
    as in a gather of every row (a vessel's first row sees another MMSI's row, or none).
    """
    whole = frame if all_kept else frame.filter(kept)
    if moves is not None and moves[0].len() == whole.height:  # every row moves
        return frame.gather(order).select(expr).to_series()
    got = whole.select(expr).to_series()
    if moves is None:
        return got
    at, block = moves
    return got.scatter(at, frame.gather(block).select(expr).to_series())


def _time_moves(frame: pl.DataFrame, rows: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """How ``rows`` of ``frame`` are put in a stable sort by ``mmsi, ts, segment_id``:
    ``(at, block)``, the places in ``rows`` that take the rows ``block`` (None: in that order).

    When ``mmsi`` is sorted (prepared tracks, or positions as the stages write them), only the
    rows of vessels whose own rows are out of that order (several segments, in
    :func:`~vessels.events._common.prepare`'s order) move, within their own places: the same
    order. Otherwise every place takes a row.
    """
    keys = frame.select(S.MMSI, S.TS, S.SEGMENT_ID)
    if rows.len() < frame.height:
        keys = keys.gather(rows)
    keys = keys.with_columns(rows.alias("_row"))
    mmsi = keys[S.MMSI]
    if mmsi.null_count() or not mmsi.is_sorted():
        every = pl.int_range(0, rows.len(), dtype=pl.get_index_type(), eager=True)
        return every, keys.sort(S.MMSI, S.TS, S.SEGMENT_ID, maintain_order=True)["_row"]
    t, seg = pl.col(S.TS), pl.col(S.SEGMENT_ID)
    same = (pl.col(S.MMSI) == pl.col(S.MMSI).shift(1)).fill_null(False)
    back = (t < t.shift(1)) | ((t == t.shift(1)) & (seg < seg.shift(1)))
    # a null ts or segment_id (the sort puts nulls first) counts as out of order
    late = keys.select(same & back.fill_null(True)).to_series()
    if not late.any():
        return None
    vessel = (~keys.select(same).to_series()).cast(pl.UInt32).cum_sum()
    at = vessel.is_in(vessel.filter(late).unique().implode()).arg_true()
    block = keys.gather(at).sort(S.MMSI, S.TS, S.SEGMENT_ID, maintain_order=True)["_row"]
    return at, block


def _field_changes(periods: pl.LazyFrame, field: str) -> pl.LazyFrame:
    values = periods.filter(pl.col(field).is_not_null()).select(
        S.MMSI, "valid_from", "valid_to", pl.col(field).cast(pl.String).alias("_v")
    )
    last_seen = values.group_by(S.MMSI, "_v").agg(pl.col("valid_to").max().alias("_last"))
    seq = (
        periods.filter(pl.col(field).is_not_null())
        .select(
            S.MMSI,
            "valid_from",
            "valid_to",
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            pl.col(field).cast(pl.String).alias("_v"),
        )
        .sort(S.MMSI, "valid_from", "_v")
        # rows are grouped by MMSI now: the previous row's values within the MMSI by a masked
        # shift and "first time this value shows on the MMSI" over (mmsi, value) pairs, the same
        # as windows over the MMSI without grouping
        .with_columns(
            prev_in(pl.col("_v"), S.MMSI).alias("_pv"),
            prev_in(pl.col("valid_to"), S.MMSI).alias("_pt"),
            pl.struct(S.MMSI, "_v").is_first_distinct().alias("_new"),
        )
        # only a value never seen before on the MMSI is a change: two transmitters sharing an
        # MMSI (identity_conflict ``shared_mmsi``) alternate A, B, A, B... which is one change
        .filter(pl.col("_pv").is_not_null() & (pl.col("_v") != pl.col("_pv")) & pl.col("_new"))
        # the old value reported again after the change: alternation, not a change
        .join(
            last_seen.rename({"_v": "_pv", "_last": "_pv_last"}),
            on=[S.MMSI, "_pv"],
            how="left",
        )
        .filter(pl.col("_pv_last") < pl.col("valid_from"))
    )
    return seq.select(
        S.MMSI,
        pl.lit(None, dtype=pl.UInt32).alias(S.OTHER_MMSI),
        S.SEGMENT_ID,
        pl.col("_pt").alias(S.START_TS),
        pl.col("valid_from").alias(S.END_TS),
        S.LAT,
        S.LON,
        pl.lit(field).alias("_field"),
        pl.col("_pv").alias("_from"),
        pl.col("_v").alias("_to"),
        pl.len().over(S.MMSI).cast(pl.UInt32).alias("_n"),
        pl.lit(False).alias("_hop"),
    )


def _flag_changes(periods: pl.LazyFrame, cfg: IdentityChangeConfig) -> pl.LazyFrame:
    per_mmsi = (
        periods.filter(pl.col(S.IMO).is_not_null() & pl.col(S.FLAG).is_not_null())
        .group_by(S.IMO, S.MMSI)
        .agg(
            pl.col("valid_from").min(),
            pl.col("valid_to").max(),
            pl.col(S.FLAG).first(),
            pl.col(S.LAT).sort_by("valid_from").first(),
            pl.col(S.LON).sort_by("valid_from").first(),
            pl.col(S.SEGMENT_ID).sort_by("valid_from").first(),
        )
        .sort(S.IMO, "valid_from", S.MMSI)
        .with_columns(
            pl.col(S.FLAG).shift().over(S.IMO).alias("_pv"),
            pl.col(S.MMSI).shift().over(S.IMO).alias("_pm"),
            pl.col("valid_to").shift().over(S.IMO).alias("_pt"),
        )
        .filter(pl.col("_pv").is_not_null() & (pl.col(S.FLAG) != pl.col("_pv")))
        .with_columns(pl.len().over(S.IMO).cast(pl.UInt32).alias("_n"))
    )
    return per_mmsi.select(
        S.MMSI,
        pl.col("_pm").alias(S.OTHER_MMSI),
        S.SEGMENT_ID,
        pl.min_horizontal("_pt", "valid_from").alias(S.START_TS),
        pl.col("valid_from").alias(S.END_TS),
        S.LAT,
        S.LON,
        pl.lit(S.FLAG).alias("_field"),
        pl.col("_pv").alias("_from"),
        pl.col(S.FLAG).alias("_to"),
        "_n",
        (pl.col("_n") >= cfg.min_flag_changes_hopping).alias("_hop"),
    )


def detect_identity_changes(
    tracks: Frameish,
    config: IdentityChangeConfig | None = None,
    *,
    periods: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Identity changes (name, call sign, ship type, flag) as EVENT_SCHEMA rows.

    ``periods`` (from :func:`identity_periods`) is computed from ``tracks`` when not given.
    """
    cfg = config or IdentityChangeConfig()
    per = (periods if periods is not None else identity_periods(prepare(tracks))).lazy()
    fields = [S.VESSEL_NAME, S.CALLSIGN, S.IMO] + ([S.SHIP_TYPE] if cfg.report_ship_type else [])
    parts = [_field_changes(per, f) for f in fields] + [_flag_changes(per, cfg)]
    ev = pl.concat(parts, how="vertical_relaxed").with_columns(
        pl.col(S.LAT).alias(S.START_LAT), pl.col(S.LON).alias(S.START_LON)
    )
    summary = compile_template(
        "{field} changed '{old}' -> '{new}'{hopping}",
        fields={
            "field": pl.col("_field"),
            "old": pl.col("_from"),
            "new": pl.col("_to"),
            "hopping": clause(
                pl.col("_hop"), " (flag hopping: {n} flag changes)", fields={"n": pl.col("_n")}
            ),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        S.IDENTITY_CHANGE,
        evidence={
            "summary": summary,
            "change_field": pl.col("_field"),
            "from_value": pl.col("_from"),
            "to_value": pl.col("_to"),
            "n_changes": pl.col("_n"),
            "flag_hopping": pl.col("_hop"),
        },
        key=pl.concat_str([pl.col("_field"), pl.col(S.END_TS).cast(pl.String)], separator=":"),
    )


def identity_parts(p: pl.DataFrame, cfg: Any, ctx: Context) -> pl.DataFrame:
    """:func:`identity_periods` as the per-vessel parts of a ``scope="global"`` detector
    (:attr:`vessels.events.registry.Detector.parts`)."""
    return identity_periods(p)


def _detect(p: pl.DataFrame, cfg: IdentityChangeConfig, ctx: Context) -> pl.DataFrame:
    periods = ctx.parts.get(S.IDENTITY_CHANGE)
    if periods is None:  # once per prepared frame: watchlist_hit reads the same periods
        periods = per_frame(p, "identity_periods", identity_periods)
    return detect_identity_changes(p, cfg, periods=periods)


DETECTOR = register(
    Detector(
        event_type=S.IDENTITY_CHANGE,
        config=IdentityChangeConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.VESSEL_NAME,
            S.CALLSIGN,
            S.IMO,
            S.SHIP_TYPE,
            S.FLAG,
        ),
        evidence=(
            "summary",
            "change_field",
            "from_value",
            "to_value",
            "n_changes",
            "flag_hopping",
        ),
        label="Identity changes",
        style={
            "radius": 6,
            "color": "#000000",
            "weight": 1,
            "fillColor": "#b983ff",
            "fillOpacity": 0.9,
        },
        doc="a vessel's name, call sign, IMO, ship type or flag (same IMO, new MMSI) changing "
        "over time",
        risk_rules=("identity_change", "flag_hopping", "network_contact"),
        # flag hopping links the MMSIs of one IMO, wherever their MMSI buckets are
        scope="global",
        parts=identity_parts,
        order=90,
    )
)
