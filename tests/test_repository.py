"""The repository's own promises: NFC text, the two-command README, CI = make test, both environments."""

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".yml", ".yaml", ".md", ".json", ".jsonl", ".csv", ".txt", ".in", ".toml"}


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.splitlines() if Path(p).suffix in TEXT_SUFFIXES]


def test_all_text_is_utf8_nfc() -> None:
    files = tracked_files()
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), f"{path.relative_to(ROOT)} is not NFC"


def test_readme_quick_start_is_make_run_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:sh|bash)?\n(.*?)```", quick, flags=re.DOTALL)
    lines = [line.strip() for block in commands for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert lines == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line.startswith("make")] == ["make test"]


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, flags=re.MULTILINE))
    helped = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    listed = set(re.findall(r"make (\S+)", helped))
    assert targets == listed


@pytest.mark.skipif(not (ROOT / ".venv-rasa" / "bin" / "python").exists(), reason="the Rasa environment is built by make setup")
def test_rasa_environment_has_the_pinned_versions() -> None:
    code = (
        "import sys; from importlib.metadata import version as v; "
        "assert sys.version_info[:2] == (3, 10), sys.version; "
        "print(v('rasa'), v('rasa-sdk'), v('underthesea'), v('pydantic'))"
    )
    out = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "3.6.21" and out[1].startswith("3.6.") and out[2] == "9.5.0" and out[3].startswith("1.")


def test_api_environment_is_python_311_or_newer() -> None:
    assert sys.version_info >= (3, 11)
