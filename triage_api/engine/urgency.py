"""The urgency policy: the rule table of ``data/urgency.yml`` applied to a message's signals.

Signals are the indicator codes and cues the message asserts. The first rule whose ``all``,
``any`` and ``none`` conditions hold decides the urgency; its ``vi`` text heads the explanation.

>>> decide({"CONFINEMENT", "PERSON"}).urgency
'P1'
>>> decide(set()).urgency
'P4'
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from triage_api.engine.data import load_yaml

__all__ = ["Rule", "Urgency", "decide", "rules"]

Urgency = Literal["P1", "P2", "P3", "P4"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    urgency: Urgency
    all: frozenset[str]
    any: frozenset[str]
    none: frozenset[str]
    vi: str

    def applies(self, signals: AbstractSet[str]) -> bool:
        return (
            self.all <= signals
            and (not self.any or bool(self.any & signals))
            and not (self.none & signals)
        )


def _expand(names: list[str], groups: dict[str, list[str]]) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        out.update(groups.get(name, [name]))
    return frozenset(out)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The rule table, groups expanded; the last rule must apply to every message."""
    data: dict[str, Any] = load_yaml("urgency.yml")
    groups: dict[str, list[str]] = data.get("groups", {})
    table = tuple(
        Rule(
            id=r["id"],
            urgency=r["urgency"],
            all=_expand(r.get("all", []), groups),
            any=_expand(r.get("any", []), groups),
            none=_expand(r.get("none", []), groups),
            vi=r["vi"],
        )
        for r in data["rules"]
    )
    if not table or not table[-1].applies(frozenset()):
        raise ValueError("urgency.yml must end with a rule that applies to every message")
    return table


def decide(signals: AbstractSet[str]) -> Rule:
    """The first rule of the table that applies to ``signals``."""
    return next(rule for rule in rules() if rule.applies(signals))
