"""The crawl, measured on a generated fixture world on 127.0.0.1.

From one run, printing each against a baseline measured in the same run:

- pages/s of the full pipeline (``portal`` spider, WARC, archive, extraction, parsing)
  against a bare Scrapy spider, Scrapy's stock components with the same concurrency,
  fetching exactly the URLs the full crawl fetched (aim: at most 1.5x its time);
- a recrawl of the unchanged world (conditional requests, answers from the archive)
  against the first crawl (aim: under 20% of its time), its CPU against the first
  crawl's, and the database statements it ran per ``304``;
- peak memory (RSS) of the full crawl on a quarter-size world and on the whole one
  (aim: under 500 MB, and flat as the world grows);
- the pages the full crawl needed the browser for (``NIANBAO_RENDER``), the time each
  took and the browser's largest process, as bench_render.py measures them.

Every URL is asked again in a recrawl (conditionally: a PDF revised in place must
become a new version), and AutoThrottle paces each host by its answers' latency, so the
recrawl's wall time is bounded by that pacing; its CPU time shows the work it saves.

Each crawl runs in a child process of its own (a Twisted reactor starts once per
process), which reports its time, responses and peak RSS. Robots.txt's Crawl-delay is
capped at 0 here (NIANBAO_CRAWL_DELAY_MAX=0): it would pace the VSB portal alike in
every crawl, so the times would measure the delay instead of the crawler.

    python bench/bench_crawl.py [--scale 43] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

BENCH_SETTINGS = {"NIANBAO_CRAWL_DELAY_MAX": "0", "LOG_LEVEL": "ERROR"}


# -- child processes ----------------------------------------------------------------------


def child_full(registry: str, db_url: str, archive_dir: str) -> dict[str, Any]:
    from sqlalchemy import Engine, event

    from crawler.local import LOCAL_SETTINGS
    from nianbao.commands.crawl import crawl_settings, run_crawl

    queries = 0

    def count(*_: Any) -> None:
        nonlocal queries
        queries += 1

    event.listen(Engine, "before_cursor_execute", count)  # every statement of every engine of the crawl

    overrides = {**LOCAL_SETTINGS, **BENCH_SETTINGS}
    settings = crawl_settings(
        registry=Path(registry), db_url=db_url, archive_dir=Path(archive_dir), log_level="ERROR", overrides=overrides
    )
    started = time.monotonic()
    stats = run_crawl(settings)
    return _report(started, stats) | {"queries": queries}


def child_bare(urls_file: str) -> dict[str, Any]:
    """Scrapy's stock components, the politeness numbers of crawler/settings.py, no nianbao parts."""
    from urllib.parse import urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.local import LOCAL_SETTINGS

    urls = Path(urls_file).read_text(encoding="utf-8").split()

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for url in urls:
                # one download slot per host:port, as the portal spider has
                yield scrapy.Request(url, meta={"download_slot": urlsplit(url).netloc}, dont_filter=True)

        def parse(self, response):
            return None

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name in ("ADDONS", "DOWNLOADER_MIDDLEWARES", "EXTENSIONS", "ITEM_PIPELINES"):
        settings.set(name, {}, priority="cmdline")
    settings.setdict({**LOCAL_SETTINGS, **BENCH_SETTINGS, "HTTPERROR_ALLOW_ALL": True}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler)
    process.start()
    return _report(started, crawler.stats.get_stats())


