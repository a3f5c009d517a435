"""A statistical second opinion on danger: logistic regression over a message's syllables.

The rule table is precise, but it only knows the phrasing it was written for: on held-out messages
it missed about one emergency in six (README, Results). This model reads the same tokens — folded
syllables and syllable pairs, teencode already expanded, so diacritics do not matter — and when it
is confident a message reports danger now, the message is P1 whatever the rules said. It only ever
*raises* urgency to P1; it never lowers one.

It is trained when the engine starts, in well under a second, on the labelled messages of
``eval/triage_dev.jsonl`` (P1 against the rest): no trained artefact is stored or downloaded, and
the model changes only when the labelled data does. Training is deterministic (full-batch gradient
descent from zeros, stable hashing). The threshold and the operator's explanation are data
(``urgency.yml``, ``model``); the threshold was chosen by 5-fold cross-validation on the dev set.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from triage_api.engine.text import Text
from triage_api.engine.tokens import Token, tokenize

__all__ = ["DangerModel", "current", "model", "train", "trained_on"]

_DIM = 1 << 15
_ITERATIONS = 300
_STEP = 10.0
_L2 = 1e-4
TRAINING_SET = Path(__file__).resolve().parents[2] / "eval" / "triage_dev.jsonl"


def _features(tokens: Sequence[Token]) -> dict[int, tuple[int, int]]:
    """Hashed unigram and bigram features of the words, each with the token span it came from."""
    words = [(i, t.norm) for i, t in enumerate(tokens) if not t.punct]
    out: dict[int, tuple[int, int]] = {}
    for k, (i, word) in enumerate(words):
        out.setdefault(zlib.crc32(f"u {word}".encode()) % _DIM, (i, i + 1))
        if k + 1 < len(words):
            j, nxt = words[k + 1]
            out.setdefault(zlib.crc32(f"b {word} {nxt}".encode()) % _DIM, (i, j + 1))
    return out


@dataclass(frozen=True, slots=True)
class DangerModel:
    weights: npt.NDArray[np.float64]
    bias: float

    def probability(self, tokens: Sequence[Token]) -> float:
        """How likely the message is a P1 report, from 0 to 1."""
        features = list(_features(tokens))
        z = float(self.weights[features].sum()) + self.bias if features else self.bias
        return 1.0 / (1.0 + float(np.exp(-z)))

    def evidence(self, tokens: Sequence[Token]) -> tuple[int, int] | None:
        """The token span of the feature that pushes hardest towards danger — a pair of syllables
        if one does at all, since "đang ở" tells an operator more than "đang"."""
        features = {f: span for f, span in _features(tokens).items() if self.weights[f] > 0}
        pairs = {f: span for f, span in features.items() if span[1] - span[0] > 1}
        pool = pairs or features
        return pool[max(pool, key=lambda f: self.weights[f])] if pool else None


def train(texts: Sequence[str], labels: Sequence[bool]) -> DangerModel:
    """Fit the model: L2-regularised logistic regression by full-batch gradient descent."""
    rows: list[int] = []
    cols: list[int] = []
    for n, text in enumerate(texts):
        features = list(_features(tokenize(Text.of(text))))
        rows += [n] * len(features)
        cols += features
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    y = np.array(labels, dtype=np.float64)
    count = len(texts)
    weights, bias = np.zeros(_DIM), 0.0
    for _ in range(_ITERATIONS):
        z = np.bincount(r, weights=weights[c], minlength=count) + bias
        error = 1.0 / (1.0 + np.exp(-z)) - y
        gradient = np.bincount(c, weights=error[r], minlength=_DIM) / count + _L2 * weights
        weights -= _STEP * gradient
        bias -= _STEP * float(error.mean())
    return DangerModel(weights, bias)


@lru_cache(maxsize=1)
def model() -> DangerModel:
    """The model trained on the labelled set (``TRIAGE_TRAINING_SET`` overrides its path).

    A missing or empty set is an error, not a silently weaker engine.
    """
    path = Path(os.environ.get("TRIAGE_TRAINING_SET", TRAINING_SET))
    with path.open(encoding="utf-8") as f:
        items = [json.loads(line) for line in f if line.strip()]
    if not any(i["urgency"] == "P1" for i in items) or all(i["urgency"] == "P1" for i in items):
        raise ValueError(f"{path}: the danger model needs P1 and non-P1 examples")
    return train([i["text"] for i in items], [i["urgency"] == "P1" for i in items])


_override: list[DangerModel] = []


def current() -> DangerModel:
    """The model the engine uses now: the labelled-set model, unless :func:`trained_on` is active."""
    return _override[-1] if _override else model()


@contextmanager
def trained_on(texts: Sequence[str], labels: Sequence[bool]) -> Iterator[DangerModel]:
    """Use a model trained on these messages for a while: cross-validation scores the engine on
    messages its model has not seen."""
    _override.append(train(texts, labels))
    try:
        yield _override[-1]
    finally:
        _override.pop()
