"""read_ais: sniff formats, stage every file, classify, and account for every row (private)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.cleaning import (
    DEFAULT_PLAUSIBLE_TIME,
    ERROR,
    RAW_COL,
    PlausibleTime,
    apply_corrections,
    classify,
    content_columns,
    correction_counts,
    drop_duplicates,
    join_identity,
    mmsi_identity,
    quarantine_frame,
)
from vessels.errors import FormatError, UserError
from vessels.filters import BBox, TimeWindow, mmsi_list
from vessels.io._csvcore import (
    KIND,
    REQUIRED,
    SHORT_SUSPECT,
    Layout,
    has_quote,
    plain_text,
    read_header,
    split_header,
    stage_csv,
)
from vessels.io._encoding import check_encoding, decode_source
from vessels.io._layouts import DMA, LAYOUTS, MARINECADASTRE, MARINECADASTRE_2024
from vessels.io._other import stage_parquet, stage_traj
from vessels.io._paths import Source, expand_paths, open_sources
from vessels.io._timefmt import detect_slash_ts_format
from vessels.io._vms import check_flag, with_vessel_ids

__all__ = [
    "FILTERED_OUT",
    "FORMATS",
    "MIN_ACCEPTED_SHARE",
    "Clock",
    "Ingested",
    "acceptance_problem",
    "parse_columns",
    "read_ais",
    "sniff_format",
]

#: Formats ``read_ais(format=...)`` / ``--format`` accept.
FORMATS = ("marinecadastre", "marinecadastre2024", "dma", "nmea", "parquet", "traj", "csv")
#: Rule name of rows dropped by the since/until/bbox/mmsi filters (counted, not quarantined).
FILTERED_OUT = "filtered_out"
#: Private column: rank of the name of the input file a row was read from (index into
#: ``Ingested.files``): per-file accounting, and the order of duplicates across files.
FILE_NO = "_file_no"
#: Private column: row number in a materialized classified file (exact duplicate bookkeeping).
ROW_ID = "_row_id"
#: Private column: ``<column>:<word>`` for a text value no code is known for (DMA ship type and
#: cargo words): the row keeps a null, summary.json counts the word (``unmapped_words``).
UNMAPPED = "_unmapped"
#: A run whose accepted (+ duplicate) rows are fewer than this share of its position rows
#: (input minus identity and filtered rows) is reported as failed by ``vessels ingest``.
MIN_ACCEPTED_SHARE = 0.5

#: Dtypes of the staged frame every reader produces (before cleaning).
STAGE_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    S.TS: S.TS_DTYPE,
    **{
        c: pl.Float64()
        for c in (
            S.LAT,
            S.LON,
            S.SOG_KN,
            S.COG_DEG,
            S.HEADING_DEG,
            S.NAV_STATUS,
            S.IMO,
            S.SHIP_TYPE,
            S.LENGTH_M,
            S.WIDTH_M,
            S.DRAFT_M,
        )
    },
    **{c: pl.String() for c in (S.VESSEL_NAME, S.CALLSIGN, S.DESTINATION, S.AIS_CLASS)},
    S.VESSEL_ID: pl.String(),  # VMS ids (io/_vms.py); null for AIS
    S.FLAG: pl.String(),  # VMS flag column; AIS flags come from the MID in cleaning
    S.SOURCE_FILE: pl.String(),
    S.SOURCE_ROW: pl.UInt64(),
    ERROR: pl.String(),
    RAW_COL: pl.String(),
    FILE_NO: pl.UInt32(),
    S.TS_SOURCE: pl.String(),
    UNMAPPED: pl.String(),
}

#: Short names accepted by ``--columns`` besides the canonical ones.
COLUMN_ALIASES = {
    "sog": S.SOG_KN,
    "cog": S.COG_DEG,
    "heading": S.HEADING_DEG,
    "length": S.LENGTH_M,
    "width": S.WIDTH_M,
    "draft": S.DRAFT_M,
    "name": S.VESSEL_NAME,
    "status": S.NAV_STATUS,
    "class": S.AIS_CLASS,
}


def parse_columns(columns: str | Mapping[str, str]) -> dict[str, str]:
    """Parse a ``mmsi=ShipId,ts=time,lat=y,lon=x`` mapping (canonical name -> header name).

    Examples
    --------
    >>> parse_columns("mmsi=ShipId,ts=time,lat=y,lon=x,sog=speed")["sog_kn"]
    'speed'
    >>> parse_columns("mmsi=ShipId")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vessels.errors.UserError: --columns: missing ts, lat, lon (mmsi, ts, lat, lon are required; ...
    """
    if isinstance(columns, str):
        pairs: list[tuple[str, str]] = []
        for item in filter(None, (p.strip() for p in columns.split(","))):
            if "=" not in item:
                raise UserError(
                    f"--columns: {item!r} is not of the form name=HeaderColumn",
                    hint="e.g. --columns mmsi=ShipId,ts=time,lat=y,lon=x",
                )
            key, _, value = item.partition("=")
            pairs.append((key.strip(), value.strip()))
    else:
        pairs = list(columns.items())
    out: dict[str, str] = {}
    for key, value in pairs:
        canon = COLUMN_ALIASES.get(key, key)
        if canon not in KIND:
            raise UserError(
                f"--columns: unknown column {key!r}",
                hint=f"known names: {', '.join([*KIND, *COLUMN_ALIASES])}",
            )
        if not value:
            raise UserError(f"--columns: no header column given for {key!r}")
        out[canon] = value
    if S.MMSI in out and S.VESSEL_ID in out:
        raise UserError(
            "--columns: give mmsi= (AIS) or vessel_id= (VMS permit/registration numbers), not both"
        )
    missing = [r for r in REQUIRED if r not in out and not (r == S.MMSI and S.VESSEL_ID in out)]
    if missing:
        raise UserError(
            f"--columns: missing {', '.join(missing)} (mmsi, ts, lat, lon are required; "
            "vessel_id instead of mmsi for VMS)"
        )
    return out


def _nmea_like(first: str) -> bool:
    return "!AIVDM" in first or "!AIVDO" in first or "!BSVDM" in first or first.startswith("\\")


def _is_parquet(src: Source) -> bool:
    with src.path.open("rb") as fh:
        magic = fh.read(4)
    return magic == b"PAR1" or src.path.name.lower().endswith((".parquet", ".geoparquet"))


def sniff_format(src: Source) -> str:
    """Detect the format of one (decompressed) file from its first bytes / header."""
    low = src.path.name.lower()
    with src.path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1" or low.endswith((".parquet", ".geoparquet")):
        return "parquet"
    header = read_header(src.path)
    if low.endswith(".traj") or header.startswith("*T*"):
        return "traj"
    if _nmea_like(header):
        return "nmea"
    cols = split_header(header)
    for name in ("dma", "marinecadastre", "marinecadastre2024"):
        if LAYOUTS[name].resolve(cols) is not None:
            return name
    with src.path.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
    if any(_nmea_like(line) for line in head.splitlines()[:200]):
        return "nmea"  # an NMEA log whose first lines are noise
    if not header.strip():
        raise FormatError(f"{src.name}: line 1 is empty; expected a CSV header or NMEA")
    expected = "; ".join(
        f"{lay.name}: {', '.join(lay.columns[c][0] for c in REQUIRED)}"
        for lay in (MARINECADASTRE, MARINECADASTRE_2024, DMA)
    )
    raise FormatError(
        f"{src.name}: line 1 header matches no known AIS layout "
        f"(got {header[:160]!r}; expected at least these columns — {expected})",
        hint="pass --format, or --columns mmsi=...,ts=...,lat=...,lon=... for another CSV",
    )


def _generic_layout(mapping: Mapping[str, str]) -> Layout:
    return Layout(name="csv", columns={k: (v,) for k, v in mapping.items()})


def _stage_one(
    src: Source,
    fmt: str,
    mapping: dict[str, str] | None,
    file_no: int,
    clock: Clock | None = None,
    time_format: str | None = None,
    fast: list[_FastPart] | None = None,
) -> pl.LazyFrame:
    """The staged frame of one source; for a plain-text CSV (and ``fast`` given) the fast
    path's staged frame (:func:`vessels.io._csvcore.stage_csv` ``fast=True``) is appended to
    ``fast``."""
    if fmt == "parquet":
        lf = stage_parquet(src.path, src.name)
    elif fmt == "traj":
        lf = stage_traj(src.path, src.name)
    elif fmt == "nmea":
        from vessels.io._nmea import stage_nmea

        lf = stage_nmea(src.path, src.name, clock)
    else:
        if fmt == "csv" or mapping is not None:
            if mapping is None:
                raise UserError(
                    f"{src.name}: --format csv needs a --columns mapping",
                    hint="e.g. --columns mmsi=ShipId,ts=time,lat=y,lon=x",
                )
            layout = _generic_layout(mapping)
        else:
            layout = LAYOUTS[fmt]
        header = split_header(read_header(src.path))
        index = layout.resolve(header)
        if index is None:
            want = [layout.columns[c][0] for c in REQUIRED]
            absent = [w for w in want if w.lower() not in {h.lower() for h in header}]
            raise FormatError(
                f"{src.name}: line 1 header lacks the columns {', '.join(absent)} "
                f"expected for format {layout.name} (header has: {', '.join(header)[:300]})",
                hint="check --format / --columns against the file's header",
            )
        if time_format is not None:
            layout = dataclasses.replace(layout, ts_format=time_format)
        elif layout.ts_format is None:
            detected = detect_slash_ts_format(src.path, src.name, index[S.TS])
            if detected is not None:
                layout = dataclasses.replace(layout, ts_format=detected)
        # known when the UTF-8 check read the file (one pass over its bytes, not three)
        quotes = has_quote(src.path) if src.has_quote is None else src.has_quote
        lf = stage_csv(src.path, src.name, layout, header, index, src.invalid_lines, quotes=quotes)
        # two fields at least: a short line then always lacks the last one (SHORT_SUSPECT)
        if fast is not None and len(header) > 1 and not quotes and plain_text(src.path, src.has_cr):
            quick = stage_csv(
                src.path, src.name, layout, header, index, src.invalid_lines, fast=True
            )
            # columns holding one value in every row of the fast path: the layout's absent
            # columns (null, ts_source "column"), the file's name and number, no raw text
            # (stage_csv(fast=True) keeps none), and the position columns classify adds
            staged = set(quick.collect_schema().names())
            constants: dict[str, Any] = {
                c: None for c in (*STAGE_SCHEMA, *S.POSITION_SCHEMA) if c not in staged
            }
            constants.update({S.SOURCE_FILE: src.name, FILE_NO: file_no, RAW_COL: None})
            if S.TS_SOURCE not in staged:
                constants[S.TS_SOURCE] = "column"
            fast.append(
                _FastPart(
                    _in_stage_schema(quick, file_no, extra=(SHORT_SUSPECT,)),
                    src.path,
                    len(header),
                    file_no,
                    constants,
                )
            )
    return _in_stage_schema(lf, file_no)


def _in_stage_schema(lf: pl.LazyFrame, file_no: int, extra: Sequence[str] = ()) -> pl.LazyFrame:
    """A reader's staged frame in STAGE_SCHEMA (absent columns null), plus the ``extra`` ones."""
    lf = lf.with_columns(pl.lit(file_no, pl.UInt32).alias(FILE_NO))
    names = lf.collect_schema().names()
    default = {S.TS_SOURCE: pl.lit("column")}
    return lf.select(
        *(
            (pl.col(c) if c in names else default.get(c, pl.lit(None))).cast(d).alias(c)
            for c, d in STAGE_SCHEMA.items()
        ),
        *extra,
    )


def _filter_rule(
    window: TimeWindow, box: BBox | None, mmsi: list[int] | None
) -> list[tuple[str, pl.Expr]]:
    keep: list[pl.Expr] = []
    if window.since is not None:
        keep.append(pl.col(S.TS) >= window.since)
    if window.until is not None:
        keep.append(pl.col(S.TS) < window.until)
    if box is not None:
        lon0, lat0, lon1, lat1 = box.as_tuple()
        keep.append(pl.col(S.LON).is_between(lon0, lon1) & pl.col(S.LAT).is_between(lat0, lat1))
    if mmsi is not None:
        keep.append(pl.col(S.MMSI).is_in(mmsi))
    if not keep:
        return []
    return [(FILTERED_OUT, ~pl.all_horizontal(keep))]


@dataclass(frozen=True)
class _FastPart:
    """One plain-text CSV file read by polars' CSV reader (``stage_csv(fast=True)``)."""

    classified: pl.LazyFrame  #: staged (then classified) rows, with SHORT_SUSPECT
    path: Path  #: the file read
    n_fields: int  #: fields of its header
    file_no: int
    #: columns with the same value in every row (not written by :meth:`Ingested.materialize`,
    #: added back as literals when its file is read)
    constants: Mapping[str, Any] = field(default_factory=dict)

    def scan(self, path: Path, offset: int) -> pl.LazyFrame:
        """The rows :func:`_sink_fast` wrote to ``path``, as they were classified, with their
        row ids from ``offset``: the constant columns as literals, and the row id from the line
        number (row i of the file is line i + 2, see ``_scan_fields``)."""
        schema = self.classified.collect_schema()
        row_id = (pl.col(S.SOURCE_ROW) - 2 + offset).cast(pl.get_index_type()).alias(ROW_ID)
        return pl.scan_parquet(path, glob=False).select(
            row_id,
            *(
                pl.lit(self.constants[c], dtype).alias(c) if c in self.constants else pl.col(c)
                for c, dtype in schema.items()
                if c != SHORT_SUSPECT
            ),
        )


#: Messages of polars' CSV reader for a line the fast path cannot take (the file is then read
#: line by line): a cell that is not a number in a number column, a line with too many fields,
#: a first data line with fewer fields than the header.
_REFUSALS = ("could not parse", "more fields than", "not found in CSV file")


@dataclass(frozen=True)
class Clock:
    """Time given by the user for logs that carry none (``--start-time``, ``--time-zone``)."""

    start: datetime | None = None  #: UTC
    time_zone: str | None = None

    @classmethod
    def make(cls, start: datetime | str | None, time_zone: str | None) -> Clock | None:
        if start is None and time_zone is None:
            return None
        zone = UTC
        if time_zone is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                zone = ZoneInfo(time_zone)  # type: ignore[assignment]
            except (ZoneInfoNotFoundError, ValueError):
                raise UserError(
                    f"--time-zone {time_zone!r} is not a known IANA time zone",
                    hint="e.g. --time-zone Europe/Copenhagen, or UTC",
                ) from None
        start_utc = None
        if start is not None:
            try:
                dt = datetime.fromisoformat(start) if isinstance(start, str) else start
            except ValueError:
                raise UserError(
                    f"--start-time {start!r} is not an ISO 8601 time",
                    hint="e.g. --start-time 2015-06-21T09:30:00",
                ) from None
            dt = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt
            start_utc = dt.astimezone(UTC)
        return cls(start_utc, time_zone)


@dataclass
class Ingested:
    """The result of :func:`read_ais`: cleaned positions, quarantine and row accounting.

    Everything is lazy: ``positions`` and ``quarantine`` are LazyFrames over the input files;
    :meth:`summary` runs the counting queries.
    """

    classified: pl.LazyFrame  #: staged rows of every input, with their ``rule`` (null = kept)
    formats: dict[str, str] = field(default_factory=dict)  #: input file -> detected format
    clock: Clock | None = None  #: --start-time / --time-zone given for untimestamped NMEA
    _identity_known: bool | None = field(default=None, repr=False)
    #: whether an accepted row names its vessel by a ``vessel_id`` (None: not asked yet)
    _vms_known: bool | None = field(default=None, repr=False)
    #: per input file: the classified rows, and those of the fast CSV path when it may apply
    #: (used by :meth:`materialize` only)
    _parts: list[tuple[pl.LazyFrame, _FastPart | None]] | None = field(default=None, repr=False)
    #: raw text of the quarantined rows the fast CSV path read (``_file_no``, ``source_row``,
    #: ``_raw_line``); their ``_raw`` is null in ``classified``
    _raw_lines: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def files(self) -> list[str]:
        """Input file names, sorted (``_file_no`` indexes this list)."""
        return sorted(self.formats)

    @property
    def materialized(self) -> bool:
        """Whether the rows carry row ids (read from :meth:`materialize`'s file)."""
        return ROW_ID in self.classified.collect_schema().names()

    def accepted_with_file_no(self, drop_ids: pl.Series | None = None) -> pl.LazyFrame:
        """Positions plus the private ``_file_no`` column (index into :attr:`files`).

        Lazy path: corrections, then :func:`vessels.cleaning.drop_duplicates` (sorted by mmsi, ts).
        After :meth:`materialize` the rows carry a row id and duplicates are found without
        sorting the whole table: only rows sharing (mmsi, ts) with another row are
        candidates; the exact comparison runs on those few and their ids are filtered out of the
        stream. That result is not sorted (``vessels.tracks.segment`` sorts it; otherwise use
        :meth:`positions`). ``drop_ids`` (from :meth:`duplicate_row_ids` of a frame holding
        these rows) skips that search, e.g. when the rows are processed in MMSI ranges.
        """
        if ROW_ID not in self.classified.collect_schema().names():
            canon = self._corrected(keep=(FILE_NO,))
            return drop_duplicates(canon, order_by=(FILE_NO, S.SOURCE_ROW))
        canon = self._corrected(keep=(FILE_NO, ROW_ID))
        if drop_ids is None:
            drop_ids = self.duplicate_row_ids()
        if drop_ids.is_empty():
            return canon.drop(ROW_ID)
        return canon.filter(~pl.col(ROW_ID).is_in(drop_ids.implode())).drop(ROW_ID)

    def sorted_accepted(self, source_files: Mapping[str, str] | None = None) -> pl.DataFrame:
        """Accepted rows plus ``_file_no``, exact duplicates dropped, sorted by (mmsi, ts) and
        then input order: see :meth:`sorted_accepted_and_identity`."""
        return self.sorted_accepted_and_identity(source_files, identity=False)[0]

    def sorted_accepted_and_identity(
        self, source_files: Mapping[str, str] | None = None, *, identity: bool = True
    ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        """Accepted rows plus ``_file_no``, exact duplicates dropped, sorted by (mmsi, ts) and
        then input order (materialized rows only: see :meth:`materialize`).

        :meth:`accepted_with_file_no` and :meth:`duplicate_row_ids` in one sort: the two stable
        one-column sorts (ts, then mmsi) of a narrow frame that order the rows also put the
        rows sharing (mmsi, ts) next to each other -- the duplicate candidates, settled by the
        exact comparison of :func:`vessels.cleaning.drop_duplicates` as there -- and the wide
        frame is gathered once, already without its duplicates. Rows already in (mmsi, ts)
        order are not sorted. ``source_files`` renames ``source_file`` values (e.g. to short,
        order-preserving stand-ins). Same rows as :meth:`accepted_with_file_no`; in input order
        the (mmsi, ts) ties are in (``_file_no``, ``source_row``) order, i.e.
        ``vessels.tracks.SORT_KEYS`` order when ``source_file`` sorts like ``_file_no``.

        With ``identity``, also :meth:`identity_history` of these rows (collected) from the
        same sort, before duplicates are dropped (the reports count them), when the positions
        are its only reports (no identity rows, no VMS inputs); None otherwise.
        """
        if ROW_ID not in self.classified.collect_schema().names():
            raise ValueError("sorted_accepted() needs materialized rows (row ids)")
        canon = self._corrected(keep=(FILE_NO, ROW_ID))
        columns = canon.collect_schema().names()
        # columns that depend only on a row's file or its MMSI are not read or computed for
        # every row and then gathered in the sort's order: they are added to the sorted rows,
        # from a table per file and per vessel (see _derived_after_sort)
        later = self._derived_after_sort()
        if source_files and S.SOURCE_FILE not in later:
            canon = canon.with_columns(
                pl.col(S.SOURCE_FILE).replace_strict(source_files, return_dtype=pl.String)
            )
        rows = canon.drop(later).collect()
        if not rows[ROW_ID].is_sorted():  # input order is row-id order
            rows = rows.sort(ROW_ID, multithreaded=False)
        m, t = pl.col(S.MMSI), pl.col(S.TS)
        at = "_vs_at"
        narrow = rows.select(
            S.MMSI, S.TS, ROW_ID, pl.int_range(pl.len(), dtype=pl.UInt32).alias(at)
        )
        in_order = (m > m.shift(1)) | ((m == m.shift(1)) & (t >= t.shift(1)))
        if not narrow.select(in_order.slice(1).fill_null(False).all()).item():
            # single-threaded: on 2 cores the parallel sort took ~1.7 x the CPU time
            narrow = narrow.sort(S.TS, maintain_order=True, multithreaded=False).sort(
                S.MMSI, maintain_order=True, multithreaded=False
            )
        periods = None
        if identity and not self._has_identity_rows() and not self._has_vms_rows():
            keys = [S.VESSEL_NAME, S.CALLSIGN, S.IMO, S.SHIP_TYPE]
            # the reports stay in input order (no gather of their text); only the narrow
            # columns are put in the sort's order inside _identity_periods
            reports = rows.select(S.MMSI, S.TS, *keys, ROW_ID)
            is_report = reports.select(
                m.is_not_null() & t.is_not_null() & pl.any_horizontal(pl.col(keys).is_not_null())
            ).to_series()
            order = narrow[at]
            if not is_report.all():  # positions of the reports among the reports
                order = (is_report.cast(pl.UInt32).cum_sum() - 1).gather(
                    order.filter(is_report.gather(order))
                )
                reports = reports.filter(is_report)
            reports = reports.with_columns(
                pl.lit(False).alias("_vms"), pl.lit(None, pl.String).alias("_own_flag")
            )
            found = _identity_periods(
                reports, keys, [ROW_ID], carry=["_vms", "_own_flag"], order=order
            )
            periods = _period_table(found)
        same = ((m == m.shift(1)) & (t == t.shift(1))).fill_null(False)
        candidates = narrow.filter(same | same.shift(-1, fill_value=False))
        if not candidates.is_empty():
            found = self._with_derived(rows[candidates[at].sort()], later, source_files, columns)
            kept = drop_duplicates(found.lazy(), order_by=(FILE_NO, S.SOURCE_ROW, ROW_ID))
            kept_ids = kept.select(ROW_ID).collect()[ROW_ID]
            drop = found[ROW_ID].filter(~found[ROW_ID].is_in(kept_ids.implode()))
            if not drop.is_empty():
                narrow = narrow.filter(~pl.col(ROW_ID).is_in(drop.implode()))
        ordered = rows.drop(ROW_ID).rechunk()[narrow[at]]
        kept_columns = [c for c in columns if c != ROW_ID]
        return self._with_derived(ordered, later, source_files, kept_columns), periods

    def _derived_after_sort(self) -> tuple[str, ...]:
        """Columns of :meth:`_corrected` that :meth:`sorted_accepted_and_identity` adds to the
        sorted rows instead of reading (or computing) them for every row and gathering them:
        ``source_file`` when every row's is the name of its file (no Parquet inputs, whose
        rows may carry their own), ``flag`` and ``mmsi_valid`` when they come from the MMSI
        alone (no VMS rows)."""
        later: list[str] = []
        if "parquet" not in self.formats.values():
            later.append(S.SOURCE_FILE)
        if not self._has_vms_rows():
            later.extend((S.FLAG, S.MMSI_VALID))
        return tuple(later)

    def _with_derived(
        self,
        rows: pl.DataFrame,
        derived: Sequence[str],
        source_files: Mapping[str, str] | None,
        columns: Sequence[str],
    ) -> pl.DataFrame:
        """``rows`` with the ``derived`` columns of :meth:`_derived_after_sort` added, in the
        order of ``columns``: ``source_file`` from ``_file_no`` (renamed by
        ``source_files``), ``flag`` and ``mmsi_valid`` as :func:`apply_corrections` computes
        them from the MMSI, once per run of equal MMSIs (the rows are sorted by MMSI)."""
        if not derived:
            return rows
        added: list[pl.Series] = []
        if S.SOURCE_FILE in derived:
            names = [(source_files or {}).get(name, name) for name in self.files]
            lookup = pl.Series(S.SOURCE_FILE, names, dtype=pl.String)
            added.append(lookup.gather(rows[FILE_NO]))
        if S.FLAG in derived:
            mmsi = rows[S.MMSI]
            starts = mmsi.ne_missing(mmsi.shift(1))  # true on the first row
            run = starts.cast(pl.UInt32).cum_sum() - 1
            vessels = (
                mmsi.filter(starts)
                .to_frame()
                .with_columns(pl.lit(None, pl.String).alias(S.FLAG))
                .select(mmsi_identity(pl.lit(False)))
                .select(pl.col(c).cast(S.POSITION_SCHEMA[c]) for c in (S.FLAG, S.MMSI_VALID))
            )
            added.extend(vessels[c].gather(run) for c in (S.FLAG, S.MMSI_VALID))
        return rows.with_columns(added).select(columns)

    def duplicate_row_ids(self) -> pl.Series:
        """Row ids of the accepted rows that are exact duplicates of a kept row (materialized).

        Only rows sharing (mmsi, ts) with another row are candidates; the exact comparison of
        :func:`vessels.cleaning.drop_duplicates` runs on those few.
        """
        canon = self._corrected(keep=(FILE_NO, ROW_ID))
        # identical rows share their mmsi and ts (both are content columns): rows whose hash of
        # (mmsi, ts) is seen twice are candidates (a collision only adds a candidate), the exact
        # comparison below settles them. Only three numeric columns are read for all rows (no
        # other column is corrected or hashed), and equal hashes are found as neighbours after
        # one sort of a single integer column (cheaper in polars than is_duplicated).
        digest = pl.struct(S.MMSI, S.TS).hash(seed=0).alias("_digest")
        same = pl.col("_digest")
        candidate_ids = (
            canon.select(digest, ROW_ID)
            .collect()
            .sort("_digest", multithreaded=False)
            .filter((same == same.shift(1)) | (same == same.shift(-1)))[ROW_ID]
            .sort()
        )
        if candidate_ids.is_empty():
            return candidate_ids
        candidates = canon.filter(pl.col(ROW_ID).is_in(candidate_ids.implode())).collect()
        kept = drop_duplicates(candidates.lazy(), order_by=(FILE_NO, S.SOURCE_ROW, ROW_ID))
        kept_ids = kept.select(ROW_ID).collect()[ROW_ID]
        return candidate_ids.filter(~candidate_ids.is_in(kept_ids.implode()))

    def _corrected(self, keep: tuple[str, ...]) -> pl.LazyFrame:
        """Accepted rows, corrected, with identity rows joined as-of (when there are any)."""
        rows = self.classified.filter(pl.col(S.RULE).is_null())
        canon = apply_corrections(rows, keep=(*keep, S.TS_SOURCE)).with_columns(
            pl.col(S.TS_SOURCE).cast(S.TS_SOURCE_DTYPE, strict=False)
        )
        if not self._has_identity_rows():
            return canon
        identity = apply_corrections(
            self.classified.filter(pl.col(S.RULE) == S.IDENTITY_ROWS)
        ).select(S.MMSI, S.TS, *S.IDENTITY_FIELDS)
        return join_identity(canon, identity)

    def _has_identity_rows(self) -> bool:
        """Whether any row is an identity row (one cheap query, remembered)."""
        if self._identity_known is None:
            probe = self.classified.select((pl.col(S.RULE) == S.IDENTITY_ROWS).any())
            self._identity_known = bool(probe.collect().item())
        return self._identity_known

    def _has_vms_rows(self) -> bool:
        """Whether any accepted row names its vessel by a ``vessel_id`` (VMS input; one query,
        remembered)."""
        if self._vms_known is None:
            if S.VESSEL_ID not in self.classified.collect_schema().names():
                self._vms_known = False
            else:
                vms = pl.col(S.RULE).is_null() & pl.col(S.VESSEL_ID).is_not_null()
                self._vms_known = bool(self.classified.select(vms.any()).collect().item())
        return self._vms_known

    def identity_history(self) -> pl.LazyFrame:
        """One row per vessel and identity period: when its reported identity changed.

        Built from the identity rows and the identity fields the positions carry themselves:
        consecutive reports of an MMSI (in time order) with the same name, call sign, IMO and
        ship type form one period. Columns: ``mmsi``, ``valid_from`` and ``valid_to`` (times of
        the first and last report of the period), ``n_reports``, ``vessel_name``, ``callsign``,
        ``imo``, ``ship_type``, ``flag`` (from the MMSI) and ``mmsi_valid``. The identity
        detector and watchlist rules can read it to see names and call signs change over time.
        """
        keys = [S.VESSEL_NAME, S.CALLSIGN, S.IMO, S.SHIP_TYPE]
        rows = self.classified.filter(
            pl.col(S.RULE).is_null() | (pl.col(S.RULE) == S.IDENTITY_ROWS)
        ).filter(pl.col(S.MMSI).is_not_null() & pl.col(S.TS).is_not_null())
        # reports of one instant (two transmitters sharing an MMSI) are taken in input order:
        # the sort is total, so the periods do not change from run to run
        ties = [ROW_ID] if ROW_ID in rows.collect_schema().names() else [FILE_NO, S.SOURCE_ROW]
        extra = tuple(c for c in ties if c not in S.POSITION_SCHEMA)
        # flag and mmsi_valid are a period's first report's: computed for the periods only,
        # from that report's mmsi, own flag and VMS mark (as apply_corrections would)
        vms = (
            pl.col(S.VESSEL_ID).is_not_null()
            if S.VESSEL_ID in rows.collect_schema().names()
            else pl.lit(False)
        )
        rows = rows.with_columns(vms.alias("_vms"), pl.col(S.FLAG).alias("_own_flag"))
        canon = apply_corrections(rows, keep=(*extra, "_vms", "_own_flag")).filter(
            pl.any_horizontal(pl.col(keys).is_not_null())
        )
        reports = canon.select(S.MMSI, S.TS, *keys, "_vms", "_own_flag", *ties).collect()
        periods = _identity_periods(reports, keys, ties, carry=["_vms", "_own_flag"])
        return _period_table(periods).lazy()

    def vessel_ids(self) -> pl.DataFrame | None:
        """``mmsi`` (synthetic) -> ``vessel_id`` of VMS inputs, one row per vessel; None for AIS.

        A vessel named by a permit or registration number runs through every stage under a
        synthetic MMSI (see ``vessels.io._vms``); this table names it again in the outputs.
        """
        if S.VESSEL_ID not in self.classified.collect_schema().names():
            return None
        ids = (
            self.classified.filter(pl.col(S.RULE).is_null() & pl.col(S.VESSEL_ID).is_not_null())
            .select(S.MMSI, S.VESSEL_ID)
            .unique()
            .sort(S.MMSI)
            .collect()
        )
        return ids if ids.height else None

    def accepted_counts(self, frame: pl.DataFrame | pl.LazyFrame) -> dict[str, int]:
        """Accepted rows per input file, from a frame that still has ``_file_no``."""
        counts = frame.lazy().group_by(FILE_NO).agg(pl.len()).collect()
        return {self.files[i]: int(n) for i, n in counts.iter_rows()}

    @property
    def positions(self) -> pl.LazyFrame:
        """Cleaned, deduplicated positions in POSITION_SCHEMA, sorted by (mmsi, ts)."""
        accepted = self.accepted_with_file_no()
        if ROW_ID in self.classified.collect_schema().names():
            content_hash = pl.struct(content_columns()).hash(seed=0)
            accepted = accepted.sort([S.MMSI, S.TS, content_hash, FILE_NO, S.SOURCE_ROW])
        return accepted.select(*S.POSITION_SCHEMA, S.TS_SOURCE)

    @property
    def quarantine(self) -> pl.LazyFrame:
        """Rejected rows: source_file, source_row, rule, raw (+ mmsi, ts, lat, lon).

        Identity rows and filtered rows are not rejected and are not in it.
        """
        rows = self.classified
        if self._raw_lines is not None:  # the fast CSV path kept no raw text: add it back
            rows = (
                rows.filter(pl.col(S.RULE).is_not_null())
                .join(
                    self._raw_lines.lazy(),
                    on=[FILE_NO, S.SOURCE_ROW],
                    how="left",
                    maintain_order="left",
                )
                .with_columns(pl.coalesce(RAW_COL, "_raw_line").alias(RAW_COL))
            )
        return quarantine_frame(rows, exclude=_NOT_QUARANTINED)

    def summary(self, accepted_per_file: Mapping[str, int] | None = None) -> dict[str, Any]:
        """Row accounting: totals, counts per rule, per correction and per input file.

        ``input_rows = accepted_rows + quarantined_rows + duplicate_rows + identity_rows +
        filtered_rows`` holds in total and for every file (``identity_rows`` are static reports
        and position-less identity rows, joined onto the positions; ``filtered_rows`` are the
        rows the since/until/bbox/mmsi filters left out; they are counted under
        ``per_rule['filtered_out']`` too, but not written to the quarantine).

        Also: ``ts_source`` (position rows per way their time was found), ``unmapped_words``
        (text codes, e.g. DMA ship-type words, with no known code: column -> word -> rows) and,
        for untimestamped NMEA, ``time_reconstruction`` with the options used and ``warnings``.
        """
        by_rule_q = self.classified.group_by(FILE_NO, S.RULE).agg(pl.len().alias("n"))
        corr_q = self.classified.filter(pl.col(S.RULE).is_null()).select(
            correction_counts(self.classified)
        )
        ts_q = (
            self.classified.filter(pl.col(S.RULE).is_null())
            .group_by(S.TS_SOURCE)
            .agg(pl.len().alias("n"))
        )
        words_q = (
            self.classified.filter(pl.col(UNMAPPED).is_not_null())
            .group_by(UNMAPPED)
            .agg(pl.len().alias("n"))
        )
        queries = [by_rule_q, corr_q, ts_q, words_q]
        if accepted_per_file is None:
            queries.append(self.accepted_with_file_no().group_by(FILE_NO).agg(pl.len()))
        # one query at a time, not pl.collect_all: collect_all shares the scan of the classified
        # rows between the queries by caching it, i.e. it holds every classified row and column
        # in memory (7.4 GiB and 16 s for a 61.5 M-row month vs 2.8 s and no added memory this
        # way); each query alone reads only its own columns. Same counts.
        frames = [q.collect() for q in queries]
        by_rule, corr = frames[0], frames[1]
        ts_source = {str(k): int(n) for k, n in frames[2].sort(S.TS_SOURCE).iter_rows()}
        unmapped: dict[str, dict[str, int]] = {}
        for key, n in frames[3].sort(UNMAPPED).iter_rows():
            col, _, word = str(key).partition(":")
            unmapped.setdefault(col, {})[word] = int(n)
        if accepted_per_file is None:
            accepted_per_file = {self.files[i]: int(n) for i, n in frames[4].iter_rows()}
        per_file: dict[str, dict[str, Any]] = {}
        per_rule: dict[str, int] = {}
        for name in self.files:
            per_file[name] = {
                "format": self.formats.get(name),
                "input_rows": 0,
                "accepted_rows": int(accepted_per_file.get(name, 0)),
                "quarantined_rows": 0,
                "duplicate_rows": 0,
                S.IDENTITY_ROWS: 0,
                "filtered_rows": 0,
            }
        for file_no, rule, n in by_rule.iter_rows():
            f = per_file[self.files[file_no]]
            f["input_rows"] += n
            if rule is None:
                f["duplicate_rows"] += n
            elif rule == FILTERED_OUT:
                f["filtered_rows"] += n
                per_rule[rule] = per_rule.get(rule, 0) + n
            elif rule == S.IDENTITY_ROWS:
                f[S.IDENTITY_ROWS] += n
            else:
                f["quarantined_rows"] += n
                per_rule[rule] = per_rule.get(rule, 0) + n
        for f in per_file.values():
            f["duplicate_rows"] -= f["accepted_rows"]
        keys = (
            "input_rows",
            "accepted_rows",
            "quarantined_rows",
            "duplicate_rows",
            S.IDENTITY_ROWS,
            "filtered_rows",
        )
        totals = {k: sum(f[k] for f in per_file.values()) for k in keys}
        corrections = {k: int(v) for k, v in corr.row(0, named=True).items() if v}
        balanced = all(
            f["input_rows"] == sum(f[k] for k in keys[1:]) and f["duplicate_rows"] >= 0
            for f in per_file.values()
        )
        out: dict[str, Any] = {
            **totals,
            "balanced": balanced,
            "per_rule": dict(sorted(per_rule.items())),
            "corrections": dict(sorted(corrections.items())),
            "per_file": per_file,
            S.TS_SOURCE: ts_source,
            "unmapped_words": unmapped,
        }
        if self.clock is not None or "nmea" in self.formats.values():
            out["time_reconstruction"] = _time_report(self.clock, ts_source)
        warnings = _time_warnings(self.clock, ts_source)
        if warnings:
            out["warnings"] = warnings
        return out

    def materialize(self, path: str | Path) -> Ingested:
        """Write the classified rows once to ``path`` (Parquet) and read from it from now on.

        Used by ``vessels ingest`` so that the input text is parsed once for positions,
        quarantine and summary.
        """
        if not self._parts:
            self.classified.with_row_index(ROW_ID).sink_parquet(
                path, compression=_STAGING_COMPRESSION
            )
            return Ingested(pl.scan_parquet(path, glob=False), dict(self.formats), self.clock)
        # one file per input, in input order, with row ids running on across them
        path = Path(path)
        frames: list[pl.LazyFrame] = []
        raw_lines: list[pl.DataFrame] = []
        offset = 0
        for i, (careful, fast) in enumerate(self._parts):
            out = path.with_name(f"{path.stem}_{i}{path.suffix}")
            raw = None if fast is None else _sink_fast(fast, out, offset)
            if fast is not None and raw is not None:
                frames.append(fast.scan(out, offset))
                raw_lines.append(raw)
            else:
                careful.with_row_index(ROW_ID, offset=offset).sink_parquet(
                    out, compression=_STAGING_COMPRESSION
                )
                frames.append(pl.scan_parquet(out, glob=False))
            offset += pl.scan_parquet(out, glob=False).select(pl.len()).collect().item()
        classified = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
        raw_all = pl.concat(raw_lines) if raw_lines else None
        return Ingested(classified, dict(self.formats), self.clock, _raw_lines=raw_all)


#: Whether :meth:`Ingested.materialize` may read plain-text CSV files with polars' CSV reader
#: (``vessels.io._csvcore.stage_csv(fast=True)``); the tests switch it off to compare.
FAST_CSV = True

#: Compression of the materialized classified rows, a temporary file read back a few times:
#: none. At 2 M rows lz4 took 1.01 CPU s to write and 0.42 to read back whole, uncompressed 0.77
#: and 0.11, for a file twice the size (~100 bytes a row).
_STAGING_COMPRESSION: Literal["uncompressed"] = "uncompressed"

#: Rules of rows that are not written to the quarantine (counted only).
_NOT_QUARANTINED = [FILTERED_OUT, S.IDENTITY_ROWS]


def _sink_fast(part: _FastPart, out: Path, offset: int) -> pl.DataFrame | None:
    """Write ``part``'s classified rows to ``out``; their quarantined lines' raw text, or None.

    None when the fast path does not apply to the file (the caller then reads it line by
    line): polars' reader refused a line (a number it cannot parse, too many fields), or a
    line whose last field is empty (:data:`SHORT_SUSPECT`) has in fact fewer fields than the
    header or is blank. The raw text of the quarantined rows (and of the suspects, to check
    them) is read from the file by line number, by the same line reader as the careful path.
    """
    try:
        # neither the constant columns nor the row ids (from the line numbers) are written
        part.classified.drop(list(part.constants)).sink_parquet(
            out, compression=_STAGING_COMPRESSION
        )
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError) as exc:
        if not any(text in str(exc) for text in _REFUSALS):
            raise
        return None
    rule = pl.col(S.RULE)
    need = (
        pl.scan_parquet(out, glob=False)
        .filter(pl.col(SHORT_SUSPECT) | (rule.is_not_null() & ~rule.is_in(_NOT_QUARANTINED)))
        .select(pl.col(S.SOURCE_ROW).cast(pl.UInt32).alias("_line"), SHORT_SUSPECT)
        .collect()
    )
    schema = {FILE_NO: pl.UInt32, S.SOURCE_ROW: pl.UInt64, "_raw_line": pl.String}
    if need.is_empty():
        return pl.DataFrame(schema=schema)
    line = pl.col("line")
    need = need.sort("_line")
    texts = _line_texts(part.path, need["_line"].to_numpy())
    if texts is not None:
        lines = need.select("_line", pl.Series("line", texts, dtype=pl.String), SHORT_SUSPECT)
    else:
        lines = (
            pl.scan_lines(
                part.path, name="line", row_index_name="_line", row_index_offset=1, glob=False
            )
            .filter(pl.col("_line").is_in(need["_line"].implode()))
            .collect()
            .join(need, on="_line", how="left")
        )
    short = lines.filter(
        pl.col(SHORT_SUSPECT)
        & (
            (line.str.count_matches(",", literal=True) != part.n_fields - 1)
            | (line.str.strip_chars() == "")
        )
    )
    if lines.height != need.height or not short.is_empty():
        return None
    return lines.select(
        pl.lit(part.file_no, pl.UInt32).alias(FILE_NO),
        pl.col("_line").cast(pl.UInt64).alias(S.SOURCE_ROW),
        # new strings: the filtered lines are views into the text of the whole file, which they
        # would keep in memory as long as the quarantine needs them (1.2 GB at 10 M rows)
        pl.concat_str([line, pl.lit("")]).alias("_raw_line"),
    )


#: :func:`_line_texts` reads at most this many lines (more go through polars' line reader) and
#: looks for line ends in blocks of this many bytes.
_FEW_LINES = 100_000
_LINE_BLOCK_BYTES = 1 << 24


def _line_texts(path: Path, numbers: np.ndarray) -> list[str] | None:
    """The text of the 1-based lines ``numbers`` (sorted, distinct) of ``path``, split at line
    feeds as :func:`polars.scan_lines` splits them; None when they are many (polars' reader is
    then used) or one is not in the file or not UTF-8.

    The quarantined lines of a file are few: instead of every line of the file as a string
    (polars' ``scan_lines`` filtered by line number: ~1.8 CPU s for 10 M lines), the line
    feeds are found block by block (numpy) and only the wanted lines are read.
    """
    if numbers.size > _FEW_LINES or numbers.size == 0 or numbers[0] < 1:
        return None
    wanted = numbers.astype(np.int64)
    # line k runs from after line feed k - 1 (the file's start for k = 1) to line feed k
    # (counting line feeds from 1), or to the file's end when the last line has none
    feeds = np.unique(np.concatenate([wanted - 1, wanted]))
    at = np.full(feeds.size, -1, dtype=np.int64)
    seen = 0
    buf = bytearray(_LINE_BLOCK_BYTES)
    size = 0
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            found = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8, count=n) == 10)
            lo, hi = np.searchsorted(feeds, [seen + 1, seen + found.size + 1])
            at[lo:hi] = found[feeds[lo:hi] - seen - 1] + size
            seen += found.size
            size += n
        starts = np.where(wanted == 1, 0, at[np.searchsorted(feeds, wanted - 1)] + 1)
        ends = at[np.searchsorted(feeds, wanted)]
        ends = np.where(ends < 0, size, ends)
        # a wanted line after the file's last line feed that is not the file's end
        if ((wanted > 1) & (at[np.searchsorted(feeds, wanted - 1)] < 0)).any():
            return None
        if (starts >= size).any() and size > 0:
            return None
        texts = []
        try:
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                fh.seek(a)
                texts.append(fh.read(b - a).decode("utf-8"))
        except UnicodeDecodeError:
            return None
    return texts


