"""Shared CLI plumbing: console, progress bars, --quiet/--json handling (private)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

__all__ = ["data_console", "emit_json", "get_console", "progress", "quiet_logs"]


def _columns_set() -> bool:
    """True when COLUMNS names a width: rich then sizes tables to it (``COLUMNS=80 vessels``)."""
    return os.environ.get("COLUMNS", "").strip().isdigit()


def get_console(quiet: bool = False) -> Console:
    """A stderr console for human output; silent when ``quiet``.

    When stderr is not a terminal (a log file, CI), rich would assume 80 columns and crop wide
    tables; 140 columns keep every reason readable there.
    """
    width = None if sys.stderr.isatty() or _columns_set() else 140
    return Console(stderr=True, quiet=quiet, highlight=False, width=width)


def data_console() -> Console:
    """A stdout console for data (tables a user may redirect: ``vessels zones list > f``).

    Progress and logs go to :func:`get_console` (stderr). Off a terminal, 140 columns keep
    every cell whole (long cells wrap, never cut).
    """
    width = None if sys.stdout.isatty() or _columns_set() else 140
    return Console(file=sys.stdout, highlight=False, width=width)


@contextmanager
def progress(console: Console, *, disable: bool = False) -> Iterator[Progress]:
    """A rich progress display on ``console``; disabled when quiet or not a terminal."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=disable or console.quiet or not console.is_terminal,
        transient=True,
    ) as prog:
        yield prog


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@contextmanager
def quiet_logs(quiet: bool) -> Iterator[None]:
    """With ``quiet``, hold back the package's log warnings (``-q``: nothing but errors)."""
    logger = logging.getLogger("vessels")
    level = logger.level
    if quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
