"""``vessels ingest``: read AIS files, clean them, segment tracks, write Parquet + summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from vessels import schema as S
from vessels._cli.common import emit_json, get_console, progress
from vessels._cli.score import (
    COLUMNS_HELP,
    FLAG_HELP,
    TIME_FORMAT_HELP,
    check_iso_times,
    parse_bbox,
    parse_mmsi,
)
from vessels.errors import UserError

__all__ = ["command", "run_ingest"]


def run_ingest(
    files: list[str],
    out: str | Path,
    *,
    fmt: str | None = None,
    columns: str | None = None,
    flag: str | None = None,
    since: str | None = None,
    until: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    mmsi: list[int] | None = None,
    encoding: str | None = None,
    overwrite: bool = False,
    segment: bool = True,
    quiet: bool = True,
    partition_rows: int | None = None,
    start_time: str | None = None,
    time_zone: str | None = None,
    time_format: str | None = None,
) -> dict[str, Any]:
    """Ingest ``files`` into ``out`` (positions.parquet, quarantine.parquet, summary.json).

    The work is :func:`vessels.ingestion.ingest` (memory-bounded, in MMSI ranges); this adds the
    output directory, the progress bar and the summary file.
    """
    from vessels.ingestion import ingest
    from vessels.outputs import prepare_out_dir, write_json, write_parquet

    t0 = time.perf_counter()
    out_dir = prepare_out_dir(out, overwrite=overwrite)
    console = get_console(quiet)
    with progress(console) as prog:
        task = prog.add_task("reading and classifying rows", total=5)

        def step(text: str) -> None:  # the description column reads rich markup: escape
            prog.update(task, advance=1, description=escape(text))

        res = ingest(
            files,
            out_dir / S.INGEST_POSITIONS_FILE,
            format=fmt,
            columns=columns,
            flag=flag,
            since=since,
            until=until,
            bbox=bbox,
            mmsi=mmsi,
            encoding=encoding,
            segment=segment,
            partition_rows=partition_rows,
            on_step=step,
            start_time=start_time,
            time_zone=time_zone,
            time_format=time_format,
        )
        write_parquet(res.quarantine, out_dir / S.QUARANTINE_FILE)
        if res.identity_history is not None:
            write_parquet(res.identity_history, out_dir / S.IDENTITY_HISTORY_FILE)
        prog.update(task, completed=5)
    summary = res.summary
    summary["segmented"] = res.segmented
    summary["outputs"] = {
        "positions": str(out_dir / S.INGEST_POSITIONS_FILE),
        "quarantine": str(out_dir / S.QUARANTINE_FILE),
        "identity_history": str(out_dir / S.IDENTITY_HISTORY_FILE),
        "summary": str(out_dir / S.SUMMARY_FILE),
    }
    summary["wall_s"] = round(time.perf_counter() - t0, 3)
    write_json(summary, out_dir / S.SUMMARY_FILE)
    return summary


def _print_table(summary: dict[str, Any], quiet: bool) -> None:
    """The per-file table and notes on stderr.

    File names, unmapped words and warnings come from the user's files: they are printed as
    text (``rich.text.Text`` or escaped), never read as rich markup (``[red]`` in a file name
    stays in the name).
    """
    from rich.table import Table
    from rich.text import Text

    console = get_console(quiet)
    table = Table(title="vessels ingest", show_header=True, header_style="bold")
    table.add_column("file", overflow="fold")
    for col in ("format", "input", "accepted", "quarantined", "duplicates", "identity", "filtered"):
        table.add_column(col, justify="right")
    for name, f in summary["per_file"].items():
        table.add_row(
            Text(name),
            Text(str(f["format"])),
            f"{f['input_rows']:,}",
            f"{f['accepted_rows']:,}",
            f"{f['quarantined_rows']:,}",
            f"{f['duplicate_rows']:,}",
            f"{f[S.IDENTITY_ROWS]:,}",
            f"{f['filtered_rows']:,}",
        )
    if len(summary["per_file"]) > 1:
        table.add_row(
            "[bold]total[/bold]",
            "",
            f"{summary['input_rows']:,}",
            f"{summary['accepted_rows']:,}",
            f"{summary['quarantined_rows']:,}",
            f"{summary['duplicate_rows']:,}",
            f"{summary[S.IDENTITY_ROWS]:,}",
            f"{summary['filtered_rows']:,}",
        )
    console.print(table)
    if summary["per_rule"]:
        rules = ", ".join(f"{k} {v:,}" for k, v in summary["per_rule"].items())
        console.print(f"quarantine rules: {rules}", markup=False)
    for word_col, words in summary.get("unmapped_words", {}).items():
        text = ", ".join(f"{w!r} {n:,}" for w, n in words.items())
        console.print(f"{word_col} words with no AIS code (left null): {text}", markup=False)
    for warning in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {escape(str(warning))}")
    console.print(f"written to {Path(summary['outputs']['positions']).parent}/", markup=False)


@click.command(
    "ingest",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  vessels ingest AIS_2023_06_01.zip --out clean/
  vessels ingest 'data/AIS_2023_06_*.zip' --out june/ --bbox=-118,30,-105,33
  vessels ingest aisdk-2024-03-01.csv --out dk/ --json
  vessels ingest capture.nmea --out nmea/ --overwrite
  vessels ingest tracks.csv --format csv --columns mmsi=ShipId,ts=time,lat=y,lon=x --out t/
""",
)
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(file_okay=False),
    help="Output directory (positions.parquet, quarantine.parquet, summary.json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(
        ["marinecadastre", "marinecadastre2024", "dma", "nmea", "parquet", "traj", "csv"]
    ),
    help="Input format; detected from the header or extension when omitted.",
)
@click.option(
    "--columns",
    help=COLUMNS_HELP,
)
@click.option("--flag", default=None, help=FLAG_HELP)
@click.option(
    "--encoding",
    help="Text encoding of CSV inputs (default utf-8; e.g. latin-1, cp1252, utf-16).",
)
@click.option("--since", help="Keep positions at or after this UTC time (ISO 8601).")
@click.option("--until", help="Keep positions before this UTC time (ISO 8601).")
@click.option("--bbox", help="Keep positions inside min_lon,min_lat,max_lon,max_lat.")
@click.option("--mmsi", multiple=True, help="Keep only these MMSIs (repeatable or comma list).")
@click.option("--time-format", help=TIME_FORMAT_HELP)
@click.option(
    "--start-time",
    help="NMEA logs without timestamps or base-station reports: UTC time of the first line "
    "(ISO 8601; local with --time-zone). Recorded in summary.json.",
)
@click.option(
    "--time-zone",
    help="IANA time zone of times written before NMEA sentences (and of --start-time), "
    "e.g. Europe/Copenhagen; default UTC.",
)
@click.option(
    "--min-accepted",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Fail (exit 2, outputs still written) when fewer than this share of the position "
    "rows are accepted; 0 never fails.",
)
@click.option("--no-segment", is_flag=True, help="Do not add track/segment columns.")
@click.option("--overwrite", is_flag=True, help="Replace files in a non-empty --out directory.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def command(
    files: tuple[str, ...],
    out: str,
    fmt: str | None,
    columns: str | None,
    flag: str | None,
    encoding: str | None,
    since: str | None,
    until: str | None,
    bbox: str | None,
    mmsi: tuple[str, ...],
    time_format: str | None,
    start_time: str | None,
    time_zone: str | None,
    min_accepted: float,
    no_segment: bool,
    overwrite: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Read AIS files, clean them and write canonical positions with track segments.

    FILE may be a file, a directory or a glob; .zip, .gz and .zst are read directly. Every
    input row ends up accepted, quarantined (with its rule), a duplicate, or filtered out:
    summary.json has the counts per file and per rule.

    Accepted rows are deduplicated and segmented in memory one MMSI range of about 3,000,000
    rows at a time (the environment variable VESSELS_INGEST_PARTITION_ROWS sets another size;
    the output is the same whatever the size, only peak memory and time change).
    """
    check_iso_times(since=since, until=until, start_time=start_time)
    summary = run_ingest(
        list(files),
        out,
        fmt=fmt,
        columns=columns,
        flag=flag,
        since=since,
        until=until,
        bbox=parse_bbox(bbox),
        mmsi=parse_mmsi(mmsi),
        encoding=encoding,
        overwrite=overwrite,
        segment=not no_segment,
        quiet=quiet or as_json,
        start_time=start_time,
        time_zone=time_zone,
        time_format=time_format,
    )
    if as_json:
        emit_json(summary)
    else:
        _print_table(summary, quiet)
    from vessels.io import acceptance_problem

    problem = acceptance_problem(summary, min_accepted) if min_accepted > 0 else None
    if problem is not None:
        raise UserError(
            problem,
            hint=f"outputs written to {out}; pass --min-accepted 0 to accept such a run",
        )
