"""Metadata that makes an archive read well in Datasette.

The SQLite archive opens in Datasette as it is: ``reports_view`` and ``cells_view`` have
readable columns, and Datasette finds the full-text index of ``version`` by itself (its
DDL says ``content="version"``). This metadata adds search to ``reports_view`` and a
canned query for one- and two-character words, which a trigram index cannot answer
(a trigram needs three characters)::

    python -m research.datasette archive > metadata.json
    datasette demo/archive.db -m metadata.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

SHORT_WORD_SEARCH = (
    "SELECT r.version_id, r.agency, r.year, r.version, r.failed_rules, "
    "substr(v.text, max(instr(v.text, :word) - 30, 1), 80) AS excerpt "
    "FROM reports_view r JOIN version v ON v.id = r.version_id "
    "WHERE r.is_latest = 1 AND instr(v.text, :word) > 0 ORDER BY r.agency, r.year"
)

MORE_APPLICATIONS = (
    "SELECT this.agency, this.region, last.value AS last_year, this.value AS this_year, "
    "this.value - last.value AS change FROM cells_view this "
    "JOIN cells_view last ON last.agency = this.agency AND last.year = this.year - 1 AND last.is_latest = 1 "
    "AND last.table_key = this.table_key AND last.row_key = this.row_key AND last.column_key = this.column_key "
    "WHERE this.is_latest = 1 AND this.table_key = 'applications' AND this.row_key = 'new' "
    "AND this.column_key = 'total' AND this.year = CAST(:year AS INTEGER) AND this.value > last.value "
    "ORDER BY change DESC"
)


def metadata(database: str = "archive") -> dict[str, Any]:
    """Datasette metadata for the archive opened under the name ``database`` (its file stem)."""
    return {
        "title": "nianbao: 政府信息公开工作年度报告 archive",
        "databases": {
            database: {
                "tables": {
                    "reports_view": {
                        "fts_table": "version_fts",
                        "fts_pk": "version_id",
                        "description": "One row per report version; failed_rules lists the rules (勾稽关系) it breaks.",
                    },
                    "cells_view": {
                        "description": "One row per table cell: agency, year, version, table, row, column, value."
                    },
                },
                "queries": {
                    "search_short_word": {
                        "title": "Search for a word of one or two characters (复议, 收费)",
                        "sql": SHORT_WORD_SEARCH,
                    },
                    "more_applications_than_last_year": {
                        "title": "Bodies that received more applications (本年新收) in :year than the year before",
                        "sql": MORE_APPLICATIONS,
                    },
                },
            }
        },
    }


if __name__ == "__main__":
    print(json.dumps(metadata(*sys.argv[1:2]), ensure_ascii=False, indent=2))
