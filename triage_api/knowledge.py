"""What the bot may tell the public: rights, support, hotlines, where to go, job-offer advice — as data.

Loads ``data/knowledge.yml`` and ``data/job_offer.yml`` and refuses any entry not marked ``V``
(seen in a published source, per ``legal_vn.md``). Standard library and PyYAML only: the bot's
action server (Rasa's Python 3.10 environment) reads the same files through this module, so a
rights answer works even while the triage API is down, and nothing is written twice.

>>> answer = rights_answer("nan nhan dc ho tro nhung gi")
>>> answer.topic, "Điều 37" in answer.cite
('support', True)
>>> rights_answer("luật sư có mất tiền không").topic
'legal_aid'
>>> "Hà Tĩnh" in in_person("Hà Tĩnh") and "Điều 27" in in_person(None)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from triage_api.engine.data import load_yaml
from triage_api.engine.teencode import expand
from triage_api.engine.text import fold

__all__ = ["Answer", "hotlines", "in_person", "job_offer_advice", "rights_answer", "verified"]

_WORD = re.compile(r"\w+")


class Unverified(ValueError):
    """A fact not marked V reached the public knowledge base."""


def verified(entry: dict[str, Any], where: str) -> dict[str, Any]:
    if entry.get("status") != "V":
        raise Unverified(f"{where}: only facts marked V may be shown to the public")
    return entry


@dataclass(frozen=True)
class Answer:
    topic: str
    text: str
    cite: str

    def render(self) -> str:
        return f"{self.text} ({self.cite}.) Cần tư vấn thêm: gọi 111 (miễn phí, 24/7)."


@lru_cache(maxsize=1)
def _knowledge() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("knowledge.yml")
    for topic in data["topics"]:
        verified(topic, f"topic {topic['id']}")
    for line in data["hotlines"]:
        verified(line, f"hotline {line['number']}")
    verified(data["in_person"], "in_person")
    return data


def _folded_words(text: str) -> str:
    words = [fold(part) for w in _WORD.findall(text.lower()) for part in expand(w)]
    return " " + " ".join(words) + " "


def rights_answer(question: str) -> Answer:
    """The topic whose keyword the question holds (first in the file wins), else the general rights."""
    said = _folded_words(question)
    topics = _knowledge()["topics"]
    chosen = next((t for t in topics if any(f" {k} " in said for k in t["keywords"])), None)
    if chosen is None:
        chosen = next(t for t in topics if t["id"] == "rights")
    return Answer(chosen["id"], " ".join(chosen["answer"].split()), chosen["cite"])


def hotlines() -> str:
    """«113: …; 111: …» in one line."""
    return "; ".join(f"{h['number']}: {h['what']}" for h in _knowledge()["hotlines"])


def in_person(province: str | None, *, abroad: bool = False) -> str:
    """Where to go in person: the commune and police anywhere, the province's offices when known."""
    spec = _knowledge()["in_person"]
    parts = [" ".join(spec["anywhere"].split())]
    if province:
        parts.append(" ".join(spec["province"].split()).format(province=province))
    if abroad:
        parts.append(spec["abroad"])
    return " ".join(parts) + f" ({spec['cite']}.)"


def job_offer_advice(codes: list[str]) -> str:
    """Warning signs for the indicator codes found in an offer, then what to check before going."""
    data: dict[str, Any] = load_yaml("job_offer.yml")
    signs = [f"⚠️ {data['signs'][c]}" for c in codes if c in data["signs"]]
    head = ["Lời mời này có dấu hiệu đáng lo:", *signs] if signs else [data["none_found"]]
    return "\n".join([*head, "Trước khi đi, hãy kiểm tra:", *(f"• {item}" for item in data["checklist"])])
