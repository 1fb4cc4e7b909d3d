"""What a search query becomes before it reaches the database: bounded, without control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from research.search import MAX_QUERY_CHARS, MAX_TERMS, BadQuery, terms_of


@given(st.text(max_size=MAX_QUERY_CHARS))
def test_terms_are_few_and_printable_or_the_query_is_refused(query: str) -> None:
    try:
        terms = terms_of(query)
    except BadQuery as refused:
        assert str(refused)
        return
    assert 1 <= len(terms) <= MAX_TERMS
    assert all(term and term.isprintable() and '"' not in term for term in terms)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (" ".join("a" * (MAX_TERMS + 1)), f"at most {MAX_TERMS} words"),
        ("年" * (MAX_QUERY_CHARS + 1), f"at most {MAX_QUERY_CHARS} characters"),
        ('"" \x00 \x7f', "nothing to search for"),
    ],
)
def test_a_query_out_of_bounds_says_why(query: str, message: str) -> None:
    with pytest.raises(BadQuery, match=message):
        terms_of(query)


def test_a_control_character_separates_words() -> None:
    assert terms_of("年度\x00报告") == ["年度", "报告"]
