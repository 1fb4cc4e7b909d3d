"""``nianbao demo``: the main job on the embedded default, end to end."""

from __future__ import annotations

from pathlib import Path

import click

FIXTURE_REPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "reports"


@click.command("demo")
def demo_command() -> None:
    """Parse the fixture reports and print what they hold.

    Prints, per report: agency, year, format version, the application totals
    (本年新收, 上年结转, 办理结果总计, 结转下年度) and the consistency checks that failed.

    \b
    Example:
      nianbao demo
    """
    from parsers.extract.text import read
    from parsers.report import parse

    paths = sorted(p for p in FIXTURE_REPORTS.glob("*/*") if p.suffix in {".txt", ".md"} and p.parent.name != "invalid")
    click.echo(
        f"{'agency':<28} {'year':>4}  {'format':<7} {'new':>5} {'carried':>7} {'total':>5} {'fwd':>4}  failed checks"
    )
    for path in paths:
        report = parse(read(path.read_bytes()))
        totals = report.tables.get("applications", {})
        cells = [totals.get(row, {}).get("total") for row in ("new", "carried_over", "total", "carried_forward")]
        shown = ["-" if value is None else str(value) for value in cells]
        failed = ", ".join(sorted({check.rule for check in report.failed_checks()})) or "none"
        click.echo(
            f"{report.agency or '?':<28} {report.year or '?':>4}  {report.format_version:<7} "
            f"{shown[0]:>5} {shown[1]:>7} {shown[2]:>5} {shown[3]:>4}  {failed}  [{path.parent.name}/{path.name}]"
        )
