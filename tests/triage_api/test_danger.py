"""The danger model: a second opinion that can only raise a message to P1."""

import json
from pathlib import Path

import numpy as np
import pytest

from triage_api.engine import danger
from triage_api.engine.text import Text
from triage_api.engine.tokens import tokenize
from triage_api.engine.triage import triage
from triage_api.engine.urgency import model_rule

DANGER_TEXTS = ["cứu em, họ nhốt em", "em bị đánh, không cho về", "họ đang giữ em, cứu với", "bon no nhot e, cuu e"]
SAFE_TEXTS = ["cho hỏi số tổng đài", "bán con gà", "cảm ơn nhiều", "du lịch Lào mấy ngày"]


def _p(model: danger.DangerModel, text: str) -> float:
    return model.probability(tokenize(Text.of(text)))


def test_training_is_deterministic() -> None:
    texts, labels = DANGER_TEXTS + SAFE_TEXTS, [True] * 4 + [False] * 4
    a, b = danger.train(texts, labels), danger.train(texts, labels)
    assert np.array_equal(a.weights, b.weights) and a.bias == b.bias


def test_a_model_learns_what_it_is_shown() -> None:
    m = danger.train(DANGER_TEXTS + SAFE_TEXTS, [True] * 4 + [False] * 4)
    assert _p(m, "họ nhốt em, cứu em") > 0.5 > _p(m, "cho hỏi bán gà ở đâu")


def test_diacritics_do_not_change_the_opinion() -> None:
    m = danger.model()
    assert _p(m, "chị ơi em sợ lắm, họ không cho em về") == pytest.approx(_p(m, "chi oi em so lam, ho khong cho em ve"))


@pytest.mark.parametrize("text", ["nếu bị nhốt thì làm sao?", "Tổng đài 111 là gì?", "bán con gà", "tôi muốn báo tin ẩn danh"])
def test_questions_and_hard_negatives_stay_below_the_threshold(text: str) -> None:
    _, threshold = model_rule()
    assert _p(danger.model(), text) < threshold


def test_a_message_the_rules_miss_is_raised_to_p1_with_evidence() -> None:
    text = "bon no dang o ngoai cua, em so qua"  # no indicator phrase; the model has seen such fear
    result = triage(text)
    assert (result.urgency, result.rule) == ("P1", "danger_model")
    (evidence,) = [i for i in result.indicators if i.code == "IMMEDIATE_DANGER"]
    assert evidence.evidence == text[evidence.start : evidence.end] and evidence.evidence
    assert "mô hình thống kê" in result.explanation


def test_the_model_never_lowers_a_rule_decision() -> None:
    # a P1 by the rules stays P1 by the rules, whatever the model thinks of it
    assert triage("Sáng mai có xe đón em gái tôi sang Campuchia").rule != "danger_model"
    assert triage("Sáng mai có xe đón em gái tôi sang Campuchia").urgency == "P1"


def test_a_missing_training_set_is_an_error_not_a_weaker_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    danger.model.cache_clear()
    try:
        monkeypatch.setenv("TRIAGE_TRAINING_SET", str(tmp_path / "missing.jsonl"))
        with pytest.raises(FileNotFoundError):
            danger.model()
        only_p1 = tmp_path / "only_p1.jsonl"
        only_p1.write_text(json.dumps({"text": "cứu", "urgency": "P1"}) + "\n", encoding="utf-8")
        monkeypatch.setenv("TRIAGE_TRAINING_SET", str(only_p1))
        with pytest.raises(ValueError, match="P1 and non-P1"):
            danger.model()
    finally:
        monkeypatch.undo()
        danger.model.cache_clear()
