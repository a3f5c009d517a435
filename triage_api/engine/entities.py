"""Entities other than provinces: ages, phone numbers, countries, platforms and handles, money.

Pure functions of a :class:`~triage_api.engine.text.Text`; spans are offsets in ``t.clean``.
Regular expressions run on the folded view, so "15 tuổi", "15 tuoi" and "15 TUỔI" are one case.

>>> t = Text.of("Con tôi 15 tuổi bị đưa sang Cam, họ đòi 8000 đô, gọi 0912.345.678 qua Zalo")
>>> [a.value for a in find_ages(t)], [p.number for p in find_phones(t)]
([15], ['0912345678'])
>>> [c.name for c in find_countries(t)], find_platforms(t).platforms
(['Campuchia'], ['Zalo'])
>>> [(m.amount, m.currency) for m in find_money(t)]
[(8000.0, 'USD')]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triage_api.engine.data import load_yaml
from triage_api.engine.gazetteer import Gazetteer, Name
from triage_api.engine.text import Text

__all__ = [
    "Age", "Country", "Handle", "Money", "Phone", "Platforms",
    "find_ages", "find_countries", "find_money", "find_phones", "find_platforms",
]


# --- ages ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Age:
    value: int
    start: int
    end: int


_UNITS = {"mot": 1, "mốt": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "nhăm": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9}
_NUMBER_WORD = r"(?:muoi|mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi)"
_AGE = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,2})\s*(?:tuoi\b|t\b(?!\s*\d)|thang\s+tuoi\b(?P<months>))"
    r"|(?P<words>" + _NUMBER_WORD + r"(?:\s+" + _NUMBER_WORD + r"){0,2})\s+tuoi\b"
    r"|\b(?:sinh\s+nam|sinh\s+nam\s+|sn|sinh)\s*(?P<year>(?:19|20)\d\d)\b"
)
# the lower end of a range: "16 đến 20 tuổi", "16-17 tuổi", "16, 17 tuổi"
_RANGE_LOW = re.compile(r"(?<![\w.,])(?P<n>\d{1,2})(?!\d)\s*(?:-|–|den|toi|va|hoac|,)?\s*(?=\d{1,2}\s*tuoi\b)")
_THRESHOLD = re.compile(r"(?:chua\s+du|duoi|tren|qua|hon|toi\s+thieu|it\s+nhat|du)\s*$")


def _words_to_number(words: str) -> int | None:
    parts = words.split()
    if parts[0] == "muoi":  # mười, mười lăm
        return 10 + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0)
    if len(parts) >= 2 and parts[1] == "muoi" and parts[0] in _UNITS:  # hai mươi, hai mươi mốt
        return 10 * _UNITS[parts[0]] + (_UNITS.get(parts[2], 0) if len(parts) > 2 else 0)
    if len(parts) == 1 and parts[0] in _UNITS and parts[0] not in ("tu", "lam", "nam"):
        return _UNITS[parts[0]]
    return None


def find_ages(t: Text, *, reference_year: int | None = None) -> list[Age]:
    """Ages of people: "15 tuổi", "15t", "mười lăm tuổi", "sinh năm 2010", "3 tháng tuổi" (→ 0).
    A threshold ("chưa đủ 18 tuổi", "dưới 16") is not an age."""
    year_now = reference_year or dt.date.today().year
    ages: list[Age] = []
    for m in _RANGE_LOW.finditer(t.folded):
        if not _THRESHOLD.search(t.folded[max(0, m.start() - 16) : m.start()]):
            ages.append(Age(int(m.group("n")), m.start(), m.start() + len(m.group("n"))))
    for m in _AGE.finditer(t.folded):
        if _THRESHOLD.search(t.folded[max(0, m.start() - 16) : m.start()]):
            continue
        if m.group("n") is not None:
            value = 0 if m.group("months") is not None else int(m.group("n"))
        elif m.group("words") is not None:
            number = _words_to_number(m.group("words"))
            if number is None:
                continue
            value = number
        else:
            value = year_now - int(m.group("year"))
        if 0 <= value <= 110:
            ages.append(Age(value, m.start(), m.end()))
    return sorted(ages, key=lambda a: a.start)


# --- phone numbers ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Phone:
    number: str  # national form for Vietnam (0912345678), E.164 for others (+85512345678)
    start: int
    end: int


_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .\-]?\d){7,13}(?!\w)")
_VN_MOBILE = re.compile(r"0[35789]\d{8}")
_VN_LANDLINE = re.compile(r"02\d{9}")


def find_phones(t: Text) -> list[Phone]:
    """Vietnamese mobile and landline numbers in any common spacing, and +country numbers."""
    phones: list[Phone] = []
    for m in _PHONE.finditer(t.clean):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        international = raw.startswith(("+", "00"))
        if raw.startswith("00"):
            digits = digits[2:]
        if digits.startswith("84") and (international or len(digits) in (11, 12)):
            national = "0" + digits[2:]
        elif international:
            if 8 <= len(digits) <= 15:
                phones.append(Phone("+" + digits, m.start(), m.end()))
            continue
        else:
            national = digits
        if _VN_MOBILE.fullmatch(national) or _VN_LANDLINE.fullmatch(national):
            phones.append(Phone(national, m.start(), m.end()))
    return phones


# --- countries and platforms ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Country:
    name: str
    code: str
    mentioned: str
    start: int
    end: int


def _cued_gazetteer(entries: list[dict[str, Any]], default_after: list[str], key: str) -> Gazetteer:
    names: list[Name] = []
    for entry in entries:
        after = frozenset(entry.get("after", default_after))
        names += [Name(n, entry[key]) for n in entry.get("names", [])]
        names += [Name(n, entry[key], cues=after) for n in entry.get("cued", [])]
    return Gazetteer(names)


@lru_cache(maxsize=1)
def _countries() -> tuple[Gazetteer, dict[str, str]]:
    data = load_yaml("countries.yml")
    return _cued_gazetteer(data["countries"], data["after"], "name"), {c["name"]: c["code"] for c in data["countries"]}


def find_countries(t: Text) -> list[Country]:
    gazetteer, codes = _countries()
    return [Country(m.value, codes[m.value], m.mentioned, m.start, m.end) for m in gazetteer.find(t)]


@dataclass(frozen=True, slots=True)
class Handle:
    platform: str
    handle: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Platforms:
    platforms: list[str]
    handles: list[Handle]


@lru_cache(maxsize=1)
def _platforms() -> Gazetteer:
    data = load_yaml("platforms.yml")
    return _cued_gazetteer(data["platforms"], data["after"], "name")


_LINKS = (
    ("Telegram", re.compile(r"(?:https?://)?t\.me/(?P<h>[A-Za-z0-9_]{3,64})")),
    ("Facebook", re.compile(r"(?:https?://)?(?:www\.|m\.)?(?:facebook|fb)\.com/(?P<h>[A-Za-z0-9_.\-]{2,80}(?:\?id=\d+)?)")),
    ("Zalo", re.compile(r"(?:https?://)?zalo\.me/(?P<h>[A-Za-z0-9_.\-]{2,64})")),
    ("TikTok", re.compile(r"(?:https?://)?(?:www\.)?tiktok\.com/(?P<h>@[A-Za-z0-9_.]{2,64})")),
)
_AT = re.compile(r"(?<![\w@.])@(?P<h>[A-Za-z0-9_][A-Za-z0-9_.]{2,63})")


def find_platforms(t: Text) -> Platforms:
    """Platforms named ("zalo", "tele", "fb"…), and handles: links, @names, a phone right after a platform."""
    mentions = _platforms().find(t)
    handles: list[Handle] = []
    taken: list[tuple[int, int]] = []
    for platform, regex in _LINKS:
        for m in regex.finditer(t.clean):
            handles.append(Handle(platform, m.group("h"), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _AT.finditer(t.clean):
        if any(s <= m.start() < e for s, e in taken):
            continue
        before = [p for p in mentions if p.end <= m.start()]
        handles.append(Handle(before[-1].value if before else "unknown", "@" + m.group("h"), m.start(), m.end()))
    for phone in find_phones(t):
        before = [p for p in mentions if p.end <= phone.start and phone.start - p.end <= 12]
        if before:
            handles.append(Handle(before[-1].value, phone.number, phone.start, phone.end))
    handles.sort(key=lambda h: h.start)
    names = list(dict.fromkeys([m.value for m in mentions] + [h.platform for h in handles if h.platform != "unknown"]))
    return Platforms(names, handles)


# --- money ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Money:
    amount: float
    currency: str
    mentioned: str
    start: int
    end: int


_MULTIPLIERS = {"k": 1e3, "nghin": 1e3, "ngan": 1e3, "van": 1e4, "tr": 1e6, "trieu": 1e6, "cu": 1e6, "ty": 1e9, "ti": 1e9, "toi": 1e9}
_CURRENCIES = {
    "usd": "USD", "do": "USD", "dola": "USD", "do la": "USD", "dollar": "USD", "$": "USD", "u": "USD",
    "vnd": "VND", "dong": "VND", "d": "VND", "vnđ": "VND",
    "te": "CNY", "nhan dan te": "CNY", "cny": "CNY", "yuan": "CNY",
    "baht": "THB", "bath": "THB", "bat": "THB", "riel": "KHR", "yen": "JPY", "won": "KRW", "euro": "EUR", "eur": "EUR",
}
_NUM = r"\d+(?:[.,]\d+)*"
_MONEY = re.compile(
    r"(?P<pre>\$)\s?(?P<pn>" + _NUM + r")(?P<pk>k)?(?![\w])"
    r"|(?<![\w.,])(?P<n>" + _NUM + r")\s*(?P<mult>trieu|nghin|ngan|van|tr|cu|ty|ti|toi|k)?(?P<frac>\d)?(?:\s+ruoi)?"
    r"\s*(?P<cur>nhan dan te|do la|dollar|dola|usd|vnd|dong|baht|bath|riel|yuan|cny|euro|eur|yen|won|te|do|d|\$)?(?![\w])"
)


def _number(text: str) -> float:
    """Vietnamese numbers: "8.000" and "8,000" are thousands; "1,5" and "1.5" are decimals."""
    groups = re.split(r"[.,]", text)
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return float("".join(groups))
    if len(groups) == 2:
        return float(f"{groups[0]}.{groups[1]}")
    return float("".join(groups))


def find_money(t: Text) -> list[Money]:
    """Amounts with a unit or a currency ("300 triệu", "8000 đô", "10k USD", "$8,000", "5tr5", "2 vạn tệ")."""
    found: list[Money] = []
    for m in _MONEY.finditer(t.folded):
        if m.group("pre"):
            amount = _number(m.group("pn")) * (1e3 if m.group("pk") else 1)
            currency = "USD"
        else:
            mult, cur = m.group("mult"), m.group("cur")
            if not mult and not cur:
                continue  # a bare number is not money
            amount = _number(m.group("n"))
            if mult:
                scale = _MULTIPLIERS[mult]
                amount *= scale
                if m.group("frac"):  # "5tr5" = 5.5 triệu
                    amount += int(m.group("frac")) * scale / 10
                if " ruoi" in m.group():
                    amount += scale / 2
            currency = _CURRENCIES[cur] if cur else "VND"
        found.append(Money(amount, currency, t.clean[m.start() : m.end()].strip(), m.start(), m.end()))
    return found
