"""Syllable tokens with underthesea word boundaries, as a spaCy ``Doc`` for the matchers.

Vietnamese writes one syllable per space-separated unit; words are one or more syllables.
We tokenise into *syllables*, because that is the unit people keep when they drop diacritics,
and ask underthesea for *word* boundaries, because they tell "bán | con gà" (selling a chicken)
from "bán con" (selling a child). Measured on this project's data, underthesea segments text
without diacritics unreliably ("em bi nhot o cam cuu" → ``cam cuu`` as one word), so word
boundaries are only used in messages mostly written with diacritics.

Each token keeps:

* ``text``  — the syllable as typed, lower-cased, with repeated letters collapsed and teencode
  expanded ("ko" → "không", "cty" → "công", "ty");
* ``norm``  — ``text`` folded (no diacritics): the key phrases are matched on;
* ``start``/``end`` — the span in :attr:`Text.clean` it came from (an expansion's syllables
  share the span of the abbreviation).

>>> from triage_api.engine.text import Text
>>> toks = tokenize(Text.of("E bị nhốttt, ko cho về!!"))
>>> [t.text for t in toks]
['em', 'bị', 'nhốt', ',', 'không', 'cho', 'về', '!', '!']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc
from spacy.vocab import Vocab
from underthesea import word_tokenize

from triage_api.engine.teencode import expand, expansions
from triage_api.engine.text import Text, fold, has_diacritics

__all__ = ["Token", "Words", "to_doc", "tokenize", "vocab"]

# A word is a run of letters/digits; every other visible character is a token of its own.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+|[^\w\s]|\n", re.UNICODE)  # "10.000" is one number
_RUN = re.compile(r"([^\W\d_])\1{2,}", re.UNICODE)  # three or more of the same letter
_CLAUSE_PUNCT = frozenset(".,;:!?…\n")
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)([^\W\d_]+)")
_UNITS = {"tr": "triệu", "trieu": "triệu", "triệu": "triệu", "k": "nghìn", "củ": "củ", "cu": "củ", "ty": "tỷ", "tỷ": "tỷ",
          "tỉ": "tỷ", "usd": "usd", "đô": "đô", "do": "đô", "h": "giờ", "đ": "đồng", "d": "đồng"}
_SENTENCE_END = frozenset(".!?;…")
_CONTEXT = 4  # syllables segmented either side of a hit
# share of syllables typed with diacritics above which underthesea's word boundaries are trusted
_TRUST_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    norm: str
    start: int
    end: int
    punct: bool
    typed_diacritics: bool
    first: bool  # first (or only) syllable of what the user typed ("công" of "cty")
    last: bool


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    """The one spaCy vocabulary every ``Doc`` and pattern shares."""
    return Vocab()


def known_syllables() -> frozenset[str]:
    """Folded syllables the engine knows (used to undo letter repetition such as "cuuuu")."""
    from triage_api.engine.patterns import pattern_syllables  # late: patterns import tokens

    words = {fold(w) for value in expansions().values() for w in value}
    return frozenset(words | pattern_syllables())


def _collapse(word: str) -> str:
    """Undo emphatic repetition: "nhốttt" → "nhốt", "cứuuuu" → "cứu", "cuuuu" → "cuu"."""
    if not _RUN.search(word):
        return word
    double = _RUN.sub(r"\1\1", word)
    return double if fold(double) in _KNOWN() else _RUN.sub(r"\1", word)


@lru_cache(maxsize=1)
def _KNOWN() -> frozenset[str]:
    return known_syllables()


def tokenize(t: Text) -> list[Token]:
    """Split ``t`` into normalised syllable tokens and clause punctuation; other symbols (emoji…) are dropped."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(t.clean):
        surface, start, end = m.group(), m.start(), m.end()
        if not surface[0].isalnum():
            if surface == "$":  # "2000$" is "2000 đô"
                tokens.append(Token("đô", "do", start, end, False, False, True, True))
            elif surface in _CLAUSE_PUNCT:
                sym = "." if surface == "\n" else surface
                tokens.append(Token(sym, sym, start, end, True, False, True, True))
            continue
        typed = has_diacritics(surface)
        lower = surface.lower()
        unit = _AMOUNT.fullmatch(lower)
        if unit and unit.group(2) in _UNITS:  # "300tr" is "300 triệu", "10k" is "10 nghìn"
            cut = start + len(unit.group(1))
            word = _UNITS[unit.group(2)]
            tokens.append(Token(unit.group(1), unit.group(1), start, cut, False, False, True, True))
            tokens.append(Token(word, fold(word), cut, end, False, typed, True, True))
            continue
        parts = expand(lower)  # "cccd" is an abbreviation before it is a repeated letter
        if parts == (lower,):
            parts = expand(_collapse(lower))
        last = len(parts) - 1
        tokens += [Token(p, fold(p), start, end, False, typed, j == 0, j == last) for j, p in enumerate(parts)]
    return tokens


