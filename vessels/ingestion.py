"""One ingest: AIS files -> classified rows -> cleaned, deduplicated, segmented positions (Parquet).

:func:`ingest` is the single path from input files to canonical positions. ``vessels ingest``,
``vessels score`` and :func:`vessels.run` all call it, so they deduplicate and segment the same
way and all of them are memory-bounded: the input text is parsed once (streaming) into a
classified Parquet file, and the accepted rows are cleaned, deduplicated and segmented in memory
one MMSI range of about ``partition_rows`` rows at a time (duplicates and segments depend only on
one vessel's rows, so the result does not depend on the partition size). See :func:`ingest`.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from polars.io.plugins import register_io_source

from vessels import schema as S
from vessels.cleaning import DEFAULT_PLAUSIBLE_TIME, PlausibleTime, content_columns
from vessels.errors import UserError
from vessels.filters import BBox
from vessels.io import FILE_NO, Ingested, read_ais
from vessels.outputs import atomic_path
from vessels.tracks import segment as segment_tracks

__all__ = ["PARTITION_ROWS", "IngestResult", "ingest", "scan_positions"]

#: Accepted rows are cleaned, deduplicated and segmented in MMSI ranges of about this many rows
#: each (one range, i.e. one in-memory pass, below it); the environment variable
#: ``VESSELS_INGEST_PARTITION_ROWS`` or ``ingest(partition_rows=...)`` overrides it.
PARTITION_ROWS = 3_000_000

#: How :func:`ingest` may compress the positions file: zstd (level 1, the default: ~30 % less
#: CPU than zstd's default level for a ~15 % larger file), lz4, or none -- for a scratch file
#: that is read back at once (2 M positions: write 0.91 / 0.83 / 0.68 CPU s, read back whole
#: 0.35 / 0.27 / 0.24, size 100 / 113 / 173 MB).
Compression = Literal["zstd", "lz4", "uncompressed"]
_COMPRESSIONS: tuple[Compression, ...] = ("zstd", "lz4", "uncompressed")

#: The positions file :func:`ingest` writes: Parquet (the output of ``vessels ingest``), or an
#: uncompressed Arrow IPC file ("arrow") -- for a scratch file that one run writes and reads
#: back once (``vessels score``): 2 M positions, write 0.2 CPU s vs 0.9-1.3 for uncompressed
#: Parquet, read back in two slices 0.33 vs 0.35-0.38, 2.3 x the size on disk.
FileFormat = Literal["parquet", "arrow"]
_FILE_FORMATS: tuple[FileFormat, ...] = ("parquet", "arrow")
#: The first bytes of an Arrow IPC file.
_ARROW_MAGIC = b"ARROW1"
#: Rows per record batch of an Arrow positions file: a sliced read (the score reads the file in
#: batches of whole vessels) reads little beyond its rows. 2 M positions read as the score
#: reads them (their mmsi column, then five slices): peak RSS 0.41 GiB from one record batch,
#: 0.37 from batches of this size, 0.33 from the uncompressed Parquet file.
_ARROW_BATCH_ROWS = 100_000


@dataclass
class IngestResult:
    """What :func:`ingest` produced.

    Attributes
    ----------
    positions
        The file of accepted positions (POSITION_SCHEMA, plus the track columns of
        :func:`vessels.tracks.segment` when ``segmented``), sorted by vessel: Parquet, or
        Arrow IPC for ``file_format="arrow"`` (read either with :func:`scan_positions`).
    quarantine
        Rejected input rows with their rule (QUARANTINE_SCHEMA + mmsi, ts, lat, lon).
    summary
        Row accounting of :meth:`vessels.io.Ingested.summary` (totals, per rule, per file).
    segmented
        Whether the positions carry track columns.
    timings_s
        Wall seconds of ``ingest`` (parse and classify) and ``tracks`` (clean, deduplicate,
        segment, write).
    """

    positions: Path
    quarantine: pl.DataFrame
    summary: dict[str, Any]
    segmented: bool
    timings_s: dict[str, float] = field(default_factory=dict)
    #: identity periods per vessel (:meth:`vessels.io.Ingested.identity_history`)
    identity_history: pl.DataFrame | None = None
    #: VMS inputs: synthetic ``mmsi`` -> ``vessel_id`` (:meth:`vessels.io.Ingested.vessel_ids`);
    #: the positions file then carries ``vessel_id`` too. None for AIS.
    vessel_ids: pl.DataFrame | None = None


def scan_positions(path: str | Path) -> pl.LazyFrame:
    """A lazy scan of a positions file :func:`ingest` wrote, Parquet or Arrow IPC (told apart
    by the file's first bytes).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> pl.DataFrame({"mmsi": [1, 2]}).write_ipc(d / "p.arrow")
    >>> scan_positions(d / "p.arrow").collect()["mmsi"].to_list()
    [1, 2]
    """
    with Path(path).open("rb") as fh:
        arrow = fh.read(len(_ARROW_MAGIC)) == _ARROW_MAGIC
    return pl.scan_ipc(path, glob=False) if arrow else pl.scan_parquet(path, glob=False)


def _write(
    frame: pl.DataFrame | pl.LazyFrame,
    path: Path,
    file_format: FileFormat,
    parquet_options: dict[str, Any],
) -> None:
    """Write (or, for a LazyFrame, stream) ``frame`` to ``path``: Parquet with
    ``parquet_options``, or uncompressed Arrow IPC for ``file_format="arrow"``."""
    arrow = file_format == "arrow"
    if isinstance(frame, pl.LazyFrame):
        if arrow:
            frame.sink_ipc(path, compression="uncompressed", record_batch_size=_ARROW_BATCH_ROWS)
        else:
            frame.sink_parquet(path, **parquet_options)
    elif arrow:
        frame.write_ipc(path, compression="uncompressed", record_batch_size=_ARROW_BATCH_ROWS)
    else:
        frame.write_parquet(path, **parquet_options)


def _partition_rows(value: int | None) -> int:
    if value is None:
        env = os.environ.get("VESSELS_INGEST_PARTITION_ROWS")
        try:
            value = int(env) if env else PARTITION_ROWS
        except ValueError:
            raise UserError(
                f"VESSELS_INGEST_PARTITION_ROWS={env!r} is not a whole number of rows"
            ) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"partition_rows must be a whole number of rows, got {value!r}")
    if value < 1:
        raise UserError(f"partition size must be at least 1 row, got {value}")
    return value


def _mmsi_ranges(classified: pl.LazyFrame, rows_per_part: int) -> list[pl.Expr]:
    """Filters splitting the accepted rows into ascending MMSI ranges of ~``rows_per_part`` rows.

    One range (``[pl.lit(True)]``) when the accepted rows fit in one part. Range bounds are MMSI
    quantiles, so every MMSI lies in exactly one range and the ranges, in order, keep the
    (mmsi, ...) sort of the whole.
    """
    accepted = classified.filter(pl.col(S.RULE).is_null())
    n = accepted.select(pl.len()).collect().item()
    k = -(-n // rows_per_part)
    if k <= 1:
        return [pl.lit(True)]
    bounds = _mmsi_quantiles(accepted, [i / k for i in range(1, k)])
    mmsi = pl.col(S.MMSI)
    edges: list[int | None] = [None, *bounds, None]
    ranges = []
    for lo, hi in pairwise(edges):
        cond = pl.lit(True)
        if lo is not None:
            cond = cond & (mmsi >= lo)
        if hi is not None:
            cond = cond & (mmsi < hi)
        ranges.append(cond)
    return ranges


def _mmsi_quantiles(accepted: pl.LazyFrame, qs: Sequence[float]) -> list[int]:
    """The distinct ``mmsi.quantile(q, interpolation="lower")`` of ``accepted`` for each ``q``.

    From the rows per MMSI (one hash aggregation, then a sort of the few distinct MMSIs), not
    from a sort of every row per quantile: the number of quantiles grows with the rows, and
    k sorts of all the rows made this step grow as rows squared. Same values: the "lower"
    quantile is the value at index ``floor((n - 1) q)`` of the sorted non-null values, i.e.
    the first MMSI whose running count passes that index.
    """
    counts = (
        accepted.filter(pl.col(S.MMSI).is_not_null())
        .group_by(S.MMSI)
        .agg(pl.len().alias("_n"))
        .sort(S.MMSI)
        .collect()
    )
    if counts.is_empty():
        return []
    reached = counts["_n"].cum_sum().to_numpy()
    n = int(reached[-1])
    index = [math.floor((n - 1) * q) for q in qs]
    at = np.searchsorted(reached, index, side="right")
    values = counts[S.MMSI].gather(at.tolist())
    return sorted({int(v) for v in values})


def _clean_part(
    ing: Ingested,
    names: list[str],
    *,
    segment: bool,
    drop_ids: pl.Series | None = None,
    identity: list[pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Accepted rows of ``ing`` (with ``_file_no``): corrected, deduplicated, segmented, sorted.

    When ``identity`` is given and the identity periods of these rows come from the same sort
    (:meth:`vessels.io.Ingested.sorted_accepted_and_identity`), they are appended to it.
    """
    width = len(str(len(names)))
    if segment:
        # segmentation holds every row in memory and sorts by source_file: a short,
        # order-preserving stand-in for the file name saves ~40 bytes a row there
        short = {name: f"{i:0{width}d}" for i, name in enumerate(names)}
        if ing.materialized:
            # one sort orders the rows for segmentation (which sees them in order and does
            # not sort again) and finds their duplicates; drop_ids are not needed
            rows, periods = ing.sorted_accepted_and_identity(short, identity=identity is not None)
            if identity is not None and periods is not None:
                identity.append(periods)
            frame = segment_tracks(rows)
        else:
            accepted = ing.accepted_with_file_no(drop_ids).with_columns(
                pl.col(S.SOURCE_FILE).replace_strict(short, return_dtype=pl.String)
            )
            # segmentation needs each vessel's rows together, so this step runs in memory
            frame = segment_tracks(accepted).collect()
    else:
        content_hash = pl.struct(content_columns()).hash(seed=0)
        accepted = ing.accepted_with_file_no(drop_ids).sort(
            [S.MMSI, S.TS, content_hash, FILE_NO, S.SOURCE_ROW]
        )
        frame = accepted.collect()
    if names and segment:
        back = {f"{i:0{width}d}": name for i, name in enumerate(names)}
        frame = frame.with_columns(
            pl.col(S.SOURCE_FILE).replace_strict(back, return_dtype=pl.String)
        )
    return frame


def ingest(
    inputs: str | Path | Iterable[str | Path],
    positions_path: str | Path,
    *,
    format: str | None = None,
    columns: str | Mapping[str, str] | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    bbox: BBox | Sequence[float] | str | None = None,
    mmsi: int | Iterable[int] | None = None,
    encoding: str | None = None,
    plausible_time: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME,
    segment: bool = True,
    partition_rows: int | None = None,
    on_step: Callable[[str], None] | None = None,
    start_time: datetime | str | None = None,
    time_zone: str | None = None,
    time_format: str | None = None,
    flag: str | None = None,
    compression: Compression = "zstd",
    file_format: FileFormat = "parquet",
) -> IngestResult:
    """Read AIS files and write their cleaned, deduplicated (and segmented) positions to Parquet.

    Parameters
    ----------
    inputs
        AIS files, globs or directories (any format :func:`vessels.read_ais` reads).
    positions_path
        The Parquet file to write (atomically). Temporary files go to a hidden directory beside
        it and are removed on any exit.
    format, columns, since, until, bbox, mmsi, encoding, plausible_time, time_format, flag
        As in :func:`vessels.read_ais` (``flag``: VMS inputs, whose ``vessel_id`` then also
        goes into the positions file).
    segment
        Add the track columns of :func:`vessels.tracks.segment` (otherwise the positions are
        only sorted by ``mmsi, ts``).
    partition_rows
        Rows per in-memory pass (default :data:`PARTITION_ROWS`, or the environment variable
        ``VESSELS_INGEST_PARTITION_ROWS``). Changes peak memory and time, not the output.
    on_step
        Called with a short description as each step starts (for a progress display).
    start_time, time_zone
        As in :func:`vessels.read_ais`: the time of the first message of NMEA logs with no
        timestamps and no base-station reports, and the zone of local times.
    compression
        Of the positions file: ``"zstd"`` (level 1, the default), ``"lz4"`` or
        ``"uncompressed"`` (a scratch file read back at once: least CPU, ~1.7 x the size).
        Changes the file's size and the time, not its content.
    file_format
        ``"parquet"`` (the default), or ``"arrow"``: an uncompressed Arrow IPC file
        (``compression`` is then not used), for a scratch file read back once: least CPU to
        write, ~2.3 x the size of an uncompressed Parquet file. Same content either way; read
        it with :func:`scan_positions`.

    Returns
    -------
    IngestResult

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ais.csv").write_text(
    ...     "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\\n"
    ...     "345070339,2023-06-01T00:00:00,24.0,-110.9,5.0,60.0,511\\n"
    ...     "345070339,2023-06-01T00:00:00,24.0,-110.9,5.0,60.0,511\\n"
    ...     "345070339,2023-06-01T00:10:00,24.01,-110.88,5.0,60.0,511\\n")
    >>> res = ingest(d / "ais.csv", d / "positions.parquet")
    >>> res.summary["accepted_rows"], res.summary["duplicate_rows"], res.segmented
    (2, 1, True)
    >>> pl.read_parquet(res.positions).select("mmsi", "segment_id").n_unique()
    1
    """
    if not isinstance(segment, bool):
        raise TypeError(f"segment must be True or False, got {segment!r}")
    if compression not in _COMPRESSIONS:
        raise ValueError(f"compression must be one of {_COMPRESSIONS}, got {compression!r}")
    if file_format not in _FILE_FORMATS:
        raise ValueError(f"file_format must be one of {_FILE_FORMATS}, got {file_format!r}")
    # zstd level 1: ~30 % less CPU than the default level for a ~15 % larger file
    parquet_options: dict[str, Any] = (
        {"compression": "zstd", "compression_level": 1}
        if compression == "zstd"
        else {"compression": compression}
    )
    rows_per_part = _partition_rows(partition_rows)
    step = on_step or (lambda _text: None)
    target = Path(positions_path)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    ing = read_ais(
        inputs,
        format=format,
        columns=columns,
        since=since,
        until=until,
        bbox=bbox,
        mmsi=mmsi,
        encoding=encoding,
        plausible_time=plausible_time,
        start_time=start_time,
        time_zone=time_zone,
        time_format=time_format,
        flag=flag,
    )
    tmp = Path(tempfile.mkdtemp(prefix=".vessels-ingest-", dir=target.parent))
    try:
        step("reading and classifying rows")
        ing = ing.materialize(tmp / "classified.parquet")
        timings["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        step("cleaning, deduplicating, segmenting")
        names: list[str] = []
        if segment and "parquet" not in ing.formats.values():
            # every row's source_file is the name of its file (Parquet inputs may carry their
            # own): the files with accepted rows, from their numbers (no scan of the names)
            numbers = (
                ing.classified.filter(pl.col(S.RULE).is_null())
                .select(pl.col(FILE_NO).unique())
                .collect()[FILE_NO]
            )
            names = sorted(ing.files[i] for i in numbers.to_list())
        elif segment:
            names = sorted(
                ing.classified.filter(pl.col(S.RULE).is_null())
                .select(pl.col(S.SOURCE_FILE).unique())
                .collect()[S.SOURCE_FILE]
                .to_list()
            )
        ranges = _mmsi_ranges(ing.classified, rows_per_part)
        per_file: dict[str, int] = {}
        # identity periods found in the segmentation's sort, one frame per MMSI range (in
        # range order, i.e. sorted like identity_history()); otherwise queried at the end
        periods: list[pl.DataFrame] = []
        if len(ranges) == 1:
            frame = _clean_part(ing, names, segment=segment, identity=periods)
            per_file = ing.accepted_counts(frame)
            step("writing positions")
            with atomic_path(target) as out:
                _write(frame.drop(FILE_NO), out, file_format, parquet_options)
            del frame
        else:
            # clean one MMSI range at a time so the in-memory pass holds only that part, and
            # stream the parts (each sorted like the whole, ranges ascending) into one file
            # found once for all ranges (segmentation finds them in its own sort)
            drop_ids = None if segment else ing.duplicate_row_ids()

            def part(cond: pl.Expr) -> pl.DataFrame:
                # the parent knows already whether identity rows and VMS rows exist: no probe
                # (a scan of every row) per range
                sub = Ingested(
                    ing.classified.filter(cond),
                    dict(ing.formats),
                    _identity_known=ing._has_identity_rows(),
                    _vms_known=ing._has_vms_rows(),
                )
                frame = _clean_part(
                    sub, names, segment=segment, drop_ids=drop_ids, identity=periods
                )
                for name, n in ing.accepted_counts(frame).items():
                    per_file[name] = per_file.get(name, 0) + n
                return frame.drop(FILE_NO)

            first = part(ranges[0])

            def parts(*_: object) -> Iterator[pl.DataFrame]:
                nonlocal first
                frame, first = first, pl.DataFrame()
                yield frame
                del frame
                for cond in ranges[1:]:
                    yield part(cond)

            step("writing positions")
            stream = register_io_source(parts, schema=first.schema)
            with atomic_path(target) as out:
                _write(stream, out, file_format, parquet_options)
        step("counting rows")
        quarantine = ing.quarantine.collect()
        if segment and ing.materialized and len(periods) == len(ranges):
            identity_history = pl.concat(periods) if len(periods) > 1 else periods[0]
        else:
            identity_history = ing.identity_history().collect()
        vessel_ids = ing.vessel_ids()
        if vessel_ids is not None:  # VMS: name each vessel by its own id in the positions too
            step("adding vessel ids")
            named = (
                scan_positions(target)
                .collect()
                .join(vessel_ids, on=S.MMSI, how="left", maintain_order="left")
            )
            with atomic_path(target) as out:
                _write(named, out, file_format, parquet_options)
            del named
        summary = ing.summary(accepted_per_file=per_file)
        timings["tracks"] = time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return IngestResult(
        positions=target,
        quarantine=quarantine,
        summary=summary,
        segmented=segment,
        timings_s={k: round(v, 3) for k, v in timings.items()},
        identity_history=identity_history,
        vessel_ids=vessel_ids,
    )
