"""Fixtures for the map tests: small scored scenes and one shared headless Chromium.

The browser never reaches the network: CDN requests are answered from the offline bundle in
``vessels/data/web`` (so online maps work too) and every other request (tiles) is aborted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.factories import T0, make_track
from vessels import schema as S
from vessels.maps._offline import asset_bytes, local_asset
from vessels.risk import VESSEL_SCHEMA

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_REASON = '<script>window.__pwned=1</script> dark 7.0 h inside "AOI" (+25)'
HOSTILE_DEST = "</script><svg onload=alert(2)>"
CHROMIUM = os.environ.get("VESSELS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "maps"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# vessels of the scene: mmsi -> (name, score, tier, lat of its straight east-going track)
SCENE_VESSELS = {
    345000001: (HOSTILE, 92.0, "critical", 31.00),
    345000002: ("SEA STAR", 61.0, "high", 31.20),
    345000003: ("PANGA 7", 35.0, "medium", 31.40),
    345000004: ("SLOW BOAT", 5.0, "low", 31.60),
}


def tracks_frame(n: int = 60, interval_s: float = 600.0) -> pl.DataFrame:
    """Straight eastward 10 h tracks, one segment each (two for the first vessel)."""
    frames = []
    for mmsi, (name, _score, _tier, lat) in SCENE_VESSELS.items():
        t = make_track(
            mmsi,
            lat=lat,
            lon=-114.6,
            n=n,
            interval_s=interval_s,
            speed_kn=6.0,
            vessel_name=name,
            destination=HOSTILE_DEST if mmsi == 345000001 else "ENSENADA",
        )
        seg = (
            pl.when(pl.int_range(pl.len()) < n // 2).then(pl.lit("a")).otherwise(pl.lit("b"))
            if mmsi == 345000001
            else pl.lit("a")
        )
        frames.append(t.with_columns((pl.lit(str(mmsi)) + "-" + seg).alias(S.SEGMENT_ID)))
    return pl.concat(frames)


def vessels_frame() -> pl.DataFrame:
    rows = []
    for mmsi, (name, score, tier, _lat) in SCENE_VESSELS.items():
        row: dict[str, Any] = {name_: None for name_ in VESSEL_SCHEMA}
        row.update(
            {
                S.MMSI: mmsi,
                S.VESSEL_NAME: name,
                S.CALLSIGN: "X<b>1</b>" if mmsi == 345000001 else "XC" + str(mmsi)[-2:],
                S.FLAG: "MEX",
                S.SHIP_TYPE: 30,
                S.MMSI_VALID: True,
                S.N_POSITIONS: 60,
                S.FIRST_TS: T0,
                S.LAST_TS: T0 + timedelta(hours=10),
                S.RISK_SCORE: score,
                S.RISK_TIER: tier,
                S.REASONS: [HOSTILE_REASON, "2 AIS gaps (+20)"] if mmsi == 345000001 else [],
                S.event_count_column("ais_gap"): 2 if mmsi == 345000001 else 0,
            }
        )
        rows.append(row)
    return pl.DataFrame(rows, schema=VESSEL_SCHEMA)


def event_row(
    event_type: str,
    mmsi: int,
    *,
    hours: tuple[float, float],
    lat: float,
    lon: float,
    end: tuple[float, float] | None = None,
    other: int | None = None,
    evidence: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    start_ts = T0 + timedelta(hours=hours[0])
    end_ts = T0 + timedelta(hours=hours[1])
    e_lat, e_lon = end if end is not None else (lat, lon)
    ev = dict.fromkeys(S.EVIDENCE_FIELDS)
    ev.update(evidence or {})
    return {
        S.EVENT_ID: event_id or f"{event_type}-{mmsi}-{hours[0]}",
        S.EVENT_TYPE: event_type,
        S.MMSI: mmsi,
        S.OTHER_MMSI: other,
        S.SEGMENT_ID: None,
        S.START_TS: start_ts,
        S.END_TS: end_ts,
        S.DURATION_H: hours[1] - hours[0],
        S.LAT: lat,
        S.LON: lon,
        S.START_LAT: lat,
        S.START_LON: lon,
        S.END_LAT: e_lat,
        S.END_LON: e_lon,
        S.EEZ_ISO3: "MEX",
        S.EVENT_ZONE_ID: None,
        S.EVENT_ZONE_NAME: None,
        S.SHORE_KM: 12.0,
        S.EVIDENCE: ev,
    }


def events_frame() -> pl.DataFrame:
    """2 gaps, 1 encounter, 1 dark rendezvous, 1 loitering, 1 fishing, 1 zone entry, 1 EEZ."""
    rows = [
        event_row(
            "ais_gap",
            345000001,
            hours=(4.8, 5.0),
            lat=31.0,
            lon=-114.1,
            end=(31.0, -114.0),
            evidence={"gap_h": 7.25, "implied_speed_kn": 3.4, "summary": f"dark near {HOSTILE}"},
        ),
        event_row(
            "ais_gap",
            345000002,
            hours=(2.0, 3.0),
            lat=31.2,
            lon=-114.4,
            end=(31.2, -114.3),
            evidence={"gap_h": 1.0, "implied_speed_kn": 5.0},
        ),
        event_row("encounter", 345000001, hours=(6.0, 8.0), lat=31.1, lon=-113.9, other=345000002),
        event_row(
            "dark_rendezvous",
            345000002,
            hours=(8.0, 9.0),
            lat=31.3,
            lon=-113.8,
            other=345000003,
            evidence={"rendezvous_kind": "both dark"},
        ),
        event_row("loitering", 345000003, hours=(1.0, 4.0), lat=31.4, lon=-114.5),
        event_row("fishing", 345000004, hours=(2.0, 6.0), lat=31.6, lon=-114.4),
        event_row("zone_entry", 345000002, hours=(1.0, 1.0), lat=31.2, lon=-114.5),
        event_row("eez_incursion", 345000003, hours=(5.0, 5.0), lat=31.4, lon=-114.2),
    ]
    return pl.DataFrame(rows, schema=S.EVENT_SCHEMA)


@pytest.fixture
def scene() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return tracks_frame(), events_frame(), vessels_frame()


@pytest.fixture
def empty_zones() -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame({S.ZONE_ID: [], S.ZONE_KIND: []}, geometry=[], crs=4326)


@dataclass
class Opened:
    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM} (Debian package `chromium`; README command 1, "
            "scripts/quickstart.sh, installs it)"
        )
    import playwright.sync_api as sync_api

    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def open_map(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """``open_map(html_path, allow_cdn=True)`` -> Opened (page + JS errors + dialogs)."""
    contexts: list[Any] = []

    def _open(path: Path, *, allow_cdn: bool = True) -> Opened:
        ctx = browser.new_context(viewport={"width": 1280, "height": 820})
        contexts.append(ctx)
        page = ctx.new_page()
        opened = Opened(page)
        page.on("pageerror", lambda exc: opened.errors.append(str(exc)))

        def on_console(msg: Any) -> None:
            # aborted tile requests log "Failed to load resource"; they are counted in `remote`
            if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
                opened.errors.append(msg.text)

        page.on("console", on_console)

        def on_dialog(dialog: Any) -> None:
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
                return
            opened.remote.append(url)
            rel = local_asset(url) if allow_cdn else None
            if rel is None:
                r.abort()
                return
            ctype = "text/css" if rel.endswith(".css") else "text/javascript"
            r.fulfill(status=200, body=asset_bytes(rel), headers={"content-type": ctype})

        page.route("**/*", route)
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("() => window.vesselsMap !== undefined")
        return opened

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
