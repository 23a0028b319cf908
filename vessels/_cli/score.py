"""``vessels score``: AIS files in, ranked and explained vessels, events and a map out (private)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from vessels import schema as S
from vessels._cli.common import emit_json, get_console
from vessels.errors import UserError
from vessels.filters import BBox

__all__ = ["command", "parse_bbox"]


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


def _parse_mmsi(values: tuple[str, ...]) -> list[int] | None:
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
@click.option("--format", "fmt", default=None, help="Input format when it cannot be detected.")
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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
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
    encoding: str | None,
    overwrite: bool,
    top_n: int,
    no_map: bool,
    no_tracks: bool,
    offline_map: bool,
    scheduler: str | None,
    buckets: int | None,
    work_dir: str | None,
    quiet: bool,
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
    from vessels.pipeline import run  # heavy: imported when the command runs

    console = get_console(quiet=quiet or as_json)
    box = parse_bbox(bbox)
    busy = console.status("scoring…") if not (quiet or as_json) else contextlib.nullcontext()
    with busy:
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
            mmsi=_parse_mmsi(mmsi),
            format=fmt,
            encoding=encoding,
            overwrite=overwrite,
            top_n=max(top_n, 50),
            map=not no_map,
            offline_map=offline_map,
            write_tracks=not no_tracks,
            executor=scheduler,
            buckets=buckets,
            work_dir=work_dir,
        )
    s = result.summary
    if as_json:
        emit_json(s)
        return 0
    if top_n:
        table = Table(title=f"top {min(top_n, result.vessels.height)} vessels by risk")
        for name in ("#", "mmsi", "name", "flag", "score", "tier"):
            table.add_column(name, overflow="fold", no_wrap=name != "name")
        table.add_column("top reason", overflow="fold", ratio=1, min_width=30)
        for i, row in enumerate(result.top(top_n).iter_rows(named=True), start=1):
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
            table.add_row(*(Text(c) for c in cells))
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
    return 0
