"""Hostile text for every text field of a map (issue #11): template, HTML, JS-URL, CSS,
spreadsheet and unicode payloads. Shared by the HTML, browser and CLI tests of the maps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from tests.maps.conftest import events_frame, tracks_frame, vessels_frame
from vessels import schema as S

#: Created by the shell command of the quoted template payload if it were ever evaluated.
MARKER_FILE = Path("/tmp/vessels-issue11-pwned")
#: Created in the working directory by the quote-free payload (tojson escapes quotes, so this
#: one is the payload that did run before the fix).
MARKER_DIR = "vessels_issue11_pwned"

# id -> text
PAYLOADS: dict[str, str] = {
    # template (Jinja2, compiled by branca before the fix)
    "tpl-expr": "{{7*7}}",
    "tpl-expr-str": "{{7*'7'}}",
    "tpl-for": "{% for i in range(3) %}L{{ i }}{% endfor %}",
    "tpl-rce-quoted": f"{{{{cycler.__init__.__globals__.os.system('touch {MARKER_FILE}')}}}}",
    "tpl-rce-bare": (f"{{{{cycler.__init__.__globals__.os.mkdir(dict({MARKER_DIR}=1)|first)}}}}"),
    "tpl-comment": "{# open comment",
    "tpl-string": "{{'x'}}",
    "tpl-raw": "{% endraw %}{{ 6*7 }}{% raw %}",
    "js-template": "${7*7} `${alert(1)}`",
    # HTML
    "html-script": "<script>window.__pwned=1</script>",
    "html-img": '<img src=x onerror="window.__pwned=2;alert(2)">',
    "html-close-script": "</script><script>window.__pwned=3;alert(3)</script>",
    "html-attr": '"><svg onload=alert(4)>',
    "html-comment": "<!-- <script>alert(5)</script>",
    "html-entity": "&lt;b&gt;not bold&lt;/b&gt; &amp;",
    # JS URL
    "js-url": "javascript:alert(6)",
    # CSS
    "css-close-style": "</style><script>window.__pwned=7</script>",
    "css-expression": "x;background:url(javascript:alert(8));width:expression(alert(9))",
    # spreadsheet formulas
    "xls-eq": "=1+1",
    "xls-plus": "+1+1",
    "xls-minus": "-1+1",
    "xls-at": "@SUM(A1:A2)",
    "xls-tab": "\t=1+1",
    "xls-hyperlink": '=HYPERLINK("http://x.invalid","click")',
    # terminal markup (rich): the CLI prints names, notes and paths
    "rich-markup": "[bold red]x[/bold red] [/nope] [link=javascript:alert(1)]y[/link]",
    # unicode
    "uni-line-sep": "A\u2028B\u2029C",
    "uni-rtl": "\u202eevil\u202c txt",
    "uni-nul": "NUL\x00byte",
}

#: Payloads that cannot be a file name (a path separator or NUL).
NOT_FILENAMES = frozenset(k for k, v in PAYLOADS.items() if "/" in v or "\x00" in v)


def cleanup_markers(cwd: Path) -> None:
    MARKER_FILE.unlink(missing_ok=True)
    (cwd / MARKER_DIR).rmdir() if (cwd / MARKER_DIR).is_dir() else None


def markers_present(cwd: Path) -> list[str]:
    return [str(p) for p in (MARKER_FILE, cwd / MARKER_DIR) if p.exists()]


HOSTILE_MMSI = 345000001
FIELDS = (
    "vessel_name",
    "callsign",
    "destination",
    "reason",
    "zone_name",
    "zone_id",
    "zone_source",
    "zone_kind",  # a kind outside ZONE_KINDS (API input): drawn as "Other zones", kind as text
    "event_zone_name",
    "event_summary",
    "event_id",
    "profile",
    "title",
)
BLOCK = re.compile(r'<script type="application/json" id="vessels-data">(.*?)</script>', flags=re.S)


def tagged(payload: str, field_name: str) -> str:
    """The payload as put into one field: a tag at the end names the field in the page."""
    return f"{payload} ZQX{field_name}"


def hostile_inputs(payload: str) -> tuple[Any, ...]:
    """The conftest scene with ``payload`` in every text field (one tag per field)."""
    import geopandas as gpd
    import shapely

    def t(name: str) -> str:
        return tagged(payload, name)

    vessels = (
        vessels_frame()
        .with_columns(
            pl.when(pl.col(S.MMSI) == HOSTILE_MMSI)
            .then(pl.lit(t(col)))
            .otherwise(pl.col(S.VESSEL_NAME if col == "vessel_name" else S.CALLSIGN))
            .alias(S.VESSEL_NAME if col == "vessel_name" else S.CALLSIGN)
            for col in ("vessel_name", "callsign")
        )
        .with_columns(
            pl.when(pl.col(S.MMSI) == HOSTILE_MMSI)
            .then(pl.lit([t("reason"), "2 AIS gaps (+20)"]))
            .otherwise(pl.col(S.REASONS))
            .alias(S.REASONS),
        )
    )
    # the destination comes from the positions (the last one each vessel broadcast)
    tracks = tracks_frame().with_columns(
        pl.when(pl.col(S.MMSI) == HOSTILE_MMSI)
        .then(pl.lit(t("destination")))
        .otherwise(pl.col(S.DESTINATION))
        .alias(S.DESTINATION)
    )
    events = events_frame()
    gap = (pl.col(S.EVENT_TYPE) == "ais_gap") & (pl.col(S.MMSI) == HOSTILE_MMSI)
    events = events.with_columns(
        pl.when(gap)
        .then(pl.lit(t("event_zone_name")))
        .otherwise(S.EVENT_ZONE_NAME)
        .alias(S.EVENT_ZONE_NAME),
        pl.when(gap).then(pl.lit(t("event_id"))).otherwise(S.EVENT_ID).alias(S.EVENT_ID),
        pl.when(gap)
        .then(pl.col(S.EVIDENCE).struct.with_fields(pl.lit(t("event_summary")).alias("summary")))
        .otherwise(pl.col(S.EVIDENCE))
        .alias(S.EVIDENCE),
    )
    zones = gpd.GeoDataFrame(
        {
            S.ZONE_ID: [t("zone_id")],
            S.ZONE_NAME: [t("zone_name")],
            S.ZONE_KIND: [t("zone_kind")],
            S.ZONE_SOURCE: [t("zone_source")],
        },
        geometry=[shapely.box(-114.5, 30.9, -114.2, 31.5)],
        crs=4326,
    )
    return tracks, events, vessels, zones
