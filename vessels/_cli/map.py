"""``vessels map DIR``: an HTML risk map from the outputs of ``vessels score`` (private)."""

from __future__ import annotations

import glob
import json
import logging
import time
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.markup import escape

from vessels._cli.common import get_console
from vessels.errors import UserError
from vessels.outputs import check_complete, locked_dir

__all__ = ["POSITION_FILES", "command", "read_network", "read_score_dir"]

#: Where the positions (with segment_id) may be in a score directory, first match wins.
POSITION_FILES = ("positions.parquet", "tracks.parquet", "positions")
SUMMARY_FILES = ("summary.json",)


def _scan(path: Path, what: str) -> pl.LazyFrame:
    try:
        lf = (
            pl.scan_parquet(glob.escape(str(path)) + "/**/*.parquet")
            if path.is_dir()
            else pl.scan_parquet(path, glob=False)
        )
        lf.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise UserError(f"cannot read {what} from {path}: {exc}") from None
    return lf


def read_score_dir(
    directory: Path,
) -> tuple[pl.LazyFrame, pl.DataFrame, pl.DataFrame, str | None]:
    """Positions (lazy), events, vessels and the profile name from a ``vessels score`` output."""
    if not directory.is_dir():
        raise UserError(
            f"{directory} is not a directory",
            hint="pass the --out directory of `vessels score`",
        )
    check_complete(directory, what="score output")
    vessels_path = directory / "vessels.parquet"
    events_path = directory / "events.parquet"
    positions_path = next((directory / n for n in POSITION_FILES if (directory / n).exists()), None)
    missing = [p.name for p in (vessels_path, events_path) if not p.exists()]
    if positions_path is None:
        missing.append(" or ".join(POSITION_FILES))
    if missing or positions_path is None:
        raise UserError(
            f"{directory} lacks {', '.join(missing)}",
            hint="run `vessels score ... --out DIR` first (it writes vessels, events and "
            "positions with segment_id)",
        )
    vessels = _scan(vessels_path, "vessels").collect()
    events = _scan(events_path, "events").collect()
    positions = _scan(positions_path, "positions")
    profile = None
    for name in SUMMARY_FILES:
        p = directory / name
        if p.is_file():
            try:
                summary = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            prof = summary.get("profile") if isinstance(summary, dict) else None
            if isinstance(prof, dict):  # vessels score: {"name": ..., "source": ...}
                prof = prof.get("name")
            if isinstance(prof, str):
                profile = prof
    return positions, events, vessels, profile


def read_network(directory: Path) -> Any:
    """The vessel graph a ``vessels score`` run wrote (network tables), or None if absent."""
    from vessels import schema as S
    from vessels.network import VesselGraph

    names = (S.NETWORK_EDGES_FILE, S.NETWORK_NODES_FILE, S.NETWORKS_FILE, S.CARRIERS_FILE)
    if not all((directory / n).is_file() for n in names):
        return None  # an older output: risk_map builds the graph from the events
    edges, nodes, networks, carriers = (_scan(directory / n, n).collect() for n in names)
    return VesselGraph(edges=edges, nodes=nodes, networks=networks, carriers=carriers)


@click.command("map")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--top",
    "top_n",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Draw the N highest-risk vessels.",
)
@click.option(
    "--mmsi",
    "mmsi",
    type=int,
    multiple=True,
    help="Draw exactly these vessels (repeatable) instead of the top N.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="HTML file to write [default: DIR/map.html].",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Embed Leaflet & co. and draw our land layer instead of web tiles.",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace an existing --out file (DIR/map.html always is)."
)
@click.option("--time-slider", is_flag=True, help="Add a time slider replaying the tracks.")
@click.option("--title", default=None, help="Title shown on the map.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def command(
    directory: Path,
    top_n: int,
    mmsi: tuple[int, ...],
    out: Path | None,
    offline: bool,
    overwrite: bool,
    time_slider: bool,
    title: str | None,
    quiet: bool,
) -> None:
    """Write an HTML risk map from DIRECTORY (the --out of `vessels score`).

    \b
    Examples:
      vessels map out/                         # top 50 vessels -> out/map.html
      vessels map out/ --top 200 --offline --out gulf.html
      vessels map out/ --mmsi 345070123 --mmsi 345070456
    """
    console = get_console(quiet)
    t0 = time.perf_counter()
    if not directory.is_dir():
        read_score_dir(directory)  # raises its "not a directory" message
    target = out if out is not None else directory / "map.html"
    if out is not None and out.is_dir():
        raise UserError(
            f"--out {out} is a directory", hint=f"give a file name, e.g. {out}/map.html"
        )
    if out is not None and (out.exists() or out.is_symlink()) and not overwrite:
        raise UserError(
            f"--out {out} already exists", hint="pass --overwrite to replace it, or choose another"
        )
    if not target.parent.is_dir():
        raise UserError(f"output folder {target.parent} does not exist")
    # hold the results directory's lock: a `vessels score` into it cannot swap it meanwhile
    with locked_dir(directory, what="score output"):
        _draw(directory, target, console, t0, top_n, mmsi, offline, time_slider, title)


def _draw(
    directory: Path,
    target: Path,
    console: Any,
    t0: float,
    top_n: int,
    mmsi: tuple[int, ...],
    offline: bool,
    time_slider: bool,
    title: str | None,
) -> None:
    from vessels.maps import risk_map, save_map

    positions, events, vessels, profile = read_score_dir(directory)
    logging.getLogger("vessels.maps").addHandler(logging.NullHandler())
    m = risk_map(
        positions,
        events,
        vessels,
        top_n=top_n,
        mmsi=list(mmsi) or None,
        title=title,
        profile=profile,
        offline=offline,
        time_slider=time_slider,
        network=read_network(directory),
    )
    note = m._vessels_notes  # type: ignore[attr-defined]
    for line in note:  # notes may name input text (an unknown event type): never markup
        console.print(f"[yellow]note:[/yellow] {escape(line)}")
    save_map(m, target)
    size_mb = target.stat().st_size / 1e6
    console.print(
        f"wrote {target} ({size_mb:.1f} MB, {time.perf_counter() - t0:.1f} s"
        f"{', offline' if offline else ''})",
        markup=False,  # a path is text, e.g. "a[/x].html"
    )
