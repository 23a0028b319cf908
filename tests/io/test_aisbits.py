"""The vectorised AIS payload decoder against its oracle, pyais: same fields, same values.

Random messages are encoded with pyais's own encoder (every supported type, every field drawn
over its whole bit range), random raw payloads of any length exercise truncation and unknown
types, and every message of the project's NMEA logs (simulated, and one real receiver log) is
compared field by field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyais
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict
from pyais.messages import (
    MessageType1,
    MessageType2,
    MessageType3,
    MessageType4,
    MessageType5,
    MessageType18,
    MessageType19,
    MessageType21,
    MessageType24PartA,
    MessageType24PartB,
    MessageType24PartBAuxiliaryCraft,
    MessageType27,
)

from vessels.io._aisbits import (
    DECODED,
    OUTPUT_SCHEMA,
    PAYLOAD_BITS,
    SUPPORTED_TYPES,
    decode_payloads,
)

ROOT = Path(__file__).resolve().parents[2]
NMEA_LOGS = [
    ROOT / "tests" / "data" / "sample.nmea",
    ROOT / "ais_samples" / "gulf-of-california-nmea" / "ais.nmea",
    # a real receiver log (pyais's tests/nmea_data_sample.txt, MIT; see tests/data/README.md)
    ROOT / "tests" / "data" / "real" / "pyais_coastal_untimed.nmea",
]
SIXBIT_TEXT = "".join(chr(c) for c in range(64, 96)) + "".join(chr(c) for c in range(32, 64))
# Payload armour characters, plus 'X'..'_' which AIS does not use but pyais still maps.
ARMOUR = "".join(chr(c) for c in range(48, 120))
CLASSES = [
    MessageType1,
    MessageType2,
    MessageType3,
    MessageType4,
    MessageType5,
    MessageType18,
    MessageType19,
    MessageType21,
    MessageType24PartA,
    MessageType24PartB,
    MessageType24PartBAuxiliaryCraft,
    MessageType27,
]
AUX_MMSI = st.integers(980_000_000, 989_999_999)
NOT_AUX_MMSI = st.one_of(st.integers(0, 979_999_999), st.integers(990_000_000, (1 << 30) - 1))


def _field_value(field: Any) -> st.SearchStrategy[Any]:
    """Any value of one pyais bit field, over its whole bit range, in pyais's decoded units."""
    md = field.metadata
    width, d_type, signed = md["width"], md["d_type"], md["signed"]
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if d_type is bool:
        return st.booleans()
    if d_type is str:
        return st.text(alphabet=SIXBIT_TEXT, max_size=width // 6)
    raw = st.integers(lo, hi)
    if d_type is float:
        to_value = md["to_converter"] or float
        return raw.map(to_value)
    return raw


def _message(cls: Any) -> st.SearchStrategy[dict[str, Any]]:
    fields = {
        f.name: _field_value(f)
        for f in cls.fields()
        if f.metadata["d_type"] is not bytes and f.name != "msg_type"
    }
    msg_type = cls.fields()[0].metadata["default"]
    if cls is MessageType24PartA:
        fields["partno"] = st.just(0)
    elif cls is MessageType24PartB:
        fields["partno"], fields["mmsi"] = st.just(1), NOT_AUX_MMSI
    elif cls is MessageType24PartBAuxiliaryCraft:
        fields["partno"], fields["mmsi"] = st.just(1), AUX_MMSI
    return st.fixed_dictionaries(fields).map(lambda d: {"type": msg_type, **d})


def _split(sentences: list[str]) -> tuple[str, int]:
    """(joined payload, fill bits of the last sentence) of one message's sentences."""
    payload = "".join(s.split(",")[5] for s in sentences)
    return payload, int(sentences[-1].split(",")[6].split("*")[0])


def _assert_same(sentence_groups: list[list[str]]) -> pl.DataFrame:
    """Decode each message with pyais and with decode_payloads, and compare every field."""
    payloads, fills = zip(*(_split(g) for g in sentence_groups), strict=True)
    out = decode_payloads(pl.Series(payloads, dtype=pl.String), pl.Series(fills))
    assert out.height == len(sentence_groups)
    assert out.schema == pl.Schema(OUTPUT_SCHEMA)
    for group, row in zip(sentence_groups, out.iter_rows(named=True), strict=True):
        if not _split(group)[0]:  # empty payload (real logs have them): pyais raises, no type
            assert row[DECODED] is False and row["msg_type"] is None, group
            continue
        if pyais.NMEAMessage(group[0].encode()).ais_id not in SUPPORTED_TYPES:
            assert row[DECODED] is False, group
            assert row["msg_type"] == pyais.NMEAMessage(group[0].encode()).ais_id
            continue
        try:
            expected = pyais.decode(*group).asdict(enum_as_int=True)
        except pyais.exceptions.AISBaseException:
            assert row[DECODED] is False, group
            continue
        assert row[DECODED] is True, group
        for name, value in expected.items():
            got = row[name]
            # pyais gives the rate-of-turn codes as a float enum; values must still be equal
            assert got == value and (type(got) is type(value) or isinstance(value, float)), (
                group,
                name,
                value,
                got,
            )
        extra = {k: v for k, v in row.items() if k not in expected and v is not None}
        assert set(extra) == {PAYLOAD_BITS, DECODED}, (group, extra)
        payload, fill = _split(group)
        assert row[PAYLOAD_BITS] == 6 * len(payload) - fill
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(*(_message(c) for c in CLASSES)), min_size=1, max_size=25))
def test_encoded_messages_decode_like_pyais(messages: list[dict[str, Any]]) -> None:
    groups = [encode_dict(m, seq_id=i % 10) for i, m in enumerate(messages)]
    out = _assert_same(groups)
    assert out[DECODED].all()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_type_alone_decodes_like_pyais(cls: Any, data: st.DataObject) -> None:
    message = data.draw(_message(cls))
    _assert_same([encode_dict(message)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from("123456789:;<=>?@ABCDEFGHIJKLMKNO`"),
            st.text(alphabet=ARMOUR, max_size=80),
            st.integers(0, 5),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_raw_payloads_of_any_length_decode_like_pyais(items: list[tuple[str, str, int]]) -> None:
    """Short, long and odd payloads: truncated fields, unknown types, type 24 parts 2 and 3."""
    groups = [[f"!AIVDM,1,1,,A,{first}{rest},{fill}*00"] for first, rest, fill in items]
    _assert_same(groups)


def _messages_of(path: Path) -> list[list[str]]:
    """Sentence groups of a log, fragments joined as the reader joins them."""
    groups: list[list[str]] = []
    pending: dict[tuple[str, str], list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        start = line.find("!")
        if start < 0:
            continue
        sentence = line[start:]
        f = sentence.split(",")
        if len(f) < 7 or not f[1].isdigit() or not f[2].isdigit():
            continue
        count, number, key = int(f[1]), int(f[2]), (f[3], f[4])
        if count == 1:
            groups.append([sentence])
            continue
        if number == 1:
            pending[key] = [sentence]
        elif key in pending and len(pending[key]) == number - 1:
            pending[key].append(sentence)
        else:
            pending.pop(key, None)
        if len(pending.get(key, ())) == count:
            groups.append(pending.pop(key))
    return groups


@pytest.mark.parametrize("path", NMEA_LOGS, ids=lambda p: p.name)
def test_every_message_of_the_nmea_logs_decodes_like_pyais(path: Path) -> None:
    groups = _messages_of(path)
    assert len(groups) >= 10
    out = _assert_same(groups)
    # most rows are decoded here, not left to pyais (real logs: empty payloads, types 15, 20)
    assert out[DECODED].mean() > 0.8  # type: ignore[operator]


def test_unsupported_and_unusable_rows_are_flagged_not_guessed() -> None:
    out = decode_payloads(
        pl.Series(["8000", "", None, "15M67FC000G?ufbE`FepT@3n00Sa", "H000008" + "0" * 21]),
        pl.Series([0, 0, 0, 6, 0]),
    )
    assert out[DECODED].to_list() == [False, False, False, False, False]
    assert out["msg_type"].to_list() == [8, None, None, 1, 24]  # part 2 of type 24: pyais raises
    assert out["mmsi"].null_count() == 5
    assert out[PAYLOAD_BITS].to_list() == [24, 0, None, 162, 168]


def test_output_keeps_input_order_across_layouts() -> None:
    one = "15M67FC000G?ufbE`FepT@3n00Sa"
    eighteen = "B>qc:003wk?8mP=18D3Q3wgTiT;T"
    out = decode_payloads(pl.Series([eighteen, one, eighteen, one]), pl.Series([0, 0, 0, 0]))
    assert out["msg_type"].to_list() == [18, 1, 18, 1]
    assert out["mmsi"].to_list() == [
        int(pyais.decode(f"!AIVDO,1,1,,,{p},0*00").mmsi) for p in (eighteen, one, eighteen, one)
    ]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=ARMOUR, max_size=80), min_size=1, max_size=20))
