"""`python -m triage_api serve --workers 2`: connections spread over both workers, a dead worker is replaced,
SIGTERM stops them all. Linux only (SO_REUSEPORT, /proc)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.triage_api.test_server import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or not Path("/proc/net/tcp").exists(),
                                reason="needs SO_REUSEPORT and /proc (Linux)")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        out += [int(c) for c in children]
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _listening_inodes(port: int) -> set[str]:
    """inodes of the sockets listening on ``port`` on 127.0.0.1."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:  # LISTEN
            out.add(fields[9])
    return out


def _server_side_remote_ports() -> dict[str, int]:
    """inode → remote port of every established TCP connection on 127.0.0.1."""
    out = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01":  # ESTABLISHED
            out[fields[9]] = int(fields[2].split(":")[1], 16)
    return out


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(ROOT), "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'reports.sqlite3'}", "TRIAGE_DATA_KEY_FILE": str(tmp_path / "data.keys"),
        "TRIAGE_WARM_UP": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage_api", "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()  # its workers still end: they die with their parent
                proc.wait(10)


def _wait_up(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the API did not answer within {seconds} s")


def test_connections_opened_together_are_spread_over_both_workers(served: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = served
    time.sleep(3)  # both workers listening (the first may answer before the second has bound)
    port = int(url.rsplit(":", 1)[1])
    # opened in one burst, as a proxy or a load generator opens its keep-alive connections
    connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(32)]
    try:
        for c in connections:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        for c in connections:
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
        ports = _server_side_remote_ports()
        per_worker = {}
        for pid in _children(proc.pid):
            owned = {ports[i] for i in _socket_inodes(pid) if i in ports}
            if owned:
                per_worker[pid] = len(owned)
        assert len(per_worker) == 2, per_worker
        assert min(per_worker.values()) >= 4, per_worker  # by the kernel's hash: 32 connections, about 16 each
        # each worker listens on a socket of its own (with one shared socket, as uvicorn --workers, both
        # would hold the same one, and a burst can go to whichever worker accepts first)
        listening = _listening_inodes(port)
        own = [_socket_inodes(pid) & listening for pid in per_worker]
        assert all(len(o) == 1 for o in own) and own[0] != own[1], own
    finally:
        for c in connections:
            c.close()


def test_workers_end_when_the_supervisor_is_killed(served: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, _ = served
    time.sleep(3)
    workers = [pid for pid in _children(proc.pid) if "spawn_main" in _cmdline(pid)]
    assert len(workers) == 2
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 60
    while any("spawn_main" in _cmdline(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any("spawn_main" in _cmdline(pid) for pid in workers), "orphaned API workers"


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(served: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = served
    time.sleep(3)
    before = set(_children(proc.pid))
    victim = next(pid for pid in before if _socket_inodes(pid) and "spawn_main" in _cmdline(pid))
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        now = {pid for pid in _children(proc.pid) if "spawn_main" in _cmdline(pid)}
        if victim not in now and len(now - before) >= 1:
            break
        time.sleep(0.5)
    else:
        pytest.fail("no new worker after one was killed")
    _wait_up(url)
    workers = [pid for pid in _children(proc.pid) if "spawn_main" in _cmdline(pid)]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    assert all(not Path(f"/proc/{pid}").exists() or "spawn_main" not in _cmdline(pid) for pid in workers)
