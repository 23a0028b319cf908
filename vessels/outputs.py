"""Writing results safely: crash-consistent output directories, atomic files, CSV neutralisation.

A results directory (``vessels score --out``) is written by :func:`staged_dir` (or the
:func:`staged_output` decorator): under an exclusive lock, into a staging directory beside it,
which gets a completion marker and is swapped in at the end, so an interrupt, a kill or a full
disk leaves either the previous complete results or the new ones, never a mix. Readers check the
marker with :func:`check_complete`. Single files are written to a temporary file in the same
directory and renamed into place (:func:`atomic_path`).

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"vessel_name": ["=HYPERLINK(1)", "SEA STAR", "-1+2", None]})
>>> neutralise_csv(df)["vessel_name"].to_list()
["'=HYPERLINK(1)", 'SEA STAR', "'-1+2", None]
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import inspect
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import polars as pl

from vessels.errors import OutputError, UserError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "COMPLETE_MARKER",
    "Stage",
    "atomic_path",
    "check_complete",
    "is_disk_full",
    "locked_dir",
    "mark_complete",
    "neutralise_csv",
    "prepare_out_dir",
    "scratch_dir",
    "staged_dir",
    "staged_output",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
]

#: Leading characters that make spreadsheet programs evaluate a cell (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def prepare_out_dir(path: str | Path, *, overwrite: bool = True) -> Path:
    """Create the output directory, or refuse an existing non-empty one unless ``overwrite``.

    Raises :class:`~vessels.errors.UserError` when the directory cannot be created or written.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserError(f"output path {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise UserError(
            f"output directory {out} already exists and is not empty",
            hint="pass --overwrite to replace its files, or choose another --out",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".vessels-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"output directory {out} is not writable: {exc.strerror}",
            hint="choose another --out",
        ) from None
    return out


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes 0600 files; give the result the permissions a plain open() would.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_parquet(df: pl.DataFrame | pl.LazyFrame, target: str | Path) -> Path:
    """Write Parquet atomically (a LazyFrame is streamed with ``sink_parquet``)."""
    with atomic_path(target) as tmp:
        if isinstance(df, pl.LazyFrame):
            df.sink_parquet(tmp)
        else:
            df.write_parquet(tmp)
    return Path(target)


def neutralise_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix string cells that a spreadsheet would run as a formula with a single quote."""
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = pl.any_horizontal([col.str.starts_with(p) for p in FORMULA_PREFIXES])
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return df.with_columns(exprs) if exprs else df


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Flatten columns CSV cannot hold (lists, structs) into JSON-ish text."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode().alias(name))
    return df.with_columns(exprs) if exprs else df


def write_csv(df: pl.DataFrame, target: str | Path) -> Path:
    """Write CSV atomically, with nested columns flattened and formula cells neutralised."""
    safe = neutralise_csv(_csv_ready(df))
    with atomic_path(target) as tmp:
        safe.write_csv(tmp)
    return Path(target)


def write_json(obj: Any, target: str | Path) -> Path:
    """Write JSON atomically (UTF-8, indented, datetimes as ISO text)."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, default=str, ensure_ascii=False)
        fh.write("\n")
    return Path(target)


def write_text(text: str, target: str | Path) -> Path:
    """Write a text file (HTML, GeoJSON) atomically."""
    with atomic_path(target) as tmp:
        fh: IO[str]
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
    return Path(target)


def write_feature_collection(features: pl.Series, target: str | Path) -> Path:
    """Write a GeoJSON FeatureCollection atomically: ``features`` holds one Feature (text) per
    element (nulls are left out), written one per line, comma-separated.

    The bytes are those of ``'{"type":"FeatureCollection","features":[\\n' +
    ",\\n".join(features) + "\\n]}\\n"`` (``[]`` without features), streamed from polars: the
    text (85 MB for the events of 10 M positions) never becomes one Python string, decoded from
    UTF-8 and encoded back.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "f.geojson"
    >>> feats = pl.Series(['{"type":"Feature","geometry":null,"properties":{"n":1}}', None])
    >>> text = write_feature_collection(feats, out).read_text(encoding="utf-8")
    >>> json.loads(text)["features"], text.count("\\n")
    ([{'type': 'Feature', 'geometry': None, 'properties': {'n': 1}}], 3)
    """
    lines = features.drop_nulls().rename("feature")
    with atomic_path(target) as tmp, tmp.open("wb") as fh:
        if lines.len() == 0:
            fh.write(b'{"type":"FeatureCollection","features":[]}\n')
        else:
            fh.write(b'{"type":"FeatureCollection","features":[\n')
            f = pl.col("feature")
            last = pl.int_range(pl.len()) == pl.len() - 1
            pl.DataFrame(lines).select(pl.when(last).then(f).otherwise(f + pl.lit(","))).write_csv(
                fh, include_header=False, quote_style="never", line_terminator="\n"
            )
            fh.write(b"]}\n")
    return Path(target)


