"""Per-stage progress of a run, shown with rich on stderr (terminal or notebook) (private).

:func:`vessels.pipeline.run` calls a *stage hook* ``hook(stage, state, info)`` with ``state``
``"start"`` when a stage begins, ``"step"`` for a step inside it (``info["step"]`` says which) and
``"done"`` when it ends (``info`` holds its counts and ``seconds``), or ``"failed"`` when it
raised. :class:`StageReporter` is the
hook the CLI and ``run(progress=True)`` use; any callable with that signature works.

Examples
--------
>>> import io
>>> from rich.console import Console
>>> buf = io.StringIO()
>>> rep = StageReporter(Console(file=buf, width=100), verbosity=1)
>>> rep("zones", "start", {})
>>> rep("zones", "done", {"positions": 1200, "zones": 12, "seconds": 0.4})
>>> rep.close()
>>> print(buf.getvalue().strip())
zones        1,200 positions labelled with 12 zones   0.4 s
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["STAGE_TITLES", "StageHook", "StageReporter", "describe_stage"]

#: ``hook(stage, state, info)``; state is "start", "step", "done" or "failed".
StageHook = Callable[[str, str, Mapping[str, Any]], None]

#: What each stage does, shown while it runs.
STAGE_TITLES: dict[str, str] = {
    "ingest": "reading, cleaning and segmenting",
    "zones": "labelling zones",
    "fishing_score": "scoring fishing per position",
    "write_tracks": "writing tracks.parquet",
    "events": "detecting events",
    "risk": "scoring vessels",
    "outputs": "writing outputs",
}


def _n(info: Mapping[str, Any], key: str) -> str:
    value = info.get(key)
    return "?" if value is None else f"{int(value):,}"


def describe_stage(stage: str, info: Mapping[str, Any]) -> str:
    """One line with the counts of a finished stage.

    Examples
    --------
    >>> describe_stage("events", {"events": 3, "per_type": {"ais_gap": 2, "fishing": 1}})
    '3 events (ais_gap 2, fishing 1)'
    >>> describe_stage("risk", {"vessels": 10, "high_or_critical": 2})
    '10 vessels scored, 2 high or critical'
    """
    if stage == "ingest":
        return (
            f"{_n(info, 'input_rows')} rows read, {_n(info, 'accepted_rows')} positions accepted "
            f"({_n(info, 'quarantined_rows')} quarantined, {_n(info, 'duplicate_rows')} "
            "duplicates)"
        )
    if stage == "zones":
        return f"{_n(info, 'positions')} positions labelled with {_n(info, 'zones')} zones"
    if stage == "fishing_score":
        return f"{_n(info, 'positions')} positions scored for fishing"
    if stage == "write_tracks":
        return f"{_n(info, 'positions')} positions written"
    if stage == "events":
        per_type = {k: v for k, v in (info.get("per_type") or {}).items() if v}
        detail = ", ".join(f"{k} {v:,}" for k, v in per_type.items())
        return f"{_n(info, 'events')} events" + (f" ({detail})" if detail else "")
    if stage == "risk":
        hi = _n(info, "high_or_critical")
        return f"{_n(info, 'vessels')} vessels scored, {hi} high or critical"
    if stage == "outputs":
        return f"{_n(info, 'files')} files written"
    return ", ".join(f"{k} {v}" for k, v in info.items() if k != "seconds")


class StageReporter:
    """Show a run's stages on a rich console (stderr in the CLI).

    On a terminal (or in Jupyter) a spinner names the running stage and step; each finished stage
    leaves one line with its counts and seconds. Off a terminal only ``verbosity >= 1`` prints,
    and then only the finished-stage lines (a log file gets no spinner frames).
    ``verbosity >= 2`` also prints the steps inside a stage. A quiet console prints nothing.

    Parameters
    ----------
    console
        Where to write (the CLI passes its stderr console).
    verbosity
        0 (default): live display only; 1 (``-v``): finished-stage lines always; 2 (``-vv``):
        the steps too.
    """

    def __init__(self, console: Console, *, verbosity: int = 0) -> None:
        self.console = console
        self.verbosity = verbosity
        self.live = not console.quiet and (console.is_terminal or console.is_jupyter)
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}

    def _bar(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
        return self._progress

    def _print(self, text: str) -> None:
        if self.console.quiet:
            return
        self.console.print(text, markup=False, highlight=False)

    def __call__(self, stage: str, state: str, info: Mapping[str, Any]) -> None:
        title = STAGE_TITLES.get(stage, stage)
        if state == "start":
            self._started[stage] = time.perf_counter()
            if self.live:
                self._tasks[stage] = self._bar().add_task(f"{title}…", total=None)
        elif state == "step":
            step = str(info.get("step", ""))
            if self.live and stage in self._tasks:
                self._bar().update(self._tasks[stage], description=f"{title}: {step}…")
            if self.verbosity >= 2:
                self._print(f"  {stage}: {step}")
        elif state == "failed":
            self._tasks.pop(stage, None)
            self.close()
        elif state == "done":
            seconds = info.get("seconds")
            if seconds is None:
                seconds = time.perf_counter() - self._started.get(stage, time.perf_counter())
            if self.live and stage in self._tasks:
                self._bar().remove_task(self._tasks.pop(stage))
            if self.live or self.verbosity >= 1:
                line = f"{stage:<12} {describe_stage(stage, info)}   {float(seconds):.1f} s"
                self._print(line)  # above the live display, which rich keeps at the bottom
            if not self._tasks:
                self.close()  # nothing running: no display left behind between stages

    def __enter__(self) -> StageReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the live display (idempotent)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._tasks.clear()
