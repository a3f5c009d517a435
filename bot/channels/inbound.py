"""What every channel does to a person's text before the bot sees it.

>>> clean("/restart")  # no intent syntax from the public: Rasa would read "/intent{...}" as an intent
'restart'
>>> clean("  Ha\\u0300 No\\u0323\\u0302i\\x00 ")  # NFC (the tokenizer's offsets rely on it), no control characters
'Hà Nội'
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    return text.lstrip("/").strip()
