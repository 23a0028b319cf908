"""The compiled NMEA reader's staged frame built in place equals the general assembly (issue 16).

:func:`vessels.io._nmea_rows.staged_frame` merges the compiled pass's identity rows and rejects
into its positions table by source row, walks the untimed messages' times there and converts the
columns in place; :func:`vessels.io._nmea._assemble_frames` (the general way, still used when
the in-place preconditions fail) concatenates three frames and sorts them. Both must give the
same frame bit for bit: rows, order, values, nulls, times, quarantine rules. The other readers
(vectorised, per-line pyais) are compared with ``stage_nmea`` in ``test_nmea_compiled.py`` and
``test_nmea_vectorised.py``.
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
from pyais import encode_dict

from tests.io.test_nmea_time import _base_station, _regroup, _simulated_log
from tests.io.test_nmea_vectorised import FIXTURES, FRAGMENT_SOUP, MESSAGES, T0, _line, _tag, _write
from vessels.io import _nmea_rows
from vessels.io._nmea_jit import stage_nmea_compiled
from vessels.io._nmea_rows import CHECK_GENERAL, CHECK_OK, _check
from vessels.io._nmea_vec import stage_nmea_vectorised
from vessels.io._read import Clock
from vessels.simulation._nmea import nmea_checksum


def _fast_and_general(
    path: Path, clock: Clock | None = None, fast: bool | None = True
) -> pl.DataFrame:
    """The staged frame both ways (exactly equal); ``fast``: whether the in-place way applies
    (``None``: either)."""
    real = _nmea_rows.staged_frame
    used: list[bool] = []

    def spy(**kwargs: object) -> pl.LazyFrame | None:
        out = real(**kwargs)  # type: ignore[arg-type]
        used.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_nmea_rows, "staged_frame", spy)
        got = stage_nmea_compiled(path, path.name, clock, left_share_max=1.0)
        mp.setattr(_nmea_rows, "staged_frame", lambda **kwargs: None)
        general = stage_nmea_compiled(path, path.name, clock, left_share_max=1.0)
    assert got is not None and general is not None
    out = got.collect()
    assert_frame_equal(out, general.collect(), check_exact=True)
    if fast is not None:
        assert used == [fast]
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name + "/" + p.name)
def test_fixtures_in_place_equal_the_general_assembly(path: Path) -> None:
    assert _fast_and_general(path).height > 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_line(), min_size=1, max_size=25),
    interleave=st.booleans(),
    zone=st.sampled_from([None, "Europe/Copenhagen"]),
    start=st.booleans(),
)
def test_generated_logs_in_place_equal_the_general_assembly(
    lines: list[list[bytes]], interleave: bool, zone: str | None, start: bool
) -> None:
    if interleave:
        flat = [[line] for group in lines for line in group]
        lines = flat[::2] + flat[1::2]
    clock = Clock.make("2024-03-31T00:00:00Z" if start else None, zone)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.nmea"
        _write(lines, b"\n", path)
        _fast_and_general(path, clock, fast=None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=FRAGMENT_SOUP, tagged=st.sampled_from(["none", "c", "g"]))
def test_fragment_soup_in_place_equals_the_general_assembly(
    lines: list[list[str]], tagged: str
) -> None:
    """Identity rows and orphans out of line order, pending fragments orphaned at the end."""
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
        _fast_and_general(path, fast=None)


def _spread_fragments(rng: np.random.Generator, sentences: list[str], drop: float) -> list[str]:
    """Second fragments moved 1-5 sentences later (other messages complete in between, so the
    identity rows' lines and source rows disagree with the positions' order); some dropped."""
    out = list(sentences)
    k = 0
    while k < len(out):
        if out[k].startswith("!AIVDM,2,1"):
            second = out.pop(k + 1)
            if rng.random() >= drop:
                out.insert(min(len(out), k + 1 + int(rng.integers(1, 6))), second)
        k += 1
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    anchor_every_s=st.sampled_from([5, 30, 600]),
    max_per_line=st.integers(1, 3),
    drop=st.sampled_from([0.0, 0.3]),
    anchors=st.sampled_from(["base", "none", "start"]),
)
def test_untimed_logs_in_place_equal_the_general_assembly(
    seed: int, anchor_every_s: int, max_per_line: int, drop: float, anchors: str
) -> None:
    """The time walk over the merged table: its line order across identity rows moved before
    positions, anchors every 5 s to every 10 min (unplaceable messages), no anchor at all
    (``no_timestamp``) or a start time (``assumed``)."""
    rng = np.random.default_rng(seed)
    sentences, _ = _simulated_log(rng, 200, anchor_every_s, 0.5)
    if anchors != "base":  # type 4: payloads starting with "4"
        sentences = [s for s in sentences if not s.split(",")[5].startswith("4")]
    sentences = _spread_fragments(rng, sentences, drop)
    clock = Clock.make("2024-03-01T10:00:00Z", None) if anchors == "start" else None
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "untimed.nmea"
        path.write_text(_regroup(rng, sentences, max_per_line, 0.2))
        out = _fast_and_general(path, clock)
    rules = set(out["_error"].drop_nulls())
    assert drop or anchors == "none" or "identity_rows" in rules
    if anchors == "none":
        assert "no_timestamp" in rules
    if anchors == "start":
        assert set(out["ts_source"].drop_nulls()) == {"assumed"}


def test_every_supported_type_in_place() -> None:
    """Types 1/2/3, 4, 5, 18, 19, 21, 24 A/B, 27, 9, 8, 11 (pyais: 11 an anchor, 8 and 9
    rejects): every column of the in-place frame, tagged and untimed."""
    with tempfile.TemporaryDirectory() as d:
        for k, text in enumerate(
            [
                "\n".join(p for parts in MESSAGES for p in parts),
                "\n".join(
                    _tag(f"c:{T0 + i}") + p for i, parts in enumerate(MESSAGES) for p in parts
                ),
            ]
        ):
            path = Path(d) / f"types{k}.nmea"
            path.write_text(text + "\n")
            assert _fast_and_general(path).height == len(MESSAGES)


def _sentences(msg: dict[str, object], seq: int) -> list[str]:
    return [str(s) for s in encode_dict(msg, talker_id="AI", sentence_type="VDM", seq_id=seq)]


def test_positions_out_of_line_order_are_assembled_the_general_way() -> None:
    """A two-sentence position report whose second fragment comes after another position: the
    positions table is not in source-row order, so the in-place merge does not apply; the frame
    is still the vectorised reader's."""
    long = {"type": 1, "mmsi": 219_000_001, "lat": 55.0, "lon": 11.0, "second": 7}
    parts = _sentences(long, 3)
    body = parts[0][1 : parts[0].rindex("*")].split(",")
    payload = body[5]

    def frag(num: int, text: str, fill: int) -> str:
        b = f"AIVDM,2,{num},3,A,{text},{fill}"
        return f"!{b}*{nmea_checksum(b):02X}"

    other = _sentences({"type": 1, "mmsi": 219_000_002, "lat": 56.0, "lon": 12.0}, 0)[0]
    lines = [frag(1, payload[:10], 0), other, frag(2, payload[10:], int(body[6]))]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "split.nmea"
        path.write_text("\n".join([_base_station(T0), *lines]) + "\n")
        out = _fast_and_general(path, fast=False)
        assert_frame_equal(out, stage_nmea_vectorised(path, path.name).collect(), check_exact=True)
    assert out["source_row"].to_list() == [1, 2, 3]
    assert out["mmsi"].to_list()[1:] == [219_000_001, 219_000_002]


