"""The learned stage: how the model's probabilities and the rules combine, training, and its cache."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from triage_api.engine import model
from triage_api.engine.rules import analyse
from triage_api.engine.text import Text
from triage_api.engine.triage import triage

HELD = "Em bị nhốt trong phòng, không cho ra ngoài"  # the rules say P1 (held now)
AD = "Tuyển người đi Lào làm việc nhẹ lương cao"  # the rules say P3


def _biased(urgency: dict[str, float], codes: dict[str, float]) -> model.Model:
    """A model that gives every message these probabilities (the weights of the bias feature alone)."""
    bias = model._hash("bias")
    names = tuple(sorted(codes))
    u = np.zeros((model._DIM, 4))
    u[bias] = np.log([urgency.get(k, 1 - sum(urgency.values())) for k in model.URGENCIES])  # P4: the rest
    c = np.zeros((model._DIM, len(names)))
    c[bias] = [np.log(codes[n] / (1 - codes[n])) for n in names]
    return model.Model(u, c, names)


@pytest.fixture
def using() -> Iterator[list[model.Model]]:
    stack = model._override
    yield stack
    stack.clear()


def _decide(m: model.Model, text: str) -> model.Decision:
    return m.decide(analyse(Text.of(text)))


def test_the_rules_emergency_stands_unless_the_model_is_nearly_sure_it_is_not() -> None:
    cfg = model.policy()
    unsure = _biased({"P1": cfg.keep_p1 + 0.01, "P2": 0.5, "P3": 0.1}, {"CONFINEMENT": 0.5})
    assert _decide(unsure, HELD).urgency == "P1"
    sure_not = _biased({"P1": cfg.keep_p1 - 0.01, "P2": 0.5, "P3": 0.1}, {"CONFINEMENT": 0.5})
    decided = _decide(sure_not, HELD)
    assert (decided.urgency, decided.by_model) == ("P2", True)


def test_the_model_raises_to_p1_only_when_it_is_sure_enough() -> None:
    cfg = model.policy()
    assert _decide(_biased({"P1": cfg.p1 + 0.01, "P2": 0.05, "P3": 0.9 - cfg.p1}, {}), AD).urgency == "P1"
    below = _biased({"P1": cfg.p1 - 0.01, "P2": 0.05, "P3": 0.9 - cfg.p1}, {})
    assert _decide(below, AD).urgency == "P3"


def test_a_rule_hit_is_dropped_only_below_drop_and_a_missed_code_added_only_above_add() -> None:
    cfg = model.policy()
    kept = _decide(_biased({"P1": 0.9, "P2": 0.05, "P3": 0.03}, {"CONFINEMENT": cfg.drop + 0.01}), HELD)
    assert kept.codes == {"CONFINEMENT": None}  # None: the rules' own hit is the evidence
    dropped = _decide(_biased({"P1": 0.9, "P2": 0.05, "P3": 0.03}, {"CONFINEMENT": cfg.drop - 0.01}), HELD)
    assert "CONFINEMENT" not in dropped.codes
    guessed = {"CONFINEMENT": 0.5, "ORGAN_TRADE": cfg.add - 0.01}
    assert "ORGAN_TRADE" not in _decide(_biased({"P1": 0.9, "P2": 0.05, "P3": 0.03}, guessed), HELD).codes


def test_a_code_the_rules_missed_is_added_with_the_words_that_show_it(using: list[model.Model]) -> None:
    """Trained where a word the rules do not know ("xkzq") always comes with ORGAN_TRADE, the model
    reports it — with that word as evidence, at its place in the caller's text."""
    contexts = ["anh Nam nói", "hôm qua ở chợ", "chị Lan kể", "bên kia sông", "mấy người lạ", "ở quê tôi"]
    items = [model.Labelled(f"{c} xkzq", "P2", frozenset({"ORGAN_TRADE"})) for c in contexts]
    items += [model.Labelled(c, u, frozenset()) for c in contexts for u in ("P1", "P3", "P4")]
    using.append(model.train(items))
    text = "Em trai tôi gặp bọn XKZQ"
    found = {i.code: i for i in triage(text).indicators}
    assert "ORGAN_TRADE" in found
    assert "xkzq" in found["ORGAN_TRADE"].evidence.lower()
    assert text[found["ORGAN_TRADE"].start : found["ORGAN_TRADE"].end] == found["ORGAN_TRADE"].evidence


def test_training_is_deterministic() -> None:
    items = [i for p in model.training_sets()[:1] for i in model.load_labelled(p)]
    a, b = model.train(items), model.train(items)
    assert np.array_equal(a.urgency_weights, b.urgency_weights) and np.array_equal(a.code_weights, b.code_weights)


def test_the_cache_holds_the_same_weights_and_is_keyed_by_the_training_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_bytes(model.training_sets()[0].read_bytes())
    only = replace(model.policy(), train=(str(labelled),))
    monkeypatch.setattr(model, "policy", lambda: only)
    monkeypatch.setenv("TRIAGE_MODEL_CACHE", str(tmp_path / "cache"))
    model.model.cache_clear()
    try:
        first = model.model()
        [saved] = (tmp_path / "cache").glob("triage-model-*.npz")
        model.model.cache_clear()
        again = model.model()  # loaded, not trained
        assert np.array_equal(first.code_weights, again.code_weights) and first.codes == again.codes
        with labelled.open("a", encoding="utf-8") as f:  # the data changes: a new key, a new model
            f.write('{"id": "x", "text": "cứu em", "urgency": "P1", "indicators": ["IMMEDIATE_DANGER"], '
                    '"province": null, "style": "diacritics"}\n')
        model.model.cache_clear()
        model.model()
        assert len(list((tmp_path / "cache").glob("triage-model-*.npz"))) == 2 and saved.exists()
    finally:
        model.model.cache_clear()


def test_a_missing_training_set_is_an_error_not_a_weaker_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = replace(model.policy(), train=(str(tmp_path / "none.jsonl"),))
    monkeypatch.setattr(model, "policy", lambda: missing)
    model.model.cache_clear()
    try:
        with pytest.raises(FileNotFoundError):
            model.model()
    finally:
        model.model.cache_clear()


@pytest.mark.parametrize("text", ["cho hỏi số tổng đài 111", "bán con gà", "du lịch Lào mấy ngày", "cảm ơn nhiều nhé"])
def test_questions_and_hard_negatives_stay_p4(text: str) -> None:
    assert triage(text).urgency == "P4"


def test_the_model_also_learns_each_message_with_diacritics_typed_without_them() -> None:
    items = [model.Labelled("Em bị nhốt ở Campuchia, cứu em", "P1", frozenset({"CONFINEMENT"})),
             model.Labelled("em bi nhot o campuchia", "P1", frozenset({"CONFINEMENT"})),
             model.Labelled("Cho hỏi số đường dây nóng", "P4", frozenset())]
    out = model.with_stripped_copies(items)
    assert out[:3] == items
    assert [(i.text, i.urgency, i.codes) for i in out[3:]] == [
        ("em bi nhot o campuchia, cuu em", "P1", frozenset({"CONFINEMENT"})),
        ("cho hoi so duong day nong", "P4", frozenset()),
    ]  # plain messages are not copied again
