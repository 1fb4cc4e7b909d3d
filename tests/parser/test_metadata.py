import pytest

from parsers.agency import canonical_agency, infer_region
from parsers.document import Document, Paragraph
from parsers.errors import NotAnnualReport
from parsers.metadata import find_title, parse_title_line
from parsers.model import Region
from parsers.report import parse
from parsers.sections import heading_number


@pytest.mark.parametrize(
    ("line", "agency", "year"),
    [
        ("涧西区政务服务和大数据管理局2022年政府信息公开工作年度报告", "涧西区政务服务和大数据管理局", 2022),
        ("西工区统计局 2023 年政府信息公开工作年度报告", "西工区统计局", 2023),
        ("平潭综合实验区2019年度政府信息公开工作年度报告", "平潭综合实验区", 2019),
        ("标题: 平潭县人民政府2012年政府信息公开工作年度报告", "平潭县人民政府", 2012),
        ("２０２１年度郑州市金水区人民政府办公室政府信息公开工作年度报告", "郑州市金水区人民政府办公室", 2021),
        ("二〇二二年政府信息公开工作年度报告", None, 2022),
        ("郑州市金水区统计局2023年政府信息公开工作年度报告（更正版）", "郑州市金水区统计局", 2023),
    ],
)
def test_title_lines(line, agency, year):
    info = parse_title_line(line)
    assert info is not None
    assert (info.agency, info.year) == (agency, year)


@pytest.mark.parametrize(
    "line",
    [
        "2023年国民经济和社会发展统计公报",
        "关于2014年政府信息公开工作要点落实情况的函",
        "郑州市二七区召开2023年度政府信息公开工作年度报告编制培训会",
        "关于2023年政府信息公开工作年度报告的通知",
    ],
)
def test_other_documents_have_no_report_title(line):
    assert parse_title_line(line) is None


def test_agency_on_the_line_above_the_title():
    document = Document([Paragraph("郑州市二七区统计局"), Paragraph("2022年政府信息公开工作年度报告")], "text")
    info = find_title(document, 2)
    assert (info.agency, info.year) == ("郑州市二七区统计局", 2022)


def test_title_broken_over_two_lines():
    document = Document([Paragraph("2024 年上海市科委政府信息公开工作"), Paragraph("年度报告")], "text")
    assert (find_title(document, 2).agency, find_title(document, 2).year) == ("上海市科委", 2024)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一、总体情况", 1),
        ("2、 主动公开政府信息情况", 2),
        ("## 二、主动公开政府信息情况", 2),
        ("三、收到和处理政府信息公开申请情况", 3),
        ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", 4),
        ("五、存在的主要问题和改进情况", 5),
        ("六 、其他需要报告的事项", 6),
        ("（1） 政府工作信息主动公开和依申请公开情况", None),
        ("三、本年度办理结果", None),
        ("一、本年新收政府信息公开申请数量", None),
        ("2、不断深化重点领域信息公开，认真做好政策解读、舆情回应和公开平台建设。", None),
    ],
)
def test_section_headings(text, number):
    assert heading_number(text) == number


def test_region_and_canonical_name():
    region = Region("河南省", "郑州市", "二七区")
    assert canonical_agency("二七区统计局", region) == "郑州市二七区统计局"
    assert canonical_agency("郑州市二七区统计局", region) == "郑州市二七区统计局"
    assert canonical_agency("新郑市科工信局", Region("河南省", "郑州市", "新郑市")) == "新郑市科工信局"
    assert infer_region("郑州市二七区统计局") == Region(None, "郑州市", "二七区")
    assert infer_region("江苏省淮安市洪泽区人民政府") == Region("江苏省", "淮安市", "洪泽区")


def test_portal_region_completes_the_agency_name():
    document = Document(
        [Paragraph("二七区统计局2023年政府信息公开工作年度报告"), Paragraph("一、总体情况"), Paragraph("正文。")],
        "text",
    )
    report = parse(document, region=Region("河南省", "郑州市", "二七区"))
    assert report.agency == "二七区统计局"
    assert report.agency_canonical == "郑州市二七区统计局"
    assert report.region == Region("河南省", "郑州市", "二七区")


def test_a_document_without_title_or_sections_is_not_a_report():
    with pytest.raises(NotAnnualReport):
        parse(Document([Paragraph("会议通知"), Paragraph("请各单位准时参加。")], "text"))


def test_a_whole_title_is_not_joined_to_the_line_above_it():
    # A spreadsheet's sheet name (年度报告) above the title made the agency 年度报告府谷县人民政府.
    document = Document([Paragraph("年度报告"), Paragraph("府谷县人民政府2021年政府信息公开工作年度报告")], "xlsx")
    info = find_title(document, 2)
    assert (info.agency, info.year) == ("府谷县人民政府", 2021)
