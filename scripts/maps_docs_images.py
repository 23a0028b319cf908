"""Regenerate the map screenshots of the docs (``docs/img/map-*.png``).

Runs the shipped Gulf of California sample through the pipeline (as ``scripts/maps_demo.py``),
draws it online, offline and offline with the time slider, and screenshots in headless Chromium
with no network at all:

* ``map-online-blocked.png`` — the online map when its CDN scripts cannot load (what a user
  without internet sees: the page says so and names ``--offline``);
* ``map-offline.png`` — the offline map at its default view (fitted to the critical vessels);
* ``map-time-slider.png`` — the time slider a few hours in (times in UTC; browser set to
  America/Mazatlan);
* ``map-event-list.png`` — the event list sorted by duration, its longest event opened;
* ``map-vessel-timeline.png`` — the highest-risk vessel found with the search box, its card with
  the timeline.

Usage: ``.venv/bin/python scripts/maps_docs_images.py [--out docs/img]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def _page(browser: Any, html: Path, *, tz: str = "UTC") -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, timezone_id=tz)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # no network at all: CDN and tiles refused (an offline map needs neither)
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    page.goto(html.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    return ctx, page, errors


def main() -> None:
    from maps_screenshot import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    from vessels.maps import risk_map, save_map
    from vessels.pipeline import run

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument(
        "--input", type=Path, default=ROOT / "ais_samples" / "gulf-of-california" / "ais.csv"
    )
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    res = run([a.input], profile="gulf-of-california", map=False)
    top = int(res.vessels.sort("risk_score", descending=True)["mmsi"][0])
    with tempfile.TemporaryDirectory() as tmp:
        html = {}
        for name, kw in {
            "online": {},
            "offline": {"offline": True},
            "slider": {"offline": True, "time_slider": True},
        }.items():
            m = risk_map(
                res.tracks,
                res.events,
                res.vessels,
                res.zones,
                top_n=50,
                title="vessels demo: Gulf of California sample (simulated), 48 h",
                profile=res.profile.name,
                **kw,
            )
            html[name] = save_map(m, Path(tmp) / f"{name}.html")
        problems: list[str] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

            ctx, page, _errors = _page(browser, html["online"])  # errors expected: no Leaflet
            page.wait_for_function("() => !document.getElementById('vessels-noload').hidden")
            page.screenshot(path=str(a.out / "map-online-blocked.png"))
            ctx.close()

            ctx, page, errors = _page(browser, html["offline"])
            page.screenshot(path=str(a.out / "map-offline.png"))
            problems += errors
            page.locator("#vessels-events th", has_text="Duration").click()
            page.locator("#vessels-events th", has_text="Duration").click()
            page.locator("#vessels-events tbody tr").first.click()
            page.wait_for_timeout(400)
            page.screenshot(path=str(a.out / "map-event-list.png"))
            page.evaluate("() => window.vesselsMap.map.closePopup()")
            page.locator("#vessels-search").fill(str(top))
            page.locator("#vessels-search").press("Enter")
            page.wait_for_timeout(400)
            page.screenshot(path=str(a.out / "map-vessel-timeline.png"))
            ctx.close()

            ctx, page, errors = _page(browser, html["slider"], tz="America/Mazatlan")
            for _ in range(20):
                page.locator(".timecontrol-forward").click()
            page.wait_for_timeout(600)
            page.screenshot(path=str(a.out / "map-time-slider.png"))
            problems += errors
            ctx.close()
            browser.close()
    for p in sorted(a.out.glob("map-*.png")):
        print(f"wrote {p.relative_to(ROOT)}")
    if problems:
        raise SystemExit(f"JavaScript errors: {problems}")


if __name__ == "__main__":
    main()
