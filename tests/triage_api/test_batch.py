"""The batch CLI contract: python -m triage_api classify, JSON lines in and out."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "triage_api", "classify"], input=stdin, capture_output=True, cwd=ROOT, timeout=120, check=False)


def test_classify_contract_and_errors_in_order() -> None:
    lines = [
        json.dumps({"id": "a", "text": "em bi nhot o bac giang, cuu em"}),
        json.dumps({"id": 2, "text": "Tổng đài 111 là gì?"}, ensure_ascii=False),
        '{"id": "broken", "text": ',
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "no-text"}),
        "",
        json.dumps({"id": "long", "text": "a" * 6000}),
        json.dumps({"id": "typed", "text": 42}),
    ]
    done = run_cli(("\n".join(lines) + "\n").encode() + b'{"id": "bytes", "text": "\xff\xfe"}\n')
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", 2, None, "empty", "no-text", "long", "typed", "bytes"]
    first = out[0]
    assert set(first) == {"id", "urgency", "indicators", "province"}
    assert first["urgency"] == "P1" and first["province"] == "Bắc Ninh"
    assert {"CONFINEMENT", "IMMEDIATE_DANGER"} <= set(first["indicators"])
    assert out[1]["urgency"] == "P4" and out[1]["indicators"] == []
    assert [o["error"]["code"] for o in out[2:]] == [
        "invalid_json", "text_empty", "invalid_line", "text_too_long", "text_not_string", "text_invalid_unicode",
    ]
    assert b"nhot" not in done.stdout and b"nhot" not in done.stderr
