"""Accuracy gates on the labelled sets in eval/ (`make eval-triage` prints every figure).

The learned stage is trained on the development sets (``urgency.yml``, ``model.train``), so their own
scores say little. The gates are on messages the engine did not learn from:

* the **held-out sets** ``triage_outside2.jsonl`` and ``triage_outside3.jsonl``, written by two writers
  who saw only the labelling guide; nobody tunes on them or reads their errors. They must not fall below
  the figures they had when they were frozen (less one or two messages' worth of slack) — not all of
  which meet the targets yet (README, Results);
* each **development set scored by a model trained without it** (leave one writer out), pooled: the
  targets, and losing diacritics costs at most 2 points (on 690 messages; the held-out sets' 151 are
  too few to resolve 2 points of P1 precision, and README gives their gap too).
"""

from pathlib import Path

import pytest

from triage_api.engine import model
from triage_api.engine.provinces import province_names
from triage_api.engine.triage import indicator_codes
from triage_api.evaluation import TARGETS, Counts, by_view, held_out_by_set, load_set

EVAL = Path(__file__).resolve().parents[2] / "eval"
HELD_OUT = [EVAL / "triage_outside2.jsonl", EVAL / "triage_outside3.jsonl"]
# the targets, met on the held-out sets since 2026-12-07 (README, Results): a change that loses one fails
HELD_OUT_FLOOR = {
    "p1_recall": 0.98, "p1_precision": 0.85, "urgency_accuracy": 0.90,
    "indicator_f1": 0.90, "province_accuracy": 0.98,
}


def _all_sets() -> list[Path]:
    return [*model.training_sets(), *HELD_OUT]


def test_the_labelled_sets_exist_and_are_large_enough() -> None:
    items = [i for path in _all_sets() for i in load_set(path)]
    assert len(items) >= 300
    assert sum(i["style"] != "diacritics" for i in items) >= 0.3 * len(items)
    assert {i["urgency"] for i in items} == {"P1", "P2", "P3", "P4"}
    assert {c for i in items for c in i["indicators"]} == set(indicator_codes())
    held_out = [i for path in HELD_OUT for i in load_set(path)]
    assert len(held_out) >= 300 and {i["urgency"] for i in held_out} == {"P1", "P2", "P3", "P4"}


def test_no_held_out_set_is_trained_on() -> None:
    assert not {p.resolve() for p in HELD_OUT} & {p.resolve() for p in model.training_sets()}


def test_every_label_follows_the_labelling_guide() -> None:
    """eval/README.md: known codes, IMMEDIATE_DANGER exactly on P1, one of the 34 provinces or null."""
    codes, provinces, ids, texts = set(indicator_codes()), set(province_names()), set(), set()
    for item in (i for path in _all_sets() for i in load_set(path)):
        assert set(item) == {"id", "text", "urgency", "indicators", "province", "style"}, item["id"]
        assert item["id"] not in ids, item["id"]
        ids.add(item["id"])
        assert item["text"] not in texts, item["id"]  # a message in two sets would leak into the held-out ones
        texts.add(item["text"])
        assert item["text"].strip() and item["style"] in {"diacritics", "plain", "teencode"}, item["id"]
        assert set(item["indicators"]) <= codes, item["id"]
        assert ("IMMEDIATE_DANGER" in item["indicators"]) == (item["urgency"] == "P1"), item["id"]
        assert item["province"] is None or item["province"] in provinces, item["id"]


def _pooled(tables: list[dict[str, Counts]]) -> dict[str, Counts]:
    return {view: sum((t[view] for t in tables), Counts()) for view in tables[0]}


@pytest.fixture(scope="module")
def held_out() -> dict[str, Counts]:
    return _pooled([by_view(load_set(path)) for path in HELD_OUT])


@pytest.mark.parametrize("metric", sorted(HELD_OUT_FLOOR))
def test_held_out_sets_do_not_regress(held_out: dict[str, Counts], metric: str) -> None:
    value = getattr(held_out["all"], metric)
    assert value >= HELD_OUT_FLOOR[metric], f"{metric} {value:.3f}"


@pytest.fixture(scope="module")
def left_out() -> dict[str, Counts]:
    """Each development set scored by a model trained on the others, pooled."""
    tables = [held_out_by_set(path) for path in model.training_sets()]
    return _pooled([t for t in tables if t is not None])


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_each_development_set_scored_by_a_model_that_never_saw_it_meets_the_targets(
    left_out: dict[str, Counts], metric: str
) -> None:
    value = getattr(left_out["all"], metric)
    assert value >= TARGETS[metric], f"{metric} {value:.3f}"


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_losing_diacritics_costs_at_most_two_points(left_out: dict[str, Counts], metric: str) -> None:
    same, stripped = left_out["with diacritics"], left_out["with diacritics, stripped"]
    assert getattr(same, metric) - getattr(stripped, metric) <= 0.02
