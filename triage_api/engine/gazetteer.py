"""Find names from a list (provinces, countries, platforms) in a message, diacritics optional.

One regular expression per gazetteer runs on the folded view, longest name first, so "Lào Cai"
wins over "Lào" and "Hà Nam" over "Nam". A match is kept only when every word the user typed is
:func:`~triage_api.engine.text.compatible` with the name's spelling ("bạn" never matches "Bản"),
when a case-sensitive name is typed in that case ("HN" is Hà Nội, "hn" is teencode for "hôm nay")
or comes right after one of its cue words ("ở hn"), and when a name that is also a common word
comes right after one of its cue words ("sang Cam", never "quả cam") or — for a name of several
words that allows it — is typed as a proper noun, each word capitalised, and not right after a
lower-case word that makes it a person's name ("Bao Lâm Cao Bằng" is the province, "chị Thái Bình"
a woman).

>>> from triage_api.engine.text import Text
>>> g = Gazetteer([Name("Lào Cai", "Lào Cai"), Name("Lào", "Laos")])
>>> [(m.value, m.mentioned) for m in g.find(Text.of("tu lao cai sang Lào"))]
[('Lào Cai', 'lao cai'), ('Laos', 'Lào')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from triage_api.engine.text import Text, compatible, fold

__all__ = ["Gazetteer", "Mention", "Name"]

_SEPARATOR = r"[\s\-–.]*"  # "Bà Rịa-Vũng Tàu", "TP.HCM", "Kon Tum" / "Kontum" are listed as names
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Name:
    spelling: str  # as it is written, with diacritics: "Bắc Giang", "HN", "Cam"
    value: str  # what it stands for: "Bắc Ninh", "Hà Nội", "Campuchia"
    case_sensitive: bool = False
    cues: frozenset[str] = frozenset()  # words (with diacritics) one of which must come right before
    capitalised: bool = False  # with cues: also a match when every word is typed with a capital…
    not_after: frozenset[str] = frozenset()  # …unless one of these words (with diacritics) comes right before


@dataclass(frozen=True, slots=True)
class Mention:
    value: str
    mentioned: str
    start: int
    end: int


class Gazetteer:
    def __init__(self, names: Iterable[Name]) -> None:
        by_key: dict[str, list[Name]] = {}
        for name in names:
            words = _WORD.findall(fold(name.spelling))
            if not words:
                raise ValueError(f"empty name {name.spelling!r}")
            by_key.setdefault(" ".join(words), []).append(name)
        self._names = by_key
        keys = sorted(by_key, key=lambda k: (-len(k), k))
        alternatives = (_SEPARATOR.join(re.escape(w) for w in key.split()) for key in keys)
        self._regex = re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")

    def find(self, t: Text) -> list[Mention]:
        """Every name in ``t``, in text order, without overlaps."""
        found: list[Mention] = []
        for m in self._regex.finditer(t.folded):
            key = " ".join(_WORD.findall(m.group()))
            typed = t.clean[m.start() : m.end()]
            before = _WORD.findall(t.clean[max(0, m.start() - 24) : m.start()])
            previous = before[-1] if before else ""
            for name in self._names.get(key, []):
                if self._accepts(name, typed, previous):
                    found.append(Mention(name.value, typed, m.start(), m.end()))
                    break
        return found

    @staticmethod
    def _accepts(name: Name, typed: str, previous: str) -> bool:
        typed_words, name_words = _WORD.findall(typed), _WORD.findall(name.spelling)
        cued = any(compatible(previous, cue) for cue in name.cues)
        if name.case_sensitive:
            return typed_words == name_words or cued
        if len(typed_words) == len(name_words):
            if not all(compatible(a, b) for a, b in zip(typed_words, name_words, strict=True)):
                return False
        elif "".join(typed_words).lower() != fold("".join(name_words)):  # "Kontum", "TPHCM"
            return False
        if not name.cues or cued:
            return True
        return (
            name.capitalised and len(typed_words) > 1 and all(w[0].isupper() for w in typed_words)
            and not (previous.islower() and any(compatible(previous, word) for word in name.not_after))
        )
