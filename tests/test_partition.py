"""Partitioned execution (#17): in-process, out-of-core and Dask give identical tables.

A LocalCluster of 2 workers (threads: reliable on a 2-core CI machine, no spawn of interpreters)
starts inside this module; the CLI test starts its own ``local:2`` cluster of processes.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main as cli_main
from vessels.errors import ConfigError, UserError
from vessels.executors import SerialExecutor, resolve
from vessels.partition import bucket_expr, pair_bucket_expr, pair_halo_m
from vessels.pipeline import run

SAMPLES = Path(__file__).resolve().parent.parent / "ais_samples"
CASES = [
    ("gulf-of-california/ais.csv", "gulf-of-california"),
    ("gulf-of-california-nmea/ais.nmea", "gulf-of-california"),
    ("pacific-eez/ais.csv", "default"),
    ("yucatan/ais.csv", "yucatan"),
]
TABLES = ("events", "vessels", "contributions", "vessel_days")
CSVS = (S.EVENTS_CSV_FILE, S.VESSELS_CSV_FILE, S.CONTRIBUTIONS_CSV_FILE)
#: Summary keys that describe how a run ran, not what it found.
RUN_KEYS = {"timings_s", "cpu_s", "peak_rss_gb_after_stage", "execution"}
PROFILES = sorted({profile for _sample, profile in CASES})


@pytest.fixture(scope="module")
def client():
    import dask.distributed as distributed

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _same(a, b, where: str, *, inputs_differ: bool = False) -> None:
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        assert x.schema == y.schema, f"{where}: {name} schema"
        assert x.equals(y), f"{where}: {name} differs ({x.height} vs {y.height} rows)"
    # every count, warning and coverage figure of summary.json too
    keys = (set(a.summary) | set(b.summary)) - RUN_KEYS
    if inputs_differ:  # the same rows in other files
        keys -= {"inputs", "per_file"}
    differ = sorted(k for k in keys if a.summary.get(k) != b.summary.get(k))
    assert not differ, f"{where}: summary differs in {differ}"


def _files_same(d1: Path, d2: Path, where: str) -> None:
    for name in CSVS:
        assert (d1 / name).read_bytes() == (d2 / name).read_bytes(), f"{where}: {name}"
    for name in (S.EVENTS_FILE, S.VESSELS_FILE, S.CONTRIBUTIONS_FILE, S.VESSEL_DAYS_FILE):
        assert pl.read_parquet(d1 / name).equals(pl.read_parquet(d2 / name)), f"{where}: {name}"


@pytest.mark.parametrize(("sample", "profile"), CASES)
def test_samples_identical_in_process_out_of_core_and_dask(sample, profile, client, tmp_path):
    src = SAMPLES / sample
    base = run(src, profile=profile, out=tmp_path / "a", map=False)
    assert base.events.height > 0 and base.vessels.height > 1
    ooc = run(
        src, profile=profile, out=tmp_path / "b", map=False, executor="out-of-core", buckets=3
    )
    dask = run(src, profile=profile, out=tmp_path / "c", map=False, executor=client, buckets=3)
    _same(base, ooc, f"{sample} out-of-core")
    _same(base, dask, f"{sample} dask")
    _files_same(tmp_path / "a", tmp_path / "b", f"{sample} out-of-core files")
    _files_same(tmp_path / "a", tmp_path / "c", f"{sample} dask files")
    assert ooc.summary["execution"]["buckets"] == 3
    assert dask.summary["execution"]["executor"] == "dask"
    # the same positions, whatever their order in the file
    cols = [S.MMSI, S.TS, S.LAT, S.LON, S.SEGMENT_ID]
    t_a = pl.read_parquet(tmp_path / "a" / S.TRACKS_FILE).select(cols).sort(cols)
    t_b = pl.read_parquet(tmp_path / "b" / S.TRACKS_FILE).select(cols).sort(cols)
    assert t_a.equals(t_b)


@pytest.mark.parametrize(
    ("sample", "profile"),
    [
        (sample, profile)
        for sample, _p in CASES
        for profile in PROFILES
        if (sample, profile) not in CASES
    ],
)
def test_every_sample_under_every_profile_out_of_core(sample, profile):
    base = run(SAMPLES / sample, profile=profile, map=False)
    ooc = run(SAMPLES / sample, profile=profile, map=False, executor="out-of-core", buckets=5)
    _same(base, ooc, f"{sample} {profile} out-of-core")


def _whole_input_scenario() -> pl.DataFrame:
    """Cases whose events depend on vessels other than the one (or the pair) they name."""
    from vessels.testing import T0, make_track

    def silent(t: pl.DataFrame, h0: float, h1: float) -> pl.DataFrame:
        ts = pl.col(S.TS)
        return t.filter((ts < T0 + timedelta(hours=h0)) | (ts > T0 + timedelta(hours=h1)))

    parts = [  # 24 vessels crossing the area for 24 h: the coverage extent and the horizon
        make_track(412000000 + i * 7919, lat=19.6 + i * 0.08, lon=-113.0, n=145, interval_s=600,
                   speed_kn=4.0)
        for i in range(24)
    ]  # fmt: skip
    # an anchorage (a crowd of five at rest) where the first one is silent for 7 h: a port call
    for i in range(5):
        t = make_track(538000000 + i * 104729, lat=20.5 + i * 0.0015, lon=-111.5, n=145,
                       interval_s=600, speed_kn=0.0)  # fmt: skip
        parts.append(silent(t, 8, 15) if i == 0 else t)
    # a track ending 10 h before the data does: an open gap to the horizon
    parts.append(make_track(316000123, lat=20.9, lon=-112.8, n=85, interval_s=600, speed_kn=6.0))
    # silent 7 h on the western edge of the data: a vessel leaving coverage
    edge = make_track(316000456, lat=19.7, lon=-113.0, n=145, interval_s=600, course_deg=0.0)
    parts.append(silent(edge, 8, 15))
    # six vessels going dark together at sea: one group event (a crowd), not pairs
    for i in range(6):
        t = make_track(440000000 + i * 15485863, lat=21.005 + i * 0.002, lon=-112.415, n=145,
                       interval_s=600, speed_kn=0.6, course_deg=45.0)  # fmt: skip
        parts.append(silent(t, 1, 9))
    # one hull (IMO) under two MMSIs and flags: flag hopping
    parts.append(make_track(351000777, lat=20.2, lon=-112.2, n=60, interval_s=600, imo=9123456))
    parts.append(make_track(636000888, start=T0 + timedelta(hours=12), lat=20.25, lon=-112.0,
                            n=60, interval_s=600, imo=9123456))  # fmt: skip
    return pl.concat(parts, how="diagonal_relaxed")


def test_whole_input_context_reaches_every_bucket(tmp_path):
    """Anchorages, horizon, coverage edge, dark crowds and flag hopping are properties of all
    the vessels: every bucket count gives the in-process events."""
    from vessels.events.coverage import coverage_context

    src = tmp_path / "ais.parquet"
    frame = _whole_input_scenario()
    frame.write_parquet(src)
    base = run(src, map=False)
    ev = base.events
    gaps = ev.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
    evidence = pl.col(S.EVIDENCE).struct
    # the planted cases are found in process (else equality below proves nothing)
    port = gaps.filter(pl.col(S.MMSI) == 538000000)
    assert port.select(evidence.field("port_call")).to_series().to_list() == [True]
    open_gap = gaps.filter(pl.col(S.MMSI) == 316000123)
    assert open_gap.select(evidence.field("is_open")).to_series().to_list() == [True]
    left = gaps.filter(pl.col(S.MMSI) == 316000456)
    assert left.select(evidence.field("coverage_edge")).to_series().to_list() == [True]
    dark = ev.filter(pl.col(S.EVENT_TYPE) == S.DARK_RENDEZVOUS)
    assert dark.select(evidence.field("group_size")).to_series().to_list() == [6]
    hop = ev.filter(
        (pl.col(S.EVENT_TYPE) == S.IDENTITY_CHANGE) & pl.col(S.OTHER_MMSI).is_not_null()
    )
    assert hop.select(S.MMSI, S.OTHER_MMSI).rows() == [(636000888, 351000777)]
    for n in (2, 5, 9):
        # the crowd and the hull are split over buckets, and a bucket alone sees another
        # anchorage map (a partial crowd) than the whole input
        buckets = frame.select(S.MMSI, bucket_expr(n)).unique()
        anchorage = buckets.filter((pl.col(S.MMSI) // 1000000) == 538)
        assert anchorage["bucket"].n_unique() > 1
        split = [
            coverage_context(frame.filter(bucket_expr(n) == b)).learned.height for b in range(n)
        ]
        assert max(split) < coverage_context(frame).learned.height
        ooc = run(src, map=False, executor="out-of-core", buckets=n)
        _same(base, ooc, f"scenario out-of-core, {n} buckets")


def test_watchlist_partitioned_equals_in_process(tmp_path):
    src = SAMPLES / "pacific-eez" / "ais.csv"
    names = (
        pl.read_csv(src, columns=["VesselName"], infer_schema=False)["VesselName"]
        .drop_nulls()
        .unique()
        .sort()
    )
    first, second = names[0], names[1]
    watchlist = pl.DataFrame(
        {
            "name": [first, second[:-1] + ("X" if second[-1] != "X" else "Y"), "NO SUCH SHIP"],
            "list": ["IUU", "sanctions", "IUU"],
            "reason": ["test exact", "test fuzzy", "test none"],
        }
    )
    base = run(src, map=False, watchlist=watchlist)
    hits = base.events.filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT)
    assert hits.height >= 1  # else the equality proves nothing
    for n in (2, 5):
        ooc = run(src, map=False, watchlist=watchlist, executor="out-of-core", buckets=n)
        _same(base, ooc, f"watchlist out-of-core, {n} buckets")


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """A simulated week as one file and as 7 UTC-day files (the same rows)."""
    from vessels.simulation import simulate, write

    d = tmp_path_factory.mktemp("week")
    sim = simulate("mixed", seed=3, n_vessels=14, hours=168)
    write(sim, d / "one", format="marinecadastre")
    whole = d / "one" / "ais.csv"
    text = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = text[0], text[1:]
    days: dict[str, list[str]] = {}
    day = ""
    for line in rows:  # BaseDateTime is the second column: its first 10 chars are the day
        cells = line.split(",", 2)
        if len(cells) > 2 and len(cells[1]) >= 10 and cells[1][:4].isdigit():
            day = cells[1][:10]
        days.setdefault(day, []).append(line)  # a mangled line stays with its neighbours
    (d / "days").mkdir()
    files = []
    for day, lines in sorted(days.items()):
        f = d / "days" / f"ais_{day}.csv"
        f.write_text(header + "".join(lines), encoding="utf-8")
        files.append(f)
    return whole, files


def test_week_as_daily_files_equals_one_file(week):
    whole, files = week
    assert len(files) >= 7
    one = run(whole, profile="default", map=False)
    daily = run(files, profile="default", map=False)
    daily_ooc = run(files, profile="default", map=False, executor="out-of-core", buckets=2)
    _same(one, daily, "7 files vs 1", inputs_differ=True)
    _same(one, daily_ooc, "7 files out-of-core vs 1", inputs_differ=True)
    ev = one.events
    crossing = ev.filter(pl.col(S.START_TS).dt.date() != pl.col(S.END_TS).dt.date())
    # the test means something only if events do cross midnight (file boundaries)
    assert crossing.height > 0
    assert crossing.filter(pl.col(S.EVENT_TYPE).is_in([S.AIS_GAP, S.ENCOUNTER])).height > 0


def test_multi_day_simulation_identical_on_dask(week, client):
    _whole, files = week
    base = run(files, profile="default", map=False)
    dask = run(files, profile="default", map=False, executor=client, buckets=4)
    _same(base, dask, "week dask")
    assert base.events.filter(pl.col(S.OTHER_MMSI).is_not_null()).height > 0


def test_cli_scheduler_local_cluster_identical(tmp_path):
    src = str(SAMPLES / "pacific-eez" / "ais.csv")
    common = [src, "--no-map", "-q"]
    assert cli_main(["score", *common, "--out", str(tmp_path / "a")]) == 0
    args = ["--out", str(tmp_path / "b"), "--scheduler", "local:2", "--buckets", "2"]
    assert cli_main(["score", *common, *args]) == 0
    _files_same(tmp_path / "a", tmp_path / "b", "cli local:2")


def test_cli_bad_scheduler_is_a_clear_error(tmp_path, capsys):
    src = str(SAMPLES / "pacific-eez" / "ais.csv")
    assert cli_main(["score", src, "--out", str(tmp_path / "x"), "--scheduler", "yarn"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler 'yarn'" in err and "Traceback" not in err
    args = ["--out", str(tmp_path / "y"), "--scheduler", "tcp://127.0.0.1:1"]
    assert cli_main(["score", src, *args]) == 2
    assert "--work-dir" in capsys.readouterr().err


def test_work_dir_of_an_earlier_run_refused(tmp_path):
    src = SAMPLES / "pacific-eez" / "ais.csv"
    url = f"file://{tmp_path / 'work'}"
    base = run(src, map=False)
    first = run(src, map=False, executor="out-of-core", buckets=2, work_dir=url)
    _same(base, first, "file:// work dir")
    assert (tmp_path / "work" / "tracks").is_dir()  # a given work_dir is kept
    with pytest.raises(ConfigError, match="not empty"):
        run(src, map=False, executor="out-of-core", work_dir=url)


def test_buckets_without_executor_refused():
    with pytest.raises(ConfigError, match="partitioned"):
        run(SAMPLES / "pacific-eez" / "ais.csv", buckets=4)


def test_vms_flag_with_executor_refused():
    with pytest.raises(ConfigError, match="VMS inputs"):
        run(SAMPLES / "pacific-eez" / "ais.csv", flag="MEX", executor="out-of-core")


def test_bucket_hash_is_the_documented_integer_hash():
    rng = random.Random(17)
    mmsis = [rng.randrange(0, 2**32) for _ in range(500)] + [0, 2**32 - 1, 345070339]
    for n in (1, 2, 7, 64, 1000):
        got = (
            pl.DataFrame({"mmsi": mmsis}, schema={"mmsi": pl.UInt32})
            .select(bucket_expr(n))
            .to_series()
            .to_list()
        )
        want = [((m * 2654435761) % 2**32) * n >> 32 for m in mmsis]
        assert got == want
    pairs = [(rng.randrange(0, 10**9), rng.randrange(0, 10**9)) for _ in range(200)]
    frame = pl.DataFrame({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})
    got = frame.select(pair_bucket_expr(16)).to_series().to_list()

    def h(x: int) -> int:
        return (x % 2**32) * 2654435761 % 2**32

    assert got == [h(h(a) ^ b) * 16 >> 32 for a, b in pairs]
    with pytest.raises(UserError):
        bucket_expr(0)


def test_pair_halo_needs_a_declaration():
    from vessels.events import DarkRendezvousConfig

    assert pair_halo_m("dark_rendezvous", DarkRendezvousConfig(max_sep_km=3.0)) == 3000.0
    with pytest.raises(ConfigError, match="register_halo"):
        pair_halo_m("no_such_pair_detector", object())


def test_registry_scopes():
    from vessels.events import detectors

    scopes = {d.event_type: d.scope for d in detectors()}
    assert scopes[S.ENCOUNTER] == "pair" and scopes[S.DARK_RENDEZVOUS] == "pair"
    assert scopes[S.AIS_GAP] == "vessel" and scopes[S.IDENTITY_CONFLICT] == "vessel"
    assert scopes[S.IDENTITY_CHANGE] == "global" and scopes["fleet_presence"] == "global"


def test_global_scope_needs_parts():
    import dataclasses

    from vessels.events.registry import get

    record = get(S.IDENTITY_CHANGE)
    with pytest.raises(ConfigError, match="needs parts"):
        dataclasses.replace(record, parts=None)
    with pytest.raises(ConfigError, match="parts are for"):
        dataclasses.replace(get(S.AIS_GAP), parts=record.parts)
    with pytest.raises(ConfigError, match="scope must be"):
        dataclasses.replace(record, scope="tile")


def test_resolve_executors():
    assert resolve(None) is None and resolve("in-process") is None
    assert isinstance(resolve("out-of-core"), SerialExecutor)
    with pytest.raises(UserError, match="scheduler"):
        resolve("spark://x")
    with pytest.raises(TypeError):
        resolve(3)


@pytest.mark.parametrize("scenario", ["carrier-network", "eez-fleet"])
def test_networks_and_fleets_partitioned_equal_in_process(scenario, tmp_path):
    """Risk passed along the vessel graph (network_contact: every vessel's score) and fleets
    (fleet_presence: vessels of every bucket counted together) cross MMSI buckets."""
    from vessels.simulation import simulate

    src = tmp_path / "ais.parquet"
    simulate(scenario, seed=0).positions.write_parquet(src)
    # the carrier on a watchlist: its score (>= 50) travels to the boats it met
    wl = pl.DataFrame({"mmsi": [352_001_234], "list_name": ["investigation"]})
    base = run(src, out=tmp_path / "a", map=False, watchlist=wl)
    if scenario == "eez-fleet":  # else the equality proves nothing
        assert (base.events[S.EVENT_TYPE] == "fleet_presence").sum() >= 3
    else:
        net = base.contributions.filter(pl.col(S.RULE_NAME) == "network_contact")
        assert net[S.MMSI].n_unique() >= 5
    for n in (3, 7):
        out = tmp_path / f"b{n}"
        ooc = run(src, out=out, map=False, watchlist=wl, executor="out-of-core", buckets=n)
        _same(base, ooc, f"{scenario} out-of-core, {n} buckets")
        _files_same(tmp_path / "a", out, f"{scenario} out-of-core files, {n} buckets")
        for name in (S.NETWORKS_FILE, S.NETWORK_EDGES_FILE, S.NETWORK_NODES_FILE, S.CARRIERS_FILE):
            a, b = pl.read_parquet(tmp_path / "a" / name), pl.read_parquet(out / name)
            assert a.equals(b), f"{scenario} {name}, {n} buckets"
        graphml = (tmp_path / "a" / S.GRAPHML_FILE).read_bytes()
        assert graphml == (out / S.GRAPHML_FILE).read_bytes()


def _random_traffic(seed: int, *, lat: float, lon: float, n_vessels: int = 16) -> pl.DataFrame:
    """Vessels criss-crossing a ~6 km square at 0-25 kn with irregular report intervals (10 s
    to 50 min), some reports repeated at one instant with another position."""
    import math

    from vessels.testing import T0, make_track

    rng = random.Random(seed)
    parts = []
    wide = 0.03 / math.cos(math.radians(lat))
    for v in range(n_vessels):
        t = T0 + timedelta(seconds=rng.uniform(0, 3600))
        la = lat + rng.uniform(-0.03, 0.03)
        lo = lon + rng.uniform(-wide, wide)
        for _leg in range(rng.randint(2, 6)):
            interval = rng.choice([10.0, 60.0, 600.0, 840.0, 1800.0, 3000.0])
            n = rng.randint(1, 8)
            leg = make_track(
                366_000_000 + v,
                start=t,
                lat=la,
                lon=lo,
                n=n,
                interval_s=interval,
                speed_kn=rng.choice([0.0, 0.5, 4.0, 12.0, 25.0]),
                course_deg=rng.uniform(0, 360),
            )
            parts.append(leg)
            last = leg.row(-1, named=True)
            t = last[S.TS] + timedelta(seconds=interval)
            la, lo = last[S.LAT], last[S.LON]
            if rng.random() < 0.3:  # a second report of the last instant, 50 m away
                parts.append(leg.tail(1).with_columns((pl.col(S.LAT) + 0.00045).alias(S.LAT)))
    return pl.concat(parts)


@pytest.mark.parametrize(
    ("seed", "lat", "lon"),
    [(1, 25.0, -110.0), (2, 25.0, -110.0), (3, 60.0, 5.0), (4, -33.0, 151.3), (5, 0.0, 179.98)],
    ids=["gulf-1", "gulf-2", "north-sea", "sydney", "antimeridian"],
)
def test_close_links_cover_every_instant_the_encounter_grid_finds(seed, lat, lon):
    """The tile stage's closest-approach test never loses a pair instant that the encounter
    detector's grid finds within the halo, and its window covers that instant."""
    from vessels.events import DetectorConfig, EncounterConfig
    from vessels.events._common import prepare
    from vessels.events.encounter import encounter_pairs
    from vessels.partition import (
        _close_links,
        _merge_windows,
        footprint_links,
        pair_layers,
    )
    from vessels.testing import staged

    tracks = staged(_random_traffic(seed, lat=lat, lon=lon), shore_km=50.0)
    layers = pair_layers(DetectorConfig())
    (layer,) = [la for la in layers if la.event_type == S.ENCOUNTER]
    links = footprint_links(tracks, layers, bin_h=0.5)
    assert links.height
    # every two vessels' links sharing a bin (what shared cells could give, and more)
    cand = (
        links.select("layer", "bin", pl.col(S.MMSI).alias("a"))
        .unique()
        .join(links.select("layer", "bin", pl.col(S.MMSI).alias("b")).unique(), on=["layer", "bin"])
        .filter(pl.col("a") < pl.col("b"))
    )
    close = _merge_windows(_close_links(cand.lazy(), links.lazy(), layer.halo_m).collect())
    cfg = EncounterConfig()
    found = encounter_pairs(prepare(tracks), cfg, layer.halo_m)
    instants = found.select(
        pl.min_horizontal(S.MMSI, "_mmsi_r").cast(pl.UInt32).alias("a"),
        pl.max_horizontal(S.MMSI, "_mmsi_r").cast(pl.UInt32).alias("b"),
        (pl.col("_k") * round(cfg.grid_min * 60e6)).alias("t"),
    ).unique()
    covered = instants.join(close, on=["a", "b"], how="left").filter(
        (pl.col("lo") <= pl.col("t")) & (pl.col("t") <= pl.col("hi"))
    )
    missed = instants.join(covered.select("a", "b", "t"), on=["a", "b", "t"], how="anti")
    assert missed.height == 0, f"lost pair instants: {missed.head(5).rows()}"
    # the test means something: the grid finds close instants, and the exact test drops pairs
    # that shared a bin without ever being within the halo
    assert instants.height > 0
    assert close.select("a", "b").n_unique() < cand.select("a", "b").n_unique()


def test_each_bucket_file_is_read_a_fixed_number_of_times(week, monkeypatch, tmp_path):
    """The pair and score stages get their rows through shuffles (``pairrows/``, ``partners/``):
    a bucket's tracks are read once by its shuffle task, once by its partner task and once by
    its score task, however many pair buckets there are (before, every pair task and every score
    task scanned every bucket: reads grew as buckets x pair buckets)."""
    import vessels.partition as P

    _whole, files = week
    globs: list[str] = []
    real_scan = P._scan

    def counting(glob: str, **kw):  # type: ignore[no-untyped-def]
        globs.append(glob)
        return real_scan(glob, **kw)

    monkeypatch.setattr(P, "_scan", counting)
    work = tmp_path / "work"
    base = run(files, profile="default", map=False)
    got = run(files, profile="default", map=False, executor="out-of-core", buckets=4, work_dir=work)
    _same(base, got, "week out-of-core, counted reads")
    assert got.summary["execution"]["candidate_pairs"] > 0
    for k in range(4):
        reads = [g for g in globs if f"/tracks/bucket={k}/" in g]
        assert 1 <= len(reads) <= 3, f"bucket {k}: tracks read {len(reads)} times"
    # the shuffle wrote one file per bucket, one row group per pair task (so that a pair
    # task's filter reads only its row groups), and every pair task read them once
    import pyarrow.parquet as pq

    def one_group_per_value(files: list[Path], key: str, name: str) -> None:
        assert 1 <= len(files) <= 4
        assert all(re.fullmatch(name, f.name) for f in files), [f.name for f in files]
        for f in files:
            meta = pq.ParquetFile(f).metadata
            col = meta.schema.names.index(key)
            stats = [meta.row_group(i).column(col).statistics for i in range(meta.num_row_groups)]
            assert all(st.min == st.max for st in stats), f"{f.name}: a row group of two {key}"
            assert len({st.min for st in stats}) == len(stats), f"{f.name}: a {key} split"

    one_group_per_value(
        sorted((work / "pairrows").iterdir()), "pair_bucket", r"bucket=\d+\.parquet"
    )
    tasks = got.summary["execution"]["pair_tasks"]
    assert tasks >= 1
    assert sum("/pairrows/" in g for g in globs) == tasks
    # likewise the partners' facts: one file per bucket, a row group per score bucket, which
    # every score task reads once
    one_group_per_value(sorted((work / "partners").iterdir()), "to_bucket", r"from=\d{5}\.parquet")
    assert sum("/partners/" in g for g in globs) == 4


@pytest.mark.parametrize(
    ("sample", "profile", "change"),
    [
        (*CASES[0], "as is"),
        (*CASES[0], "short partner tracks"),
        (*CASES[3], "as is"),
        (*CASES[3], "merchants"),
        (*CASES[3], "short partner tracks"),
    ],
)
def test_partner_facts_score_as_partner_positions(sample, profile, change):
    """A bucket scored with its partners' facts (last ship type, segment sizes) gives its own
    vessels the rows that scoring with the partners' whole positions gives — also where those
    facts change the score: every vessel a merchant (pair rules skip merchant pairs), partners'
    segments cut below ``min_track_positions``."""
    from vessels.risk import load_profile
    from vessels.risk._partners import PARTNER_SCHEMA, partner_facts
    from vessels.risk.scorer import score_inputs

    res = run(SAMPLES / sample, profile=profile, map=False)
    tracks = res.tracks.lazy().collect()
    if change == "merchants":
        tracks = tracks.with_columns(pl.lit(70, pl.UInt8).alias(S.SHIP_TYPE))
    prof = load_profile(profile)
    mine_pos = bucket_expr(2) == 0
    own = tracks.filter(mine_pos)
    ids = own[S.MMSI].unique().implode()
    ev = res.events.filter(pl.col(S.MMSI).is_in(ids) | pl.col(S.OTHER_MMSI).is_in(ids))
    named = pl.concat([ev[S.MMSI], ev[S.OTHER_MMSI].drop_nulls().cast(pl.UInt32)]).unique()
    partners = tracks.filter(~mine_pos & pl.col(S.MMSI).is_in(named.implode()))
    if change == "short partner tracks":
        partners = partners.filter(pl.int_range(pl.len()).over(S.SEGMENT_ID) < 5)
    assert partners.height and ev[S.OTHER_MMSI].drop_nulls().len(), "no pair events to test"
    want = score_inputs(ev, pl.concat([own, partners]), prof)
    facts = partner_facts(partners)
    assert facts.height < partners.height / 4  # a few rows per vessel, not its positions
    got = score_inputs(ev, own, prof, partners=facts)
    blind = score_inputs(ev, own, prof, partners=pl.DataFrame(schema=PARTNER_SCHEMA))

    def keep(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col(S.MMSI).is_in(ids)).sort(pl.all())

    for name in ("vessels", "contributions", "vessel_days"):
        a, b = getattr(want.result, name), getattr(got.result, name)
        assert keep(a).equals(keep(b)), name
    assert keep(want.base).equals(keep(got.base))
    for rule, edges in want.pairs.items():
        assert keep(edges).equals(keep(got.pairs[rule])), rule
    if change != "as is":  # the facts matter here: without them the bucket scores otherwise
        assert not keep(want.result.contributions).equals(keep(blind.result.contributions))