def _identity_periods(
    reports: pl.DataFrame,
    keys: list[str],
    ties: list[str],
    carry: Sequence[str] = (),
    *,
    by_hash: bool = True,
    order: pl.Series | None = None,
) -> pl.DataFrame:
    """Identity periods of :meth:`Ingested.identity_history` from its report rows.

    One pass over the reports sorted by (mmsi, ts, ``ties``), no window per MMSI and no group-by:
    a period starts at each MMSI's first report (every row has an identity value, so it always
    differs from "nothing before") and wherever a field differs from the previous report; its
    values (``keys`` and the ``carry`` columns) are those of its first report, ``valid_to``
    that of its last. Only numbers are sorted:
    the identity fields are compared through one 64-bit hash per row, which is exact when the
    distinct field combinations have distinct hashes (checked; otherwise the fields themselves
    are compared; ``by_hash=False`` forces that). With ``ties == [ROW_ID]`` (the rows in row-id
    order, as read from a materialized file) two stable one-column sorts give the (mmsi, ts,
    row id) order: much cheaper in polars than one sort by three columns. ``order``: the
    positions of the reports in (mmsi, ts, ``ties``) order, already known (no sort).
    """
    digest = pl.struct(keys).hash(seed=0)
    combinations = reports.select(keys).unique()
    distinct = combinations.select(digest.n_unique()).item() == combinations.height
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    narrow = reports.select(S.MMSI, S.TS, *ties, row.alias("_row"))
    if by_hash and distinct:
        compare = [digest.alias("_digest")]
        narrow = narrow.with_columns(reports.select(compare))
        same = pl.col("_digest") == pl.col("_digest").shift(1)
    else:  # a hash collision between two identities: compare the fields themselves
        narrow = narrow.with_columns(reports.select(keys))
        same = pl.all_horizontal([pl.col(k).eq_missing(pl.col(k).shift(1)) for k in keys])
    if order is not None:  # a gather from one chunk: several times faster than from many
        narrow = narrow.rechunk()[order]
    elif ties == [ROW_ID] and reports[ROW_ID].is_sorted():
        narrow = narrow.sort(S.TS, maintain_order=True, multithreaded=False).sort(
            S.MMSI, maintain_order=True, multithreaded=False
        )
    else:
        narrow = narrow.sort(S.MMSI, S.TS, *ties)
    new_mmsi = (pl.col(S.MMSI) != pl.col(S.MMSI).shift(1)).fill_null(True)
    start = new_mmsi | ~same.fill_null(False)
    marks = narrow.select(
        S.TS,
        "_row",
        start.alias("_start"),
        start.shift(-1, fill_value=True).alias("_end"),
        row.alias("_at"),
    )
    starts = marks.filter(pl.col("_start"))
    ends = marks.filter(pl.col("_end"))  # the same periods in the same order
    return reports[starts["_row"]].select(
        S.MMSI,
        pl.col(S.TS).alias("valid_from"),
        ends[S.TS].alias("valid_to"),
        (ends["_at"] - starts["_at"] + 1).cast(pl.UInt32).alias("n_reports"),
        *keys,
        *carry,
    )


