"""``make bench-intake``: sustained report intake against PostgreSQL + Redis, next to Redis's own ceiling.

Starts the API as ``make run`` would (uvicorn, ``--workers`` processes, each with its outbox relay)
on PostgreSQL (``BENCH_DATABASE_URL``, default the local ``test`` database, in a schema
``bench_intake`` of its own, made afresh) and Redis (``REDIS_URL``, else a private redis-server), then:

1. the Redis ceiling: single-client XADD of a stream entry like ours, entries per second;
2. ``POST /v1/reports`` from ``--concurrency`` clients for ``--reports`` reports: reports per second
   and p50/p95/max latency, and the ratio to the ceiling;
3. the time until every report is in the stream (the relay keeping up).

Target (issue 3): ≥ 500 reports/s on 2 cores with p95 ≤ 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import redis
from cryptography.fernet import Fernet
from sqlalchemy import text

from triage_api.db import connect, with_search_path
from triage_api.devservices import RedisServer, free_port
from triage_api.outbox import STREAM

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
NARRATIVES = [
    "Em gái tôi 17 tuổi bị nhốt ở Campuchia, họ đòi 8000 đô mới thả",
    "tren fb co nguoi tuyen di lao lam viec nhe luong cao, bao an o",
    "Cho hỏi nạn nhân mua bán người được hỗ trợ những gì?",
    "con toi di sang trung quoc lam 3 thang nay mat lien lac, nha o Ha Giang",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _redis_ceiling(client: redis.Redis, seconds: float = 2.0) -> float:
    fields = {"report_id": str(uuid.uuid4()), "urgency": "P1", "province": "Bắc Ninh", "indicators": "CONFINEMENT,CROSS_BORDER",
              "channel": "web", "consent": "confidential", "received_at": "2026-11-23T00:00:00+00:00"}
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.xadd("bench:ceiling", fields)  # type: ignore[arg-type]
        n += 1
    elapsed = time.perf_counter() - start
    client.delete("bench:ceiling")
    return n / elapsed


async def _load(url: str, reports: int, concurrency: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(reports):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {"channel": "web", "consent": "anonymous", "narrative": NARRATIVES[i % len(NARRATIVES)] + f" (#{i})"}
            t0 = time.perf_counter()
            try:
                r = await client.post("/v1/reports", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
            except httpx.TransportError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 201

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return latencies, elapsed, errors


def main(*, reports: int = 2000, concurrency: int = 16, workers: int = 2) -> int:
    server_url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    engine = connect(server_url)
    with engine.begin() as conn:  # a schema of its own, made afresh: nothing else in the database is touched
        conn.execute(text("DROP SCHEMA IF EXISTS bench_intake CASCADE"))
        conn.execute(text("CREATE SCHEMA bench_intake"))
    engine.dispose()
    database = with_search_path(server_url, "bench_intake")
    own: RedisServer | None = None
    redis_url = os.environ.get("REDIS_URL")
    tmp = tempfile.TemporaryDirectory()
    if not redis_url:
        own = RedisServer(Path(tmp.name))
        own.start()
        redis_url = own.url
    client = redis.Redis.from_url(redis_url)
    client.delete(STREAM, *client.keys("intake:published:*"))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "TRIAGE_DATA_KEYS": Fernet.generate_key().decode(),
           "TRIAGE_REPORTS_PER_MINUTE": "1000000", "TRIAGE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "triage_api.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        time.sleep(5)  # the first worker answers while the others still load their models
        ceiling = _redis_ceiling(client)
        warm = min(200, reports)
        asyncio.run(_load(url, warm, concurrency))  # warm every worker up
        for _ in range(300):  # let the relay publish the warm-up reports before the measured run
            if client.xlen(STREAM) >= warm:
                break
            time.sleep(0.1)
        client.delete(STREAM)
        latencies, elapsed, errors = asyncio.run(_load(url, reports, concurrency))
        rate = reports / elapsed
        published_by = time.perf_counter()
        while client.xlen(STREAM) < reports and time.perf_counter() - published_by < 120:
            time.sleep(0.1)
        drain = time.perf_counter() - published_by
        in_stream = client.xlen(STREAM)
    finally:
        server.terminate()
        server.wait(30)
        client.close()
        if own is not None:
            own.stop()
        tmp.cleanup()
    if not latencies:
        print("no report was accepted: is the API starting? (see its output above)")
        return 1
    print(f"intake benchmark: {workers} API workers, {concurrency} concurrent clients, {reports} reports, "
          f"PostgreSQL + Redis, {os.cpu_count()} cores")
    print(f"  Redis ceiling (single-client XADD):   {ceiling:8.0f} entries/s")
    print(f"  POST /v1/reports sustained:           {rate:8.0f} reports/s   ({rate / ceiling:.1%} of the ceiling)")
    print(f"  latency ms: p50 {_percentile(latencies, 0.5):.1f}  p95 {_percentile(latencies, 0.95):.1f}  "
          f"max {max(latencies):.1f}   errors: {errors}")
    print(f"  in the stream: {in_stream}/{reports}, {drain:.1f} s after the last answer")
    print("target: >= 500 reports/s with p95 <= 50 ms on 2 cores")
    return 0 if errors == 0 and in_stream == reports else 1