# --- crash-consistent output directories ---------------------------------------------------------

#: Name of the completion marker a finished run writes last into its output directory.
COMPLETE_MARKER = ".vessels-complete"

_STAGING = "vessels-staging"
_OLD = "vessels-old"
_LOCK = "vessels-lock"
_SUFFIX = re.compile(r"[0-9a-z_]+")
#: Staging directories of this process (a nested stage on one of them writes into it directly).
_ACTIVE: set[Path] = set()
_RENAME_EXCHANGE = 2  # linux/fs.h


def _sibling(out: Path, kind: str, suffix: str = "") -> Path:
    return out.parent / f".{out.name}.{kind}{'-' + suffix if suffix else ''}"


def _siblings(out: Path, kind: str) -> list[Path]:
    """Existing ``.<name>.<kind>-<suffix>`` entries beside ``out`` (ours, by exact pattern)."""
    prefix = f".{out.name}.{kind}-"
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    return [
        out.parent / n
        for n in names
        if n.startswith(prefix) and _SUFFIX.fullmatch(n[len(prefix) :])
    ]


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk or quota is full.

    Polars and pyarrow report ``ENOSPC`` as their own exception types with the OS text inside.

    Examples
    --------
    >>> is_disk_full(OSError(28, "No space left on device"))
    True
    >>> is_disk_full(RuntimeError("I/O error: No space left on device (os error 28)"))
    True
    >>> is_disk_full(ValueError("bad"))
    False
    """
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc)
        if "No space left on device" in text or "os error 28" in text or "quota exceeded" in text:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


#: free space below which a failed write is reported as a full disk
NEARLY_FULL_BYTES = 16 * 1024 * 1024


def _nearly_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has less than :data:`NEARLY_FULL_BYTES` free."""
    try:
        return shutil.disk_usage(path).free < NEARLY_FULL_BYTES
    except OSError:
        return False


