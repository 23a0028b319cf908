"""Generate a synthetic MarineCadastre-layout AIS CSV (vectorised; no per-row Python).

One day, ``--vessels`` vessels moving on straight legs, reporting at random instants, with the
quirks of real files mixed in at low rates: empty cells, ``IMO`` prefix, floats for integer
fields, negative COG (the 2020 12-bit fault), sentinels (heading 511, SOG 102.3), a few exact
duplicates and a few base-station / AtoN MMSIs.

Usage::

    .venv/bin/python benchmarks/gen_marinecadastre.py --rows 1000000 \
        --out benchmarks/_data/mc_1000000.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl


def generate(rows: int, vessels: int = 20_000, seed: int = 7) -> pl.DataFrame:
    """``rows`` rows of which 0.1 % are exact duplicates of other rows."""
    n_dup = rows // 1000
    total = rows
    rows = total - n_dup
    rng = np.random.default_rng(seed)
    mids = np.array([366, 367, 368, 338, 345, 351, 412, 636, 538, 229])
    mmsi = mids[rng.integers(0, len(mids), vessels)] * 1_000_000 + rng.integers(0, 999_999, vessels)
    # a few non-vessel stations and fake identities
    mmsi[:20] = 3_669_000 + np.arange(20)  # 00366xxxx coast stations
    mmsi[20:40] = 993_669_000 + np.arange(20)  # AtoN
    mmsi[40:45] = [123456789, 111111111, 0, 999999999, 12345]
    lat0 = rng.uniform(24.0, 45.0, vessels)
    lon0 = rng.uniform(-125.0, -66.0, vessels)
    sog = rng.gamma(2.0, 4.0, vessels)
    cog = rng.uniform(0, 360, vessels)
    vi = rng.integers(0, vessels, rows)
    t_s = rng.integers(0, 86_400, rows)
    dist_deg = sog[vi] * t_s / 3600.0 / 60.0
    lat = np.round(lat0[vi] + dist_deg * np.cos(np.radians(cog[vi])), 5)
    lon = np.round(lon0[vi] + dist_deg * np.sin(np.radians(cog[vi])), 5)
    cog_rep = np.round(cog[vi] + rng.normal(0, 2, rows), 1) % 360
    neg = (cog_rep > 204.7) & (rng.random(rows) < 0.5)
    cog_rep = np.where(neg, np.round(cog_rep - 409.6, 1), cog_rep)
    heading = np.where(rng.random(rows) < 0.3, 511.0, np.round(cog[vi]))
    sog_rep = np.where(rng.random(rows) < 0.001, 102.3, np.round(sog[vi], 1))
    ts = (np.datetime64("2023-06-01T00:00:00") + t_s.astype("timedelta64[s]")).astype(
        "datetime64[ms]"
    )
    vtype = rng.choice(np.array([30.0, 31.0, 37.0, 52.0, 60.0, 70.0, 80.0, np.nan]), vessels)
    df = pl.DataFrame(
        {
            "MMSI": mmsi[vi],
            "BaseDateTime": pl.Series(ts).dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": lat,
            "LON": lon,
            "SOG": sog_rep,
            "COG": cog_rep,
            "Heading": heading,
            "VesselName": "VESSEL " + pl.Series(vi).cast(pl.String).str.pad_start(6, "0"),
            "IMO": pl.Series(np.where(vi % 3 == 0, 9_000_000 + vi, -1)),
            "CallSign": "W" + pl.Series(vi).cast(pl.String),
            "VesselType": vtype[vi],
            "Status": np.where(rng.random(rows) < 0.5, 0.0, 15.0),
            "Length": np.round(rng.uniform(0, 300, vessels))[vi],
            "Width": np.round(rng.uniform(0, 40, vessels))[vi],
            "Draft": np.round(rng.uniform(0, 12, vessels), 1)[vi],
            "Cargo": np.where(vi % 2 == 0, 70.0, np.nan),
            "TransceiverClass": np.where(vi % 4 == 0, "B", "A"),
        }
    ).with_columns(
        pl.when(pl.col("IMO") > 0).then(pl.lit("IMO") + pl.col("IMO").cast(pl.String)).alias("IMO"),
        pl.col("VesselType").fill_nan(None),
        pl.col("Cargo").fill_nan(None),
    )
    # 0.1 % exact duplicates, appended then shuffled in
    dup = df.sample(n=n_dup, seed=seed)
    return pl.concat([df, dup]).sample(fraction=1.0, shuffle=True, seed=seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--vessels", type=int, default=20_000)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    chunk = 2_000_000
    with args.out.open("wb") as fh:
        for i, start in enumerate(range(0, args.rows, chunk)):
            n = min(chunk, args.rows - start)
            generate(n, args.vessels, seed=7 + i).write_csv(fh, include_header=(i == 0))
    print(args.out, args.out.stat().st_size / 1e6, "MB")


if __name__ == "__main__":
    main()