class Words:
    """underthesea's word boundaries around a span of ``tokens``, computed only when asked.

    Segmentation is the costliest step of the engine and only short phrase hits need it, so each
    check segments a window of a few syllables either side of the hit, within its sentence (the
    segmenter's features look two syllables either way, so the window gives the same words as the
    whole message). In a message mostly typed without diacritics every syllable counts as a word
    of its own: segmentation there is unreliable.
    """

    def __init__(self, t: Text, tokens: Sequence[Token]) -> None:
        self._t, self._tokens = t, tokens
        words = [tok for tok in tokens if not tok.punct and tok.first]
        marked = sum(tok.typed_diacritics for tok in words)
        self.trusted = marked > 0 and marked >= _TRUST_SHARE * len(words)

    def respects(self, start: int, end: int) -> bool:
        """Does the token span ``[start, end)`` begin and end on word boundaries?"""
        return (start, end) in self.respecting([(start, end)])

    def respecting(self, spans: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        """Those of the token ``spans`` that begin and end on word boundaries.

        Windows that overlap are segmented as one stretch of text, so a message with many hits costs a
        few calls to the segmenter, not one per hit.
        """
        spans = set(spans)
        if not self.trusted:
            return spans
        windows = {span: self._window(*span) for span in spans}
        stretches: list[list[int]] = []
        for lo, hi in sorted(set(windows.values())):
            if stretches and lo < stretches[-1][1]:
                stretches[-1][1] = max(stretches[-1][1], hi)
            else:
                stretches.append([lo, hi])
        word_of: dict[int, int] = {}
        for lo, hi in stretches:
            word_of.update(self._segment(self._tokens[lo].start, self._tokens[hi - 1].end,
                                         max(word_of.values(), default=-1) + 1))
        return {span for span, window in windows.items() if self._bounded(*span, *window, word_of)}

    def _window(self, start: int, end: int) -> tuple[int, int]:
        """The span ``[start, end)`` with up to ``_CONTEXT`` tokens either side, within its sentence."""
        toks = self._tokens
        lo, hi = start, end
        while lo > 0 and start - lo < _CONTEXT and toks[lo - 1].text not in _SENTENCE_END:
            lo -= 1
        while hi < len(toks) and hi - end < _CONTEXT and toks[hi].text not in _SENTENCE_END:
            hi += 1
        return lo, hi

    def _bounded(self, start: int, end: int, lo: int, hi: int, word_of: dict[int, int]) -> bool:
        toks = self._tokens
        first, last = toks[start], toks[end - 1]

        def same(a: Token, b: Token) -> bool:
            return word_of.get(a.start, -1) == word_of.get(b.start, -2)

        starts = first.first and (start == lo or not same(toks[start - 1], first))
        ends = last.last and (end == hi or not same(last, toks[end]))
        return starts and ends

    def _segment(self, begin: int, finish: int, base: int = 0) -> dict[int, int]:
        """Word number (from ``base``) of each syllable of ``t.clean[begin:finish]``, keyed by its offset."""
        text = self._t.clean[begin:finish]
        word_of: dict[int, int] = {}
        cursor = 0
        for n, word in enumerate(word_tokenize(text, use_token_normalize=False), start=base):
            for syllable in word.split():
                at = text.find(syllable, cursor)
                if at >= 0:  # else underthesea changed a character: leave the syllable unbounded
                    word_of[begin + at] = n
                    cursor = at + len(syllable)
        return word_of


def to_doc(tokens: Iterable[Token]) -> Doc:
    """A spaCy ``Doc`` of the tokens' folded forms (``ORTH`` is the folded syllable): the matchers see
    one spelling per syllable, and the caller's own spelling stays on :class:`Token`."""
    return Doc(vocab(), words=[tok.norm for tok in tokens])