def test_binary_payloads_decode_as_their_text(payloads: list[str]) -> None:
    fills = pl.Series([len(p) % 6 for p in payloads])
    as_text = decode_payloads(pl.Series(payloads, dtype=pl.String), fills)
    as_bytes = decode_payloads(pl.Series([p.encode() for p in payloads], dtype=pl.Binary), fills)
    assert as_bytes.equals(as_text)


def test_empty_input_gives_the_full_schema() -> None:
    out = decode_payloads(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.Int64))
    assert out.height == 0
    assert out.schema == pl.Schema(OUTPUT_SCHEMA)


def test_bad_arguments_are_refused_with_a_message() -> None:
    with pytest.raises(TypeError, match="payload must be a String or Binary"):
        decode_payloads(pl.Series([1]), pl.Series([0]))
    with pytest.raises(TypeError, match="fill_bits must be an integer"):
        decode_payloads(pl.Series(["1"]), pl.Series(["0"]))
    with pytest.raises(ValueError, match="differ in length"):
        decode_payloads(pl.Series(["1", "2"]), pl.Series([0]))


def test_asked_columns_are_the_full_decodes() -> None:
    # a reader asking for a few columns gets exactly those of the full decode
    lines = (ROOT / "tests" / "data" / "real" / "pyais_coastal_untimed.nmea").read_text()
    single = [s.split(",") for s in lines.splitlines() if s.startswith("!") and ",1,1," in s]
    payloads = pl.Series([f[5] for f in single], dtype=pl.String)
    fills = pl.Series([int(f[6].split("*")[0]) for f in single])
    full = decode_payloads(payloads, fills)
    asked = ["shipname", "lat", "mmsi", "full_name"]
    some = decode_payloads(payloads, fills, asked)
    assert some.columns == [c for c in full.columns if c in {*asked, "msg_type"}] + [
        "payload_bits",
        "decoded",
    ]
    assert some.equals(full.select(some.columns))
    assert full["lat"].drop_nulls().len() > 100 and full["msg_type"].n_unique() >= 3
    with pytest.raises(KeyError, match="latitude"):
        decode_payloads(payloads, fills, ["latitude"])
