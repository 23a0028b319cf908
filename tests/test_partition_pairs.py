"""Partitioned pair detectors (#17): who runs them, and which pair task keeps an event.

- Dark rendezvous read no positions in a partitioned run (only every vessel's silences and
  loitering events): they run once, in the global stage, on the parts of every bucket.
- Encounters run in pair tasks by time span and pair hash; an episode of a pair (its windows
  chained where the detector could join their close instants into one event) belongs to one
  task, so an encounter longer than a span, or merged from runs hours apart, is found once.
"""

from __future__ import annotations

import functools
import random
from datetime import timedelta

import polars as pl
import pytest

import vessels._partitioned as runner
import vessels.events.dark_rendezvous as dark_module
import vessels.partition as P
from vessels import schema as S
from vessels.pipeline import run
from vessels.testing import T0, make_track

TABLES = ("events", "vessels", "contributions", "vessel_days")


def _same(a, b, where: str) -> None:
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        assert x.schema == y.schema, f"{where}: {name} schema"
        assert x.equals(y), f"{where}: {name} differs ({x.height} vs {y.height} rows)"


def _silent(t: pl.DataFrame, h0: float, h1: float) -> pl.DataFrame:
    ts = pl.col(S.TS)
    return t.filter((ts < T0 + timedelta(hours=h0)) | (ts > T0 + timedelta(hours=h1)))


def _dark_scenario() -> pl.DataFrame:
    """Every kind of dark rendezvous (gap_gap, gap_loitering, group) among vessels whose MMSIs
    fall in different buckets, inside the coverage of vessels crossing the area for 24 h."""
    parts = [
        make_track(412000000 + i * 7919, lat=19.6 + i * 0.08, lon=-113.0, n=145, interval_s=600,
                   speed_kn=4.0)
        for i in range(24)
    ]  # fmt: skip
    # two vessels going dark together at sea for 5 h
    for i, m in enumerate((440100017, 512300029)):
        t = make_track(m, lat=20.3 + i * 0.004, lon=-112.6, n=145, interval_s=600, speed_kn=3.0,
                       course_deg=80.0)  # fmt: skip
        parts.append(_silent(t, 6, 11))
    # a vessel loitering all day (drifting north at 0.3 kn; its event's point is its position
    # at noon), and one steaming south at 3 kn that goes dark next to that point at 13:00
    parts.append(make_track(367200041, lat=20.3, lon=-112.0, n=145, interval_s=600,
                            speed_kn=0.3, course_deg=0.0))  # fmt: skip
    noon_lat = 20.3 + 12 * 0.3 * 1.852 / 111.195
    dark = make_track(273400053, lat=noon_lat + 13 * 3.0 * 1.852 / 111.195, lon=-112.0, n=145,
                      interval_s=600, speed_kn=3.0, course_deg=180.0)  # fmt: skip
    parts.append(_silent(dark, 13, 19))
    # six vessels going dark together: one group event (a crowd), not pairs
    for i in range(6):
        t = make_track(440000000 + i * 15485863, lat=21.005 + i * 0.002, lon=-112.415, n=145,
                       interval_s=600, speed_kn=0.6, course_deg=45.0)  # fmt: skip
        parts.append(_silent(t, 1, 9))
    return pl.concat(parts, how="diagonal_relaxed")


def test_dark_rendezvous_run_once_give_the_in_process_events(tmp_path, monkeypatch):
    """The trackless pair detector runs once per partitioned run (not once per pair task, each
    over every silence), in the global stage, and finds exactly the in-process events."""
    src = tmp_path / "ais.parquet"
    _dark_scenario().write_parquet(src)
    base = run(src, map=False)
    dark = base.events.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS)
    kinds = dark.select(pl.col(S.EVIDENCE).struct.field("rendezvous_kind")).to_series()
    # the planted cases are found in process (else the equality below proves nothing)
    assert set(kinds) == {"gap_gap", "gap_loitering", "group"}, kinds.to_list()
    calls: list[int] = []
    real = dark_module.detect_dark_rendezvous

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dark_module, "detect_dark_rendezvous", counting)
    for n in (3, 7):
        calls.clear()
        work = tmp_path / f"work{n}"
        ooc = run(src, map=False, executor="out-of-core", buckets=n, work_dir=work)
        _same(base, ooc, f"dark scenario out-of-core, {n} buckets")
        assert len(calls) == 1, f"{n} buckets: dark rendezvous ran {len(calls)} times"
        # found in the global stage, none in the pair tasks, and no per-task loitering copies
        found = pl.read_parquet(work / "events_global" / "part-0.parquet")
        assert found.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS).height == dark.height
        paired = pl.read_parquet(work / "events_pair" / "*" / "*.parquet")
        assert paired.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS).height == 0
        assert not (work / "pairevents").exists()
        # the group's vessels and the gap_gap pair are split over buckets
        named = pl.concat([dark[S.MMSI], dark[S.OTHER_MMSI].cast(pl.UInt32)]).unique()
        spread = pl.DataFrame({S.MMSI: named}).select(P.bucket_expr(n))["bucket"].n_unique()
        assert spread > 1


