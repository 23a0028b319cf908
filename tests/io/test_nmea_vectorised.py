"""The vectorised NMEA reader gives the per-line reader's staged frame, row for row (issue 16).

``stage_nmea`` frames the whole file with polars expressions and decodes payloads with
``decode_payloads``; ``stage_nmea_per_line`` is the line-by-line reader with pyais it replaced.
Both must give the same rows, columns, quarantine reasons and times on every fixture and on
generated logs mixing good sentences with broken fragments, interleaved messages, bad
checksums, damaged tag blocks, odd line endings and invalid UTF-8.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from pyais import encode_dict

from vessels.io._nmea import stage_nmea, stage_nmea_per_line
from vessels.io._read import Clock
from vessels.simulation._nmea import nmea_checksum

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [
    ROOT / "tests" / "data" / "sample.nmea",
    ROOT / "tests" / "data" / "real" / "pyais_coastal_untimed.nmea",
    ROOT / "ais_samples" / "gulf-of-california-nmea" / "ais.nmea",
]
T0 = int(datetime(2024, 3, 31, 0, 30, tzinfo=UTC).timestamp())


def _same(path: Path, clock: Clock | None = None) -> pl.DataFrame:
    old = stage_nmea_per_line(path, path.name, clock).collect()
    new = stage_nmea(path, path.name, clock).collect()
    assert_frame_equal(new, old, check_exact=True)  # times to the bit, not within 1e-5
    return new


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name + "/" + p.name)
def test_fixtures_equal_the_per_line_reader(path: Path) -> None:
    out = _same(path)
    assert out.height > 0


def _enc(msg: dict[str, object], seq: int | None = None, channel: str = "A") -> list[str]:
    return [
        str(s)
        for s in encode_dict(
            msg, talker_id="AI", sentence_type="VDM", seq_id=seq or 0, radio_channel=channel
        )
    ]


def _messages() -> list[list[str]]:
    """Sentences of one message each, every supported type and a few others."""
    rng = np.random.default_rng(3)
    out: list[list[str]] = []
    for k in range(40):
        mmsi = int(rng.integers(200_000_000, 780_000_000))
        lat, lon = float(rng.uniform(-80, 80)), float(rng.uniform(-170, 170))
        speed, course = round(float(rng.uniform(0, 30)), 1), round(float(rng.uniform(0, 359)), 1)
        t = k % 13
        if t in (0, 1, 2):
            msg = {"type": t + 1, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": speed}
            msg |= {"course": course, "heading": k * 7 % 360, "second": k % 60, "status": k % 9}
        elif t == 3:
            d = datetime.fromtimestamp(T0 + 60 * k, UTC)
            msg = {"type": 4, "mmsi": 2190047, "year": d.year, "month": d.month, "day": d.day}
            msg |= {"hour": d.hour, "minute": d.minute, "second": d.second, "lat": lat}
        elif t == 4:
            msg = {"type": 5, "mmsi": mmsi, "shipname": f"@SHIP {k}@@", "callsign": "OX12"}
            msg |= {"imo": 9320063, "ship_type": 70 + k % 10, "to_bow": 50, "to_stern": 20}
            msg |= {"to_port": 5, "to_starboard": 6, "draught": 7.5, "destination": "AARHUS"}
        elif t == 5:
            msg = {"type": 18, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": speed}
            msg |= {"course": course, "heading": 511, "second": 60}
        elif t == 6:
            msg = {"type": 19, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": speed}
            msg |= {"shipname": "CLASS B", "ship_type": 37, "to_bow": 5, "to_stern": 3}
        elif t == 7:
            msg = {"type": 24, "mmsi": mmsi, "partno": 0, "shipname": "PART A"}
        elif t == 8:
            msg = {"type": 24, "mmsi": mmsi, "partno": 1, "callsign": "CS", "ship_type": 30}
        elif t == 9:
            msg = {"type": 27, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": 12}
        elif t == 10:
            msg = {"type": 21, "mmsi": 993_000_000 + k, "name": "BUOY", "lat": lat, "lon": lon}
        elif t == 11:
            msg = {"type": 9, "mmsi": 111_000_000 + k, "lat": lat, "lon": lon, "alt": 100}
        else:
            msg = {"type": 8, "mmsi": mmsi, "data": b"\x01\x02\x03" * 4}
        out.append(_enc(msg, seq=k % 10 or None, channel="AB"[k % 2]))
    d = datetime.fromtimestamp(T0 + 7, UTC)
    out.append(
        _enc(
            {"type": 11, "mmsi": 2190048, "year": d.year, "month": d.month, "day": d.day}
            | {"hour": d.hour, "minute": d.minute, "second": d.second}
        )
    )
    return out


MESSAGES = _messages()
REAL = [line for f in FIXTURES[:2] for line in f.read_text().splitlines() if line.strip()]


def _fix(body: str) -> str:
    return f"!{body}*{nmea_checksum(body):02X}"


def _tag(content: str, checksum: str = "good") -> str:
    if checksum == "none":
        return f"\\{content}\\"
    cs = nmea_checksum(content) ^ (0x11 if checksum == "bad" else 0)
    return f"\\{content}*{cs:02X}\\"


@st.composite
def _line(draw: st.DrawFn) -> list[bytes]:
    """One or more lines of a log (a message's fragments may be spread over lines)."""
    kind = draw(st.sampled_from(["msg", "msg", "msg", "real", "junk", "bytes", "empty"]))
    if kind == "real":
        return [draw(st.sampled_from(REAL)).encode()]
    if kind == "empty":
        return [draw(st.sampled_from(["", "   ", "\t", "\x1c"])).encode()]
    if kind == "junk":
        text = draw(
            st.lists(
                st.sampled_from(["!AIVDM", ",", "1", "2", "*", "\\", "c:", "g:", "A", "5", "é"]),
                max_size=12,
            )
        )
        return ["".join(text).encode()]
    if kind == "bytes":
        good = draw(st.sampled_from(REAL)).encode()
        at = draw(st.integers(0, len(good)))
        return [good[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80\x80"])) + good[at:]]
    parts = list(draw(st.sampled_from(MESSAGES)))
    fate = draw(st.sampled_from(["ok", "ok", "drop", "swap", "dup", "badcs", "cut", "seq"]))
    if len(parts) > 1 and fate == "drop":
        parts.pop(draw(st.integers(0, len(parts) - 1)))
    elif len(parts) > 1 and fate == "swap":
        parts = parts[::-1]
    elif fate == "dup":
        parts.insert(0, parts[0])
    elif fate == "badcs":
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = parts[i][:-2] + ("00" if not parts[i].endswith("00") else "01")
    elif fate == "cut":
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = parts[i][: draw(st.integers(1, len(parts[i])))]
    elif fate == "seq" and len(parts) > 1:
        body = parts[-1][1 : parts[-1].rindex("*")].split(",")
        body[3] = draw(st.sampled_from(["", "9", "12", "x"]))
        body[0] = draw(st.sampled_from(["AIVDM", "ABVDM", "BSVDO"]))
        parts[-1] = _fix(",".join(body))
    group = draw(st.integers(1, 30))
    stamp = T0 + draw(st.integers(0, 3600))
    out: list[str] = []
    for k, p in enumerate(parts):
        tag = draw(st.sampled_from(["none", "c", "cg", "ms", "bad", "nocs", "empty"]))
        if tag == "c":
            p = _tag(f"s:rx1,c:{stamp}") + p
        elif tag == "cg":
            p = _tag(f"g:{k + 1}-{len(parts)}-{group},s:rx1,c:{stamp}") + p
        elif tag == "ms":
            p = _tag(f"c:{stamp}123") + p
        elif tag == "bad":
            p = _tag(f"c:{stamp}", "bad") + p
        elif tag == "nocs":
            p = _tag(f"c:{stamp},g:{k + 1}-{len(parts)}-{group}", "none") + p
        elif tag == "empty":
            p = "\\\\" + p
        out.append(p)
    glue = draw(st.sampled_from(["lines", "lines", "one", "one_spaced"]))
    if glue == "one":
        out = ["".join(out)]
    elif glue == "one_spaced":
        out = [" ".join(out)]
    when = draw(st.sampled_from(["", "", "iso", "isoz", "epoch", "trail", "trail_ms", "junk"]))
    d = datetime.fromtimestamp(stamp, UTC)
    if when == "iso":
        out[0] = f"{d:%Y-%m-%d %H:%M:%S}.5 " + out[0]
    elif when == "isoz":
        out[0] = f"[{d:%Y-%m-%dT%H:%M:%S}Z] " + out[0]
    elif when == "epoch":
        out[0] = f"{stamp}: " + out[0]
    elif when == "trail":
        out[-1] = out[-1] + f",{stamp}"
    elif when == "trail_ms":
        out[-1] = out[-1] + f" {stamp}250"
    elif when == "junk":
        out[-1] = out[-1] + draw(st.sampled_from([" x", ",1.5", "*", "!", ",2024-13-01"]))
    return [s.encode() for s in out]


def _write(lines: list[list[bytes]], ending: bytes, path: Path) -> None:
    flat = [line for group in lines for line in group]
    path.write_bytes(ending.join(flat) + (ending if flat and flat[0] else b""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_line(), min_size=1, max_size=25),
    ending=st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]),
    interleave=st.booleans(),
    zone=st.sampled_from([None, None, "Europe/Copenhagen", "America/Mexico_City"]),
)
def test_generated_logs_equal_the_per_line_reader(
    lines: list[list[bytes]], ending: bytes, interleave: bool, zone: str | None
) -> None:
    if interleave:  # fragments of different messages interleaved line by line
        flat = [[line] for group in lines for line in group]
        lines = flat[::2] + flat[1::2]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "log.nmea"
        _write(lines, ending, path)
        clock = Clock.make(None, zone) if zone else None
        _same(path, clock)


def test_dst_gap_and_overlap_prefix_times_equal_python() -> None:
    # 02:30 on 2024-03-31 does not exist in Copenhagen; 02:30 on 2024-10-27 exists twice
    pos = MESSAGES[0][0]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "dst.log"
        path.write_text(
            f"2024-03-31 02:30:00 {pos}\n2024-10-27 02:30:00 {pos}\n2024-02-30 10:00:00 {pos}\n"
        )
        out = _same(path, Clock.make(None, "Europe/Copenhagen"))
    assert out["ts_source"].to_list()[:2] == ["line_prefix", "line_prefix"]


def test_unusual_number_forms_equal_python() -> None:
    # float() and int() accept forms the expressions leave to Python: exponent, underscores,
    # a one-digit tag checksum, a sentence with extra fields
    pos = MESSAGES[0][0]
    body = pos[1 : pos.rindex("*")]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "odd.nmea"
        path.write_text(
            "\n".join(
                [
                    _tag("c:1.7172e9") + pos,
                    _tag("c:1_717_200_000") + pos,
                    "\\c:1717200000*" + f"{nmea_checksum('c:1717200000'):X}"[:1] + "\\" + pos,
                    _fix(body.replace(",0", ",0,extra,0", 1)),
                    _fix(body[: body.rindex(",")] + ",+0"),
                    pos + ",1717200000.5",
                ]
            )
            + "\n"
        )
        _same(path)


def _fragments() -> list[str]:
    """Fragments of 2- and 3-sentence messages sharing few sequential ids and channels."""
    out: list[str] = []
    for k in range(12):
        seq = [None, 1, 2][k % 3]
        channel = "AB"[k // 6]
        if k % 2:
            msg = {"type": 5, "mmsi": 219_000_000 + k, "shipname": f"F{k}", "callsign": "C"}
        else:  # a binary broadcast long enough for three sentences
            msg = {"type": 8, "mmsi": 219_000_000 + k, "data": bytes(range(k, k + 90))}
        out.extend(_enc(msg, seq=seq, channel=channel))
    return out


FRAGMENTS = _fragments()

#: Groups of 1-3 lines: fragments (some with a bad checksum) and whole real sentences.
FRAGMENT_SOUP = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(FRAGMENTS),
            st.sampled_from(FRAGMENTS).map(lambda s: s[:-2] + "00"),
            st.sampled_from(REAL[:6]),
        ),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=FRAGMENT_SOUP,
    tagged=st.booleans(),
)
def test_fragment_soup_equals_the_per_line_reader(lines: list[list[str]], tagged: bool) -> None:
    """Fragments out of order, missing, repeated, with colliding keys and counts, 1-3 a line."""
    text = []
    for i, group in enumerate(lines):
        if tagged:
            group = [_tag(f"c:{T0 + i}") + s if "\\" not in s else s for s in group]
        text.append("".join(group))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "soup.nmea"
        path.write_text("\n".join(text) + "\n")
        _same(path)


def test_written_out_whitespace_is_pythons() -> None:
    # the reader's empty-line test strips what str.strip() strips; the list is written out
    from vessels.io._nmea_vec import _PY_SPACE

    assert sorted(_PY_SPACE) == [chr(c) for c in range(0x110000) if chr(c).isspace()]
