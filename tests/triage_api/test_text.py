"""Normalisation: NFC, folding, offsets back to the original, diacritic compatibility."""

import unicodedata

import pytest

from triage_api.engine.text import Text, compatible, fold, has_diacritics
from triage_api.engine.validate import check_text, has_controls, is_control, is_surrogate


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Em BỊ NHỐT ở Bắc Giang", "em bi nhot o bac giang"),
        ("ĐƯỢC đc Đắk Lắk", "duoc dc dak lak"),
        ("Thanh Hoá, Thanh Hóa", "thanh hoa, thanh hoa"),
    ],
)
def test_fold_removes_marks_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_keeps_length_for_any_character() -> None:
    odd = "İstanbul ß ﬁ 😭 中文 Ωmega"
    assert len(fold(odd)) == len(odd)


def test_nfd_input_maps_spans_back_to_the_original() -> None:
    original = unicodedata.normalize("NFD", "Con tôi bị nhốt ở Sài Gòn")
    t = Text.of(original)
    assert t.clean == "Con tôi bị nhốt ở Sài Gòn"
    start = t.clean.index("bị nhốt")
    o_start, o_end = t.original_span(start, start + len("bị nhốt"))
    assert unicodedata.normalize("NFC", original[o_start:o_end]) == "bị nhốt"


def test_zero_width_characters_are_blanked_not_removed() -> None:
    t = Text.of("bị\u200bnhốt\ufeff")
    assert t.clean == "bị nhốt "
    assert t.original_span(0, 7) == (0, 7)


@pytest.mark.parametrize(
    ("typed", "expected", "ok"),
    [
        ("nhot", "nhốt", True),
        ("nhôt", "nhốt", True),  # partial diacritics
        ("NHỐT", "nhốt", True),
        ("bạn", "bán", False),  # a different tone is a different word
        ("thận", "thân", False),
        ("thân", "thận", True),  # the tone left out
        ("duoc", "được", True),
        ("đuoc", "được", True),
        ("nhot", "nhốn", False),
    ],
)
def test_compatible(typed: str, expected: str, ok: bool) -> None:
    assert compatible(typed, expected) is ok


def test_has_diacritics() -> None:
    assert has_diacritics("bị nhốt") and has_diacritics("đi")
    assert not has_diacritics("bi nhot 123 !")


def test_the_fast_character_checks_agree_with_unicode_on_every_code_point() -> None:
    """check_text scans with regular expressions; they must say what Unicode's categories say."""
    lines = frozenset("\t\n\r")
    for point in range(0x110000):
        c = chr(point)
        control = unicodedata.category(c) == "Cc"
        assert is_control(c) == control and has_controls(c) == control, hex(point)
        assert has_controls("a" + c, allowed=lines) == (control and c not in lines), hex(point)
        assert is_surrogate(c) == (unicodedata.category(c) == "Cs"), hex(point)
        if not (control or is_surrogate(c)):
            assert (check_text(c, max_chars=10) is None) == c.isalnum(), hex(point)
