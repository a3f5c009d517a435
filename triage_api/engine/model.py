"""The learned stage: urgency and indicators from the rules' signals and the message's own words.

The rules (:mod:`.rules`) are precise, but they know only the phrasing written into them; on messages
by writers they were not tuned on they missed signs and misjudged urgency (README, Results). This stage
learns from every labelled development message how the rules' signals and the words people use map to
the labels, and decides with the rules, not instead of them:

* **features** — the codes and cues the rules asserted, those that negation or a hypothetical cancelled,
  the rule that applied and its urgency, and the folded syllables and syllable pairs of the message
  (teencode expanded, so diacritics do not matter); hashed, binary;
* **urgency** — a softmax regression over P1–P4. A message is P1 when the model gives P1 at least
  ``p1``, or when the rules say P1 and the model gives P1 at least ``keep_p1`` (a rule's emergency is
  hard to talk down). Otherwise the rule's urgency stands while the model gives it at least ``keep``;
  below that, the message takes the model's likeliest of P2–P4 — but a message in which the rules
  found a sign is called "not a tip" (P4) only when the model gives P4 at least ``p4``;
* **indicators** — a logistic regression per code. A code the rules found stays unless the model gives
  it less than ``drop``; a code they missed is added at ``add`` or more, with the syllables that weigh
  most for it as evidence (no evidence, no indicator).

The thresholds and the training sets are data (``urgency.yml``, ``model``). Training is deterministic
(full-batch gradient descent from zeros, stable hashing) and takes seconds; the weights are cached in
``var/cache`` under a hash of everything they depend on, so they are trained again exactly when the
data, the rules or this code change. No trained artefact is committed or downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from triage_api.engine import entities
from triage_api.engine.data import DATA_DIR, load_yaml
from triage_api.engine.rules import Analysis, analyse
from triage_api.engine.text import Text, fold, has_diacritics

__all__ = ["URGENCIES", "Decision", "Labelled", "Model", "Policy", "current", "model", "policy", "train", "trained_on",
           "with_stripped_copies"]

log = logging.getLogger("triage_api.engine.model")

ROOT = Path(__file__).resolve().parents[2]
URGENCIES = ("P1", "P2", "P3", "P4")
DANGER = "IMMEDIATE_DANGER"  # follows from P1, never learned on its own
_DIM = 1 << 15
# 400 → 800 on 2026-12-07: dev sets each scored unseen, urgency 0.931 → 0.933, P1 recall/precision 0.991/0.934 →
# 0.992/0.935 (a higher L2 was worse)
_ITERATIONS = 800
_STEP = {"urgency": 4.0, "codes": 8.0}
_L2 = 1e-4

Span = tuple[int, int]
Features = dict[int, Span | None]  # hashed feature → the token span of the words it stands for, if any
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    urgency: str
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Policy:
    """How the model's probabilities and the rules combine (``urgency.yml``, ``model``)."""

    id: str
    vi: str
    p1: float
    keep_p1: float
    keep: float
    p4: float
    add: float
    drop: float
    train: tuple[str, ...]


@lru_cache(maxsize=1)
def policy() -> Policy:
    spec: dict[str, Any] = load_yaml("urgency.yml")["model"]
    p = Policy(spec["id"], spec["vi"], float(spec["p1"]), float(spec["keep_p1"]), float(spec["keep"]), float(spec["p4"]),
               float(spec["add"]), float(spec["drop"]), tuple(spec["train"]))
    if not (0 < p.keep_p1 <= p.p1 < 1 and 0 <= p.keep < 1 and 0 < p.drop < p.add < 1):
        raise ValueError("urgency.yml: model needs 0 < keep_p1 <= p1 < 1, 0 <= keep < 1 and 0 < drop < add < 1")
    return p


def _hash(name: str) -> int:
    return zlib.crc32(name.encode()) % _DIM


def features(a: Analysis) -> Features:
    """The hashed features of an analysed message, each with the words it came from (signals have none)."""
    out: Features = {_hash("bias"): None}
    for code in a.codes:
        out[_hash("c " + code)] = None
    for cue in a.cues:
        out[_hash("q " + cue)] = None
    for name in a.cancelled:
        out[_hash("x " + name)] = None
    out[_hash("r " + a.rule.id)] = None
    out[_hash("u " + a.rule.urgency)] = None
    words = [(i, t.norm) for i, t in enumerate(a.tokens) if not t.punct]
    for k, (i, word) in enumerate(words):
        out.setdefault(_hash("w " + word), (i, i + 1))
        if k + 1 < len(words):
            j, nxt = words[k + 1]
            out.setdefault(_hash(f"b {word} {nxt}"), (i, j + 1))
    return out


