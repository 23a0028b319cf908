"""The vectorised NMEA encoder decodes, with pyais, to the values it was given."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais import decode

from vessels.simulation._nmea import nmea_checksum, position_sentences, tag_blocks

reports = st.tuples(
    st.integers(200_000_000, 799_999_999),
    st.booleans(),
    st.integers(-90 * 100_000, 90 * 100_000).map(lambda x: x / 100_000),
    st.integers(-180 * 100_000, 180 * 100_000 - 1).map(lambda x: x / 100_000),
    st.one_of(st.none(), st.integers(0, 1022).map(lambda x: x / 10)),
    st.one_of(st.none(), st.integers(0, 3599).map(lambda x: x / 10)),
    st.one_of(st.none(), st.integers(0, 359)),
    st.integers(0, 15),
    st.integers(0, 59),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(reports, min_size=1, max_size=20))
def test_position_reports_round_trip_through_pyais(rows: list[tuple]) -> None:
    cols = list(zip(*rows, strict=True))

    def arr(i: int) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in cols[i]], dtype=np.float64)

    out = position_sentences(
        np.array(cols[0]),
        np.array(cols[1]),
        arr(2),
        arr(3),
        arr(4),
        arr(5),
        arr(6),
        np.array(cols[7]),
        np.array(cols[8]),
        np.array(cols[9]),
    ).to_list()
    for r, sentence in zip(rows, out, strict=True):
        m = decode(sentence).asdict()  # pyais also verifies the checksum
        assert m["msg_type"] == (1 if r[1] else 18)
        assert m["mmsi"] == r[0]
        assert abs(m["lat"] - r[2]) < 2e-6 and abs(m["lon"] - r[3]) < 2e-6
        assert m["speed"] == (102.3 if r[4] is None else r[4])
        assert m["course"] == (360.0 if r[5] is None else r[5])
        assert m["heading"] == (511 if r[6] is None else r[6])
        assert m["second"] == r[8]
        if r[1]:
            assert int(m["status"]) == r[7]
        assert sentence.split(",")[4] == ("B" if r[9] else "A")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4_000_000_000), min_size=1, max_size=20))
def test_tag_block_checksums(epochs: list[int]) -> None:
    idx = np.arange(len(epochs)) % 2
    tags = tag_blocks(("rx-coast", "rx-sat"), idx, np.array(epochs)).to_list()
    for tag, e, i in zip(tags, epochs, idx, strict=True):
        body, cks = tag[1:-1].split("*")
        assert body == f"s:{('rx-coast', 'rx-sat')[i]},c:{e}"
        assert int(cks, 16) == nmea_checksum(body)
