"""Long-running commands: the outbox relay and the reference police consumer, stopped by SIGINT/SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import threading

import redis

from triage_api.intake import Consumer, Entry
from triage_api.lifecycle import move
from triage_api.outbox import Relay
from triage_api.resources import open_resources
from triage_api.settings import Settings

__all__ = ["run_worker"]


def run_worker(command: str, settings: Settings, *, name: str | None = None) -> int:
    if not settings.redis_url:
        print("REDIS_URL is not set: there is no intake stream to work on", file=sys.stderr)
        return 2
    resources = open_resources(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if command == "relay":
            relay = Relay(resources.sessions, settings.redis_url, interval_s=settings.relay_interval_s)
            relay.start()
            stop.wait()
            relay.stop()
            return 0
        assert name is not None

        def handle(entry: Entry) -> None:
            move(resources.sessions, resources.cipher, entry.fields["report_id"], "acknowledged", actor=f"police:{name}")
            print(json.dumps({"entry": entry.id, **entry.fields}, ensure_ascii=False), flush=True)

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
        Consumer(client, name, handle).run(stop)
        return 0
    finally:
        resources.close()