def _analysis(text: str) -> Analysis:
    t = Text.of(text)
    return analyse(t, entities.find_ages(t))


class _Batch:
    """Binary feature rows of many messages as a sparse matrix. Only the features that occur are
    trained (``used``); the rest keep weight zero."""

    def __init__(self, rows: Sequence[Sequence[int]]) -> None:
        self.n = len(rows)
        hashed = np.array([c for row in rows for c in row], dtype=np.int64)
        self.used, cols = np.unique(hashed, return_inverse=True)  # compact column numbers
        row_of = np.repeat(np.arange(self.n), [len(row) for row in rows])
        self.x = sparse.csr_matrix((np.ones(len(cols)), (row_of, cols)), shape=(self.n, len(self.used)))
        self.xt = self.x.T.tocsr()

    def scores(self, weights: Floats) -> Floats:
        return self.x @ weights  # type: ignore[no-any-return]

    def gradient(self, errors: Floats) -> Floats:
        return self.xt @ errors  # type: ignore[no-any-return]


def _softmax(z: Floats) -> Floats:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _sigmoid(z: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-z))


def _fit(batch: _Batch, targets: Floats, *, softmax: bool, step: float) -> Floats:
    """L2-regularised logistic (or softmax) regression by full-batch gradient descent from zeros."""
    weights = np.zeros((len(batch.used), targets.shape[1]))
    link = _softmax if softmax else _sigmoid
    for _ in range(_ITERATIONS):
        errors = (link(batch.scores(weights)) - targets) / batch.n
        weights -= step * (batch.gradient(errors) + _L2 * weights)
    full = np.zeros((_DIM, targets.shape[1]))
    full[batch.used] = weights
    return full


@dataclass(frozen=True, slots=True)
class Decision:
    urgency: str
    by_model: bool  # the urgency differs from the rule's
    codes: dict[str, Span | None]  # indicator code → token span of the model's evidence (None: the rules' own hit)
    danger_evidence: Span | None  # the words that weigh most for P1


@dataclass(frozen=True, slots=True)
class Model:
    urgency_weights: Floats  # (features, 4)
    code_weights: Floats  # (features, codes)
    codes: tuple[str, ...]

    def urgency_probabilities(self, f: Features) -> dict[str, float]:
        p = _softmax(self.urgency_weights[list(f)].sum(axis=0, keepdims=True))[0]
        return dict(zip(URGENCIES, map(float, p), strict=True))

    def code_probabilities(self, f: Features) -> dict[str, float]:
        p = _sigmoid(self.code_weights[list(f)].sum(axis=0))
        return dict(zip(self.codes, map(float, p), strict=True))

    def decide(self, a: Analysis, rules: Policy | None = None) -> Decision:
        """Urgency and indicator codes for an analysed message (the module docstring says how)."""
        cfg = rules or policy()
        f = features(a)
        p = self.urgency_probabilities(f)
        if p["P1"] >= cfg.p1 or (a.rule.urgency == "P1" and p["P1"] >= cfg.keep_p1):
            urgency = "P1"
        elif a.rule.urgency != "P1" and p[a.rule.urgency] >= cfg.keep:
            urgency = a.rule.urgency  # the model may overrule the table only when it finds the rule's level unlikely
        else:
            urgency = max(URGENCIES[1:], key=lambda u: p[u])
        if urgency == "P4" and a.rule.urgency != "P4" and p["P4"] < cfg.p4:  # a sign the rules found is no
            urgency = max(URGENCIES[1:3], key=lambda u: p[u])  # trifle: "not a tip" needs a sure model
        codes: dict[str, Span | None] = {}
        for code, q in self.code_probabilities(f).items():
            if code in a.codes:
                if q >= cfg.drop:
                    codes[code] = None
            elif q >= cfg.add and (span := self._evidence(f, self.code_weights[:, self.codes.index(code)])) is not None:
                codes[code] = span
        danger = self._evidence(f, self.urgency_weights[:, 0]) if urgency == "P1" else None
        return Decision(urgency, urgency != a.rule.urgency, codes, danger)

    @staticmethod
    def _evidence(f: Features, weights: Floats) -> Span | None:
        """The words that push hardest towards a label — a pair if one does, since "đang ở" tells an
        operator more than "đang"."""
        worded = {h: span for h, span in f.items() if span is not None and weights[h] > 0}
        pairs = {h: span for h, span in worded.items() if span[1] - span[0] > 1}
        pool = pairs or worded
        return pool[max(pool, key=lambda h: weights[h])] if pool else None


