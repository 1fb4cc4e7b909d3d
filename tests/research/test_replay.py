"""The WACZ export replays in pywb: a report page and the attachment behind its redirect.

pywb pins ``redis==2.10.6`` (the crawl's frontier needs redis>=5), so it cannot share the
project's environment: it gets a venv of its own, built on first use in pytest's cache
folder. The replay server listens on 127.0.0.1 only and serves the exported WACZ, never the
live world; a redirect followed in replay mode stays inside it.
"""

from __future__ import annotations

import fcntl
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest
from click.testing import CliRunner

from fixtures.world.server import WorldServer
from nianbao.cli import main
from tests.conftest import skip_or_fail
from tests.crawling import NIANBAO, Crawl, run_crawl

pytestmark = pytest.mark.slow
PYWB = "pywb>=2.10,<2.11"
PORTAL = "hanweb-longyou"  # its attachments are served behind downfile.jsp, a 302
STARTUP_SECONDS = 60  # a bound on a replay server that never answers, not on speed
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 itself, whatever *_proxy says


@pytest.fixture(scope="module")
def pywb_python(request: pytest.FixtureRequest) -> Path:
    """The python of a venv with pywb in it, built once and kept in pytest's cache."""
    folder = request.config.cache.mkdir("pywb")
    venv, done = folder / "venv", folder / "venv" / "installed"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs building it at once
        if not done.exists():
            build = subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], capture_output=True, text=True)
            if build.returncode == 0:
                pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PYWB]
                build = subprocess.run(pip, capture_output=True, text=True)
            if build.returncode != 0:
                skip_or_fail(f"pywb could not be installed in {venv}: {build.stderr.strip()[-1500:]}")
            done.touch()
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def crawled(world_server: WorldServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    world_server.reset()
    folder = tmp_path_factory.mktemp("replay-crawl")
    return run_crawl(NIANBAO, world_server, folder, {"NIANBAO_PORTAL_IDS": PORTAL})


@pytest.fixture(scope="module")
def replay(pywb_python: Path, crawled: Crawl, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of pywb's replay of the crawl's WACZ export (collection ``nianbao``)."""
    folder = tmp_path_factory.mktemp("pywb")
    wacz = folder / "archive.wacz"
    arguments = ["export", "--db", crawled.db_url, "--archive-dir", str(crawled.archive_dir), "--format", "wacz"]
    exported = CliRunner().invoke(main, [*arguments, "-o", str(wacz)])
    assert exported.exit_code == 0, exported.output
    for command in (["init", "nianbao"], ["add", "--unpack-wacz", "nianbao", str(wacz)]):
        pywb(pywb_python, "from pywb.manager.manager import main; main()", command, folder)
    port = free_port()
    server = subprocess.Popen(
        [str(pywb_python), "-c", "from pywb.apps.cli import wayback; wayback()", "-b", "127.0.0.1", "-p", str(port)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/nianbao"
        wait_for(server, base + "/")
        yield base
    finally:
        server.kill()
        server.wait()


def pywb(python: Path, code: str, arguments: list[str], folder: Path) -> None:
    done = subprocess.run([str(python), "-c", code, *arguments], cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        skip_or_fail(f"pywb could not run ({' '.join(arguments)}): {done.stderr.strip()[-1500:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(server: subprocess.Popen[bytes], url: str) -> None:
    """Return once the replay server answers ``url``; skip (fail under CI) when it never does."""
    give_up = time.monotonic() + STARTUP_SECONDS
    while server.poll() is None and time.monotonic() < give_up:
        try:
            with LOCAL.open(url):
                return
        except URLError:
            time.sleep(0.2)
    server.kill()
    errors = server.communicate()[1].decode("utf-8", "replace")
    skip_or_fail(f"pywb's replay server did not answer on 127.0.0.1: {errors.strip()[-1500:]}")


def fetched(url: str) -> tuple[str, bytes]:
    """The URL the answer came from (after any redirect) and its body."""
    with LOCAL.open(url) as answer:
        return answer.geturl(), answer.read()


def archived_bytes(crawled: Crawl, url: str) -> bytes:
    (capture,) = [c for c in crawled.captures() if c.url == url and c.status == 200]
    with crawled.archive() as archive:
        return archive.read_bytes(capture.sha256)


@pytest.fixture(scope="module")
def report(world_truth: dict[str, Any]) -> dict[str, Any]:
    """A report of the portal whose page links an attachment that redirects."""
    return next(
        r
        for r in world_truth["reports"]
        if r["portal"] == PORTAL and r["parsed"] and any(a["url"] != a["served_url"] for a in r["attachments"])
    )


def test_the_report_page_replays_as_archived(replay: str, crawled: Crawl, report: dict[str, Any]) -> None:
    _, body = fetched(f"{replay}/id_/{report['url']}")
    assert body == archived_bytes(crawled, report["url"])


def test_the_attachment_replays_through_its_redirect(replay: str, crawled: Crawl, report: dict[str, Any]) -> None:
    attachment = next(a for a in report["attachments"] if a["url"] != a["served_url"])
    landed, body = fetched(f"{replay}/mp_/{attachment['url']}")
    assert landed == f"{replay}/mp_/{attachment['served_url']}"  # the archived 302, followed inside the replay
    assert body == archived_bytes(crawled, attachment["served_url"])
