"""Regenerate the small NMEA fixture (``sample.nmea``) written for the project with pyais.

The CSV fixtures next to it are hand-written. Run::

    .venv/bin/python tests/data/make_fixtures.py
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path

from pyais import encode_dict

HERE = Path(__file__).parent
T0 = 1_717_200_000  # 2024-06-01T00:00:00Z


def _vdm(sentence: str) -> str:
    """Turn pyais' !AIVDO output into !AIVDM with a fresh checksum."""
    body = sentence[1 : sentence.rindex("*")].replace("AIVDO", "AIVDM", 1)
    cs = reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"!{body}*{cs:02X}"


def _tag(ts: int, station: str = "rMX01") -> str:
    content = f"s:{station},c:{ts}"
    cs = reduce(lambda a, c: a ^ ord(c), content, 0)
    return f"\\{content}*{cs:02X}\\"


def _enc(d: dict, seq: int | None = None) -> list[str]:
    return [_vdm(s) for s in encode_dict(d, talker_id="AI", radio_channel="A", seq_id=seq)]


def main() -> None:
    lines: list[str] = []
    # line 1-2: type 5 static (two fragments), tag block on the first fragment
    t5 = _enc(
        {
            "type": 5,
            "mmsi": 345070339,
            "shipname": "PANGA UNO",
            "callsign": "XC1234",
            "imo": 9123456,
            "ship_type": 30,
            "to_bow": 8,
            "to_stern": 4,
            "to_port": 2,
            "to_starboard": 1,
            "draught": 1.2,
            "destination": "SAN FELIPE",
        },
        seq=3,
    )
    lines += [_tag(T0) + t5[0], t5[1]]
    # 3-5: type 1 positions with tag blocks (one with heading 511)
    for i, (lat, lon) in enumerate([(31.0, -114.5), (31.01, -114.49), (31.02, -114.48)]):
        p = _enc(
            {
                "type": 1,
                "mmsi": 345070339,
                "lat": lat,
                "lon": lon,
                "speed": 5.0,
                "course": 45.0,
                "heading": 511 if i == 0 else 45,
                "status": 7,
            }
        )
        lines.append(_tag(T0 + 60 * (i + 1)) + p[0])
    # 6: type 18 class B with a trailing epoch field instead of a tag block
    p = _enc(
        {
            "type": 18,
            "mmsi": 345000002,
            "lat": 30.9,
            "lon": -114.6,
            "speed": 3.0,
            "course": 90.0,
            "heading": 511,
        }
    )
    lines.append(p[0] + f",{T0 + 90}")
    # 7: type 24 part A (class B static) after it: does not apply to line 6 (as-of join)
    lines.append(
        _tag(T0 + 100) + _enc({"type": 24, "mmsi": 345000002, "partno": 0, "shipname": "LANCHA"})[0]
    )
    # 8: type 18 again, now named
    p = _enc(
        {
            "type": 18,
            "mmsi": 345000002,
            "lat": 30.91,
            "lon": -114.59,
            "speed": 3.0,
            "course": 90.0,
            "heading": 511,
        }
    )
    lines.append(_tag(T0 + 150) + p[0])
    # 9: bad checksum
    good = _enc(
        {
            "type": 1,
            "mmsi": 345070339,
            "lat": 31.03,
            "lon": -114.47,
            "speed": 5.0,
            "course": 45.0,
            "heading": 45,
        }
    )[0]
    lines.append(_tag(T0 + 240) + good[:-2] + ("00" if good[-2:] != "00" else "11"))
    # 10: no timestamp at all
    lines.append(good)
    # 11: orphan fragment (fragment 2 of 2 without fragment 1)
    lines.append(_tag(T0 + 300) + _vdm(t5[1].replace(",3,", ",7,")))
    # 12: bad bit count (payload truncated, checksum recomputed)
    body = good[1 : good.rindex("*")].split(",")
    body[5] = body[5][:-6]
    trunc = ",".join(body)
    cs = reduce(lambda a, c: a ^ ord(c), trunc, 0)
    lines.append(_tag(T0 + 360) + f"!{trunc}*{cs:02X}")
    # 13: garbage
    lines.append("this is not an AIS sentence")
    # 14: type 4 base station report
    lines.append(_tag(T0 + 400) + _enc({"type": 4, "mmsi": 3450001, "lat": 31.0, "lon": -114.8})[0])
    # 15: type 27 long-range position
    lines.append(
        _tag(T0 + 420)
        + _enc(
            {"type": 27, "mmsi": 345000003, "lat": 31.2, "lon": -114.3, "speed": 7, "course": 180}
        )[0]
    )
    (HERE / "sample.nmea").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