def with_stripped_copies(items: Sequence[Labelled]) -> list[Labelled]:
    """The messages, and each one typed with diacritics once more without them, under the same labels.

    Most people type without diacritics, and there the rules see more than was meant ("ban than" may be
    "bán thận" or "bạn thân"); learning from both forms of the same message teaches the model what
    such signals are worth. Measured (2026-12-07): the held-out gap between the two forms fell from 5.4
    to 1.8 points, and every development figure rose or stayed."""
    return [*items, *(Labelled(fold(i.text), i.urgency, i.codes) for i in items if has_diacritics(i.text))]


def train(items: Sequence[Labelled]) -> Model:
    """Fit the urgency and indicator models on labelled messages."""
    if {i.urgency for i in items} != set(URGENCIES):
        raise ValueError("the model needs labelled messages of every urgency")
    codes = tuple(sorted({c for i in items for c in i.codes} - {DANGER}))
    items = with_stripped_copies(items)
    batch = _Batch([list(_features_of(i.text)) for i in items])
    urgency = np.array([[i.urgency == u for u in URGENCIES] for i in items], dtype=np.float64)
    labels = np.array([[c in i.codes for c in codes] for i in items], dtype=np.float64)
    return Model(
        _fit(batch, urgency, softmax=True, step=_STEP["urgency"]),
        _fit(batch, labels, softmax=False, step=_STEP["codes"]),
        codes,
    )


@lru_cache(maxsize=8192)
def _features_of(text: str) -> Features:
    return features(_analysis(text))


def load_labelled(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [Labelled(r["text"], r["urgency"], frozenset(r["indicators"])) for r in rows]


def training_sets() -> list[Path]:
    return [ROOT / name for name in policy().train]


def _fingerprint() -> str:
    """A hash of everything the weights depend on: the labelled sets, the rule data and the engine's code."""
    digest = hashlib.sha256()
    files = [*training_sets(), *sorted(DATA_DIR.glob("*.yml")), *sorted(DATA_DIR.glob("*.csv")),
             *sorted(Path(__file__).parent.glob("*.py"))]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _cache_dir() -> Path:
    return Path(os.environ.get("TRIAGE_MODEL_CACHE", ROOT / "var" / "cache"))


def _load(path: Path) -> Model | None:
    try:
        with np.load(path) as saved:
            return Model(saved["urgency"], saved["codes"], tuple(str(c) for c in saved["names"]))
    except (OSError, KeyError, ValueError):
        return None


def _save(m: Model, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez_compressed(tmp, urgency=m.urgency_weights, codes=m.code_weights, names=np.array(m.codes))
        os.replace(tmp.name, path)  # two processes training at once both write whole files
    except OSError as exc:  # a read-only checkout still works: it trains at every start
        log.warning("could not cache the triage model: %s", type(exc).__name__)


@lru_cache(maxsize=1)
def model() -> Model:
    """The model trained on the labelled development sets, from the cache when nothing changed.

    A missing training set is an error, not a silently weaker engine."""
    path = _cache_dir() / f"triage-model-{_fingerprint()}.npz"
    cached = _load(path) if path.exists() else None
    if cached is not None:
        return cached
    trained = train([i for p in training_sets() for i in load_labelled(p)])
    _save(trained, path)
    return trained


_override: list[Model] = []


def current() -> Model:
    """The model the engine uses now: the development-set model, unless :func:`trained_on` is active."""
    return _override[-1] if _override else model()


@contextmanager
def trained_on(items: Sequence[Labelled]) -> Iterator[Model]:
    """Use a model trained on these messages for a while: cross-validation scores the engine on
    messages its model has not seen."""
    _override.append(train(items))
    try:
        yield _override[-1]
    finally:
        _override.pop()