def _tables(
    rows: list[int], lines: list[int], ts: list[float], has_ts: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    from vessels.io._nmea_jit import N_PF, N_PI, PF_TS, PI_EVENT, PI_HASTS, PI_ROW

    ints = np.zeros((len(rows), N_PI), dtype=np.int64, order="F")
    floats = np.zeros((len(rows), N_PF), dtype=np.float64, order="F")
    ints[:, PI_ROW], ints[:, PI_EVENT], ints[:, PI_HASTS] = rows, lines, has_ts
    floats[:, PF_TS] = ts
    return ints, floats


@pytest.mark.parametrize(
    ("rows", "lines", "ts", "has_ts", "anchors", "want"),
    [
        ([1, 2, 3], [0, 1, 2], [0.0, 0.0, 0.0], [0, 0, 0], [5], (CHECK_OK, True)),
        ([1, 2, 3], [0, 1, 2], [1e9, 1e9, 1e9], [1, 1, 1], [], (CHECK_OK, False)),
        ([1, 1, 2], [0, 1, 2], [1e9, 1e9, 1e9], [1, 1, 1], [], (CHECK_OK, False)),
        ([2, 1, 3], [0, 1, 2], [1e9, 1e9, 1e9], [1, 1, 1], [], (CHECK_GENERAL, False)),
        ([1, 2, 3], [0, 2, 1], [0.0, 0.0, 0.0], [0, 0, 0], [], (CHECK_GENERAL, True)),
        ([1, 2, 3], [0, 1, 2], [0.0, 0.0, 0.0], [0, 0, 0], [1], (CHECK_GENERAL, True)),
        ([1, 2, 3], [0, 1, 2], [1e9, np.nan, 1e9], [1, 1, 1], [], (CHECK_GENERAL, False)),
        ([1, 2, 3], [0, 1, 2], [1e9, np.inf, 1e9], [1, 1, 1], [], (CHECK_GENERAL, False)),
        ([1, 2, 3], [0, 1, 2], [1e9, 9.5e12, 1e9], [1, 1, 1], [], (CHECK_GENERAL, False)),
        ([1, 2, 3], [0, 1, 2], [1e9, np.nan, 1e9], [1, 0, 1], [], (CHECK_OK, True)),
    ],
    ids=[
        "untimed",
        "timed",
        "two-on-a-row",
        "rows-out-of-order",
        "lines-out-of-order",
        "anchor-on-a-message-line",
        "nan-time",
        "infinite-time",
        "beyond-int64-microseconds",
        "nan-where-no-time",
    ],
)
def test_check_sends_what_in_place_cannot_take_the_general_way(
    rows: list[int],
    lines: list[int],
    ts: list[float],
    has_ts: list[int],
    anchors: list[int],
    want: tuple[int, bool],
) -> None:
    ints, floats = _tables(rows, lines, ts, has_ts)
    none_i, none_f = _tables([], [], [], [])
    got = _check(ints, floats, len(rows), none_i, none_f, 0, np.array(anchors, dtype=np.int64))
    assert got == want


def test_identity_row_sharing_a_line_with_a_position_is_checked() -> None:
    ints, floats = _tables([1, 3], [0, 2], [0.0, 0.0], [0, 0])
    ext_i, ext_f = _tables([2], [2], [0.0], [0])  # the same line as a position: refused
    no_anchor = np.zeros(0, dtype=np.int64)
    assert _check(ints, floats, 2, ext_i, ext_f, 1, no_anchor)[0] == CHECK_GENERAL
    ext_i, ext_f = _tables([2], [1], [0.0], [0])
    assert _check(ints, floats, 2, ext_i, ext_f, 1, no_anchor) == (CHECK_OK, True)
