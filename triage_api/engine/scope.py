"""Negation and hypothetical scope: which hits a message actually asserts.

* A **negation** ("không", "chưa", "chẳng"…) cancels a hit that begins right after it, or after
  only a few light words ("không hề bị nhốt", "chưa từng bị đánh"); a hit whose own phrase
  begins with the negation ("không cho về") is the indicator itself and stays.
* A **hypothetical** ("nếu", "lỡ", "giả sử", "thế nào là"…) cancels every hit after it up to the
  end of its sentence: "nếu bị nhốt thì làm sao?" asks about rights and reports nothing, while
  "em bị nhốt, nếu không trả tiền họ sẽ bán em" still reports the confinement.
* A **general question** — a sentence that asks and names no one, pleads for nothing, says no
  "now" — cancels the hits in it: "bị giữ hộ chiếu có phải là mua bán người không?".

Both only ever *remove* hits, and only where the words are explicit: when in doubt the engine
keeps an indicator, because a missed emergency costs more than a second look by an operator.
"""

from __future__ import annotations

from collections.abc import Sequence

from triage_api.engine.patterns import Hit, compiled
from triage_api.engine.tokens import Token

__all__ = ["asserted"]

_SENTENCE_END = frozenset(".!?;…")


def _sentence_start(tokens: Sequence[Token], index: int) -> int:
    i = index
    while i > 0 and tokens[i - 1].text not in _SENTENCE_END:
        i -= 1
    return i


def _negated(hit: Hit, cues: list[Hit], tokens: Sequence[Token]) -> bool:
    between_ok = compiled().negation_between
    for cue in cues:
        if cue.end > hit.start or cue.start >= hit.start:
            continue
        gap = tokens[cue.end : hit.start]
        if len(gap) <= 3 and all(t.norm in between_ok and not t.punct for t in gap):
            return True
    return False


def _hypothetical(hit: Hit, cues: list[Hit], tokens: Sequence[Token]) -> bool:
    sentence = _sentence_start(tokens, hit.start)
    return any(sentence <= cue.start and cue.end <= hit.start for cue in cues)


def _sentences(tokens: Sequence[Token]) -> list[int]:
    """The sentence number of each token (a sentence includes the mark that ends it)."""
    numbers, n = [], 0
    for tok in tokens:
        numbers.append(n)
        n += tok.text in _SENTENCE_END
    return numbers


def _general_questions(hits: Sequence[Hit], sentence_of: list[int]) -> set[int]:
    """Sentences that ask something and name no one in particular, plead for nothing, say no "now"."""
    unless = compiled().question_unless
    asking = {sentence_of[h.start] for h in hits if h.group == "question"}
    reporting = {sentence_of[h.start] for h in hits if h.group == "cues" and h.code in unless}
    return asking - reporting


def asserted(hits: Sequence[Hit], tokens: Sequence[Token]) -> list[Hit]:
    """The indicator and cue hits that are neither negated, hypothetical nor in a general question."""
    indicator_hits = [h for h in hits if h.group == "indicators"]
    negations = [  # a negation word inside an indicator phrase is part of it: plain "nha chua" is "nhà chứa"
        h for h in hits
        if h.group == "negation" and not any(i.start <= h.start and h.end <= i.end and i.start < h.start for i in indicator_hits)
    ]
    # "nếu" after a reported fact is the condition of a threat ("họ sẽ bán anh tôi nếu không nộp
    # tiền"), not a hypothetical question: only a cue with no indicator before it in its sentence counts
    hypotheticals = [
        h for h in hits
        if h.group == "hypothetical"
        and not any(i.end <= h.start and _sentence_start(tokens, h.start) <= i.start for i in indicator_hits)
    ]
    sentence_of = _sentences(tokens)
    questions = _general_questions(
        [h for h in hits if h.group == "question" or not _negated(h, negations, tokens)], sentence_of
    )
    out: list[Hit] = []
    for hit in hits:
        if hit.group not in ("indicators", "cues") or sentence_of[hit.start] in questions:
            continue
        if _negated(hit, negations, tokens) or _hypothetical(hit, hypotheticals, tokens):
            continue
        out.append(hit)
    return out
