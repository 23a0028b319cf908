"""Executors: who runs the steps of the partition plan (:mod:`vessels.partition`).

- ``"in-process"`` (default, ``None``): no plan; :func:`vessels.run` holds the whole input in
  memory as it always did.
- ``"out-of-core"``: the plan, one task at a time in this process; peak memory is set by the
  bucket size (``buckets``), not by the input size.
- Dask distributed: ``"local:N"`` (a :class:`dask.distributed.LocalCluster` of N single-thread
  worker processes, started and closed by the run), ``"tcp://HOST:8786"`` (an existing
  scheduler), or a :class:`dask.distributed.Client` you made (dask-gateway, Coiled, Kubernetes,
  SSH: see ``docs/scale-out.md``). Workers read and write ``work_dir`` (a shared directory or an
  fsspec URL such as ``s3://bucket/run``); the code inside each task is polars.

Every executor runs the same plan and gives byte-identical tables.

Examples
--------
>>> ex = resolve("out-of-core")
>>> ex.map(lambda x, k: x * k, [1, 2, 3], k=10)
[10, 20, 30]
>>> resolve(None) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from vessels.errors import UserError

__all__ = ["DaskExecutor", "Executor", "SerialExecutor", "executor_for", "resolve"]


class Executor:
    """Runs plan steps: ``map(fn, items, **shared)`` -> results in the order of ``items``."""

    name = "executor"

    def share(self, value: Any) -> Any:
        """A handle to a large argument passed to many tasks (the zone layer)."""
        return value

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        raise NotImplementedError

    def starmap(
        self, fn: Callable[..., Any], items: Sequence[tuple[Any, ...]], **shared: Any
    ) -> list[Any]:
        return self.map(_Star(fn), list(items), **shared)

    def close(self) -> None:
        """Release what this executor started (nothing for the in-process one)."""


class _Star:
    """``fn(*item, **shared)`` as a picklable one-argument callable."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, item: tuple[Any, ...], **shared: Any) -> Any:
        return self.fn(*item, **shared)


class SerialExecutor(Executor):
    """Out-of-core: one task after the other in this process."""

    name = "out-of-core"

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        return [fn(item, **shared) for item in items]


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster through ``client``."""

    name = "dask"

    def __init__(self, client: Any, *, owned: Sequence[Any] = ()) -> None:
        self.client = client
        self._owned = list(owned)

    def share(self, value: Any) -> Any:
        if value is None:
            return None
        return self.client.scatter(value, broadcast=True, hash=False)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **shared: Any) -> list[Any]:
        if not items:
            return []
        futures = self.client.map(fn, list(items), pure=False, **shared)
        return list(self.client.gather(futures))

    def close(self) -> None:
        for thing in reversed(self._owned):
            thing.close()
        self._owned.clear()


_LOCAL = re.compile(r"local(?::(\d+))?")


def _dask() -> Any:
    try:
        import dask.distributed as dd
    except ImportError:  # pragma: no cover - the [dask] extra is part of [dev]
        raise UserError(
            "a Dask scheduler needs dask[distributed]: pip install 'vessels[dask]'"
        ) from None
    return dd


def resolve(executor: Any) -> Executor | None:
    """The :class:`Executor` for ``executor`` (None: in-process, no plan).

    Accepts None/``"in-process"``, ``"out-of-core"``, ``"local"``/``"local:N"``,
    ``"tcp://HOST:PORT"`` (also ``tls://``), a ``dask.distributed.Client`` or an
    :class:`Executor`.
    """
    if executor is None or executor == "in-process":
        return None
    if isinstance(executor, Executor):
        return executor
    if executor == "out-of-core":
        return SerialExecutor()
    if isinstance(executor, str):
        m = _LOCAL.fullmatch(executor)
        if m:
            n = int(m.group(1) or 2)
            if n < 1:
                raise UserError(f"--scheduler {executor!r}: at least one worker")
            dd = _dask()
            cluster = dd.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = dd.Client(cluster)
            return DaskExecutor(client, owned=[cluster, client])
        if re.fullmatch(r"(tcp|tls|ws|wss|inproc|ucx)://\S+", executor):
            dd = _dask()
            try:
                client = dd.Client(executor, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise UserError(f"--scheduler {executor}: cannot reach it ({exc})") from None
            return DaskExecutor(client, owned=[client])
        raise UserError(
            f"--scheduler {executor!r}: expected in-process, out-of-core, local:N or "
            "tcp://HOST:PORT"
        )
    kind = type(executor)
    if kind.__name__ == "Client" and kind.__module__.startswith("distributed"):
        return DaskExecutor(executor)
    raise TypeError(
        "executor must be None, 'in-process', 'out-of-core', 'local:N', 'tcp://HOST:PORT', a "
        f"dask.distributed.Client or a vessels.executors.Executor, got {executor!r}"
    )


@contextmanager
def executor_for(executor: Any) -> Iterator[Executor | None]:
    """:func:`resolve`, closing on exit whatever the run started (a LocalCluster)."""
    ex = resolve(executor)
    try:
        yield ex
    finally:
        if ex is not None and ex is not executor:
            ex.close()
