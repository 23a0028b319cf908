"""``vessels simulate``: synthetic AIS with ground truth for a named scenario."""

from __future__ import annotations

import click

from vessels._cli.common import get_console

__all__ = ["command"]


@click.command("simulate")
@click.option(
    "--scenario",
    required=True,
    type=click.Choice(
        [
            "gulf-of-california",
            "yucatan",
            "pacific-eez",
            "mixed",
            "carrier-network",
            "eez-fleet",
            "renamed-watchlisted",
        ]
    ),
    help="Which scenario to simulate.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Output directory.")
@click.option(
    "--vessels",
    "n_vessels",
    type=click.IntRange(min=0),
    default=None,
    help="Total vessels; extra ones are background traffic (scales to millions of rows).",
)
@click.option(
    "--port-calls",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Coastal freighters calling at World Port Index ports, with port_visit truth.",
)
@click.option(
    "--hours",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Length of the simulated period in hours (default 48).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["marinecadastre", "nmea", "parquet"]),
    default="marinecadastre",
    show_default=True,
    help="AIS file format.",
)
@click.option(
    "--min-interval-s",
    type=click.FloatRange(min=0),
    default=None,
    help="Keep at most one message per vessel per this many seconds (default 60).",
)
@click.option("--overwrite", is_flag=True, help="Replace files in a non-empty --out.")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
def command(
    scenario: str,
    seed: int,
    out_dir: str,
    n_vessels: int | None,
    port_calls: int,
    hours: float | None,
    fmt: str,
    min_interval_s: float | None,
    overwrite: bool,
    quiet: bool,
) -> int:
    """Write simulated AIS (with its mess) plus truth.parquet, truth.json and controls.

    \b
    Example:
      vessels simulate --scenario gulf-of-california --seed 0 --out sim/ --format nmea
    """
    from dataclasses import replace

    from vessels.outputs import prepare_out_dir
    from vessels.simulation import SimConfig, simulate, write

    prepare_out_dir(out_dir, overwrite=overwrite)
    cfg = (
        SimConfig()
        if min_interval_s is None
        else replace(SimConfig(), min_interval_s=min_interval_s)
    )
    sim = simulate(
        scenario,
        seed=seed,
        n_vessels=n_vessels,
        hours=hours,
        config=cfg,
        port_calls=port_calls,
    )
    paths = write(sim, out_dir, format=fmt, overwrite=True)
    console = get_console(quiet)
    console.print(
        f"{scenario} seed {seed}: {sim.positions.height:,} positions, "
        f"{sim.vessels.height:,} vessels, {sim.truth.height} truth events, "
        f"{sim.controls.height} controls"
    )
    for p in paths:
        console.print(f"  wrote {p}", markup=False)  # a path is text, never markup
    return 0
