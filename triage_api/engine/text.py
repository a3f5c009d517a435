"""Pure Vietnamese text helpers: NFC, diacritic folding, and offset-preserving views.

The engine works on two views of one message, always the same length:

* ``clean``  — the message in NFC with format characters (zero-width space, BOM…) blanked;
* ``folded`` — ``clean`` lower-cased with every diacritic removed and ``đ`` → ``d``.

Because both views keep one character per character of ``clean``, a regular expression or
a token found in ``folded`` has the same offsets in ``clean``; :class:`Text` maps them back
to the caller's original string (which may have been NFD or contain combining marks).

>>> t = Text.of("Em BỊ NHỐT ở Bắc Giang")
>>> t.folded
'em bi nhot o bac giang'
>>> t.original_span(3, 10)
(3, 10)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Text", "compatible", "fold", "fold_char", "has_diacritics", "nfc"]

_FORMAT_BLANK = " "
# every format character (Cf: zero-width space, joiners, BOM, bidi controls…) and combining mark;
# the BMP and the tag/variation-selector plane hold all of them that occur in messages


def _invisible_class() -> str:
    ranges: list[list[int]] = []
    for cp in (*range(0x10000), *range(0xE0000, 0xE1000)):
        ch = chr(cp)
        if unicodedata.category(ch) == "Cf" or unicodedata.combining(ch):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]"


_INVISIBLE = re.compile(_invisible_class())


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """Fold one character to one lower-case character without diacritics (``Đ`` → ``d``)."""
    low = ch.lower()
    if len(low) != 1:  # e.g. 'İ' lower-cases to two characters: keep the length
        low = ch
    if low in "đð":
        return "d"
    if low.isascii():
        return low
    base = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    return base.lower() if len(base) == 1 else low


# Latin letters with their diacritics (Vietnamese lives in U+00C0–U+01B0 and U+1EA0–U+1EF9)
_FAST_RANGES = ((0x00, 0x250), (0x1E00, 0x1F00))
_FOLD_TABLE = {cp: fold_char(chr(cp)) for lo, hi in _FAST_RANGES for cp in range(lo, hi)}
_OUTSIDE_TABLE = re.compile("[^" + "".join(f"\\u{lo:04x}-\\u{hi - 1:04x}" for lo, hi in _FAST_RANGES) + "]")


def fold(text: str) -> str:
    """Lower-case and strip diacritics, keeping exactly one character per input character."""
    if not _OUTSIDE_TABLE.search(text):
        return text.translate(_FOLD_TABLE)
    return "".join(fold_char(c) for c in text)


def has_diacritics(text: str) -> bool:
    """True when any letter of ``text`` carries a Vietnamese diacritic (or is ``đ``)."""
    if text.isascii():
        return False
    return any(c.isalpha() and not c.isascii() and fold_char(c) != c.lower() for c in text)


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng


@lru_cache(maxsize=65536)
def _marks(word: str) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
    """Vowel marks per letter (circumflex, breve, horn, đ's stroke) and the tones of the word.

    Tones are kept per word, not per letter, so the old and new placements agree ("hoá" = "hóa").
    """
    letters, tones = [], set()
    for ch in word.lower():
        parts = {c for c in unicodedata.normalize("NFD", ch) if unicodedata.combining(c)}
        tones |= parts & _TONES
        letters.append(frozenset(parts - _TONES | ({"stroke"} if ch == "đ" else set())))
    return tuple(letters), frozenset(tones)


@lru_cache(maxsize=65536)
def compatible(typed: str, expected: str) -> bool:
    """Could ``typed`` be ``expected`` written with some or all of its diacritics left out?

    A user who types "ban than" may mean "bán thận" or "bạn thân"; one who types "bạn thân"
    means only the latter. Every mark the user did type must be one ``expected`` has; a tone
    may sit on either vowel (old "hoá", new "hóa").

    >>> compatible("nhot", "nhốt"), compatible("nhôt", "nhốt"), compatible("bạn", "bán")
    (True, True, False)
    >>> compatible("Hoá", "hóa")
    True
    """
    if len(typed) != len(expected) or fold(typed) != fold(expected):
        return False
    typed_letters, typed_tones = _marks(typed)
    expected_letters, expected_tones = _marks(expected)
    return typed_tones <= expected_tones and all(
        t <= e for t, e in zip(typed_letters, expected_letters, strict=True)
    )


@dataclass(frozen=True, slots=True)
class Text:
    """A message with its ``clean`` and ``folded`` views and a map back to the original."""

    original: str
    clean: str
    folded: str
    # starts[i] is the offset in ``original`` of the cluster that became clean[i]; one extra
    # entry at the end holds len(original).
    starts: tuple[int, ...]

    @classmethod
    def of(cls, original: str) -> Text:
        if unicodedata.is_normalized("NFC", original) and not _INVISIBLE.search(original):
            positions = tuple(range(len(original) + 1))
            return cls(original=original, clean=original, folded=fold(original), starts=positions)
        clean_parts: list[str] = []
        starts: list[int] = []
        i, n = 0, len(original)
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(original[j]):
                j += 1
            cluster = unicodedata.normalize("NFC", original[i:j])
            for ch in cluster:
                if unicodedata.category(ch) == "Cf" or unicodedata.combining(ch):
                    ch = _FORMAT_BLANK  # invisible or orphan marks: keep the slot, drop the glyph
                clean_parts.append(ch)
                starts.append(i)
            i = j
        starts.append(n)
        clean = "".join(clean_parts)
        return cls(original=original, clean=clean, folded=fold(clean), starts=tuple(starts))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``clean``/``folded`` to the original string."""
        o_start = self.starts[start]
        if end <= start:
            return o_start, o_start
        # the end is the start of the first cluster that is not part of the span
        last = self.starts[end - 1]
        o_end = next((s for s in self.starts[end:] if s > last), len(self.original))
        return o_start, o_end
