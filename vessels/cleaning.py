"""Cleaning: named rules as polars expressions, each one counted.

Readers (``vessels.io``) turn every input line into one row of a *staged* frame: the canonical
position columns (values parsed but not yet cleaned: sentinels still in place, numbers in any
numeric dtype) plus two optional private columns:

``_error``
    a rule name the reader already decided (``unparseable_lat``, ``wrong_field_count``,
    ``non_vessel_dma_base_station``...), or null;
``_raw``
    the raw text of the input line (kept for quarantined rows only).

Cleaning then works in three steps, all lazy and vectorised:

1. :func:`classify` gives every row a ``rule``: the **first** quarantine rule that matches it
   (reader rules first, then :data:`QUARANTINE_RULES`, then any extra rules such as the filters of
   :func:`vessels.io.read_ais`, then the non-vessel rules), or null when the row is a position.
2. :func:`apply_corrections` nulls "not available" sentinels and out-of-range optional values and
   repairs the negative-COG fault (:data:`CORRECTIONS`); corrections never remove a row, they are
   counted separately (:func:`correction_counts`).
3. :func:`drop_duplicates` removes exact duplicates (same values in every canonical column but
   the provenance), keeping the one first in (source_file, source_row) order, so the result does
   not depend on the input order.

Examples
--------
>>> import polars as pl
>>> from vessels import schema as S
>>> staged = pl.LazyFrame({
...     S.MMSI: [345000001, 345000001, 345000001, 3_450_000],
...     S.TS: ["2024-01-01T00:00:00", "2024-01-01T00:00:00", "2024-01-01T00:01:00",
...            "2024-01-01T00:00:00"],
...     S.LAT: [25.0, 25.0, 91.0, 25.0], S.LON: [-110.0, -110.0, -110.0, -110.0],
...     S.HEADING_DEG: [511.0, 511.0, 10.0, 10.0],
... }).with_columns(pl.col(S.TS).str.to_datetime(time_zone="UTC"))
>>> positions, quarantine = clean(staged)
>>> positions.select(S.MMSI, S.HEADING_DEG, S.FLAG, S.MMSI_VALID).collect().rows()
[(345000001, None, 'MEX', True)]
>>> quarantine.select(S.SOURCE_ROW, S.RULE).collect().rows()
[(3, 'position_not_available'), (4, 'non_vessel_base_station')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.flags import flag_from_mmsi, mmsi_valid, non_vessel_reason

__all__ = [
    "AIS_EARLIEST",
    "CORRECTIONS",
    "DEFAULT_PLAUSIBLE_TIME",
    "ERROR",
    "FUTURE_MARGIN",
    "IDENTITY_RULE",
    "QUARANTINE_EXTRA_COLUMNS",
    "QUARANTINE_RULES",
    "RAW_COL",
    "Correction",
    "PlausibleTime",
    "apply_corrections",
    "classify",
    "clean",
    "content_columns",
    "correction_counts",
    "drop_duplicates",
    "join_identity",
    "mmsi_identity",
    "quarantine_frame",
    "stage_defaults",
]

#: Private staged-frame column: a rule decided by the reader.
ERROR = "_error"
#: Private staged-frame column: raw text of the input line.
RAW_COL = "_raw"

#: ITU-R M.1371 "not available" values (see ../shared/docs/data-formats.md).
LAT_NA = 91.0
LON_NA = 181.0
SOG_NA_KN = 102.3
COG_NA_DEG = 360.0
HEADING_NA_DEG = 511.0
#: The 2020 MarineCadastre negative-COG fault: COG x 10 written as a signed 12-bit number, so
#: courses above 204.7 deg appear as ``cog - 409.6``. Checked on tracktable-data's
#: NYHarbor_2020_06_30 file: for moving vessels (SOG > 3 kn) with a heading, ``cog + 409.6``
#: differs from the heading by a median 2.4 deg, like the positive COGs (2.3 deg), while
#: ``cog + 360`` differs by 49 deg and ``abs(cog)`` by 84 deg.
COG_FAULT_OFFSET_DEG = 409.6
COG_FAULT_MIN_DEG = -204.8

#: Columns added to the quarantine table besides QUARANTINE_SCHEMA (for analysts).
QUARANTINE_EXTRA_COLUMNS: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    S.TS: S.TS_DTYPE,
    S.LAT: pl.Float64(),
    S.LON: pl.Float64(),
}


def _f(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64)


#: Quarantine rules in priority order: (rule name, condition on the staged frame).
QUARANTINE_RULES: tuple[tuple[str, pl.Expr], ...] = (
    ("missing_mmsi", pl.col(S.MMSI).is_null()),
    ("missing_ts", pl.col(S.TS).is_null()),
    (
        "position_not_available",
        _f(S.LAT).is_null() | _f(S.LON).is_null() | (_f(S.LAT) == LAT_NA) | (_f(S.LON) == LON_NA),
    ),
    ("lat_out_of_range", _f(S.LAT).abs() > 90.0),
    ("lon_out_of_range", _f(S.LON).abs() > 180.0),
)


#: Earliest plausible AIS timestamp by default. AIS was standardised in ITU-R M.1371-0 (1998)
#: and made mandatory by IMO SOLAS chapter V regulation 19 (adopted December 2000, carriage
#: phased in from 1 July 2002), so a position before 2000 is a zeroed or corrupt clock (typically
#: 1970-01-01 epoch zero, 0001-01-01 or 1969-12-31), not an observation.
AIS_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Default tolerance after the run's clock: receiver clocks run a little ahead, a day ahead is
#: a fault (years like 2999 or 9999 are placeholders).
FUTURE_MARGIN = timedelta(days=1)


def _utc(value: datetime | str) -> datetime:
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@dataclass(frozen=True)
class PlausibleTime:
    """The plausible time window: rows outside it are quarantined with a named rule.

    ``ts < earliest`` is :data:`vessels.schema.RULE_TS_TOO_EARLY`; ``ts > latest`` is
    :data:`vessels.schema.RULE_TS_TOO_LATE`. ``latest=None`` means the run's clock
    (``datetime.now(UTC)`` when the rules are built) plus ``future_margin``. Pass
    ``plausible_time=None`` to :func:`clean` / :func:`vessels.io.read_ais` to switch the rule off.

    Examples
    --------
    >>> w = PlausibleTime(earliest="2020-01-01", latest="2024-12-31")
    >>> [d.year for d in w.bounds()]
    [2020, 2024]
    >>> PlausibleTime(earliest="2025-01-01", latest="2024-01-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: time window: earliest 2025-01-01T00:00:00+00:00 is not before ...
    """

    earliest: datetime | str = AIS_EARLIEST
    latest: datetime | str | None = None
    future_margin: timedelta = FUTURE_MARGIN

    def __post_init__(self) -> None:
        from vessels.errors import ConfigError

        try:
            lo = _utc(self.earliest)
            hi = None if self.latest is None else _utc(self.latest)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"time window: {exc}") from None
        if hi is not None and lo >= hi:
            raise ConfigError(
                f"time window: earliest {lo.isoformat()} is not before latest {hi.isoformat()}"
            )

    def bounds(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """``(earliest, latest)`` in UTC; ``now`` stands for the run's clock."""
        if self.latest is not None:
            return _utc(self.earliest), _utc(self.latest)
        clock = datetime.now(UTC) if now is None else _utc(now)
        return _utc(self.earliest), clock + self.future_margin

    def rules(self, now: datetime | None = None) -> list[tuple[str, pl.Expr]]:
        """The two quarantine rules (name, condition) of this window."""
        lo, hi = self.bounds(now)
        ts = pl.col(S.TS)
        return [(S.RULE_TS_TOO_EARLY, ts < lo), (S.RULE_TS_TOO_LATE, ts > hi)]


#: The default window: from 2000-01-01 to the run's clock plus one day.
DEFAULT_PLAUSIBLE_TIME = PlausibleTime()


def _has_identity() -> pl.Expr:
    text = [
        pl.col(c).is_not_null() & (pl.col(c).cast(pl.String) != "")
        for c in (S.VESSEL_NAME, S.CALLSIGN, S.DESTINATION)
    ]
    codes = [
        _f(c).fill_null(0.0) > 0.0 for c in (S.IMO, S.SHIP_TYPE, S.LENGTH_M, S.WIDTH_M, S.DRAFT_M)
    ]
    return pl.any_horizontal(*text, *codes).fill_null(False)


def _no_motion() -> pl.Expr:
    return pl.all_horizontal(pl.col(c).is_null() for c in (S.SOG_KN, S.COG_DEG, S.HEADING_DEG))


#: An identity row: no position and no motion (SOG, COG and heading empty), but the name, call
#: sign, IMO, ship type, dimensions, draught or destination of a vessel (a DMA static row with
#: position 91/181, or a static-only row of any CSV). A position report whose position is missing
#: or "not available" but which carries speed, course or heading values (even the "not
#: available" sentinels 102.3/360/511) stays ``position_not_available``. Counted as
#: ``identity_rows`` (not quarantined); its fields are joined onto the vessel's positions by
#: :func:`join_identity`. Checked after ``missing_mmsi`` / ``missing_ts``.
IDENTITY_RULE: pl.Expr = (
    QUARANTINE_RULES[2][1]
    & _no_motion()
    & _has_identity()
    & non_vessel_reason(pl.col(S.MMSI)).is_null()
)


@dataclass(frozen=True)
class Correction:
    """A value-level fix: where ``condition`` holds, ``column`` becomes ``value``."""

    name: str
    column: str
    condition: pl.Expr
    value: pl.Expr


def _null() -> pl.Expr:
    return pl.lit(None, pl.Float64)


_COG_FIXED = _f(S.COG_DEG) + COG_FAULT_OFFSET_DEG

#: Value corrections (applied in this order; the first that matches a value wins).
CORRECTIONS: tuple[Correction, ...] = (
    Correction("sog_not_available", S.SOG_KN, (_f(S.SOG_KN) - SOG_NA_KN).abs() < 1e-3, _null()),
    Correction(
        "sog_out_of_range", S.SOG_KN, (_f(S.SOG_KN) < 0) | (_f(S.SOG_KN) > SOG_NA_KN), _null()
    ),
    Correction(
        "cog_negative_corrected",
        S.COG_DEG,
        (_f(S.COG_DEG) < 0) & (_f(S.COG_DEG) >= COG_FAULT_MIN_DEG - 1e-6),
        pl.when(_COG_FIXED < COG_NA_DEG - 1e-6).then(_COG_FIXED).otherwise(None),
    ),
    Correction("cog_not_available", S.COG_DEG, (_f(S.COG_DEG) - COG_NA_DEG).abs() < 1e-3, _null()),
    Correction(
        "cog_out_of_range",
        S.COG_DEG,
        (_f(S.COG_DEG) < COG_FAULT_MIN_DEG) | (_f(S.COG_DEG) > COG_NA_DEG),
        _null(),
    ),
    Correction(
        "heading_not_available", S.HEADING_DEG, _f(S.HEADING_DEG) == HEADING_NA_DEG, _null()
    ),
    Correction(
        "heading_out_of_range",
        S.HEADING_DEG,
        (_f(S.HEADING_DEG) < 0) | (_f(S.HEADING_DEG) >= 360.0),
        _null(),
    ),
    *(
        Correction(f"{col.removesuffix('_m')}_not_available", col, _f(col) == 0.0, _null())
        for col in (S.LENGTH_M, S.WIDTH_M, S.DRAFT_M)
    ),
    *(
        Correction(f"{col.removesuffix('_m')}_out_of_range", col, _f(col) < 0.0, _null())
        for col in (S.LENGTH_M, S.WIDTH_M, S.DRAFT_M)
    ),
    Correction(
        "ship_type_not_available",
        S.SHIP_TYPE,
        _f(S.SHIP_TYPE) == 0.0,
        _null(),
    ),
    Correction(
        "ship_type_out_of_range",
        S.SHIP_TYPE,
        (_f(S.SHIP_TYPE) < 0)
        | (_f(S.SHIP_TYPE) > 255)
        | (_f(S.SHIP_TYPE).floor() != _f(S.SHIP_TYPE)),
        _null(),
    ),
    Correction(
        "nav_status_out_of_range",
        S.NAV_STATUS,
        (_f(S.NAV_STATUS) < 0)
        | (_f(S.NAV_STATUS) > 15)
        | (_f(S.NAV_STATUS).floor() != _f(S.NAV_STATUS)),
        _null(),
    ),
    Correction("imo_not_available", S.IMO, _f(S.IMO) == 0.0, _null()),
    Correction(
        "imo_out_of_range",
        S.IMO,
        (_f(S.IMO) < 0) | (_f(S.IMO) > 4_294_967_295) | (_f(S.IMO).floor() != _f(S.IMO)),
        _null(),
    ),
)


def stage_defaults(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add any canonical or private column the staged frame lacks (as null / row number)."""
    names = lf.collect_schema().names()
    missing = []
    for name, dtype in S.POSITION_SCHEMA.items():
        if name in names:
            continue
        if name == S.SOURCE_ROW:
            missing.append(pl.int_range(1, pl.len() + 1, dtype=pl.UInt64).alias(name))
        else:
            missing.append(pl.lit(None, dtype).alias(name))
    if ERROR not in names:
        missing.append(pl.lit(None, pl.String).alias(ERROR))
    if RAW_COL not in names:
        missing.append(pl.lit(None, pl.String).alias(RAW_COL))
    return lf.with_columns(missing) if missing else lf


def classify(
    lf: pl.LazyFrame,
    extra_rules: Sequence[tuple[str, pl.Expr]] = (),
    plausible_time: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME,
) -> pl.LazyFrame:
    """Add the ``rule`` column: the first quarantine rule a row matches, or null.

    Order: the reader's ``_error``, :data:`QUARANTINE_RULES` (with :data:`IDENTITY_RULE`, rule
    ``identity_rows``, after ``missing_ts``), the ``plausible_time`` rules (none when it is
    None), ``extra_rules``, then the non-vessel station rules of
    :func:`vessels.flags.non_vessel_reason`. ``identity_rows`` is not a quarantine rule: see
    :func:`join_identity`.
    """
    lf = stage_defaults(lf)
    window = plausible_time.rules() if plausible_time is not None else []
    chain: Any = pl.when(pl.col(ERROR).is_not_null()).then(pl.col(ERROR))
    identity = ((S.IDENTITY_ROWS, IDENTITY_RULE),)
    rules = (*QUARANTINE_RULES[:2], *identity, *QUARANTINE_RULES[2:], *window, *extra_rules)
    for name, cond in rules:
        chain = chain.when(cond).then(pl.lit(name))
    rule = chain.otherwise(non_vessel_reason(pl.col(S.MMSI)))
    return lf.with_columns(rule.alias(S.RULE)).with_columns(
        pl.when(pl.col(S.RULE).is_not_null()).then(pl.col(RAW_COL)).alias(RAW_COL)
    )


def apply_corrections(lf: pl.LazyFrame, keep: Sequence[str] = ()) -> pl.LazyFrame:
    """Null sentinels and impossible values, repair negative COG, cast to the canonical schema.

    ``flag`` and ``mmsi_valid`` are (re)computed from the MMSI. Only canonical columns remain
    (plus the columns named in ``keep``).
    """
    lf = stage_defaults(lf)
    by_col: dict[str, list[Correction]] = {}
    for c in CORRECTIONS:
        by_col.setdefault(c.column, []).append(c)
    exprs = []
    for col, fixes in by_col.items():
        chain: Any = pl.when(fixes[0].condition).then(fixes[0].value)
        for fx in fixes[1:]:
            chain = chain.when(fx.condition).then(fx.value)
        exprs.append(chain.otherwise(_f(col)).alias(col))
    ais_class = pl.col(S.AIS_CLASS).cast(pl.String)
    exprs.append(
        pl.when(ais_class.is_in(["A", "B"])).then(ais_class).otherwise(None).alias(S.AIS_CLASS)
    )
    # VMS rows (a vessel_id, not an MMSI: vessels.io._vms) keep their own flag and have no
    # MMSI rules; AIS rows get both from the MMSI
    vms = (
        pl.col(S.VESSEL_ID).is_not_null()
        if S.VESSEL_ID in lf.collect_schema().names()
        else pl.lit(False)
    )
    exprs.extend(mmsi_identity(vms))
    return lf.with_columns(exprs).select(
        *(pl.col(name).cast(dtype) for name, dtype in S.POSITION_SCHEMA.items()),
        *(pl.col(k) for k in keep),
    )


def mmsi_identity(vms: pl.Expr) -> list[pl.Expr]:
    """``flag`` and ``mmsi_valid`` of a row, as :func:`apply_corrections` sets them.

    AIS rows get both from their ``mmsi``; VMS rows (``vms`` true: a ``vessel_id``, not an
    MMSI, see ``vessels.io._vms``) keep their own ``flag`` and have no MMSI rules (null).
    """
    return [
        pl.when(vms).then(pl.col(S.FLAG)).otherwise(flag_from_mmsi(pl.col(S.MMSI))).alias(S.FLAG),
        pl.when(vms)
        .then(pl.lit(None, pl.Boolean))
        .otherwise(mmsi_valid(pl.col(S.MMSI)))
        .alias(S.MMSI_VALID),
    ]


def correction_counts(lf: pl.LazyFrame) -> list[pl.Expr]:
    """Aggregations counting, per correction, the staged rows it changes (for summaries).

    Mirrors the first-match-wins order of :func:`apply_corrections` within each column.
    """
    out = []
    seen: dict[str, pl.Expr] = {}
    for c in CORRECTIONS:
        earlier = seen.get(c.column, pl.lit(False))
        out.append((c.condition.fill_null(False) & ~earlier).sum().alias(c.name))
        seen[c.column] = earlier | c.condition.fill_null(False)
    return out


def content_columns() -> list[str]:
    """Canonical columns that define an exact duplicate (all but provenance)."""
    return [c for c in S.POSITION_SCHEMA if c not in (S.SOURCE_FILE, S.SOURCE_ROW)]


def drop_duplicates(
    lf: pl.LazyFrame, order_by: Sequence[str] = (S.SOURCE_FILE, S.SOURCE_ROW)
) -> pl.LazyFrame:
    """Drop exact duplicates (same values in every :func:`content_columns` column).

    Rows are sorted by (mmsi, ts, content hash, ``order_by``), which puts identical rows next to
    each other; a row equal to the one before it in every content column (nulls equal) is a
    duplicate. The kept row is the first in ``order_by`` (provenance) order, and the output
    order depends only on the content, so the result is the same whatever the input order. A
    hash collision can only make a duplicate survive, never drop a distinct row (the final test
    compares the values themselves).
    """
    content = content_columns()
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(c).shift(1)) for c in content])
    return (
        lf.with_columns(pl.struct(content).hash(seed=0).alias("_content_hash"))
        .sort([S.MMSI, S.TS, "_content_hash", *order_by])
        .filter(~same.fill_null(False))
        .drop("_content_hash")
    )


def join_identity(positions: pl.LazyFrame, identity: pl.LazyFrame) -> pl.LazyFrame:
    """Fill the identity columns of ``positions`` from identity rows of the same MMSI, as-of.

    Each position keeps its own values; a null field takes the value of the latest identity row
    at or before the position's time that carries that field (so DMA rows, or NMEA type 24 parts
    A and B, combine), and for a field no earlier row carries, the earliest later row's value
    (positions before a vessel's first identity report). Both joins are polars ``join_asof`` by
    MMSI; the result is sorted by (mmsi, ts).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 1, 1, h, tzinfo=UTC) for h in range(4)]
    >>> pos = pl.LazyFrame({S.MMSI: [1, 1, 1], S.TS: [t[0], t[2], t[3]],
    ...                     S.VESSEL_NAME: [None, None, "OWN"]})
    >>> ident = pl.LazyFrame({S.MMSI: [1, 1], S.TS: [t[1], t[2]],
    ...                       S.VESSEL_NAME: ["FIRST", None], S.IMO: [None, 9320063]})
    >>> out = join_identity(pos, ident).collect()
    >>> out.select(S.VESSEL_NAME, S.IMO).rows()
    [('FIRST', 9320063), ('FIRST', 9320063), ('OWN', 9320063)]
    """
    have = identity.collect_schema().names()
    fields = [f for f in S.IDENTITY_FIELDS if f in have]
    pos_names = positions.collect_schema().names()
    ident = identity.select(S.MMSI, S.TS, *fields).sort(S.MMSI, S.TS)
    back = ident.with_columns(pl.col(fields).forward_fill().over(S.MMSI)).rename(
        {f: f"_b_{f}" for f in fields}
    )
    ahead = ident.with_columns(pl.col(fields).backward_fill().over(S.MMSI)).rename(
        {f: f"_a_{f}" for f in fields}
    )
    joined = (
        positions.sort(S.MMSI, S.TS)
        .join_asof(back, on=S.TS, by=S.MMSI, strategy="backward", check_sortedness=False)
        .join_asof(ahead, on=S.TS, by=S.MMSI, strategy="forward", check_sortedness=False)
    )
    fill = []
    for f in fields:
        own = [pl.col(f)] if f in pos_names else []
        dtype = positions.collect_schema()[f] if f in pos_names else None
        value = pl.coalesce(*own, pl.col(f"_b_{f}"), pl.col(f"_a_{f}"))
        fill.append((value.cast(dtype) if dtype is not None else value).alias(f))
    return joined.with_columns(fill).drop([f"_{k}_{f}" for f in fields for k in "ba"])


def quarantine_frame(classified: pl.LazyFrame, *, exclude: Sequence[str] = ()) -> pl.LazyFrame:
    """The quarantined rows of a classified frame in QUARANTINE_SCHEMA (+ mmsi, ts, lat, lon).

    Rows whose rule is in ``exclude`` (e.g. ``filtered_out``) are left out. When the reader kept
    no raw text, the row's values are written as JSON instead.
    """
    q = classified.filter(pl.col(S.RULE).is_not_null())
    if exclude:
        q = q.filter(~pl.col(S.RULE).is_in(list(exclude)))
    values = pl.struct([pl.col(c) for c in S.POSITION_SCHEMA if c not in (S.FLAG, S.MMSI_VALID)])
    raw = pl.coalesce(pl.col(RAW_COL), values.struct.json_encode())
    return q.select(
        pl.col(S.SOURCE_FILE).cast(pl.String),
        pl.col(S.SOURCE_ROW).cast(pl.UInt64),
        pl.col(S.RULE).cast(pl.String),
        raw.alias(S.RAW),
        *(pl.col(c).cast(d, strict=False) for c, d in QUARANTINE_EXTRA_COLUMNS.items()),
    )


#: Columns :func:`clean` needs (every other canonical column may be absent and is then null).
REQUIRED_COLUMNS = (S.MMSI, S.TS, S.LAT, S.LON)


def clean(
    lf: pl.LazyFrame | pl.DataFrame,
    extra_rules: Sequence[tuple[str, pl.Expr]] = (),
    plausible_time: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Clean a staged or canonical frame: ``(positions, quarantine)``, both lazy.

    ``positions`` is in POSITION_SCHEMA exactly, sorted by (mmsi, ts), without exact duplicates;
    ``quarantine`` has one row per rejected input row with its rule (see :func:`classify`);
    timestamps outside ``plausible_time`` (default :data:`DEFAULT_PLAUSIBLE_TIME`: 2000-01-01 to the
    run's clock + 1 day) are quarantined as ``ts_too_early`` / ``ts_too_late``.

    Examples
    --------
    >>> import polars as pl
    >>> from vessels import schema as S
    >>> lf = pl.LazyFrame({S.MMSI: [345000001], S.TS: [None], S.LAT: [95.0], S.LON: [0.0]})
    >>> clean(lf)[1].select(S.RULE).collect().item()
    'missing_ts'

    A frame without ``mmsi``, ``ts``, ``lat`` or ``lon`` is refused (not quarantined row by row):

    >>> clean(pl.LazyFrame({S.MMSI: [345000001]}))
    Traceback (most recent call last):
    ...
    vessels.errors.SchemaError: clean: frame lacks column(s) 'ts', 'lat', 'lon' (has: 'mmsi')
    """
    S.require_frame(lf, "lf", "clean")
    S.require_columns(lf, REQUIRED_COLUMNS, what="clean: frame")
    lazy = lf.lazy()
    classified = classify(lazy, extra_rules, plausible_time)
    accepted = apply_corrections(classified.filter(pl.col(S.RULE).is_null()))
    identity = apply_corrections(classified.filter(pl.col(S.RULE) == S.IDENTITY_ROWS))
    accepted = join_identity(accepted, identity)
    return drop_duplicates(accepted), quarantine_frame(classified, exclude=[S.IDENTITY_ROWS])
