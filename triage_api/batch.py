"""The batch classifier behind ``python -m triage_api classify``.

Every input line gets exactly one output line, in order — a line that cannot be triaged gets
``{"id": …, "error": {…}}`` instead of being dropped, so a pipeline can count and retry it.
Output never contains the submitted text.

>>> import io
>>> out = io.StringIO()
>>> classify_stream(io.StringIO('{"id": 1, "text": "em bi nhot, cuu em"}\\n'), out, max_chars=5000)
0
>>> out.getvalue()
'{"id": 1, "urgency": "P1", "indicators": ["CONFINEMENT", "IMMEDIATE_DANGER"], "province": null}\\n'
"""

from __future__ import annotations

import json
from typing import IO, Any

from triage_api.engine.triage import triage
from triage_api.engine.validate import TextProblem, check_text

__all__ = ["classify_line", "classify_stream"]

_BAD_JSON = TextProblem("invalid_json", "Dòng không phải JSON hợp lệ.", "The line is not valid JSON.")
_INTERNAL = TextProblem("internal_error", "Lỗi khi phân loại dòng này.", "Internal error while classifying this line.")
_BAD_SHAPE = TextProblem("invalid_line", "Mỗi dòng cần dạng {\"id\": …, \"text\": \"…\"}.", 'Each line must be {"id": …, "text": "…"}.')


def _error(ident: Any, problem: TextProblem) -> dict[str, Any]:
    return {"id": ident, "error": {"code": problem.code, "message_vi": problem.vi, "message_en": problem.en}}


def classify_line(line: str, *, max_chars: int) -> dict[str, Any]:
    """The output object for one input line."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return _error(None, _BAD_JSON)
    if not isinstance(item, dict) or "text" not in item:
        return _error(item.get("id") if isinstance(item, dict) else None, _BAD_SHAPE)
    ident = item.get("id")
    if not isinstance(ident, str | int | float | type(None)):
        ident = None
    problem = check_text(item["text"], max_chars=max_chars)
    if problem is not None:
        return _error(ident, problem)
    try:
        result = triage(item["text"])
    except Exception:  # noqa: BLE001 - one bad message must not stop the batch; its text is not logged
        return _error(ident, _INTERNAL)
    codes = list(dict.fromkeys(i.code for i in result.indicators))
    return {"id": ident, "urgency": result.urgency, "indicators": codes, "province": result.entities["province"]}


def classify_stream(lines: IO[str], out: IO[str], *, max_chars: int) -> int:
    """Classify every non-blank line of ``lines``; returns the process exit code (0)."""
    for line in lines:
        if not line.strip():
            continue
        out.write(json.dumps(classify_line(line, max_chars=max_chars), ensure_ascii=False) + "\n")
    out.flush()
    return 0
