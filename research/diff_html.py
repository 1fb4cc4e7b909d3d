"""A :class:`research.diff.ReportDiff` as HTML: a fragment for the web app, or a standalone page.

Deleted text is ``<del>``, inserted text ``<ins>``; a cell that grew has class ``up``,
one that shrank ``down``, one that became or stopped being blank ``blank``. Changed cells
come first, each under the label its table prints (the key on a second line); the
unchanged cells and each run of unchanged sentences are folded in ``<details>``, which
opens without a script.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape
from itertools import groupby

from research import codebook
from research.diff import CellChange, ReportDiff
from research.diff_render import percent, shown
from research.text_diff import SectionDiff, SentenceChange

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 2em; color: #222; }
table.cells, table.equal-cells { border-collapse: collapse; margin: 1em 0; }
table.cells td, table.cells th, table.equal-cells td, table.equal-cells th
  { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
table.cells .key, table.equal-cells .key { text-align: left; }
small.key { color: #888; font-family: monospace; font-size: 0.75em; }
details > summary { cursor: pointer; color: #555; } details.equal-run p.sentence { color: #888; }
.up { background: #e6ffed; } .down { background: #ffeef0; } .blank { background: #fff5b1; }
del { background: #fdb8c0; text-decoration: line-through; } ins { background: #acf2bd; text-decoration: none; }
p.sentence { margin: 0.2em 0; } p.equal { color: #888; } p.added { background: #e6ffed; }
p.removed { background: #ffeef0; text-decoration: line-through; }
.score { font-weight: normal; color: #555; font-size: 0.8em; }
.flip { color: #6f42c1; }
"""


def render_html(diff: ReportDiff, *, show_equal: bool = True) -> str:
    """A standalone HTML page (inline CSS, no scripts) with the whole diff."""
    title = escape(f"{diff.new.agency} {diff.old.label} → {diff.new.label}")
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>\n{html_fragment(diff, show_equal=show_equal)}\n</body></html>\n"
    )


def html_fragment(diff: ReportDiff, *, show_equal: bool = True) -> str:
    parts = [
        f'<h1 class="diff-title">{escape(str(diff.new.agency))} {escape(diff.old.label)} → '
        f"{escape(diff.new.label)}</h1>",
        f'<p class="carried-over">沿用上年文字比例（全文）：<b>{percent(diff.carried_over)}</b></p>',
        _cells_html(diff),
        _checks_html(diff),
        *(_section_html(section, show_equal) for section in diff.sections),
    ]
    return '<div class="diff">\n' + "\n".join(parts) + "\n</div>"


_CELLS_HEAD = (
    '<thead><tr><th class="key">项目</th>'
    + "".join(f"<th>{name}</th>" for name in ("原值", "新值", "增减", "增减幅度"))
    + "</tr></thead>"
)


def _cells_html(diff: ReportDiff) -> str:
    changed = diff.changed_cells()
    equal = [cell for cell in diff.cells if cell.kind == "equal"]
    rows = "".join(_cell_row(diff, cell, "data-cell") for cell in changed)
    table = f'<table class="cells">{_CELLS_HEAD}<tbody>{rows}</tbody></table>' if rows else ""
    if not rows:
        table = '<p class="no-cell-change">没有数值变化的单元格。</p>'
    if not equal:
        return table
    folded = "".join(_cell_row(diff, cell, "data-equal-cell") for cell in equal)
    return (
        f'{table}<details id="equal-cells"><summary>{len(equal)} 项未变</summary>'
        f'<table class="equal-cells">{_CELLS_HEAD}<tbody>{folded}</tbody></table></details>'
    )


def _cell_row(diff: ReportDiff, cell: CellChange, attribute: str) -> str:
    absolute = cell.absolute
    css = "equal" if cell.kind == "equal" else "blank" if absolute is None else ("up" if absolute > 0 else "down")
    old = shown(cell.old, cell.old_raw) if cell.kind != "added" else ""
    new = shown(cell.new, cell.new_raw) if cell.kind != "removed" else ""
    delta = "–" if absolute is None else f"{absolute:+}"
    key = f"{cell.table}.{cell.row}.{cell.column}"
    return (
        f'<tr class="{css}" {attribute}="{escape(key)}"><td class="key">{_label(diff, cell, key)}</td>'
        f"<td>{escape(old)}</td><td>{escape(new)}</td><td>{delta}</td>"
        f"<td>{percent(cell.relative, signed=True)}</td></tr>"
    )


def _label(diff: ReportDiff, cell: CellChange, key: str) -> str:
    """The label the newer report prints (the older's for a removed cell); the older's wording,
    where its format era words the cell otherwise, beside the key."""
    entry = codebook.cell(cell.table, cell.row, cell.column)
    if entry is None:
        return escape(key)
    era = diff.old.format_version if cell.kind == "removed" else diff.new.format_version
    both = [diff.old.format_version] if cell.kind in ("changed", "equal") else []
    note = codebook.wording_note(entry.other_wordings(era, both))
    return f'{escape(entry.printed(era).title_zh)}<br><small class="key">{escape(key + note)}</small>'


STATUS_ZH = {"pass": "成立", "fail": "不成立", "uncertain": "无法判断", None: "无此项"}


def _checks_html(diff: ReportDiff) -> str:
    if not diff.checks:
        return ""
    items = "".join(
        f'<li class="flip">{escape(c.rule)} {escape(codebook.RULE_TITLES_ZH.get(c.rule, ""))}：'
        f"{STATUS_ZH.get(c.old, c.old)} → {STATUS_ZH.get(c.new, c.new)}"
        f'<br><small class="key">{escape(c.subject)} {c.old} → {c.new}: {escape(c.detail)}</small></li>'
        for c in diff.checks
    )
    return f'<h2>结果有变化的勾稽关系</h2><ul class="checks">{items}</ul>'


def _section_html(section: SectionDiff, show_equal: bool) -> str:
    score = (
        f'<span class="score">沿用上年 {percent(section.carried_over)}，'
        f"不计数字 {percent(section.carried_over_ignoring_numbers)}</span>"
    )
    sentences = "".join(_sentences_html(section.sentences, show_equal))
    heading = f"<h2>{escape(section.title)} {score}</h2>"
    return f'<section class="section" data-number="{section.number}">{heading}{sentences}</section>'


def _sentences_html(sentences: Iterable[SentenceChange], show_equal: bool) -> Iterator[str]:
    """Each sentence, a run of unchanged ones folded (or left out without ``show_equal``)."""
    for equal, run in groupby(sentences, key=lambda sentence: sentence.kind == "equal"):
        if not equal:
            yield from (_sentence_html(sentence) for sentence in run)
        elif show_equal:
            shown_run = list(run)
            yield (
                f'<details class="equal-run"><summary>{len(shown_run)} 句未变</summary>'
                f"{''.join(_sentence_html(sentence) for sentence in shown_run)}</details>"
            )


def _sentence_html(sentence: SentenceChange) -> str:
    if sentence.kind == "changed":
        body = "".join(_fragment_html(op, text) for op, text in sentence.fragments)
    else:
        body = escape((sentence.old if sentence.kind == "removed" else sentence.new) or "")
    return f'<p class="sentence {sentence.kind}">{body}</p>'


def _fragment_html(op: int, text: str) -> str:
    if op == 0:
        return escape(text)
    tag = "del" if op < 0 else "ins"
    return f"<{tag}>{escape(text)}</{tag}>"
