"""``nianbao crawl``: bad input stops it before any request, with one line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nianbao.cli import main
from nianbao.commands.crawl import summary

GOOD = """portals:
- id: erqi
  name: 郑州市二七区人民政府
  region: {province: 河南省, city: 郑州市, district: 二七区}
  start_urls: ['http://www.zz27q.gov.cn/']
  allowed_domains: [zz27q.gov.cn]
"""


def crawl(tmp_path: Path, registry: str, *args: str) -> tuple[int, list[str]]:
    path = tmp_path / "portals.yaml"
    path.write_text(registry, encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "--archive-dir", str(tmp_path / "raw")]
    result = CliRunner().invoke(main, ["crawl", "--portals", str(path), *db, *args])
    return result.exit_code, result.output.strip().splitlines()


def test_a_bad_registry_exits_2_naming_entry_and_key(tmp_path: Path) -> None:
    code, lines = crawl(tmp_path, GOOD.replace("allowed_domains", "allowed_domain"))
    assert code == 2 and len(lines) == 1
    assert lines[0].endswith("portal 'erqi' (entry 1): allowed_domain: unknown key")


def test_an_unknown_portal_id_exits_2(tmp_path: Path) -> None:
    code, lines = crawl(tmp_path, GOOD, "--portal", "nope")
    assert (code, lines) == (2, ["Error: unknown portal id(s): nope (known: erqi)"])


@pytest.mark.parametrize("url", ["nosuchdb://x", "postgresql+nodriver://u@h/d"])
def test_a_bad_database_url_exits_2(tmp_path: Path, url: str) -> None:
    path = tmp_path / "portals.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["crawl", "--portals", str(path), "--db", url, "--archive-dir", str(tmp_path)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: ")


def test_a_malformed_setting_exits_2(tmp_path: Path) -> None:
    code, lines = crawl(tmp_path, GOOD, "-s", "NIANBAO_WARC")
    assert (code, lines) == (2, ["Error: --set wants NAME=VALUE, not 'NIANBAO_WARC'"])


def test_the_summary_has_a_line_per_portal_and_the_totals() -> None:
    stats = {
        "nianbao/portal/erqi/pages": 7,
        "nianbao/portal/erqi/reports": 18,
        "nianbao/portal/empty/reports": 0,
        "nianbao/version/new": 17,
        "nianbao/parse/noise": 1,
        "nianbao/blocked/412": 1,
        "nianbao/blocked/kind/ruishu": 1,
        "nianbao/findings/no_reports": 1,
        "nianbao/findings/coverage": 2,
        "finish_reason": "finished",
    }
    lines = summary(stats, 12.34).splitlines()
    assert lines[1].split() == ["empty", "0", "0", "0", "0"]
    assert lines[2].split() == ["erqi", "7", "18", "0", "0"]
    assert "versions: 17 new, 0 already archived, 0 refused" in lines
    findings = "findings: 1 portal(s) without reports, 2 list(s) stating more entries than reached"
    assert f"unchanged (304): 0; blocked: 1; {findings}" in lines
    assert lines[-1] == "finished: finished in 12.3 s"


def test_local_is_refused_for_a_portal_off_this_machine(tmp_path: Path) -> None:
    code, lines = crawl(tmp_path, GOOD, "--local")
    assert (code, lines) == (2, ["Error: --local is for portals on this machine, but erqi starts at www.zz27q.gov.cn"])


def test_local_takes_the_local_settings_and_the_command_line_still_wins() -> None:
    from nianbao.commands.crawl import crawl_settings

    settings = crawl_settings(local=True, overrides={"NIANBAO_RETRY_BACKOFF": "1.5"})
    assert settings.getfloat("DOWNLOAD_DELAY") == 0 and settings.getfloat("NIANBAO_BLOCK_BACKOFF") == 0.1
    assert settings.getfloat("NIANBAO_RETRY_BACKOFF") == 1.5
    assert crawl_settings().getfloat("NIANBAO_BLOCK_BACKOFF") == 300.0
