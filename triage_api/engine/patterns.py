"""Compile ``data/patterns.yml`` into spaCy matchers and find phrase hits in a message.

The syntax of a phrase is documented at the top of ``patterns.yml``. Fixed phrases go to a
``PhraseMatcher`` (one pattern per spelling; hashed, so its cost hardly grows with their number),
phrases with gaps to a ``Matcher``; both match the folded syllables
(:func:`~triage_api.engine.tokens.to_doc`). A hit is then kept only where every syllable the user
typed is :func:`~triage_api.engine.text.compatible` with the phrase's own spelling, and — where
the user typed diacritics, so underthesea's segmentation is reliable — where the hit does not cut
a word in two ("bán | con gà").

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
from itertools import product
from math import prod
from typing import Any

import numpy as np
import numpy.typing as npt
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from triage_api.engine.data import load_yaml
from triage_api.engine.text import compatible, fold
from triage_api.engine.tokens import Token, Words, to_doc, vocab

__all__ = ["Hit", "Phrase", "compiled", "find_hits", "pattern_syllables"]

GAP = "..."
ANY = "*"
_MAX_GAP = 5
_SHORT = 2  # syllables
_MAX_VARIANTS = 16


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


def _spacy_patterns(phrase: Phrase) -> list[list[dict[str, Any]]]:
    """The phrase as spaCy token patterns. Alternative spellings become one pattern each (up to
    ``_MAX_VARIANTS``), matched by hashed equality in spaCy's own code rather than a set predicate
    it calls back into Python for, token by token; beyond that, one pattern with ``IN``."""
    # a gapped phrase runs on one clause at a time (find_hits), so a gap never meets punctuation
    # and takes any token
    choices: list[list[dict[str, Any]]] = []
    for slot in phrase.slots:
        if slot == GAP:
            choices.append([{"OP": f"{{0,{_MAX_GAP}}}"}])
        elif slot == ANY:
            choices.append([{}])
        else:
            choices.append([{"ORTH": norm} for norm in sorted({fold(a) for a in slot})])
    if prod(len(c) for c in choices) <= _MAX_VARIANTS:
        return [list(tokens) for tokens in product(*choices)]
    return [[c[0] if len(c) == 1 else {"ORTH": {"IN": [t["ORTH"] for t in c]}} for c in choices]]


@dataclass(frozen=True, slots=True)
class Gapped:
    """A phrase with gaps, in a ``Matcher`` of its own that runs only when all its words occur."""

    needs: tuple[frozenset[str], ...]  # per syllable of the phrase: its folded spellings
    matcher: Matcher


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
            key = f"{phrase.group}:{phrase.code}:{n}"
            matcher = Matcher(vocab())
            matcher.add(key, _spacy_patterns(phrase))
            needs = tuple(frozenset(fold(a) for a in slot) for slot in phrase.slots if not isinstance(slot, str))
            gapped.append(Gapped(needs, matcher))
            phrases[key] = phrase
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
    # phrase can wake without every slot filled; its Matcher then finds nothing — never a hit lost.
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


def _spelled_right(phrase: Phrase, tokens: Sequence[Token], start: int, align: list[int]) -> bool:
    for offset, slot_index in enumerate(align):
        slot = phrase.slots[slot_index]
        if isinstance(slot, str):
            continue
        tok = tokens[start + offset]
        if phrase.exact[slot_index]:
            if tok.text not in slot:
                return False
        elif not any(compatible(tok.text, a) for a in slot):
            return False
    return True


def find_hits(tokens: Sequence[Token], words: Words | None = None) -> list[Hit]:
    """All phrase hits in ``tokens``, in text order, before negation and hypotheticals."""
    if not tokens:
        return []
    c = compiled()
    doc = to_doc(tokens)
    hits: list[Hit] = []
    matches: list[tuple[int, int, int, list[int]]] = []
    # A gapped phrase never crosses punctuation, so each runs only on the clauses that hold all
    # its words: a spaCy Matcher walks every token it is given, and clauses are short.
    for start, end, present in _clauses(tokens):
        filled = [c.fills[word] for word in present if word in c.fills]
        if not filled:
            continue
        reached = np.bincount(np.concatenate(filled), minlength=len(c.gapped)) >= c.slot_count
        for i in np.flatnonzero(reached):
            found = c.gapped[i].matcher(doc[start:end], with_alignments=True)
            matches += [(key, start + s, start + e, align) for key, s, e, align in found]  # type: ignore[misc]
    matches += [(key, start, end, list(range(end - start))) for key, start, end in c.phrase_matcher(doc)]
    for key_id, start, end, align in matches:
        phrase = c.phrases[vocab().strings[key_id]]
        if _spelled_right(phrase, tokens, start, align):
            hits.append(Hit(phrase.group, phrase.code, phrase.text, start, end))
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
