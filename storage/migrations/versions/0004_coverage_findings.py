"""Coverage findings: ``coverage_finding``, a list that stated more entries than a run reached.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.String(length=100), nullable=False),
        sa.Column("list_url", sa.Text(), nullable=False),
        sa.Column("stated", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_run.id"], name=op.f("fk_coverage_finding_crawl_run_id_crawl_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_finding")),
    )
    op.create_index(op.f("ix_coverage_finding_crawl_run_id"), "coverage_finding", ["crawl_run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_coverage_finding_crawl_run_id"), table_name="coverage_finding")
    op.drop_table("coverage_finding")
