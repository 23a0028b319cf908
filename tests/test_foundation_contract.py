"""Tests of the shared contract: schema validation, config overrides, CLI error handling."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest

from tests.factories import make_positions, make_track
from vessels import schema as S
from vessels.cli import main
from vessels.config import override
from vessels.errors import ConfigError, SchemaError
from vessels.outputs import neutralise_csv, write_csv


def test_factory_positions_are_canonical() -> None:
    S.validate(make_track(n=5), S.POSITION_SCHEMA, what="positions")


def test_validate_names_missing_column() -> None:
    df = make_positions([{S.MMSI: 1}]).drop(S.LAT)
    with pytest.raises(SchemaError, match="missing column 'lat'"):
        S.validate(df, S.POSITION_SCHEMA)


@dataclass(frozen=True)
class _Cfg:
    gap_h: float = 6.0
    name: str = "x"
    enabled: bool = True


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        pytest.param({"gap": 1.0}, "unknown key 'gap'", id="unknown-key"),
        pytest.param({"gap_h": "six"}, "must be a number", id="wrong-type"),
        pytest.param({"gap_h": -2}, "must not be negative", id="negative"),
        pytest.param({"enabled": 1}, "true or false", id="int-for-bool"),
    ],
)
def test_override_refuses(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        override(_Cfg(), mapping, source="my.toml")
    assert "my.toml" in str(info.value)


def test_override_converts_int_to_float() -> None:
    assert override(_Cfg(), {"gap_h": 2}, source="x").gap_h == 2.0


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_are_neutralised(prefix: str, tmp_path) -> None:
    df = pl.DataFrame({"vessel_name": [f"{prefix}cmd|' /C calc'!A0"]})
    assert neutralise_csv(df)["vessel_name"][0].startswith("'")
    out = write_csv(df, tmp_path / "x.csv")
    assert pl.read_csv(out)["vessel_name"][0].startswith("'")


def test_cli_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_cli_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "vessels" in capsys.readouterr().out
