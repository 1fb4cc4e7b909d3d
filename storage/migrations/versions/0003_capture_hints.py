"""What the portal said of a captured document: ``capture.hints``.

The link text or page title, the report page's date and the portal's region, as the
crawl handed them to the parser, so that ``nianbao reparse`` hands it the same.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("capture", sa.Column("hints", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not in a batch: SQLite drops the column in place (3.35+), where a batch would copy
    # the table from under documents_view.
    op.drop_column("capture", "hints")
