"""Encryption of personal fields at rest (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``).

Keys come from the environment as a comma-separated list, newest first
(``TRIAGE_DATA_KEYS=<new>,<old>``): everything is encrypted with the first key and can be decrypted
with any of them, so a key is rotated by putting a new one in front, running
``python -m triage_api rotate-keys`` (re-encrypts every stored field), then dropping the old one.

A developer machine with no keys set gets one generated into ``var/data.keys`` (mode 0600, ignored
by git) so that ``make run`` works; production sets ``TRIAGE_DATA_KEYS`` and the file is never made.

>>> cipher = FieldCipher([Fernet.generate_key().decode()])
>>> token = cipher.encrypt("Nguyễn Thị A, 0912 000 111")
>>> "Nguyễn" in token, cipher.decrypt(token)
(False, 'Nguyễn Thị A, 0912 000 111')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["FieldCipher", "InvalidToken", "load_keys"]


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def rotate(self, token: str) -> str:
        """The same plaintext under the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def load_keys(env_value: str | None, key_file: Path) -> list[str]:
    """Keys from ``TRIAGE_DATA_KEYS``, else from ``key_file``, which is created when missing."""
    if env_value:
        return [k.strip() for k in env_value.split(",") if k.strip()]
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as f:
            f.write(Fernet.generate_key().decode() + "\n")
    return [k.strip() for k in key_file.read_text().split(",") if k.strip()]
