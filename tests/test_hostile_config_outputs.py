"""Hostile inputs from three families: profile values, zone files, output-directory situations.

Every case runs ``vessels score`` (or ``vessels map``) through ``vessels.cli.main`` against an
output directory holding the complete results of an earlier run, and checks the contract of
issue 11: exit 0 or 2, one clear message naming the file and the key or feature, no traceback
(any exception other than a user error escapes ``main`` and fails the test), and no side effect
on the existing results (byte for byte) unless the case succeeds, in which case the directory
holds the new complete results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_score import write_sample
from vessels.cli import main
from vessels.outputs import COMPLETE_MARKER, check_complete, locked_dir

OLD_PROFILE = "yucatan"


def snapshot(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    sample = write_sample(d / "ais.csv")
    old = d / "old"
    args = ["score", str(sample), "--out", str(old), "-q", "--no-map", "--profile", OLD_PROFILE]
    assert main(args) == 0
    return {"sample": sample, "old": old}


@pytest.fixture
def results(base: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the earlier complete results for one case to run against."""
    out = tmp_path / "results"
    shutil.copytree(base["old"], out)
    return out


def _score(base: dict[str, Path], out: Path, *extra: str) -> int:
    return main(["score", str(base["sample"]), "--out", str(out), "-q", "--no-map", *extra])


# --- profile values -----------------------------------------------------------------------------

