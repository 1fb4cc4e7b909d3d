"""HTTP behaviour: conditional requests, faults, robots.txt, the request log."""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit

from fixtures.world.server import WorldServer
from tests.world.client import fetch


def _fault(truth: dict, name: str) -> dict:
    return next(f for f in truth["faults"] if f["fault"] == name)


def _archived_page(truth: dict) -> str:
    return next(r["url"] for r in truth["reports"] if r["outcome"] == "archive" and r["doc_format"] == "html")


def test_etag_and_last_modified_answer_304(world_truth) -> None:
    url = _archived_page(world_truth)
    first = fetch(url)
    etag, modified = first.header("ETag"), first.header("Last-Modified")
    assert first.status == 200 and etag and modified
    assert fetch(url, headers={"If-None-Match": etag}).status == 304
    assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
    assert fetch(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status == 200


def test_attachments_answer_304_too(world_truth) -> None:
    report = next(r for r in world_truth["reports"] if r["doc_format"] == "pdf" and r["outcome"] == "archive")
    url = report["attachments"][0]["served_url"]
    etag = fetch(url).header("ETag")
    assert fetch(url, headers={"If-None-Match": etag}).status == 304


def test_412_block_page_has_a_script_challenge(world_truth) -> None:
    answer = fetch(_fault(world_truth, "blocked_412")["url"])
    text = answer.body.decode()
    assert answer.status == 412 and "$_ts=window['$_ts']" in text and "r='m'" in text
    assert fetch(_fault(world_truth, "blocked_412")["url"]).status == 412


def test_521_page(world_truth) -> None:
    answer = fetch(_fault(world_truth, "blocked_521")["url"])
    assert answer.status == 521 and b"__jsl_clearance" in answer.body.replace(b"('", b"").replace(b"')+", b"")


def test_500_then_200(fresh_world, world_truth) -> None:
    url = _fault(world_truth, "error_500_once")["url"]
    assert [fetch(url).status for _ in range(3)] == [500, 200, 200]


def test_slow_page_does_not_hold_up_others() -> None:
    # The slow page of this world answers after ten minutes, longer than the client waits for
    # any page (15 s): the other page coming back while it is still unanswered shows that the
    # server answers in parallel, on a machine however busy (the session's world, slow for
    # 2 s, made this a race).
    with WorldServer(slow_delay=600) as world:
        truth = world.truth(with_expected=False)
        slow, other = urlsplit(_fault(truth, "slow")["url"]), _archived_page(truth)
        with socket.create_connection((slow.hostname, slow.port), timeout=15) as waiting:
            waiting.sendall(f"GET {slow.path} HTTP/1.1\r\nHost: {slow.netloc}\r\n\r\n".encode())
            answer = fetch(other)
            unanswered = select.select([waiting], [], [], 0)[0] == []
    assert answer.status == 200 and unanswered


def test_robots_txt_per_portal(world_truth) -> None:
    robots = {p["family"]: fetch(p["base_url"] + "/robots.txt") for p in world_truth["portals"]}
    assert "Disallow: /gongkai/archive/" in robots["static"].body.decode()
    assert "Crawl-delay: 0.1" in robots["vsb"].body.decode()
    assert robots["hanweb"].status == 404
    excluded = next(r for r in world_truth["reports"] if r["outcome"] == "excluded_by_robots")
    assert "/gongkai/archive/" in excluded["url"] and fetch(excluded["url"]).status == 200


def test_unknown_path_is_404(world_truth) -> None:
    assert fetch(world_truth["portals"][0]["base_url"] + "/no/such/page.html").status == 404


def test_request_log_records_conditional_headers(fresh_world, world_truth) -> None:
    url = _archived_page(world_truth)
    fetch(url, headers={"If-None-Match": '"abc"', "User-Agent": "nianbao-test"})
    [entry] = [e for e in fresh_world.log() if url.endswith(e["path"])]
    assert entry["method"] == "GET" and entry["status"] == 200
    assert entry["headers"]["if-none-match"] == '"abc"' and entry["headers"]["user-agent"] == "nianbao-test"


def test_head_answers_headers_only(world_truth) -> None:
    url = _archived_page(world_truth)
    answer = fetch(url, method="HEAD")
    assert answer.status == 200 and answer.body == b"" and answer.header("ETag") == fetch(url).header("ETag")


def test_a_portal_takes_a_burst_of_connections_before_it_accepts_them() -> None:
    # A backlog of 5 made the kernel drop handshakes when a crawler opened connections
    # faster than the accept loop took them; each dropped one waited 0.2-1 s to retry.
    import contextlib
    import socket
    from http.server import BaseHTTPRequestHandler

    from fixtures.world.httpserver import PortalHTTPServer

    server = PortalHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # listening, never accepting
    try:
        with contextlib.ExitStack() as stack:
            for _ in range(64):
                stack.enter_context(socket.create_connection(server.server_address, timeout=0.5))
    finally:
        server.server_close()


def test_a_client_that_stops_reading_a_large_body_is_no_server_error(capsys) -> None:
    """A crawler cancels a body over its size limit (the packed list's 50 MB script): the
    server lets the connection go quietly, not with a traceback on its stderr."""
    import socket
    import struct
    import time

    from fixtures.world.families.packed import HUGE
    from fixtures.world.httpserver import WorldHTTPServer
    from fixtures.world.plan import BROWSER_PORTALS
    from fixtures.world.world import build_world

    server = WorldHTTPServer(lambda: build_world(0, 1, portals=BROWSER_PORTALS))
    server.start()
    try:
        host, port = server.base_url("packed-xiangcheng").removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            client.sendall(f"GET {HUGE} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, as a cancel does
        time.sleep(1)  # the server's thread meets the reset
    finally:
        server.stop()
    assert "Traceback" not in capsys.readouterr().err
