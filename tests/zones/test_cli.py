"""`vessels zones ...` through vessels.cli.main: exit codes, messages, fetch-eez on loopback."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pytest
import shapely

from vessels.cli import main

MR_FEATURE = {
    "type": "Feature",
    "properties": {
        "mrgid": 8424,
        "geoname": "Mexican Exclusive Economic Zone",
        "pol_type": "200NM",
        "iso_ter1": "MEX",
        "iso_sov1": "MEX",
    },
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[-118, 14], [-86, 14], [-86, 32], [-118, 32], [-118, 14]]],
    },
}


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        type(self).hits.append(q.get("CQL_FILTER", [""])[0])
        feats = [MR_FEATURE] if q.get("CQL_FILTER") == ["iso_sov1='MEX'"] else []
        body = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def wfs():
    _Handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/geoserver/MarineRegions/wfs"
    server.shutdown()
    server.server_close()


def test_list_shows_default_layers_with_source_and_accuracy(capsys):
    assert main(["zones", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["zone_id"] for r in rows}
    assert {"eez-MEX", "mx-rb-alto-golfo", "aoi-upper-gulf"} <= ids
    assert all(r["source"] and r["licence"] and r["accuracy"] for r in rows)


def test_list_human_table(capsys):
    assert main(["zones", "list"]) == 0
    err = capsys.readouterr().out  # the table is data: stdout (#18)
    assert "eez-MEX" in err and "licence:" in err  # not swallowed as rich markup


def test_list_unknown_schema_is_exit_2_with_fields(tmp_path, capsys):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"NOMBRE": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326).to_file(path)
    assert main(["zones", "list", "--zones", str(path)]) == 2
    err = capsys.readouterr().err
    assert "fields found: NOMBRE" in err and "Traceback" not in err
    assert main(["zones", "list", "--zones", str(path), "--name-field", "NOMBRE",
                 "--kind", "aoi", "--no-default-zones", "--json"]) == 0  # fmt: skip
    assert [r["zone_id"] for r in json.loads(capsys.readouterr().out)] == ["x-0"]


def test_list_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["zones", "list", "--zones", str(tmp_path / "missing.gpkg")]) == 2
    assert "not found" in capsys.readouterr().err


def test_fetch_eez_from_local_server_then_cache(tmp_path, wfs):
    cache = tmp_path / "cache"
    assert main(["zones", "fetch-eez", "MEX", "--cache-dir", str(cache), "--url", wfs]) == 0
    assert (cache / "eez_MEX.geojson").exists()
    assert _Handler.hits == ["iso_sov1='MEX'"]
    assert main(["zones", "fetch-eez", "mex", "--cache-dir", str(cache), "--url", wfs]) == 0
    assert len(_Handler.hits) == 1  # served from the cache
    out = tmp_path / "mr.geojson"
    assert main(["zones", "fetch-eez", "MEX", "--cache-dir", str(cache), "--url", wfs,
                 "--out", str(out)]) == 0  # fmt: skip
    assert main(["zones", "list", "--zones", str(out), "--json"]) == 0


def test_fetch_eez_unknown_state_is_exit_2(tmp_path, wfs, capsys):
    assert main(["zones", "fetch-eez", "XXX", "--cache-dir", str(tmp_path), "--url", wfs]) == 2
    assert "no EEZ with sovereign XXX" in capsys.readouterr().err


def test_fetch_eez_offline_is_a_clear_error(tmp_path, capsys):
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/wfs"
    code = main(["zones", "fetch-eez", "MEX", "--cache-dir", str(tmp_path), "--url", url,
                 "--timeout-s", "2"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Marine Regions web service" in err and "--zones" in err


def test_fetch_eez_bad_code_is_exit_2(tmp_path, capsys):
    assert main(["zones", "fetch-eez", "MEXICO", "--cache-dir", str(tmp_path)]) == 2
    assert "alpha-3" in capsys.readouterr().err


def test_unknown_subcommand_is_usage_error():
    assert main(["zones", "frobnicate"]) == 2
