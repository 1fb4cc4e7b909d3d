"""OFD (GB/T 33190) -> Document: positioned text and ruling lines, laid out like a PDF.

An OFD is a zip of XML: ``OFD.xml`` names the document root, whose ``Document.xml``
lists the pages (and their templates); each page's ``Content.xml`` holds layers of
``TextObject`` (a ``Boundary`` box, a font ``Size``, an optional ``CTM``, and
``TextCode`` runs placed by ``X``/``Y`` with per-glyph advances in ``DeltaX``) and
``PathObject`` (``AbbreviatedData`` drawing commands). Units are millimetres, y down.

The XML is read directly rather than through ofdkit (deps.md's pick): the subset a
report needs is these few elements, and reading them here keeps every member behind
the zip caps and the DTD-free parser of :mod:`limits`. Stroked straight path segments
are ruling lines and go to the same lattice as a PDF's; without them, rows come from
text alignment. Pages with no text (an OFD that keeps only glyph ids, or a scan) are
reported in a warning: no renderer is available to OCR them (deps.md §4).

Pages, glyphs and path segments are counted against the caps of :mod:`limits` as they
are read: a 2 KB OFD can repeat one page 20,000 times or expand a ``g N`` advance
into millions.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from itertools import pairwise

from lxml import etree

from parsers.document import Document
from parsers.errors import ExtractionError
from parsers.extract import page_layout, stitch
from parsers.extract.limits import (
    MAX_DRAWING_OBJECTS,
    MAX_GLYPHS,
    MAX_INPUT_BYTES,
    MAX_PAGES,
    Budget,
    check_size,
    open_zip,
    parse_xml,
    read_member,
)
from parsers.extract.positioned import Page, Rule, Run

MM_PER_POINT = 25.4 / 72
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_DEFAULT_PAGE = (0.0, 0.0, 210.0, 297.0)
_WHITE = 235
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def read(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES) -> Document:
    check_size(data, max_bytes)
    archive = open_zip(data)
    root = _xml(archive, "OFD.xml")
    doc_root = _text(root, "DocBody/DocRoot")
    if not doc_root:
        raise ExtractionError("corrupt", "OFD.xml names no DocRoot")
    doc_path = _resolve("", doc_root)
    document = _xml(archive, doc_path)
    base = posixpath.dirname(doc_path)
    size = _box(_text(document, "PageArea/PhysicalBox")) or _DEFAULT_PAGE
    templates = _templates(document, base)
    pages = []
    page_budget, glyphs = Budget("pages", MAX_PAGES), Budget("glyphs", MAX_GLYPHS)
    for number, page in enumerate(_children(document, "Pages/Page"), start=1):
        page_budget.spend()
        location = _resolve(base, page.get("BaseLoc", ""))
        pages.append(_page(archive, location, number, size, templates, glyphs))
    blank = [page.number for page in pages if not page.runs]
    blocks = stitch.assemble([page_layout.analyse(page) for page in pages])
    warnings = [f"pages {', '.join(map(str, blank))} hold no text (glyph ids only, or a scan)"] if blank else []
    return Document(blocks=blocks, source_format="ofd", title=_title(root), warnings=warnings)


def _xml(archive: zipfile.ZipFile, name: str) -> etree._Element:
    member = _member_name(archive, name)
    return parse_xml(read_member(archive, member))


def _member_name(archive: zipfile.ZipFile, name: str) -> str:
    """The zip member for a path, matched without case (OFD writers vary the case of
    names, and Windows tools write them back changed)."""
    wanted = name.lstrip("/").lower()
    for info in archive.infolist():
        if info.filename.lower() == wanted:
            return info.filename
    raise ExtractionError("corrupt", f"the OFD has no part {name}")


def _resolve(base: str, location: str) -> str:
    location = location.strip()
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(base, location))


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, path: str) -> list[etree._Element]:
    """Elements along a path of local names, whatever namespace prefix the writer used."""
    found = [element]
    for name in path.split("/"):
        found = [child for parent in found for child in parent if _local(child.tag) == name]
    return found


def _text(element: etree._Element, path: str) -> str:
    found = _children(element, path)
    return (found[0].text or "").strip() if found else ""


def _number(text: str | None, default: float) -> float:
    """One number of an attribute (``default`` when absent); ``corrupt`` when it is none."""
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ExtractionError("corrupt", f"{text[:20]!r} is not a number") from None
    if not math.isfinite(value):
        raise ExtractionError("corrupt", f"{text[:20]!r} is not a finite number")
    return value


def _numbers(text: str | None) -> list[float]:
    return [float(value) for value in _NUMBER.findall(text or "")]


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    values = _numbers(text)
    return (values[0], values[1], values[2], values[3]) if len(values) == 4 else None


def _templates(document: etree._Element, base: str) -> dict[str, str]:
    return {
        template.get("ID", ""): _resolve(base, template.get("BaseLoc", ""))
        for template in _children(document, "CommonData/TemplatePage")
    }


def _title(root: etree._Element) -> str | None:
    title = _text(root, "DocBody/DocInfo/Title")
    return title if "报告" in title else None


def _page(
    archive: zipfile.ZipFile,
    location: str,
    number: int,
    size: tuple[float, float, float, float],
    templates: dict[str, str],
    glyphs: Budget,
) -> Page:
    content = _xml(archive, location)
    box = _box(_text(content, "Area/PhysicalBox")) or size
    page = _Content(glyphs, Budget(f"path segments on page {number}", MAX_DRAWING_OBJECTS))
    for template in _children(content, "Template"):
        path = templates.get(template.get("TemplateID", ""))
        if path:
            page.walk(_children(_xml(archive, path), "Content/Layer"))
    page.walk(_children(content, "Content/Layer"))
    return Page(number, box[2], box[3], page.runs, page.rules, unit=MM_PER_POINT)


class _Content:
    """A page's runs and rules as its layers are walked, counted against the budgets."""

    def __init__(self, glyphs: Budget, segments: Budget) -> None:
        self.glyphs, self.segments = glyphs, segments
        self.runs: list[Run] = []
        self.rules: list[Rule] = []

    def walk(self, containers: list[etree._Element]) -> None:
        for container in containers:
            for element in container:
                name = _local(element.tag)
                if name == "TextObject":
                    self.runs += _text_runs(element, self.glyphs)
                elif name == "PathObject":
                    self.rules += _path_rules(element, self.segments)
                elif name == "PageBlock":
                    self.walk([element])


