"""Chinese text diffs at sentence granularity, and the carried-over score.

A section is cut into sentences at 。！？； (and their ASCII forms, and line ends).
The two sentence sequences are aligned on their normalised form (NFKC, no whitespace);
sentences that differ are paired by rapidfuzz similarity, and a paired sentence gets a
character diff from diff-match-patch with semantic cleanup, in which a number
(``123``, ``7.5%``) moves as one token, so that 123件 -> 132件 reads as a number change
rather than as two shuffled digits.

The carried-over score of a section is defined on those sentences: the total length of
this year's sentences whose normalised text occurs exactly among last year's sentences
of the same section, divided by the total length of this year's sentences (lengths in
characters of the normalised text). 1.0 means every sentence was copied verbatim, 0.0
that none was; an empty section has no score (None).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

SentenceKind = Literal["equal", "changed", "added", "removed"]
Fragment = tuple[int, str]  # (-1 deleted, 0 kept, 1 inserted; text)

SENTENCE_ENDINGS = "。！？；!?;"
_SENTENCE = re.compile(f"[^{SENTENCE_ENDINGS}]*[{SENTENCE_ENDINGS}]+|[^{SENTENCE_ENDINGS}]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_WHITESPACE = re.compile(r"\s+")
# Two sentences at least this similar (rapidfuzz ratio, 0-100) are one sentence edited;
# below it, one was removed and another added.
PAIRING_THRESHOLD = 55.0
# Numbers become one character each from here (Unicode plane 15, private use), which no
# report text contains, so that the character diff treats a number as a single token.
_TOKEN_BASE = 0xF0000


@dataclass(frozen=True, slots=True)
class SentenceChange:
    kind: SentenceKind
    old: str | None
    new: str | None
    similarity: float | None = None
    fragments: tuple[Fragment, ...] = ()


@dataclass(frozen=True, slots=True)
class SectionDiff:
    number: int
    title: str
    sentences: tuple[SentenceChange, ...]
    carried_over: float | None
    carried_over_ignoring_numbers: float | None

    def count(self, kind: SentenceKind) -> int:
        return sum(1 for sentence in self.sentences if sentence.kind == kind)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, each keeping its closing punctuation."""
    sentences: list[str] = []
    for line in text.splitlines():
        sentences += [piece.strip() for piece in _SENTENCE.findall(line) if piece.strip()]
    return sentences


def normalise(sentence: str) -> str:
    """The form two sentences are compared in: NFKC (full-width digits), no whitespace."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", sentence))


def without_numbers(sentence: str) -> str:
    return _NUMBER.sub("#", normalise(sentence))


def carried_over(old_text: str, new_text: str, *, ignore_numbers: bool = False) -> float | None:
    """Share of ``new_text`` (characters) made of sentences found verbatim in ``old_text``."""
    key = without_numbers if ignore_numbers else normalise
    previous = {key(sentence) for sentence in split_sentences(old_text)}
    current = [key(sentence) for sentence in split_sentences(new_text)]
    total = sum(len(sentence) for sentence in current)
    if total == 0:
        return None
    return sum(len(sentence) for sentence in current if sentence in previous) / total


def diff_section(number: int, title: str, old_text: str, new_text: str) -> SectionDiff:
    return SectionDiff(
        number=number,
        title=title,
        sentences=tuple(diff_sentences(split_sentences(old_text), split_sentences(new_text))),
        carried_over=carried_over(old_text, new_text),
        carried_over_ignoring_numbers=carried_over(old_text, new_text, ignore_numbers=True),
    )


def diff_sentences(old: Sequence[str], new: Sequence[str]) -> Iterator[SentenceChange]:
    """Align two sentence sequences; equal runs, then edited, added and removed sentences."""
    matcher = difflib.SequenceMatcher(None, [normalise(s) for s in old], [normalise(s) for s in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            yield from (SentenceChange("equal", o, n) for o, n in zip(old[i1:i2], new[j1:j2], strict=True))
        else:
            yield from _pair_block(old[i1:i2], new[j1:j2])


def _pair_block(old: Sequence[str], new: Sequence[str]) -> Iterator[SentenceChange]:
    """Pair an unequal block in order: each new sentence takes the most similar old one after the last taken."""
    next_old = 0
    for sentence in new:
        match = _best_match(sentence, old, next_old)
        if match is None:
            yield SentenceChange("added", None, sentence)
            continue
        index, score = match
        yield from (SentenceChange("removed", skipped, None) for skipped in old[next_old:index])
        yield SentenceChange("changed", old[index], sentence, score, char_diff(old[index], sentence))
        next_old = index + 1
    yield from (SentenceChange("removed", rest, None) for rest in old[next_old:])


def _best_match(sentence: str, old: Sequence[str], start: int) -> tuple[int, float] | None:
    scored = [(fuzz.ratio(normalise(sentence), normalise(old[i])), i) for i in range(start, len(old))]
    if not scored:
        return None
    score, index = max(scored, key=lambda pair: (pair[0], -pair[1]))
    return (index, score) if score >= PAIRING_THRESHOLD else None


def char_diff(old: str, new: str) -> tuple[Fragment, ...]:
    """Character diff with semantic cleanup; numbers are atomic tokens."""
    table: dict[str, str] = {}
    engine = diff_match_patch()
    engine.Diff_Timeout = 1.0
    diffs = engine.diff_main(_encode_numbers(old, table), _encode_numbers(new, table), False)
    engine.diff_cleanupSemantic(diffs)
    decoded = {token: number for number, token in table.items()}
    return tuple((op, "".join(decoded.get(char, char) for char in text)) for op, text in diffs)


def _encode_numbers(text: str, table: dict[str, str]) -> str:
    def token(match: re.Match[str]) -> str:
        return table.setdefault(match.group(), chr(_TOKEN_BASE + len(table)))

    return _NUMBER.sub(token, text)
