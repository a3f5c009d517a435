"""``make eval-triage``: accuracy of the engine on labelled JSON-lines sets.

Each line of a set: ``{"id", "text", "urgency", "indicators": [codes], "province", "style"}`` with
``style`` one of ``diacritics`` / ``plain`` / ``teencode``. For each file the figures are printed for
all messages, for those written with diacritics, for those without (plain or teencode), and for the
diacritic messages again with every diacritic stripped — the same messages, so the two columns
show exactly what losing diacritics costs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage_api.engine import danger
from triage_api.engine.text import fold
from triage_api.engine.triage import Result, triage

__all__ = ["TARGETS", "Scores", "cross_validated", "load_set", "main", "score"]

TARGETS = {"p1_recall": 0.98, "p1_precision": 0.85, "urgency_accuracy": 0.90, "indicator_f1": 0.90, "province_accuracy": 0.98}


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    p1_recall: float
    p1_precision: float
    urgency_accuracy: float
    indicator_f1: float
    province_accuracy: float
    errors: tuple[dict[str, Any], ...]


def load_set(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def score(items: Iterable[dict[str, Any]]) -> Scores:
    return _scores((item, triage(item["text"])) for item in items)


def cross_validated(items: Sequence[dict[str, Any]], folds: int = 5) -> Scores:
    """Scores with the danger model trained, for each message, on the other folds only — the figure
    to quote for the set the model learns from (the rules were still written with all of it in view)."""
    pairs: list[tuple[dict[str, Any], Result]] = []
    for k in range(folds):
        train = [item for n, item in enumerate(items) if n % folds != k]
        with danger.trained_on([i["text"] for i in train], [i["urgency"] == "P1" for i in train]):
            pairs += [(item, triage(item["text"])) for n, item in enumerate(items) if n % folds == k]
    return _scores(pairs)


def _scores(pairs: Iterable[tuple[dict[str, Any], Result]]) -> Scores:
    n = tp1 = fp1 = fn1 = right_urgency = right_province = 0
    tp = fp = fn = 0
    errors: list[dict[str, Any]] = []
    for item, r in pairs:
        n += 1
        gold_codes, got_codes = set(item["indicators"]), {i.code for i in r.indicators}
        tp += len(gold_codes & got_codes)
        fp += len(got_codes - gold_codes)
        fn += len(gold_codes - got_codes)
        gold_p1, got_p1 = item["urgency"] == "P1", r.urgency == "P1"
        tp1 += gold_p1 and got_p1
        fp1 += got_p1 and not gold_p1
        fn1 += gold_p1 and not got_p1
        right_urgency += r.urgency == item["urgency"]
        right_province += r.entities["province"] == item["province"]
        if r.urgency != item["urgency"] or gold_codes != got_codes or r.entities["province"] != item["province"]:
            errors.append({
                "id": item["id"], "urgency": [item["urgency"], r.urgency], "rule": r.rule,
                "missing": sorted(gold_codes - got_codes), "extra": sorted(got_codes - gold_codes),
                "province": [item["province"], r.entities["province"]],
            })
    return Scores(
        n=n,
        p1_recall=_ratio(tp1, tp1 + fn1),
        p1_precision=_ratio(tp1, tp1 + fp1),
        urgency_accuracy=_ratio(right_urgency, n),
        indicator_f1=_ratio(2 * tp, 2 * tp + fp + fn),
        province_accuracy=_ratio(right_province, n),
        errors=tuple(errors),
    )


def views(items: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    with_marks = [i for i in items if i["style"] == "diacritics"]
    return {
        "all": list(items),
        "with diacritics": with_marks,
        "without (plain+teencode)": [i for i in items if i["style"] != "diacritics"],
        "with diacritics, stripped": [{**i, "text": _strip(i["text"])} for i in with_marks],
    }


def _strip(text: str) -> str:
    """Remove diacritics but keep the case, as a person typing without them would."""
    return "".join(f if c.islower() or not c.isalpha() else f.upper() for c, f in zip(text, fold(text), strict=True))


_COLUMNS = ("n", "p1_recall", "p1_precision", "urgency_accuracy", "indicator_f1", "province_accuracy")


def _table(name: str, rows: dict[str, Scores]) -> str:
    head = f"{name:<34}" + "".join(f"{c:>18}" for c in _COLUMNS)
    lines = [head, "-" * len(head)]
    for view, s in rows.items():
        cells = "".join(f"{getattr(s, c):>18}" if c == "n" else f"{getattr(s, c):>18.3f}" for c in _COLUMNS)
        lines.append(f"{view:<34}{cells}")
    lines.append(f"{'target':<34}{'':>18}" + "".join(f"{'>= ' + format(TARGETS[c], '.2f'):>18}" for c in _COLUMNS[1:]))
    return "\n".join(lines)


def main(files: Sequence[str], *, as_json: bool = False, show_errors: bool = False) -> int:
    report: dict[str, dict[str, Any]] = {}
    for path in files:
        labelled = load_set(path)
        rows = {view: score(items) for view, items in views(labelled).items()}
        if Path(path).resolve() == danger.TRAINING_SET.resolve():  # the model learns from this set
            rows["all, model cross-validated (5-fold)"] = cross_validated(labelled)
        if as_json:
            report[path] = {v: {c: getattr(s, c) for c in _COLUMNS} for v, s in rows.items()}
            continue
        print(_table(Path(path).name, rows))
        a, b = rows["with diacritics"], rows["with diacritics, stripped"]
        gaps = {c: getattr(a, c) - getattr(b, c) for c in _COLUMNS[1:]}
        worst = max(gaps, key=lambda c: gaps[c])
        print(f"diacritics gap (same messages, with − stripped): largest {worst} {100 * gaps[worst]:+.1f} points (target ≤ 2)")
        if show_errors:
            for error in rows["all"].errors:
                print("  ", json.dumps(error, ensure_ascii=False))
        print()
    if as_json:
        json.dump(report, sys.stdout, indent=2)
        print()
    return 0