def _matrix(element: etree._Element) -> Matrix:
    values = _numbers(element.get("CTM"))
    return (values[0], values[1], values[2], values[3], values[4], values[5]) if len(values) == 6 else _IDENTITY


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _text_runs(element: etree._Element, glyphs: Budget) -> list[Run]:
    """Each glyph of each TextCode, boxed: X advances by DeltaX; Y is the baseline."""
    if element.get("Visible", "true") == "false":
        return []
    origin = _box(element.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    size = _number(element.get("Size"), 3.5)
    matrix = _matrix(element)
    scale = max(abs(matrix[0]), abs(matrix[3]), 1e-6) if matrix != _IDENTITY else 1.0
    em = size * scale
    runs = []
    for code in _children(element, "TextCode"):
        x, y = _number(code.get("X"), 0.0), _number(code.get("Y"), 0.0)
        text = code.text or ""
        glyphs.spend(len(text))
        advances = _deltas(code.get("DeltaX"), len(text))
        for index, char in enumerate(text):
            if index:
                x += advances[index - 1] if index - 1 < len(advances) else size
            if char.isspace():
                continue
            px, py = _apply(matrix, x, y)
            left, baseline = origin[0] + px, origin[1] + py
            runs.append(Run(char, left, baseline - 0.86 * em, left + em * _width(char), baseline + 0.14 * em))
    return runs


def _width(char: str) -> float:
    return 1.0 if ord(char) > 0x2000 else 0.55


def _deltas(text: str | None, glyphs: int) -> list[float]:
    """The first ``glyphs`` DeltaX values (one fewer advances the last glyph never needs),
    with the ``g N value`` shorthand for N repeats expanded only as far as that."""
    tokens = (text or "").split()
    out: list[float] = []
    index = 0
    while index < len(tokens) and len(out) < glyphs:
        if tokens[index] == "g" and index + 2 < len(tokens):
            repeats = max(0, int(min(_number(tokens[index + 1], 0.0), glyphs - len(out))))
            out += [_number(tokens[index + 2], 0.0)] * repeats
            index += 3
        else:
            out.append(_number(tokens[index], 0.0))
            index += 1
    return out


def _path_rules(element: etree._Element, segments: Budget) -> list[Rule]:
    """Straight stroked segments of a path; a thin filled path is a line too."""
    stroked = element.get("Stroke", "true") != "false" and _inked(element, "StrokeColor")
    filled = element.get("Fill", "false") == "true" and _inked(element, "FillColor")
    if element.get("Visible", "true") == "false" or not (stroked or filled):
        return []
    origin = _box(element.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    matrix = _matrix(element)
    data = _text(element, "AbbreviatedData")
    segments.spend(sum(map(data.count, "SMLQBAC")))  # each command is at most one point
    points = [[(origin[0] + x, origin[1] + y) for x, y in (_apply(matrix, *p) for p in sub)] for sub in _subpaths(data)]
    rules = []
    for sub in points:
        for (x0, y0), (x1, y1) in pairwise(sub):
            if abs(x0 - x1) < 0.2 or abs(y0 - y1) < 0.2:
                rules.append(Rule(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return rules


def _inked(element: etree._Element, name: str) -> bool:
    found = _children(element, name)
    if not found:
        return True  # the default colour is black
    values = _numbers(found[0].get("Value"))
    return len(values) < 3 or min(values[:3]) < _WHITE


def _subpaths(data: str) -> list[list[tuple[float, float]]]:
    """The points of S/M/L/C commands (C closes); curves and arcs end a straight run at
    their end point."""
    tokens = re.findall(r"[A-Za-z]|" + _NUMBER.pattern, data or "")
    arity = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
    subpaths: list[list[tuple[float, float]]] = []
    index = 0
    while index < len(tokens):
        command = tokens[index]
        count = arity.get(command)
        if count is None or (count and index + count >= len(tokens)):
            index += 1
            continue
        values = [float(v) for v in tokens[index + 1 : index + 1 + count]]
        index += 1 + count
        if command in ("M", "S"):
            subpaths.append([(values[0], values[1])])
        elif command == "L" and subpaths:
            subpaths[-1].append((values[0], values[1]))
        elif command == "C" and subpaths and subpaths[-1]:
            subpaths[-1].append(subpaths[-1][0])
        elif count and subpaths:
            subpaths.append([(values[-2], values[-1])])  # a curve: the straight run restarts at its end
    return subpaths