def _pair(a: int, b: int, offsets_deg: list[float], *, start_h: float = 0.0) -> pl.DataFrame:
    """Vessels ``a`` and ``b`` drifting east at 0.5 kn, every 10 min, ``b`` north of ``a`` by
    ``offsets_deg[i]`` degrees of latitude at report ``i``."""
    lead = make_track(a, start=T0 + timedelta(hours=start_h), lat=20.5, lon=-112.5,
                      n=len(offsets_deg), interval_s=600, speed_kn=0.5)  # fmt: skip
    other = lead.with_columns(
        pl.lit(b, dtype=lead.schema[S.MMSI]).alias(S.MMSI),
        (pl.col(S.LAT) + pl.Series(offsets_deg)).alias(S.LAT),
    )
    return pl.concat([lead, other])


def _encounter_scenario() -> pl.DataFrame:
    """A pair together for 12 h (an encounter over many pair spans), a pair close for 2.5 h
    twice, 5 h apart (one encounter when runs 6 h apart merge, two when 4 h apart do), a pair
    together for 4 h later on, among traffic, over 20 h."""
    rng = random.Random(8)
    long_pair = _pair(366001001, 366001002, [0.0018] * 73, start_h=4.0)
    close, apart = [0.0018] * 16, [0.045] * 30
    twice = _pair(366002001, 366002002, close + apart + close, start_h=6.0)
    # a third pair later on, and traffic around them (it ends after 20 h)
    late = _pair(366004001, 366004002, [0.0018] * 25, start_h=15.0)
    others = [
        make_track(366003000 + i, lat=20.5 + rng.uniform(-0.05, 0.05),
                   lon=-112.5 + rng.uniform(-0.05, 0.05), n=121, interval_s=600,
                   speed_kn=rng.choice([0.5, 6.0]), course_deg=rng.uniform(0, 360))
        for i in range(10)
    ]  # fmt: skip
    return pl.concat([long_pair, twice, late, *others], how="diagonal_relaxed")


def test_encounters_across_pair_spans_found_once(tmp_path, monkeypatch):
    """With one-hour pair spans, a 12-hour encounter crosses eleven span boundaries and an
    encounter merged from two runs 5 h apart has two disjoint windows: each is found once, as
    in process. Without chaining windows into episodes the merged one splits in two."""
    src = tmp_path / "ais.parquet"
    _encounter_scenario().write_parquet(src)
    profile = tmp_path / "wide-merge.toml"
    profile.write_text(
        '[profile]\nname = "wide-merge"\nextends = "default"\n\n'
        "[events.encounter]\nmerge_gap_h = 6.0\n",
        encoding="utf-8",
    )

    def encounters(res) -> list[tuple[int, int, float]]:  # type: ignore[no-untyped-def]
        ev = res.events.filter(
            (pl.col(S.EVENT_TYPE) == S.ENCOUNTER)
            & (pl.col(S.EVIDENCE).struct.field("encounter_profile") == "gfw")
        )
        return ev.select(S.MMSI, S.OTHER_MMSI, S.DURATION_H).sort(S.MMSI).rows()

    base = run(src, map=False, profile=profile)
    got = encounters(base)
    by_pair = {(a, b): h for a, b, h in got}
    assert by_pair[(366001001, 366001002)] >= 11.5
    assert by_pair[(366002001, 366002002)] >= 10.0  # both runs and the 5 h between: one event
    assert len(got) == len({(a, b) for a, b, _ in got})
    split = run(src, map=False)  # the default profile (4 h) keeps the two runs apart
    assert [(a, b) for a, b, _ in encounters(split)].count((366002001, 366002002)) == 2

    plan = functools.partial(P.PartitionPlan, pair_span_h=1.0, pair_buckets=2)
    monkeypatch.setattr(runner, "PartitionPlan", plan)
    for n in (2, 5):
        ooc = run(src, map=False, profile=profile, executor="out-of-core", buckets=n)
        _same(base, ooc, f"encounters over 1-h pair spans, {n} buckets")
        execution = ooc.summary["execution"]
        assert execution["pair_spans"] >= 20 and execution["pair_tasks"] > 2
    # the chaining is what keeps the merged encounter whole (the test can fail)
    monkeypatch.setattr(P, "_EPISODE_GAP_S", {})
    unchained = run(src, map=False, profile=profile, executor="out-of-core", buckets=2)
    assert encounters(unchained) != got


