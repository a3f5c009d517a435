"""The triage engine: a message in, urgency + indicators + entities + explanation out.

normalise (:mod:`.text`) → the rule stage (:mod:`.rules`: syllable tokens, phrase hits, negation and
hypotheticals, the urgency table) → the learned stage (:mod:`.model`), which decides with the rules'
signals and the message's words → indicators with evidence spans in the caller's text; entities
(:mod:`.entities`, :mod:`.provinces`) are found alongside.

>>> r = triage("Em bi nhot o Bac Giang, cuu em voi")
>>> r.urgency, [i.code for i in r.indicators], r.entities["province"]
('P1', ['CONFINEMENT', 'IMMEDIATE_DANGER'], 'Bắc Ninh')
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from triage_api.engine import entities, model, provinces
from triage_api.engine.data import load_yaml
from triage_api.engine.entities import Age
from triage_api.engine.patterns import Hit
from triage_api.engine.rules import CHILD, Analysis, analyse
from triage_api.engine.text import Text
from triage_api.engine.tokens import Token
from triage_api.engine.urgency import Urgency

__all__ = ["Indicator", "Result", "indicator_codes", "triage", "warm_up"]

DANGER = "IMMEDIATE_DANGER"
# cues that show the danger is now, in the order they make the best evidence for IMMEDIATE_DANGER
_DANGER_CUES = ("PLEA", "RANSOM", "IMMINENT", "NOW")


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    evidence: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Result:
    urgency: Urgency
    indicators: list[Indicator]
    entities: dict[str, Any]
    explanation: str
    rule: str = field(default="")


@lru_cache(maxsize=1)
def indicator_codes() -> tuple[str, ...]:
    """The indicator codes of the contract (``data/indicators.yml``), in taxonomy order."""
    return tuple(load_yaml("indicators.yml")["indicators"])


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    taxonomy: dict[str, dict[str, str]] = load_yaml("indicators.yml")["indicators"]
    return {code: spec.get("short", spec["vi"]) for code, spec in taxonomy.items()}


def warm_up() -> None:
    """Load every model and table now, so the first request is as fast as the rest."""
    triage("Em bị nhốt ở Bắc Giang, cứuuu em với 0912345678")  # a repeated letter loads the syllable list


class _Spans:
    """Token and ``clean`` spans mapped to the caller's original text."""

    def __init__(self, t: Text, tokens: list[Token]) -> None:
        self.t, self.tokens = t, tokens

    def of_hit(self, hit: Hit) -> Indicator:
        start, end = self.tokens[hit.start].start, self.tokens[hit.end - 1].end
        return self.of_clean(hit.code, start, end)

    def of_clean(self, code: str, start: int, end: int) -> Indicator:
        o_start, o_end = self.t.original_span(start, end)
        return Indicator(code, self.t.original[o_start:o_end], o_start, o_end)


def _entities(t: Text, ages: list[Age]) -> dict[str, Any]:
    mentions = provinces.find_provinces(t)
    platforms = entities.find_platforms(t)
    return {
        "province": mentions[0].province if mentions else None,
        "province_mentioned": mentions[0].mentioned if mentions else None,
        "provinces": list(dict.fromkeys(m.province for m in mentions)),
        "ages": [a.value for a in ages],
        "phones": list(dict.fromkeys(p.number for p in entities.find_phones(t))),
        "countries": list(dict.fromkeys(c.name for c in entities.find_countries(t))),
        "platforms": platforms.platforms,
        "handles": [{"platform": h.platform, "handle": h.handle} for h in platforms.handles],
        "money": [
            {"amount": m.amount, "currency": m.currency, "text": m.mentioned}
            for m in entities.find_money(t)
        ],
    }


def _explanation(urgency: Urgency, a: Analysis, by_model: bool, indicators: list[Indicator], ents: dict[str, Any]) -> str:
    labels = _labels()
    why = a.rule.vi if not by_model else f"{model.policy().vi} (quy tắc: {a.rule.urgency}, {a.rule.vi.lower()})"
    parts = [f"{urgency} — {why}."]
    shown = [f"{labels[i.code]} «{i.evidence}»" for i in indicators if i.code != DANGER]
    if not shown:  # only the danger itself: show its evidence
        shown = [f"{labels[i.code]} «{i.evidence}»" for i in indicators]
    if shown:
        parts.append("Dấu hiệu: " + "; ".join(shown) + ".")
    if ents.get("province"):
        written = ents["province_mentioned"]
        where = ents["province"] + (f" (viết «{written}»)" if written != ents["province"] else "")
        parts.append(f"Tỉnh: {where}.")
    if ents.get("countries"):
        parts.append("Nước: " + ", ".join(ents["countries"]) + ".")
    return " ".join(parts)


# underthesea and spaCy are not documented as thread-safe, and the API runs requests in a thread
# pool; the engine is CPU-bound under the GIL anyway, so one lock costs no throughput.
_lock = threading.RLock()


def triage(text: str) -> Result:
    """Classify one message. ``text`` may be in any Unicode normal form; offsets refer to it."""
    with _lock:
        return _triage(text)


def _triage(text: str) -> Result:
    t = Text.of(text)
    ages = entities.find_ages(t)
    a = analyse(t, ages)
    ents = _entities(t, ages)
    spans = _Spans(t, a.tokens)
    d = model.current().decide(a)
    urgency: Urgency = d.urgency  # type: ignore[assignment]
    by_code: dict[str, Indicator] = {}
    if urgency != "P4":  # not a tip: a child, a country or a word in a question is no risk indicator
        for code, span in d.codes.items():
            if span is not None:  # the model's, shown by the words that weigh most for it
                by_code[code] = spans.of_hit(Hit("indicators", code, "", *span))
            elif code in a.found:
                by_code[code] = spans.of_hit(a.found[code])
            elif a.minor is not None:  # a stated age under 18
                by_code[code] = spans.of_clean(CHILD, *a.minor)
    if urgency == "P1":
        by_code[DANGER] = _danger_evidence(a, d, by_code, spans)
    indicators = sorted(by_code.values(), key=lambda i: (i.start, i.code))
    rule_id = model.policy().id if d.by_model else a.rule.id
    return Result(urgency, indicators, ents, _explanation(urgency, a, d.by_model, indicators, ents), rule_id)


def _danger_evidence(a: Analysis, d: model.Decision, by_code: dict[str, Indicator], spans: _Spans) -> Indicator:
    """What shows the danger now: a plea, a ransom, "tonight", "now"; else the words the model weighs
    most for P1; else the sign that triggered the P1 rule; else the whole message."""
    for name in _DANGER_CUES:
        if name in a.cues:
            return spans.of_hit(Hit("indicators", DANGER, "", a.cues[name].start, a.cues[name].end))
    if d.by_model and d.danger_evidence is not None:
        return spans.of_hit(Hit("indicators", DANGER, "", *d.danger_evidence))
    triggers = a.rule.all | a.rule.any
    trigger = next((c for c in indicator_codes() if c in by_code and c in triggers), None)
    if trigger is not None:
        base = by_code[trigger]
        return Indicator(DANGER, base.evidence, base.start, base.end)
    if d.danger_evidence is not None:
        return spans.of_hit(Hit("indicators", DANGER, "", *d.danger_evidence))
    return spans.of_hit(Hit("indicators", DANGER, "", 0, len(spans.tokens)))
