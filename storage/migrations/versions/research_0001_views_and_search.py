"""The researchers' views and full-text search index.

- ``reports_view``: one row per report version, with the agency's name and region, the
  year, the version (its place in the order the body published them, 1 = first, as in
  ``nianbao export``; ``arrival_number`` is the order the archive met them in), the format
  version and the rules it fails (``R1,R3``).
- ``cells_view``: every table cell in long form with its agency, region, year and version.
- ``records_view`` and ``documents_view``: each version's parsed record, and its raw
  documents (the report itself and every capture that led to it).
- Full-text search over ``version.text``: on SQLite an FTS5 ``trigram`` table with
  external content (``content="version"`` in double quotes, which is how Datasette
  recognises it), kept in step by triggers; on PostgreSQL a ``pg_trgm`` GIN index (the
  database needs a UTF-8 LC_CTYPE for pg_trgm to see Chinese).

Alembic's autogenerate would propose dropping ``version_fts`` and its shadow tables;
``storage.migrate.include_name`` keeps it to the tables the models declare.

Revision ID: research_0001
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "research_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

_AGENCY_REGION = {
    "sqlite": "COALESCE(a.province, '') || COALESCE(a.city, '') || COALESCE(a.district, '')",
    "postgresql": "CONCAT(a.province, a.city, a.district)",
}
_FAILED_RULES = {
    "sqlite": "(SELECT group_concat(rule, ',') FROM (SELECT DISTINCT rule FROM check_result "
    "WHERE version_id = v.id AND status = 'fail' ORDER BY rule))",
    "postgresql": "(SELECT string_agg(DISTINCT rule, ',' ORDER BY rule) FROM check_result "
    "WHERE version_id = v.id AND status = 'fail')",
}

REPORTS_VIEW = """
CREATE VIEW reports_view AS
SELECT v.id AS version_id, r.id AS report_id, a.name AS agency, {region} AS region,
       a.province, a.city, a.district, r.year, v.ordinal AS version, v.number AS arrival_number,
       CAST(CASE WHEN v.is_latest THEN 1 ELSE 0 END AS INTEGER) AS is_latest, v.format_version,
       {failed} AS failed_rules, v.published_at, v.first_seen_at AS first_seen, v.last_seen_at AS last_seen,
       v.source_url, v.content_sha256 AS sha256, v.parser_version
FROM version v JOIN report r ON r.id = v.report_id JOIN agency a ON a.id = r.agency_id
"""

CELLS_VIEW = """
CREATE VIEW cells_view AS
SELECT c.version_id, a.name AS agency, {region} AS region, c.year, v.ordinal AS version,
       CAST(CASE WHEN v.is_latest THEN 1 ELSE 0 END AS INTEGER) AS is_latest,
       c.table_key, c.row_key, c.column_key, c.value, c.value_exact, c.raw_text, c.meaning
FROM cell c JOIN version v ON v.id = c.version_id JOIN agency a ON a.id = c.agency_id
"""

RECORDS_VIEW = "CREATE VIEW records_view AS SELECT id AS version_id, record FROM version"

DOCUMENTS_VIEW = """
CREATE VIEW documents_view AS
SELECT v.id AS version_id, d.sha256, v.source_url AS url, d.media_type, d.size
FROM version v JOIN document d ON d.sha256 = v.content_sha256
UNION
SELECT c.version_id, d.sha256, c.url, d.media_type, d.size
FROM capture c JOIN document d ON d.sha256 = c.sha256 WHERE c.version_id IS NOT NULL
"""

SQLITE_SEARCH = (
    'CREATE VIRTUAL TABLE version_fts USING fts5(text, content="version", content_rowid="id", tokenize="trigram")',
    "INSERT INTO version_fts(version_fts) VALUES ('rebuild')",
    "CREATE TRIGGER version_fts_insert AFTER INSERT ON version BEGIN "
    "INSERT INTO version_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER version_fts_delete AFTER DELETE ON version BEGIN "
    "INSERT INTO version_fts(version_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER version_fts_update AFTER UPDATE OF text ON version BEGIN "
    "INSERT INTO version_fts(version_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO version_fts(rowid, text) VALUES (new.id, new.text); END",
)
SQLITE_SEARCH_DROP = (
    "DROP TRIGGER IF EXISTS version_fts_update",
    "DROP TRIGGER IF EXISTS version_fts_delete",
    "DROP TRIGGER IF EXISTS version_fts_insert",
    "DROP TABLE IF EXISTS version_fts",
)
POSTGRESQL_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
# The operator class is qualified by the schema the extension lives in, which need not be
# on this database's search path (another schema may have created the extension first).
POSTGRESQL_INDEX = "CREATE INDEX IF NOT EXISTS ix_version_text_trgm ON version USING gin (text {schema}.gin_trgm_ops)"
TRGM_SCHEMA = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
POSTGRESQL_SEARCH_DROP = ("DROP INDEX IF EXISTS ix_version_text_trgm",)

# Failures are few: a partial index on them answers "which versions fail R1" and each
# version's failed_rules without reading every check row (45 a version).
FAILURES_INDEX = "CREATE INDEX ix_check_result_failures ON check_result (version_id, rule) WHERE status = 'fail'"

VIEWS = ("reports_view", "cells_view", "records_view", "documents_view")


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    names = {"region": _AGENCY_REGION[dialect], "failed": _FAILED_RULES[dialect]}
    for statement in (REPORTS_VIEW, CELLS_VIEW, RECORDS_VIEW, DOCUMENTS_VIEW):
        op.execute(statement.format(**names))
    op.execute(FAILURES_INDEX)
    if dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(POSTGRESQL_EXTENSION)
        schema = connection.exec_driver_sql(TRGM_SCHEMA).scalar_one()
        op.execute(POSTGRESQL_INDEX.format(schema=schema))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH_DROP if dialect == "sqlite" else POSTGRESQL_SEARCH_DROP:
        op.execute(statement)
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    op.execute("DROP INDEX IF EXISTS ix_check_result_failures")
