"""Regenerate the demo map ``maps/demo.html`` and its screenshot ``maps/demo.png``.

Takes the shipped sample ``ais_samples/gulf-of-california/ais.csv`` (or, without it, simulates
the same scenario with seed 0), runs the whole pipeline with the ``gulf-of-california``
profile, draws the top 50 vessels offline (self-contained HTML, land layer instead of tiles)
and screenshots it with the highest-risk vessel's card open.

Usage: ``.venv/bin/python scripts/maps_demo.py [--out maps/] [--seed 0] [--input AIS_FILE]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def main() -> None:
    from maps_screenshot import screenshot

    from vessels.cli import main as cli
    from vessels.maps import risk_map, save_map
    from vessels.pipeline import run

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "maps")
    ap.add_argument("--seed", type=int, default=0)
    sample = ROOT / "ais_samples" / "gulf-of-california" / "ais.csv"
    ap.add_argument(
        "--input",
        type=Path,
        default=sample if sample.exists() else None,
        help="AIS file (default: the shipped Gulf of California sample)",
    )
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = a.input
        if source is None:
            sim = Path(tmp) / "sim"
            rc = cli(
                [
                    "simulate",
                    "--scenario",
                    "gulf-of-california",
                    "--seed",
                    str(a.seed),
                    "--out",
                    str(sim),
                    "-q",
                ]
            )
            if rc != 0:
                raise SystemExit(f"vessels simulate failed ({rc})")
            source = sim / "ais.csv"
        res = run([source], profile="gulf-of-california", map=False)
        m = risk_map(
            res.tracks,
            res.events,
            res.vessels,
            res.zones,
            top_n=50,
            title="vessels demo: Gulf of California sample (simulated), 48 h",
            profile=res.profile.name,
            offline=True,
        )
        a.out.mkdir(parents=True, exist_ok=True)
        html = save_map(m, a.out / "demo.html")
    top = int(res.vessels.sort("risk_score", descending=True)["mmsi"][0])
    errors = screenshot(html, a.out / "demo.png", click=top)
    print(f"wrote {html} ({html.stat().st_size / 1e6:.1f} MB) and {a.out / 'demo.png'}")
    if errors:
        raise SystemExit(f"JavaScript errors: {errors}")


if __name__ == "__main__":
    main()
