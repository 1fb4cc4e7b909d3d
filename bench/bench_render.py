"""What rendering costs: crawls with Chromium on (NIANBAO_RENDER=auto) and off, same worlds.

- The demo world (the five families a static reader solves): the crawl with rendering on
  against the crawl with it off (aim: no page rendered, time within noise of the other).
- The browser-only portal (``packed-xiangcheng``, ``WorldServer(browser=True)``): reports
  found with the browser and without it, pages rendered against pages crawled, the time
  and the peak memory of a rendered page (Chromium's largest process).
- Generated browser-only variants (``fixtures.world.families.rendered.covering``): reports
  found, views walked, and the time a rendered page took (``nianbao/render/seconds``: its
  loading and what was done on it).

Each crawl runs in a child process of its own (a Twisted reactor starts once per
process). Robots.txt's Crawl-delay is capped at 0, as in bench_crawl.py.

    python bench/bench_render.py [--scale 1] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

BENCH_SETTINGS = {"NIANBAO_CRAWL_DELAY_MAX": "0", "LOG_LEVEL": "ERROR", "NIANBAO_PARSE": "True"}
PACKED = "packed-xiangcheng"
VARIANTS = 6  # rendered.covering(6): every value of every dimension among them


def child(registry: str, folder: str, render: str, portal_ids: str) -> dict[str, Any]:
    from crawler.local import LOCAL_SETTINGS
    from nianbao.commands.crawl import crawl_settings, run_crawl

    overrides = {**LOCAL_SETTINGS, **BENCH_SETTINGS, "NIANBAO_RENDER": render}
    settings = crawl_settings(
        registry=Path(registry),
        db_url=f"sqlite:///{Path(folder) / 'archive.db'}",
        archive_dir=Path(folder) / "archive",
        portal_ids=tuple(filter(None, portal_ids.split(","))),
        log_level="ERROR",
        overrides=overrides,
    )
    started = time.monotonic()
    stats = run_crawl(settings)
    return {
        "seconds": time.monotonic() - started,
        "responses": stats.get("downloader/response_count", 0),
        "versions": stats.get("nianbao/version/new", 0),
        "pages": sum(
            value for key, value in stats.items() if key.startswith("nianbao/portal/") and key.endswith("/pages")
        ),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    } | browser_use(stats)


def browser_use(stats: dict[str, Any]) -> dict[str, Any]:
    """What a crawl (this process, its stats) spent on the browser: pages rendered, the requests
    and views they took, their time, and the largest process the crawl waited for (Chromium's)."""
    return {
        "rendered": stats.get("nianbao/render/pages", 0),
        "browser_requests": stats.get("nianbao/render/requests", 0),
        "views": stats.get("nianbao/render/views", 0),
        "render_seconds": stats.get("nianbao/render/seconds", 0.0),
        "browser_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def browser_line(run: dict[str, Any]) -> str:
    """How many pages needed the browser, and what each cost."""
    if not run["rendered"]:
        return "no page needed the browser"
    each = run["render_seconds"] / run["rendered"]
    return (
        f"{run['rendered']} page(s) rendered, {run['browser_requests']} browser requests, {each:.1f} s each; "
        f"the browser's largest process {run['browser_peak_mb']:.0f} MB"
    )


def run_child(registry: Path, folder: Path, render: str, portal_ids: str = "") -> dict[str, Any]:
    arguments = [str(registry), str(folder), render, portal_ids]
    done = subprocess.run(
        [sys.executable, __file__, "--child", *arguments], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"crawl child ({render}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(repeat: int, registry: Path, folder: Path, render: str, portal_ids: str = "") -> dict[str, Any]:
    """The fastest of ``repeat`` crawls, each into a new archive (the machine is shared)."""
    runs = [run_child(registry, folder / f"{render}-{n}", render, portal_ids) for n in range(repeat)]
    return min(runs, key=lambda run: run["seconds"])


def line(name: str, run: dict[str, Any]) -> str:
    return (
        f"{name:<22} {run['seconds']:6.1f} s  {run['responses']:5,} responses  {run['versions']:4} versions  "
        f"{run['rendered']} of {run['pages']} list/nav pages rendered ({run['browser_requests']} browser requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="world size (the demo's is 1)")
    parser.add_argument("--repeat", type=int, default=2, help="crawls of each kind; the fastest counts")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return

    from fixtures.world.families import rendered
    from fixtures.world.server import WorldServer

    with tempfile.TemporaryDirectory(prefix="nianbao-bench-render-") as temporary:
        folder = Path(temporary)
        with WorldServer(scale=args.scale, registry=folder / "demo.yaml") as world:
            reports = len(world.truth(with_expected=False)["reports"])
            off = best_of(args.repeat, folder / "demo.yaml", folder / "demo", "off")
            on = best_of(args.repeat, folder / "demo.yaml", folder / "demo", "auto")
        with WorldServer(scale=args.scale, registry=folder / "browser.yaml", browser=True) as world:
            packed = [r for r in world.truth(with_expected=False)["reports"] if r["portal"] == PACKED]
            packed_off = run_child(folder / "browser.yaml", folder / "packed-off", "off", PACKED)
            packed_on = run_child(folder / "browser.yaml", folder / "packed-on", "auto", PACKED)
        chosen = rendered.dump(rendered.covering(VARIANTS), folder / "variants.json")
        with WorldServer(scale=args.scale, registry=folder / "variants.yaml", variants=chosen) as world:
            generated = len(world.truth(with_expected=False)["reports"])
            variants_on = run_child(folder / "variants.yaml", folder / "variants-on", "auto")

    print(f"demo world (scale {args.scale}, {reports} reports), fastest of {args.repeat}:")
    print(line("  rendering off", off))
    print(line("  rendering auto", on))
    print(f"  time auto/off        {on['seconds'] / off['seconds']:.2f}x  (aim: no page rendered, ~1x)")
    print(f"browser-only portal {PACKED} ({len(packed)} reports):")
    print(line("  rendering off", packed_off))
    print(line("  rendering auto", packed_on))
    print(
        f"  reports found        {packed_on['versions']} with the browser, {packed_off['versions']} without; "
        f"crawler peak {packed_on['peak_mb']:.0f} MB, browser's largest process {packed_on['browser_peak_mb']:.0f} MB"
    )
    print(f"browser-only variants, rendered.covering({VARIANTS}) ({generated} reports):")
    print(line("  rendering auto", variants_on))
    print(f"  reports found        {variants_on['versions']} of {generated}; {variants_on['views']} views walked")
    print(f"  browser              {browser_line(variants_on)}")


if __name__ == "__main__":
    main()
