"""``nianbao serve`` in headless Chromium, with real clicks; screenshots go to tests/artifacts/.

Skipped with a message when Chromium, chromedriver or selenium is absent, except under CI.
"""

from __future__ import annotations

import shutil
import threading
from html import unescape
from pathlib import Path
from urllib.request import urlopen

import pytest

from nianbao.web.server import make_server
from tests.conftest import skip_or_fail
from tests.research.archive import SEARCH_WORD, FilledArchive, fill_eras

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT_SECONDS = 10


@pytest.fixture(scope="module")
def base_url(archive: FilledArchive):
    engine = archive.engine()
    server = make_server(engine, archive.raw_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    engine.dispose()


@pytest.fixture(scope="module")
def eras_url(tmp_path_factory: pytest.TempPathFactory):
    """A server over one body's 2020 report (2019 format) and 2021 report (2021 format)."""
    folder = tmp_path_factory.mktemp("eras-archive")
    eras = fill_eras(f"sqlite:///{folder / 'archive.sqlite'}", folder / "raw")
    engine = eras.engine()
    server = make_server(engine, eras.raw_dir)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    engine.dispose()


@pytest.fixture(scope="module")
def browser():
    webdriver = (
        pytest.importorskip("selenium.webdriver") if _has_selenium() else skip_or_fail("selenium is not installed")
    )
    chromium = shutil.which("chromium") or CHROMIUM
    driver_path = shutil.which("chromedriver") or CHROMEDRIVER
    if not (Path(chromium).exists() and Path(driver_path).exists()):
        skip_or_fail("Chromium or chromedriver is not installed (Debian: apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.implicitly_wait(WAIT_SECONDS)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    yield driver
    driver.quit()


def _has_selenium() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return True


def by_id(driver, element_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def navigate(driver, element) -> None:
    """Click ``element`` and wait until the page it was on has gone and the next one has loaded.

    The old page is marked with a window property rather than watched through the clicked
    element: chromedriver's staleness check can itself fail ("Node with given id does not
    belong to the document") while the old document is being torn down.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__nianbaoLeaving = true;")
    element.click()
    WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.__nianbaoLeaving && document.readyState === 'complete';")
    )


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"web-{name}.png"))


def test_filter_the_list_then_open_a_report_with_failed_checks(browser, base_url: str) -> None:
    browser.get(base_url + "/")
    assert by_id(browser, "count").text == "共 12 份报告"
    by_id(browser, "f-region").send_keys("洛阳")
    by_id(browser, "f-failed").send_keys("R1")  # picks the option, as typing on a focused <select> does
    navigate(browser, by_id(browser, "f-submit"))
    assert by_id(browser, "count").text == "共 1 份报告"
    shot(browser, "list-filtered")
    navigate(browser, by_css(browser, "#reports a.report-link")[0])
    assert "洛阳市西工区教育局 2023" in by_id(browser, "report-title").text
    assert "R1" in by_id(browser, "checks").text and "R3" in by_id(browser, "checks").text
    assert len(by_css(browser, "table.official")) == 3
    shot(browser, "report-failed-checks")


def test_report_versions_raw_document_and_diff(browser, base_url: str, archive: FilledArchive) -> None:
    browser.get(base_url + "/?agency=二七区统计局&year=2023")
    navigate(browser, by_css(browser, "#reports a.report-link")[0])
    assert "第2版" in by_id(browser, "report-title").text
    assert len(by_css(browser, "#versions li")) == 2
    raw_href = by_css(browser, "#documents a.raw-link")[0].get_attribute("href")
    with urlopen(raw_href) as response:
        assert "二七区统计局" in response.read().decode("utf-8")
    navigate(browser, by_id(browser, "diff-link"))
    assert "2022 v1 → 2023 v2" in by_css(browser, "h1.diff-title")[0].text
    assert "仍然" in [element.text for element in by_css(browser, "ins")]
    problems = by_css(browser, 'section[data-number="5"] .score')[0].text
    assert "沿用上年 50.0%" in problems
    shot(browser, "diff-years")


def test_diff_two_versions_from_the_report_page(browser, base_url: str) -> None:
    browser.get(base_url + "/?agency=二七区统计局&year=2023")
    navigate(browser, by_css(browser, "#reports a.report-link")[0])
    navigate(browser, by_css(browser, "#versions a.version-diff")[0])
    assert "2023 v1 → 2023 v2" in by_css(browser, "h1.diff-title")[0].text
    changed = {row.get_attribute("data-cell") for row in by_css(browser, "table.cells tr[data-cell]")}
    assert "applications.disclosed.total" in changed and len(changed) == 6
    folded = by_css(browser, "table.equal-cells tr[data-equal-cell]")
    assert folded and not folded[0].is_displayed()  # unchanged cells wait behind their summary
    by_css(browser, "#equal-cells summary")[0].click()
    assert folded[0].is_displayed()
    shot(browser, "diff-versions")


def test_search_then_open_the_hit(browser, base_url: str) -> None:
    browser.get(base_url + "/")
    navigate(browser, by_id(browser, "nav-search"))
    by_id(browser, "q").send_keys(SEARCH_WORD)
    navigate(browser, by_id(browser, "search-submit"))
    assert by_id(browser, "hit-count").text == "共 1 条结果"
    assert [mark.text for mark in by_css(browser, "#hits mark")] == [SEARCH_WORD]
    shot(browser, "search")
    navigate(browser, by_css(browser, "#hits a.report-link")[0])
    assert "郑州市金水区统计局 2022" in by_id(browser, "report-title").text


def test_a_bad_filter_says_what_is_wrong(browser, base_url: str) -> None:
    browser.get(base_url + "/")
    by_id(browser, "f-year").send_keys("20x3")
    navigate(browser, by_id(browser, "f-submit"))
    assert "not a year" in by_id(browser, "error").text
    shot(browser, "bad-filter")


def test_the_server_header_names_no_version(base_url: str) -> None:
    """Neither a page nor the server's own error for a request line too long says which Python runs it."""
    import socket

    with urlopen(base_url + "/") as response:
        assert response.headers["Server"] == "nianbao"
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")  # 414: longer than it reads
        answer = connection.makefile("rb").read().decode("latin-1")
    assert answer.startswith("HTTP/") and "Python" not in answer and "Server: nianbao" in answer


def test_a_report_reads_like_the_official_tables(browser, base_url: str, archive: FilledArchive) -> None:
    browser.set_window_size(1400, 1000)
    try:
        browser.get(base_url + "/?agency=洛阳市西工区教育局&year=2022")
        navigate(browser, by_css(browser, "#reports a.report-link")[0])
        applications = by_css(browser, 'table[data-table="applications"]')[0]
        assert "申请人情况" in applications.text and "法人或其他组织" in applications.text
        assert "三、本年度办理结果" in applications.text and "1.属于国家秘密" in applications.text
        spec = archive.spec("洛阳市西工区教育局", 2022)["tables"]["applications"]
        new_total = by_css(browser, 'td[data-key="applications.new.total"]')[0]
        assert new_total.text == str(spec["new"]["total"])
        review = by_css(browser, 'table[data-table="review_litigation"]')[0]
        assert "行政复议" in review.text and "复议后起诉" in review.text
        right = browser.execute_script("return arguments[0].getBoundingClientRect().right;", review)
        assert right <= browser.execute_script("return document.documentElement.clientWidth;")  # no scrolling
        applications.screenshot(str(ARTIFACTS / "web-report-table-3.png"))
        review.screenshot(str(ARTIFACTS / "web-report-table-4.png"))
    finally:
        browser.set_window_size(1280, 1000)


def test_a_body_page_shows_every_year_and_its_charts(browser, base_url: str) -> None:
    browser.get(base_url + "/?agency=二七区统计局&year=2023")
    navigate(browser, by_css(browser, "#reports a.report-link")[0])
    navigate(browser, by_css(browser, "a.agency-link")[0])
    assert "郑州市二七区统计局" in by_id(browser, "agency-title").text
    assert [cell.text for cell in by_css(browser, "#years a.report-link")] == ["2021", "2022", "2023"]
    assert len(by_css(browser, "figure.chart svg")) == 4
    bars = by_css(browser, "#chart-applications rect[data-year]")
    assert len(bars) == 6 and all(float(bar.get_attribute("height")) > 0 for bar in bars)
    rates = [bar.get_attribute("data-value") for bar in by_css(browser, "#chart-disclosure rect[data-year]")]
    shown = [cell.text for cell in by_css(browser, '#years tr[data-measure="disclosure_rate"] td')]
    assert [f"{float(rate):.1%}" for rate in rates] == shown
    shot(browser, "agency")


def first_lines(elements) -> list[str]:
    """Each element's printed label: its first line, without the key on the secondary line (read
    from the markup, since a folded row has no rendered text)."""
    return [unescape(element.get_attribute("innerHTML").split("<br>")[0]) for element in elements]


def test_each_report_reads_in_the_wording_of_its_own_format(browser, eras_url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1400, 1000)
    try:
        browser.get(eras_url + "/")
        assert by_css(browser, 'label[for="f-agency"]')[0].text == "机关"
        assert by_id(browser, "f-format").text.split("\n")[:3] == ["表格格式：不限", "2021年格式", "2019年格式"]
        by_id(browser, "f-year").send_keys("2020")
        navigate(browser, by_id(browser, "f-submit"))
        assert by_id(browser, "count").text == "共 1 份报告"
        shot(browser, "list-chinese-form")
        navigate(browser, by_css(browser, "#reports a.report-link")[0])
        active = by_css(browser, 'table[data-table="active"]')[0]
        labels = [th.text.split("\n")[0] for th in active.find_elements(By.CSS_SELECTOR, "th.label")]
        assert "规范性文件" in labels and "行政规范性文件" not in labels
        columns = [th.text for th in active.find_elements(By.CSS_SELECTOR, "tr.block th")]
        assert "处理决定数量" in columns and "本年处理决定数量" not in columns
        active.screenshot(str(ARTIFACTS / "web-report-2019-table-2.png"))
        navigate(browser, by_css(browser, "a.agency-link")[0])
        rows = first_lines(by_css(browser, "#years th.label"))
        assert "（六）其他处理：总计" in rows  # the 2019 row, beside the 2021 format's three
        shot(browser, "agency-two-eras")
        browser.get(eras_url + "/diff?agency=郑州市二七区统计局&year=2021")  # against the nearest earlier year
        assert "2020 v1 → 2021 v1" in by_css(browser, "h1.diff-title")[0].text
        row = by_css(browser, '[data-cell="active.licensing.decisions"] td.key')[0]
        assert first_lines([row]) == ["行政许可：本年处理决定数量"]
        assert "2019年格式：行政许可：处理决定数量" in row.get_attribute("textContent")
        shot(browser, "diff-two-eras")
    finally:
        browser.set_window_size(1280, 1000)