def _report(started: float, stats: dict[str, Any]) -> dict[str, Any]:
    from bench_render import browser_use

    from parsers.worker import USAGE

    return browser_use(stats) | {
        "seconds": time.monotonic() - started,
        "responses": stats.get("downloader/response_count", 0),
        "versions": stats.get("nianbao/version/new", 0),
        "not_modified": stats.get("nianbao/capture/not_modified", 0),
        # user and system, of this process, its converters and its parse workers
        "cpu_seconds": sum(os.times()[:4]) + USAGE.cpu_seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(*arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *arguments], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"crawl child {arguments[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the benchmark ------------------------------------------------------------------------


def fetched_urls(db_url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT DISTINCT url FROM capture WHERE status IS NOT NULL ORDER BY id"))
        urls = [url for (url,) in rows]
    engine.dispose()
    return urls


def crawl_world(scale: int, folder: Path, *, recrawl: bool, bare: bool) -> dict[str, Any]:
    from fixtures.world.server import WorldServer

    folder.mkdir(parents=True, exist_ok=True)
    registry, db_url, archive_dir = folder / "portals.yaml", f"sqlite:///{folder / 'archive.db'}", folder / "archive"
    result: dict[str, Any] = {}
    with WorldServer(scale=scale, registry=registry) as world:
        truth = world.truth(with_expected=False)
        result["pages"], result["reports"] = truth["pages"], len(truth["reports"])
        print(f"scale {scale}: {result['pages']:,} pages, {result['reports']:,} reports", file=sys.stderr)
        result["full"] = run_child("full", str(registry), db_url, str(archive_dir))
        print(f"  full crawl {result['full']['seconds']:.1f} s", file=sys.stderr)
        if bare:
            urls = folder / "urls.txt"
            urls.write_text("\n".join(fetched_urls(db_url)), encoding="utf-8")
            result["bare"] = run_child("bare", str(urls))
            print(f"  bare spider {result['bare']['seconds']:.1f} s", file=sys.stderr)
        if recrawl:
            result["recrawl"] = run_child("full", str(registry), db_url, str(archive_dir))
            print(f"  recrawl {result['recrawl']['seconds']:.1f} s", file=sys.stderr)
    return result


def rate(run: dict[str, Any]) -> str:
    per_second = run["responses"] / run["seconds"]
    cpu = run["cpu_seconds"]
    return f"{run['responses']:,} responses in {run['seconds']:.1f} s = {per_second:,.0f}/s, {cpu:.1f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=43, help="world size: 43 is about 10,000 pages")
    parser.add_argument("--keep", type=Path, help="keep the archives in this folder")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_full(*rest) if kind == "full" else child_bare(*rest)))
        return

    from bench_render import browser_line

    from fixtures.world.world import build_world

    started = time.perf_counter()
    pages = build_world(scale=args.scale).page_count()
    print(f"world built      {pages:,} pages in {time.perf_counter() - started:.1f} s (scale {args.scale})")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-crawl-"))
    try:
        small_scale = max(1, args.scale // 4)
        small = crawl_world(small_scale, folder / "small", recrawl=False, bare=False)
        large = crawl_world(args.scale, folder / "large", recrawl=True, bare=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    full, bare, recrawl = large["full"], large["bare"], large["recrawl"]
    print(f"world            {large['pages']:,} pages, {large['reports']:,} reports (scale {args.scale})")
    print(f"full pipeline    {rate(full)}; {full['versions']:,} versions archived")
    print(f"bare spider      {rate(bare)} (same URLs, Scrapy's stock components)")
    print(f"time full/bare   {full['seconds'] / bare['seconds']:.2f}x  (aim: at most 1.5x)")
    print(f"CPU full/bare    {full['cpu_seconds'] / bare['cpu_seconds']:.2f}x")
    print(f"browser          {browser_line(full)}")
    share, cpu_share = recrawl["seconds"] / full["seconds"], recrawl["cpu_seconds"] / full["cpu_seconds"]
    print(
        f"recrawl          {recrawl['seconds']:.1f} s, {share:.0%} of the first crawl's time (aim: under 20%), "
        f"{cpu_share:.0%} of its CPU; {recrawl['not_modified']:,} answered 304, {recrawl['versions']} new versions; "
        f"{recrawl['queries'] / max(1, recrawl['not_modified']):.2f} database statements per 304"
    )
    print(
        f"peak memory      {small['full']['peak_mb']:,.0f} MB at {small['pages']:,} pages (scale {small_scale}), "
        f"{full['peak_mb']:,.0f} MB at {large['pages']:,} pages (aim: under 500 MB, flat)"
    )


if __name__ == "__main__":
    main()
