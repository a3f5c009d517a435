"""Find names from a list (provinces, countries, platforms) in a message, diacritics optional.

One regular expression per gazetteer runs on the folded view, longest name first, so "Lào Cai"
wins over "Lào" and "Hà Nam" over "Nam". A match is kept only when every word the user typed is
:func:`~triage_api.engine.text.compatible` with the name's spelling ("bạn" never matches "Bản"),
when a case-sensitive name is typed in that case ("HN" is Hà Nội, "hn" is teencode for "hôm nay"),
and when a name that is also a common word comes right after one of its cue words ("sang Cam",
never "quả cam").

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
        if name.case_sensitive:
            return _WORD.findall(typed) == _WORD.findall(name.spelling)
        typed_words, name_words = _WORD.findall(typed), _WORD.findall(name.spelling)
        if len(typed_words) == len(name_words):
            if not all(compatible(a, b) for a, b in zip(typed_words, name_words, strict=True)):
                return False
        elif "".join(typed_words).lower() != fold("".join(name_words)):  # "Kontum", "TPHCM"
            return False
        return not name.cues or any(compatible(previous, cue) for cue in name.cues)
