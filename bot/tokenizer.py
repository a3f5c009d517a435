"""A Rasa tokenizer for Vietnamese as people type it: syllables, read alike with or without diacritics.

Each syllable is a token whose text and offsets are exactly what was typed (so entities annotated on
syllables always align — RASA_NOTES pitfalls 1 and 2). Its *lemma*, which Rasa's count-vector
featurizers read by default, is the syllable lower-cased, with teencode expanded ("ko" → "không",
"cty" → "công ty") and every diacritic folded away ("nhốt" → "nhot"): "em bị nhốt", "em bi nhot"
and "e bj nhot" give the same features. Folding and the teencode table are the triage engine's own
(``triage_api.engine.text`` and ``triage_api.engine.teencode``), so the bot and the engine read
messages the same way.

With ``word_lemmas: true`` a syllable's lemma becomes its whole underthesea word ("hộ chiếu" →
``ho_chieu`` on both syllables), for messages mostly typed with diacritics (segmentation of
undiacritised text is unreliable). Whether that helps is measured by ``make eval-nlu``.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from triage_api.engine.teencode import expand
from triage_api.engine.text import Text as EngineText
from triage_api.engine.text import fold, has_diacritics

__all__ = ["VietnameseTokenizer", "syllables"]

_SYLLABLE = re.compile(r"@[\w.]+|\w+", re.UNICODE)  # a syllable, or a whole @handle
_TRUST_SHARE = 0.5  # the engine's rule: segment only messages mostly typed with diacritics


def syllables(text: str) -> list[Token]:
    """Syllable tokens of ``text`` with folded, teencode-expanded lemmas (no word lemmas)."""
    clean = EngineText.of(text).clean  # NFC, invisible characters blanked; same length as the NFC text
    if len(clean) != len(text):  # NFD input: offsets must index the text Rasa holds
        clean = text
    tokens = []
    for m in _SYLLABLE.finditer(clean):
        word = m.group()
        lemma = " ".join(fold(part) for part in expand(word.lower()))
        tokens.append(Token(text[m.start():m.end()], m.start(), m.end(), lemma=lemma))
    return tokens


def _word_lemmas(text: str, tokens: list[Token]) -> None:
    """Replace each token's lemma by its underthesea word's folded form, joined with "_"."""
    from underthesea import word_tokenize  # loaded only when asked for: ~0.3 s the first time

    typed = sum(has_diacritics(t.text) for t in tokens)
    if not tokens or typed < _TRUST_SHARE * len(tokens):
        return
    by_start = {t.start: t for t in tokens}
    cursor = 0
    for word in word_tokenize(text, use_token_normalize=False):
        members = []
        for syllable in word.split():
            at = text.find(syllable, cursor)
            if at < 0:
                members = []
                break
            cursor = at + len(syllable)
            if at in by_start:
                members.append(by_start[at])
        if len(members) > 1:
            joined = "_".join(m.lemma for m in members)
            for member in members:
                member.lemma = joined


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Syllable tokens with diacritic-folded, teencode-expanded lemmas (see the module's docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "word_lemmas": False,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        return ["vi"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = syllables(text)
        if self._config.get("word_lemmas"):
            _word_lemmas(text, tokens)
        return self._apply_token_pattern(tokens)