class _DirLock:
    """An exclusive ``flock`` on ``.<name>.vessels-lock`` beside an output directory.

    The lock file is removed on release; a run that opened it just before is told by the inode
    check and tries again, so two holders can never both believe they hold it.
    """

    def __init__(self, out: Path, what: str) -> None:
        self.path = _sibling(out, _LOCK)
        self.fd = -1
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if is_disk_full(exc):
                    raise OutputError(
                        f"disk full: cannot create the lock {self.path}",
                        hint="free space and run again; nothing was changed",
                    ) from None
                raise UserError(
                    f"cannot lock {what} {out}: {exc.strerror} ({self.path})",
                    hint="choose a writable location",
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise UserError(
                    f"another vessels run is writing to {what} {out} (lock {self.path} is held)",
                    hint="wait for it to finish, or choose another output",
                ) from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return
            os.close(fd)  # the holder removed the file between our open and lock: retry

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(self.fd)
            self.fd = -1


@contextlib.contextmanager
def locked_dir(path: str | Path, *, what: str = "output directory") -> Iterator[Path]:
    """Hold the output lock of ``path`` (the one :func:`staged_dir` takes) while the block runs.

    For tools that change one file inside a results directory (``vessels map DIR`` writing
    ``DIR/map.html``) so a ``vessels score`` into the same directory cannot swap it meanwhile.
    A staging directory of this process is yielded as is.
    """
    target = Path(os.path.realpath(path))
    if target in _ACTIVE:
        yield target
        return
    lock = _DirLock(target, what)
    try:
        yield target
    finally:
        lock.release()


def mark_complete(directory: str | Path, **info: Any) -> Path:
    """Write the completion marker into ``directory`` (JSON: version, time, files, ``info``)."""
    from vessels._version import __version__

    d = Path(directory)
    files = sorted(p.name for p in d.iterdir() if p.name != COMPLETE_MARKER)
    body = {
        "complete": True,
        "vessels": __version__,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
        **info,
    }
    target = d / COMPLETE_MARKER
    with target.open("w", encoding="utf-8") as fh:
        json.dump(body, fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    return target


def check_complete(directory: str | Path, *, what: str = "results directory") -> dict[str, Any]:
    """The completion marker of ``directory``; a :class:`UserError` when it is missing or bad.

    Readers of a ``vessels score`` output call this before reading, so a directory that a run
    did not finish (or that was assembled by hand) is never taken for results.
    """
    d = Path(directory)
    marker = d / COMPLETE_MARKER
    try:
        body = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        body = None
    except (OSError, ValueError):
        body = {}
    if body is None or not isinstance(body, dict) or body.get("complete") is not True:
        state = "has no" if body is None else "has a damaged"
        raise UserError(
            f"{what} {d} {state} completion marker {COMPLETE_MARKER}: it is not the complete "
            "output of a finished run (an interrupted run, an older vessels, or files put there "
            "by hand)",
            hint="run `vessels score ... --out DIR --overwrite` again",
        )
    return body


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False  # this file system cannot: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _recover(out: Path) -> None:
    """Finish or undo a swap that a killed run left half done (only the two-rename fallback can),
    then remove stale staging and old directories. Called with the lock held."""
    if not out.exists():
        done = [p for p in _siblings(out, _STAGING) if (p / COMPLETE_MARKER).is_file()]
        old = _siblings(out, _OLD)
        if done:
            os.rename(done[0], out)
        elif old:
            os.rename(old[0], out)
    for stale in (*_siblings(out, _STAGING), *_siblings(out, _OLD)):
        shutil.rmtree(stale, ignore_errors=True)


class Stage:
    """A staging directory beside an output directory (see :func:`staged_dir`).

    Attributes
    ----------
    path
        The staging directory: write every output file here.
    out
        The final output directory (its real path).
    scratch
        A directory for temporary files inside ``path`` (removed before the swap).
    """

    def __init__(self, path: Path, out: Path, owned: frozenset[str]) -> None:
        self.path = path
        self.out = out
        self.scratch = path / ".tmp"
        self.owned = owned

    def commit(self) -> None:
        """Mark the staging directory complete and swap it in place of ``out``."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.out.is_dir():
            # entries of the old directory that this run does not own (a user's notes, a map
            # written with `vessels map --out`) are carried over as hard links (copies where a
            # link cannot be made): --overwrite replaces results, nothing else
            for entry in os.scandir(self.out):
                if entry.name in self.owned or (self.path / entry.name).exists():
                    continue
                src, dst = entry.path, str(self.path / entry.name)
                if entry.is_dir(follow_symlinks=False):
                    shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
                else:
                    _link_or_copy(src, dst)
        os.chmod(self.path, 0o777 & ~_umask())
        mark_complete(self.path)
        _fsync_tree(self.path)
        with _signals_held():
            if not self.out.exists():
                os.rename(self.path, self.out)
            elif _exchange(self.path, self.out):
                pass  # self.path now holds the previous results (removed below)
            else:
                old = _sibling(self.out, _OLD, self.path.name.rsplit("-", 1)[-1])
                os.rename(self.out, old)
                os.rename(self.path, self.out)
                os.rename(old, self.path)
        _fsync_dir(self.out.parent)
        shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while the swap runs (delivered right after), in the main thread."""
    held = {signal.SIGINT, signal.SIGTERM}
    main = threading.current_thread() is threading.main_thread()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held) if main else None
    try:
        yield
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _check_out(out: Path, *, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"output path {out} exists and is not a directory")
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise UserError(
            f"output directory {out} already exists and is not empty",
            hint="pass --overwrite to replace its files, or choose another --out",
        )
    here = Path.cwd().resolve()
    if out == here or out in here.parents:
        raise UserError(
            f"output directory {out} is the current directory or holds it",
            hint="results are swapped in as a whole directory: choose a subdirectory as --out",
        )


@contextlib.contextmanager
def staged_dir(
    out: str | Path, *, overwrite: bool = False, owned: Iterable[str] = ()
) -> Iterator[Stage]:
    """Write a results directory crash-consistently: stage beside ``out``, swap in at the end.

    On entry: take an exclusive lock beside ``out`` (a second run into the same directory gets
    a :class:`UserError`), refuse a non-empty ``out`` unless ``overwrite``, clean what a killed
    run left, and create ``.<name>.vessels-staging-<id>`` beside ``out`` (same file system).
    The block writes every file into ``stage.path`` (temporary files into ``stage.scratch``).
    On normal exit the staging directory gets the completion marker and is swapped in place of
    ``out`` atomically (``renameat2(RENAME_EXCHANGE)``; two renames on file systems without it);
    at every instant ``out`` holds the previous complete results or the new ones. Entries of the
    old ``out`` whose names are not in ``owned`` and that the run did not write are kept.
    On any exception (interrupt included) the staging directory is removed and ``out`` is
    untouched; a full disk becomes an :class:`~vessels.errors.OutputError`.

    Inside a stage of this process, ``staged_dir(stage.path)`` yields a stage writing straight
    into it (so a writer can be called both alone and as part of a larger run).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with staged_dir(out) as stage:
    ...     _ = (stage.path / "a.txt").write_text("new")
    ...     out.exists()
    False
    >>> sorted(p.name for p in out.iterdir())
    ['.vessels-complete', 'a.txt']
    >>> check_complete(out)["files"]
    ['a.txt']
    """
    target = Path(os.path.realpath(out))
    if target in _ACTIVE:
        yield Stage(target, target, frozenset())
        return
    _check_out(target, overwrite=overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create the folder of output directory {target}: {exc.strerror}",
            hint="choose another --out",
        ) from None
    lock = _DirLock(target, "output directory")
    stage: Stage | None = None
    try:
        _recover(target)
        try:
            path = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_STAGING}-", dir=target.parent))
        except OSError as exc:
            if is_disk_full(exc):
                raise
            raise UserError(
                f"output directory {target} is not writable: {exc.strerror}",
                hint="choose another --out",
            ) from None
        stage = Stage(path, target, frozenset(owned) | {COMPLETE_MARKER})
        stage.scratch.mkdir()
        _ACTIVE.add(path)
        try:
            yield stage
        finally:
            _ACTIVE.discard(path)
        stage.commit()
        stage = None
    except BaseException as exc:
        # polars' Parquet writer can report a full disk as a format error ("Invalid thrift:
        # transport error") with no errno: look at the file system itself before cleaning up
        full = is_disk_full(exc) or (
            stage is not None and isinstance(exc, Exception) and _nearly_full(stage.path)
        )
        if stage is not None:
            shutil.rmtree(stage.path, ignore_errors=True)
        if full:
            kept = f"{target} keeps its previous results" if target.exists() else "nothing written"
            raise OutputError(
                f"disk full while writing {target}: {_short(exc)}",
                hint=f"{kept}; free space and run again",
            ) from None
        raise
    finally:
        lock.release()


