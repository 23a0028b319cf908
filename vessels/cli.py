"""The ``vessels`` command line: subcommands over the library.

User mistakes (:class:`vessels.errors.UserError`, click usage errors) print one message and exit
with code 2 and no traceback; anything else is a bug and keeps its traceback.

Each subcommand lives in its own module under ``vessels/_cli/`` and is imported only when it is
run (or listed by ``--help``), so ``vessels --help`` stays fast.

Examples
--------
>>> main(["--version"])  # doctest: +ELLIPSIS
vessels ...
0
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
from collections.abc import Sequence

import click

from vessels._version import __version__
from vessels.errors import OutputError, UserError

__all__ = ["cli", "main"]

#: subcommand name -> module under vessels._cli exposing ``command`` (a click command or group).
SUBCOMMANDS: dict[str, str] = {
    "ingest": "ingest",
    "score": "score",
    "map": "map",
    "zones": "zones",
    "simulate": "simulate",
    "evaluate": "evaluate",
    "explain": "explain",
}


class _LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name, mod in SUBCOMMANDS.items()
            if importlib.util.find_spec(f"vessels._cli.{mod}") is not None
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        mod = SUBCOMMANDS.get(cmd_name)
        if mod is None or importlib.util.find_spec(f"vessels._cli.{mod}") is None:
            return None
        command = importlib.import_module(f"vessels._cli.{mod}").command
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="vessels", message="%(prog)s %(version)s")
def cli() -> None:
    """vessels: maritime vessel-risk analytics from AIS.

    \b
    Typical use:
      # rank vessels with a regional profile; writes tables, events and map.html
      vessels score ais_samples/gulf-of-california/ais.csv --out out/ --profile gulf-of-california
      vessels ingest AIS_2022_01_03.zip --out clean/    # clean + segment only
      vessels explain 345070102 --run out/              # one vessel's score taken apart
      vessels zones list                                # the default zone layers
    """


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: staging directories are removed


def _quiet_hugepages() -> None:
    """Ask numpy not to back its large arrays with transparent huge pages (unless the user set
    ``NUMPY_MADVISE_HUGEPAGE``); only before numpy is imported, which reads it then.

    With the kernel's usual ``transparent_hugepage/defrag = madvise`` a page fault in a region
    numpy madvised may compact memory synchronously: zone labelling and fishing scoring of 3 M
    positions took 1.7-3.2 s of system CPU with huge pages and 1.0-1.2 s without, the same user
    CPU (benchmarks/results/score.md, memory6). Set here, in the command's entry point, because
    ``vessels.cli`` imports neither numpy nor polars; the library leaves the process as it is.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


#: jemalloc (polars' allocator) options the command sets unless the user set their own:
#: freed pages kept 3 s instead of polars' 0.5 s (dirty) / 1 s (muzzy) before they go back to
#: the kernel, so that the next batch of a stage reuses them instead of faulting fresh ones in
ALLOCATOR_DECAY = "dirty_decay_ms:3000,muzzy_decay_ms:3000"


def _keep_freed_pages() -> None:
    """Let polars' allocator keep freed pages for 3 s (:data:`ALLOCATOR_DECAY`) unless the user
    set ``_RJEM_MALLOC_CONF``; only before polars is imported, which reads it then (polars
    appends the user's options to its own, and jemalloc takes the last value of an option).

    A third of a 10 M-row score's CPU was system time: each batch's memory went back to the
    kernel after 0.5 s and the next batch faulted it in again page by page (7.7-8.5 M minor
    faults). Same hold, 10 M rows: 124.2 -> 115.2 CPU s with 3 s (benchmarks/results/score.md,
    score9); longer decays save a little more but raise the peak. Worker processes a run starts
    inherit the setting through the environment.
    """
    if "polars" not in sys.modules:
        os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_DECAY)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (0 ok, 2 user error, 1 other failure).

    An interrupt (Ctrl-C, or SIGTERM when run as the ``vessels`` program) and a full disk end
    with code 1 and one line; an output directory keeps its previous complete results.
    """
    _quiet_hugepages()
    _keep_freed_pages()
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        rv = cli.main(args=args, prog_name="vessels", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(
            "error: interrupted (an --out directory holds its previous or its new complete "
            "results, never a mix)",
            err=True,
        )
        return 1
    except UserError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        return 2
    except OutputError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        return 1
    except Exception as exc:
        from vessels.outputs import is_disk_full

        if not is_disk_full(exc):
            raise
        click.echo(f"error: disk full: {str(exc).strip().splitlines()[-1][:200]}", err=True)
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
