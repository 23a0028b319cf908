"""GEOS prepared geometries are not thread-safe: every exact test of ``GridIndex`` holds a lock.

``label_zones`` runs in a polars ``map_batches`` UDF that polars calls from several threads at
once, and ``shapely.contains_xy`` releases the GIL. Two threads querying one prepared polygon
corrupt the heap (libgeos/geos#825): the rare SIGABRT "malloc(): unaligned tcache chunk" of a
700 k-row ``vessels score``. The stress test below crashed 2 of 3 runs without the lock.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import shapely

from vessels.zones import _grid
from vessels.zones._grid import GEOS_LOCK, GridIndex

ROOT = Path(__file__).resolve().parents[2]


def test_every_exact_test_holds_the_geos_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = shapely.contains_xy

    def checked(*args: object, **kwargs: object) -> object:
        calls.append(GEOS_LOCK.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(_grid.shapely, "contains_xy", checked)
    circle = shapely.Point(0, 0).buffer(1.0, quad_segs=64)
    grid = GridIndex.build(circle, res_deg=0.25)
    inside = grid.contains(np.array([0.0, 0.99, 1.01, 0.7]), np.array([0.0, 0.0, 0.0, 0.7]))
    assert inside.tolist() == [True, True, False, True]
    assert calls and all(calls), calls


def test_threads_querying_one_polygon_do_not_crash() -> None:
    code = textwrap.dedent(
        """
        import threading
        import numpy as np, shapely
        from vessels.zones._grid import GridIndex
        rng = np.random.default_rng(0)
        angles = np.linspace(0, 2 * np.pi, 20000, endpoint=False)
        for _ in range(6):
            radius = 1 + 0.3 * rng.random(angles.size)
            ring = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
            grid = GridIndex.build(shapely.Polygon(ring), res_deg=0.5)
            x, y = rng.uniform(-1.5, 1.5, 4000), rng.uniform(-1.5, 1.5, 4000)
            barrier, out = threading.Barrier(8), [None] * 8
            def work(i):
                barrier.wait()
                out[i] = int(grid.contains(x, y).sum())
            threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            assert len(set(out)) == 1, out
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
