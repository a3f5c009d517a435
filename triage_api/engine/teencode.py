"""Chat abbreviations and teencode: "ko" → "không", "cty" → "công ty" (the table is ``data/teencode.yml``).

Standard library only (with PyYAML): the bot's tokenizer, in Rasa's Python 3.10 environment, expands
abbreviations with this same module and table, so the bot and the engine read messages alike.

>>> expand("ko"), expand("cty"), expand("đc"), expand("nhà")
(('không',), ('công', 'ty'), ('được',), ('nhà',))
"""

from __future__ import annotations

from functools import lru_cache

from triage_api.engine.data import load_yaml

__all__ = ["expand", "expansions"]


@lru_cache(maxsize=1)
def expansions() -> dict[str, tuple[str, ...]]:
    """Lower-case abbreviation → the syllables it stands for."""
    raw: dict[str, str] = load_yaml("teencode.yml")["expansions"]
    return {key: tuple(value.split()) for key, value in raw.items()}


def expand(word: str) -> tuple[str, ...]:
    """The syllables a lower-case ``word`` stands for; ``(word,)`` when it is no abbreviation.
    A key written without "đ" also covers the spelling with it ("dc" and "đc")."""
    table = expansions()
    if word in table:
        return table[word]
    if "đ" in word and word.replace("đ", "d") in table:
        return table[word.replace("đ", "d")]
    return (word,)
