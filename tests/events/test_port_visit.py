"""port_visit: stays in a World Port Index port / learned anchorage (issue 12, point 3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import tracktable_data  # dev extra: real NOAA MarineCadastre AIS (public domain)

from vessels import schema as S
from vessels.events import detect_events
from vessels.events.port_visit import PortVisitConfig, detect_port_visits
from vessels.io import read_ais
from vessels.testing import T0, make_track, staged
from vessels.zones import label_zones

GUAYMAS = (27.916667, -110.916667)  # WPI 15850, harbour radius 3 km


def _ev(df: pl.DataFrame, field: str) -> list[object]:
    return df[S.EVIDENCE].struct.field(field).to_list()


def _leg(start, lat, lon, n, speed_kn, course_deg, mmsi=345000001):
    return make_track(
        mmsi,
        start=start,
        lat=lat,
        lon=lon,
        n=n,
        interval_s=600,
        speed_kn=speed_kn,
        course_deg=course_deg,
    )


def _guaymas_trip(mmsi: int = 345000001) -> pl.DataFrame:
    """At the Guaymas berth 3 h, out 12 km south and back (8 kn), berth 2 h, out again 2 h."""
    lat, lon = GUAYMAS
    berth1 = _leg(T0, lat, lon, 18, 0.0, 180.0, mmsi)  # 0 .. 2h50
    t = T0 + timedelta(hours=3)
    out = _leg(t, lat, lon, 10, 8.0, 180.0, mmsi)  # 10 fixes south, ~13 km
    far_lat = out[S.LAT][-1]
    t += timedelta(minutes=100)
    back = _leg(t, far_lat - 0.002, lon, 10, 8.0, 0.0, mmsi)
    t += timedelta(minutes=100)
    berth2 = _leg(t, lat, lon, 12, 0.0, 0.0, mmsi)  # 2 h
    t += timedelta(hours=2)
    leave = _leg(t, lat, lon, 12, 8.0, 180.0, mmsi)
    return label_zones(pl.concat([berth1, out, back, berth2, leave]))


def test_boat_leaving_and_returning_to_guaymas() -> None:
    trip = _guaymas_trip()
    assert trip[S.IN_PORT].any() and not trip[S.IN_PORT].all()
    ev = detect_events(staged(trip), types=["port_visit"])
    assert ev.height == 2, ev
    assert _ev(ev, "port_name") == ["Guaymas", "Guaymas"]
    assert _ev(ev, "port_country") == ["MEX", "MEX"]  # ISO 3166 alpha-3, like flag
    assert ev[S.EVENT_ZONE_NAME].to_list() == ["Guaymas", "Guaymas"]
    # the first stay began before the data: open at the start; the second is a full visit
    assert _ev(ev, "is_open") == [True, False]
    assert _ev(ev, "detail")[0].startswith("open at start")  # type: ignore[union-attr]
    assert ev[S.START_TS][0] == T0
    second = ev.row(1, named=True)
    assert second[S.START_TS] > T0 + timedelta(hours=4)  # arrival after the trip out
    assert 1.8 <= second[S.DURATION_H] <= 3.0  # 2 h at the berth plus the harbour approach
    assert _ev(ev, "summary")[1].startswith("in port Guaymas (MEX) ")  # type: ignore[union-attr]


def test_open_visit_at_the_end_of_the_data() -> None:
    lat, lon = GUAYMAS
    arrive = _leg(T0, lat - 0.25, lon, 12, 8.0, 0.0)  # 27 km north at 8 kn, into port
    stay = _leg(T0 + timedelta(hours=2), lat, lon, 6, 0.0, 0.0)
    ev = detect_events(staged(label_zones(pl.concat([arrive, stay]))), types=["port_visit"])
    assert ev.height == 1
    assert _ev(ev, "is_open") == [True]
    assert _ev(ev, "detail")[0].startswith("open at end")  # type: ignore[union-attr]
    assert _ev(ev, "summary")[0].endswith("or more (open)")  # type: ignore[union-attr]


def _labelled(in_port: list[bool], speed_kn: float = 0.0) -> pl.DataFrame:
    n = len(in_port)
    return make_track(n=n, interval_s=600, speed_kn=speed_kn).with_columns(
        pl.Series(S.IN_PORT, in_port),
        pl.lit("SAN FELIPE").alias(S.PORT_NAME),
        pl.lit("Mexico").alias(S.PORT_COUNTRY),
    )


def test_short_excursion_outside_is_hysteresis_not_a_new_visit() -> None:
    # 5 fixes (40 min) outside the port radius: below the 1 h exit grace -> one visit
    flags = [False] + [True] * 6 + [False] * 5 + [True] * 6 + [False]
    assert detect_port_visits(staged(_labelled(flags))).height == 1
    # the same pattern with 8 fixes outside (70 min) -> two visits
    flags = [False] + [True] * 6 + [False] * 8 + [True] * 6 + [False]
    ev = detect_port_visits(staged(_labelled(flags)))
    assert ev.height == 2
    assert _ev(ev, "is_open") == [False, False]
    # grace is a parameter
    assert (
        detect_port_visits(staged(_labelled(flags)), PortVisitConfig(exit_grace_h=2.0)).height == 1
    )


def test_transit_without_a_stop_is_not_a_visit() -> None:
    flags = [False] * 3 + [True] * 6 + [False] * 3
    assert (
        detect_port_visits(staged(_labelled(flags, speed_kn=0.19))).height == 1
    )  # just below 0.2 kn
    assert detect_port_visits(staged(_labelled(flags, speed_kn=0.3))).height == 0
    assert detect_port_visits(staged(_labelled(flags, speed_kn=6.0))).height == 0
    everything = PortVisitConfig(stop_speed_kn=100.0)
    assert detect_port_visits(staged(_labelled(flags, speed_kn=6.0)), everything).height == 1


def test_no_port_labels_no_visits() -> None:
    # control: unlabelled tracks (no in_port column) and tracks never in port
    assert detect_port_visits(staged(make_track(n=20, speed_kn=0.0))).height == 0
    assert detect_port_visits(staged(_labelled([False] * 10))).height == 0


EXAMPLES = Path(tracktable_data.__file__).parent / "python_example_data"


def test_port_visits_on_real_new_york_harbour_ais() -> None:
    """None of the shipped samples (ais_samples/) has a boat inside a WPI port radius (their
    boats stay at sea), so port visits are shown on real NOAA AIS of New York harbour."""
    df = read_ais(EXAMPLES / "NYHarbor_2020_06_30_first_hour.csv").positions.collect()
    ev = detect_events(staged(label_zones(df)), types=["port_visit"])
    assert ev.height >= 5, ev
    countries = set(_ev(ev, "port_country"))
    assert countries == {"USA"}, countries
    assert all(n for n in _ev(ev, "port_name"))
    # one hour of data: moored vessels are in port when it begins and when it ends
    assert any(_ev(ev, "is_open"))
    assert (ev[S.DURATION_H] <= 1.0).all()


def test_port_names_kept_categorical_by_prepare_give_the_same_visits() -> None:
    """prepare() keeps port_name/port_country as Categorical (nearly all null, 4 bytes a row
    instead of a 16-byte view): the visits and their text are those of the String columns."""
    from vessels.events._common import SPARSE_TEXT, prepare
    from vessels.events.port_visit import detect_port_visits

    t = make_track(n=40, interval_s=600, speed_kn=0.0).with_columns(
        pl.lit(True).alias(S.IN_PORT),
        pl.lit("GUAYMAS").alias(S.PORT_NAME),
        pl.lit("Mexico").alias(S.PORT_COUNTRY),
    )
    tracks = staged(t)
    p = prepare(tracks)
    assert all(p.schema[c] == pl.Categorical for c in SPARSE_TEXT)
    as_text = prepare(tracks).with_columns(pl.col(c).cast(pl.String) for c in SPARSE_TEXT)
    got = detect_port_visits(tracks, prepared=p)
    want = detect_port_visits(tracks, prepared=as_text)
    assert got.height == 1 and got.equals(want)
    assert got["evidence"].struct.field("port_name").to_list() == ["GUAYMAS"]
