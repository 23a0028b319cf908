"""The evaluator: scenario table of matches and misses, properties, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vessels.errors import FormatError, UserError
from vessels.simulation import evaluate

from .conftest import cached

T0 = datetime(2024, 3, 1, tzinfo=UTC)
A, B, C, CTRL = 345000001, 345000002, 345000003, 352000009


def _h(x: float) -> datetime:
    return T0 + timedelta(hours=x)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "event_type": r[0],
                "mmsi": r[1],
                "other_mmsi": r[2],
                "start_ts": _h(r[3]),
                "end_ts": _h(r[4]),
            }
            for r in rows
        ],
        schema={
            "event_type": pl.String,
            "mmsi": pl.UInt32,
            "other_mmsi": pl.UInt32,
            "start_ts": pl.Datetime("us", "UTC"),
            "end_ts": pl.Datetime("us", "UTC"),
        },
    )


TRUTH = _frame(
    [
        ("ais_gap", A, None, 2.0, 10.0),
        ("encounter", A, B, 20.0, 23.0),
    ]
)

# (id, events, expected (type -> (tp, fp, fn)), expected fp_on_controls)
CASES = [
    ("exact-match", [("ais_gap", A, None, 2.0, 10.0)], {"ais_gap": (1, 0, 0)}, 0),
    ("inside-tolerance", [("ais_gap", A, None, 10.9, 12.0)], {"ais_gap": (1, 0, 0)}, 0),
    ("outside-tolerance", [("ais_gap", A, None, 11.5, 12.0)], {"ais_gap": (0, 1, 1)}, 0),
    ("other-vessel", [("ais_gap", C, None, 2.0, 10.0)], {"ais_gap": (0, 1, 1)}, 0),
    (
        "wrong-type",
        [("loitering", A, None, 2.0, 10.0)],
        {"ais_gap": (0, 0, 1), "loitering": (0, 1, 0)},
        0,
    ),
    ("pair-same-order", [("encounter", A, B, 20.5, 22.0)], {"encounter": (1, 0, 0)}, 0),
    ("pair-reversed", [("encounter", B, A, 20.5, 22.0)], {"encounter": (1, 0, 0)}, 0),
    ("pair-wrong-partner", [("encounter", A, C, 20.5, 22.0)], {"encounter": (0, 1, 1)}, 0),
    (
        "split-detection",
        [("ais_gap", A, None, 2.0, 5.0), ("ais_gap", A, None, 6.0, 10.0)],
        {"ais_gap": (1, 0, 0)},
        0,
    ),
    ("fp-on-control", [("ais_gap", CTRL, None, 2.0, 10.0)], {"ais_gap": (0, 1, 1)}, 1),
    ("fp-on-control-as-partner", [("encounter", A, CTRL, 20.0, 23.0)], {"encounter": (0, 1, 1)}, 1),
    ("nothing-detected", [], {"ais_gap": (0, 0, 1), "encounter": (0, 0, 1)}, 0),
]


@pytest.mark.parametrize(
    ("events", "expected", "n_ctrl"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_matching_table(events: list[tuple], expected: dict, n_ctrl: int) -> None:
    r = evaluate(TRUTH, _frame(events), controls=[CTRL], tolerance_h=1.0)
    got = {row["event_type"]: (row["tp"], row["fp"], row["fn"]) for row in r.iter_rows(named=True)}
    for et, counts in expected.items():
        assert got[et] == counts, et
    assert r.filter(pl.col("event_type") == "all")["fp_on_controls"].item() == n_ctrl


def test_rates_and_all_row() -> None:
    events = _frame([("ais_gap", A, None, 2.0, 10.0), ("ais_gap", C, None, 2.0, 3.0)])
    r = evaluate(TRUTH, events).filter(pl.col("event_type") == "ais_gap").row(0, named=True)
    assert (r["precision"], r["recall"]) == (0.5, 1.0)
    assert r["f1"] == pytest.approx(2 / 3)
    total = evaluate(TRUTH, events).filter(pl.col("event_type") == "all").row(0, named=True)
    assert (total["n_truth"], total["n_detected"], total["tp"]) == (2, 2, 1)


def test_zone_entry_must_name_the_same_zone() -> None:
    truth = _frame([("zone_entry", A, None, 1.0, 5.0)]).with_columns(
        zone_id=pl.lit("mx-rb-alto-golfo")
    )
    right = _frame([("zone_entry", A, None, 1.0, 5.0)]).with_columns(
        zone_id=pl.lit("mx-rb-alto-golfo")
    )
    wrong = right.with_columns(zone_id=pl.lit("aoi-upper-gulf"))
    unnamed = right.drop("zone_id")
    assert evaluate(truth, right)["tp"][0] == 1
    assert evaluate(truth, wrong)["tp"][0] == 0
    assert evaluate(truth, unnamed)["tp"][0] == 1


def test_undefined_rates_are_null() -> None:
    r = evaluate(TRUTH, _frame([])).filter(pl.col("event_type") == "ais_gap").row(0, named=True)
    assert r["precision"] is None and r["recall"] == 0.0 and r["f1"] is None


def test_naive_timestamps_and_strings_are_accepted() -> None:
    ev = (
        _frame([("ais_gap", A, None, 2.0, 10.0)])
        .with_columns(
            pl.col("start_ts").dt.replace_time_zone(None),
            pl.col("end_ts").dt.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        .drop("other_mmsi")
    )
    assert evaluate(TRUTH, ev)["tp"][0] == 1


@pytest.mark.parametrize("scenario", ["gulf-of-california", "yucatan", "pacific-eez"])
def test_truth_against_itself_is_perfect(scenario: str) -> None:
    sim = cached(scenario)
    r = evaluate(sim.truth, sim.truth, controls=sim.controls, tolerance_h=0.0)
    assert (r["precision"] == 1.0).all() and (r["recall"] == 1.0).all()
    assert (r["fp_on_controls"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(6))), st.sampled_from([0.0, 0.5, 2.0]))
def test_event_order_does_not_matter(perm: list[int], tol: float) -> None:
    rows = [
        ("ais_gap", A, None, 1.0, 9.0),
        ("ais_gap", C, None, 2.0, 3.0),
        ("encounter", B, A, 19.0, 20.5),
        ("encounter", A, C, 20.0, 21.0),
        ("loitering", B, None, 0.0, 1.0),
        ("ais_gap", A, None, 10.5, 11.0),
    ]
    base = evaluate(TRUTH, _frame(rows), controls=[C], tolerance_h=tol)
    shuffled = evaluate(TRUTH, _frame([rows[i] for i in perm]), controls=[C], tolerance_h=tol)
    assert base.equals(shuffled)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_more_tolerance_never_lowers_recall(t1: float, t2: float) -> None:
    ev = _frame([("ais_gap", A, None, 11.0 + t1, 12.0 + t1), ("encounter", B, A, 23.5, 24.0)])
    lo, hi = sorted((t1, t2))
    r_lo = evaluate(TRUTH, ev, tolerance_h=lo).filter(pl.col("event_type") == "all")
    r_hi = evaluate(TRUTH, ev, tolerance_h=hi).filter(pl.col("event_type") == "all")
    assert r_hi["tp"].item() >= r_lo["tp"].item()


def test_missing_column_is_a_user_error() -> None:
    with pytest.raises(FormatError, match="missing column"):
        evaluate(TRUTH, pl.DataFrame({"event_type": ["ais_gap"], "mmsi": [A]}))


def test_negative_tolerance_is_refused() -> None:
    with pytest.raises(UserError, match="negative"):
        evaluate(TRUTH, TRUTH, tolerance_h=-1)