def _chains_by_hand(rows, within):
    """Plain-Python chaining of ``(key, lo, hi)`` rows: per key, in ``lo`` order, a window more
    than ``within`` after the latest end before it starts a new chain; ``[(key, lo, hi, chain
    lo, chain hi)]`` in ``(key, lo, hi)`` order."""
    out = []
    by_key = {}
    for key, lo, hi in sorted(rows):
        by_key.setdefault(key, []).append((lo, hi))
    for key, wins in sorted(by_key.items()):
        chains = []
        for lo, hi in wins:
            if chains and lo <= max(h for _, h in chains[-1]) + within:
                chains[-1].append((lo, hi))
            else:
                chains.append([(lo, hi)])
        for chain in chains:
            c_lo, c_hi = min(lo for lo, _ in chain), max(hi for _, hi in chain)
            out += [(key, lo, hi, c_lo, c_hi) for lo, hi in chain]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_windows_merge_and_chain_as_by_hand(seed):
    """``_merge_windows`` and ``_episodes`` (one numpy pass over every key, not a window
    function per key) chain exactly as a plain loop over each key's windows in ``lo`` order:
    nested, touching, tied and whole-history windows, one key or two."""
    rng = random.Random(seed)
    whole_lo, whole_hi = P._WHOLE
    rows = []
    for _ in range(rng.randrange(1, 300)):
        a = rng.randrange(0, 6)
        b = a + 1 + rng.randrange(0, 3)
        if rng.random() < 0.05:
            lo, hi = whole_lo, whole_hi
        else:
            lo = rng.randrange(0, 150)
            hi = lo + rng.randrange(0, 25)
        rows.append((a, b, lo, hi))
    frame = pl.DataFrame(rows, schema=P._CANDIDATE_SCHEMA, orient="row")
    for keys in (("a", "b"), ("a",)):
        key_rows = [(tuple(r[: len(keys)]), r[2], r[3]) for r in rows]
        merged = {(k, c_lo, c_hi) for k, _, _, c_lo, c_hi in _chains_by_hand(key_rows, 0)}
        got = P._merge_windows(frame, keys)
        assert got.rows() == [(*k, lo, hi) for k, lo, hi in sorted(merged)]
        assert got.schema == pl.Schema({k: frame.schema[k] for k in (*keys, "lo", "hi")})
    windows = P._merge_windows(frame)
    for within in (0, 4, 40):
        want = _chains_by_hand([((a, b), lo, hi) for a, b, lo, hi in windows.rows()], within)
        got = P._episodes(windows, within)
        assert got.rows() == [(*k, lo, hi, c_lo, c_hi) for k, lo, hi, c_lo, c_hi in want]
    # the chaining is not trivial on these windows: some merge, some episodes join windows
    assert windows.height < len(set(rows))
    assert P._episodes(windows, 40)["ep_lo"].n_unique() < windows.height


@pytest.mark.parametrize("seed", range(5))
def test_episodes_partition_each_pairs_windows(seed):
    """Every window gets the episode of its chain: episodes of a pair are disjoint, more than
    ``within`` apart, and cover their windows; each (pair, episode) has one task."""
    rng = random.Random(seed)
    rows = []
    for a, b in [(1, 2), (1, 3), (2, 3)]:
        t = rng.randrange(0, 100)
        for _ in range(rng.randrange(1, 12)):
            lo = t + rng.randrange(0, 30)
            hi = lo + rng.randrange(0, 20)
            rows.append((a, b, lo, hi))
            t = hi
    windows = P._merge_windows(pl.DataFrame(rows, schema=list(P._CANDIDATE_SCHEMA), orient="row"))
    within = 7
    ep = P._episodes(windows, within)
    assert ep.height == windows.height
    assert ((ep["ep_lo"] <= ep["lo"]) & (ep["hi"] <= ep["ep_hi"])).all()
    spans = ep.select("a", "b", "ep_lo", "ep_hi").unique().sort("a", "b", "ep_lo")
    gaps = spans.with_columns(
        (pl.col("ep_lo") - pl.col("ep_hi").shift().over("a", "b")).alias("gap")
    )["gap"].drop_nulls()
    assert (gaps > within).all()
    tasks = ep.with_columns(P.pair_task_expr(0, 25, 6, 3))
    owners = tasks.group_by("a", "b", "ep_lo").agg(pl.col("pair_bucket").n_unique())
    assert owners["pair_bucket"].max() == 1
    assert tasks["pair_bucket"].is_between(0, 17).all()