def scratch_dir(out: str | Path | None) -> Path | None:
    """The temporary-file directory of the stage writing into ``out`` (None outside a stage).

    Examples
    --------
    >>> scratch_dir(None) is None
    True
    """
    if out is None:
        return None
    target = Path(os.path.realpath(out))
    return target / ".tmp" if target in _ACTIVE and (target / ".tmp").is_dir() else None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1][:200] if text else type(exc).__name__


def staged_output(owned: Iterable[str] = ()) -> Callable[[F], F]:
    """Decorator: run a writer with ``out=``/``overwrite=`` keywords inside :func:`staged_dir`.

    The writer is called with ``out`` set to the staging directory; after the swap, paths
    under the staging directory in its return value are moved to ``out``: a ``Path``, the
    values of a ``dict``, or an object's ``_relocate(old, new)`` method. ``out=None`` calls the
    writer as is.
    """
    owned_names = tuple(owned)

    def wrap(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            out = bound.arguments.get("out")
            if out is None:
                return func(*args, **kwargs)
            overwrite = bool(bound.arguments.get("overwrite", False))
            with staged_dir(out, overwrite=overwrite, owned=owned_names) as stage:
                if stage.path == stage.out:  # nested inside a stage of this process
                    return func(*args, **kwargs)
                bound.arguments["out"] = stage.path
                bound.arguments["overwrite"] = True
                result = func(*bound.args, **bound.kwargs)
            return _relocate(result, stage.path, stage.out)

        # keyword defaults stay visible to introspection (the wrapper takes them as **kwargs)
        inner.__kwdefaults__ = func.__kwdefaults__  # type: ignore[attr-defined]
        return inner  # type: ignore[return-value]

    return wrap


def _relocate(value: Any, old: Path, new: Path) -> Any:
    if isinstance(value, Path):
        return new / value.relative_to(old) if value.is_relative_to(old) else value
    if isinstance(value, dict):
        return {k: _relocate(v, old, new) for k, v in value.items()}
    hook = getattr(value, "_relocate", None)
    if callable(hook):
        hook(old, new)
    return value
