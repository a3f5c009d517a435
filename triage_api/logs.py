"""Structured logs: one JSON object a line, with report ids and never what anyone wrote.

``configure("json")`` (the default, ``TRIAGE_LOG_FORMAT``) puts :class:`JsonFormatter` on the API's
and uvicorn's loggers; ``"text"`` keeps the plain lines for a developer's terminal. Fields a caller
passes as ``extra=`` (``report_id``, ``route``, ``status``, ``ms``…) become keys of the object. The
message itself is built only from format strings written in this code base and the values passed to
them — ids, counts, exception *class* names — so a narrative cannot reach it through the formatter.

>>> record = logging.LogRecord("triage_api", logging.INFO, __file__, 1, "stored %d", (3,), None)
>>> record.report_id = "r-1"
>>> json.loads(JsonFormatter().format(record))["report_id"]
'r-1'
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["JsonFormatter", "TextFormatter", "configure"]

LogFormat = Literal["json", "text"]
# attributes every LogRecord has; anything else on a record came from ``extra=``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal, with an exception's class only, as in JSON (a traceback may quote input)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def formatException(self, ei: Any) -> str:
        return f"error: {ei[0].__name__}" if ei and ei[0] is not None else ""

    def formatStack(self, stack_info: str) -> str:
        return ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the class only: a message or traceback may quote input
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(fmt: LogFormat, level: str) -> None:
    """Write every record to stderr in ``fmt``: the API's through the root logger, uvicorn's through its
    own handlers; uvicorn's access log (raw paths with query strings) gives way to ours. Idempotent."""
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_triage", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._triage = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(formatter)
    for uvicorn_handler in logging.getLogger("uvicorn").handlers:
        uvicorn_handler.setFormatter(formatter)
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("triage_api").setLevel(level)
