"""Hostile text through the CLI (issue #11, point 1): `vessels score` and `vessels map`.

One `vessels score` run reads one CSV per payload of :mod:`tests.maps.payloads` (the file named
after the payload where a file name can hold it), vessel *i* carrying payload *i* as its name,
call sign and destination and crossing a zone whose id, name and source file name carry it too;
the profile's name holds every payload. Then `vessels map DIR --title PAYLOAD` per payload.
Per payload: exit 0, no traceback, no marker; the map shows each text exactly as stored in the
Parquet outputs, only inside its JSON data block; and every CSV cell a spreadsheet would run as
a formula is neutralised (vessels.csv, events.csv with zone names, contributions.csv).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.factories import make_track
from tests.maps.payloads import (
    BLOCK,
    NOT_FILENAMES,
    PAYLOADS,
    cleanup_markers,
    markers_present,
    tagged,
)
from vessels import schema as S
from vessels.cli import main
from vessels.outputs import FORMULA_PREFIXES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

IDS = list(PAYLOADS)
MMSI0 = 345100000


def mmsi_of(payload_id: str) -> int:
    return MMSI0 + IDS.index(payload_id)


def zone_file_name(i: int, pid: str) -> str:
    """The payload in the zone file's name, which becomes the zone's source.

    GDAL cuts a path at ";" and drops tabs (a zones-loader limitation noted with issue #11):
    those payloads, and the ones no file name can hold, get a plain name; the zone's own
    fields still carry them.
    """
    payload = PAYLOADS[pid]
    ok = pid not in NOT_FILENAMES and ";" not in payload and all(c >= " " for c in payload)
    return f"{i:02d}-{payload if ok else pid}.geojson"


def _lat(i: int) -> float:
    return 26.0 + 0.05 * i


def _dma(df: pl.DataFrame) -> pl.DataFrame:
    """Danish Maritime Authority layout: the CSV layout that carries the destination."""
    return df.select(
        pl.col(S.TS).dt.strftime("%d/%m/%Y %H:%M:%S").alias("# Timestamp"),
        pl.lit("Class A").alias("Type of mobile"),
        pl.col(S.MMSI).alias("MMSI"),
        pl.col(S.LAT).round(6).alias("Latitude"),
        pl.col(S.LON).round(6).alias("Longitude"),
        pl.lit("Engaged in fishing").alias("Navigational status"),
        pl.col(S.SOG_KN).alias("SOG"),
        pl.col(S.COG_DEG).alias("COG"),
        pl.lit(None, dtype=pl.Int64).alias("Heading"),
        pl.lit(None, dtype=pl.String).alias("IMO"),
        pl.col(S.CALLSIGN).alias("Callsign"),
        pl.col(S.VESSEL_NAME).alias("Name"),
        pl.lit("Fishing").alias("Ship type"),
        pl.lit(6.0).alias("Width"),
        pl.lit(20.0).alias("Length"),
        pl.lit(3.0).alias("Draught"),
        pl.col(S.DESTINATION).alias("Destination"),
    )


def _write_inputs(d: Path) -> tuple[list[Path], list[Path], Path]:
    csvs, zone_files = [], []
    for i, pid in enumerate(IDS):
        payload = PAYLOADS[pid]
        track = make_track(
            mmsi_of(pid),
            lat=_lat(i),
            lon=-110.6,
            n=40,
            interval_s=120,
            speed_kn=6.0,
            vessel_name=tagged(payload, "vn"),
            callsign=tagged(payload, "cs"),
            destination=tagged(payload, "dest"),
            ship_type=30,
        )
        stem = f"{i:02d}-{payload}" if pid not in NOT_FILENAMES else f"{i:02d}-{pid}"
        csv = d / f"{stem}.csv"
        csv.write_text(_dma(track).write_csv(), encoding="utf-8")
        csvs.append(csv)
        lat = _lat(i)
        ring = [
            [-110.55, lat - 0.01],
            [-110.45, lat - 0.01],
            [-110.45, lat + 0.01],
            [-110.55, lat + 0.01],
            [-110.55, lat - 0.01],
        ]
        fc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        S.ZONE_ID: tagged(payload, "zid"),
                        S.ZONE_NAME: tagged(payload, "zname"),
                        S.ZONE_KIND: "aoi",
                    },
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
        zf = d / zone_file_name(i, pid)
        zf.write_text(json.dumps(fc), encoding="utf-8")
        zone_files.append(zf)
    profile = d / "hostile.toml"
    everything = " | ".join(PAYLOADS.values())
    profile.write_text(
        f'[profile]\nextends = "default"\nname = {json.dumps(everything)}\n', encoding="utf-8"
    )
    return csvs, zone_files, profile


class Run:
    def __init__(self, rc: int, out: str, err: str, markers: list[str], d: Path) -> None:
        self.rc, self.out, self.err, self.markers, self.dir = rc, out, err, markers, d


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Run:
    d = tmp_path_factory.mktemp("hostile-cli")
    csvs, zone_files, profile = _write_inputs(d)
    out = d / "out"
    args = ["score", *map(str, csvs), "--out", str(out), "--no-default-zones", "-q"]
    for zf in zone_files:
        args += ["--zones", str(zf)]
    args += ["--profile", str(profile), "--top", "50"]
    import contextlib
    import io

    cleanup_markers(d)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(d)
        o, e = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
            rc = main(args)
        markers = markers_present(d)
    cleanup_markers(d)
    return Run(rc, o.getvalue(), e.getvalue(), markers, out)


def test_score_runs(scored: Run) -> None:
    assert scored.rc == 0, scored.err
    assert "Traceback" not in scored.err and scored.markers == []
    v = pl.read_parquet(scored.dir / "vessels.parquet")
    assert set(v[S.MMSI].to_list()) == {mmsi_of(p) for p in IDS}  # every vessel scored
    ev = pl.read_parquet(scored.dir / "events.parquet")
    entered = ev.filter(pl.col(S.EVENT_TYPE) == "zone_entry")[S.MMSI].unique().to_list()
    assert sorted(entered) == sorted(mmsi_of(p) for p in IDS)  # each met its zone


def _block(html: Path) -> tuple[str, str, dict[str, Any]]:
    page = html.read_text(encoding="utf-8")
    (raw,) = BLOCK.findall(page)
    return page, raw, json.loads(raw)


def _rows(card: dict[str, Any]) -> dict[str, str]:
    return {r["l"]: r["v"] for r in card.get("rows", [])}


@pytest.mark.parametrize("payload_id", IDS)
def test_score_map_shows_text_as_stored(scored: Run, payload_id: str) -> None:
    """map.html of `vessels score`: name, call sign, destination, zone name, zone id, zone
    source file and profile name read back exactly as the Parquet outputs hold them."""
    page, raw, data = _block(scored.dir / "map.html")
    mmsi = mmsi_of(payload_id)
    v = (
        pl.read_parquet(scored.dir / "vessels.parquet")
        .filter(pl.col(S.MMSI) == mmsi)
        .row(0, named=True)
    )
    pos = pl.read_parquet(scored.dir / "tracks.parquet").filter(pl.col(S.MMSI) == mmsi)
    (card,) = [c for c in data["cards"] if _rows(c).get("MMSI") == str(mmsi)]
    rows = _rows(card)
    assert rows["Name"] == v[S.VESSEL_NAME] and rows["Call sign"] == v[S.CALLSIGN]
    assert rows["Destination"] == pos.sort(S.TS)[S.DESTINATION].drop_nulls()[-1]
    ev = pl.read_parquet(scored.dir / "events.parquet").filter(
        (pl.col(S.MMSI) == mmsi) & (pl.col(S.EVENT_TYPE) == "zone_entry")
    )
    zone_id, zone_name = ev[S.EVENT_ZONE_ID][0], ev[S.EVENT_ZONE_NAME][0]
    (zone,) = [c for c in data["cards"] if _rows(c).get("Zone id") == zone_id]
    assert zone["title"] == zone_name
    # GDAL (the zones loader) cuts zone ids and names at NUL; the map shows what was loaded
    cut = "\x00" in PAYLOADS[payload_id]
    assert cut or (zone_id.endswith(" ZQXzid") and zone_name.endswith(" ZQXzname"))
    assert _rows(zone)["Source"] == zone_file_name(IDS.index(payload_id), payload_id)
    assert PAYLOADS[payload_id] in data["title"]["heading"]  # "vessels risk map (<profile>)"
    # only in the escaped block; nothing of it as markup
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029", "\x00"}
    for tag in ("ZQXvn", "ZQXcs", "ZQXdest", "ZQXzname", "ZQXzid"):
        assert page.count(tag) == raw.count(tag)
    if "<" in PAYLOADS[payload_id]:
        assert PAYLOADS[payload_id] not in page


def _formula_cells(path: Path) -> list[str]:
    df = pl.read_csv(path)  # text columns: numbers may well start with "-"
    cells = [c for col in df.columns if df[col].dtype == pl.String for c in df[col].drop_nulls()]
    return [c for c in cells if c.startswith(FORMULA_PREFIXES)]


@pytest.mark.parametrize("name", ["vessels.csv", "events.csv", "contributions.csv"])
def test_csv_outputs_neutralise_formulas(scored: Run, name: str) -> None:
    path = scored.dir / name
    assert _formula_cells(path) == []
    text = path.read_text(encoding="utf-8")
    # the hostile texts are there, each behind a quote where a spreadsheet would run it
    df = pl.read_csv(path)
    col = {"vessels.csv": S.VESSEL_NAME, "events.csv": S.EVENT_ZONE_NAME}.get(name)
    if col is not None:
        cells = set(df[col].drop_nulls().to_list())
        for pid in ("xls-eq", "xls-plus", "xls-minus", "xls-at", "xls-hyperlink"):
            tag = "vn" if name == "vessels.csv" else "zname"
            assert "'" + tagged(PAYLOADS[pid], tag) in cells
    assert text


@pytest.mark.parametrize("payload_id", IDS)
def test_map_command_title(
    scored: Run, payload_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`vessels map DIR --title PAYLOAD`: exit 0, nothing run, the title exactly as given."""
    payload = PAYLOADS[payload_id]
    out = tmp_path / "m.html"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        rc = main(["map", str(scored.dir), "--title", payload, "--out", str(out), "--top", "5"])
        assert markers_present(tmp_path) == []
    err = capsys.readouterr().err
    assert rc == 0 and "Traceback" not in err, err
    page, _raw, data = _block(out)
    assert data["title"]["heading"] == payload
    assert PAYLOADS[payload_id] in data["title"]["lines"][-1]  # the profile name
    if "<" in payload:
        assert payload not in page


def test_map_command_out_path_is_text(
    scored: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that looks like rich markup is printed as it is, not parsed (was a MarkupError)."""
    folder = tmp_path / "a["
    folder.mkdir()
    out = folder / "x].html"
    assert main(["map", str(scored.dir), "--out", str(out), "--top", "2"]) == 0
    assert f"wrote {out}" in capsys.readouterr().err.replace("\n", "")
