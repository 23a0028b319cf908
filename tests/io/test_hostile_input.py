"""Hostile input: every case ends with exit 0 or 2, no traceback, every row accounted for.

Families (issue #11): bad timestamps of every kind, text encodings, RFC 4180 quoting, Parquet
columns of the wrong type, empty and header-only files, huge numbers, NaN/inf, AIS sentinels,
broken zip/gz/zst archives, ragged lines. Each case runs through the CLI (``main([...])``) and
through the API (``read_ais``); a run that exits 0 must account for every input row
(``input = accepted + quarantined + duplicates``, per file and in total) and a case that names
its rule must find it. A hang guard (SIGALRM, generous and proportional to the rows) turns a
hang into a failure; it is not a performance threshold.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import signal
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import polars as pl
import pytest
import zstandard

from vessels import schema as S
from vessels.cli import main
from vessels.errors import UserError
from vessels.io import read_ais

HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName"
GOOD = "345070339,2024-06-01T00:{m:02d}:00,31.0,-114.5,5.0,60.0,511,PESCADOR"


def good(n: int = 3, start: int = 0) -> list[str]:
    return [GOOD.format(m=start + i) for i in range(n)]


@dataclass
class Case:
    """A hostile input: files to write, extra options, and what must come out."""

    files: dict[str, bytes]
    args: list[str] = field(default_factory=list)
    rows: int | None = None  #: input rows the summary must report (exit 0)
    rules: tuple[str, ...] = ()  #: rules that must appear in per_rule (exit 0)
    code: int | None = None  #: required exit code (None: 0 or 2)
    accepted: int | None = None


def csv_case(lines: list[str], *, rules: tuple[str, ...] = (), **kw: object) -> Case:
    body = "\n".join([HEADER, *lines]) + "\n"
    return Case({"ais.csv": body.encode("utf-8")}, rows=len(lines), rules=rules, **kw)  # type: ignore[arg-type]


def bytes_case(data: bytes, rows: int | None, *, rules: tuple[str, ...] = (), **kw: object) -> Case:
    return Case({"ais.csv": data}, rows=rows, rules=rules, **kw)  # type: ignore[arg-type]


def ts_case(ts: str, rule: str | None) -> Case:
    line = f"345070339,{ts},31.0,-114.5,5.0,60.0,511,PESCADOR"
    return csv_case([*good(2), line], rules=(rule,) if rule else (), accepted=2 if rule else 3)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def pq_case(columns: dict[str, pl.Series], *, rules: tuple[str, ...] = (), **kw: object) -> Case:
    frame = pl.DataFrame(columns)
    return Case({"ais.parquet": parquet_bytes(frame)}, rows=frame.height, rules=rules, **kw)  # type: ignore[arg-type]


def pq_base(n: int = 3, **over: pl.Series) -> dict[str, pl.Series]:
    cols = {
        S.MMSI: pl.Series([345070339] * n, dtype=pl.UInt32),
        S.TS: pl.datetime_range(
            pl.datetime(2024, 6, 1),
            pl.datetime(2024, 6, 1, 0, n - 1),
            "1m",
            time_zone="UTC",
            eager=True,
        ),
        S.LAT: pl.Series([31.0] * n),
        S.LON: pl.Series([-114.5 + i * 1e-3 for i in range(n)]),
    }
    cols.update(over)
    return cols


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


NAME_LINE = "345070339,2024-06-01T00:09:00,31.0,-114.5,5.0,60.0,511,"
GOOD3 = "\n".join([HEADER, *good(3)]).encode() + b"\n"

CASES: dict[str, Callable[[], Case]] = {
    # --- timestamps of every kind ------------------------------------------------------------
    "ts-1970": lambda: ts_case("1970-01-01T00:00:00", S.RULE_TS_TOO_EARLY),
    "ts-0001": lambda: ts_case("0001-01-01T00:00:00", S.RULE_TS_TOO_EARLY),
    "ts-1969": lambda: ts_case("1969-12-31T23:59:59", S.RULE_TS_TOO_EARLY),
    "ts-2999": lambda: ts_case("2999-01-01T00:00:00", S.RULE_TS_TOO_LATE),
    "ts-9999": lambda: ts_case("9999-12-31T23:59:59", S.RULE_TS_TOO_LATE),
    "ts-epoch-zero": lambda: ts_case("0", S.RULE_TS_TOO_EARLY),
    "ts-epoch-negative": lambda: ts_case("-86400", S.RULE_TS_TOO_EARLY),
    "ts-epoch-seconds": lambda: ts_case("1717200600", None),
    "ts-epoch-millis": lambda: ts_case("1717200600000", None),
    "ts-epoch-micros": lambda: ts_case("1717200600000000", None),
    "ts-epoch-nanos": lambda: ts_case("1717200600000000000", None),
    "ts-epoch-millis-far-future": lambda: ts_case("99999999999999", S.RULE_TS_TOO_LATE),
    "ts-1e30": lambda: ts_case("1e30", "unparseable_ts"),
    "ts-huge-integer": lambda: ts_case("9" * 40, "unparseable_ts"),
    "ts-inf": lambda: ts_case("inf", "unparseable_ts"),
    "ts-nan": lambda: ts_case("NaN", "unparseable_ts"),
    "ts-empty": lambda: ts_case("", "missing_ts"),
    "ts-null-token": lambda: ts_case("NULL", "missing_ts"),
    "ts-garbage": lambda: ts_case("yesterday", "unparseable_ts"),
    "ts-month-13": lambda: ts_case("2024-13-45T99:99:99", "unparseable_ts"),
    "ts-other-offset": lambda: ts_case("2024-06-01T00:09:00+05:00", "unparseable_ts"),
    "ts-year-56134": lambda: ts_case("56134-01-01T00:00:00", "unparseable_ts"),
    "ts-fraction-z": lambda: ts_case("2024-06-01T00:09:00.123456Z", None),
    "ts-padded": lambda: ts_case("  2024-06-01T00:09:00  ", None),
    "ts-all-1970": lambda: csv_case(
        ["345070339,1970-01-01T00:00:00,31.0,-114.5,5,60,511,A"] * 3,
        rules=(S.RULE_TS_TOO_EARLY,),
        accepted=0,
    ),
    # --- encodings ------------------------------------------------------------------------------
    "utf8-invalid-byte-in-name": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"BA\xd1O\n", 4, rules=(S.RULE_INVALID_UTF8,), accepted=3
    ),
    "utf8-invalid-byte-in-mmsi": lambda: bytes_case(
        GOOD3 + b"3450\xff70339,2024-06-01T00:09:00,31,-114.5,5,60,511,X\n",
        4,
        rules=(S.RULE_INVALID_UTF8,),
    ),
    "utf8-lone-continuation": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"\x80\n", 4, rules=(S.RULE_INVALID_UTF8,)
    ),
    "utf8-overlong": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"\xc0\xaf\n", 4, rules=(S.RULE_INVALID_UTF8,)
    ),
    "utf8-encoded-surrogate": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"\xed\xa0\x80\n", 4, rules=(S.RULE_INVALID_UTF8,)
    ),
    "utf8-truncated-at-eof": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"\xe2\x82", 4, rules=(S.RULE_INVALID_UTF8,)
    ),
    "utf8-invalid-in-header": lambda: bytes_case(
        b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,Vessel\xffName\n"
        + b"\n".join(g.encode() for g in good(2))
        + b"\n",
        None,
    ),
    "utf8-many-invalid-lines": lambda: bytes_case(
        csv_bytes(good(2)) + b"".join(NAME_LINE.encode() + b"\xd1\n" for _ in range(50)),
        52,
        rules=(S.RULE_INVALID_UTF8,),
        accepted=2,
    ),
    "utf8-bom": lambda: bytes_case(codecs.BOM_UTF8 + GOOD3, 3, accepted=3),
    "latin1-declared": lambda: bytes_case(
        csv_bytes([*good(2), NAME_LINE + "BAÑO"], "latin-1"),
        3,
        args=["--encoding", "latin-1"],
        accepted=3,
    ),
    "cp1252-declared": lambda: bytes_case(
        csv_bytes([*good(2), NAME_LINE + "NIÑA “2”"], "cp1252"),
        3,
        args=["--encoding", "cp1252"],
        accepted=3,
    ),
    "cp1252-undefined-byte": lambda: bytes_case(
        GOOD3 + NAME_LINE.encode() + b"\x81\n",
        4,
        args=["--encoding", "cp1252"],
        rules=(S.RULE_INVALID_UTF8,),
    ),
    "utf16-le-bom": lambda: bytes_case(
        codecs.BOM_UTF16_LE + csv_bytes([*good(2), NAME_LINE + "BAÑO"], "utf-16-le"),
        3,
        accepted=3,
    ),
    "utf16-be-bom": lambda: bytes_case(
        codecs.BOM_UTF16_BE + csv_bytes(good(3), "utf-16-be"), 3, accepted=3
    ),
    "utf16-declared-bom": lambda: bytes_case(
        csv_bytes(good(3), "utf-16"), 3, args=["--encoding", "utf-16"], accepted=3
    ),
    "nul-byte-in-line": lambda: bytes_case(GOOD3 + NAME_LINE.encode() + b"A\x00B\n", 4),
    "unknown-encoding-option": lambda: bytes_case(
        GOOD3, None, args=["--encoding", "klingon"], code=2
    ),
    # --- quoting --------------------------------------------------------------------------------
    "quote-doubled-leading": lambda: csv_case([*good(2), NAME_LINE + '"""LEAD"'], accepted=3),
    "quote-unterminated": lambda: csv_case(
        [*good(2), NAME_LINE + '"UNTERM'], rules=(S.RULE_MALFORMED_QUOTES,), accepted=2
    ),
    "quote-text-after-closing": lambda: csv_case(
        [*good(2), NAME_LINE + '"A"B'], rules=(S.RULE_MALFORMED_QUOTES,)
    ),
    "quote-lone": lambda: csv_case([*good(2), '"'], rules=(S.RULE_MALFORMED_QUOTES,)),
    "quote-field-spanning-lines": lambda: csv_case(
        [*good(2), NAME_LINE + '"TWO', 'LINES"'], rules=(S.RULE_MALFORMED_QUOTES,), accepted=2
    ),
    "quote-all-fields": lambda: csv_case(
        ['"345070339","2024-06-01T00:09:00","31.0","-114.5","5","60","511","A,B"'], accepted=1
    ),
    "quote-header": lambda: Case(
        {
            "ais.csv": (
                '"' + '","'.join(HEADER.split(",")) + '"\n' + "\n".join(good(2)) + "\n"
            ).encode()
        },
        rows=2,
        accepted=2,
    ),
    "formula-leading-tab": lambda: csv_case([*good(2), NAME_LINE + "\t=1+1"], accepted=3),
    "formula-cmd": lambda: csv_case([*good(2), NAME_LINE + "=cmd|' /C calc'!A0"], accepted=3),
    "quote-many-commas": lambda: csv_case(
        [*good(2), NAME_LINE + '"' + "," * 500 + '"'], accepted=3
    ),
    # --- empty and header-only -------------------------------------------------------------------
    "empty-file": lambda: bytes_case(b"", None, code=2),
    "only-newline": lambda: bytes_case(b"\n", None, code=2),
    "header-only": lambda: bytes_case((HEADER + "\n").encode(), 0, accepted=0),
    "header-no-newline": lambda: bytes_case(HEADER.encode(), 0, accepted=0),
    "header-and-blank-lines": lambda: bytes_case(
        (HEADER + "\n\n\n").encode(), 2, rules=("empty_line",), accepted=0
    ),
    "unknown-header": lambda: bytes_case(b"a,b,c\n1,2,3\n", None, code=2),
    # --- numbers: huge, NaN/inf, sentinels, null tokens ----------------------------------------
    "lat-1e308": lambda: csv_case(
        [*good(2), "345070339,2024-06-01T00:09:00,1e308,-114.5,5,60,511,A"],
        rules=("lat_out_of_range",),
    ),
    "lat-minus-inf": lambda: csv_case(
        [*good(2), "345070339,2024-06-01T00:09:00,-inf,-114.5,5,60,511,A"],
        rules=("lat_out_of_range",),
    ),
    "lon-nan": lambda: csv_case(
        [*good(2), "345070339,2024-06-01T00:09:00,31.0,NaN,5,60,511,A"],
        rules=("position_not_available",),
    ),
    "lat-null-token": lambda: csv_case(
        [*good(2), "345070339,2024-06-01T00:09:00,NULL,-114.5,5,60,511,A"],
        rules=("position_not_available",),
    ),
    "lat-na-token": lambda: csv_case(
        [*good(2), "345070339,2024-06-01T00:09:00,N/A,-114.5,5,60,511,A"],
        rules=("position_not_available",),
    ),
    "sog-na-tokens": lambda: csv_case(
        ["345070339,2024-06-01T00:09:00,31.0,-114.5,NA,null,n/a,NULL"], accepted=1
    ),
    "sog-1e308": lambda: csv_case(
        ["345070339,2024-06-01T00:09:00,31.0,-114.5,1e308,60,511,A"], accepted=1
    ),
    "sog-inf-cog-nan": lambda: csv_case(
        ["345070339,2024-06-01T00:09:00,31.0,-114.5,inf,nan,-inf,A"], accepted=1
    ),
    "sentinels-91-181": lambda: csv_case(
        [*good(1), "345070339,2024-06-01T00:09:00,91,181,102.3,360,511,A"],
        rules=("position_not_available",),
    ),
    "mmsi-zero": lambda: csv_case([*good(1), "0,2024-06-01T00:09:00,31,-114.5,5,60,511,A"]),
    "mmsi-negative": lambda: csv_case(
        [*good(1), "-345070339,2024-06-01T00:09:00,31,-114.5,5,60,511,A"],
        rules=("mmsi_out_of_range",),
    ),
    "mmsi-12-digits": lambda: csv_case(
        [*good(1), "999999999999,2024-06-01T00:09:00,31,-114.5,5,60,511,A"],
        rules=("mmsi_out_of_range",),
    ),
    "mmsi-1e20": lambda: csv_case(
        [*good(1), "1e20,2024-06-01T00:09:00,31,-114.5,5,60,511,A"], rules=("mmsi_out_of_range",)
    ),
    "mmsi-nan": lambda: csv_case(
        [*good(1), "nan,2024-06-01T00:09:00,31,-114.5,5,60,511,A"], rules=("unparseable_mmsi",)
    ),
    "mmsi-text": lambda: csv_case(
        [*good(1), "SHIP,2024-06-01T00:09:00,31,-114.5,5,60,511,A"], rules=("unparseable_mmsi",)
    ),
    "mmsi-fraction": lambda: csv_case(
        [*good(1), "345070339.5,2024-06-01T00:09:00,31,-114.5,5,60,511,A"],
        rules=("mmsi_out_of_range",),
    ),
    "duplicates": lambda: csv_case(good(1) * 5, accepted=1),
    # --- ragged lines ---------------------------------------------------------------------------
    "too-few-fields": lambda: csv_case([*good(2), "345070339,2024"], rules=("wrong_field_count",)),
    "too-many-fields": lambda: csv_case(
        [*good(2), GOOD.format(m=9) + ",x,y"], rules=("wrong_field_count",)
    ),
    "very-long-line": lambda: csv_case([*good(2), NAME_LINE + "X" * 1_000_000], accepted=3),
    "crlf-line-ends": lambda: bytes_case(GOOD3.replace(b"\n", b"\r\n"), 3, accepted=3),
    "garbage-lines": lambda: csv_case([*good(2), "<html>", "\x1b[31m", ";;;;"]),
    # --- Parquet ---------------------------------------------------------------------------------
    "pq-negative-mmsi": lambda: pq_case(
        pq_base(mmsi=pl.Series([345070339, -1, -345070339], dtype=pl.Int64)),
        rules=("mmsi_out_of_range",),
        accepted=1,
    ),
    "pq-mmsi-too-big": lambda: pq_case(
        pq_base(mmsi=pl.Series([345070339, 2**40, 2**63 - 1], dtype=pl.Int64)),
        rules=("mmsi_out_of_range",),
    ),
    "pq-mmsi-float-nan": lambda: pq_case(
        pq_base(mmsi=pl.Series([345070339.0, float("nan"), 1.5])), rules=("mmsi_out_of_range",)
    ),
    "pq-mmsi-string": lambda: pq_case(pq_base(mmsi=pl.Series(["345070339"] * 3)), code=2),
    "pq-lat-string": lambda: pq_case(pq_base(lat=pl.Series(["31.0"] * 3)), code=2),
    "pq-sog-string": lambda: pq_case({**pq_base(), S.SOG_KN: pl.Series(["5"] * 3)}, code=2),
    "pq-ts-bool": lambda: pq_case(pq_base(ts=pl.Series([True] * 3)), code=2),
    "pq-name-list": lambda: pq_case(
        {**pq_base(), S.VESSEL_NAME: pl.Series([["a"], ["b"], ["c"]])}, code=2
    ),
    "pq-ts-iso-text": lambda: pq_case(
        pq_base(ts=pl.Series(["2024-06-01T00:00:00", "1970-01-01T00:00:00", "junk"])),
        rules=(S.RULE_TS_TOO_EARLY, "unparseable_ts"),
        accepted=1,
    ),
    "pq-ts-epoch-millis": lambda: pq_case(
        pq_base(ts=pl.Series([1717200000000, 1717200060000, 0], dtype=pl.Int64)),
        rules=(S.RULE_TS_TOO_EARLY,),
        accepted=2,
    ),
    "pq-ts-naive-ns-9999": lambda: pq_case(
        pq_base(
            ts=pl.Series(
                ["2024-06-01 00:00:00", "2024-06-01 00:01:00", "2262-01-01 00:00:00"]
            ).str.to_datetime(time_unit="ns")
        ),
        rules=(S.RULE_TS_TOO_LATE,),
    ),
    "pq-ts-other-zone": lambda: pq_case(
        pq_base(
            ts=pl.datetime_range(
                pl.datetime(2024, 6, 1),
                pl.datetime(2024, 6, 1, 0, 2),
                "1m",
                time_zone="America/Mazatlan",
                eager=True,
            )
        ),
        accepted=3,
    ),
    "pq-lat-nan-inf": lambda: pq_case(
        pq_base(lat=pl.Series([31.0, float("nan"), float("inf")])),
        rules=("position_not_available", "lat_out_of_range"),
        accepted=1,
    ),
    "pq-all-null-mmsi": lambda: pq_case(
        pq_base(mmsi=pl.Series([None, None, None], dtype=pl.UInt32)),
        rules=("missing_mmsi",),
        accepted=0,
    ),
    "pq-empty": lambda: pq_case({k: v.head(0) for k, v in pq_base().items()}, accepted=0),
    "pq-missing-column": lambda: Case(
        {"ais.parquet": parquet_bytes(pl.DataFrame({S.MMSI: [1], S.TS: [1]}))}, code=2
    ),
    "pq-corrupt": lambda: Case({"ais.parquet": b"PAR1" + b"\x00" * 100 + b"PAR1"}, code=2),
    "pq-truncated": lambda: Case(
        {"ais.parquet": parquet_bytes(pl.DataFrame(pq_base()))[:-20]}, code=2
    ),
    # --- archives ---------------------------------------------------------------------------------
    "gz-ok-with-1970": lambda: Case(
        {"ais.csv.gz": gz(csv_bytes([*good(2), "345070339,0,31,-114.5,5,60,511,A"]))},
        rows=3,
        rules=(S.RULE_TS_TOO_EARLY,),
    ),
    "gz-truncated": lambda: Case({"ais.csv.gz": gz(GOOD3)[:-10]}, code=2),
    "gz-garbage": lambda: Case({"ais.csv.gz": b"\x1f\x8b\x08" + b"\xff" * 50}, code=2),
    "gz-invalid-utf8-inside": lambda: Case(
        {"ais.csv.gz": gz(GOOD3 + NAME_LINE.encode() + b"\xd1\n")},
        rows=4,
        rules=(S.RULE_INVALID_UTF8,),
    ),
    "zip-ok": lambda: Case({"ais.zip": zipped({"a.csv": GOOD3})}, rows=3, accepted=3),
    "zip-empty": lambda: Case({"ais.zip": zipped({})}, code=2),
    "zip-corrupt": lambda: Case({"ais.zip": zipped({"a.csv": GOOD3})[:-30]}, code=2),
    "zip-not-a-zip": lambda: Case({"ais.zip": b"PK\x03\x04" + b"\x00" * 40}, code=2),
    "zip-member-utf16": lambda: Case(
        {"ais.zip": zipped({"a.csv": codecs.BOM_UTF16_LE + csv_bytes(good(3), "utf-16-le")})},
        rows=3,
        accepted=3,
    ),
    "zst-ok": lambda: Case({"ais.csv.zst": zst(GOOD3)}, rows=3, accepted=3),
    "zst-truncated": lambda: Case({"ais.csv.zst": zst(GOOD3 * 50)[:-8]}, code=2),
    "zst-garbage": lambda: Case({"ais.csv.zst": b"\x28\xb5\x2f\xfd" + b"\xff" * 40}, code=2),
}


