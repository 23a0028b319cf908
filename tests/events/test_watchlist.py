"""Watchlists (issue #19, point 1): loading, matching qualities, measured precision/recall on the
simulator's renamed vessels, the watchlist_hit event and rule, and the CLI option."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.factories import T0, make_track
from vessels import schema as S
from vessels.cli import main
from vessels.errors import FormatError
from vessels.events import detect_events
from vessels.outputs import FORMULA_PREFIXES
from vessels.risk import score
from vessels.simulation._watchlist import VARIANTS, renamed_vessels
from vessels.testing import staged
from vessels.watchlist import load_watchlist, match_watchlist, normalise_name


def _ids(*rows: tuple[int, str | None, int | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            S.MMSI: pl.UInt32,
            S.VESSEL_NAME: pl.String,
            S.IMO: pl.UInt32,
            S.CALLSIGN: pl.String,
        },
        orient="row",
    )


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("F/V Hai Feng No. 718", "HAI FENG 718"),
        ("fv  hai-feng 718", "HAI FENG 718"),
        ("B/P LUPITA", "LUPITA"),
        ("M.V. Ocean  Star", "M V OCEAN STAR"),  # dotted "M.V." after punctuation: only "M V "
        ("FV", "FV"),  # a prefix alone is a name
        ("NOVA 2", "NOVA 2"),
    ],
)
def test_normalise_name(raw: str, norm: str) -> None:
    expected = "OCEAN STAR" if raw.startswith("M.V.") else norm
    assert normalise_name(raw) == expected


def test_load_watchlist_aliases_case_insensitively(tmp_path: Path) -> None:
    p = tmp_path / "iuu.csv"
    p.write_text(
        "Vessel Name,IMO Number,Call Sign,MMSI,Flag State,URL,Remarks\n"
        "F/V Sea Star,IMO 9123456,ab-12c,412123456,CHN,https://example.org/1,no licence\n"
        "Other,12,,,,,\n"
    )
    wl = load_watchlist(p)
    assert wl.schema == pl.Schema(
        {
            "entry_id": pl.UInt32,
            "mmsi": pl.UInt32,
            "imo": pl.UInt32,
            "callsign": pl.String,
            "name": pl.String,
            "flag": pl.String,
            "list_name": pl.String,
            "reason": pl.String,
            "link": pl.String,
        }
    )
    assert wl.row(0) == (
        1,
        412123456,
        9123456,
        "AB12C",
        "F/V Sea Star",
        "CHN",
        "iuu",
        "no licence",
        "https://example.org/1",
    )
    assert wl.row(1)[2] is None  # "12" is no IMO number


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_load_watchlist_json_and_parquet(tmp_path: Path, fmt: str) -> None:
    df = pl.DataFrame({"SHIPNAME": ["Lupita"], "imo": [9123456], "list": ["RFMO"]})
    p = tmp_path / f"w.{fmt}"
    if fmt == "json":
        p.write_text(json.dumps(df.to_dicts()))
    else:
        df.write_parquet(p)
    assert load_watchlist(p).select("name", "imo", "list_name").row(0) == (
        "Lupita",
        9123456,
        "RFMO",
    )


def test_watchlist_without_identity_columns_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("reason,link\nbad,http://x\n")
    with pytest.raises(FormatError, match=r"bad\.csv: none of the identity columns"):
        load_watchlist(p)
    other = tmp_path / "w.xlsx"
    other.write_text("x")
    with pytest.raises(FormatError, match=r"w\.xlsx: unknown file type"):
        load_watchlist(other)


def test_each_match_quality() -> None:
    wl = pl.DataFrame(
        {
            "name": [
                "Alpha",
                None,
                None,
                "F/V Hai Feng No. 718",
                "Lu Yuan Yu 123",
                "Ocean Prosperity Fishing 8",
                "Victoria Mar",
                "Hai Feng 719",
            ],
            "imo": [None, "9000001", None, None, None, None, None, None],
            "callsign": [None, None, "BXYZ", None, None, None, None, None],
            "mmsi": ["412000001", None, None, None, None, None, None, None],
        }
    )
    ids = _ids(
        (412000001, "SOMETHING", None, None),  # by MMSI
        (412000002, "RENAMED", 9000001, None),  # by IMO under a new name
        (412000003, "X", None, "B-XYZ"),  # by call sign
        (412000004, "HAI FENG 718", None, None),  # exact after normalisation
        (412000005, "LU YUAN YU NO.12E", None, None),  # different digits: no
        (412000006, "LU YUAM YU 123", None, None),  # a typo: fuzzy
        (412000007, "OCEAN PROSPERITY FIS", None, None),  # AIS truncation
        (412000008, "MAR VICTORIA", None, None),  # another word order: another vessel
    )
    hits = match_watchlist(ids, wl).sort("mmsi")
    got = {(m, q) for m, q in hits.select("mmsi", "match_quality").iter_rows()}
    assert got == {
        (412000001, "exact_mmsi"),
        (412000002, "exact_imo"),
        (412000003, "exact_callsign"),
        (412000004, "name_exact"),
        (412000006, "name_fuzzy"),
        (412000007, "name_exact"),
    }
    fuzzy = hits.filter(pl.col("match_quality") == "name_fuzzy").row(0, named=True)
    assert 80 <= fuzzy["match_score"] < 100
    assert fuzzy["matched_by"].startswith("name 'LU YUAM YU 123' ~ 'Lu Yuan Yu 123'")
    assert hits.filter(pl.col("mmsi") == 412000002)["matched_by"].item() == "IMO 9000001"


def test_best_match_per_vessel_and_entry() -> None:
    wl = pl.DataFrame({"name": ["Hai Feng 718"], "imo": ["9000001"]})
    hits = match_watchlist(_ids((412000001, "HAI FENG 718", 9000001, None)), wl)
    assert hits.select("match_quality").rows() == [("exact_imo",)]


@pytest.mark.parametrize("seed", [0, 1])
def test_precision_and_recall_on_simulated_renames(seed: int) -> None:
    case = renamed_vessels(600, seed=seed)
    hits = match_watchlist(case["identities"], case["watchlist"])
    truth = case["truth"]
    tp = hits.join(truth, on=["mmsi", "entry_id"]).height
    precision = tp / hits.height
    recall = tp / truth.height
    assert precision >= 0.95, precision
    assert recall >= 0.9, recall
    # every kind of rename is found most of the time
    per = truth.join(
        hits.select("mmsi", "entry_id", pl.lit(1).alias("hit")), on=["mmsi", "entry_id"], how="left"
    )
    by_variant = dict(per.group_by("variant").agg(pl.col("hit").is_not_null().mean()).iter_rows())
    assert set(by_variant) == set(VARIANTS)
    assert min(by_variant.values()) >= 0.75, by_variant


def _renamed_track() -> pl.DataFrame:
    """A listed vessel (IMO 9123456) that changed its name half-way, and a bystander."""
    first = make_track(412000011, n=30, vessel_name="HAI FENG 718", imo=9123456)
    second = make_track(
        412000011,
        n=30,
        start=T0 + timedelta(minutes=30),
        lat=25.01,
        vessel_name="GOLDEN STAR",
        imo=9123456,
    )
    other = make_track(412000022, n=30, lat=25.5, vessel_name="HAI FENG 719", imo=9000002)
    return pl.concat([first, second, other], how="diagonal_relaxed")


WATCHLIST = pl.DataFrame(
    {
        "Name": ["F/V Hai Feng No. 718"],
        "IMO": ["9123456"],
        "List": ["IUU list"],
        "Reason": ["fishing without licence"],
    }
)


def test_watchlisted_vessel_under_a_changed_name_is_an_event_and_scores() -> None:
    tracks = _renamed_track()
    events = detect_events(staged(tracks), watchlist=WATCHLIST)
    hits = events.filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT)
    assert hits[S.MMSI].to_list() == [412000011]
    ev = hits["evidence"].struct.unnest().row(0, named=True)
    assert ev["match_quality"] == "exact_imo"
    assert ev["list_name"] == "IUU list"
    changes = events.filter(pl.col(S.EVENT_TYPE) == S.IDENTITY_CHANGE)
    assert changes["evidence"].struct.field("summary").to_list() == [
        "vessel_name changed 'HAI FENG 718' -> 'GOLDEN STAR'"
    ]
    res = score(events, tracks)
    c = res.contributions.filter(pl.col(S.RULE_NAME) == "watchlist_hit")
    assert c[S.MMSI].to_list() == [412000011]
    assert (
        c[S.EXPLANATION]
        .item()
        .startswith("on list IUU list (fishing without licence) by IMO 9123456")
    )
    assert detect_events(staged(tracks)).filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT).height == 0


def test_cli_score_watchlist(tmp_path: Path) -> None:
    tracks = _renamed_track()
    csv = tmp_path / "ais.csv"
    tracks.select(
        pl.col(S.MMSI).alias("MMSI"),
        pl.col(S.TS).dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col(S.LAT).alias("LAT"),
        pl.col(S.LON).alias("LON"),
        pl.col(S.SOG_KN).alias("SOG"),
        pl.col(S.COG_DEG).alias("COG"),
        pl.col(S.VESSEL_NAME).alias("VesselName"),
        pl.col(S.IMO).map_elements(lambda i: f"IMO{i}", return_dtype=pl.String).alias("IMO"),
    ).write_csv(csv)
    wl = tmp_path / "list.csv"
    # hostile list text: data, neutralised in CSV outputs
    wl.write_text('name,imo,list,reason\nF/V Hai Feng No. 718,9123456,=HYPERLINK("x"),=1+1\n')
    out = tmp_path / "out"
    rc = main(
        [
            "score",
            str(csv),
            "--out",
            str(out),
            "--no-default-zones",
            "--no-map",
            "-q",
            "--watchlist",
            str(wl),
        ]
    )
    assert rc == 0
    events = pl.read_parquet(out / "events.parquet")
    hit = events.filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT)
    assert hit[S.MMSI].to_list() == [412000011]
    assert hit["evidence"].struct.field("reason").item() == "=1+1"  # stored as given
    for name in ("events.csv", "contributions.csv", "vessels.csv"):
        df = pl.read_csv(out / name, infer_schema=False)
        cells = [c for col in df.columns for c in df[col].drop_nulls()]
        risky = [c for c in cells if c.startswith(FORMULA_PREFIXES)]
        assert not [c for c in risky if not re.fullmatch(r"-[0-9.]+", c)], name
        assert name != "events.csv" or any("=1+1" in c for c in cells)  # the text is there
    bad = tmp_path / "bad.csv"
    bad.write_text("reason\nx\n")
    rc = main(
        [
            "score",
            str(csv),
            "--out",
            str(tmp_path / "o2"),
            "--no-default-zones",
            "-q",
            "--watchlist",
            str(bad),
        ]
    )
    assert rc == 2
    assert not (tmp_path / "o2").exists()
