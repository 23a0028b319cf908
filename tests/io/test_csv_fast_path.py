"""The fast CSV path (polars' CSV reader) gives the same outputs as the line reader, or yields.

``vessels ingest`` reads a plain-text CSV (no quote, no carriage return, no byte-order mark)
with polars' CSV reader, numbers parsed by it; a file or line it cannot take (a number it cannot
parse, a null token in a number column, too many or too few fields, blank lines) is read line
by line as before. Every hostile input of ``test_hostile_input`` and every CSV fixture is
ingested both ways here: positions, quarantine (raw text included), identity history, summary,
exit code and error message must be identical. Which way each file went is recorded, so the
test fails if the fast path stops being taken for the clean files (or is taken for a file it
must refuse).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.io.test_hostile_input import CASES, GOOD, HEADER, Case, _write
from vessels.cli import main
from vessels.io import _read

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = sorted(p.name for p in DATA.glob("*.csv"))

#: Extra cases: lines the reader must refuse or that must be checked against their text.
MORE: dict[str, Case] = {
    "last-field-empty": Case({"ais.csv": f"{HEADER}\n{GOOD.format(m=1)[:-8]}\n".encode()}),
    "short-line-in-middle": Case(
        {
            "ais.csv": "\n".join(
                [HEADER, GOOD.format(m=1), "345070339,2024", GOOD.format(m=2)]
            ).encode()
        }
    ),
    "blank-line-in-middle": Case(
        {"ais.csv": "\n".join([HEADER, GOOD.format(m=1), "", GOOD.format(m=2), ""]).encode()}
    ),
    "spaces-line": Case(
        {"ais.csv": "\n".join([HEADER, GOOD.format(m=1), "   ", GOOD.format(m=2)]).encode()}
    ),
    "commas-only": Case({"ais.csv": f"{HEADER}\n,,,,,,,\n{GOOD.format(m=3)}\n".encode()}),
    "padded-number": Case(
        {"ais.csv": f"{HEADER}\n345070339,2024-06-01T00:01:00, 31.5 ,-114.5,5,60,511,A\n".encode()}
    ),
    "leading-space-number": Case(
        {"ais.csv": f"{HEADER}\n 345070339,2024-06-01T00:01:00, 31.5,-114.5,5,60,511,A\n".encode()}
    ),
    "null-tokens-in-text": Case(
        {
            "ais.csv": f"{HEADER}\n345070339,2024-06-01T00:01:00,31,-114.5,5,60,511,na\n"
            f"345070339,2024-06-01T00:02:00,31,-114.5,5,60,511, NULL \n".encode()
        }
    ),
    "no-newline-at-end": Case({"ais.csv": f"{HEADER}\n{GOOD.format(m=1)}".encode()}),
    "non-vessel-and-duplicates": Case(
        {
            "ais.csv": "\n".join(
                [
                    HEADER,
                    *(GOOD.format(m=1) for _ in range(3)),
                    "3450703,2024-06-01T00:01:00,31,-114.5,5,60,511,BASE",
                    "993451234,2024-06-01T00:01:00,31,-114.5,5,60,511,ATON",
                ]
            ).encode()
            + b"\n"
        }
    ),
    "two-files-one-refused": Case(
        {
            "a.csv": f"{HEADER}\n{GOOD.format(m=1)}\n".encode(),
            "b.csv": f"{HEADER}\n345070339,2024-06-01T00:05:00,NA,-114.5,5,60,511,X\n".encode(),
        }
    ),
}
#: Cases whose only CSV file the fast path must take (a clean file, or one whose suspect lines
#: turn out to have every field) and cases it must hand to the line reader.
MUST_BE_FAST = {
    "last-field-empty",
    "non-vessel-and-duplicates",
    "null-tokens-in-text",
    "no-newline-at-end",
    "commas-only",
    "leading-space-number",
    "duplicates",
    "ts-garbage",
    "mmsi-nan",
}
MUST_YIELD = {
    "short-line-in-middle",
    "blank-line-in-middle",
    "spaces-line",
    "padded-number",
    "too-few-fields",
    "too-many-fields",
    "lat-na-token",
    "header-and-blank-lines",
    "mmsi-text",
}


@pytest.fixture
def paths_taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each attempt of the fast path went through (True) or yielded (False)."""
    taken: list[bool] = []
    original = _read._sink_fast

    def spy(*args: object, **kwargs: object) -> pl.DataFrame | None:
        out = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(out is not None)
        return out

    monkeypatch.setattr(_read, "_sink_fast", spy)
    yield taken


def _run(
    case: Case,
    d: Path,
    fast: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, dict[str, object]]:
    monkeypatch.setattr(_read, "FAST_CSV", fast)
    d.mkdir()
    paths = _write(case, d)
    code = main(["ingest", *paths, "--out", str(d / "out"), "--json", "-q", *case.args])
    out, err = capsys.readouterr()
    tables: dict[str, object] = {}
    if code == 0:
        summary = json.loads(out)
        for key in ("wall_s", "outputs"):
            summary.pop(key, None)
        tables["summary"] = json.loads(json.dumps(summary).replace(str(d), "<dir>"))
        for f in sorted((d / "out").glob("*.parquet")):
            frame = pl.read_parquet(f)
            if "source_file" in frame.columns:  # the two runs read from two directories
                frame = frame.with_columns(
                    pl.col("source_file").str.replace(str(d), "<dir>", literal=True)
                )
            tables[f.name] = frame
    return code, err.replace(str(d), "<dir>"), tables


def _same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        if isinstance(x, pl.DataFrame):
            assert isinstance(y, pl.DataFrame)
            assert x.schema == y.schema, key
            assert x.equals(y, null_equal=True), (key, x, y)
        else:
            assert x == y, key


def _cases() -> dict[str, Case]:
    out = {name: make() for name, make in CASES.items() if not name.startswith("pq-")}
    out.update(MORE)
    for name in FIXTURES:
        out[f"fixture-{name}"] = Case({name: (DATA / name).read_bytes()})
    return out


ALL = _cases()


@pytest.mark.parametrize("name", sorted(ALL))
def test_fast_path_same_outputs(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    paths_taken: list[bool],
) -> None:
    case = ALL[name]
    careful = _run(case, tmp_path / "careful", False, monkeypatch, capsys)
    assert paths_taken == []
    fast = _run(case, tmp_path / "fast", True, monkeypatch, capsys)
    assert fast[0] == careful[0]
    assert fast[1] == careful[1]
    _same(fast[2], careful[2])
    if name in MUST_BE_FAST:
        assert paths_taken == [True]
    if name in MUST_YIELD:
        assert paths_taken == [False]
    if name == "two-files-one-refused":
        assert paths_taken == [True, False]