#: (id, TOML text or bytes, what the message must name)
PROFILES: list[tuple[str, str | bytes, str]] = [
    ("points-nan", "[rules.ais_gap]\npoints = nan\n", "rules.ais_gap.points' must be a finite"),
    ("points-inf", "[rules.ais_gap]\npoints = inf\n", "rules.ais_gap.points' must be a finite"),
    ("points-minus-inf", "[rules.ais_gap]\npoints = -inf\n", "must be a finite"),
    ("points-1e308", "[rules.ais_gap]\npoints = 1e308\n", "rules.ais_gap.points' must be at most"),
    ("per-h-1e308", "[rules.ais_gap]\npoints_per_h = 1e308\n", "points_per_h' must be at most"),
    ("max-hours-nan", "[rules.ais_gap]\npoints = 1\nmax_hours = nan\n", "max_hours' must be a"),
    ("cap-inf", "[rules.ais_gap]\npoints = 1\ncap = inf\n", "cap' must be a finite"),
    ("negative", "[rules.ais_gap]\npoints = -1\n", "must not be negative"),
    ("string-number", '[rules.ais_gap]\npoints = "ten"\n', "must be a number"),
    ("unknown-key", "[rules.ais_gap]\npointz = 1\n", "unknown key 'rules.ais_gap.pointz'"),
    ("unknown-rule", "[rules.nope]\npoints = 1\n", "unknown key 'rules.nope'"),
    ("unknown-section", "[bogus]\nx = 1\n", "unknown key 'bogus'"),
    ("min-above-max-h", "[rules.ais_gap]\npoints = 1\nmin_hours = 9\nmax_hours = 2\n", "is above"),
    ("tier-nan", "[tiers]\nmedium = nan\n", "tiers.medium' must be a finite"),
    ("tier-1e308", "[tiers]\ncritical = 1e308\n", "tiers.critical' must be at most"),
    ("tiers-falling", "[tiers]\nmedium = 60\nhigh = 50\n", "must rise"),
    (
        "kind-mult-inf",
        "[rules.ais_gap]\npoints = 1\n[rules.ais_gap.zone_kind_multipliers]\naoi = inf\n",
        "zone_kind_multipliers.aoi' must be a finite",
    ),
    ("max-reasons-huge", "[profile]\nmax_reasons = 1000000\n", "max_reasons' must be 0 to 100"),
    ("empty-file", "", "gives no points"),
    ("only-zero-points", "[rules.ais_gap]\npoints = 0\n", "gives no points"),
    ("all-disabled", "[rules.ais_gap]\npoints = 5\nenabled = false\n", "gives no points"),
    ("not-toml", "[rules.ais_gap\npoints = 1\n", "not valid TOML"),
    ("not-utf8", b'[profile]\nname = "caf\xe9"\n', "not UTF-8 text (byte 0xe9 on line 2)"),
    ("bom-latin1", b"\xff\xfe[rules]\n", "not UTF-8"),
    ("extends-missing", '[profile]\nextends = "nowhere"\n', "unknown profile 'nowhere'"),
    ("ev-gap-1e308", "[events.ais_gap]\nmin_gap_h = 1e308\n", "min_gap_h' must be at most"),
    ("ev-gap-nan", "[events.ais_gap]\nmin_gap_h = nan\n", "min_gap_h' must be a finite"),
    ("ev-grid-zero", "[events.encounter]\ngrid_min = 0\n", "grid_min' must be at least 1"),
    ("ev-grid-tiny", "[events.encounter]\ngrid_min = 1e-9\n", "grid_min' must be at least 1"),
    ("ev-dist-inf", "[events.encounter]\nmax_dist_m = inf\n", "max_dist_m' must be a finite"),
    (
        "ev-mmsi-swapped",
        "[events.identity_conflict]\nship_mmsi_min = 900000000\nship_mmsi_max = 100000000\n",
        "'ship_mmsi_min' <= 'ship_mmsi_max' must not decrease",
    ),
    (
        "ev-mmsi-10-digits",
        "[events.identity_conflict]\nship_mmsi_max = 99999999999\n",
        "ship_mmsi_max' must be at most 1e+09",
    ),
    (
        "ev-trapezoid-corners",
        "[events.fishing]\ntrawl_speed_kn = [3.0, 2.0, 5.5, 7.0]\n",
        "trawl_speed_kn' must not decrease",
    ),
    (
        "ev-trapezoid-3-corners",
        "[events.fishing]\nhaul_speed_kn = [0.5, 1.0, 3.0]\n",
        "haul_speed_kn' must have 4 values",
    ),
    (
        "ev-ramp-reversed",
        "[events.fishing]\nvms_speed_kn = [5.0, 3.5]\n",
        "vms_speed_kn' must not decrease",
    ),
    (
        "ev-share-above-1",
        "[events.fishing]\nmin_share = [0.3, 1.5]\n",
        "min_share' must be within [0, 1]",
    ),
    (
        "ev-factor-above-1",
        "[events.fishing]\nhaul_factor = 2.0\n",
        "haul_factor' must be at most 1",
    ),
    (
        "ev-corner-inf",
        "[events.fishing]\nsoak_speed_kn = [1.0, inf]\n",
        "soak_speed_kn' must be a finite",
    ),
    (
        "ev-speed-1e308",
        "[events.fishing]\ntrawl_speed_kn = [1.0, 2.0, 5.5, 1e308]\n",
        "trawl_speed_kn' must be at most",
    ),
    (
        "ev-windows-swapped",
        "[events.fishing]\nshort_window_h = 3.0\n",
        "'short_window_h' must be less than 'mid_window_h'",
    ),
    (
        "ev-windows-equal",
        "[events.fishing]\nshort_window_h = 2.0\n",
        "'short_window_h' must be less than 'mid_window_h'",
    ),
    (
        "ev-window-positions-0",
        "[events.fishing]\nmin_window_positions = 0\n",
        "min_window_positions' must be at least 1",
    ),
    (
        "ev-min-score-above-1",
        "[events.fishing]\nmin_score = 1.5\n",
        "min_score' must be at most 1",
    ),
    ("ev-night-25h", "[events.fishing]\nnight_start_h = 25\n", "night_start_h' must be at most 24"),
    (
        "ev-regex-open",
        '[events.loitering]\ncarrier_name_pattern = "(REEF"\n',
        "not a valid regular",
    ),
    (
        "ev-regex-range",
        '[events.loitering]\ncarrier_name_pattern = "[z-a]"\n',
        "not a valid regular",
    ),
    (
        "ev-regex-type",
        "[events.loitering]\ncarrier_name_pattern = 5\n",
        "carrier_name_pattern' must be a string",
    ),
    (
        "ev-ship-types-swapped",
        "[events.loitering]\ncarrier_ship_type_min = 80\ncarrier_ship_type_max = 70\n",
        "must not decrease",
    ),
    (
        "ev-ship-type-9999",
        "[events.eez_incursion]\nfishing_ship_types = [30, 9999]\n",
        "fishing_ship_types' must be at most 255",
    ),
    ("ev-unknown-section", "[events.nope]\nx = 1\n", "unknown section [nope]"),
    ("ev-unknown-key", "[events.ais_gap]\nmin_gap = 1\n", "unknown key 'min_gap'"),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in PROFILES], ids=[c[0] for c in PROFILES]
)
def test_bad_profile_value_is_refused_before_any_work(
    base: dict[str, Path],
    results: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str | bytes,
    message: str,
) -> None:
    path = tmp_path / "mine.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        # a valid profile extends the default; the hostile part is appended (or stands alone)
        path.write_text(text, encoding="utf-8")
    before = snapshot(results)

    def no_work(*_: Any, **__: Any) -> None:
        raise AssertionError("input read before the profile was validated")

    monkeypatch.setattr("vessels.io.read_ais", no_work)
    assert _score(base, results, "--overwrite", "--profile", str(path)) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert str(path) in err and err.startswith("error: ") and "Traceback" not in err
    assert snapshot(results) == before and leftovers(results) == []


