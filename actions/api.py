"""A thin client for the triage API: ``POST /v1/triage``, ``POST /v1/reports``, ``POST /v1/handoffs``.

Short timeouts (a person is waiting), no retries here (the outbox retries reports), and never a
message text in a log line: failures are logged by kind only.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import requests

log = logging.getLogger(__name__)

TIMEOUT_S = float(os.environ.get("TRIAGE_API_TIMEOUT_S", "3"))


class Unreachable(Exception):
    """The API did not answer, or answered 5xx/429: try again later."""


class Refused(Exception):
    """The API answered 4xx: the request itself is wrong; ``code`` says why (never the content)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code = status, code


def base_url() -> str:
    return os.environ.get("TRIAGE_API_URL", "http://127.0.0.1:8000").rstrip("/")


def _post(path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    all_headers = dict(headers or {})
    key = os.environ.get("TRIAGE_API_KEY")
    if key:
        all_headers["Authorization"] = f"Bearer {key}"
    try:
        response = requests.post(base_url() + path, json=body, headers=all_headers, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        log.warning("triage API unreachable on %s: %s", path, type(exc).__name__)
        raise Unreachable(type(exc).__name__) from None
    if response.status_code >= 500 or response.status_code == 429:
        log.warning("triage API answered %s on %s", response.status_code, path)
        raise Unreachable(str(response.status_code))
    if response.status_code >= 400:
        try:
            code = str(response.json().get("code", "refused"))
        except ValueError:
            code = "refused"
        log.warning("triage API refused %s: %s %s", path, response.status_code, code)
        raise Refused(response.status_code, code)
    result: dict[str, Any] = response.json()
    return result


def triage(text: str) -> dict[str, Any]:
    return _post("/v1/triage", {"text": text})


def submit_report(body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return _post("/v1/reports", body, {"Idempotency-Key": idempotency_key})


def request_handoff(conversation_id: str, channel: str) -> dict[str, Any]:
    return _post("/v1/handoffs", {"conversation_id": conversation_id, "channel": channel})
