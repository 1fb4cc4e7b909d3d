"""R6, the rule across years, in ``reports_view.failed_rules``.

R6 (docs/CODEBOOK.md): what a body carried forward at the end of year N (表三 四、结转下年度
继续办理) is what it carried over into year N+1 (二、上年结转), column by column. It spans two
reports, so no parse can judge it: the view judges each version against the latest version
of the same body's previous year, at read time, so a correction of either year is seen at
once. A column null in either report breaks nothing (uncertain). Mergers break the rule
legitimately; it is reported, never enforced.

The look-up goes from the version's report to the previous year's report of the same agency
(unique index), its latest version, and that version's cells by their key: index seeks only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

# research_0001 is frozen: its view text and its failed_rules are the ones this replaces.
from storage.migrations.versions.research_0001_views_and_search import _AGENCY_REGION, REPORTS_VIEW
from storage.migrations.versions.research_0001_views_and_search import _FAILED_RULES as _FAILED_RULES_BEFORE

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CONTINUITY_BROKEN = """EXISTS (
    SELECT 1 FROM report pr
    JOIN version pv ON pv.report_id = pr.id AND pv.is_latest
    JOIN cell pc ON pc.version_id = pv.id AND pc.table_key = 'applications' AND pc.row_key = 'carried_forward'
    JOIN cell c ON c.version_id = v.id AND c.table_key = 'applications' AND c.row_key = 'carried_over'
        AND c.column_key = pc.column_key
    WHERE pr.agency_id = r.agency_id AND pr.year = r.year - 1 AND pc.value <> c.value)"""
_JUDGED = "SELECT rule FROM check_result WHERE version_id = v.id AND status = 'fail'"
_FAILED_RULES = {
    "sqlite": f"(SELECT group_concat(rule, ',') FROM ({_JUDGED} UNION SELECT 'R6' WHERE {CONTINUITY_BROKEN} "
    "ORDER BY rule))",
    "postgresql": f"(SELECT string_agg(rule, ',' ORDER BY rule) FROM ({_JUDGED} UNION SELECT 'R6' "
    f"WHERE {CONTINUITY_BROKEN}) AS failed)",
}


def _replace_view(failed: dict[str, str]) -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS reports_view")
    op.execute(REPORTS_VIEW.format(region=_AGENCY_REGION[dialect], failed=failed[dialect]))


def upgrade() -> None:
    _replace_view(_FAILED_RULES)


def downgrade() -> None:
    _replace_view(_FAILED_RULES_BEFORE)
