"""Compile ``data/patterns.yml`` into matchers and find phrase hits in a message.

The syntax of a phrase is documented at the top of ``patterns.yml``. Fixed phrases go to a spaCy
``PhraseMatcher`` (one pattern per spelling; hashed, so its cost hardly grows with their number) that
matches the folded syllables (:func:`~triage_api.engine.tokens.to_doc`). A phrase with gaps is walked
in Python over each clause that holds all its words: spaCy's ``Matcher`` took 20–300 µs a call
for such a phrase (it follows every way a "..." can be filled), the walk ~10. A hit is kept only
where every syllable the user typed is :func:`~triage_api.engine.text.compatible` with the phrase's
own spelling, and — where the user typed diacritics, so underthesea's segmentation is reliable —
where the hit does not cut a word in two ("bán | con gà").

>>> from triage_api.engine.text import Text
>>> from triage_api.engine.tokens import tokenize
>>> toks = tokenize(Text.of("em bi nhot o day"))
>>> sorted({(h.group, h.code) for h in find_hits(toks)})  # "bị nhốt", "nhốt ở"…: one code, several phrases
[('cues', 'PERSON'), ('indicators', 'CONFINEMENT')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from triage_api.engine.data import load_yaml
from triage_api.engine.text import compatible, fold
from triage_api.engine.tokens import Token, Words, to_doc, vocab

__all__ = ["Hit", "Phrase", "compiled", "find_hits", "pattern_syllables"]

GAP = "..."
ANY = "*"
_MAX_GAP = 5
_SHORT = 2  # syllables


@dataclass(frozen=True, slots=True)
class Phrase:
    """One phrase of ``patterns.yml``: ``group`` is indicators/except/cues/negation/hypothetical."""

    group: str
    code: str
    text: str
    slots: tuple[tuple[str, ...] | str, ...]  # alternatives per syllable, or GAP / ANY
    exact: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    group: str
    code: str
    phrase: str
    start: int  # token index
    end: int  # token index, exclusive


_GROUP = re.compile(r"\(([^()]*)\)")


def _expand(text: str) -> list[str]:
    """Expand "(a b|c)" groups into one phrase per choice."""
    m = _GROUP.search(text)
    if not m:
        return [text]
    return [
        expanded
        for choice in m.group(1).split("|")
        for expanded in _expand(text[: m.start()] + choice.strip() + text[m.end() :])
    ]


def _parse(group: str, code: str, text: str) -> Phrase:
    slots: list[tuple[str, ...] | str] = []
    exact: list[bool] = []
    for part in text.split():
        if part in (GAP, ANY):
            slots.append(part)
            exact.append(False)
            continue
        strict = part.startswith("=")
        alternatives = tuple(a.lower() for a in part.lstrip("=").split("/") if a)
        if not alternatives:
            raise ValueError(f"empty syllable in phrase {text!r} of {code}")
        slots.append(alternatives)
        exact.append(strict)
    if not slots or isinstance(slots[0], str) or isinstance(slots[-1], str):
        raise ValueError(f"phrase {text!r} of {code} must start and end with a syllable")
    return Phrase(group, code, text, tuple(slots), tuple(exact))


@dataclass(frozen=True, slots=True)
class Gapped:
    """A phrase with gaps, walked only on the clauses that hold all its words. Each step of ``steps``
    is one slot of the phrase: it takes ``fewest`` to ``most`` tokens, and for a syllable, the slot's
    index and folded spellings (a gap takes any tokens: None and an empty set)."""

    phrase: Phrase
    steps: tuple[tuple[int, int, int | None, frozenset[str]], ...]

    @classmethod
    def of(cls, phrase: Phrase) -> Gapped:
        steps = [
            (0, _MAX_GAP, None, frozenset[str]()) if slot == GAP
            else (1, 1, None, frozenset[str]()) if slot == ANY
            else (1, 1, i, frozenset(fold(a) for a in slot))
            for i, slot in enumerate(phrase.slots)
        ]
        return cls(phrase, tuple(steps))

    @property
    def needs(self) -> tuple[frozenset[str], ...]:
        """Per syllable of the phrase: its folded spellings."""
        return tuple(folded for _, _, slot, folded in self.steps if slot is not None)

    def spans(self, tokens: Sequence[Token], start: int, end: int) -> list[tuple[int, int]]:
        """Every (start, end) within ``tokens[start:end]`` that the phrase spans, for some filling of
        its gaps, with each syllable spelled right."""
        found: set[tuple[int, int]] = set()
        phrase, steps = self.phrase, self.steps

        def walk(step: int, at: int, first: int) -> None:
            if step == len(steps):
                found.add((first, at))
                return
            fewest, most, slot, folded = steps[step]
            if slot is None:
                for n in range(fewest, min(most, end - at) + 1):
                    walk(step + 1, at + n, first)
            elif at < end and tokens[at].norm in folded and _spelled(phrase, slot, tokens[at]):
                walk(step + 1, at + 1, first)

        opening = steps[0][3]  # a phrase starts with a syllable
        for first in range(start, end):
            if tokens[first].norm in opening:
                walk(0, first, first)
        return sorted(found)


def _spelled(phrase: Phrase, i: int, tok: Token) -> bool:
    """Could ``tok`` be slot ``i`` of the phrase as the user typed it (diacritics left out, never wrong)?"""
    slot = phrase.slots[i]
    assert not isinstance(slot, str)
    if phrase.exact[i]:
        return tok.text in slot
    if len(slot) == 1:  # every fixed phrase's spelling, and most gapped phrases' syllables
        return compatible(tok.text, slot[0])
    return any(compatible(tok.text, a) for a in slot)


@dataclass(frozen=True, slots=True)
class Compiled:
    gapped: tuple[Gapped, ...]  # phrases with gaps ("...", "*")
    fills: dict[str, npt.NDArray[np.int64]]  # folded word → index in ``gapped`` of each syllable slot it fills
    slot_count: npt.NDArray[np.int64]  # index in ``gapped`` → how many syllable slots it has
    phrase_matcher: PhraseMatcher  # fixed phrases, one pattern per spelling: hashed, so fast
    phrases: dict[str, Phrase]  # matcher key → phrase
    masks: dict[str, frozenset[str]]  # code → codes whose hits inside it are dropped
    negation_between: frozenset[str]
    question_unless: frozenset[str]  # cues that make a questioning sentence a report


def _phrases_of(data: dict[str, Any]) -> list[Phrase]:
    out: list[Phrase] = []
    for code, spec in data["indicators"].items():
        out += [_parse("indicators", code, e) for p in spec.get("phrases", []) for e in _expand(p)]
        out += [_parse("except", code, e) for p in spec.get("except", []) for e in _expand(p)]
    for name, spec in data["cues"].items():
        out += [_parse("cues", name, e) for p in spec["phrases"] for e in _expand(p)]
        out += [_parse("except", name, e) for p in spec.get("except", []) for e in _expand(p)]
    for group in ("negation", "hypothetical", "question"):
        out += [_parse(group, group.upper(), e) for p in data[group]["cues"] for e in _expand(p)]
        out += [_parse("except", group.upper(), e) for p in data[group].get("except", []) for e in _expand(p)]
    return out


def _fixed(phrase: Phrase) -> bool:
    return not any(isinstance(slot, str) for slot in phrase.slots)


def _spellings(phrase: Phrase) -> list[Phrase]:
    """One phrase per combination of alternatives, for the ``PhraseMatcher``."""
    out = [phrase]
    for i, slot in enumerate(phrase.slots):
        assert not isinstance(slot, str)
        out = [replace(p, slots=(*p.slots[:i], (a,), *p.slots[i + 1 :])) for p in out for a in slot]
    return out


@lru_cache(maxsize=1)
def compiled() -> Compiled:
    """Build the matchers once per process."""
    data = load_yaml("patterns.yml")
    gapped: list[Gapped] = []
    phrase_matcher = PhraseMatcher(vocab(), attr="ORTH")
    phrases: dict[str, Phrase] = {}
    for n, phrase in enumerate(_phrases_of(data)):
        if not _fixed(phrase):
            gapped.append(Gapped.of(phrase))
            continue
        for m, spelling in enumerate(_spellings(phrase)):
            key = f"{phrase.group}:{phrase.code}:{n}:{m}"
            words = [fold(slot[0]) for slot in spelling.slots if not isinstance(slot, str)]
            phrase_matcher.add(key, [Doc(vocab(), words=words)])
            phrases[key] = spelling
    masks = {
        code: frozenset(spec.get("masks", []))
        for code, spec in data["indicators"].items()
        if spec.get("masks")
    }
    between = frozenset(fold(w) for w in data["negation"]["between"])
    unless = frozenset(data["question"]["unless"])
    # An inverted index from each word to the gapped phrases it helps fill, once per slot it fills: a
    # clause wakes only the phrases (a handful of 11,000) whose slot count its words reach, found by
    # one bincount instead of a Python loop. Two spellings of one slot in a clause count twice, so a
    # phrase can wake without every slot filled; its walk then finds nothing — never a hit lost.
    fills: dict[str, list[int]] = {}
    for i, g in enumerate(gapped):
        for need in g.needs:
            for word in need:
                fills.setdefault(word, []).append(i)
    slot_count = np.array([len(g.needs) for g in gapped], dtype=np.int64)
    fills_by_word = {word: np.array(ids, dtype=np.int64) for word, ids in fills.items()}
    return Compiled(tuple(gapped), fills_by_word, slot_count, phrase_matcher, phrases, masks, between, unless)


def pattern_syllables() -> frozenset[str]:
    """Every folded syllable that appears in a phrase."""
    data = load_yaml("patterns.yml")
    return frozenset(
        fold(a)
        for phrase in _phrases_of(data)
        for slot in phrase.slots
        if not isinstance(slot, str)
        for a in slot
    )


def find_hits(tokens: Sequence[Token], words: Words | None = None) -> list[Hit]:
    """All phrase hits in ``tokens``, in text order, before negation and hypotheticals."""
    if not tokens:
        return []
    c = compiled()
    hits: list[Hit] = []
    # A gapped phrase never crosses punctuation, so each is walked only on the clauses that hold
    # all its words (woken per clause: per message, six times as many phrases wake).
    for start, end, present in _clauses(tokens):
        filled = [c.fills[word] for word in present if word in c.fills]
        if not filled:
            continue
        reached = np.bincount(np.concatenate(filled), minlength=len(c.gapped)) >= c.slot_count
        for i in np.flatnonzero(reached):
            p = c.gapped[i].phrase
            hits += [Hit(p.group, p.code, p.text, s, e) for s, e in c.gapped[i].spans(tokens, start, end)]
    for key_id, start, end in c.phrase_matcher(to_doc(tokens)):
        p = c.phrases[vocab().strings[key_id]]
        if all(_spelled(p, i, tokens[start + i]) for i in range(end - start)):
            hits.append(Hit(p.group, p.code, p.text, start, end))
    # A short hit must not cut a word ("đánh" is not in "đánh máy", typing). Phrases of three
    # or more syllables are specific on their own, and "làm việc nhẹ lương cao" segments as
    # "làm_việc | nhẹ | …", which would wrongly cut "việc nhẹ lương cao".
    short = {(h.start, h.end) for h in hits if h.end - h.start <= _SHORT and h.group == "indicators"}
    if short and words is not None:
        cutting = short - words.respecting(short)
        hits = [h for h in hits if h.group != "indicators" or (h.start, h.end) not in cutting]
    hits = _drop_excepted(hits, c.masks)
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _clauses(tokens: Sequence[Token]) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, folded words) of each run of tokens between punctuation marks."""
    out: list[tuple[int, int, frozenset[str]]] = []
    start = 0
    for i, tok in enumerate([*tokens, None]):
        if tok is None or tok.punct:
            if i > start:
                out.append((start, i, frozenset(t.norm for t in tokens[start:i])))
            start = i + 1
    return out


def _drop_excepted(hits: list[Hit], masks: dict[str, frozenset[str]]) -> list[Hit]:
    """Remove hits covered by an ``except`` phrase of their code, or by a hit of a code that masks theirs."""
    excepts = [h for h in hits if h.group == "except"]

    def excepted(h: Hit) -> bool:
        return any(e.code == h.code and _overlaps(h, e) for e in excepts)

    # a hit its own except cancels masks nothing: it was never there
    masking = [h for h in hits if h.group == "indicators" and h.code in masks and not excepted(h)]
    return [
        h
        for h in hits
        if h.group != "except"
        and not excepted(h)
        and not any(h.code in masks[m.code] and _overlaps(h, m) for m in masking)
    ]


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end
