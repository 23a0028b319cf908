"""numpy arrays on 4 KiB pages for the length of a block (private).

numpy asks the kernel for transparent huge pages for every array of 4 MiB and more. With the
kernel's usual ``transparent_hugepage/defrag = madvise`` a fault in such a region may compact
memory synchronously: mapping them cost the NMEA reader 1.5-1.9 s of kernel time per 1 M messages
(0.08-0.17 s on 4 KiB pages, same run; benchmarks/results/nmea_reader.md, nmea5), and at 10 M
positions the gap and dark-rendezvous detectors 0.74 and 0.63 s of system CPU for 0.04 and 0.06 s
of user CPU (benchmarks/results/events.md, events7). ``vessels score`` sets
``NUMPY_MADVISE_HUGEPAGE=0`` for the whole command (:mod:`vessels.cli`); :func:`small_pages`
covers library callers and leaves their process as it was afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["small_pages"]


@contextmanager
def small_pages() -> Iterator[None]:
    """numpy's arrays on 4 KiB pages inside the block (the previous setting restored).

    Examples
    --------
    >>> with small_pages():
    ...     pass
    """
    import numpy as np

    core = getattr(np, "_core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is None:  # pragma: no cover - other numpy builds
        yield
        return
    before = setter(False)
    try:
        yield
    finally:
        setter(before)
