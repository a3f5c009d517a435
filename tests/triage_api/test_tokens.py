"""Tokens: teencode, repeated letters, punctuation and emoji, word boundaries."""

from triage_api.engine.text import Text
from triage_api.engine.tokens import Words, tokenize


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(Text.of(text)) if not t.punct]


def test_emoji_are_dropped_and_clause_punctuation_kept() -> None:
    toks = tokenize(Text.of("cứu 😭 em!"))
    assert [t.text for t in toks] == ["cứu", "em", "!"]


def test_teencode_is_expanded() -> None:
    assert words("e ko dc ve, cty giu dt") == ["em", "không", "được", "ve", "công", "ty", "giu", "điện", "thoại"]
    assert words("đc sdt tq cpc") == ["được", "số", "điện", "thoại", "trung", "quốc", "campuchia"]


def test_expansion_keeps_the_span_of_the_abbreviation() -> None:
    t = Text.of("cty lừa em")
    cong, ty = tokenize(t)[:2]
    assert (cong.start, cong.end) == (ty.start, ty.end) == (0, 3)


def test_repeated_letters_collapse_to_a_known_syllable() -> None:
    assert words("cứuuuuu emmmm") == ["cứu", "em"]
    assert words("cuuuuu") == ["cuu"]  # "cứu" typed without marks keeps its double u
    assert words("nhốtttt") == ["nhốt"]
    assert words("8000 đô") == ["8000", "đô"]  # digits are never collapsed


def test_emoji_and_stray_punctuation_do_not_break_words() -> None:
    assert words("😭😭bị... nhốt!!! ở đây 🙏") == ["bị", "nhốt", "ở", "đây"]


def test_newline_ends_a_clause() -> None:
    toks = tokenize(Text.of("không\nbị nhốt"))
    assert [t.text for t in toks] == ["không", ".", "bị", "nhốt"]
    assert toks[1].punct


def test_word_boundaries_come_from_underthesea_when_diacritics_are_typed() -> None:
    t = Text.of("chị ấy đánh máy cả ngày")
    toks = tokenize(t)
    words = Words(t, toks)
    assert words.trusted
    assert not words.respects(2, 3)  # "đánh" alone cuts "đánh máy" (typing)
    assert words.respects(2, 4)


def test_word_boundaries_are_not_used_without_diacritics() -> None:
    # underthesea joins "cam cuu" here, which would hide "cứu": plain text gets no boundaries
    t = Text.of("em bi nhot o cam cuu em voi")
    words = Words(t, tokenize(t))
    assert not words.trusted
    assert words.respects(5, 6)


def test_an_expansion_is_one_word() -> None:
    t = Text.of("cty đã lừa tôi")
    toks = tokenize(t)
    assert not Words(t, toks).respects(1, 2)  # "ty" alone is half of what was typed


def test_warm_up_loads_what_the_first_real_message_would() -> None:
    """Every table the engine loads lazily is loaded by warm_up, so no request pays for it (a
    first "cứuuu" once cost 0.2 s building the list of known syllables)."""
    from triage_api.engine import tokens
    from triage_api.engine.triage import warm_up

    tokens._KNOWN.cache_clear()
    warm_up()
    assert tokens._KNOWN.cache_info().currsize == 1
