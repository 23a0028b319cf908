"""MMSI -> flag state, validity and non-vessel station kinds."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vessels.flags import MID_TO_ISO3, flag_from_mmsi, mmsi_valid, non_vessel_reason


def _one(expr_fn, mmsi: int):  # type: ignore[no-untyped-def]
    return pl.select(expr_fn(pl.lit(mmsi, pl.UInt32))).item()


@pytest.mark.parametrize(
    ("mmsi", "flag", "valid", "reason"),
    [
        pytest.param(345070339, "MEX", True, None, id="mexico"),
        pytest.param(338123456, "USA", True, None, id="usa-338"),
        pytest.param(367000140, "USA", True, None, id="usa-367"),
        pytest.param(412000001, "CHN", True, None, id="china"),
        pytest.param(352000001, "PAN", True, None, id="panama"),
        pytest.param(323000001, "CUB", True, None, id="cuba"),
        pytest.param(232000001, "GBR", True, None, id="uk-written-UK-in-pyais"),
        pytest.param(983451234, "MEX", True, None, id="craft-associated-98MID"),
        pytest.param(123456789, None, False, None, id="fake-123456789"),
        pytest.param(0, None, False, None, id="all-zero"),
        pytest.param(111111111, None, False, None, id="repeated-ones-kept"),
        pytest.param(999999999, None, False, None, id="repeated-nines-kept"),
        pytest.param(345000, None, False, None, id="too-short"),
        pytest.param(3450000001, None, False, None, id="ten-digits"),
        pytest.param(200000001, None, False, None, id="unknown-mid-200"),
        pytest.param(3669999, None, False, "non_vessel_base_station", id="coast-00MID"),
        pytest.param(111366001, None, False, "non_vessel_sar_aircraft", id="sar-aircraft"),
        pytest.param(970012345, None, False, "non_vessel_sart_mob_epirb", id="ais-sart"),
        pytest.param(972012345, None, False, "non_vessel_sart_mob_epirb", id="mob"),
        pytest.param(974012345, None, False, "non_vessel_sart_mob_epirb", id="epirb"),
        pytest.param(993669001, None, False, "non_vessel_aid_to_navigation", id="aton"),
    ],
)
def test_mmsi_scenarios(mmsi: int, flag: str | None, valid: bool, reason: str | None) -> None:
    assert _one(flag_from_mmsi, mmsi) == flag
    assert _one(mmsi_valid, mmsi) is valid
    assert _one(non_vessel_reason, mmsi) == reason


def test_table_is_iso3_and_covers_the_mids_we_care_about() -> None:
    assert all(len(v) == 3 and v.isupper() for v in MID_TO_ISO3.values())
    for mid, iso in {
        345: "MEX",
        338: "USA",
        366: "USA",
        369: "USA",
        412: "CHN",
        414: "CHN",
        351: "PAN",
        357: "PAN",
        370: "PAN",
        373: "PAN",
        323: "CUB",
    }.items():
        assert MID_TO_ISO3[mid] == iso


@given(st.integers(min_value=0, max_value=4_294_967_295))
def test_flag_is_iso3_or_null_and_valid_implies_flag(mmsi: int) -> None:
    flag = _one(flag_from_mmsi, mmsi)
    assert flag is None or (len(flag) == 3 and flag in MID_TO_ISO3.values())
    if _one(mmsi_valid, mmsi):
        assert flag is not None
        assert _one(non_vessel_reason, mmsi) is None