def _period_table(periods: pl.DataFrame) -> pl.DataFrame:
    """The columns of :meth:`Ingested.identity_history` from :func:`_identity_periods`' rows:
    ``flag`` and ``mmsi_valid`` are the period's first report's (as apply_corrections sets them
    from its mmsi, own flag and VMS mark)."""
    return (
        periods.with_columns(pl.col("_own_flag").alias(S.FLAG))
        .with_columns(mmsi_identity(pl.col("_vms")))
        .select(
            *(c for c in periods.columns if not c.startswith("_")),
            pl.col(S.FLAG).cast(S.POSITION_SCHEMA[S.FLAG]),
            pl.col(S.MMSI_VALID).cast(S.POSITION_SCHEMA[S.MMSI_VALID]),
        )
    )


#: What to do about the most common quarantine rules when a run accepts too little.
_ADVICE = {
    "no_timestamp": "no timestamps: pass --start-time (and --time-zone for local times) or "
    "provide tag blocks (\\c:<epoch>\\) or base-station reports",
    "time_not_placeable": "times could not be reconstructed (base-station reports too sparse): "
    "pass --start-time or provide tag blocks",
    "bad_checksum": "sentences fail their checksum: check the log is not truncated or re-encoded",
    "orphan_fragment": "multi-part messages are incomplete: check the log is not filtered by line",
    "wrong_field_count": "rows do not have the header's number of fields: check --format/--columns",
    "unparseable_ts": "times are not ISO 8601 or epoch: check the time column (--columns ts=...)",
    "not_nmea": "lines are not NMEA sentences: check --format",
    "position_not_available": "rows carry no position (91/181)",
    S.RULE_INVALID_UTF8: "lines are not UTF-8: pass --encoding latin-1 (or cp1252, utf-16) "
    "for exports from Windows or VMS systems",
}


