"""``make eval-triage``: accuracy of the engine on labelled JSON-lines sets.

Each line of a set: ``{"id", "text", "urgency", "indicators": [codes], "province", "style"}`` with
``style`` one of ``diacritics`` / ``plain`` / ``teencode``. For each file the figures are printed for
all messages, for those written with diacritics, for those without (plain or teencode), and for the
diacritic messages again with every diacritic stripped — the same messages, so the two rows show
exactly what losing diacritics costs.

The learned stage (:mod:`triage_api.engine.model`) is trained on the development sets, so their own
rows flatter it. The figures to quote are the **held-out** sets (never trained or tuned on) and, for
each development set, the engine with the model trained on the *other* sets only (leave one set — one
writer — out). Both are pooled in two summary tables at the end.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from triage_api.engine import model
from triage_api.engine.text import fold
from triage_api.engine.triage import Result, triage

__all__ = ["TARGETS", "Counts", "by_view", "held_out_by_set", "load_set", "main", "score", "views"]

TARGETS = {"p1_recall": 0.98, "p1_precision": 0.85, "urgency_accuracy": 0.90, "indicator_f1": 0.90, "province_accuracy": 0.98}
VIEWS = ("all", "with diacritics", "without (plain+teencode)", "with diacritics, stripped")


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


@dataclass(frozen=True, slots=True)
class Counts:
    """What the scores are made of; counts of several sets add up (``a + b``)."""

    n: int = 0
    tp1: int = 0
    fp1: int = 0
    fn1: int = 0
    right_urgency: int = 0
    right_province: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: tuple[dict[str, Any], ...] = ()

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def p1_recall(self) -> float:
        return _ratio(self.tp1, self.tp1 + self.fn1)

    @property
    def p1_precision(self) -> float:
        return _ratio(self.tp1, self.tp1 + self.fp1)

    @property
    def urgency_accuracy(self) -> float:
        return _ratio(self.right_urgency, self.n)

    @property
    def indicator_f1(self) -> float:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def province_accuracy(self) -> float:
        return _ratio(self.right_province, self.n)


def load_set(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(items: Iterable[dict[str, Any]]) -> Counts:
    return _counts((item, triage(item["text"])) for item in items)


def _counts(pairs: Iterable[tuple[dict[str, Any], Result]]) -> Counts:
    n = tp1 = fp1 = fn1 = right_urgency = right_province = tp = fp = fn = 0
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
    return Counts(n, tp1, fp1, fn1, right_urgency, right_province, tp, fp, fn, tuple(errors))


def views(items: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    with_marks = [i for i in items if i["style"] == "diacritics"]
    return dict(zip(VIEWS, (
        list(items),
        with_marks,
        [i for i in items if i["style"] != "diacritics"],
        [{**i, "text": _strip(i["text"])} for i in with_marks],
    ), strict=True))


def by_view(items: Sequence[dict[str, Any]]) -> dict[str, Counts]:
    return {view: score(subset) for view, subset in views(items).items()}


def held_out_by_set(path: str | Path) -> dict[str, Counts] | None:
    """A development set scored, in every view, with the model trained on the other development sets
    only; ``None`` for a set the model does not learn from."""
    here = Path(path).resolve()
    sets = [p.resolve() for p in model.training_sets()]
    if here not in sets:
        return None
    others = [i for p in sets if p != here for i in model.load_labelled(p)]
    with model.trained_on(others):
        return by_view(load_set(here))


def _strip(text: str) -> str:
    """Remove diacritics but keep the case, as a person typing without them would."""
    return "".join(f if c.islower() or not c.isalpha() else f.upper() for c, f in zip(text, fold(text), strict=True))


_COLUMNS = ("n", "p1_recall", "p1_precision", "urgency_accuracy", "indicator_f1", "province_accuracy")


def _table(name: str, rows: dict[str, Counts]) -> str:
    head = f"{name:<38}" + "".join(f"{c:>18}" for c in _COLUMNS)
    lines = [head, "-" * len(head)]
    for view, s in rows.items():
        cells = "".join(f"{getattr(s, c):>18}" if c == "n" else f"{getattr(s, c):>18.3f}" for c in _COLUMNS)
        lines.append(f"{view:<38}{cells}")
    lines.append(f"{'target':<38}{'':>18}" + "".join(f"{'>= ' + format(TARGETS[c], '.2f'):>18}" for c in _COLUMNS[1:]))
    a, b = rows["with diacritics"], rows["with diacritics, stripped"]
    gaps = {c: getattr(a, c) - getattr(b, c) for c in _COLUMNS[1:]}
    worst = max(gaps, key=lambda c: gaps[c])
    lines.append(f"diacritics gap (same messages, with − stripped): largest {worst} {100 * gaps[worst]:+.1f} points (target ≤ 2)")
    return "\n".join(lines)


def _pool(tables: Sequence[dict[str, Counts]]) -> dict[str, Counts]:
    return {view: sum((t[view] for t in tables), Counts()) for view in VIEWS}


def main(files: Sequence[str], *, as_json: bool = False, show_errors: bool = False) -> int:
    report: dict[str, dict[str, Any]] = {}
    held_out: list[dict[str, Counts]] = []
    left_out: list[dict[str, Counts]] = []
    for path in files:
        rows = by_view(load_set(path))
        without = held_out_by_set(path)
        if without is None:
            held_out.append(rows)
        else:  # the model learns from this set: score it as if it had not, too
            left_out.append(without)
            rows["all, model trained without this set"] = without["all"]
        if as_json:
            report[path] = {v: {c: getattr(s, c) for c in _COLUMNS} for v, s in rows.items()}
            continue
        print(_table(Path(path).name, rows))
        if show_errors:
            for error in rows["all"].errors:
                print("  ", json.dumps(error, ensure_ascii=False))
        print()
    summaries = {
        "HELD-OUT SETS, POOLED": held_out,
        "DEV SETS, EACH WITHOUT ITS OWN TRAINING": left_out,
    }
    for title, tables in summaries.items():
        if not tables:
            continue
        pooled = _pool(tables)
        if as_json:
            report[title.lower()] = {v: {c: getattr(s, c) for c in _COLUMNS} for v, s in pooled.items()}
        else:
            print(_table(title, pooled))
            print()
    if as_json:
        json.dump(report, sys.stdout, indent=2)
        print()
    return 0
