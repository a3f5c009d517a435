"""Accuracy gate: the engine keeps meeting the issue's targets on the labelled sets in eval/.

The figures themselves are printed by `make eval-triage`; this test fails the build when a change to
the patterns or the rules drops any of them below target.
"""

from pathlib import Path

import pytest

from triage_api.engine.provinces import province_names
from triage_api.engine.triage import indicator_codes
from triage_api.evaluation import TARGETS, load_set, score, views

EVAL = Path(__file__).resolve().parents[2] / "eval"
SETS = sorted(EVAL.glob("triage_*.jsonl"))


def test_the_labelled_sets_exist_and_are_large_enough() -> None:
    items = [i for path in SETS for i in load_set(path)]
    assert len(items) >= 300
    assert sum(i["style"] != "diacritics" for i in items) >= 0.3 * len(items)
    assert {i["urgency"] for i in items} == {"P1", "P2", "P3", "P4"}


def test_every_label_follows_the_labelling_guide() -> None:
    """eval/README.md: known codes, IMMEDIATE_DANGER exactly on P1, one of the 34 provinces or null."""
    codes, provinces, ids = set(indicator_codes()), set(province_names()), set()
    for item in (i for path in SETS for i in load_set(path)):
        assert set(item) == {"id", "text", "urgency", "indicators", "province", "style"}, item["id"]
        assert item["id"] not in ids, item["id"]
        ids.add(item["id"])
        assert item["text"].strip() and item["style"] in {"diacritics", "plain", "teencode"}, item["id"]
        assert set(item["indicators"]) <= codes, item["id"]
        assert ("IMMEDIATE_DANGER" in item["indicators"]) == (item["urgency"] == "P1"), item["id"]
        assert item["province"] is None or item["province"] in provinces, item["id"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_targets_are_met(path: Path) -> None:
    rows = {view: score(items) for view, items in views(load_set(path)).items()}
    for view, scores in rows.items():
        for metric, target in TARGETS.items():
            assert getattr(scores, metric) >= target, f"{path.name} / {view}: {metric} {getattr(scores, metric):.3f} < {target}"
    same, stripped = rows["with diacritics"], rows["with diacritics, stripped"]
    for metric in TARGETS:
        assert getattr(same, metric) - getattr(stripped, metric) <= 0.02, f"{metric}: losing diacritics costs more than 2 points"
