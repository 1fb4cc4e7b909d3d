"""The one settings table: every NIANBAO_ setting is declared there, documented and read."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler import config
from nianbao.commands import crawl as crawl_command
from tests.crawler.conftest import crawler_with

CRAWLER = Path(config.__file__).parent
NAME = re.compile(r"\bNIANBAO_[A-Z0-9_]+\b")


def names_used(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in NAME.findall(path.read_text(encoding="utf-8"))}


def scrapy_side() -> list[Path]:
    """The modules that read Scrapy settings: the crawler package and ``nianbao crawl``.

    Other subcommands take their own options and environment variables, which are not
    Scrapy settings.
    """
    modules = [*CRAWLER.glob("*.py"), *(CRAWLER / "spiders").glob("*.py"), Path(crawl_command.__file__)]
    return [path for path in modules if path != Path(config.__file__)]


def test_every_setting_used_is_declared() -> None:
    undeclared = names_used([*scrapy_side(), *Path(__file__).parent.rglob("*.py")]) - set(config.TABLE)
    assert not undeclared, f"declare these in crawler/config.py SETTINGS: {sorted(undeclared)}"


def test_every_declared_setting_is_read_somewhere() -> None:
    unread = set(config.TABLE) - names_used(scrapy_side())
    assert not unread, f"dead configuration (declared, never read): {sorted(unread)}"


def test_every_setting_has_one_line_of_help() -> None:
    for setting in config.SETTINGS:
        assert setting.help and "\n" not in setting.help, setting.name
    assert len(config.TABLE) == len(config.SETTINGS), "a name is declared twice"


def test_the_project_settings_carry_every_default() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    for setting in config.SETTINGS:
        assert settings.get(setting.name) == setting.default, setting.name


def test_readers_fall_back_to_the_table_default() -> None:
    bare = Settings()
    assert config.get_float(bare, "NIANBAO_BLOCK_BACKOFF") == 300.0
    assert config.get_list(bare, "NIANBAO_PORTAL_IDS") == []
    assert config.get_bool(Settings({"NIANBAO_WARC": "0"}), "NIANBAO_WARC") is False


def test_the_user_agent_names_the_contact_url() -> None:
    crawler = crawler_with(
        {"ADDONS": {config.IdentifyingUserAgent: 0}, "NIANBAO_CONTACT_URL": "https://example.org/who-we-are"}
    )
    assert crawler.settings["USER_AGENT"].startswith("nianbao/")
    assert "+https://example.org/who-we-are" in crawler.settings["USER_AGENT"]


def test_the_user_agent_is_plain_ascii() -> None:
    crawler = crawler_with({"ADDONS": {config.IdentifyingUserAgent: 0}})
    assert crawler.settings["USER_AGENT"].isascii()


def test_a_crawl_with_the_placeholder_contact_url_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.config"):
        crawler_with({"ADDONS": {config.IdentifyingUserAgent: 0}})
        crawler_with({"ADDONS": {config.IdentifyingUserAgent: 0}, "NIANBAO_CONTACT_URL": "https://example.org/us"})
    warnings = [record.getMessage() for record in caplog.records if record.name == "crawler.config"]
    assert len(warnings) == 1 and config.PLACEHOLDER_CONTACT in warnings[0] and "NIANBAO_CONTACT_URL" in warnings[0]


def test_an_explicit_user_agent_wins() -> None:
    crawler = crawler_with({"ADDONS": {config.IdentifyingUserAgent: 0}, "USER_AGENT": "custom/1.0"})
    assert crawler.settings["USER_AGENT"] == "custom/1.0"


def test_polite_defaults() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings")
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert "HttpCacheMiddleware" not in str(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None


def test_cookie_domains_are_judged_without_fetching_the_public_suffix_list(tmp_path: Path) -> None:
    # Scrapy's cookie middleware used to download the list from GitHub on first use,
    # logging a traceback on a machine without internet and sending a request no crawl chose.
    script = (
        "import socket, crawler.settings\n"
        "def refuse(*args, **kwargs): raise AssertionError(f'network use: {args}')\n"
        "socket.getaddrinfo = refuse\n"
        "from scrapy.downloadermiddlewares import cookies\n"
        "assert cookies._split_domain.suffix_list_urls == ()\n"
        "assert cookies._is_public_domain('gov.cn') and not cookies._is_public_domain('zhengzhou.gov.cn')\n"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TLDEXTRACT")}
    environment["TLDEXTRACT_CACHE"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
