"""Identity rows (issue 20): DMA static rows and static-only CSV rows are counted as
``identity_rows`` and joined as-of onto the same vessel's positions.

``tests/data/dma_identity.csv`` is *constructed* in the DMA ``aisdk`` layout (2018 header, DMA
words for status, ship type and cargo type, identity rows with position 91/181); the vessels,
names and numbers in it are made up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vessels import schema as S
from vessels.cleaning import join_identity
from vessels.io import read_ais

DATA = Path(__file__).resolve().parents[1] / "data"
DMA = DATA / "dma_identity.csv"
IDENTITY = (S.VESSEL_NAME, S.IMO, S.CALLSIGN, S.SHIP_TYPE, S.LENGTH_M, S.WIDTH_M)


def test_dma_identity_rows_reach_every_position() -> None:
    ing = read_ais(DMA)
    pos = ing.positions.collect()
    s = ing.summary()
    assert s["balanced"]
    assert s[S.IDENTITY_ROWS] == 6
    assert s["per_rule"] == {"non_vessel_dma_base_station": 1}
    assert s["input_rows"] == s["accepted_rows"] + s["quarantined_rows"] + s[S.IDENTITY_ROWS]
    assert ing.quarantine.collect().height == 1  # identity rows are not quarantined
    with_identity = {219018271, 219005931, 219023456, 257012340, 265123000}
    for mmsi in with_identity:
        rows = pos.filter(pl.col(S.MMSI) == mmsi)
        assert rows.height >= 2
        # IMO is "Unknown" for the fishing vessel and the pleasure craft
        fields = [f for f in IDENTITY if not (f == S.IMO and mmsi in (219005931, 219023456))]
        if mmsi == 265123000:  # ship type word "Reserved": no single AIS code
            fields.remove(S.SHIP_TYPE)
        assert rows.select(pl.col(fields).null_count()).sum_horizontal().item() == 0, mmsi
    tanker = pos.filter(pl.col(S.MMSI) == 219018271)
    assert tanker.height == 4  # positions before and after its identity row
    assert tanker.select(S.VESSEL_NAME, S.IMO, S.CALLSIGN, S.SHIP_TYPE).unique().rows() == [
        ("NORDIC SKY", 9320063, "SHZA", 81)  # Tanker + Category X
    ]
    dims = (
        tanker.select(S.LENGTH_M, S.WIDTH_M, pl.col(S.DRAFT_M).cast(pl.Float64).round(2))
        .unique()
        .rows()
    )
    assert dims == [(183.0, 32.0, 11.2)]


def test_dma_words_map_to_codes_or_are_counted() -> None:
    s = read_ais(DMA).summary()
    assert s["unmapped_words"] == {"ship_type": {"Reserved": 1}}
    pos = read_ais(DMA).positions.collect()
    codes = dict(pos.group_by(S.MMSI).agg(pl.col(S.SHIP_TYPE).first()).iter_rows())
    # Fishing 30; Cargo + Hazardous category A = 71; Pleasure 37 (no cargo digit for its group)
    assert (codes[219005931], codes[257012340], codes[219023456]) == (30, 71, 37)


def test_identity_history_keeps_the_rename() -> None:
    hist = read_ais(DMA).identity_history().collect()
    trader = hist.filter(pl.col(S.MMSI) == 257012340).sort("valid_from")
    assert trader[S.VESSEL_NAME].to_list() == ["BALTIC TRADER", "BALTIC TRADER II"]
    assert trader["flag"].to_list() == ["NOR", "NOR"]
    # and the positions carry the name valid at their time
    pos = read_ais(DMA).positions.collect().filter(pl.col(S.MMSI) == 257012340).sort(S.TS)
    assert pos[S.VESSEL_NAME].to_list() == ["BALTIC TRADER"] * 2 + ["BALTIC TRADER II"]


def test_vessels_table_carries_the_identity(tmp_path: Path) -> None:
    from vessels.pipeline import run

    res = run(DMA, out=tmp_path / "run", no_default_zones=True, map=False)
    v = pl.read_parquet(tmp_path / "run" / "vessels.parquet")
    tanker = v.filter(pl.col(S.MMSI) == 219018271)
    assert tanker.select(*IDENTITY).row(0) == ("NORDIC SKY", 9320063, "SHZA", 81, 183.0, 32.0)
    assert v.filter(pl.col(S.MMSI) == 219005931)[S.VESSEL_NAME].item() == "HANSTHOLM STAR"
    assert res.summary[S.IDENTITY_ROWS] == 6 and res.summary["balanced"]
    assert res.identity_history is not None
    renamed = res.identity_history.filter(pl.col(S.MMSI) == 257012340)
    assert renamed[S.VESSEL_NAME].to_list() == ["BALTIC TRADER", "BALTIC TRADER II"]
    assert (tmp_path / "run" / "identity_history.parquet").exists()


# --- any CSV where static and dynamic data arrive on different rows --------------------------

HEADER = "id,time,y,x,speed,name,callsign,imo,kind,length,width"
MAPPING = (
    "mmsi=id,ts=time,lat=y,lon=x,sog=speed,name=name,callsign=callsign,imo=imo,"
    "ship_type=kind,length=length,width=width"
)
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def test_position_report_without_position_is_not_an_identity_row(tmp_path: Path) -> None:
    # a MarineCadastre-style report with 91/181 and the SOG/COG/heading sentinels keeps its name
    # but is a failed position report, not a static row
    path = tmp_path / "mc.csv"
    path.write_text(
        "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName\n"
        "345070339,2024-06-01T00:00:00,91,181,102.3,360,511,PESCADOR\n"
        "345070339,2024-06-01T00:01:00,91,181,,,,PESCADOR\n"
    )
    s = read_ais(path).summary()
    assert s["per_rule"] == {"position_not_available": 1}
    assert s[S.IDENTITY_ROWS] == 1


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        pytest.param("SPPP", ["A", "A", "A"], id="static-before"),
        pytest.param("PPPS", ["A", "A", "A"], id="static-after"),
        pytest.param("PSPP", ["A", "A", "A"], id="static-between"),
        pytest.param("PSPSP", ["A", "A", "B"], id="rename-between"),
        pytest.param("SPSP", ["A", "B"], id="rename-before-second"),
    ],
)
def test_generic_csv_static_rows_before_between_after(
    tmp_path: Path, layout: str, expected: list[str]
) -> None:
    lines, names = [HEADER], iter(["A", "B"])
    for i, kind in enumerate(layout):
        t = (T0 + timedelta(minutes=i)).isoformat()
        if kind == "P":
            lines.append(f"345070339,{t},24.{i},-110.{i},5.0,,,,,,")
        else:
            name = next(names)
            lines.append(f"345070339,{t},,,,{name},XC{name},IMO9307839,30,25,7")
    path = tmp_path / "split.csv"
    path.write_text("\n".join(lines) + "\n")
    ing = read_ais(path, columns=MAPPING)
    pos = ing.positions.collect().sort(S.TS)
    assert pos[S.VESSEL_NAME].to_list() == expected
    assert pos[S.CALLSIGN].to_list() == [f"XC{n}" for n in expected]
    assert pos.select(S.IMO, S.SHIP_TYPE, S.LENGTH_M).unique().rows() == [(9307839, 30, 25.0)]
    s = ing.summary()
    assert s[S.IDENTITY_ROWS] == layout.count("S") and s["quarantined_rows"] == 0


def _reference(pos: list[dict[str, Any]], ident: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Per position and field: own value, else latest identity value at/before, else earliest
    after."""
    out = []
    for p in sorted(pos, key=lambda r: (r[S.MMSI], r[S.TS])):
        row = [p[S.MMSI], p[S.TS]]
        mine = [r for r in ident if r[S.MMSI] == p[S.MMSI]]
        for f in (S.VESSEL_NAME, S.IMO):
            before = [r for r in mine if r[S.TS] <= p[S.TS] and r[f] is not None]
            after = [r for r in mine if r[S.TS] > p[S.TS] and r[f] is not None]
            value = p.get(f)
            if value is None and before:
                value = max(before, key=lambda r: r[S.TS])[f]
            if value is None and after:
                value = min(after, key=lambda r: r[S.TS])[f]
            row.append(value)
        out.append(tuple(row))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2]),
            st.integers(0, 30),
            st.booleans(),
            st.sampled_from([None, "N1", "N2"]),
            st.sampled_from([None, 111, 222]),
        ),
        min_size=1,
        max_size=25,
        unique_by=lambda r: (r[0], r[1]),
    )
)
def test_join_identity_matches_a_naive_reference(rows: list[tuple[Any, ...]]) -> None:
    pos, ident = [], []
    for mmsi, minute, is_pos, name, imo in rows:
        rec = {S.MMSI: mmsi, S.TS: T0 + timedelta(minutes=minute)}
        if is_pos:
            pos.append({**rec, S.VESSEL_NAME: name if name == "N2" else None, S.IMO: None})
        else:
            ident.append({**rec, S.VESSEL_NAME: name, S.IMO: imo})
    schema = {S.MMSI: pl.UInt32, S.TS: S.TS_DTYPE, S.VESSEL_NAME: pl.String, S.IMO: pl.UInt32}
    got = join_identity(
        pl.LazyFrame(pos, schema=schema), pl.LazyFrame(ident, schema=schema)
    ).collect()
    assert got.select(S.MMSI, S.TS, S.VESSEL_NAME, S.IMO).rows() == _reference(pos, ident)


