"""Accuracy gate on the labelled sets in eval/ (figures are printed by `make eval-triage`).

* ``triage_dev.jsonl`` is the set the patterns were tuned on and the danger model learns from: it
  must meet the issue's targets over all messages, over those typed without diacritics and with the
  model cross-validated, and losing diacritics must cost at most 2 points on every metric.
* ``triage_test.jsonl`` is held out: nobody tunes on its errors. It does not meet every target yet
  (see README, Results); this test keeps the engine from sliding below the figures it reached
  when the set was frozen, so a change that helps dev by hurting unseen messages fails the build.
"""

from pathlib import Path

import pytest

from triage_api.engine.provinces import province_names
from triage_api.engine.triage import indicator_codes
from triage_api.evaluation import TARGETS, Scores, cross_validated, load_set, score, views

EVAL = Path(__file__).resolve().parents[2] / "eval"
DEV, HELD_OUT = EVAL / "triage_dev.jsonl", EVAL / "triage_test.jsonl"
OUTSIDE = EVAL / "triage_outside_p3.jsonl"  # 45 suspicious-offer messages written by another writer
OUTSIDE_ALL = EVAL / "triage_outside.jsonl"  # 120 messages of every urgency by another writer (2026-12-01)
# its figures when it arrived, nothing tuned on it, less one message's worth of slack
OUTSIDE_FLOOR = {
    "p1_recall": 0.96, "p1_precision": 0.66, "urgency_accuracy": 0.78,
    "indicator_f1": 0.87, "province_accuracy": 0.97,
}
# Held-out figures when the set was frozen (README, Results), less one message's worth of slack.
HELD_OUT_FLOOR = {
    "p1_recall": 0.90, "p1_precision": 0.85, "urgency_accuracy": 0.87,
    "indicator_f1": 0.84, "province_accuracy": 0.97,
}


def _rows(path: Path) -> dict[str, Scores]:
    rows = {view: score(items) for view, items in views(load_set(path)).items()}
    if path == DEV:  # the danger model learns from dev: score it on folds it did not see too
        rows["all, model cross-validated (5-fold)"] = cross_validated(load_set(path))
    return rows


def test_the_labelled_sets_exist_and_are_large_enough() -> None:
    items = [i for path in (DEV, HELD_OUT) for i in load_set(path)]
    assert len(items) >= 300
    assert sum(i["style"] != "diacritics" for i in items) >= 0.3 * len(items)
    assert {i["urgency"] for i in items} == {"P1", "P2", "P3", "P4"}
    assert {c for i in items for c in i["indicators"]} == set(indicator_codes())
    assert len(load_set(HELD_OUT)) >= 100


def test_every_label_follows_the_labelling_guide() -> None:
    """eval/README.md: known codes, IMMEDIATE_DANGER exactly on P1, one of the 34 provinces or null."""
    codes, provinces, ids = set(indicator_codes()), set(province_names()), set()
    for item in (i for path in (DEV, HELD_OUT, OUTSIDE, OUTSIDE_ALL) for i in load_set(path)):
        assert set(item) == {"id", "text", "urgency", "indicators", "province", "style"}, item["id"]
        assert item["id"] not in ids, item["id"]
        ids.add(item["id"])
        assert item["text"].strip() and item["style"] in {"diacritics", "plain", "teencode"}, item["id"]
        assert set(item["indicators"]) <= codes, item["id"]
        assert ("IMMEDIATE_DANGER" in item["indicators"]) == (item["urgency"] == "P1"), item["id"]
        assert item["province"] is None or item["province"] in provinces, item["id"]


@pytest.fixture(scope="module")
def dev() -> dict[str, Scores]:
    return _rows(DEV)


@pytest.mark.parametrize("view", ["all", "without (plain+teencode)", "all, model cross-validated (5-fold)"])
@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_dev_set_meets_the_targets(dev: dict[str, Scores], view: str, metric: str) -> None:
    assert getattr(dev[view], metric) >= TARGETS[metric], f"{view}: {metric} {getattr(dev[view], metric):.3f}"


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_losing_diacritics_costs_at_most_two_points(dev: dict[str, Scores], metric: str) -> None:
    same, stripped = dev["with diacritics"], dev["with diacritics, stripped"]
    assert getattr(same, metric) - getattr(stripped, metric) <= 0.02


@pytest.mark.parametrize(("path", "floors"), [(HELD_OUT, HELD_OUT_FLOOR), (OUTSIDE_ALL, OUTSIDE_FLOOR)], ids=["team", "outside"])
def test_held_out_sets_do_not_regress(path: Path, floors: dict[str, float]) -> None:
    scores = _rows(path)["all"]
    for metric, floor in floors.items():
        assert getattr(scores, metric) >= floor, f"{metric} {getattr(scores, metric):.3f} < {floor}"


def test_outside_set_does_not_regress() -> None:
    """A second held-out set, by another writer, of P3 messages only: how often a suspicious offer is
    mistaken for an emergency (false P1) or for nothing (P4)."""
    from collections import Counter

    from triage_api.engine.triage import triage

    items = load_set(OUTSIDE)
    got = Counter(triage(i["text"]).urgency for i in items)
    assert score(items).urgency_accuracy >= 0.69
    assert got["P1"] <= 3 and got["P4"] <= 5
