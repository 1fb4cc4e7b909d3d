"""Captures whose report was never stored are marked unfinished.

``capture.unfinished`` holds what parsing the capture still needs (the portal's title
for the document, its publication date, list page and region) until its report, or the
parse fault that explains why there is none, is stored; then it is NULL. An unfinished
capture is never a validator for a conditional request, and ``nianbao repair`` parses it
from the raw bytes the archive already has.

Revision ID: 0002
Revises: research_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "research_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("capture", sa.Column("unfinished", sa.JSON(none_as_null=True)))


def downgrade() -> None:
    # Not a batch: recreating ``capture`` on SQLite breaks the views that read it
    # (research_0001); SQLite 3.35+ and PostgreSQL both drop a column in place.
    op.execute("ALTER TABLE capture DROP COLUMN unfinished")
