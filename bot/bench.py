"""``make bench-bot``: latency of full REST turns (Rasa + actions + triage API), training time, peak memory.

Starts the stack (bot/stack.py) on the trained model, warms it up, then plays ``--conversations``
short conversations — a greeting, a rights question, a tip that starts the report form with its
first answer, a hotline question — one turn at a time, and prints p50/p95 per kind of turn and
overall. ``--train`` also times a full ``rasa train`` from an empty cache and its peak memory.
Run with .venv's python; Redis is REDIS_URL or a private redis-server.

Target (issue 4): p95 <= 150 ms per turn after warm-up; training <= 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.request import Request, urlopen

from bot.stack import ROOT, running

TURNS = [
    ("greeting", "xin chào"),
    ("rights", "nan nhan dc ho tro nhung gi"),
    ("tip (triage)", "em gai toi bi lua sang cam, gio ho doi tien chuoc"),
    ("form answer", "tuần trước"),
    ("hotline mid-form", "số đường dây nóng là gì"),
]


def _turn(url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = Request(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    elapsed = (time.perf_counter() - start) * 1000
    if not replies:
        raise RuntimeError("the bot gave no reply")
    return elapsed


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _train() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(Path(tmp) / "cache")}
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv-rasa/bin/rasa"), "train", "--data", "nlu_data", "bot", "--domain", "domain.yml",
                        "--config", "config.yml", "--out", tmp, "--quiet"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024


def _redis() -> tuple[str, object]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    sys.path.insert(0, str(ROOT))
    from triage_api.devservices import RedisServer

    server = RedisServer(Path(tempfile.mkdtemp()))
    server.start()
    return server.url, server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--train", action="store_true", help="also time a full training from an empty cache")
    args = parser.parse_args()
    redis_url, server = _redis()
    by_kind: dict[str, list[float]] = {kind: [] for kind, _ in TURNS}
    try:
        with tempfile.TemporaryDirectory() as tmp, running(Path(tmp), redis_url, redis_db=4) as stack:
            for _ in range(3):  # warm-up: every model, action and connection used once
                sender = f"warm-{uuid.uuid4().hex[:8]}"
                for _, text in TURNS:
                    _turn(stack.bot_url, sender, text)
            for _ in range(args.conversations):
                sender = f"bench-{uuid.uuid4().hex[:8]}"
                for kind, text in TURNS:
                    by_kind[kind].append(_turn(stack.bot_url, sender, text))
            memory = stack.peak_memory_mb()
    finally:
        if server is not None:
            server.stop()  # type: ignore[attr-defined]
    everything = [v for values in by_kind.values() for v in values]
    print(f"bot benchmark: {args.conversations} conversations of {len(TURNS)} turns over REST, after warm-up, "
          f"{os.cpu_count()} cores")
    for kind, values in [*by_kind.items(), ("all turns", everything)]:
        print(f"  {kind:18} p50 {statistics.median(values):6.1f} ms   p95 {_percentile(values, 0.95):6.1f} ms   "
              f"max {max(values):6.1f} ms")
    print("  peak memory: " + ", ".join(f"{name} {mb:.0f} MiB" for name, mb in memory.items()))
    p95 = _percentile(everything, 0.95)
    print(f"target: p95 <= 150 ms per turn: {'met' if p95 <= 150 else 'NOT met'}")
    if args.train:
        seconds, peak = _train()
        print(f"  full training (empty cache): {seconds / 60:.1f} min, peak memory {peak:.0f} MiB "
              f"(target <= 5 min: {'met' if seconds <= 300 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
