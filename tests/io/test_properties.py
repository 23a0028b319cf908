"""Hypothesis properties of ingestion: garbage never crashes it, accounting always balances,
and the accepted positions do not depend on the order of the input rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vessels import schema as S
from vessels.io import read_ais

DATA = Path(__file__).resolve().parents[1] / "data"
LINES = (DATA / "mc_2015.csv").read_text().splitlines()
HEADER, BODY = LINES[0], LINES[1:]

garbage = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
        max_size=80,
    ),
    st.lists(st.sampled_from(['"', ",", "IMO", "nan", "-", "1e309", "91", " "]), max_size=30).map(
        "".join
    ),
    st.sampled_from(BODY).map(lambda s: s[: len(s) // 2]),
)


def _ingest(lines: list[str]) -> tuple[pl.DataFrame, dict]:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "ais.csv"
        path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        ing = read_ais(path)
        return ing.positions.collect(), ing.summary()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(BODY), garbage), min_size=1, max_size=40))
def test_garbage_never_crashes_and_accounting_balances(lines: list[str]) -> None:
    positions, s = _ingest(lines)
    assert s["input_rows"] == len(lines)
    assert s["balanced"]
    assert s["input_rows"] == (
        s["accepted_rows"] + s["quarantined_rows"] + s["duplicate_rows"] + s[S.IDENTITY_ROWS]
    )
    assert positions.height == s["accepted_rows"]
    assert positions.schema == pl.Schema({**S.POSITION_SCHEMA, S.TS_SOURCE: S.TS_SOURCE_DTYPE})
    assert positions[S.LAT].abs().max() is None or positions[S.LAT].abs().max() <= 90  # type: ignore[operator]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(BODY + BODY[:5]))
def test_shuffled_input_gives_identical_positions(lines: list[str]) -> None:
    base, s0 = _ingest(BODY + BODY[:5])
    shuffled, s1 = _ingest(list(lines))
    content = [c for c in S.POSITION_SCHEMA if c not in (S.SOURCE_ROW, S.SOURCE_FILE)]
    assert shuffled.select(content).equals(base.select(content))
    assert {k: v for k, v in s1.items() if k != "per_file"} == {
        k: v for k, v in s0.items() if k != "per_file"
    }


NMEA_LINES = (DATA / "sample.nmea").read_text().splitlines()
nmea_garbage = st.one_of(
    garbage,
    st.sampled_from(NMEA_LINES).map(lambda s: s[: max(1, len(s) - 7)]),
    st.tuples(
        st.sampled_from(NMEA_LINES),
        st.integers(0, 60),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    ).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]),
    st.lists(
        st.sampled_from(["!AIVDM", ",", "1", "2", "*", "\\", "c:", "A", "5"]), max_size=20
    ).map("".join),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(NMEA_LINES), nmea_garbage), min_size=1, max_size=30))
def test_nmea_garbage_never_crashes_and_accounting_balances(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.nmea"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ing = read_ais(path, format="nmea")
        s = ing.summary()
        positions = ing.positions.collect()
    assert s["balanced"]
    assert positions.height == s["accepted_rows"]
    # a message is one row: never more rows than lines
    assert s["input_rows"] <= len(lines)