_NOT_POSITIONS = ("non_vessel", "not_a_position_type")


def acceptance_problem(
    summary: Mapping[str, Any], min_share: float = MIN_ACCEPTED_SHARE
) -> str | None:
    """A message when fewer than ``min_share`` of the position rows were accepted, else None.

    Position rows are the input rows minus identity rows, filtered rows, rows of non-vessel
    stations (``non_vessel_*`` rules) and NMEA messages of non-position types
    (``not_a_position_type_*``); duplicates count as accepted. The message names the
    share, the top quarantine rules and what to do about them.

    Examples
    --------
    >>> s = {"input_rows": 10, "accepted_rows": 1, "duplicate_rows": 0, "identity_rows": 0,
    ...      "filtered_rows": 0, "per_rule": {"no_timestamp": 9}}
    >>> msg = acceptance_problem(s)
    >>> msg.split(" -- ")[0]
    'only 1 of 10 position rows (10.0 %) were accepted; top quarantine rules: no_timestamp 9'
    >>> "pass --start-time" in msg
    True
    """
    per_rule = summary.get("per_rule", {})
    rows = int(summary.get("input_rows", 0)) - int(summary.get(S.IDENTITY_ROWS, 0))
    rows -= int(summary.get("filtered_rows", 0))
    # rows of base stations, aids to navigation, SAR aircraft, and NMEA messages of other types
    # (binary messages, interrogations...) are correctly not positions
    rows -= sum(int(v) for k, v in per_rule.items() if k.startswith(_NOT_POSITIONS))
    if rows <= 0:
        return None
    ok = int(summary.get("accepted_rows", 0)) + int(summary.get("duplicate_rows", 0))
    if ok >= min_share * rows:
        return None
    rules = {
        k: v for k, v in per_rule.items() if k != FILTERED_OUT and not k.startswith(_NOT_POSITIONS)
    }
    top = sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    advice = [_ADVICE[k] for k, _ in top if k in _ADVICE]
    text = (
        f"only {ok:,} of {rows:,} position rows ({100 * ok / rows:.1f} %) were accepted; "
        f"top quarantine rules: {', '.join(f'{k} {v:,}' for k, v in top) or 'none'}"
    )
    return text + (" -- " + "; ".join(advice) if advice else "")


