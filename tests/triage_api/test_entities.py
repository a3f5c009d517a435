"""Entities: ages, phone numbers, countries, platforms and handles, money."""

import pytest

from triage_api.engine.entities import find_ages, find_countries, find_money, find_phones, find_platforms
from triage_api.engine.text import Text


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("con gái tôi 15 tuổi", [15]),
        ("con gai toi 15 tuoi", [15]),
        ("bé 15t đi cùng", [15]),
        ("cháu mười lăm tuổi", [15]),
        ("em hai mươi mốt tuổi", [21]),
        ("bé 3 tháng tuổi", [0]),
        ("sinh năm 2010", [16]),
        ("chưa đủ 18 tuổi", []),
        ("dưới 16 tuổi", []),
        ("lương 15tr", []),
        ("làm 15 tiếng", []),
    ],
)
def test_ages(text: str, ages: list[int]) -> None:
    assert [a.value for a in find_ages(Text.of(text), reference_year=2026)] == ages


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("gọi 0912.345.678", ["0912345678"]),
        ("sdt 0912 345 678", ["0912345678"]),
        ("+84 912 345 678", ["0912345678"]),
        ("84912345678", ["0912345678"]),
        ("096-123-4567", ["0961234567"]),
        ("số bàn 024 3825 1234", ["02438251234"]),
        ("số bên Cam +855 12 345 678", ["+85512345678"]),
        ("stk 1903 5678 9012 345", []),  # a bank account
        ("ngày 12.05.2025", []),
        ("đòi 10.000.000 đồng", []),
        ("0912345", []),
    ],
)
def test_phones(text: str, phones: list[str]) -> None:
    assert [p.number for p in find_phones(Text.of(text))] == phones


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("bị đưa sang Campuchia", ["Campuchia"]),
        ("sang cam lam viec", ["Campuchia"]),
        ("o Sihanoukville", ["Campuchia"]),
        ("bên Bò Kẹo", ["Lào"]),
        ("lấy chồng Tàu", ["Trung Quốc"]),
        ("qua tq", ["Trung Quốc"]),
        ("ở Myawaddy, Myanmar", ["Myanmar", "Myanmar"]),
        ("cam on ban", []),
        ("mua quả cam", []),
        ("đi tàu hỏa về quê", []),
        ("anh trai em", []),
    ],
)
def test_countries(text: str, countries: list[str]) -> None:
    assert [c.name for c in find_countries(Text.of(text))] == countries


def test_platforms_and_handles() -> None:
    found = find_platforms(Text.of("nó nhắn qua zalo 0987654321, tele @boss_kk, fb.com/nguyen.van.a, t.me/tuyendung"))
    assert found.platforms == ["Zalo", "Telegram", "Facebook"]
    assert [(h.platform, h.handle) for h in found.handles] == [
        ("Zalo", "0987654321"),
        ("Telegram", "@boss_kk"),
        ("Facebook", "nguyen.van.a"),
        ("Telegram", "tuyendung"),
    ]


@pytest.mark.parametrize(
    ("text", "money"),
    [
        ("đòi 300 triệu", [(300e6, "VND")]),
        ("8000 đô", [(8000, "USD")]),
        ("10k USD", [(10000, "USD")]),
        ("$8,000", [(8000, "USD")]),
        ("8.000 USD", [(8000, "USD")]),
        ("1,5 tỷ", [(1.5e9, "VND")]),
        ("5tr5", [(5.5e6, "VND")]),
        ("300 củ", [(300e6, "VND")]),
        ("2 vạn tệ", [(20000, "CNY")]),
        ("20 nghìn đô", [(20000, "USD")]),
        ("1 triệu rưỡi", [(1.5e6, "VND")]),
        ("em 15 tuổi, 3 người", []),
    ],
)
def test_money(text: str, money: list[tuple[float, str]]) -> None:
    assert [(m.amount, m.currency) for m in find_money(Text.of(text))] == money
