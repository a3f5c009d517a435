"""The live stream against the real server: a report submitted while it is open arrives, once, without
any personal field."""

from __future__ import annotations

import json
import threading

import httpx

from tests.console.conftest import Server


def test_a_new_report_arrives_on_the_stream_once(server: Server) -> None:
    headers = server.headers("auditor")
    events: list[dict[str, object]] = []
    opened = threading.Event()

    def listen() -> None:
        # read until the stream is quiet for 4 s: several polls after the report, each could repeat it
        try:
            with httpx.stream("GET", f"{server.url}/v1/queue/events", headers=headers,
                              timeout=httpx.Timeout(10, read=4)) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                opened.set()
                kind = ""
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "report":
                        events.append(json.loads(line[6:]))
        except httpx.ReadTimeout:
            pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert opened.wait(10)
    accepted = server.submit("Cứu em với, em đang bị nhốt ở Campuchia")
    thread.join(30)
    mine = [e for e in events if e["id"] == accepted["id"]]
    assert len(mine) == 1, events
    assert mine[0]["urgency"] == "P1" and mine[0]["status"] == "received" and "narrative" not in mine[0]
