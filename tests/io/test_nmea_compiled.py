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
    assert_frame_equal(new, old, check_exact=True)  # times to the bit, not within 1e-5
    return new


def test_stage_nmea_uses_the_compiled_pass() -> None:
    assert _compiled() is stage_nmea_compiled


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name + "/" + p.name)
def test_fixtures_equal_the_vectorised_reader(path: Path) -> None:
    out = _both(path)
    assert out.height > 0
    # and the pyais oracle, through the public entry point
    assert_frame_equal(
        stage_nmea(path, path.name).collect(),
        stage_nmea_per_line(path, path.name).collect(),
        check_exact=True,
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
        assert_frame_equal(out, stage_nmea_per_line(path, path.name).collect(), check_exact=True)
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
            check_exact=True,
        )


@st.composite
def _walks(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, float | None]:
    """Messages and anchors of a receiver log in a random line order: true times walked in steps
    of 0-45 s (some gaps of minutes), each message's UTC second (or none / 60-63), some messages
    timed, anchors now and then (some a wrong clock: hours off, running backwards)."""
    n = draw(st.integers(0, 60))
    t0 = T0 + draw(st.integers(0, 59))
    steps = draw(
        st.lists(
            st.sampled_from([0, 0, 1, 2, 5, 9, 20, 25, 29, 29, 31, 45, 400]),
            min_size=n + 8,
            max_size=n + 8,
        )
    )
    true = t0 + np.cumsum(steps)
    kinds = draw(st.lists(st.sampled_from("uuuuuuatcie"), min_size=n + 8, max_size=n + 8))
    msgs: dict[str, list] = {k: [] for k in ("_line", "_ts_s", "_sec", "ts_source", "_error")}
    anchors: dict[str, list] = {"_line": [], "_ts_s": []}
    for i, (kind, t) in enumerate(zip(kinds, true.tolist(), strict=True)):
        if kind == "a":  # a base-station report (now and then a wrong clock)
            off = draw(st.sampled_from([0, 0, 0, 0, 2, -2, -5, -6, -60, 7200, 200_000]))
            anchors["_line"].append(i)
            anchors["_ts_s"].append(float(t + off))
            continue
        msgs["_line"].append(i)
        timed = kind == "t"
        msgs["_ts_s"].append(float(t) + draw(st.sampled_from([0.0, 0.5, -90.0])) if timed else None)
        msgs["_sec"].append(draw(st.sampled_from([t % 60, t % 60, t % 60, None, 60, 63])))
        msgs["ts_source"].append("tag_block" if timed else "base_station")
        msgs["_error"].append({"i": "identity_rows", "e": "bad_checksum"}.get(kind))
    m = pl.DataFrame(
        msgs,
        schema={
            "_line": pl.Int64,
            "_ts_s": pl.Float64,
            "_sec": pl.Int64,
            "ts_source": pl.String,
            "_error": pl.String,
        },
    )
    a = pl.DataFrame(anchors, schema={"_line": pl.Int64, "_ts_s": pl.Float64})
    if draw(st.booleans()):  # identity rows after positions, as the readers stage them
        m = m.sample(fraction=1.0, shuffle=True, seed=draw(st.integers(0, 9)))
    start = draw(st.sampled_from([None, float(T0), T0 + 17.0]))
    return m, a, start


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_walks(), no_anchors=st.booleans())
def test_compiled_time_walk_equals_reconstruct_times(
    case: tuple[pl.DataFrame, pl.DataFrame, float | None], no_anchors: bool
) -> None:
    """The compiled walk gives the polars walk's times, rules and time sources, row for row:
    placed between anchors, before the first / after the last, not placeable, the start-time
    walk with no anchor at all, and no timestamp."""
    from vessels.io._nmea import reconstruct_times
    from vessels.io._nmea_jit import reconstruct_times_compiled

    msgs, anchors, start = case
    if no_anchors:  # the start-time walk (or no_timestamp): no anchor, no timed message
        anchors = anchors.clear()
        msgs = msgs.with_columns(pl.lit(None, pl.Float64).alias("_ts_s"))
    want = reconstruct_times(msgs, anchors, start)
    got = reconstruct_times_compiled(msgs, anchors, start)
    assert_frame_equal(got, want, check_exact=True)  # times to the bit, not within 1e-5


def test_compiled_time_walk_hands_shared_lines_to_polars() -> None:
    """Two messages on one message index: the polars walk decides (same result by definition)."""
    from vessels.io._nmea import reconstruct_times
    from vessels.io._nmea_jit import WALK_POLARS, _walk_times, reconstruct_times_compiled

    msgs = pl.DataFrame(
        {"_line": [1, 1, 2], "_ts_s": [None, None, None], "_sec": [3, 4, 5],
         "ts_source": ["base_station"] * 3, "_error": [None, None, None]},
        schema_overrides={"_ts_s": pl.Float64, "_error": pl.String},
    )  # fmt: skip
    anchors = pl.DataFrame({"_line": [0], "_ts_s": [float(T0)]})
    one = np.ones(3, dtype=np.bool_)
    status = _walk_times(
        np.arange(3), msgs["_line"].to_numpy(), np.zeros(3), ~one, msgs["_sec"].to_numpy(), one,
        one, np.array([0]), np.array([float(T0)]), float(T0), False, 0.0, 0, np.zeros(3),
        np.zeros(3, dtype=np.int8),
    )  # fmt: skip
    assert status == WALK_POLARS
    assert_frame_equal(
        reconstruct_times_compiled(msgs, anchors),
        reconstruct_times(msgs, anchors),
        check_exact=True,
    )


