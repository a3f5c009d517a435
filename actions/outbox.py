"""The bot's durable outbox: a report the triage API could not take now is kept and retried until accepted.

Each waiting report is a row in a small SQLite file (``BOT_OUTBOX_PATH``, default
``var/bot_outbox.sqlite3``), its body encrypted with Fernet (``BOT_OUTBOX_KEY``, else a key file made
beside the database, mode 0600) — a report holds a victim's story. The report's Idempotency-Key goes
with it, so a retry after a lost answer never makes a second report. A daemon thread retries every
``BOT_OUTBOX_RETRY_S`` seconds (30) while anything waits; it also starts when the action server
starts with a backlog. A report the API refuses as invalid (4xx) stays, marked, for an operator.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from actions import api

log = logging.getLogger(__name__)

_lock = threading.Lock()
_retrier: threading.Thread | None = None


def _path() -> Path:
    return Path(os.environ.get("BOT_OUTBOX_PATH", "var/bot_outbox.sqlite3"))


def _fernet() -> Fernet:
    key = os.environ.get("BOT_OUTBOX_KEY")
    if not key:
        key_file = _path().with_suffix(".key")
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(Fernet.generate_key().decode())
        key = key_file.read_text().strip()
    return Fernet(key.encode())


def _connect() -> sqlite3.Connection:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, body BLOB NOT NULL, created REAL NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0, refused TEXT)"
    )
    return conn


def put(idempotency_key: str, body: dict[str, Any]) -> None:
    """Keep a report until the API accepts it (durable once this returns), and make sure it is retried."""
    token = _fernet().encrypt(json.dumps(body, ensure_ascii=False).encode())
    with _lock, _connect() as conn:
        conn.execute("INSERT OR IGNORE INTO outbox (key, body, created) VALUES (?, ?, ?)", (idempotency_key, token, time.time()))
    ensure_retrying()


def pending() -> list[str]:
    """Keys of the reports still waiting for the API (refused ones included)."""
    with _lock, _connect() as conn:
        return [row[0] for row in conn.execute("SELECT key FROM outbox ORDER BY created")]


def deliver() -> tuple[int, int]:
    """Try every waiting report once: (delivered, still waiting)."""
    with _lock, _connect() as conn:
        rows = list(conn.execute("SELECT key, body FROM outbox WHERE refused IS NULL ORDER BY created"))
    fernet, delivered = _fernet(), 0
    for key, token in rows:
        body = json.loads(fernet.decrypt(token))
        try:
            api.submit_report(body, key)
        except api.Unreachable:
            with _lock, _connect() as conn:
                conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE key = ?", (key,))
            break  # the API is still away: the rest wait too
        except api.Refused as refused:
            with _lock, _connect() as conn:
                conn.execute("UPDATE outbox SET refused = ? WHERE key = ?", (refused.code, key))
            log.error("a queued report was refused by the triage API (%s); kept for an operator", refused.code)
            continue
        with _lock, _connect() as conn:
            conn.execute("DELETE FROM outbox WHERE key = ?", (key,))
        delivered += 1
    with _lock, _connect() as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM outbox WHERE refused IS NULL").fetchone()[0]
    if delivered:
        log.info("outbox delivered %d report(s), %d waiting", delivered, waiting)
    return delivered, waiting


def _retry_forever() -> None:
    global _retrier
    interval = float(os.environ.get("BOT_OUTBOX_RETRY_S", "30"))
    while True:
        time.sleep(interval)
        try:
            _, waiting = deliver()
        except Exception as exc:  # noqa: BLE001 - the retrier must outlive a bad moment
            log.error("outbox retry failed: %s", type(exc).__name__)
            continue
        if not waiting:
            with _lock, _connect() as conn:  # checked under the lock: a report put meanwhile keeps us going
                if not conn.execute("SELECT 1 FROM outbox WHERE refused IS NULL LIMIT 1").fetchone():
                    _retrier = None
                    return


def ensure_retrying() -> None:
    """Start the retry thread if reports wait and none runs."""
    global _retrier
    with _lock:
        if _retrier is not None and _retrier.is_alive():
            return
        with _connect() as conn:
            if not conn.execute("SELECT 1 FROM outbox WHERE refused IS NULL LIMIT 1").fetchone():
                return
        _retrier = threading.Thread(target=_retry_forever, name="bot-outbox", daemon=True)
        _retrier.start()