def _reports(n: int, seed: int) -> pl.DataFrame:
    """Report rows of a few MMSIs with repeating, reordered and null identity fields."""
    import random

    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    names = ["A", "B", None, "A "]
    rows = [
        {
            S.MMSI: rng.choice([345000001, 345000002, 3450]),
            S.TS: t0 + timedelta(minutes=rng.randrange(30)),
            S.VESSEL_NAME: rng.choice(names),
            S.CALLSIGN: rng.choice(["X", None]),
            S.IMO: rng.choice([None, 9320063]),
            S.SHIP_TYPE: rng.choice([None, 30]),
            S.FLAG: "MEX",
            S.MMSI_VALID: True,
            "_row_id": i,
        }
        for i in range(n)
    ]
    return pl.DataFrame(rows).cast(
        {S.MMSI: pl.UInt32, S.IMO: pl.UInt32, S.SHIP_TYPE: pl.UInt8, "_row_id": pl.UInt32}
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identity_periods_by_hash_equal_the_field_comparison(seed: int) -> None:
    """The hashed comparison of identity fields (the fast path) finds exactly the periods the
    field-by-field comparison (the fallback after a hash collision) finds, and both equal a
    plain group-by of consecutive equal identities."""
    from vessels.io._read import _identity_periods

    reports = _reports(400, seed)
    keys = [S.VESSEL_NAME, S.CALLSIGN, S.IMO, S.SHIP_TYPE]
    carry = [S.FLAG, S.MMSI_VALID]
    fast = _identity_periods(reports, keys, ["_row_id"], carry)
    exact = _identity_periods(reports, keys, ["_row_id"], carry, by_hash=False)
    assert fast.equals(exact)
    changed = (pl.col(S.MMSI) != pl.col(S.MMSI).shift(1)).fill_null(True) | pl.any_horizontal(
        [~pl.col(k).eq_missing(pl.col(k).shift(1)) for k in keys]
    )
    reference = (
        reports.sort(S.MMSI, S.TS, "_row_id")
        .with_columns(changed.cum_sum().alias("_p"))
        .group_by("_p", maintain_order=True)
        .agg(
            pl.col(S.MMSI).first(),
            pl.col(S.TS).first().alias("valid_from"),
            pl.col(S.TS).last().alias("valid_to"),
            pl.len().cast(pl.UInt32).alias("n_reports"),
            *(pl.col(k).first() for k in [*keys, S.FLAG, S.MMSI_VALID]),
        )
        .drop("_p")
    )
    assert fast.equals(reference)
    assert fast.height > 3  # the fixture does have several periods
