"""The one table of nianbao's own Scrapy settings: every ``NIANBAO_*`` name, default and help.

Components read these through :func:`get` (and its typed siblings), which fall back to
the default declared here, so a crawler built without ``crawler/settings.py`` (tests,
``get_crawler``) behaves the same. ``tests/crawler/test_config.py`` fails when a
``NIANBAO_*`` name is used but not declared here, or declared but never read.

``IdentifyingUserAgent`` is a Scrapy add-on: it builds ``USER_AGENT`` (plain ASCII, as
HTTP headers are) from ``NIANBAO_CONTACT_URL`` once the settings are final, so ``-s
NIANBAO_CONTACT_URL=...`` changes the User-Agent too, and it warns once when a crawl still
carries the placeholder contact URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scrapy.settings import BaseSettings

from storage.defaults import DEFAULT_ARCHIVE_DIR, DEFAULT_DB_URL

PLACEHOLDER_CONTACT = "https://nianbao.invalid/contact"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("NIANBAO_PORTALS", None, "portal registry YAML to crawl; None: the bundled crawler/portals.yaml"),
    Setting("NIANBAO_PORTAL_IDS", [], "ids of the registry's portals to crawl; empty: all of them"),
    Setting("NIANBAO_DB_URL", DEFAULT_DB_URL, "SQLAlchemy URL of the archive database"),
    Setting(
        "NIANBAO_ARCHIVE_DIR", DEFAULT_ARCHIVE_DIR, "folder of the archive's raw bytes (sha256 names) and WARC files"
    ),
    Setting("NIANBAO_CONTACT_URL", PLACEHOLDER_CONTACT, "page saying who runs the crawl; goes into the User-Agent"),
    Setting("NIANBAO_WARC", True, "also write every response to WARC files through storage's WARC writer"),
    Setting("NIANBAO_PARSE", True, "extract and parse report documents while crawling"),
    Setting("NIANBAO_PARSE_WORKERS", 0, "documents parsed at once, each in a worker process; 0: one per core"),
    Setting("NIANBAO_PARSE_MEMORY_MB", 1400, "MB of address space a parse worker may use; over it: fault memory"),
    Setting("NIANBAO_PARSE_TIMEOUT", 180.0, "CPU seconds one document may take to parse; over it: fault timeout"),
    Setting("NIANBAO_CONDITIONAL_GET", True, "send If-None-Match/If-Modified-Since from the latest capture"),
    Setting("NIANBAO_CONFIRMATIONS_BATCH", 100, "capture rows of 304 answers committed in one transaction at most"),
    Setting("NIANBAO_CONFIRMATIONS_SECONDS", 1.0, "seconds the capture row of a 304 waits at most to be committed"),
    Setting("NIANBAO_CRAWL_DELAY_MAX", 60.0, "seconds: the longest robots.txt Crawl-delay honoured as given"),
    Setting("NIANBAO_BLOCK_BACKOFF", 300.0, "seconds a host is left alone after it answers with a block page"),
    Setting("NIANBAO_BLOCK_BACKOFF_MAX", 3600.0, "seconds: the back-off doubles per block in a row up to this"),
    Setting("NIANBAO_RETRY_BACKOFF", 2.0, "seconds before the first retry; doubles per retry (Retry-After wins)"),
    Setting("NIANBAO_RETRY_BACKOFF_MAX", 120.0, "seconds: the longest wait before one retry"),
    Setting("NIANBAO_MAX_LIST_PAGES", 200, "pages of one annual-report list followed at most"),
    Setting("NIANBAO_MAX_NAV_DEPTH", 3, "links followed from a home page to find the annual-report column"),
    Setting("NIANBAO_RENDER", "auto", "auto: render the list pages that need a browser in Chromium; off: never"),
    Setting("NIANBAO_CHROMIUM", "/usr/bin/chromium", "the Chromium that renders list pages (Debian's chromium)"),
    Setting("NIANBAO_RENDER_TIMEOUT", 60.0, "seconds one rendered list page may take, its pages pressed through"),
    Setting(
        "NIANBAO_FRONTIER", None, "redis:// URL of a shared frontier: the crawl is one of its workers; None: alone"
    ),
    Setting("NIANBAO_FRONTIER_KEY", "nianbao", "prefix of the frontier's Redis keys: frontiers may share a database"),
    Setting("NIANBAO_FRONTIER_LEASE", 300.0, "seconds a worker holds a request or a host slot before others may"),
    Setting("NIANBAO_IDLE_EXIT", 0.0, "seconds the frontier stays empty before a worker ends; 0: never"),
    Setting("NIANBAO_PROGRESS_INTERVAL", 0.0, "seconds between progress lines on stderr; 0: none"),
    Setting("NIANBAO_SCHEDULE_SEASON_DAYS", 2.0, "days between two scheduled crawls of a portal in the season"),
    Setting("NIANBAO_SCHEDULE_OFF_SEASON_DAYS", 30.0, "days between two scheduled crawls of a portal off season"),
    Setting("NIANBAO_SCHEDULE_SEASON_MONTHS", "1-4", "the reporting season's months in China: 1-4, 1,2,3 or 11-2"),
    Setting("NIANBAO_SCHEDULE_RETRY_HOURS", 6.0, "hours before a portal whose last run read no page is due again"),
)

TABLE: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    """Every nianbao setting with its default, as crawler/settings.py declares them."""
    return {setting.name: setting.default for setting in SETTINGS}


def get(settings: BaseSettings, name: str) -> Any:
    value = settings.get(name)
    return TABLE[name].default if value is None else value


def get_bool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name, TABLE[name].default)


def get_int(settings: BaseSettings, name: str) -> int:
    return settings.getint(name, TABLE[name].default)


def get_float(settings: BaseSettings, name: str) -> float:
    return settings.getfloat(name, TABLE[name].default)


def get_list(settings: BaseSettings, name: str) -> list[str]:
    return settings.getlist(name, TABLE[name].default)


def user_agent(contact_url: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("nianbao")
    except PackageNotFoundError:
        release = "dev"
    return f"nianbao/{release} (+{contact_url}; archives government information-disclosure annual reports)"


class IdentifyingUserAgent:
    """Add-on: ``USER_AGENT`` names nianbao and ``NIANBAO_CONTACT_URL`` unless set explicitly."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact_url = get(settings, "NIANBAO_CONTACT_URL")
        settings.set("USER_AGENT", user_agent(contact_url), priority="addon")
        if contact_url == PLACEHOLDER_CONTACT and settings["USER_AGENT"] == user_agent(contact_url):
            logger.warning(
                "the User-Agent carries the placeholder contact URL %s: before crawling real portals, set "
                "NIANBAO_CONTACT_URL to a page that says who runs this crawl (-s NIANBAO_CONTACT_URL=https://...)",
                PLACEHOLDER_CONTACT,
            )
