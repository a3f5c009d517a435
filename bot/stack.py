"""Start the whole stack on free ports, as `make run` does, for tests and benchmarks (run with .venv's python).

The triage API (uvicorn), the action server and the Rasa server with the REST channel and a Redis
tracker store (``endpoints.yml``, a Redis db of its own). Every process logs to a file of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import urlopen

from bot.channels.defaults import DEFAULTS as CHANNEL_DEFAULTS  # Rasa refuses unset ${VAR}s in credentials.yml

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "bot.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, seconds: float = 300, processes: dict[str, subprocess.Popen[bytes]] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode} (see its log)")
        try:
            with urlopen(url, timeout=2):
                return
        except (URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")


@dataclass
class Stack:
    bot_url: str
    api_url: str
    database: Path
    logs: dict[str, Path]
    pids: dict[str, int] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict, repr=False)
    env: dict[str, str] = field(default_factory=dict, repr=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, repr=False)
    health: dict[str, str] = field(default_factory=dict)

    def log_text(self) -> str:
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in self.logs.values())

    def peak_memory_mb(self) -> dict[str, float]:
        """Each process's peak resident memory so far (VmHWM), in MiB."""
        out = {}
        for name, pid in self.pids.items():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[name] = int(line.split()[1]) / 1024
        return out

    def start(self, name: str, *, wait: bool = True) -> None:
        """Start one of the processes (again), its log appended to; wait until it answers."""
        process = subprocess.Popen(self.commands[name], cwd=ROOT, env=self.env,
                                   stdout=self.logs[name].open("a"), stderr=subprocess.STDOUT)
        self.processes[name], self.pids[name] = process, process.pid
        if wait:
            wait_until_up(self.health[name], processes={name: process})

    def stop(self, name: str) -> None:
        """Stop one process as an operator (or a crash) would: SIGTERM, then SIGKILL after 20 s."""
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.processes[name].terminate()
        for name in list(self.processes):
            self.stop(name)


@contextmanager
def running(workdir: Path, redis_url: str, *, redis_db: int = 3, model: Path = MODEL,
            extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """The three processes, up and answering; stopped on exit."""
    if not model.exists():
        raise FileNotFoundError(f"{model} is missing: run `make train` first")
    from cryptography.fernet import Fernet

    api_port, actions_port, bot_port = free_port(), free_port(), free_port()
    database = workdir / "reports.sqlite3"
    redis = urlparse(redis_url)
    env = {
        **CHANNEL_DEFAULTS, **os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": redis_url,
        "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(), "TRIAGE_API_URL": f"http://127.0.0.1:{api_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook", "SANIC_HOST": "127.0.0.1",
        "BOT_REDIS_HOST": redis.hostname or "127.0.0.1", "BOT_REDIS_PORT": str(redis.port or 6379),
        "BOT_REDIS_DB": str(redis_db), "BOT_OUTBOX_PATH": str(workdir / "outbox.sqlite3"),
        "TRIAGE_REPORTS_PER_MINUTE": "100000", "TRIAGE_READS_PER_MINUTE": "100000", **(extra_env or {}),
    }
    env["TRIAGE_API_KEY"] = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "triage_api", "add-key", "--name", "bot", "--role", "service"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    commands = {
        "api": [str(ROOT / ".venv/bin/uvicorn"), "triage_api.main:app", "--port", str(api_port), "--no-access-log"],
        "actions": [str(ROOT / ".venv-rasa/bin/rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        "bot": [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--model", str(model), "-i", "127.0.0.1", "--port", str(bot_port),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
    }
    api, actions, bot = (f"http://127.0.0.1:{port}" for port in (api_port, actions_port, bot_port))
    stack = Stack(bot, api, database, {name: workdir / f"{name}.log" for name in commands}, commands=commands, env=env,
                  health={"api": f"{api}/healthz", "actions": f"{actions}/health", "bot": f"{bot}/"})
    for log in stack.logs.values():
        log.write_text("")
    try:
        for name in commands:
            stack.start(name, wait=False)
        for name in commands:
            wait_until_up(stack.health[name], processes=stack.processes)
        yield stack
    finally:
        stack.stop_all()
