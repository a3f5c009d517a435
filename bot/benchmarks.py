"""``make bench``: every benchmark in one run on this machine, into one table (``docs/benchmarks.md``).

Runs, one after another so they do not compete for the two cores: ``make eval-nlu`` (ours against
Rasa's stock pipeline on the held-out files, with and without diacritics), ``make eval-triage``,
``make bench-triage``, ``make bench-bot TRAIN=1`` (REST turns through Rasa, the actions and the API;
peak memory per process; a full training from an empty cache) and ``make bench-intake`` (reports per
second against PostgreSQL + Redis, next to the raw XADD ceiling). Each figure is read from what its
benchmark printed and set beside its comparison and target; the full outputs follow the table.
Run with .venv's python from the repository root.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks.md"
STEPS = {
    "eval-nlu": ["make", "--no-print-directory", "eval-nlu"],
    "eval-triage": ["make", "--no-print-directory", "eval-triage"],
    "bench-triage": ["make", "--no-print-directory", "bench-triage"],
    "bench-bot": ["make", "--no-print-directory", "bench-bot", "TRAIN=1"],
    "bench-intake": ["make", "--no-print-directory", "bench-intake"],
}


@dataclass(frozen=True)
class Row:
    what: str
    ours: str
    comparison: str
    target: str


def _find(pattern: str, text: str, group: int = 1) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(group) if match else "n/a"


def _nlu_figure(out: str, held_out: str, pipeline: str, view: str) -> tuple[str, str, str]:
    """n, accuracy and macro-F1 of one line of eval-nlu's table."""
    m = re.search(rf"^{re.escape(held_out)} · {re.escape(pipeline)}\s+{re.escape(view)}\s+(\d+)\s+([\d.]+)\s+([\d.]+)", out,
                  re.MULTILINE)
    return (m.group(1), m.group(2), m.group(3)) if m else ("n/a", "n/a", "n/a")


def _nlu(out: str) -> list[Row]:
    rows = []
    for held_out in ("test_nlu.yml", "outside_nlu.yml", "outside2_nlu.yml"):
        for view in ("all", "with diacritics", "without (plain+teencode)"):
            n, accuracy, f1 = _nlu_figure(out, held_out, "ours (config.yml)", view)
            _, stock_accuracy, stock_f1 = _nlu_figure(out, held_out, "stock", view)
            target = "acc ≥ 0.95 · F1 ≥ 0.93" if held_out == "test_nlu.yml" and view == "all" else ""
            rows.append(Row(f"NLU intents, {held_out}, {view} (n={n})", f"acc {accuracy} · F1 {f1}",
                            f"Rasa stock pipeline: acc {stock_accuracy} · F1 {stock_f1}", target))
    return rows


def _triage_eval(out: str) -> list[Row]:
    """The pooled held-out sets (never trained or tuned on) and the development sets each scored unseen."""
    rows = []
    for title, label in (("HELD-OUT SETS, POOLED", "held-out sets, pooled"),
                         ("DEV SETS, EACH WITHOUT ITS OWN TRAINING", "dev sets, each by a model trained without it")):
        start = out.find(title)
        block = out[start:] if start >= 0 else ""
        for view in ("all", "with diacritics", "without (plain+teencode)", "with diacritics, stripped"):
            m = re.search(rf"^{re.escape(view)}\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", block, re.MULTILINE)
            if not m:
                continue
            n, recall, precision, urgency, f1, province = m.groups()
            rows.append(Row(f"triage, {label}, {view} (n={n})",
                            f"P1 recall {recall} · precision {precision} · urgency {urgency} · indicators F1 {f1} · province {province}",
                            "", "≥ 0.98 · ≥ 0.85 · ≥ 0.90 · ≥ 0.90 · ≥ 0.98" if view == "all" else ""))
    return rows