def _time_report(clock: Clock | None, ts_source: Mapping[str, int]) -> dict[str, Any]:
    from vessels.io._nmea import ANCHOR_TOLERANCE_S

    return {
        "start_time": None if clock is None or clock.start is None else clock.start.isoformat(),
        "time_zone": None if clock is None else clock.time_zone,
        "tolerance_s": ANCHOR_TOLERANCE_S,
        "base_station_rows": int(ts_source.get("base_station", 0)),
        "assumed_rows": int(ts_source.get("assumed", 0)),
    }


def _time_warnings(clock: Clock | None, ts_source: Mapping[str, int]) -> list[str]:
    out = []
    n = int(ts_source.get("assumed", 0))
    if n and clock is not None and clock.start is not None:
        out.append(
            f"{n:,} NMEA positions have no time of their own and no base-station anchor: their "
            f"times are assumed from --start-time {clock.start.isoformat()} and their UTC "
            "seconds in line order (ts_source 'assumed'); check the start time"
        )
    m = int(ts_source.get("base_station", 0))
    if m:
        out.append(
            f"{m:,} NMEA positions had no timestamp: their times were reconstructed from "
            "base-station (type 4/11) UTC reports and their own UTC seconds "
            "(ts_source 'base_station')"
        )
    return out


def read_ais(
    paths: str | Path | Iterable[str | Path],
    *,
    format: str | None = None,
    columns: str | Mapping[str, str] | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    bbox: BBox | Sequence[float] | str | None = None,
    mmsi: int | Iterable[int] | None = None,
    encoding: str | None = None,
    plausible_time: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME,
    start_time: datetime | str | None = None,
    time_zone: str | None = None,
    time_format: str | None = None,
    flag: str | None = None,
) -> Ingested:
    """Read AIS files of any supported format into cleaned canonical positions.

    Parameters
    ----------
    paths
        A file, a glob (``"data/AIS_2023_*.zip"``), a directory (all AIS files inside) or a list.
        ``.zip``, ``.gz`` and ``.zst`` are decompressed (to a temporary file, streamed).
    format
        One of :data:`FORMATS`; detected from the header / extension when omitted.
    columns
        For a CSV in another layout: canonical name -> header column, as a mapping or as text
        ``"mmsi=ShipId,ts=time,lat=y,lon=x"``.
    since, until
        Keep positions with ``since <= ts < until`` (naive datetimes are UTC).
    bbox
        Keep positions inside ``(min_lon, min_lat, max_lon, max_lat)``.
    mmsi
        Keep only these MMSIs.
    encoding
        Text encoding of CSV/NMEA/traj inputs (default UTF-8; e.g. ``latin-1``, ``cp1252``).
        Files with a UTF-16/32 byte-order mark are decoded with it whatever is declared. Lines
        that are not valid in the encoding are quarantined as ``invalid_utf8`` (with file and
        line), never a crash.
    plausible_time
        Plausible time window (:class:`vessels.cleaning.PlausibleTime`; default 2000-01-01 to the
        run's clock + 1 day): rows outside are quarantined as ``ts_too_early`` /
        ``ts_too_late``. ``None`` switches the rule off.
    start_time
        For NMEA logs with no timestamps and no base-station (type 4/11) reports: the UTC time
        of the first line (naive = ``time_zone``); positions get ``ts_source`` ``assumed``.
    time_zone
        IANA zone (``Europe/Copenhagen``) of times written before the sentences of an NMEA log
        (``2024-03-01 10:00:00 !AIVDM...``) and of a naive ``start_time``; default UTC.
    time_format
        strftime format of the time column of CSV inputs (``"%d/%m/%Y %H:%M"``; times are
        UTC). When omitted, ISO 8601 and epoch times are read, and a column of
        ``dd/mm/yyyy``-like dates is detected as day- or month-first from its values (a day
        above 12); a column where both readings fit is refused with a UserError naming the
        two formats, never silently quarantined.
    flag
        VMS inputs (``columns`` maps ``vessel_id``, a permit or registration number, instead
        of ``mmsi``): the ISO3 flag of vessels whose row has no ``flag`` column value. Such
        vessels get a synthetic MMSI (``vessels.io._vms``), keep their id in ``vessel_id``
        (:meth:`Ingested.vessel_ids`) and have no MMSI rules (``mmsi_valid`` null, flag from
        the column or ``flag``, not from an MID).

    Rows the filters leave out are counted as ``filtered_rows`` (rule ``filtered_out``) so the
    accounting still balances; they are not written to the quarantine.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ais.csv").write_text(
    ...     "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\\n"
    ...     "345070339,2023-06-01T00:00:00,31.0,-114.5,5.0,-60.6,511\\n"
    ...     "345070339,2023-06-01T00:00:00,31.0,-114.5,5.0,-60.6,511\\n"
    ...     "345070339,2023-06-01T00:01:00,95.0,-114.5,5.0,10.0,20\\n")
    >>> ing = read_ais(d / "ais.csv")
    >>> ing.positions.select("mmsi", "cog_deg", "heading_deg", "flag").collect().rows()
    [(345070339, 349.0, None, 'MEX')]
    >>> s = ing.summary()
    >>> (s["input_rows"], s["accepted_rows"], s["quarantined_rows"], s["duplicate_rows"])
    (3, 1, 1, 1)
    >>> s["per_rule"]
    {'lat_out_of_range': 1}
    """
    window = TimeWindow.of(since, until)
    box = BBox.of(bbox)
    mmsi_values = mmsi_list(mmsi)
    if format is not None and not isinstance(format, str):
        raise TypeError(f"format must be a format name, got {type(format).__name__} {format!r}")
    if format is not None and format not in FORMATS:
        raise UserError(f"unknown format {format!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    if plausible_time is not None and not isinstance(plausible_time, PlausibleTime):
        raise TypeError(
            f"plausible_time: expected a vessels.cleaning.PlausibleTime or None, "
            f"got {type(plausible_time).__name__}"
        )
    mapping = parse_columns(columns) if columns is not None else None
    vms = mapping is not None and S.VESSEL_ID in mapping
    flag = check_flag(flag)
    if flag is not None and not vms:
        raise UserError(
            "--flag is for VMS inputs, whose vessels are named by a permit or registration "
            "number (AIS flags come from the MMSI)",
            hint="map that id with --columns vessel_id=COLUMN,ts=...,lat=...,lon=...",
        )
    check_encoding(encoding)
    clock = Clock.make(start_time, time_zone)
    sources = [src for f in expand_paths(paths) for src in open_sources(f)]
    rank = {name: i for i, name in enumerate(sorted({s.name for s in sources}))}
    staged: list[pl.LazyFrame] = []
    fast: list[_FastPart | None] = []
    formats: dict[str, str] = {}
    for src in sources:
        if src.name in formats:
            continue
        if not _is_parquet(src):
            src = decode_source(src, encoding)
        fmt = format or ("csv" if mapping is not None else sniff_format(src))
        formats[src.name] = fmt
        found: list[_FastPart] = []
        # VMS rows get synthetic MMSIs over all files: no per-file fast path
        staged.append(
            _stage_one(
                src,
                fmt,
                mapping,
                rank[src.name],
                clock,
                time_format,
                found if FAST_CSV and not vms else None,
            )
        )
        fast.append(found[0] if found else None)
    lf = pl.concat(staged, how="vertical") if len(staged) > 1 else staged[0]
    if vms:
        lf = with_vessel_ids(lf, flag)
    # the time window's bounds once (its default end is the clock): every part gets the same
    rules = [
        *(plausible_time.rules() if plausible_time is not None else []),
        *_filter_rule(window, box, mmsi_values),
    ]
    classified = classify(lf, rules, None)
    parts = None
    if any(f is not None for f in fast):
        parts = [
            (
                classify(lf_i, rules, None),
                None
                if f is None
                else dataclasses.replace(f, classified=classify(f.classified, rules, None)),
            )
            for lf_i, f in zip(staged, fast, strict=True)
        ]
    return Ingested(classified, formats, clock, _parts=parts)
