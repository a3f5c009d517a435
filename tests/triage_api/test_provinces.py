"""Provinces: every new and old name, with and without diacritics, short forms, and no false friends."""

import csv
from pathlib import Path

import pytest

from triage_api.engine.provinces import find_provinces, provinces
from triage_api.engine.text import Text, fold

CSV = Path(__file__).resolve().parents[2] / "triage_api" / "data" / "provinces_2025.csv"


def resolve(text: str) -> list[str]:
    return [m.province for m in find_provinces(Text.of(text))]


def all_names() -> list[tuple[str, str]]:
    with CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    pairs = [(row["province"], row["province"]) for row in rows]
    pairs += [(old, row["province"]) for row in rows for old in row["merged_from"].split(";") if old]
    return pairs


def test_34_provinces_from_63() -> None:
    units = provinces()
    assert len(units) == 34
    old = {o for merged in units.values() for o in merged} | {p for p, merged in units.items() if not merged}
    assert len(old) == 63


@pytest.mark.parametrize(("name", "province"), all_names())
@pytest.mark.parametrize("form", ["as written", "no diacritics", "upper case"])
def test_every_new_and_old_name_resolves(name: str, province: str, form: str) -> None:
    typed = {"as written": name, "no diacritics": fold(name), "upper case": name.upper()}[form]
    mentions = find_provinces(Text.of(f"em ở {typed} bị lừa"))
    assert [m.province for m in mentions] == [province]
    assert mentions[0].mentioned == typed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chị ở Sài Gòn", ["TP Hồ Chí Minh"]),
        ("o tphcm", ["TP Hồ Chí Minh"]),
        ("TP.HCM", ["TP Hồ Chí Minh"]),
        ("lên HN làm", ["Hà Nội"]),
        ("quê Thanh Hoá", ["Thanh Hóa"]),
        ("Đăk Nông", ["Lâm Đồng"]),
        ("dak lak", ["Đắk Lắk"]),
        ("Bà Rịa-Vũng Tàu", ["TP Hồ Chí Minh"]),
        ("Kontum", ["Quảng Ngãi"]),
        ("TT Huế", ["Huế"]),
        ("từ Bắc Giang lên Lào Cai rồi sang Lào", ["Bắc Ninh", "Lào Cai"]),
        ("ở Hòa Bình", ["Phú Thọ"]),
    ],
)
def test_short_forms_and_variants(text: str, expected: list[str]) -> None:
    assert resolve(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hn em di hoc",  # teencode for "hôm nay"
        "sang Lào làm việc",  # a country
        "mong thế giới hòa bình",  # peace
        "bạn thân của em",
        "Nam ơi",
        "cao bằng anh ấy",
    ],
)
def test_no_false_provinces(text: str) -> None:
    assert resolve(text) == []


def test_mention_span_is_what_was_typed() -> None:
    t = Text.of("Nhà em ở bac giang ạ")
    m = find_provinces(t)[0]
    assert t.clean[m.start : m.end] == m.mentioned == "bac giang"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chau e 11t bi ng la du len xe o truong tieu hoc Bao Lam Cao Bang", "Cao Bằng"),  # a proper noun after a district
        ("bà Tư, 58 tuổi, Vĩnh Long, báo con trai mất liên lạc", "Vĩnh Long"),
        ("em o Tan Chau An Giang, ban em 16 tuoi", "An Giang"),
        ("dang bi giu o nha nghi Hoa Binh", "Phú Thọ"),
        ("xe dang chay ve huong Cao Bang", "Cao Bằng"),  # after a place word
        ("bán con cho người ở hn lấy 50tr", "Hà Nội"),  # "hn" after a place word is the city, not "hôm nay"
        ("nhân viên quán karaoke ở thành phố Vinh", "Nghệ An"),
        ("ban toi lam o cho Vinh", "Nghệ An"),
    ],
)
def test_names_that_are_also_words_count_as_proper_nouns_or_after_a_place_word(text: str, expected: str) -> None:
    assert [m.province for m in find_provinces(Text.of(text))][:1] == [expected]


@pytest.mark.parametrize(
    "text",
    ["chị Thái Bình bán hàng ở chợ", "anh Vinh nói là được", "Hòa bình thế giới", "hn e di hoc", "cao bang nhau"],
)
def test_people_and_words_named_like_a_province_are_not_provinces(text: str) -> None:
    assert find_provinces(Text.of(text)) == []
