"""``vessels score``: AIS files in, ranked and explained vessels, events and a map out (private)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table
from rich.text import Text

from vessels import schema as S
from vessels._cli.common import emit_json, get_console, quiet_logs
from vessels.errors import UserError
from vessels.filters import BBox

if TYPE_CHECKING:
    from rich.console import Console

    from vessels.pipeline import PipelineResult

__all__ = [
    "COLUMNS_HELP",
    "FLAG_HELP",
    "TIME_FORMAT_HELP",
    "check_iso_times",
    "command",
    "parse_bbox",
    "parse_mmsi",
]


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """Parse ``min_lon,min_lat,max_lon,max_lat`` (checked by :class:`vessels.filters.BBox`).

    Examples
    --------
    >>> parse_bbox("-115.5,30.5,-114,31.9")
    (-115.5, 30.5, -114.0, 31.9)
    """
    try:
        box = BBox.of(text)
    except UserError as exc:  # the library names the parameter; the user typed the flag
        raise UserError(f"--{exc.message}", hint=exc.hint) from None
    return None if box is None else box.as_tuple()


COLUMNS_HELP = (
    "Column mapping for another CSV layout, e.g. mmsi=ShipId,ts=time,lat=y,lon=x. VMS files "
    "whose vessels are permit/registration numbers: vessel_id=COLUMN instead of mmsi= (and "
    "flag=COLUMN for a flag column); no MMSI rules apply to them."
)
FLAG_HELP = "VMS inputs (--columns vessel_id=...): ISO3 flag of vessels with no flag column value."

TIME_FORMAT_HELP = (
    "strftime format of CSV time columns (UTC), e.g. '%d/%m/%Y %H:%M'; default ISO 8601 or "
    "epoch, with dd/mm/yyyy vs mm/dd/yyyy detected from the values (ambiguity is refused)."
)


def check_iso_times(**values: str | None) -> None:
    """Raise a UserError naming the option when one of ``values`` is not ISO 8601."""
    from datetime import datetime

    for key, value in values.items():
        if value is None:
            continue
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise UserError(
                f"--{key.replace('_', '-')} {value!r} is not an ISO 8601 time",
                hint="e.g. 2024-06-01T00:00",
            ) from None


def parse_mmsi(values: tuple[str, ...]) -> list[int] | None:
    """MMSIs from repeated and/or comma-separated ``--mmsi`` values (all of them kept).

    Examples
    --------
    >>> parse_mmsi(("345070339", "367000140,367000141"))
    [345070339, 367000140, 367000141]
    """
    if not values:
        return None
    out: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or len(part) > 9:
                raise UserError(f"--mmsi {part!r} is not an MMSI (up to 9 digits)")
            out.append(int(part))
    return out


@click.command(name="score")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Output directory."
)
@click.option(
    "--zones",
    "zone_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra zone file (GeoJSON/GPKG/SHP/GeoParquet); repeatable; added to the defaults.",
)
@click.option("--no-default-zones", is_flag=True, help="Use only the --zones files.")
@click.option(
    "--zones-name-field",
    default=None,
    help="Name attribute of --zones files in no known schema (not Marine Regions/WDPA).",
)
@click.option(
    "--zones-kind",
    type=click.Choice(["eez", "protected_area", "no_take", "aoi"]),
    default=None,
    help="Kind of the features of --zones files in no known schema.",
)
@click.option(
    "--profile",
    default="default",
    show_default=True,
    help="Risk profile: default, gulf-of-california, yucatan, or a .toml file.",
)
@click.option("--since", default=None, help="Keep positions at or after this UTC time.")
@click.option("--until", default=None, help="Keep positions before this UTC time.")
@click.option("--bbox", default=None, help="Keep positions inside min_lon,min_lat,max_lon,max_lat.")
@click.option("--mmsi", multiple=True, help="Keep only these MMSIs (repeatable or comma list).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(
        ["marinecadastre", "marinecadastre2024", "dma", "nmea", "parquet", "traj", "csv"]
    ),
    default=None,
    help="Input format; detected from the header or extension when omitted.",
)
@click.option(
    "--columns",
    default=None,
    help=COLUMNS_HELP,
)
@click.option("--flag", default=None, help=FLAG_HELP)
@click.option("--time-format", default=None, help=TIME_FORMAT_HELP)
@click.option(
    "--start-time",
    default=None,
    help="NMEA logs without timestamps or base-station reports: UTC time of the first line "
    "(ISO 8601; local with --time-zone).",
)
@click.option(
    "--time-zone",
    default=None,
    help="IANA time zone of times written before NMEA sentences (and of --start-time).",
)
@click.option(
    "--min-accepted",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Fail (exit 2, outputs still written) when fewer than this share of the position "
    "rows are accepted; 0 never fails.",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding of CSV inputs (default utf-8; e.g. latin-1, cp1252, utf-16).",
)
@click.option("--overwrite", is_flag=True, help="Replace the files of an existing --out.")
@click.option(
    "--top",
    "top_n",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Vessels printed (the map draws max(top, 50)).",
)
@click.option(
    "--watchlist",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Watchlist (CSV/Parquet/JSON with any of MMSI, IMO, call sign, name, flag, list name, "
    "reason, link): vessels matching an entry get a watchlist_hit event and score.",
)
@click.option("--no-map", is_flag=True, help="Do not write map.html.")
@click.option("--no-tracks", is_flag=True, help="Do not write tracks.parquet (the positions).")
@click.option("--offline-map", is_flag=True, help="Embed the map's scripts (no internet needed).")
@click.option(
    "--scheduler",
    default=None,
    metavar="WHERE",
    help="Partitioned run: out-of-core (one MMSI bucket at a time), local:N (a Dask "
    "LocalCluster of N workers) or tcp://HOST:8786 (a Dask scheduler; needs --work-dir). "
    "Default: in-process.",
)
@click.option(
    "--buckets",
    default=None,
    type=click.IntRange(min=1),
    help="MMSI buckets of a partitioned run (default: one per 2 M positions).",
)
@click.option(
    "--work-dir",
    default=None,
    metavar="DIR|URL",
    help="Intermediate Parquet of a partitioned run (a shared directory or s3://, gs://, ... "
    "URL that every worker can reach; default: a temporary directory).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--verbose",
    "-v",
    "verbosity",
    count=True,
    help="Print each stage with its counts and seconds on stderr, also off a terminal "
    "(-vv: the steps inside a stage too).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as JSON on stdout (progress, if any, stays on stderr).",
)
def command(
    inputs: tuple[str, ...],
    out: Path,
    zone_files: tuple[Path, ...],
    no_default_zones: bool,
    zones_name_field: str | None,
    zones_kind: str | None,
    profile: str,
    since: str | None,
    until: str | None,
    bbox: str | None,
    mmsi: tuple[str, ...],
    fmt: str | None,
    columns: str | None,
    flag: str | None,
    time_format: str | None,
    start_time: str | None,
    time_zone: str | None,
    min_accepted: float,
    encoding: str | None,
    overwrite: bool,
    top_n: int,
    watchlist: Path | None,
    no_map: bool,
    no_tracks: bool,
    offline_map: bool,
    scheduler: str | None,
    buckets: int | None,
    work_dir: str | None,
    quiet: bool,
    verbosity: int,
    as_json: bool,
) -> int:
    """Rank vessels by risk from AIS files and write tables, events and a map into OUT.

    \b
    Writes into --out:
      vessels.parquet / vessels.csv        one row per vessel: score 0-100, tier, reasons, counts
      contributions.parquet / .csv         every point of every score: rule, event, explanation
      vessel_days.parquet                  score per vessel per UTC day
      events.parquet / .csv / .geojson     the detected events
      quarantine.parquet                   rejected input rows and why
      tracks.parquet                       accepted positions with track and zone columns
      summary.json                         row accounting, counts, timings, versions, profile
      map.html                             the risk map of the top vessels

    \b
    Example:
      vessels score ais_samples/gulf-of-california/ais.csv --out out/ --profile gulf-of-california
    """
    from vessels._progress import StageReporter
    from vessels.pipeline import run  # heavy: imported when the command runs

    if quiet and verbosity:
        raise UserError("--quiet and --verbose contradict each other: pass one of them")
    console = get_console(quiet=quiet or as_json)
    box = parse_bbox(bbox)
    check_iso_times(start_time=start_time)  # --since/--until: checked by the library
    # progress goes to stderr, so it may show with --json (stdout stays pure JSON); the map's
    # log notes stay off stderr with -q and --json
    reporter = StageReporter(get_console(quiet=quiet), verbosity=verbosity)
    with reporter, quiet_logs(quiet), _map_notes(shown=not (quiet or as_json)):
        result = run(
            list(inputs),
            out=out,
            zones=list(zone_files) or None,
            no_default_zones=no_default_zones,
            zones_name_field=zones_name_field,
            zones_kind=zones_kind,
            profile=profile,
            since=since,
            until=until,
            bbox=box,
            mmsi=parse_mmsi(mmsi),
            format=fmt,
            columns=columns,
            flag=flag,
            time_format=time_format,
            start_time=start_time,
            time_zone=time_zone,
            encoding=encoding,
            overwrite=overwrite,
            top_n=max(top_n, 50),
            map=not no_map,
            offline_map=offline_map,
            write_tracks=not no_tracks,
            watchlist=watchlist,
            progress=reporter,
            executor=scheduler,
            buckets=buckets,
            work_dir=work_dir,
        )
    s = result.summary
    from vessels.io import acceptance_problem

    problem = acceptance_problem(s, min_accepted) if min_accepted > 0 else None
    if as_json:
        emit_json(s)
    else:
        _print_result(console, result, s, top_n=top_n, no_map=no_map, out=out)
    if problem is not None:
        raise UserError(
            problem,
            hint=f"outputs written to {out}; pass --min-accepted 0 to accept such a run",
        )
    return 0


@contextlib.contextmanager
def _map_notes(*, shown: bool) -> Iterator[None]:
    """The risk map's notes (warnings of the ``vessels.maps`` logger) on stderr only when
    ``shown``: ``--quiet`` prints nothing but errors, and ``--json`` keeps the output clean."""
    log = logging.getLogger("vessels.maps")
    level = log.level
    if not shown:
        log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _print_result(
    console: Console,
    result: PipelineResult,
    s: dict[str, Any],
    *,
    top_n: int,
    no_map: bool,
    out: Path,
) -> None:
    if top_n:
        table = Table(title=f"top {min(top_n, result.vessels.height)} vessels by risk")
        narrow = console.width < 100  # 80 columns: no rank column, the reason keeps 20+
        vms = S.VESSEL_ID in result.vessels.columns
        heads = ("#", "vessel id" if vms else "mmsi", "name", "flag", "score", "tier")
        for name in heads[1:] if narrow else heads:
            table.add_column(name, overflow="fold", no_wrap=name != "name")
        # min_width 20: the row fits 80 columns with an MMSI, a flag and "critical"
        table.add_column("top reason", overflow="fold", ratio=1, min_width=20)
        top = result.top(top_n)
        if vms:  # VMS: the permit or registration number, not the synthetic MMSI
            top = top.with_columns(result.vessels.head(top_n)[S.VESSEL_ID].alias(S.MMSI))
        for i, row in enumerate(top.iter_rows(named=True), start=1):
            cells = (
                str(i),
                str(row[S.MMSI]),
                row[S.VESSEL_NAME] or "",
                row[S.FLAG] or "",
                f"{row[S.RISK_SCORE]:.0f}",
                row[S.RISK_TIER],
                row["top_reason"] or "",
            )
            # Text(): AIS names are untrusted radio text, never parsed as rich markup
            table.add_row(*(Text(c) for c in (cells[1:] if narrow else cells)))
        console.print(table)
    console.print(
        f"{s['accepted_rows']:,} positions accepted of {s['input_rows']:,} "
        f"({s['quarantined_rows']:,} quarantined, {s['duplicate_rows']:,} duplicates); "
        f"{s['vessels']:,} vessels; {s['events']:,} events; profile {result.profile.name}",
        markup=False,
    )
    cov = s.get("coverage") or {}
    if cov.get("positions"):
        shares = cov["geo_class_shares"]
        console.print(
            "where: " + ", ".join(f"{k} {v:.1%}" for k, v in shares.items() if v), markup=False
        )
    for w in s.get("warnings", []):  # coverage honesty (also in summary.json)
        console.print(f"WARNING: {w}", markup=False, style="bold yellow")
    if not s.get("map_written") and not no_map:
        console.print("note: map.html not written (vessels.maps unavailable)", markup=False)
    console.print(f"wrote {len(result.files)} files to {out}", markup=False)
    if s.get("map_written"):
        console.print(f"map: {Path(out) / 'map.html'} (open it in a browser)", markup=False)
    if result.vessels.height:
        ids = result.vessels.get_column(S.VESSEL_ID, default=result.vessels[S.MMSI])
        first = ids[0]
        console.print(
            f"explain a vessel's score: vessels explain {first} --run {out}", markup=False
        )
