"""Screenshot an HTML map with headless Chromium (Playwright + Debian's /usr/bin/chromium).

CDN files are answered from the offline bundle and every other request is refused, so this works
without a network (tiles stay blank: use an ``--offline`` map for a land layer instead).

Usage: ``.venv/bin/python scripts/maps_screenshot.py maps/demo.html maps/demo.png [--click MMSI]``
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from vessels.maps._offline import asset_bytes, local_asset

CHROMIUM = os.environ.get("VESSELS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(
    html: Path, png: Path, *, width: int = 1400, height: int = 900, click: int | None = None
) -> list[str]:
    """Write ``png``; return the JavaScript errors seen while loading ``html``."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
                return
            rel = local_asset(url)
            if rel is None:
                r.abort()
            else:
                r.fulfill(status=200, body=asset_bytes(rel))

        page.route("**/*", route)
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        if click is not None:
            # the card opens on the track where it is in view (the map does not move)
            page.evaluate("(m) => window.vesselsMap.openCard(m)", click)
            page.wait_for_timeout(300)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
        browser.close()
    return errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("html", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--click", type=int, default=None, help="open the card of this MMSI")
    a = ap.parse_args()
    errors = screenshot(a.html, a.png, width=a.width, height=a.height, click=a.click)
    for e in errors:
        print(f"JS error: {e}")
    print(f"wrote {a.png}")
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
