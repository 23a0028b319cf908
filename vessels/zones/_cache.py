"""On-disk cache of arrays derived from shipped data (private).

Some zone structures are deterministic functions of files that ship with the package and of the
code that derives them: the decoded world raster and densified shoreline of
:mod:`vessels.zones._world`, the per-zone grids of :class:`vessels.zones.ZoneIndex`. Building them
costs seconds on every run, more than the whole labelling of a small file. :func:`cached_arrays`
stores them once per machine and reads them back in milliseconds.

Safety rules:

* **Keyed by content.** The key hashes the bytes of every input (data files, the source files of
  the building code, extra parts such as a zone table's geometry or a config ``repr``) and
  :data:`CACHE_FORMAT`. Any change of an input or of the code gives a new key, so a stale entry is
  never read. Writing an entry removes all but the :data:`KEEP` newest entries of the same name,
  so edits of the code or data do not pile up entries.
* **Never trusted blindly.** An entry stores its key and the names, dtypes and shapes of its
  arrays, and its zip container holds a CRC-32 of every array that :mod:`zipfile` checks on every
  read; an entry whose key or layout does not match, whose CRC fails, or that cannot be read at
  all, is rebuilt (and overwritten).
* **Atomic.** Entries are written to a temporary file in the cache directory and renamed into
  place, so a reader sees a complete entry or none (two processes building at once both write a
  valid entry; the last rename wins).
* **Optional.** A cache directory that cannot be created or written (read-only home, full disk)
  only costs the build time: the arrays are built in memory and returned.

The directory is ``$VESSELS_CACHE_DIR`` if set (``off``, ``0`` or an empty value disable the
cache), else ``platformdirs.user_cache_dir("vessels")`` when platformdirs is installed, else
``$XDG_CACHE_HOME/vessels`` or ``~/.cache/vessels``.

Examples
--------
>>> import numpy as np, tempfile, os
>>> os.environ["VESSELS_CACHE_DIR"] = tempfile.mkdtemp()
>>> calls = []
>>> def build():
...     calls.append(1)
...     return {"a": np.arange(3)}
>>> cached_arrays("demo", [b"v1"], build)["a"].tolist()
[0, 1, 2]
>>> cached_arrays("demo", [b"v1"], build)["a"].tolist(), len(calls)  # second call: from disk
([0, 1, 2], 1)
>>> del os.environ["VESSELS_CACHE_DIR"]
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CACHE_ENV", "CACHE_FORMAT", "cache_dir", "cached_arrays", "content_key"]

#: Environment variable naming the cache directory (``off``/``0``/empty: no cache).
CACHE_ENV = "VESSELS_CACHE_DIR"
#: Bumped when the entry layout changes.
CACHE_FORMAT = "vessels-array-cache-1"
_META = "__meta__"
#: Entries kept per name (e.g. the default zone table and a few user tables).
KEEP = 4


def cache_dir() -> Path | None:
    """The cache directory (not created here), or None when caching is disabled."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "false", "no") else Path(env)
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "vessels"
    return Path(user_cache_dir("vessels", appauthor=False))


def content_key(name: str, parts: Iterable[bytes | str | Path]) -> str:
    """Hex digest over the cache format, ``name`` and every part (a Path: its bytes)."""
    h = hashlib.blake2b(digest_size=20)
    for part in (CACHE_FORMAT, name, *parts):
        if isinstance(part, Path):
            data = part.read_bytes()
        elif isinstance(part, str):
            data = part.encode()
        else:
            data = bytes(part)
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _layout(arrays: dict[str, np.ndarray]) -> dict[str, list[object]]:
    return {n: [a.dtype.str, list(a.shape)] for n, a in sorted(arrays.items())}


def _read(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The entry's arrays if it is complete and intact, else None."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z[_META]).decode())
            names = sorted(n for n in z.files if n != _META)
            if meta.get("key") != key or sorted(meta.get("layout", {})) != names:
                return None
            out = {n: z[n] for n in names}  # zipfile checks each member's CRC-32 as it reads
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None  # missing, truncated, corrupted, not a zip, not our layout: rebuild
    if json.loads(json.dumps(_layout(out))) != meta["layout"]:
        return None
    return out


def _write(path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    meta = {"key": key, "layout": _layout(arrays)}
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError:
        return  # read-only or missing home: run without a cache
    try:
        with os.fdopen(fd, "wb") as f:
            payload: dict[str, Any] = {**arrays, _META: blob}
            np.savez(f, **payload)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return
    _prune(path)


def _prune(path: Path) -> None:
    """Remove all but the KEEP newest entries named like ``path``."""
    prefix = path.name.rsplit("-", 1)[0] + "-"
    try:
        entries = sorted(
            path.parent.glob(prefix + "*.npz"),
            key=lambda p: p.stat().st_mtime_ns,
            reverse=True,
        )
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first, or a read-only directory


def cached_arrays(
    name: str,
    parts: Iterable[bytes | str | Path],
    build: Callable[[], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """``build()``'s arrays, read from the cache when an intact entry for the same inputs exists.

    Parameters
    ----------
    name
        Entry name (a file-name prefix).
    parts
        Everything the arrays depend on: Paths (hashed by content), strings, bytes.
    build
        Computes the arrays (numeric NumPy arrays; no objects) when there is no valid entry.
    """
    root = cache_dir()
    if root is None:
        return build()
    try:
        key = content_key(name, parts)
    except OSError:
        return build()
    path = root / f"{name}-{key}.npz"
    found = _read(path, key)
    if found is not None:
        return found
    arrays = build()
    _write(path, key, arrays)
    return arrays
