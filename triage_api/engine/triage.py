"""The triage engine: a message in, urgency + indicators + entities + explanation out.

normalise (:mod:`.text`) → syllable tokens and word boundaries (:mod:`.tokens`) → phrase hits
(:mod:`.patterns`) → negation and hypotheticals (:mod:`.scope`) → urgency rules (:mod:`.urgency`),
with entities (:mod:`.entities`, :mod:`.provinces`) found alongside.

>>> r = triage("Em bi nhot o Bac Giang, cuu em voi")
>>> r.urgency, [i.code for i in r.indicators], r.entities["province"]
('P1', ['CONFINEMENT', 'IMMEDIATE_DANGER'], 'Bắc Ninh')
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from triage_api.engine import danger, entities, provinces
from triage_api.engine.data import load_yaml
from triage_api.engine.patterns import Hit, find_hits
from triage_api.engine.scope import asserted
from triage_api.engine.text import Text
from triage_api.engine.tokens import Token, Words, tokenize
from triage_api.engine.urgency import Rule, Urgency, decide, model_rule

__all__ = ["Indicator", "Result", "indicator_codes", "triage", "warm_up"]

CHILD = "CHILD_INVOLVED"
DANGER = "IMMEDIATE_DANGER"
ADULT_AGE = 18
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
    triage("Em bị nhốt ở Bắc Giang, cứu em với 0912345678")


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


def _first_per_code(hits: list[Hit]) -> dict[str, Hit]:
    first: dict[str, Hit] = {}
    for h in hits:  # hits are in text order, longest first at each position
        first.setdefault(h.code, h)
    return first


def _entities(t: Text, spans: _Spans) -> tuple[dict[str, Any], list[Indicator]]:
    """Entities of the message, and CHILD_INVOLVED evidence from stated ages under 18."""
    mentions = provinces.find_provinces(t)
    ages = entities.find_ages(t)
    platforms = entities.find_platforms(t)
    found: dict[str, Any] = {
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
    minors = [spans.of_clean(CHILD, a.start, a.end) for a in ages if a.value < ADULT_AGE]
    return found, minors


def _explanation(urgency: Urgency, rule: Rule, indicators: list[Indicator], ents: dict[str, Any]) -> str:
    labels = _labels()
    parts = [f"{urgency} — {rule.vi}."]
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
    tokens = tokenize(t)
    spans = _Spans(t, tokens)
    kept = asserted(find_hits(tokens, Words(t, tokens)), tokens)
    found = _first_per_code([h for h in kept if h.group == "indicators"])
    cues = _first_per_code([h for h in kept if h.group == "cues"])
    ents, minors = _entities(t, spans)

    by_code: dict[str, Indicator] = {code: spans.of_hit(h) for code, h in found.items()}
    if CHILD not in by_code and minors:
        by_code[CHILD] = minors[0]

    rule = decide(set(by_code) | set(cues))
    second_opinion, threshold = model_rule()
    if rule.urgency != "P1" and danger.current().probability(tokens) > threshold:
        rule = second_opinion  # the model only ever raises urgency
        span = danger.current().evidence(tokens)
        if span is not None:
            by_code[DANGER] = spans.of_hit(Hit("indicators", DANGER, "", *span))
    if rule.urgency == "P4":  # not a tip: a child, a country or a word in a question is no risk indicator
        by_code.clear()
    if rule.urgency == "P1" and DANGER not in by_code:
        by_code[DANGER] = _danger_evidence(rule, cues, by_code, spans)
    indicators = sorted(by_code.values(), key=lambda i: (i.start, i.code))
    return Result(rule.urgency, indicators, ents, _explanation(rule.urgency, rule, indicators, ents), rule.id)


def _danger_evidence(rule: Rule, cues: dict[str, Hit], by_code: dict[str, Indicator], spans: _Spans) -> Indicator:
    for name in _DANGER_CUES:
        if name in cues:
            return spans.of_hit(Hit("indicators", DANGER, "", cues[name].start, cues[name].end))
    if not by_code:  # the danger model decided and found no single feature to show: the whole message
        return spans.of_hit(Hit("indicators", DANGER, "", 0, len(spans.tokens)))
    triggers = rule.all | rule.any
    trigger = next((c for c in indicator_codes() if c in by_code and c in triggers), None)
    base = by_code[trigger] if trigger else min(by_code.values(), key=lambda i: i.start)
    return Indicator(DANGER, base.evidence, base.start, base.end)
