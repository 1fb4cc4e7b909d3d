"""A report as a short readable text, for the terminal."""

from __future__ import annotations

from collections.abc import Mapping

from parsers import tables as keys
from parsers.model import Report


def summarize(report: Report) -> str:
    lines = [
        f"agency:          {report.agency or '?'}" + _canonical(report),
        f"year:            {report.year or '?'}",
        f"format version:  {report.format_version}",
        f"published:       {report.published_at or '-'}",
        f"sections:        {', '.join(section.title for section in report.sections) or '-'}",
    ]
    applications = report.tables.get(keys.APPLICATIONS, {})
    for row in ("new", "carried_over", "total", "carried_forward"):
        if row in applications:
            lines.append(f"applications.{row:<16} {_cells(applications[row])}")
    failed = report.failed_checks()
    lines.append(f"checks:          {len(report.checks) - len(failed)} passed, {len(failed)} failed")
    lines += [f"  FAIL {check.rule} {check.detail}" for check in failed]
    lines += [f"  warning: {warning}" for warning in report.warnings]
    return "\n".join(lines)


def _canonical(report: Report) -> str:
    if report.agency_canonical and report.agency_canonical != report.agency:
        return f"  (canonical: {report.agency_canonical})"
    return ""


def _cells(cells: Mapping[str, object]) -> str:
    return "  ".join("-" if cells.get(c) is None else str(cells[c]) for c in keys.APPLICANT_COLUMNS)
