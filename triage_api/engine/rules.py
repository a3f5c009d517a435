"""The rule stage: what the phrase rules say a message asserts, and the urgency the rule table gives it.

tokens (:mod:`.tokens`) → phrase hits (:mod:`.patterns`) → negation and hypotheticals (:mod:`.scope`)
→ the first asserted hit of each indicator code and cue, plus a stated age under 18 → the first rule
of ``data/urgency.yml`` that applies. The learned stage (:mod:`.model`) reads all of it as features.

>>> from triage_api.engine.text import Text
>>> a = analyse(Text.of("Em bi nhot o Bac Giang, cuu em voi"))
>>> sorted(a.found), sorted(a.cues), a.rule.urgency
(['CONFINEMENT'], ['PERSON', 'PLEA'], 'P1')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from triage_api.engine.entities import Age
from triage_api.engine.patterns import Hit, find_hits
from triage_api.engine.scope import asserted
from triage_api.engine.text import Text
from triage_api.engine.tokens import Token, Words, tokenize
from triage_api.engine.urgency import Rule, decide

__all__ = ["ADULT_AGE", "CHILD", "Analysis", "analyse"]

CHILD = "CHILD_INVOLVED"
ADULT_AGE = 18


@dataclass(frozen=True, slots=True)
class Analysis:
    """One message as the rules see it. Spans of hits are token indices; ``minor`` is a span of
    :attr:`Text.clean` (a stated age under 18)."""

    text: Text
    tokens: list[Token]
    found: dict[str, Hit]  # indicator code → its first asserted hit
    cues: dict[str, Hit]  # cue → its first asserted hit
    cancelled: frozenset[str]  # codes and cues whose every hit negation, a hypothetical or a question removed
    minor: tuple[int, int] | None
    rule: Rule

    @property
    def codes(self) -> frozenset[str]:
        """The indicator codes the rules found, a stated child's age included."""
        return frozenset(self.found) | ({CHILD} if self.minor is not None else frozenset())


def _first_per_code(hits: list[Hit]) -> dict[str, Hit]:
    first: dict[str, Hit] = {}
    for h in hits:  # hits are in text order, longest first at each position
        first.setdefault(h.code, h)
    return first


def analyse(t: Text, ages: Sequence[Age] = ()) -> Analysis:
    """Run the rules on a normalised message; ``ages`` are its ages (:func:`entities.find_ages`)."""
    tokens = tokenize(t)
    hits = find_hits(tokens, Words(t, tokens))
    kept = asserted(hits, tokens)
    found = _first_per_code([h for h in kept if h.group == "indicators"])
    cues = _first_per_code([h for h in kept if h.group == "cues"])
    seen = {h.code for h in hits if h.group in ("indicators", "cues")}
    minor = next(((a.start, a.end) for a in ages if a.value < ADULT_AGE), None)
    codes = set(found) | ({CHILD} if minor is not None else set())
    return Analysis(
        t, tokens, found, cues, frozenset(seen - set(found) - set(cues)), minor, decide(codes | set(cues))
    )