def test_profile_path_is_a_directory(
    base: dict[str, Path], results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "dir.toml"
    d.mkdir()
    before = snapshot(results)
    assert _score(base, results, "--overwrite", "--profile", str(d)) == 2
    assert "is a directory" in capsys.readouterr().err
    assert snapshot(results) == before


def test_valid_edge_profile_runs(base: dict[str, Path], results: Path, tmp_path: Path) -> None:
    """Values at the edges of their ranges are accepted and the run replaces the results."""
    path = tmp_path / "edge.toml"
    path.write_text(
        '[profile]\nextends = "default"\nmax_reasons = 100\n'
        "[rules.ais_gap]\npoints = 100\ncap = 100\nmax_hours = 8784\n"
        "[events.fishing]\nmin_score = 1.0\ntrawl_speed_kn = [2.0, 2.0, 5.5, 5.5]\n"
        "min_share = [0.0, 1.0]\nhaul_factor = 1.0\nshort_window_h = 1.5\n"
        "[events.encounter]\ngrid_min = 1\n",
        encoding="utf-8",
    )
    assert _score(base, results, "--overwrite", "--profile", str(path)) == 0
    assert check_complete(results)["complete"] is True
    assert json.loads((results / "summary.json").read_text())["profile"]["name"] == "edge"


# --- zone files ---------------------------------------------------------------------------------

BOX = [[-111.0, 25.5], [-110.0, 25.5], [-110.0, 26.5], [-111.0, 26.5], [-111.0, 25.5]]


def _fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(ring: list[list[float]], zid: str = "z1", name: str = "Box") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"zone_id": zid, "name": name, "kind": "aoi"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _shift(ring: list[list[float]], dx: float = 0.0, dy: float = 0.0) -> list[list[float]]:
    return [[x + dx, y + dy] for x, y in ring]


#: (id, file content (dict -> JSON, str/bytes as is), expected exit code, message fragment)
ZONES: list[tuple[str, Any, int, str]] = [
    ("lat-95", _fc(_feature(_shift(BOX, dy=70.0))), 2, "z1 (Box): coordinates outside"),
    ("lon-200", _fc(_feature(_shift(BOX, dx=-90.0))), 2, "|lon| up to 201"),
    (
        "swapped-lat-lon",
        _fc(_feature([[y, x] for x, y in BOX])),
        2,
        "they look swapped",
    ),
    (
        "projected-metres",
        _fc(_feature([[x * 111_000, y * 111_000] for x, y in BOX])),
        2,
        "projected CRS",
    ),
    (
        "dup-id-different-names",
        _fc(_feature(BOX, "z1", "Box"), _feature(_shift(BOX, dy=1.0), "z1", "Other")),
        2,
        "zone id(s) name different features: z1 (Box / Other)",
    ),
    (
        "dup-id-same-name-merged",
        _fc(_feature(BOX, "z1", "Box"), _feature(_shift(BOX, dy=2.0), "z1", "Box")),
        0,
        "",
    ),
    (
        "point-geometry",
        _fc({**_feature(BOX), "geometry": {"type": "Point", "coordinates": [0, 0]}}),
        2,
        "Point",
    ),
    (
        "unknown-kind",
        _fc({**_feature(BOX), "properties": {"zone_id": "z", "name": "n", "kind": "x"}}),
        2,
        "unknown zone kind",
    ),
    ("not-json", "{this is not json", 2, "cannot read as a zone layer"),
    ("binary-garbage", b"\x00\xff\xfe\x00garbage", 2, "cannot read as a zone layer"),
    ("no-known-schema", _fc({**_feature(BOX), "properties": {"a": 1}}), 2, "fields found: a"),
    ("empty-geometry", _fc({**_feature(BOX), "geometry": None}), 2, "empty geometry"),
]


@pytest.mark.parametrize(
    ("content", "code", "message"), [c[1:] for c in ZONES], ids=[c[0] for c in ZONES]
)
def test_hostile_zone_file(
    base: dict[str, Path],
    results: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: Any,
    code: int,
    message: str,
) -> None:
    path = tmp_path / "zones.geojson"
    if isinstance(content, dict):
        path.write_text(json.dumps(content), encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    before = snapshot(results)
    with pytest.warns() if code == 0 else _nothing():
        rc = _score(base, results, "--overwrite", "--zones", str(path), "--no-default-zones")
    err = capsys.readouterr().err
    assert rc == code, err
    assert "Traceback" not in err
    if code == 2:
        assert message in err and str(path) in err, err
        assert snapshot(results) == before and leftovers(results) == []
    else:
        assert check_complete(results)["complete"] and leftovers(results) == []


def test_missing_zone_file(
    base: dict[str, Path], results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(results)
    assert _score(base, results, "--overwrite", "--zones", str(tmp_path / "none.geojson")) == 2
    assert "zone file not found" in capsys.readouterr().err
    assert snapshot(results) == before


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- output-directory situations ----------------------------------------------------------------


def _file(tmp: Path, results: Path) -> Path:
    f = tmp / "victim.csv"
    f.write_text("keep me\n")
    return f


def _under_file(tmp: Path, results: Path) -> Path:
    return _file(tmp, results) / "out"


def _cwd(tmp: Path, results: Path) -> Path:
    os.chdir(results)
    return results


def _long_name(tmp: Path, results: Path) -> Path:
    return tmp / ("x" * 250)


def _sys(tmp: Path, results: Path) -> Path:
    return Path("/sys/vessels-cannot-be-here")


#: (id, make --out (tmp, results) -> path, extra args, exit code, message)
OUT_ERRORS: list[tuple[str, Callable[[Path, Path], Path], list[str], str]] = [
    ("existing-file", _file, ["--overwrite"], "exists and is not a directory"),
    ("under-a-file", _under_file, ["--overwrite"], "output"),
    ("results-without-overwrite", lambda t, r: r, [], "already exists and is not empty"),
    ("current-directory", _cwd, ["--overwrite"], "is the current directory"),
    ("name-too-long", _long_name, [], "File name too long"),
    ("unwritable-place", _sys, [], "output directory"),
]


@pytest.mark.parametrize(
    ("make", "extra", "message"), [c[1:] for c in OUT_ERRORS], ids=[c[0] for c in OUT_ERRORS]
)
def test_output_situation_refused(
    base: dict[str, Path],
    results: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make: Callable[[Path, Path], Path],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = snapshot(results)
    out = make(tmp_path, results)
    victim = tmp_path / "victim.csv"
    assert _score(base, out, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert snapshot(results) == before
    if victim.exists():
        assert victim.read_text() == "keep me\n"


def test_locked_output_is_refused(
    base: dict[str, Path], results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(results)
    with locked_dir(results):
        assert _score(base, results, "--overwrite") == 2
    assert "another vessels run is writing" in capsys.readouterr().err
    assert snapshot(results) == before


def _stale(tmp: Path, results: Path) -> None:
    (tmp / ".results.vessels-staging-dead01").mkdir()
    (tmp / ".results.vessels-staging-dead01" / "tracks.parquet").write_text("half")


def _foreign(tmp: Path, results: Path) -> None:
    (results / "notes.txt").write_text("mine")


def _symlink(tmp: Path, results: Path) -> None:
    (tmp / "link").symlink_to(results)


def _no_marker(tmp: Path, results: Path) -> None:
    (results / COMPLETE_MARKER).unlink()


def _stale_lock_file(tmp: Path, results: Path) -> None:
    (tmp / ".results.vessels-lock").write_text("")  # a lock file nobody holds


OUT_OK: list[tuple[str, Callable[[Path, Path], None], str]] = [
    ("stale-staging-cleaned", _stale, "results"),
    ("foreign-file-kept", _foreign, "results"),
    ("through-symlink", _symlink, "link"),
    ("previous-without-marker", _no_marker, "results"),
    ("unheld-lock-file", _stale_lock_file, "results"),
    ("unicode-name", lambda t, r: None, "résultats – 航行 ✓"),
    ("newline-in-name", lambda t, r: None, "two\nlines"),
    ("nested-new", lambda t, r: None, "a/b/c/results"),
]


@pytest.mark.parametrize(("prepare", "name"), [c[1:] for c in OUT_OK], ids=[c[0] for c in OUT_OK])
def test_output_situation_succeeds(
    base: dict[str, Path],
    results: Path,
    tmp_path: Path,
    prepare: Callable[[Path, Path], None],
    name: str,
) -> None:
    prepare(tmp_path, results)
    out = tmp_path / name
    assert _score(base, out, "--overwrite", "--profile", "gulf-of-california") == 0
    real = out.resolve()
    assert check_complete(real)["complete"] is True
    assert json.loads((real / "summary.json").read_text())["profile"]["name"] == (
        "gulf-of-california"
    )
    assert leftovers(real) == [] and leftovers(results) == []
    if name == "link":
        assert out.is_symlink() and real == results.resolve()
    if prepare is _foreign:
        assert (results / "notes.txt").read_text() == "mine"


# --- vessels map --out --------------------------------------------------------------------------


def test_map_refuses_to_replace_a_file_without_overwrite(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.csv"
    victim.write_text("keep me\n")
    assert main(["map", str(results), "--out", str(victim), "-q"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert victim.read_text() == "keep me\n"
    assert main(["map", str(results), "--out", str(victim), "-q", "--overwrite"]) == 0
    assert "<html" in victim.read_text().lower()


def test_map_refuses_a_directory_as_out(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(results)
    for flags in ([], ["--overwrite"]):
        assert main(["map", str(results), "--out", str(tmp_path), "-q", *flags]) == 2
        assert "is a directory" in capsys.readouterr().err
    assert snapshot(results) == before


@pytest.mark.parametrize("state", ["no-marker", "damaged-marker", "locked"])
def test_map_refuses_an_unfinished_directory(
    results: Path, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    if state == "no-marker":
        (results / COMPLETE_MARKER).unlink()
    elif state == "damaged-marker":
        (results / COMPLETE_MARKER).write_text("{")
    before = snapshot(results)
    if state == "locked":
        with locked_dir(results):
            assert main(["map", str(results), "-q"]) == 2
    else:
        assert main(["map", str(results), "-q"]) == 2
    err = capsys.readouterr().err
    assert ("completion marker" in err or "another vessels run" in err) and "Traceback" not in err
    assert snapshot(results) == before
