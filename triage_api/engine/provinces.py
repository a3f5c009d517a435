"""Provinces: the 34 units of 2025, found from new names, the 63 old ones, short forms and cities.

``provinces_2025.csv`` (the contract) gives the new units and what merged into them;
``province_aliases.yml`` adds the other ways people write them. The mention keeps what the
person wrote, so an operator sees both "Bắc Giang" (typed) and "Bắc Ninh" (the unit today).

>>> from triage_api.engine.text import Text
>>> [(m.province, m.mentioned) for m in find_provinces(Text.of("em o bac giang, chi o SG"))]
[('Bắc Ninh', 'bac giang'), ('TP Hồ Chí Minh', 'SG')]
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triage_api.engine.data import data_path, load_yaml
from triage_api.engine.gazetteer import Gazetteer, Name
from triage_api.engine.text import Text, fold

__all__ = ["ProvinceMention", "find_provinces", "province_names", "provinces"]


@dataclass(frozen=True, slots=True)
class ProvinceMention:
    province: str
    mentioned: str
    start: int
    end: int


@lru_cache(maxsize=1)
def provinces() -> dict[str, tuple[str, ...]]:
    """The 34 provinces and, for each, the pre-2025 provinces merged into it."""
    with data_path("provinces_2025.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {row["province"]: tuple(p for p in row["merged_from"].split(";") if p) for row in rows}


def province_names() -> tuple[str, ...]:
    return tuple(provinces())


@lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    extra: dict[str, Any] = load_yaml("province_aliases.yml")
    case_sensitive = set(extra["case_sensitive"])
    cued = {fold(n) for n in extra["cued"]["names"]}
    cue_words = frozenset(extra["cued"]["after"])
    persons = frozenset(extra["cued"]["capitalised_unless_after"])
    spellings: dict[str, str] = {}
    for new, merged in provinces().items():
        for spelling in (new, *merged, *extra["aliases"].get(new, [])):
            spellings.setdefault(spelling, new)
    for new, aliases in extra["aliases"].items():
        if new not in provinces():
            raise ValueError(f"province_aliases.yml: {new!r} is not one of the 34 provinces")
        for spelling in aliases:
            spellings.setdefault(spelling, new)
    return Gazetteer(
        Name(
            spelling,
            province,
            case_sensitive=spelling in case_sensitive,
            cues=cue_words if fold(spelling) in cued or spelling in case_sensitive else frozenset(),
            capitalised=True,
            not_after=persons,
        )
        for spelling, province in spellings.items()
    )


def find_provinces(t: Text) -> list[ProvinceMention]:
    """Every province mentioned in ``t``, in text order (spans in ``t.clean``)."""
    return [ProvinceMention(m.value, m.mentioned, m.start, m.end) for m in _gazetteer().find(t)]
