"""Command line: ``python -m triage_api classify|evaluate|bench|serve|relay|consume|add-user|add-key|new-key|rotate-keys|retention``.

``classify`` is the batch contract: JSON lines ``{"id", "text"}`` on stdin, one JSON line
``{"id", "urgency", "indicators": [codes], "province"}`` per input on stdout.
"""

from __future__ import annotations

import argparse
import sys

from triage_api.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage_api", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classify", help="triage JSON lines {id, text} from stdin to stdout")
    ev = sub.add_parser("evaluate", help="accuracy on labelled JSON-lines files")
    ev.add_argument("files", nargs="+", help="labelled sets (eval/*.jsonl)")
    ev.add_argument("--json", dest="as_json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--errors", dest="show_errors", action="store_true", help="list the messages it gets wrong (ids only)")
    bench = sub.add_parser("bench", help="speed: in-process latency and batch CLI throughput")
    bench.add_argument("--messages", type=int, default=2000, help="messages for the batch CLI run")
    bench_intake = sub.add_parser("bench-intake", help="report intake rate and latency on PostgreSQL + Redis")
    bench_intake.add_argument("--reports", type=int, default=2000)
    bench_intake.add_argument("--concurrency", type=int, default=16)
    bench_intake.add_argument("--workers", type=int, default=2)
    bench_intake.add_argument("--rounds", type=int, default=3)
    bench_intake.add_argument("--rate", type=float, default=500, help="reports a second of the open-loop rounds")
    bench_intake.add_argument("--shared-socket", action="store_true",
                              help="serve with `uvicorn --workers` (one socket for all workers) instead of `serve`, to compare")
    serve = sub.add_parser("serve", help="the API on --workers processes, each with its own socket (SO_REUSEPORT)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="processes; the CPU cores to use is a good choice")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    sub.add_parser("relay", help="publish the outbox to the intake stream until interrupted")
    consume = sub.add_parser("consume", help="reference police consumer: acknowledge entries, print them as JSON lines")
    consume.add_argument("--name", required=True, help="this consumer's unique name in the group")
    for command, what in (("add-user", "add a person who signs in (password on stdin)"),
                          ("add-key", "make an API key for a service or a police consumer (printed once)")):
        admin = sub.add_parser(command, help=what)
        admin.add_argument("--name", required=True)
        admin.add_argument("--role", required=True, choices=["operator", "supervisor", "police", "auditor", "service"])
    sub.add_parser("demo-accounts", help="(developer machines) disable earlier demo accounts, make an operator and a "
                                         "supervisor for this run; prints: operator supervisor password")
    sub.add_parser("new-key", help="print a new data key (put it first in TRIAGE_DATA_KEYS, then rotate-keys)")
    sub.add_parser("rotate-keys", help="re-encrypt every personal field under the newest of TRIAGE_DATA_KEYS")
    sub.add_parser("retention", help="erase personal fields of reports finished more than TRIAGE_RETENTION_DAYS ago")
    args = parser.parse_args(argv)

    if args.command == "bench-intake":
        from triage_api.bench_intake import main as run_bench_intake

        return run_bench_intake(reports=args.reports, concurrency=args.concurrency, workers=args.workers, rounds=args.rounds,
                                rate=args.rate, shared_socket=args.shared_socket)
    if args.command == "serve":
        from triage_api.serve import main as serve_api

        return serve_api(host=args.host, port=args.port, workers=args.workers, log_level=args.log_level)
    if args.command == "new-key":
        from triage_api.crypto import new_key

        print(new_key())
        return 0
    if args.command in ("add-user", "add-key", "demo-accounts", "rotate-keys", "retention"):
        from triage_api.admin import run_admin

        return run_admin(args.command, get_settings(), name=getattr(args, "name", None), role=getattr(args, "role", None))
    if args.command in ("relay", "consume"):
        from triage_api.workers import run_worker

        return run_worker(args.command, get_settings(), name=getattr(args, "name", None))

    if args.command == "classify":
        from triage_api.batch import classify_stream

        # undecodable bytes become surrogates, which the validator reports per line
        sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")  # type: ignore[union-attr]
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        return classify_stream(sys.stdin, sys.stdout, max_chars=get_settings().max_text_chars)
    if args.command == "evaluate":
        from triage_api.evaluation import main as evaluate

        return evaluate(args.files, as_json=args.as_json, show_errors=args.show_errors)
    from triage_api.bench import main as run_bench

    return run_bench(messages=args.messages)


if __name__ == "__main__":
    sys.exit(main())
