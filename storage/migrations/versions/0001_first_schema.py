"""The first schema: agencies, reports, versions, documents, captures, cells, checks, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the models do.
MOMENT = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id(kind: sa.types.TypeEngine[int] | None = None) -> sa.Column[int]:
    return sa.Column("id", kind if kind is not None else sa.Integer(), primary_key=True)


def upgrade() -> None:
    _create_agencies()
    _create_runs_and_documents()
    _create_reports_and_versions()
    _create_captures()
    _create_cells_and_checks()


def _create_agencies() -> None:
    op.create_table(
        "agency",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("province", sa.String(50)),
        sa.Column("city", sa.String(50)),
        sa.Column("district", sa.String(50)),
        sa.Column("portal_id", sa.String(100)),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.UniqueConstraint("name", name=op.f("uq_agency_name")),
    )
    op.create_table(
        "agency_alias",
        _id(),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("portal_id", sa.String(100)),
        sa.Column("first_seen_at", MOMENT, nullable=False),
        sa.UniqueConstraint("agency_id", "alias", name=op.f("uq_agency_alias_agency_id_alias")),
    )
    op.create_index(op.f("ix_agency_alias_alias"), "agency_alias", ["alias"])


def _create_runs_and_documents() -> None:
    op.create_table(
        "crawl_run",
        _id(),
        sa.Column("started_at", MOMENT, nullable=False),
        sa.Column("finished_at", MOMENT),
        sa.Column("portals", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON()),
    )
    op.create_table(
        "document",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(200)),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("stored_at", MOMENT, nullable=False),
    )


def _create_reports_and_versions() -> None:
    op.create_table(
        "report",
        _id(),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_report_agency_id_year")),
    )
    op.create_index(op.f("ix_report_year"), "report", ["year"])
    op.create_table(
        "version",
        _id(),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(64), sa.ForeignKey("document.sha256"), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.Date()),
        sa.Column("sort_date", sa.Date(), nullable=False),
        sa.Column("first_seen_at", MOMENT, nullable=False),
        sa.Column("last_seen_at", MOMENT, nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("list_url", sa.Text()),
        sa.Column("portal_id", sa.String(100)),
        sa.Column("agency_printed", sa.String(200)),
        sa.Column("format_version", sa.String(16), nullable=False),
        sa.Column("parser_version", sa.String(32), nullable=False),
        sa.Column("parsed_at", MOMENT, nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("report_id", "number", name=op.f("uq_version_report_id_number")),
        sa.UniqueConstraint("report_id", "content_sha256", name=op.f("uq_version_report_id_content_sha256")),
    )
    op.create_index(op.f("ix_version_content_sha256"), "version", ["content_sha256"])
    op.create_index("ix_version_latest_report", "version", ["is_latest", "report_id"])
    op.create_table(
        "version_source",
        _id(),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("version.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("list_url", sa.Text()),
        sa.Column("first_seen_at", MOMENT, nullable=False),
        sa.Column("last_seen_at", MOMENT, nullable=False),
        sa.Column("seen_count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("version_id", "url", name=op.f("uq_version_source_version_id_url")),
    )


def _create_captures() -> None:
    op.create_table(
        "capture",
        _id(BIG_ID),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("fetched_at", MOMENT, nullable=False),
        sa.Column("status", sa.Integer()),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("content_type", sa.Text()),
        sa.Column("headers", sa.JSON()),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("document.sha256")),
        sa.Column("payload_digest", sa.String(64)),
        sa.Column("warc_file", sa.String(200)),
        sa.Column("warc_offset", sa.BigInteger()),
        sa.Column("warc_record_id", sa.String(100)),
        sa.Column("warc_record_type", sa.String(20)),
        sa.Column("warc_date", sa.String(40)),
        sa.Column("fault", sa.String(40)),
        sa.Column("fault_reason", sa.Text()),
        sa.Column("crawl_run_id", sa.Integer(), sa.ForeignKey("crawl_run.id")),
        sa.Column("portal_id", sa.String(100)),
        sa.Column("referer", sa.Text()),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("version.id")),
    )
    for column in ("crawl_run_id", "payload_digest", "sha256", "version_id"):
        op.create_index(op.f(f"ix_capture_{column}"), "capture", [column])
    op.create_index("ix_capture_url_fetched_at", "capture", ["url", "fetched_at"])


def _create_cells_and_checks() -> None:
    op.create_table(
        "cell",
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("version.id"), primary_key=True),
        sa.Column("table_key", sa.String(40), primary_key=True),
        sa.Column("row_key", sa.String(80), primary_key=True),
        sa.Column("column_key", sa.String(80), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(asdecimal=False)),
        sa.Column("value_exact", sa.String(40)),
        sa.Column("value_kind", sa.String(8)),
        sa.Column("raw_text", sa.Text()),
        sa.Column("meaning", sa.String(20)),
        sqlite_with_rowid=False,  # clustered on the cell's place: a version's cells lie together
    )
    op.create_table(
        "check_result",
        _id(BIG_ID),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("version.id"), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index(op.f("ix_check_result_version_id"), "check_result", ["version_id"])


def downgrade() -> None:
    for table in ("check_result", "cell", "capture", "version_source", "version", "report"):
        op.drop_table(table)
    for table in ("document", "crawl_run", "agency_alias", "agency"):
        op.drop_table(table)
