"""``make eval-nlu``: intent accuracy and macro-F1 of the NLU pipelines on held-out messages.

For each pipeline (config.yml — the chosen one — and those in bot/pipelines/), train the NLU on
``nlu_data/`` and classify every message of the held-out files (``tests/nlu/test_nlu.yml``, written by
the team, and ``tests/nlu/outside_nlu.yml`` and ``outside2_nlu.yml``, each written outside it by a writer
who saw only the intents' meanings); none is ever used for training.
Figures are given for all messages, those typed with diacritics and those without (plain or
teencode), and as the ratio of ours to Rasa's stock pipeline. ``--cv K`` instead cross-validates
each pipeline on ``nlu_data/`` (K folds, Rasa's own ``rasa test nlu --cross-validation``).

Targets (issue 4): intent accuracy >= 0.95 and macro-F1 >= 0.93 on the held-out file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = {
    "ours (config.yml)": ROOT / "config.yml",
    "stock": ROOT / "bot" / "pipelines" / "stock.yml",
    "word lemmas": ROOT / "bot" / "pipelines" / "words.yml",
    "with char n-grams": ROOT / "bot" / "pipelines" / "chars.yml",
}
HELD_OUT = [ROOT / "tests" / "nlu" / name for name in ("test_nlu.yml", "outside_nlu.yml", "outside2_nlu.yml")]
TARGETS = {"accuracy": 0.95, "macro_f1": 0.93}


def _examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def _scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Accuracy and macro-F1 over (gold, predicted) pairs."""
    if not pairs:
        return {"n": 0, "accuracy": float("nan"), "macro_f1": float("nan")}
    labels = sorted({g for g, _ in pairs})
    f1s = []
    for label in labels:
        tp = sum(g == p == label for g, p in pairs)
        fp = sum(p == label != g for g, p in pairs)
        fn = sum(g == label != p for g, p in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"n": len(pairs), "accuracy": sum(g == p for g, p in pairs) / len(pairs), "macro_f1": sum(f1s) / len(f1s)}


def _train(config: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(ROOT / "nlu_data"),
         "--out", str(out), "--fixed-model-name", config.stem, "--quiet"],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
    )
    return out / f"{config.stem}.tar.gz"


def _predict(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message
    agent = Agent.load(str(model))

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(t))["intent"]["name"] for t in texts]

    return asyncio.run(parse_all())


def held_out(only: set[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from triage_api.engine.text import has_diacritics

    files = [p for p in HELD_OUT if p.exists()]
    rows: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in PIPELINES.items():
            if only and name.split()[0] not in only:
                continue
            model = _train(config, Path(tmp))
            for path in files:
                examples = _examples(path)
                predicted = _predict(model, [t for t, _ in examples])
                groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
                for (text, gold), guess in zip(examples, predicted):
                    groups["all"].append((gold, guess))
                    groups["with diacritics" if has_diacritics(text) else "without (plain+teencode)"].append((gold, guess))
                rows[f"{path.name} · {name}"] = {g: _scores(pairs) for g, pairs in groups.items()}
    print(f"{'held-out file · pipeline':52} {'view':26} {'n':>4} {'accuracy':>9} {'macro-F1':>9}")
    for key, views in rows.items():
        for view in ("all", "with diacritics", "without (plain+teencode)"):
            s = views.get(view, _scores([]))
            print(f"{key:52} {view:26} {s['n']:4.0f} {s['accuracy']:9.3f} {s['macro_f1']:9.3f}")
    for path in files:
        if f"{path.name} · stock" not in rows or f"{path.name} · ours (config.yml)" not in rows:
            continue
        ours, stock = rows[f"{path.name} · ours (config.yml)"]["all"], rows[f"{path.name} · stock"]["all"]
        print(f"{path.name}: ours/stock accuracy {ours['accuracy'] / stock['accuracy']:.3f}, "
              f"macro-F1 {ours['macro_f1'] / stock['macro_f1']:.3f}")
    if f"{HELD_OUT[0].name} · ours (config.yml)" not in rows:
        return 0
    main_file = rows[f"{HELD_OUT[0].name} · ours (config.yml)"]["all"]
    met = main_file["accuracy"] >= TARGETS["accuracy"] and main_file["macro_f1"] >= TARGETS["macro_f1"]
    print(f"target on {HELD_OUT[0].name}: accuracy >= 0.95 and macro-F1 >= 0.93: {'met' if met else 'NOT met'}")
    print(json.dumps({k: v["all"] for k, v in rows.items()}), file=sys.stderr)
    return 0


def cross_validate(folds: int) -> int:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in PIPELINES.items():
            out = Path(tmp) / config.stem
            subprocess.run(
                [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(ROOT / "nlu_data"), "--config", str(config),
                 "--cross-validation", "--folds", str(folds), "--out", str(out), "--quiet"],
                cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
            )
            report = json.loads((out / "intent_report.json").read_text())
            results[name] = (report["accuracy"], report["macro avg"]["f1-score"])
    print(f"{folds}-fold cross-validation on nlu_data/ (test folds)")
    print(f"{'pipeline':24} {'accuracy':>9} {'macro-F1':>9}")
    for name, (accuracy, f1) in results.items():
        print(f"{name:24} {accuracy:9.3f} {f1:9.3f}")
    return 0


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0, help="cross-validate with this many folds instead")
    parser.add_argument("--only", default="", help="comma-separated first words of the pipelines to run (ours,stock,…)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    return cross_validate(args.cv) if args.cv else held_out(only)


if __name__ == "__main__":
    sys.exit(main())
