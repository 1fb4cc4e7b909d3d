"""Crawling portals on this machine (the fixture world of ``nianbao fixtures serve``).

A host on 127.0.0.1 is not a government server to be polite to: the delays meant for real
portals only slow a local crawl down, so they are off, while robots.txt and its
Crawl-delay stay in force as on any host. Retries and block back-offs are shortened so
that the world's planted faults take a moment, not the 300 s a real block page earns.
``nianbao crawl --local`` and ``nianbao demo`` use these settings, and only for portals
whose every start URL is on this machine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from crawler.portals import Portal, RegistryError

LOCAL_SETTINGS: dict[str, str] = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_START_DELAY": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
    "NIANBAO_RETRY_BACKOFF": "0.05",
    "NIANBAO_BLOCK_BACKOFF": "0.1",
}


def require_local(portals: Iterable[Portal]) -> None:
    """RegistryError naming the first portal with a start URL that is not on this machine."""
    for portal in portals:
        for url in portal.start_urls:
            host = urlsplit(url).hostname or ""
            if not _loopback(host):
                raise RegistryError(f"--local is for portals on this machine, but {portal.id} starts at {host}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