class Hang(Exception):
    pass


@pytest.fixture
def hang_guard() -> Iterator[Callable[[int], None]]:
    """``guard(rows)`` arms an alarm of 60 s + 1 ms per row; a hang fails the case."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang("case did not finish in time (hang)")

    old = signal.signal(signal.SIGALRM, on_alarm)

    def guard(rows: int) -> None:
        signal.alarm(60 + rows // 1000)

    yield guard
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _write(case: Case, d: Path) -> list[str]:
    paths = []
    for name, data in case.files.items():
        p = d / name
        p.write_bytes(data)
        paths.append(str(p))
    return paths


def _check_summary(case: Case, summary: dict[str, object]) -> None:
    assert summary["balanced"], summary
    parts = ("accepted_rows", "quarantined_rows", "duplicate_rows", "filtered_rows")
    assert summary["input_rows"] == sum(summary[k] for k in parts)  # type: ignore[misc]
    if case.rows is not None:
        assert summary["input_rows"] == case.rows, summary
    if case.accepted is not None:
        assert summary["accepted_rows"] == case.accepted, summary
    per_rule = summary["per_rule"]
    assert isinstance(per_rule, dict)
    for rule in case.rules:
        assert rule in per_rule, (rule, per_rule)
    assert sum(per_rule.values()) == summary["quarantined_rows"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], hang_guard) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]()
    paths = _write(case, tmp_path)
    hang_guard(case.rows or 0)
    code = main(["ingest", *paths, "--out", str(tmp_path / "out"), "--json", "-q", *case.args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    if case.code is not None:
        assert code == case.code, err
    if code == 2:
        assert err.startswith("error: ") and len(err.strip().splitlines()) <= 2, err
        return
    summary = json.loads(out)
    _check_summary(case, summary)
    positions = pl.read_parquet(tmp_path / "out" / "positions.parquet")
    quarantine = pl.read_parquet(tmp_path / "out" / "quarantine.parquet")
    assert positions.height == summary["accepted_rows"]
    assert quarantine.height == summary["quarantined_rows"]
    # every accepted timestamp converts to Python (no year 56134, no OverflowError)
    positions[S.TS].to_list()
    quarantine[S.TS].to_list()


@pytest.mark.parametrize("name", sorted(CASES))
def test_api(name: str, tmp_path: Path, hang_guard) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]()
    paths = _write(case, tmp_path)
    encoding = case.args[1] if case.args[:1] == ["--encoding"] else None
    hang_guard(case.rows or 0)
    try:
        ing = read_ais(paths, encoding=encoding)
        summary = ing.summary()
        positions = ing.positions.collect()
    except UserError as exc:
        assert case.code in (None, 2), exc
        assert str(exc)
        return
    assert case.code in (None, 0)
    _check_summary(case, summary)
    assert positions.height == summary["accepted_rows"]
    positions[S.TS].to_list()


def test_enough_cases() -> None:
    assert len(CASES) >= 80


def test_latin1_name_ingested_with_its_character(tmp_path: Path) -> None:
    path = tmp_path / "vms.csv"
    path.write_bytes(csv_bytes([NAME_LINE + "PESQUERA NIÑO"], "latin-1"))
    names = read_ais(path, encoding="latin-1").positions.collect()[S.VESSEL_NAME].to_list()
    assert names == ["PESQUERA NIÑO"]
    # undeclared, the same file quarantines that line with file and line number, no crash
    q = read_ais(path).quarantine.collect()
    assert q.select(S.SOURCE_FILE, S.SOURCE_ROW, S.RULE).rows() == [
        (str(path), 2, S.RULE_INVALID_UTF8)
    ]
    assert "\\xd1" in q[S.RAW].item()


def test_values_stored_as_received(tmp_path: Path) -> None:
    path = tmp_path / "ais.csv"
    path.write_text(
        HEADER
        + "\n"
        + NAME_LINE
        + "\t=1+1\n"
        + GOOD.format(m=1).replace("PESCADOR", '"""LEAD"')
        + "\n"
    )
    ing = read_ais(path)
    names = ing.positions.sort(S.SOURCE_ROW).collect()[S.VESSEL_NAME].to_list()
    assert names == ["\t=1+1", '"LEAD']


SCORE_CASES = [
    "header-only",
    "ts-1970",
    "ts-epoch-millis",
    "ts-9999",
    "utf8-invalid-byte-in-name",
    "latin1-declared",
    "quote-unterminated",
    "pq-negative-mmsi",
    "pq-mmsi-string",
    "empty-file",
]


@pytest.mark.parametrize("name", SCORE_CASES)
def test_score_cli(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], hang_guard
) -> None:  # type: ignore[no-untyped-def]
    """``vessels score`` on the same inputs: exit 0 or 2, no traceback, rows accounted for."""
    case = CASES[name]()
    paths = _write(case, tmp_path)
    hang_guard(case.rows or 0)
    argv = ["score", *paths, "--out", str(tmp_path / "out"), "--json", "-q"]
    code = main([*argv, "--no-default-zones", "--no-map", *case.args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2), err
    if case.code is not None:
        assert code == case.code, err
    if code == 0:
        summary = json.loads(out)
        assert summary["input_rows"] == (
            summary["accepted_rows"] + summary["quarantined_rows"] + summary["duplicate_rows"]
        )
        if case.rows is not None:
            assert summary["input_rows"] == case.rows
