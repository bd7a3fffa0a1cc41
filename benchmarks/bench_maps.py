"""Benchmark: a ranked map of N H3 cells -- build time, HTML size, load time in headless Chromium.

Run: ``.venv/bin/python benchmarks/bench_maps.py [--cells 100000] [--resolution 7]``.
Needs Debian's chromium at /usr/bin/chromium and the xstatic-leaflet package (inline mode, so
no network is used). Prints one line per measure; record them in benchmarks/MAPS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "maps"))

from synthetic import CHROMIUM, CHROMIUM_ARGS, h3_result, make_metadata

import maps

READY = """() => {
  const el = document.querySelector('.folium-map');
  return el && window[el.id] && window[el.id]._loaded && document.querySelector('canvas') !== null;
}"""
COUNT = """() => {
  const map = window[document.querySelector('.folium-map').id];
  let n = 0;
  map.eachLayer(l => {
    if (l instanceof L.Path && l.sitingRow !== undefined) n++;
    if (l.sitingDrawn !== undefined) n += l.sitingDrawn;
  });
  return n;
}"""
REDRAW = """() => {
  const map = window[document.querySelector('.folium-map').id];
  const t0 = performance.now();
  map.eachLayer(l => { if (l._redraw && l.sitingDrawn !== undefined) l._redraw(); });
  return performance.now() - t0;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--resolution", type=int, default=7)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()

    start = time.perf_counter()
    result = h3_result(args.cells, resolution=args.resolution)
    print(f"cells: {len(result)} (H3 resolution {args.resolution})")
    print(f"synthetic result: {time.perf_counter() - start:.2f} s")

    start = time.perf_counter()
    fmap = maps.ranked_map(result, make_metadata(), tiles=None, inline_assets=True)
    html = maps.render_html(fmap)
    print(f"ranked_map + render: {time.perf_counter() - start:.2f} s")
    size_mb = len(html.encode("utf-8")) / 1e6
    print(f"HTML size: {size_mb:.1f} MB ({1e6 * size_mb / len(result):.0f} bytes per cell)")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = maps.write_html(html, Path(folder) / "map.html")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function(READY, timeout=120_000)
        loaded = time.perf_counter() - start
        drawn = page.evaluate(COUNT)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        painted = time.perf_counter() - start
        print(f"Chromium: map ready {loaded:.2f} s, first paint {painted:.2f} s, drawn {drawn}")
        print(f"redraw of every candidate (a pan or zoom): {page.evaluate(REDRAW) / 1000:.2f} s")
        start = time.perf_counter()
        page.mouse.click(640, 450)
        page.wait_for_selector(".leaflet-popup-content", timeout=30_000)
        print(f"click to popup: {time.perf_counter() - start:.2f} s")
        print(f"console errors: {len(errors)}")
        if args.screenshot is not None:
            page.screenshot(path=str(args.screenshot))
        browser.close()


if __name__ == "__main__":
    main()