def _triage_speed(out: str) -> list[Row]:
    m = re.search(r"^(4\d\d[–-]500[^\n]*?|.*500 char[^\n]*?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out, re.MULTILINE)
    all_m = re.search(r"^all[^\n]*?\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out, re.MULTILINE)
    rows = []
    if all_m:
        rows.append(Row("triage latency in process, all messages", f"p50 {all_m.group(2)} ms · p95 {all_m.group(3)} ms",
                        "", ""))
    if m:
        rows.append(Row("triage latency, 400–500 characters", f"p50 {m.group(3)} ms · p95 {m.group(4)} ms", "", "p95 ≤ 15 ms"))
    steady, overall = _find(r"after start-up:\s+([\d.]+)", out), _find(r"incl. start-up:\s+([\d.]+)", out)
    rows.append(Row("batch CLI throughput (one process)", f"{steady} msg/s after start-up, {overall} incl. start-up", "",
                    "≥ 200 msg/s per core"))
    return rows


def _bot(out: str) -> list[Row]:
    p50, p95 = _find(r"all turns\s+p50\s+([\d.]+)", out), _find(r"all turns.*?p95\s+([\d.]+)", out)
    tip = _find(r"tip \(triage\).*?p95\s+([\d.]+)", out)
    rows = [Row("REST turn (Rasa + actions + triage API), all turns", f"p50 {p50} ms · p95 {p95} ms",
                f"a tip with triage: p95 {tip} ms", "p95 ≤ 150 ms")]
    rows.append(Row("peak memory per process", _find(r"peak memory: (.*)$", out), "", ""))
    rows.append(Row("full `rasa train` from an empty cache", _find(r"full training \(empty cache\): (.*?) \(target", out), "",
                    "≤ 5 min"))
    return rows


def _intake(out: str) -> list[Row]:
    ceiling = _find(r"ceiling \(single-client XADD\):\s+(\d+)", out)
    most, most_p95 = _find(r"saturation median: (\d+)", out), _find(r"saturation median: .*p95 ([\d.]+) ms", out)
    share = _find(r"saturation median: \d+ reports/s \(([\d.]+%) of the ceiling", out)
    rate = _find(r"at (\d+) reports/s \(open loop", out)
    paced, paced_p95 = _find(r"^  median: (\d+) reports/s", out), _find(r"^  median: .*p95 ([\d.]+) ms", out)
    return [Row("report intake at saturation (2 API workers, PostgreSQL + Redis)", f"{most} reports/s · p95 {most_p95} ms",
                f"raw Redis XADD ceiling {ceiling} entries/s (intake = {share} of it)", "≥ 500 reports/s"),
            Row(f"report intake offered {rate}/s (open loop, latency from when due)", f"{paced} reports/s · p95 {paced_p95} ms",
                "", "≥ 500 reports/s · p95 ≤ 50 ms")]


def _recorded(path: Path) -> dict[str, tuple[str, float, int]]:
    """The outputs a previous run wrote under "## Outputs": step → (output, seconds, exit code)."""
    found = {}
    for m in re.finditer(r"^### `(\S+)[^`]*` \(([\d.]+) min(?: — exited with (\d+))?\)\n\n```\n(.*?)\n```", path.read_text(encoding="utf-8"),
                         re.MULTILINE | re.DOTALL):
        found[m.group(1)] = (m.group(4), float(m.group(2)) * 60, int(m.group(3) or 0))
    return found


PARSERS: dict[str, Callable[[str], list[Row]]] = {
    "eval-nlu": _nlu, "eval-triage": _triage_eval, "bench-triage": _triage_speed, "bench-bot": _bot, "bench-intake": _intake,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(STEPS), help="run only these steps")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--table-only", action="store_true",
                        help="rebuild the table from the outputs already in --out (the same run), running nothing")
    args = parser.parse_args()
    outputs: dict[str, tuple[str, float, int]] = _recorded(args.out) if args.table_only else {}
    for name, command in STEPS.items():
        if args.table_only:
            break
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)
        outputs[name] = (done.stdout, time.monotonic() - started, done.returncode)
        print(done.stdout[-2000:], flush=True)
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
    rows = [row for name, (out, _, _) in outputs.items() for row in PARSERS[name](out)]
    lines = [
        "# Benchmarks", "",
        (f"Measured in one run of `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores, "
         f"{platform.python_implementation()} {platform.python_version()} (API), Linux {platform.release()}. "
         "Each benchmark ran alone; figures vary by about ±20 % between runs on this shared machine."), "",
        "| what | this system | compared with | target |", "|---|---|---|---|",
        *(f"| {r.what} | {r.ours} | {r.comparison} | {r.target} |" for r in rows), "",
        "## Outputs", "",
    ]
    for name, (out, seconds, code) in outputs.items():
        status = "" if code == 0 else f" — exited with {code}"
        lines += [f"### `{' '.join(STEPS[name][2:])}` ({seconds / 60:.1f} min{status})", "", "```", out.strip(), "```", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return max((code for _, _, code in outputs.values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
