"""Phrases with gaps, walked in Python over one clause (engine/patterns.py)."""

from __future__ import annotations

import pytest

from triage_api.engine.patterns import Gapped, _parse, find_hits
from triage_api.engine.text import Text
from triage_api.engine.tokens import tokenize


def spans(phrase: str, message: str) -> list[str]:
    tokens = tokenize(Text.of(message))
    g = Gapped.of(_parse("indicators", "TEST", phrase))
    return [" ".join(t.text for t in tokens[s:e]) for s, e in g.spans(tokens, 0, len(tokens))]


@pytest.mark.parametrize(
    ("phrase", "message", "expected"),
    [
        ("giữ ... hộ chiếu", "họ giữ hộ chiếu", ["giữ hộ chiếu"]),  # a gap may be empty
        ("giữ ... hộ chiếu", "họ giữ luôn cả hộ chiếu", ["giữ luôn cả hộ chiếu"]),
        ("giữ ... hộ chiếu", "giữ một hai ba bốn năm hộ chiếu", ["giữ một hai ba bốn năm hộ chiếu"]),  # five words
        ("giữ ... hộ chiếu", "giữ một hai ba bốn năm sáu hộ chiếu", []),  # six is too many
        ("lương * đô", "lương 2000 đô", ["lương 2000 đô"]),  # "*" is exactly one word
        ("lương * đô", "lương đô", []),
        ("lương * đô", "lương hai nghìn đô", []),
        ("bị ... nhốt", "bị nhốt rồi bị họ nhốt", ["bị nhốt", "bị nhốt rồi bị họ nhốt", "bị họ nhốt"]),  # every start
        ("bị ... nhốt", "bị nhốt nhốt", ["bị nhốt", "bị nhốt nhốt"]),  # and every end a filling reaches
        ("bị ... nhốt", "bi ho nhot", ["bi ho nhot"]),  # diacritics left out
        ("bán ... thận", "bạn thân", []),  # different diacritics typed: another word
        ("bán ... thận", "bán cả thận", ["bán cả thận"]),
        ("=chả ... bán", "cha bán", []),  # "=": must be typed with its diacritics
        ("=chả ... bán", "chả ai bán", ["chả ai bán"]),
    ],
)
def test_a_gap_takes_up_to_five_words_and_every_spelling_is_checked(phrase: str, message: str, expected: list[str]) -> None:
    assert spans(phrase, message) == expected


def test_a_gap_never_crosses_punctuation() -> None:
    """"giữ ... hộ chiếu" is a phrase of patterns.yml; a comma ends the clause."""
    codes = {h.code for h in find_hits(tokenize(Text.of("họ giữ hết hộ chiếu")))}
    assert "DOCUMENT_RETENTION" in codes
    assert "DOCUMENT_RETENTION" not in {h.code for h in find_hits(tokenize(Text.of("họ giữ, hộ chiếu")))}
