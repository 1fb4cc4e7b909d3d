"""Many workers on one frontier: throughput against one worker, and politeness kept.

The fixture world (a portal a loopback host:port, so per-host politeness applies to
each) is crawled by 1, 2 and 4 ``nianbao crawl --frontier`` workers on one Redis and
one archive (PostgreSQL when it answers, else SQLite), each run on a fresh world, a
fresh archive and a fresh frontier, started by ``nianbao schedule --frontier``. From
one run, printed against one worker measured in the same run:

- seconds from the first worker's start to the last one's exit (``wall``, with process
  start-up and ``--idle-exit``), and the span the server was answering (``serving``);
- pages per second over that span, and the ratio to one worker;
- the most requests ever in flight to one host, from the server's own access log
  (start and end of each answer), which must be at most 2 however many workers;
- a recrawl of the unchanged world (a new round, one worker) against the first crawl:
  requests, bytes sent by the server, seconds.

    python bench/bench_distributed.py [--scale 3] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

REDIS = os.environ.get("NIANBAO_BENCH_REDIS", "redis://127.0.0.1:6379/12")
POSTGRES = os.environ.get("NIANBAO_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NIANBAO = [sys.executable, "-c", "from nianbao.cli import main; main()"]
BENCH_SETTINGS = {"NIANBAO_CRAWL_DELAY_MAX": "0", "LOG_LEVEL": "ERROR"}


def fresh_database(folder: Path, name: str) -> str:
    """A new PostgreSQL database (or a SQLite file when no server answers)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from storage.engine import open_engine

    admin = open_engine(POSTGRES + "?connect_timeout=3").execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        return POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    except OperationalError:
        return f"sqlite:///{folder / name}.sqlite"
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    from sqlalchemy import text

    from storage.engine import open_engine

    if not url.startswith("postgresql"):
        return
    admin = open_engine(POSTGRES).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
    admin.dispose()


def options(registry: Path, db_url: str, folder: Path, key: str) -> list[str]:
    from crawler.local import LOCAL_SETTINGS

    settings = {**LOCAL_SETTINGS, **BENCH_SETTINGS, "NIANBAO_FRONTIER_KEY": key}
    archive = ["--db", db_url, "--archive-dir", str(folder / "raw"), "--portals", str(registry)]
    return [*archive, *(f"-s{name}={value}" for name, value in settings.items())]


def crawl(world: Any, workers: int, common: list[str], *schedule: str) -> dict[str, Any]:
    """One round: queued by ``nianbao schedule --frontier``, crawled by ``workers`` workers."""
    from fixtures.world.responder import most_in_flight

    queued = subprocess.run(
        [*NIANBAO, "schedule", "--frontier", REDIS, *common, *schedule], cwd=PROJECT, capture_output=True, text=True
    )
    if queued.returncode != 0:
        raise SystemExit(f"nianbao schedule failed:\n{queued.stderr[-3000:]}")
    world.clear_log()
    command = [*NIANBAO, "crawl", "--frontier", REDIS, "--idle-exit", "1", "--progress", "0", *common]
    started = time.monotonic()
    running = [subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)]
    running += [
        subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(workers - 1)
    ]
    for worker in running:
        _, err = worker.communicate(timeout=3600)
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed:\n{err[-3000:]}")
    wall = time.monotonic() - started
    log = [entry for entry in world.log() if entry.get("ended") is not None]
    serving = max(e["ended"] for e in log) - min(e["started"] for e in log)
    return {
        "workers": workers,
        "wall": wall,
        "serving": serving,
        "requests": len(log),
        "bytes": sum(entry.get("bytes", 0) for entry in log),
        "pages_per_s": len(log) / serving,
        "in_flight": max(most_in_flight(log).values()),
    }


def flush(key: str) -> None:
    from redis import Redis

    server = Redis.from_url(REDIS)
    for name in server.scan_iter(f"{key}:*"):
        server.delete(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    from fixtures.world.server import WorldServer

    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as temporary:
        folder = Path(temporary)
        with WorldServer(scale=args.scale, registry=folder / "portals.yaml") as world:
            results, recrawl = [], None
            for workers in args.workers:
                world.reset()
                key, name = f"bench-{uuid.uuid4().hex[:8]}", f"nianbao_bench_{uuid.uuid4().hex[:8]}"
                db_url = fresh_database(folder, name)
                common = options(world.registry, db_url, folder / name, key)
                try:
                    results.append(crawl(world, workers, common))
                    print(_line(results[-1], results[0]), flush=True)
                    if workers == 1:
                        recrawl = crawl(world, 1, common, "--now", "2099-01-01")
                finally:
                    flush(key)
                    drop_database(db_url)
            if recrawl is not None:
                first = results[0]
                print(
                    "recrawl of the unchanged world against the first crawl (1 worker): "
                    + ", ".join(
                        f"{what} {recrawl[what]:.0f}/{first[what]:.0f} = {recrawl[what] / first[what]:.0%}"
                        for what in ("requests", "bytes", "serving")
                    )
                )


def _line(result: dict[str, Any], baseline: dict[str, Any]) -> str:
    return (
        f"{result['workers']} worker(s): {result['requests']} requests, serving {result['serving']:.1f} s "
        f"(wall {result['wall']:.1f} s), {result['pages_per_s']:.1f} pages/s = "
        f"{result['pages_per_s'] / baseline['pages_per_s']:.2f}x one worker; "
        f"most in flight to one host: {result['in_flight']} (limit 2)"
    )


if __name__ == "__main__":
    main()
