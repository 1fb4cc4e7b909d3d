"""Full-text search over report text, for Chinese, on SQLite and PostgreSQL.

Chinese has no spaces, so word tokenizers see a paragraph as one word. Both back ends
index character trigrams instead, which gives substring semantics:

- SQLite: the FTS5 table ``version_fts`` with the ``trigram`` tokenizer over
  ``version.text`` (external content, so the text is stored once; triggers keep it in
  step). Needs SQLite >= 3.34; the archive's engine uses pysqlite3's newer SQLite
  because the system 3.40 loses 1-2 character CJK LIKE matches.
- PostgreSQL: ``pg_trgm`` with a GIN index on ``version.text``; ``LIKE '%词%'`` uses it
  (the database needs a UTF-8 LC_CTYPE, or pg_trgm ignores CJK).

Both are created by the migration ``research_0001``. A trigram index cannot answer a
term of one or two characters (复议, 年): such queries scan ``version.text`` with
``instr``/``strpos``, still correct, only slower.

Terms separated by spaces must all occur (AND); a control character separates terms too,
and a query is bounded (:data:`MAX_TERMS` words, :data:`MAX_QUERY_CHARS` characters) because
every term is one more condition the database evaluates on every text. A snippet marks each hit between
:data:`MARK_START` and :data:`MARK_END`, which renderers turn into colour or ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from research.queries import version_infos
from research.rows import VersionInfo

MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_CONTEXT = 24  # characters either side of the first hit
TRIGRAM = 3
MAX_TERMS = 10
MAX_QUERY_CHARS = 200


class BadQuery(ValueError):
    """A search query with nothing to search for, or more than a search may hold."""


@dataclass(frozen=True, slots=True)
class Hit:
    version_id: int
    snippet: str


def terms_of(query: str) -> list[str]:
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"a search has at most {MAX_QUERY_CHARS} characters, this one {len(query)}")
    # A character that does not print (NUL, which PostgreSQL refuses in a string, among
    # them) and the quote FTS5 phrases are written with are never part of a word.
    terms = "".join(char if char.isprintable() and char != '"' else " " for char in query).split()
    if not terms:
        raise BadQuery("nothing to search for: give at least one word, e.g. 行政复议")
    if len(terms) > MAX_TERMS:
        raise BadQuery(f"a search has at most {MAX_TERMS} words, this one {len(terms)}")
    return terms


@dataclass(frozen=True, slots=True)
class _Match:
    """Where the versions holding every term are: a FROM and WHERE clause and their parameters."""

    source: str
    condition: str
    params: dict[str, object]
    indexed: bool  # SQLite's FTS5 table, which also ranks and cuts snippets


def _match(connection: Connection, terms: list[str], all_versions: bool) -> _Match:
    dialect = connection.dialect.name
    latest = "" if all_versions else " AND v.is_latest"
    if dialect == "sqlite" and all(len(term) >= TRIGRAM for term in terms):
        phrase = " AND ".join(f'"{term}"' for term in terms)
        source = "version_fts JOIN version v ON v.id = version_fts.rowid"
        return _Match(source, "version_fts MATCH :phrase" + latest, {"phrase": phrase}, indexed=True)
    # Every term as a substring; PostgreSQL's trigram GIN index serves LIKE for 3+ characters.
    params: dict[str, object] = {}
    conditions = []
    for index, term in enumerate(terms):
        params[f"t{index}"] = term
        if dialect == "postgresql" and len(term) >= TRIGRAM:
            params[f"p{index}"] = "%" + _escape_like(term) + "%"
            conditions.append(f"v.text LIKE :p{index} ESCAPE '\\'")
        else:
            conditions.append(f"{_position(dialect, ':t' + str(index))} > 0")
    return _Match("version v", " AND ".join(conditions) + latest, params, indexed=False)


def search(connection: Connection, query: str, *, limit: int = 20, all_versions: bool = False) -> list[Hit]:
    """Versions whose text contains every term of ``query``, with a snippet; the latest versions only by default."""
    terms = terms_of(query)
    where = _match(connection, terms, all_versions)
    if where.indexed:
        rows = connection.execute(
            text(
                f"SELECT version_fts.rowid, snippet(version_fts, 0, :start, :end, '…', 32) FROM {where.source} "
                f"WHERE {where.condition} ORDER BY rank LIMIT :limit"
            ),
            {**where.params, "start": MARK_START, "end": MARK_END, "limit": limit},
        )
        return [Hit(int(version_id), " ".join(snippet.split())) for version_id, snippet in rows]
    position = _position(connection.dialect.name, ":t0")
    start = f"CASE WHEN {position} > :context THEN {position} - :context ELSE 1 END"
    rows = connection.execute(
        text(
            f"SELECT v.id, substr(v.text, {start}, :width) AS excerpt, {start} AS excerpt_start "
            f"FROM {where.source} WHERE {where.condition} ORDER BY v.id DESC LIMIT :limit"
        ),
        {**where.params, "limit": limit, "context": SNIPPET_CONTEXT, "width": 2 * SNIPPET_CONTEXT + len(terms[0])},
    )
    return [Hit(int(version_id), mark(excerpt, terms, start > 1)) for version_id, excerpt, start in rows]


def count_hits(connection: Connection, query: str, *, all_versions: bool = False) -> int:
    """How many versions :func:`search` would find without a limit."""
    where = _match(connection, terms_of(query), all_versions)
    return int(connection.scalar(text(f"SELECT count(*) FROM {where.source} WHERE {where.condition}"), where.params))


def _position(dialect: str, needle: str) -> str:
    return f"strpos(v.text, {needle})" if dialect == "postgresql" else f"instr(v.text, {needle})"


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def mark(excerpt: str, terms: list[str], cut_before: bool) -> str:
    """``excerpt`` with each occurrence of a term between the marks, on one line."""
    pattern = "|".join(re.escape(term) for term in sorted(set(terms), key=len, reverse=True))
    marked = re.sub(pattern, lambda hit: f"{MARK_START}{hit.group()}{MARK_END}", " ".join(excerpt.split()))
    return ("…" if cut_before else "") + marked + "…"


def highlight(snippet: str, start: str, end: str) -> str:
    return snippet.replace(MARK_START, start).replace(MARK_END, end)


def search_versions(
    connection: Connection, query: str, *, limit: int = 20, all_versions: bool = False
) -> list[tuple[VersionInfo, str]]:
    """:func:`search` with each hit's version row and its snippet (the rows in one query)."""
    hits = search(connection, query, limit=limit, all_versions=all_versions)
    rows = version_infos(connection, [hit.version_id for hit in hits])
    return [(rows[hit.version_id], hit.snippet) for hit in hits]
