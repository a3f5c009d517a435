"""The held-out NLU files stay held out: none of their messages is a training example."""

import re
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def _examples(path: Path) -> set[str]:
    """Every example of a Rasa NLU file, without entity marks, NFC, lower-case, single-spaced."""
    found = set()
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- "))
            if text:
                found.add(" ".join(unicodedata.normalize("NFC", text).lower().split()))
    return found


def test_no_held_out_message_is_trained_on() -> None:
    training = set().union(*(_examples(p) for p in (ROOT / "nlu_data").glob("*.yml")))
    held_out_files = sorted((ROOT / "tests" / "nlu").glob("*.yml"))
    assert len(held_out_files) >= 3 and len(training) > 500
    for path in held_out_files:
        held_out = _examples(path)
        assert held_out
        # one- and two-word answers ("ok", "không", "xin chào") have no other wording; anything longer does
        shared = {text for text in held_out & training if len(text.split()) >= 3}
        assert not shared, f"{path.name} examples also in nlu_data/: {sorted(shared)}"
