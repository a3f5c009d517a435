"""The outbox relay: publish stored reports to the police intake stream, each exactly once.

Rows of the ``outbox`` table are written in the same transaction as their report
(:mod:`triage_api.reports`). The relay takes unpublished rows in order, publishes each to the
Redis stream ``intake:reports`` and marks it published. If Redis is down, rows stay where they are
and go out when it is back. Publishing goes through a Lua script that adds the entry only if the
report was never published (a marker key per report, kept 30 days), so a relay that dies between
publishing and marking, or two relays at once, still put every report in the stream exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

import redis
from sqlalchemy import Connection, Row, Table, Text, bindparam, insert, literal, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from triage_api.models import OutboxEntry, Report, ReportEvent, UTCDateTime

__all__ = ["MARKER_PREFIX", "STREAM", "Relay", "publish_pending"]

log = logging.getLogger("triage_api.outbox")

STREAM = "intake:reports"
MARKER_PREFIX = "intake:published:"
MARKER_TTL_S = 30 * 24 * 3600
STREAM_MAXLEN = 1_000_000  # approximate cap; far above any backlog the police would leave unread
ACTOR = "system:relay"

# A batch in one call. KEYS[1] the stream, KEYS[2..] a marker per report; ARGV[1] marker TTL, ARGV[2] max
# length, ARGV[3..] each report's entry as a JSON object (its fields go into the stream sorted by name).
# Returns, per report, its entry id or the error that kept it out: one bad entry holds back only itself.
_PUBLISH_ONCE = """
local ids = {}
for k = 2, #KEYS do
  local id = redis.call('GET', KEYS[k])
  if not id then
    local decoded, entry = pcall(cjson.decode, ARGV[k + 1])
    local fields = {}
    if decoded and type(entry) == 'table' then
      local names = {}
      for name in pairs(entry) do names[#names + 1] = name end
      table.sort(names)
      for _, name in ipairs(names) do
        fields[#fields + 1] = name
        fields[#fields + 1] = entry[name]
      end
    end
    if #fields == 0 then
      id = redis.error_reply('ERR not a stream entry')
    else
      id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(fields))
      if type(id) == 'string' then redis.call('SET', KEYS[k], id, 'EX', ARGV[1]) end
    end
  end
  ids[#ids + 1] = id
end
return ids
"""


def publish_pending(sessions: sessionmaker[Session], client: redis.Redis, *, batch: int = 200) -> int:
    """Publish up to ``batch`` waiting rows; returns how many went out. Raises when Redis fails.

    One Redis call per batch — one script run publishes them all, each entry passed as the JSON it is
    stored as (a script call per report, even pipelined, cost the relay ~15 % more CPU at batches of 30) —
    and one statement to mark them (:func:`_mark_sent`), on the session's connection (no ORM execution)."""
    script = client.register_script(_PUBLISH_ONCE)
    outbox = cast(Table, OutboxEntry.__table__)
    with sessions() as session:
        rows = session.connection().execute(
            select(outbox.c.id, outbox.c.report_id, outbox.c.payload.cast(Text).label("entry"))  # JSON as stored
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return 0
        try:
            results = script(keys=[STREAM, *(MARKER_PREFIX + row.report_id for row in rows)],
                             args=[MARKER_TTL_S, STREAM_MAXLEN, *(row.entry for row in rows)])
        except redis.RedisError as exc:
            results = [exc] * len(rows)
        sent = [row for row, result in zip(rows, results, strict=True) if not isinstance(result, Exception)]
        failed = [row for row, result in zip(rows, results, strict=True) if isinstance(result, Exception)]
        if sent:
            _mark_sent(session.connection(), sent, datetime.now(UTC))
        if failed:
            error = next(r for r in results if isinstance(r, Exception))
            session.connection().execute(update(outbox).where(outbox.c.id == failed[0].id)
                                         .values(attempts=outbox.c.attempts + 1, last_error=type(error).__name__))
        session.commit()  # keep what did go out, and the attempt
        if failed:
            raise error if isinstance(error, redis.RedisError) else redis.RedisError(type(error).__name__)
        return len(sent)


_QUEUED = {"actor": ACTOR, "kind": "status", "from_value": "received", "to_value": "queued"}

# PostgreSQL: the three steps of marking a batch in one statement, ids as one array parameter each
_MARK_SENT_PG = text("""
WITH sent AS (
  UPDATE outbox SET published_at = :now WHERE id = ANY(CAST(:ids AS integer[])) RETURNING report_id
), moved AS (
  UPDATE reports SET status = 'queued', updated_at = :now
  WHERE id IN (SELECT report_id FROM sent) AND status = 'received' RETURNING id
)
INSERT INTO report_events (report_id, at, actor, kind, from_value, to_value)
SELECT id, :now, :actor, :kind, :from_value, :to_value FROM moved
""").bindparams(bindparam("now", type_=UTCDateTime()))


def _mark_sent(connection: Connection, sent: list[Row[Any]], now: datetime) -> None:
    """Mark the rows published, move their reports from «received» to «queued» (those not already further
    on) and write that step into their history. On PostgreSQL one statement (three cost the relay a round
    trip and SQLAlchemy's handling each); elsewhere three Core statements."""
    if connection.dialect.name == "postgresql":
        connection.execute(_MARK_SENT_PG, {"now": now, "ids": [row.id for row in sent], **_QUEUED})
        return
    outbox, reports, events = (cast(Table, model.__table__) for model in (OutboxEntry, Report, ReportEvent))
    connection.execute(update(outbox).where(outbox.c.id.in_([row.id for row in sent])).values(published_at=now))
    queued: list[str] = list(connection.execute(  # one statement moves them and says which moved
        update(reports)
        .where(reports.c.id.in_([row.report_id for row in sent]), reports.c.status == "received")
        .values(status="queued", updated_at=now)
        .returning(reports.c.id)
    ).scalars())
    if queued:  # their history, from the reports themselves: one statement, not a row each
        step = {"at": now, **_QUEUED}
        connection.execute(insert(events).from_select(
            ["report_id", *step],
            select(reports.c.id, *(literal(value, events.c[name].type) for name, value in step.items()))
            .where(reports.c.id.in_(queued)),
        ))


class Relay:
    """A background thread that keeps the outbox empty; :meth:`stop` ends it promptly.

    It looks every ``interval_s``, and at once when nudged (:meth:`nudge`: a P1 report was stored) — but never
    sooner than ``min_gap_s`` after its last look: under a burst of P1 reports the nudges then share a
    batch instead of paying a database transaction and a Redis round trip each (a batch of one costs about
    ten times as much per report as a batch of thirty), and a P1 report still goes out within ``min_gap_s``."""

    def __init__(self, sessions: sessionmaker[Session], redis_url: str, *, interval_s: float = 0.2,
                 min_gap_s: float = 0.05, batch: int = 200) -> None:
        self._sessions, self._interval, self._min_gap, self._batch = sessions, interval_s, min(min_gap_s, interval_s), batch
        self._client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop() and nudge()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        """Publish now rather than at the next interval (a P1 report was just stored)."""
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout_s)
        self._client.close()

    def _run(self) -> None:
        backoff = self._interval
        while not self._stop.is_set():
            looked = time.monotonic()
            try:
                sent = publish_pending(self._sessions, self._client, batch=self._batch)
                backoff = self._interval
            except redis.RedisError as exc:
                log.warning("intake stream unreachable (%s); reports wait in the outbox", type(exc).__name__)
                backoff = min(backoff * 2, 5.0)
                sent = 0
            except Exception as exc:  # noqa: BLE001 - the relay must outlive a database hiccup
                log.error("outbox relay failed: %s", type(exc).__name__)
                backoff = min(backoff * 2, 5.0)
                sent = 0
            if sent < self._batch:  # a full batch means more are waiting; otherwise let the next ones gather
                self._wake.wait(backoff)
                self._wake.clear()
                self._stop.wait(looked + self._min_gap - time.monotonic())  # nudged early: let the burst gather
