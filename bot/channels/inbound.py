"""What every channel does to a person's text before the bot sees it.

>>> clean("/restart")  # no intent syntax from the public: Rasa would read "/intent{...}" as an intent
'restart'
>>> clean("  Ha\\u0300 No\\u0323\\u0302i\\x00 ")  # NFC (the tokenizer's offsets rely on it), no control characters
'Hà Nội'
>>> normalise(" /restart\\x00")  # what the REST channel does: Rasa's /intent syntax kept for evaluations
'/restart'
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """NFC and no control characters; ``/intent`` syntax left as it is."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def clean(text: str) -> str:
    return normalise(text).lstrip("/").strip()
