"""A :class:`research.diff.ReportDiff` as HTML: a fragment for the web app, or a standalone page.

Deleted text is ``<del>``, inserted text ``<ins>``; a cell that grew has class ``up``,
one that shrank ``down``, one that became or stopped being blank ``blank``.
"""

from __future__ import annotations

from html import escape

from research.diff import CellChange, ReportDiff
from research.diff_render import percent, shown
from research.text_diff import SectionDiff, SentenceChange

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; margin: 2em; color: #222; }
table.cells { border-collapse: collapse; margin: 1em 0; }
table.cells td, table.cells th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
table.cells td.key, table.cells th.key { text-align: left; font-family: monospace; }
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
        f'<p class="carried-over">carried over (whole text): <b>{percent(diff.carried_over)}</b></p>',
        _cells_html(diff),
        _checks_html(diff),
        *(_section_html(section, show_equal) for section in diff.sections),
    ]
    return '<div class="diff">\n' + "\n".join(parts) + "\n</div>"


def _cells_html(diff: ReportDiff) -> str:
    rows = "".join(_cell_row(cell) for cell in diff.changed_cells())
    if not rows:
        return '<p class="no-cell-change">No cell differs.</p>'
    header = "".join(f'<th class="key">{name}</th>' for name in ("table", "row", "column"))
    header += "".join(f"<th>{name}</th>" for name in ("old", "new", "Δ", "Δ%"))
    return f'<table class="cells"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>'


def _cell_row(cell: CellChange) -> str:
    absolute = cell.absolute
    css = "blank" if absolute is None else ("up" if absolute > 0 else "down")
    old = shown(cell.old, cell.old_raw) if cell.kind != "added" else ""
    new = shown(cell.new, cell.new_raw) if cell.kind != "removed" else ""
    delta = "–" if absolute is None else f"{absolute:+}"
    keys = "".join(f'<td class="key">{escape(key)}</td>' for key in (cell.table, cell.row, cell.column))
    return (
        f'<tr class="{css}" data-cell="{escape(cell.table)}.{escape(cell.row)}.{escape(cell.column)}">{keys}'
        f"<td>{escape(old)}</td><td>{escape(new)}</td><td>{delta}</td>"
        f"<td>{percent(cell.relative, signed=True)}</td></tr>"
    )


def _checks_html(diff: ReportDiff) -> str:
    if not diff.checks:
        return ""
    items = "".join(
        f'<li class="flip">{escape(c.rule)} {escape(c.subject)}: {c.old} → {c.new} '
        f"<small>{escape(c.detail)}</small></li>"
        for c in diff.checks
    )
    return f'<h2>Rules whose result changed</h2><ul class="checks">{items}</ul>'


def _section_html(section: SectionDiff, show_equal: bool) -> str:
    score = (
        f'<span class="score">carried over {percent(section.carried_over)}, '
        f"ignoring numbers {percent(section.carried_over_ignoring_numbers)}</span>"
    )
    sentences = "".join(_sentence_html(s) for s in section.sentences if show_equal or s.kind != "equal")
    heading = f"<h2>{escape(section.title)} {score}</h2>"
    return f'<section class="section" data-number="{section.number}">{heading}{sentences}</section>'


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
