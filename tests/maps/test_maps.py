"""risk_map data preparation, escaping, offline bundle and the `vessels map` CLI (no browser)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import T0, make_track
from tests.maps.conftest import HOSTILE, event_row, events_frame, tracks_frame, vessels_frame
from vessels import schema as S
from vessels.cli import main
from vessels.errors import UserError
from vessels.maps import risk_map, save_map
from vessels.maps._data import event_features, select_vessels, simplify_tracks
from vessels.maps._offline import ASSETS, asset_bytes, local_asset, localise
from vessels.outputs import mark_complete
from vessels.risk import VESSEL_SCHEMA

# --- which vessels are drawn ------------------------------------------------------------------

SELECT_CASES = [
    # id, top_n, mmsi, expected mmsi order
    ("top-2-by-score", 2, None, [345000001, 345000002]),
    ("top-more-than-table", 10, None, [345000001, 345000002, 345000003, 345000004]),
    ("explicit-mmsi-keeps-risk-order", 50, [345000004, 345000002], [345000002, 345000004]),
]


@pytest.mark.parametrize(
    ("top_n", "mmsi", "expected"), [c[1:] for c in SELECT_CASES], ids=[c[0] for c in SELECT_CASES]
)
def test_select_vessels(top_n: int, mmsi: list[int] | None, expected: list[int]) -> None:
    selected, total = select_vessels(vessels_frame(), top_n=top_n, mmsi=mmsi)
    assert selected[S.MMSI].to_list() == expected
    assert total == 4


def test_select_ties_broken_by_mmsi_and_null_scores_last() -> None:
    v = pl.DataFrame(
        {S.MMSI: [3, 2, 1, 4], S.RISK_SCORE: [50.0, 50.0, None, 60.0], S.RISK_TIER: ["m"] * 4},
        schema_overrides={S.MMSI: pl.UInt32},
    )
    assert select_vessels(v, top_n=4)[0][S.MMSI].to_list() == [4, 2, 3, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_n": 5, "mmsi": [999]}, "MMSI not in the vessels table: 999"),
        ({"top_n": 0}, "top_n must be at least 1"),
    ],
    ids=["unknown-mmsi", "zero-top"],
)
def test_select_user_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        select_vessels(vessels_frame(), **kwargs)


# --- simplification -----------------------------------------------------------------------------


def _zigzag(n: int, amp_deg: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            S.MMSI: [1] * n,
            S.SEGMENT_ID: ["a"] * n,
            S.TS: [T0 + timedelta(minutes=i) for i in range(n)],
            S.LAT: [amp_deg * (i % 2) for i in range(n)],
            S.LON: [i * 0.01 for i in range(n)],
        },
        schema_overrides={S.MMSI: pl.UInt32},
    )


SIMPLIFY_CASES = [
    # id, frame, simplify_m, cap, expected rows
    ("straight-line-keeps-ends", _zigzag(50, 0.0), 30.0, 1000, 2),
    ("zigzag-above-tolerance-kept", _zigzag(50, 0.01), 30.0, 1000, 50),
    ("zigzag-below-tolerance-dropped", _zigzag(50, 0.0001), 30.0, 1000, 2),
    ("cap-thins-to-every-kth-plus-end", _zigzag(100, 0.01), 30.0, 10, 11),
]


@pytest.mark.parametrize(
    ("frame", "tol", "cap", "expected"),
    [c[1:] for c in SIMPLIFY_CASES],
    ids=[c[0] for c in SIMPLIFY_CASES],
)
def test_simplify_tracks(frame: pl.DataFrame, tol: float, cap: int, expected: int) -> None:
    out = simplify_tracks(frame, simplify_m=tol, max_points_per_track=cap)
    assert out.height == expected
    # kept points are input points: same timestamps, same coordinates, ends preserved
    joined = out.join(frame, on=[S.MMSI, S.TS], how="left", suffix="_in")
    assert joined[S.LAT + "_in"].null_count() == 0
    assert (joined[S.LAT] - joined[S.LAT + "_in"]).abs().max() < 1e-9  # type: ignore[operator]
    assert out[S.TS].min() == frame[S.TS].min() and out[S.TS].max() == frame[S.TS].max()


def test_simplify_keeps_segments_apart_and_single_fixes() -> None:
    tr = tracks_frame()  # vessel 1 has two segments
    single = (
        tr.filter(pl.col(S.MMSI) == 345000002)
        .head(1)
        .with_columns(pl.lit("lonely").alias(S.SEGMENT_ID))
    )
    out = simplify_tracks(
        pl.concat([tr, single]).select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON),
        simplify_m=30.0,
        max_points_per_track=1000,
    )
    parts = out.group_by(S.MMSI, S.SEGMENT_ID).len().sort(S.MMSI, S.SEGMENT_ID)
    assert parts.filter(pl.col(S.MMSI) == 345000001)["len"].to_list() == [2, 2]
    assert parts.filter(pl.col(S.SEGMENT_ID) == "lonely")["len"].to_list() == [1]


# --- events -----------------------------------------------------------------------------------


def _features(events: pl.DataFrame, **kw: Any) -> tuple[dict[str, Any], dict[str, int]]:
    selected, _ = select_vessels(vessels_frame(), top_n=50)
    positions = tracks_frame().select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON)
    return event_features(
        events, selected, positions, simplify_m=1.0, max_events_per_type=kw.get("cap", 100)
    )


def test_event_geometries_by_type() -> None:
    feats, left_out = _features(events_frame())
    assert left_out == {}
    gap = next(f for f in feats["ais_gap"] if f["properties"]["mmsi"] == 345000001)
    assert gap["geometry"] == {
        "type": "LineString",
        "coordinates": [[-114.1, 31.0], [-114.0, 31.0]],
    }
    for etype in ("encounter", "dark_rendezvous", "zone_entry", "eez_incursion"):
        assert [f["geometry"]["type"] for f in feats[etype]] == ["Point"]
    # loitering of 345000003 from 1 h to 4 h: the track slice, its ends are fixes in the window
    loiter = feats["loitering"][0]["geometry"]
    assert loiter["type"] == "MultiLineString" and len(loiter["coordinates"]) == 1
    lons = [c[0] for c in loiter["coordinates"][0]]
    track = tracks_frame().filter(pl.col(S.MMSI) == 345000003)
    inside = track.filter(pl.col(S.TS).is_between(T0 + timedelta(hours=1), T0 + timedelta(hours=4)))
    assert min(lons) == pytest.approx(inside[S.LON].min(), abs=1e-5)
    assert max(lons) == pytest.approx(inside[S.LON].max(), abs=1e-5)


def test_track_part_follows_the_event_segment_not_a_twin_transmitter() -> None:
    """Two transmitters share MMSI 345000003 (segments a and z, 1 degree apart, same times)."""
    selected, _ = select_vessels(vessels_frame(), top_n=50)
    base = tracks_frame().filter(pl.col(S.MMSI) == 345000003)
    twin = base.with_columns(pl.col(S.LAT) - 1.0, pl.lit("345000003-z").alias(S.SEGMENT_ID))
    positions = pl.concat([base, twin]).select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON)
    ev = event_row("loitering", 345000003, hours=(1.0, 4.0), lat=31.4, lon=-114.5)
    ev[S.SEGMENT_ID] = "345000003-a"
    feats, _ = event_features(
        pl.DataFrame([ev], schema=S.EVENT_SCHEMA),
        selected,
        positions,
        simplify_m=1.0,
        max_events_per_type=10,
    )
    lines = feats["loitering"][0]["geometry"]["coordinates"]
    assert len(lines) == 1 and {c[1] for c in lines[0]} == {31.4}
    # without a segment on the event: one part per segment, never a line jumping between them
    ev[S.SEGMENT_ID] = None
    feats, _ = event_features(
        pl.DataFrame([ev], schema=S.EVENT_SCHEMA),
        selected,
        positions,
        simplify_m=1.0,
        max_events_per_type=10,
    )
    parts = feats["loitering"][0]["geometry"]["coordinates"]
    assert sorted(tuple({c[1] for c in p}) for p in parts) == [(30.4,), (31.4,)]


def test_event_rows_carry_evidence_and_both_vessels() -> None:
    feats, _ = _features(events_frame())
    gap = next(f for f in feats["ais_gap"] if f["properties"]["mmsi"] == 345000001)
    rows = {r["l"]: r["v"] for r in gap["properties"]["rows"]}
    assert rows["Gap"] == "7.2 h" or rows["Gap"] == "7.3 h"
    assert rows["Implied speed"] == "3.4 kn"
    assert rows["Vessel"] == f"{HOSTILE} (345000001)"
    enc = {r["l"]: r["v"] for r in feats["encounter"][0]["properties"]["rows"]}
    assert enc["Other vessel"] == "SEA STAR (345000002)"


def test_events_capped_per_type_longest_kept() -> None:
    rows = [
        event_row("loitering", 345000003, hours=(0, h), lat=31.4, lon=-114.5, event_id=f"l{h}")
        for h in (1, 2, 3, 4, 5)
    ]
    feats, left_out = _features(pl.DataFrame(rows, schema=S.EVENT_SCHEMA), cap=2)
    assert left_out == {"loitering": 3}
    assert len(feats["loitering"]) == 2


def test_events_of_vessels_not_drawn_are_left_out() -> None:
    other = event_row("encounter", 111111111, hours=(1, 2), lat=31, lon=-114, other=222222222)
    feats, _ = _features(pl.DataFrame([other], schema=S.EVENT_SCHEMA))
    assert feats == {}


# --- contract: odd but legal inputs ----------------------------------------------------------

CONTRACT_CASES = [
    # id, tracks, events, vessels
    (
        "all-empty",
        S.empty_positions(with_derived=True),
        S.empty_events(),
        pl.DataFrame(schema=VESSEL_SCHEMA),
    ),
    ("no-events", tracks_frame(), None, vessels_frame()),
    (
        "vessels-minimal-columns-int64-mmsi",
        tracks_frame(),
        events_frame(),
        vessels_frame().select(pl.col(S.MMSI).cast(pl.Int64), S.RISK_SCORE, S.RISK_TIER),
    ),
    (
        "tracks-without-segment-id-lazy",
        tracks_frame().drop(S.SEGMENT_ID).lazy(),
        events_frame(),
        vessels_frame(),
    ),
    (
        "events-minimal-columns",
        tracks_frame(),
        events_frame().select(
            S.EVENT_ID, S.EVENT_TYPE, pl.col(S.MMSI).cast(pl.Int64), S.LAT, S.LON
        ),
        vessels_frame(),
    ),
    (
        "all-null-text-and-scores",
        tracks_frame(),
        events_frame(),
        vessels_frame().with_columns(
            pl.lit(None, dtype=pl.String).alias(S.VESSEL_NAME),
            pl.lit(None, dtype=pl.Float64).alias(S.RISK_SCORE),
            pl.lit(None, dtype=pl.String).alias(S.RISK_TIER),
            pl.lit(None, dtype=pl.List(pl.String)).alias(S.REASONS),
        ),
    ),
    ("vessel-with-one-fix", tracks_frame().group_by(S.MMSI).first(), None, vessels_frame()),
]


@pytest.mark.parametrize(
    ("tracks", "events", "vessels"),
    [c[1:] for c in CONTRACT_CASES],
    ids=[c[0] for c in CONTRACT_CASES],
)
def test_contract_inputs_render(tracks: Any, events: Any, vessels: pl.DataFrame) -> None:
    m = risk_map(tracks, events, vessels, land=False)
    page = m.get_root().render()
    assert "vesselsMap.bind" in page
    n_tracks = len(re.findall(r'"kind": "track"', page))
    assert n_tracks == min(vessels.height, 4)


def test_missing_columns_are_user_errors() -> None:
    with pytest.raises(UserError, match="tracks lack column"):
        risk_map(tracks_frame().drop(S.LAT), None, vessels_frame(), land=False)
    with pytest.raises(UserError, match="vessels table lacks column"):
        risk_map(tracks_frame(), None, vessels_frame().drop(S.RISK_TIER), land=False)
    with pytest.raises(UserError, match="events lack column"):
        risk_map(tracks_frame(), events_frame().drop(S.EVENT_TYPE), vessels_frame(), land=False)


# --- the page: text stays text ------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_html() -> str:
    m = risk_map(
        tracks_frame(),
        events_frame(),
        vessels_frame(),
        land=False,
        title="<script>alert('t')</script>",
        profile="<i>p</i>",
    )
    return str(m.get_root().render())


def test_ais_text_never_appears_as_markup(page_html: str) -> None:
    assert "<img src=x" not in page_html
    assert "<script>window.__pwned" not in page_html
    assert "X<b>1</b>" not in page_html
    assert "</script><svg" not in page_html and "\\u003c/script\\u003e\\u003csvg" in page_html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page_html  # present, as JSON data
    # title and profile too: JSON in the page's data block, written by our script as text
    assert "<script>alert(" not in page_html and "\\u003cscript\\u003ealert('t')" in page_html
    assert "<i>p</i>" not in page_html and "profile: \\u003ci\\u003ep\\u003c/i\\u003e" in page_html


def test_popups_never_use_innerhtml_or_folium_html_popups(page_html: str) -> None:
    helper = asset_bytes("vessels/vessels-map.js").decode()
    assert "innerHTML" not in re.sub(r"/\*.*?\*/", "", helper, flags=re.S)
    assert "textContent" in helper
    assert "GeoJsonPopup" not in page_html and "bindPopup(feature.properties" not in page_html


def test_title_notes_when_vessels_are_left_out() -> None:
    m = risk_map(tracks_frame(), None, vessels_frame(), land=False, top_n=2)
    assert "showing the top 2 of 4 vessels by risk score" in m.get_root().render()


def test_vessel_limit_is_announced() -> None:
    m = risk_map(tracks_frame(), None, vessels_frame(), land=False, top_n=4, max_vessels=3)
    page = m.get_root().render()
    assert "4 vessels asked for; only the 3 highest-risk drawn" in page
    assert "vessels-mmsi-345000004" not in page and "vessels-mmsi-345000003" in page


def test_point_cap_is_announced(caplog: pytest.LogCaptureFixture) -> None:
    zig = make_track(345000001, n=400, course_deg=45.0).with_columns(
        pl.lit("a").alias(S.SEGMENT_ID)
    )
    wiggly = zig.with_columns(pl.col(S.LAT) + (pl.int_range(pl.len()) % 2) * 0.01)
    with caplog.at_level("WARNING", logger="vessels.maps"):
        m = risk_map(wiggly, None, vessels_frame(), land=False, max_points_per_track=50)
    assert "thinned to at most ~50 points" in m.get_root().render()
    assert any("thinned" in r.getMessage() for r in caplog.records)


# --- offline ------------------------------------------------------------------------------------


def _remote_refs(page: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?:[^"]+|//[^"]+)"', page)


def test_offline_page_has_no_remote_script_or_style(tmp_path: Path) -> None:
    m = risk_map(
        tracks_frame(), events_frame(), vessels_frame(), land=False, offline=True, time_slider=True
    )
    page = save_map(m, tmp_path / "m.html").read_text()
    assert _remote_refs(page) == []
    assert "tile.openstreetmap.org" not in page
    assert "fontawesome" not in page.lower()  # icon font left out: the map has no icons


def test_online_page_refs_all_have_a_bundled_copy() -> None:
    m = risk_map(tracks_frame(), events_frame(), vessels_frame(), land=False, time_slider=True)
    refs = _remote_refs(m.get_root().render())
    assert refs
    from vessels.maps._offline import _dropped

    assert [u for u in refs if local_asset(u) is None and not _dropped(u)] == []


@pytest.mark.parametrize(("pattern", "rel"), ASSETS, ids=[r for _, r in ASSETS])
def test_every_bundled_asset_exists_with_a_licence(pattern: str, rel: str) -> None:
    assert len(asset_bytes(rel)) > 500
    folder = Path(__file__).resolve().parents[2] / "vessels" / "data" / "web" / rel.split("/")[0]
    assert any(p.name.upper().startswith(("LICEN", "NOTICE", "MIT")) for p in folder.iterdir())


def test_unknown_cdn_file_is_a_user_error() -> None:
    import folium

    m = folium.Map(tiles=None)
    m.default_js = [*m.default_js, ("x", "https://cdn.example.org/unknown-plugin.js")]
    with pytest.raises(UserError, match=re.escape("no local copy of https://cdn.example.org")):
        localise(m)


def test_icons_bring_the_icon_font_offline(tmp_path: Path) -> None:
    import base64

    import folium

    m = folium.Map(tiles=None)
    folium.Marker([0, 0], icon=folium.Icon(icon="ship", prefix="fa")).add_to(m)
    page = save_map(m, tmp_path / "icons.html", offline=True).read_text()
    assert _remote_refs(page) == []
    css = [
        base64.b64decode(x).decode()
        for x in re.findall(r'href="data:text/css;base64,([^"]+)"', page)
    ]
    assert any("Font Awesome" in c and "url(data:font/woff2;base64," in c for c in css)


# --- CLI ----------------------------------------------------------------------------------------


def _score_dir(tmp_path: Path, *, positions: bool = True, name: str = "tracks.parquet") -> Path:
    d = tmp_path / "score"
    d.mkdir()
    vessels_frame().write_parquet(d / "vessels.parquet")
    events_frame().write_parquet(d / "events.parquet")
    if positions and name.endswith(".parquet"):
        tracks_frame().write_parquet(d / name)
    elif positions:  # a folder of Parquet parts
        (d / name).mkdir()
        for i, part in enumerate(tracks_frame().partition_by(S.MMSI)):
            part.write_parquet(d / name / f"part-{i}.parquet")
    (d / "summary.json").write_text(json.dumps({"profile": {"name": "yucatan"}}))
    mark_complete(d)  # what a finished `vessels score` writes last
    return d


def test_cli_writes_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _score_dir(tmp_path)
    out = tmp_path / "m.html"
    assert main(["map", str(d), "--top", "2", "--out", str(out), "--offline"]) == 0
    page = out.read_text()
    assert "profile: yucatan" in page and "showing the top 2 of 4" in page
    assert _remote_refs(page) == []
    assert "wrote" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["tracks.parquet", "positions.parquet", "positions"])
def test_cli_reads_positions_by_any_known_name(tmp_path: Path, name: str) -> None:
    d = _score_dir(tmp_path, name=name)
    assert main(["map", str(d), "-q"]) == 0
    assert len(re.findall(r'"kind": "track"', (d / "map.html").read_text())) == 4


def test_cli_default_out_and_mmsi(tmp_path: Path) -> None:
    d = _score_dir(tmp_path)
    assert main(["map", str(d), "--mmsi", "345000004", "-q"]) == 0
    page = (d / "map.html").read_text()
    assert "vessels-mmsi-345000004" in page and "vessels-mmsi-345000001" not in page


CLI_ERRORS = [
    ("missing-dir", lambda p: p / "nope", "is not a directory"),
    (
        "no-positions",
        lambda p: _score_dir(p, positions=False),
        "lacks positions.parquet or tracks.parquet or positions",
    ),
    (
        "no-vessels",
        lambda p: (_score_dir(p) / "vessels.parquet").unlink() or p / "score",
        "lacks vessels.parquet",
    ),
]


@pytest.mark.parametrize(
    ("make", "message"), [c[1:] for c in CLI_ERRORS], ids=[c[0] for c in CLI_ERRORS]
)
def test_cli_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, message: str
) -> None:
    assert main(["map", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_unknown_mmsi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", str(_score_dir(tmp_path)), "--mmsi", "123"]) == 2
    assert "MMSI not in the vessels table: 123" in capsys.readouterr().err


# --- properties ---------------------------------------------------------------------------------


@st.composite
def _walks(draw: Any) -> pl.DataFrame:
    n_vessels = draw(st.integers(1, 4))
    frames = []
    for v in range(n_vessels):
        n = draw(st.integers(1, 40))
        steps = draw(st.lists(st.floats(-0.01, 0.01), min_size=2 * n, max_size=2 * n))
        segs = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
        frames.append(
            pl.DataFrame(
                {
                    S.MMSI: [v + 1] * n,
                    S.SEGMENT_ID: sorted(segs),
                    S.TS: [T0 + timedelta(minutes=i) for i in range(n)],
                    S.LAT: list(pl.Series(steps[:n]).cum_sum() + 30.0),
                    S.LON: list(pl.Series(steps[n:]).cum_sum() - 110.0),
                },
                schema_overrides={S.MMSI: pl.UInt32},
            )
        )
    return pl.concat(frames)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    walks=_walks(),
    cap=st.integers(2, 30),
    tol=st.sampled_from([0.0, 10.0, 300.0]),
    seed=st.integers(0, 1000),
)
def test_simplify_properties(walks: pl.DataFrame, cap: int, tol: float, seed: int) -> None:
    out = simplify_tracks(walks, simplify_m=tol, max_points_per_track=cap)
    # input order does not matter
    shuffled = walks.sample(fraction=1.0, shuffle=True, seed=seed)
    assert out.equals(simplify_tracks(shuffled, simplify_m=tol, max_points_per_track=cap))
    # every kept point is an input point, and the first/last fix of every part is kept
    key = [S.MMSI, S.SEGMENT_ID, S.TS]
    assert out.join(walks, on=[*key, S.LAT, S.LON], how="anti").height == 0
    ends = walks.group_by(S.MMSI, S.SEGMENT_ID).agg(
        pl.col(S.TS).min().alias("a"), pl.col(S.TS).max().alias("b")
    )
    kept = out.group_by(S.MMSI, S.SEGMENT_ID).agg(
        pl.col(S.TS).min().alias("a"), pl.col(S.TS).max().alias("b")
    )
    assert ends.sort(S.MMSI, S.SEGMENT_ID).equals(kept.sort(S.MMSI, S.SEGMENT_ID))
    # the cap holds up to the kept part ends (at most 2 parts here: <= cap + 4 points)
    assert out.group_by(S.MMSI).len()["len"].max() <= cap + 4  # type: ignore[operator]
