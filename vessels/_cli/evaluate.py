"""``vessels evaluate``: precision, recall and F1 of detected events against simulated truth."""

from __future__ import annotations

from pathlib import Path

import click

from vessels._cli.common import emit_json

__all__ = ["command"]


@click.command("evaluate")
@click.option(
    "--truth",
    "truth_path",
    required=True,
    type=click.Path(),
    help="truth.parquet (or truth.json) written by `vessels simulate`.",
)
@click.option(
    "--events",
    "events_path",
    required=True,
    type=click.Path(),
    help="Detected events (events.parquet, .json or .csv).",
)
@click.option(
    "--controls",
    "controls_path",
    type=click.Path(),
    default=None,
    help="controls.parquet (default: the one next to --truth, if any).",
)
@click.option(
    "--tolerance-h",
    type=click.FloatRange(min=0),
    default=None,
    help="Time slack when matching, hours (default 1).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON on stdout.")
def command(
    truth_path: str,
    events_path: str,
    controls_path: str | None,
    tolerance_h: float | None,
    as_json: bool,
) -> int:
    """Score events against truth: per event type TP, FP, FN, precision, recall, F1.

    \b
    Example:
      vessels evaluate --truth ais_samples/yucatan/truth.parquet --events out/events.parquet
    """
    import polars as pl
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from vessels._cli.common import data_console
    from vessels.errors import UserError
    from vessels.simulation import (
        MATCH_TOLERANCE_H,
        evaluate,
        false_events_by_control,
        read_events,
        read_truth,
    )

    truth = read_truth(truth_path)
    events = read_events(events_path)
    cpath = Path(controls_path) if controls_path else Path(truth_path).with_name("controls.parquet")
    controls = None
    if cpath.exists():
        try:
            controls = pl.read_parquet(cpath, glob=False)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise UserError(f"controls file {cpath} cannot be read: {exc}") from None
        if "mmsi" not in controls.columns:
            raise UserError(f"controls file {cpath} has no mmsi column")
    elif controls_path:
        raise UserError(f"controls file {cpath} not found", hint="check the path")
    tol = MATCH_TOLERANCE_H if tolerance_h is None else tolerance_h
    result = evaluate(truth, events, controls=controls, tolerance_h=tol)
    by_kind = (
        false_events_by_control(truth, events, controls, tolerance_h=tol)
        if controls is not None and "kind" in controls.columns
        else None
    )
    if as_json:
        emit_json(
            {
                "tolerance_h": tol,
                "controls": None if controls is None else controls.height,
                "rows": result.to_dicts(),
                "false_events_by_control_kind": None if by_kind is None else by_kind.to_dicts(),
            }
        )
        return 0
    headers = {
        "event_type": "event type",
        "n_truth": "truth",
        "n_detected": "detected",
        "tp": "TP",
        "fp": "FP",
        "fn": "FN",
        "precision": "precision",
        "recall": "recall",
        "f1": "F1",
        "fp_on_controls": "FP on controls",
    }
    console = data_console()  # sized to the terminal (or COLUMNS)
    narrow = console.width < 110
    if narrow:  # ten columns in 80: short headers and no vertical rules, names never cut
        headers.update(n_detected="found", precision="prec", recall="rec", fp_on_controls="cFP")
    table = Table(
        title=f"events vs truth (tolerance {tol:g} h)",
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        pad_edge=not narrow,
    )
    for c in result.columns:
        table.add_column(
            headers.get(c, c),
            justify="left" if c == "event_type" else "right",
            no_wrap=True,
        )
    for row in result.iter_rows():
        # Text(): event types and control kinds come from the user's files, never markup
        table.add_row(
            *[
                Text("-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v))
                for v in row
            ]
        )
    console.print(table)
    if narrow and "fp_on_controls" in result.columns:
        console.print("cFP: false events on control vessels", highlight=False)
    if by_kind is not None:
        kt = Table(title="false events on control vessels, by control kind")
        for c, h in (
            ("kind", "control kind"),
            ("event_type", "event type"),
            ("false_events", "false events"),
        ):
            kt.add_column(h, justify="right" if c == "false_events" else "left", overflow="fold")
        for row in by_kind.iter_rows():
            kt.add_row(*[Text(str(v)) for v in row])
        if by_kind.height == 0:
            kt.add_row("(none)", "", "0")
        console.print(kt)
    return 0
