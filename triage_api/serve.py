"""``python -m triage_api serve``: the API on ``--workers`` processes that share the connections evenly.

``uvicorn --workers N`` lets every worker accept from one listening socket, and an idle worker takes
whatever connections are waiting: clients that open their keep-alive connections together (a reverse
proxy, the load generator of ``make bench-intake``) can all land on one worker, which then runs at a
full core while the other waits (seen once: 99 % against 28 % of a core). Here each worker binds its own
socket to the same port with ``SO_REUSEPORT`` and the kernel spreads new connections across them.

The parent only supervises: a worker that dies is started again; SIGINT/SIGTERM stop them all.
Where ``SO_REUSEPORT`` does not exist (not Linux/BSD) or with one worker, this is plain uvicorn.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess

import uvicorn

__all__ = ["bind", "main"]

APP = "triage_api.main:app"
_RESTART_DELAY_S = 1.0
_PR_SET_PDEATHSIG = 1


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that other processes of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _die_with_parent() -> None:
    """Linux: this worker gets SIGTERM when the supervisor dies, even by SIGKILL — no orphaned workers."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's own shutdown still stops the workers
        pass


def _serve(host: str, port: int, log_level: str, access_log: bool) -> None:
    _die_with_parent()
    config = uvicorn.Config(APP, host=host, port=port, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[bind(host, port)])


def main(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info",
         access_log: bool = False) -> int:
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, log_level=log_level, access_log=access_log)
        return 0
    bind(host, port).close()  # fail here, once, if the port is taken by someone else
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(target=_serve, args=(host, port, log_level, access_log), name="triage-api-worker")
        process.start()
        return process

    def stop(*_: object) -> None:
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    processes = [start() for _ in range(workers)]
    while not stopping.wait(0.5):
        for n, process in enumerate(processes):
            if not process.is_alive() and not stopping.is_set():
                print(f"API worker {process.pid} ended (exit code {process.exitcode}); starting another",
                      file=sys.stderr, flush=True)
                time.sleep(_RESTART_DELAY_S)
                processes[n] = start()
    for process in processes:
        if process.is_alive() and process.pid is not None:
            process.terminate()  # uvicorn finishes the requests in flight, then the lifespan's shutdown
    for process in processes:
        process.join(30)
        if process.is_alive():
            process.kill()
    return 0