def _walk_case(secs: dict[int, int | None], anchors: dict[int, float]) -> pl.DataFrame:
    """Messages at the given lines with these UTC seconds; anchors at theirs; both walks."""
    from vessels.io._nmea import reconstruct_times
    from vessels.io._nmea_jit import reconstruct_times_compiled

    msgs = pl.DataFrame(
        {
            "_line": list(secs),
            "_ts_s": [None] * len(secs),
            "_sec": list(secs.values()),
            "ts_source": ["base_station"] * len(secs),
            "_error": [None] * len(secs),
        },
        schema_overrides={"_ts_s": pl.Float64, "_sec": pl.Int64, "_error": pl.String},
    )
    anc = pl.DataFrame({"_line": list(anchors), "_ts_s": list(anchors.values())})
    want = reconstruct_times(msgs, anc)
    assert_frame_equal(reconstruct_times_compiled(msgs, anc), want, check_exact=True)
    return want


T = float(T0 - T0 % 60)  # a whole minute
RUN = {k + 1: (29 * k) % 60 for k in range(12)}  # 29 s steps: 0, 29, 58, 27, ... (319 s)


@pytest.mark.parametrize(
    ("inside", "outside"),
    [
        # an anchor running backwards by 5 s is kept, by 5.5 s ignored (line 3 has no second:
        # it takes the time before it, that anchor's or line 1's)
        (({1: 2, 3: None}, {0: T + 10, 2: T + 5}), ({1: 2, 3: None}, {0: T + 10, 2: T + 4.5})),
        # a day from the median anchor is kept, a day and a second ignored
        (({4: 2}, {0: T, 1: T, 3: T + 86_400}), ({4: 2}, {0: T, 1: T, 3: T + 86_401})),
        # anchors 600 s apart place what lies between, 601 s do not
        (({1: 2}, {0: T, 2: T + 600}), ({1: 2}, {0: T, 2: T + 601})),
        # the forward and backward walks agree; a 40 s silence puts them 60 s apart: the walk
        # breaks where it steps back the most (line 2 is placed back from the next anchor)
        (({1: 10, 2: 12}, {0: T + 8, 3: T + 16}), ({1: 10, 2: 52}, {0: T + 8, 3: T + 56})),
        # walked 290 s back from the first anchor: placed; 319 s: not
        (({k: v for k, v in RUN.items() if k > 2}, {13: T + 29 * 11 % 60 + 60 * 5}),
         (RUN, {13: T + 29 * 11 % 60 + 60 * 5})),
        # walked 290 s on from the last anchor: placed; 319 s: not
        (({k: v for k, v in RUN.items() if k < 12}, {0: T - 29}), (RUN, {0: T - 29})),
    ],
    ids=["backward-5s", "median-day", "anchor-gap-600s", "walk-break", "before-first",
         "after-last"],
)  # fmt: skip
def test_compiled_time_walk_at_each_threshold(
    inside: tuple[dict[int, int | None], dict[int, float]],
    outside: tuple[dict[int, int | None], dict[int, float]],
) -> None:
    """Both walks agree on either side of every threshold, and the two sides differ.

    (The forward and backward walks differ by a whole number of minutes plus the anchors'
    fractions of a second, so their 2 s agreement threshold has no inside/outside pair.)"""
    a, b = _walk_case(*inside), _walk_case(*outside)
    assert not a.equals(b)


def _reimport_jit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next ``_compiled()`` imports the compiled reader afresh (restored after the test)."""
    import sys

    monkeypatch.delitem(sys.modules, "vessels.io._nmea_jit")
    monkeypatch.delattr("vessels.io._nmea_jit", raising=False)


def test_no_writable_numba_cache_falls_back_to_the_vectorised_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only install without a user cache directory: numba refuses ``cache=True`` at
    import; the reader warns and reads with the vectorised reader, same staged frame."""
    from numba.core import caching

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # nowhere to write
    _reimport_jit(monkeypatch)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.nmea"
        path.write_text("\n".join(p for parts in MESSAGES for p in parts) + "\n")
        with pytest.warns(RuntimeWarning, match="NUMBA_CACHE_DIR"):
            assert _compiled() is None
        with pytest.warns(RuntimeWarning, match="vectorised reader"):
            got = stage_nmea(path, "log.nmea").collect()
        assert_frame_equal(got, stage_nmea_vectorised(path, "log.nmea").collect(), check_exact=True)


def test_an_unusable_numba_cache_dir_is_passed_over(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``NUMBA_CACHE_DIR`` naming a place that cannot be a directory: numba uses the next cache
    location (the package's ``__pycache__``) and the compiled reader still runs."""
    from numba.core import config

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(config, "CACHE_DIR", str(blocker / "cache"))
    _reimport_jit(monkeypatch)
    compiled = _compiled()
    assert compiled is not None and compiled is not stage_nmea_compiled  # imported afresh
    path = tmp_path / "log.nmea"
    path.write_text("\n".join(p for parts in MESSAGES for p in parts) + "\n")
    got = compiled(path, "log.nmea")
    assert got is not None
    assert_frame_equal(
        got.collect(), stage_nmea_vectorised(path, "log.nmea").collect(), check_exact=True
    )
    assert not (blocker / "cache").exists()
