"""The PDF reader on real reports: every truth cell in its row and column.

hzq2023_working.pdf has every cell in ``truth/``; hzq2024_working.pdf and szfgs2024.pdf
have no truth file yet, so their tables are checked against the consistency rules
their printed numbers obey (R1-R4 all hold in both) and a few cells read off
``pdftotext -layout``. Skipped when the shared corpus is not beside the project.

The lookup is deliberately simple (the report parser's own matching is tested
elsewhere): a row is found by its label's first characters, searching on from the
previous row, and its numeric cells are compared in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.cells import normalize
from parsers.document import Table
from parsers.extract import pdf
from tests.conftest import SHARED

CORPUS = SHARED / "corpus" / "real"
HZQ2023 = CORPUS / "zxj6827111-blip__KIROGOVCOMPARE" / "hzq2023_working.pdf"
HZQ2024 = CORPUS / "zxj6827111-blip__KIROGOVCOMPARE" / "hzq2024_working.pdf"
SZFGS2024 = CORPUS / "zxj6827111-blip__govnianbao" / "szfgs2024.pdf"
_PREFIX = 6  # characters of a label that name its row (the 2023 file misprints the rest of one)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus/real is not beside the project")


def _read(path: Path):
    return pdf.read(path.read_bytes())


def _tables(document) -> list[list[list[str]]]:
    return [block.rows for block in document.blocks if isinstance(block, Table)]


def _numbers(row: list[str]) -> list[float]:
    out = []
    for cell in row:
        text = normalize(cell)
        if text.replace(".", "", 1).isdigit():
            out.append(float(text))
    return out


def _table_with(document, text: str) -> list[list[str]]:
    found = [rows for rows in _tables(document) if any(text in normalize(cell) for row in rows for cell in row)]
    assert len(found) == 1, f"{len(found)} tables hold {text}"
    return found[0]


def _rows_in_order(rows: list[list[str]], labels: list[str]) -> dict[str, list[float]]:
    """Each label's row (searching on from the last one found) -> its numbers."""
    out, at = {}, 0
    for label in labels:
        prefix = normalize(label)[:_PREFIX]
        for index in range(at, len(rows)):
            if any(normalize(cell).startswith(prefix) for cell in rows[index]) and _numbers(rows[index]):
                out[label], at = _numbers(rows[index]), index + 1
                break
        else:
            raise AssertionError(f"no row for {label} after row {at}")
    return out


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((CORPUS / "truth" / "hzq2023_working.pdf.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hzq2023():
    return _read(HZQ2023)


def test_hzq2023_table3_every_cell(hzq2023, truth):
    rows = _table_with(hzq2023, "本年新收")
    labels = {path: path.split("/")[-1] for path in truth["table3"]}
    found = _rows_in_order(rows, list(labels.values()))
    for path, cells in truth["table3"].items():
        assert found[labels[path]] == [float(v) for v in cells.values()], path


def test_hzq2023_table2_every_cell(hzq2023, truth):
    rows = _table_with(hzq2023, "信息内容")
    for block in truth["table2"].values():
        for label, cells in block.items():
            found = _rows_in_order(rows, [label])[label]
            assert found == [float(v) for v in cells.values()], label


def test_hzq2023_table4_fifteen_numbers(hzq2023, truth):
    rows = _table_with(hzq2023, "行政复议")
    assert _numbers(rows[-1]) == [float(v) for v in truth["table4"]]
    assert len(rows[-1]) == 15


def test_hzq2023_table3_is_one_table_over_the_page_break(hzq2023, truth):
    rows = _table_with(hzq2023, "本年新收")
    assert any("结转下年度" in normalize(cell) for cell in rows[-1])
    assert sum(1 for row in rows if len(_numbers(row)) == 7) == len(truth["table3"])


def test_hzq2023_text_has_no_page_numbers_and_joins_paragraphs_over_pages(hzq2023):
    texts = [block.text for block in hzq2023.blocks if not isinstance(block, Table)]
    assert not [text for text in texts if normalize(text).strip("-") in {"1", "2", "3", "4", "5"}]
    # 严格执行“分 | 级审核 runs over the break between pages 1 and 2
    assert any("严格执行“分级审核、先审后发”程序" in text for text in texts)
    assert hzq2023.title == "洪泽区人民政府2023年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("path", "data_rows", "spot"),
    [
        (HZQ2024, 23, {"一、本年新收政府信息公开申请数量": [95, 0, 0, 0, 0, 0, 95], "行政许可": [9487]}),
        (
            SZFGS2024,
            25,
            {
                "一、本年新收政府信息公开申请数量": [3001, 53, 0, 0, 61, 4, 3119],
                "（七）总计": [2932, 53, 0, 0, 61, 4, 3050],
                "四、结转下年度继续办理": [103, 0, 0, 0, 0, 0, 103],
            },
        ),
    ],
    ids=["hzq2024", "szfgs2024"],
)
def test_untruthed_reports_obey_their_rules(path, data_rows, spot):
    document = _read(path)
    rows = [_numbers(row) for row in _table_with(document, "本年新收")]
    rows = [row for row in rows if len(row) == 7]
    assert len(rows) == data_rows
    new, carried, total, forward = rows[0], rows[1], rows[-2], rows[-1]
    assert [a + b for a, b in zip(new, carried, strict=True)] == [a + b for a, b in zip(total, forward, strict=True)]
    assert all(sum(row[:6]) == row[6] for row in rows)  # R3
    assert [sum(column) for column in zip(*rows[2:-2], strict=True)] == total  # R2
    review = _numbers(_table_with(document, "行政复议")[-1])
    assert [sum(review[g : g + 4]) for g in (0, 5, 10)] == [review[4], review[9], review[14]]  # R4
    for label, numbers in spot.items():
        table = _table_with(document, "信息内容" if len(numbers) == 1 else "本年新收")
        assert _rows_in_order(table, [label])[label] == numbers
