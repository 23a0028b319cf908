"""The compiled NMEA pass gives the vectorised reader's staged frame, row for row (issue 16).

``stage_nmea`` runs :func:`vessels.io._nmea_jit.stage_nmea_compiled` (numba) when numba is
installed and falls back to :func:`vessels.io._nmea_vec.stage_nmea_vectorised` otherwise (or for
a file the compiled pass hands back). Both must give the same rows, columns, quarantine reasons,
decoded fields and times on every fixture and on generated mixes of good and broken sentences,
orphan fragments, tag blocks, line-prefix and trailing times and every supported message type.
pyais stays the oracle of both: ``test_nmea_vectorised.py`` compares ``stage_nmea`` (now the
compiled pass) with the per-line pyais reader on the same mixes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.io.test_nmea_vectorised import (
    FIXTURES,
    FRAGMENT_SOUP,
    MESSAGES,
    T0,
    _line,
    _tag,
    _write,
)
from vessels.io import _nmea_jit
from vessels.io._nmea import _compiled, stage_nmea, stage_nmea_per_line
from vessels.io._nmea_jit import stage_nmea_compiled
from vessels.io._nmea_vec import stage_nmea_vectorised
from vessels.io._read import Clock


def _both(path: Path, clock: Clock | None = None) -> pl.DataFrame:
    compiled = stage_nmea_compiled(path, path.name, clock, left_share_max=1.0)
    assert compiled is not None, "the compiled pass handed the file back"
    new = compiled.collect()
    old = stage_nmea_vectorised(path, path.name, clock).collect()
    assert_frame_equal(new, old)
    return new


def test_stage_nmea_uses_the_compiled_pass() -> None:
    assert _compiled() is stage_nmea_compiled


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name + "/" + p.name)
def test_fixtures_equal_the_vectorised_reader(path: Path) -> None:
    out = _both(path)
    assert out.height > 0
    # and the pyais oracle, through the public entry point
    assert_frame_equal(
        stage_nmea(path, path.name).collect(), stage_nmea_per_line(path, path.name).collect()
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_line(), min_size=1, max_size=25),
    ending=st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]),
    interleave=st.booleans(),
    zone=st.sampled_from([None, None, "Europe/Copenhagen"]),
)
def test_generated_logs_equal_the_vectorised_reader(
    lines: list[list[bytes]], ending: bytes, interleave: bool, zone: str | None
) -> None:
    if interleave:
        flat = [[line] for group in lines for line in group]
        lines = flat[::2] + flat[1::2]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.nmea"
        _write(lines, ending, path)
        _both(path, Clock.make(None, zone) if zone else None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=FRAGMENT_SOUP,
    tagged=st.sampled_from(["none", "c", "g"]),
)
def test_fragment_soup_equals_the_vectorised_reader(lines: list[list[str]], tagged: str) -> None:
    """Orphans, repeats, colliding keys and groups, 1-3 sentences a line, pending at the end."""
    text = []
    for i, group in enumerate(lines):
        if tagged == "c":
            group = [_tag(f"c:{T0 + i}") + s if "\\" not in s else s for s in group]
        elif tagged == "g":
            group = [_tag(f"g:{k + 1}-2-{i % 4},c:{T0 + i}") + s for k, s in enumerate(group)]
        text.append("".join(group))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "soup.nmea"
        path.write_text("\n".join(text) + "\n")
        _both(path)


def test_every_supported_type_in_every_line_shape() -> None:
    """Types 1/2/3, 4, 5, 18, 19, 21, 24 A/B, 27, 9, 8, 11: bare, tagged, prefixed, trailing,
    several on a line; the compiled pass takes every line (none left to Python)."""
    shapes = []
    for k, parts in enumerate(MESSAGES):
        t = T0 + 10 * k
        bare = "\n".join(parts)
        tagged = "\n".join(_tag(f"s:r{k},c:{t}") + p for p in parts)
        prefixed = "\n".join(f"{t}: {p}" for p in parts)
        trailing = "\n".join(f"{p},{t}123" for p in parts)
        shapes += [bare, tagged, prefixed, trailing, "".join(parts) + "".join(MESSAGES[0])]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "types.nmea"
        path.write_text("\n".join(shapes) + "\n")
        buf = np.fromfile(path, dtype=np.uint8)
        n_lines, n_bang, _ = _nmea_jit._count(buf)
        items = np.empty((n_lines + n_bang + 1, _nmea_jit.N_ICOLS), dtype=np.int64)
        left = np.empty((n_lines + 1, 3), dtype=np.int64)
        _, n_left, rows = _nmea_jit._frame(buf, items, np.empty(len(items)), left)
        assert (n_left, rows) == (0, n_lines)
        out = _both(path)
        assert_frame_equal(out, stage_nmea_per_line(path, path.name).collect())
    kinds = out.group_by("_error").len()
    assert kinds.height >= 4  # positions, identity rows and several reject rules


def test_many_left_lines_go_to_the_vectorised_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nmea_jit, "LEFT_LINES_FREE", 0)
    pos = MESSAGES[0][0]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "iso.nmea"
        path.write_text("".join(f"2024-03-31 00:{m:02d}:00 {pos}\n" for m in range(50)))
        assert stage_nmea_compiled(path, "iso.nmea") is None
        assert stage_nmea_compiled(path, "iso.nmea", left_share_max=1.0) is not None
        assert_frame_equal(
            stage_nmea(path, "iso.nmea").collect(),
            stage_nmea_vectorised(path, "iso.nmea").collect(),
        )
