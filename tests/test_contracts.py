"""Stage contracts: public functions refuse wrong arguments at the door with what was expected.

(issue 11, point 6: None, a path string or a pandas frame passed to a stage used to fail with an
AttributeError from deep inside.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import polars as pl
import pytest

import vessels as vs
from tests.factories import make_track
from vessels import schema as S
from vessels.errors import SchemaError, UserError

NOT_FRAMES = [
    pytest.param(None, id="None"),
    pytest.param("tracks.parquet", id="path-string"),
]


def _track() -> pl.DataFrame:
    return make_track(n=3)


STAGES: dict[str, Callable[[Any], object]] = {
    "segment": lambda x: vs.segment(x),
    "clean": lambda x: vs.clean(x),
    "label_zones": lambda x: vs.label_zones(x),
    "detect_events": lambda x: vs.detect_events(x),
    "score": lambda x: vs.score(x),
    "risk_map": lambda x: vs.risk_map(x, None, S.empty_events()),
    "to_geodataframe": lambda x: vs.to_geodataframe(x),
    "to_trajectories": lambda x: vs.to_trajectories(x),
    "evaluate": lambda x: vs.evaluate(x, S.empty_events()),
}


@pytest.mark.parametrize("value", NOT_FRAMES)
@pytest.mark.parametrize("stage", list(STAGES))
def test_stages_refuse_what_is_not_a_polars_frame(stage: str, value: object) -> None:
    with pytest.raises(TypeError, match=rf"^{stage}: .* must be a polars DataFrame or LazyFrame"):
        STAGES[stage](value)


#: stages that convert pandas/geopandas/movingpandas at the door (vessels._frames), then validate
CONVERTING = [
    "segment",
    "label_zones",
    "detect_events",
    "score",
    "to_geodataframe",
    "to_trajectories",
]


@pytest.mark.parametrize("stage", list(STAGES))
def test_pandas_is_converted_then_validated_or_refused_with_a_hint(stage: str) -> None:
    if stage in CONVERTING:
        with pytest.raises(SchemaError, match=r"lacks column|missing column"):
            STAGES[stage](pd.DataFrame({"mmsi": [1]}))
    else:
        with pytest.raises(TypeError, match=rf"(?s)^{stage}: .*pl\.from_pandas"):
            STAGES[stage](pd.DataFrame({"mmsi": [1]}))


def test_path_gets_a_hint() -> None:
    with pytest.raises(TypeError, match="read_ais"):
        vs.label_zones("ais.csv")


def test_clean_refuses_a_frame_without_the_required_columns() -> None:
    frame = pl.DataFrame({"MMSI": [345000001], "LAT": [25.0], "LON": [-110.0]})
    with pytest.raises(SchemaError, match=r"clean: frame lacks column\(s\) 'mmsi', 'ts'"):
        vs.clean(frame)


def test_detectors_refuse_a_frame_without_positions() -> None:
    with pytest.raises(SchemaError, match=r"lacks column\(s\) 'ts'"):
        vs.detect_events(pl.DataFrame({"mmsi": [1], "lat": [0.0], "lon": [0.0]}))


@pytest.mark.parametrize("config", [{}, {"ais_gap": {"min_gap_h": 1}}, 3])
def test_detect_events_refuses_a_config_of_the_wrong_type(config: object) -> None:
    with pytest.raises(TypeError, match="config must be a DetectorConfig"):
        vs.detect_events(_track(), config=config)  # type: ignore[arg-type]


def test_label_zones_refuses_zones_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="zones must be a GeoDataFrame"):
        vs.label_zones(_track(), zones="zones.geojson")  # type: ignore[arg-type]


def test_score_refuses_a_profile_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="profile must be"):
        vs.score(S.empty_events(), profile={"rules": {}})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"since": 12345}, TypeError, "since must be a datetime or ISO 8601 text, got int"),
        ({"until": 1.5}, TypeError, "until must be a datetime"),
        ({"since": "yesterday"}, UserError, "since 'yesterday' is not a date/time"),
        ({"mmsi": "345070101"}, TypeError, "mmsi must be an int or an iterable of ints, got str"),
        ({"mmsi": ["345070101"]}, TypeError, "mmsi values must be ints"),
        ({"mmsi": [12345678901]}, UserError, "is not an MMSI"),
        ({"bbox": (1, 2, 3)}, UserError, "bbox needs four numbers"),
        ({"bbox": (10, 10, 0, 0)}, UserError, "is not a box"),
        ({"bbox": 5}, TypeError, "bbox must be four numbers"),
        ({"format": 3}, TypeError, "format must be a format name"),
        ({"since": "2024-03-02", "until": "2024-03-01"}, UserError, "is not before until"),
    ],
)
def test_read_ais_checks_its_filters(
    tmp_path: Any, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    path = tmp_path / "ais.csv"
    path.write_text("MMSI,BaseDateTime,LAT,LON\n345070101,2024-03-01T00:00:00,25.0,-110.0\n")
    with pytest.raises(error, match=message):
        vs.read_ais(path, **kwargs).summary()  # type: ignore[arg-type]


def test_read_ais_takes_one_mmsi_as_an_int(tmp_path: Any) -> None:
    path = tmp_path / "ais.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON\n"
        "345070101,2024-03-01T00:00:00,25.0,-110.0\n"
        "345070102,2024-03-01T00:00:00,25.0,-110.0\n"
    )
    got = vs.read_ais(path, mmsi=345070101).positions.collect()[S.MMSI].to_list()
    assert got == [345070101]
