"""Page roles from content, and the judgement that a list page is filled by script."""

from __future__ import annotations

import pytest

from crawler.roles import is_report_shell, page_role, script_driven_reason
from tests.crawler.conftest import page

COLUMN = "http://www.example.gov.cn/xxgk/xxgknb/"
BODY = "<p>" + "为深入贯彻落实党中央关于政务公开工作的决策部署，本区持续推进政务公开标准化规范化建设。" * 4 + "</p>"


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body>{body}</body></html>"


def rows(count: int) -> str:
    items = "".join(
        f'<li><a href="./2024{n:02d}/t2024{n:02d}05_{n}.html">关于工作的通知{n}</a><span>2024-{n:02d}-05</span></li>'
        for n in range(1, count + 1)
    )
    return f'<ul class="list">{items}</ul>'


def test_a_run_of_dated_links_is_a_list() -> None:
    assert page_role(page(COLUMN + "index.html", html(rows(5)))) == "list"


def test_a_list_grouped_by_year_in_several_uls_is_one_list() -> None:
    body = "<h3>2024</h3>" + rows(2) + "<h3>2023</h3>" + rows(2)
    assert page_role(page(COLUMN + "index.html", html(body + BODY))) == "list"


def test_a_title_a_date_and_a_body_under_the_column_folder_is_an_article() -> None:
    body = f"<h1>区政府召开常务会议</h1><p>发布日期：2018-01-05</p>{BODY}" + rows(2)
    assert page_role(page(COLUMN + "201801/t20180105_1.html", html(body))) == "article"


def test_an_article_with_a_related_list_of_three_dated_links_is_still_read_by_its_rows() -> None:
    body = f"<h1>区政府召开常务会议</h1><p>发布日期：2018-01-05</p>{BODY}" + rows(3)
    assert page_role(page(COLUMN + "201801/t20180105_1.html", html(body))) == "list"


def test_a_page_without_a_body_stays_a_list() -> None:
    body = '<h1>政府信息公开年报</h1><div id="list"></div><p>2024-01-05</p>'
    assert page_role(page(COLUMN + "index.html", html(body))) == "list"


SHELL_SCRIPT = "<script>fetch('/api/detail?id=' + id).then(fill)</script>"
SENTENCE = "本机关依法主动公开政府信息并按时答复依申请公开事项。"  # 25 characters of prose


@pytest.mark.parametrize(
    ("body", "shell"),
    [
        (f"<div id='app'></div>{SHELL_SCRIPT}", True),
        # prose inside links, scripts, styles and comments is not what the page shows of itself
        (f"<a>{SENTENCE * 7}</a><style>p{{}}</style><!--{SENTENCE * 7}-->{SHELL_SCRIPT}", True),
        (f"<a><span><b>{SENTENCE * 7}</b></span></a>{SHELL_SCRIPT}", True),
        # the text after a link, a comment or a script is the page's again
        (f"<p><a>x</a>{SENTENCE * 3}<!--c-->{SENTENCE * 2}<script>s</script>{SENTENCE * 2}</p>{SHELL_SCRIPT}", False),
        (f"<div>{'<div>' * 300}{SENTENCE * 7}{'</div>' * 300}</div>{SHELL_SCRIPT}", False),
        (f"<p>{SENTENCE * 7}</p>", False),
        ("<div id='app'></div>", False),  # no script to fill it: an empty page, not a shell
    ],
)
def test_a_report_shell_shows_no_prose_of_its_own_and_has_scripts(body: str, shell: bool) -> None:
    assert is_report_shell(page("http://www.example.gov.cn/detail.html?id=7", html(body))) is shell


OTHER_REPORTS = "<ul class='related'>{}</ul>".format(
    "".join(
        f"<li><a href='http://nb{n}.example.gov.cn/'>第{n}局2023年政府信息公开工作年度报告</a></li>" for n in range(20)
    )
)


def reason(body: str) -> str | None:
    response = page(COLUMN + "index.html", html(body))
    return script_driven_reason(response)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<div id='list'></div><script>$.post(getApi() + '/list', {pageNo: 1})</script>", "endpoint"),
        ("<ul class='list'><li><a href='/a.html'>a</a></li></ul><p>共 19 条</p>", "total"),
        # 20 other bodies' reports beside a list its script draws in a frame: links, not its rows
        (OTHER_REPORTS + "<p>共 19 条</p><div class='main'><iframe src='list.html'></iframe></div>", "total"),
        ("<script>var cfg = {recordCount: 19};</script>" + rows(3), "total"),
        ("<ul class='news-list'></ul>", "empty_container"),
        ("<ul class='list'><li>{{ item.title }}</li></ul>", "empty_container"),
        (rows(3) + "<a href='javascript:void(0)' class='btn'>加载更多</a>", "load_more"),
        (rows(3) + "<button onclick='loadMore()'>more</button>", "load_more"),
    ],
)
def test_why_a_list_page_looks_script_driven(body: str, expected: str) -> None:
    assert reason(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        rows(5),
        rows(3) + "<p>共 3 条</p>",
        rows(3) + "<p>共 19 条</p><a href='index_1.html'>下一页</a>",  # a page bar explains the rest
        rows(3) + "<a href='/xxgk/more.html'>查看更多</a>",  # navigation, not a control
        "<div id='list'></div><script>$.post('/api/list', {pageNo: 1})</script>",  # the reader resolves it
        "<div class='list-wrap'><iframe src='list.html'></iframe></div>",  # its frame is read as a page
    ],
)
def test_a_list_that_reading_explains_is_not_script_driven(body: str) -> None:
    assert reason(body) is None


def test_a_json_answer_is_never_script_driven() -> None:
    response = page(COLUMN + "api", b'{"total": 9, "list": []}', headers={"Content-Type": "application/json"})
    assert script_driven_reason(response) is None
