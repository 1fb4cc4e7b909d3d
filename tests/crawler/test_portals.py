"""The registry: typed Portal records, or one RegistryError naming the entry and the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from crawler.portals import BUNDLED_REGISTRY, RegistryError, load_registry, parse_registry, select
from tests.crawler.conftest import PORTAL, portal


def registry(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(PORTAL)
    entry.update(changes)
    return {"portals": [entry]}


def error_of(data: Any) -> str:
    with pytest.raises(RegistryError) as caught:
        parse_registry(data, "portals.yaml")
    return str(caught.value)


def test_a_valid_entry_becomes_a_portal() -> None:
    loaded = portal(hints={"report_link_pattern": r"zfxxgknb/\d{6}/t\d+_\d+\.html"})
    assert loaded.id == "erqi"
    assert loaded.region.district == "二七区"
    assert loaded.hints.report_link_pattern.search("/zfxxgknb/202401/t20240101_1.html")


def test_unknown_key_names_entry_and_key() -> None:
    assert error_of(registry(homepage="x")) == "portals.yaml: portal 'erqi' (entry 1): homepage: unknown key"


def test_unknown_hint_key() -> None:
    assert error_of(registry(hints={"list_url": "http://www.zz27q.gov.cn/"})).endswith("hints.list_url: unknown key")


def test_bad_regex_names_the_pattern() -> None:
    message = error_of(registry(hints={"report_link_pattern": "t(\\d+"}))
    assert message.startswith(
        "portals.yaml: portal 'erqi' (entry 1): hints.report_link_pattern: bad regular expression"
    )
    assert "\n" not in message


def test_missing_field() -> None:
    data = registry()
    del data["portals"][0]["allowed_domains"]
    assert error_of(data) == "portals.yaml: portal 'erqi' (entry 1): allowed_domains: missing required key"


def test_missing_id_names_the_entry_number() -> None:
    data = registry()
    del data["portals"][0]["id"]
    assert error_of(data) == "portals.yaml: entry 1: id: missing required key"


@pytest.mark.parametrize(
    ("changes", "key", "problem"),
    [
        ({"start_urls": ["ftp://www.zz27q.gov.cn/"]}, "start_urls", "not an http(s) URL"),
        ({"start_urls": ["http://evil.example/"]}, "start_urls", "outside allowed_domains"),
        ({"allowed_domains": ["http://zz27q.gov.cn"]}, "allowed_domains", "not a bare domain"),
        ({"id": "Erqi District"}, "id", "not a slug"),
        ({"start_urls": []}, "start_urls", "at least 1 item"),
    ],
)
def test_bad_values(changes: dict[str, Any], key: str, problem: str) -> None:
    message = error_of(registry(**changes))
    assert f": {key}: " in message and problem in message


def test_duplicate_ids() -> None:
    data = registry()
    data["portals"].append(copy.deepcopy(data["portals"][0]))
    assert error_of(data) == "portals.yaml: portal 'erqi' (entry 2): id: duplicate id"


def test_not_a_registry() -> None:
    assert error_of(None) == "portals.yaml: should be a mapping"
    assert error_of({"portals": "x"}) == "portals.yaml: portals: should be a list"


def test_yaml_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "portals.yaml"
    path.write_text("portals: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"/portals.yaml: not valid YAML \(line \d+\)"):
        load_registry(path)
    with pytest.raises(RegistryError, match="cannot read the registry"):
        load_registry(tmp_path / "missing.yaml")


def test_scope_is_the_start_folder_unless_a_hint_widens_it() -> None:
    narrow = portal(start_urls=["http://www.zz27q.gov.cn/zwgk/index.html"])
    assert narrow.in_scope("http://www.zz27q.gov.cn/zwgk/zfxxgknb/")
    assert not narrow.in_scope("http://www.zz27q.gov.cn/xwzx/")
    assert not narrow.in_scope("http://public.zz27q.gov.cn/zwgk/")
    wide = portal(start_urls=["http://www.zz27q.gov.cn/zwgk/"], hints={"scope_urls": ["http://public.zz27q.gov.cn/"]})
    assert wide.in_scope("http://public.zz27q.gov.cn/D41X/1.jhtml")
    assert narrow.allows("http://public.zz27q.gov.cn/a.pdf") and not narrow.allows("http://zz27q.gov.cn.evil.cn/")


def test_select_by_id() -> None:
    portals = (portal(), portal(id="other"))
    assert [p.id for p in select(portals, ["other"])] == ["other"]
    assert select(portals, []) == portals
    with pytest.raises(RegistryError, match="unknown portal id"):
        select(portals, ["nope"])


def test_the_bundled_registry_loads_with_the_five_seed_portals() -> None:
    ids = [p.id for p in load_registry(BUNDLED_REGISTRY)]
    assert ids[:5] == ["zz-erqi", "ly-jianxi", "ly-xigong", "zz-xinzheng", "zz-jinshui"]


@pytest.mark.parametrize(("value", "render"), [(True, True), (False, False), ("auto", "auto")])
def test_the_render_hint_is_true_false_or_auto(value: Any, render: Any) -> None:
    assert portal(hints={"render": value}).hints.render == render
    assert portal().hints.render == "auto"


def test_a_bad_render_hint_names_the_key() -> None:
    assert ": hints.render: " in error_of(registry(hints={"render": "sometimes"}))


def test_allowed_domains_compare_host_and_port() -> None:
    local = portal(start_urls=["http://127.0.0.1:8001/index.html"], allowed_domains=["127.0.0.1"])
    assert local.allows("http://127.0.0.1:8001/a.pdf")  # the portal's own port
    assert local.allows("http://127.0.0.1/a.pdf") and local.allows("https://127.0.0.1/a.pdf")  # the default ports
    assert not local.allows("http://127.0.0.1:22/") and not local.allows("http://127.0.0.1:8002/a.pdf")
    assert not local.allows("http://127.0.0.1:99999/a.pdf") and not local.allows("http://127.0.0.1:x/a.pdf")
    pinned = portal(start_urls=["http://www.zz27q.gov.cn/"], allowed_domains=["zz27q.gov.cn:8080"])
    assert pinned.allows("http://public.zz27q.gov.cn:8080/a.pdf") and not pinned.allows("http://public.zz27q.gov.cn/")


def test_a_port_in_allowed_domains_is_valid_but_a_path_is_not() -> None:
    assert portal(allowed_domains=["zz27q.gov.cn:8080", "zz27q.gov.cn"]).allowed_domains[0] == "zz27q.gov.cn:8080"
    assert "not a bare domain" in error_of(registry(allowed_domains=["zz27q.gov.cn/zwgk"]))


def test_source_and_unverified_are_optional_but_never_blank() -> None:
    assert (portal().source, portal().unverified) == (None, None)
    assert portal(source="https://example.org/p", unverified="a guess").unverified == "a guess"
    assert ": source: " in error_of(registry(source=""))


def test_every_bundled_portal_says_where_its_address_was_seen_or_why_it_is_unverified() -> None:
    assert [p.id for p in load_registry(BUNDLED_REGISTRY) if not (p.source or p.unverified)] == []
