"""Encryption of personal fields at rest: AES-256-GCM (``cryptography``), with keys that rotate.

Keys come from the environment as a comma-separated list, newest first
(``TRIAGE_DATA_KEYS=<new>,<old>``): everything is encrypted with the first key and can be decrypted
with any of them, so a key is rotated by putting a new one in front, running
``python -m triage_api rotate-keys`` (re-encrypts every stored field), then dropping the old one.
A key is 32 random bytes in URL-safe base64 — the form ``Fernet.generate_key()`` prints — and the
AES key is derived from it with HKDF-SHA256, so a key never serves two algorithms.

A value is stored as ``g1.`` + base64url(key id (4 bytes) ‖ nonce (12, random) ‖ ciphertext ‖ tag):
the key id picks the key, and the tag makes any change to the token fail to decrypt. Values written
before AES-GCM replaced Fernet (AES-128-CBC + HMAC, 5–8 times slower: ~20 µs against ~3 µs an
encryption, four to six a report) are still read; ``rotate-keys`` rewrites them as AES-GCM. Random
96-bit nonces stay safe for 2³² encryptions under one key — some 700 million reports; rotate long before.

A developer machine with no keys set gets one generated into ``var/data.keys`` (mode 0600, ignored
by git) so that ``make run`` works; production sets ``TRIAGE_DATA_KEYS`` and the file is never made.

>>> cipher = FieldCipher([new_key()])
>>> token = cipher.encrypt("Nguyễn Thị A, 0912 000 111")
>>> "Nguyễn" in token, token[:3], cipher.decrypt(token)
(False, 'g1.', 'Nguyễn Thị A, 0912 000 111')
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["FieldCipher", "InvalidToken", "load_keys", "new_key"]

PREFIX = "g1."
_ID, _NONCE = 4, 12


def new_key() -> str:
    """A new data key: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _derive(secret: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=SHA256(), length=length, salt=None, info=b"triage_api data key: " + purpose).derive(secret)


class FieldCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        secrets: list[bytes] = []
        for key in keys:
            try:
                secret = base64.urlsafe_b64decode(key.strip().encode("ascii"))
            except (binascii.Error, UnicodeEncodeError):
                secret = b""
            if len(secret) != 32:
                raise ValueError("a data key must be 32 bytes in URL-safe base64 (python -m triage_api new-key)")
            secrets.append(secret)
        self._legacy = MultiFernet([Fernet(base64.urlsafe_b64encode(s)) for s in secrets])  # tokens written before g1
        ids = [_derive(secret, b"key id", _ID) for secret in secrets]
        self._aead: dict[bytes, list[AESGCM]] = {}
        for key_id, secret in zip(ids, secrets, strict=True):
            self._aead.setdefault(key_id, []).append(AESGCM(_derive(secret, b"AES-256-GCM", 32)))
        self._newest_id = ids[0]
        self._newest = self._aead[self._newest_id][0]

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._newest.encrypt(nonce, plaintext.encode("utf-8"), None)
        return PREFIX + base64.urlsafe_b64encode(self._newest_id + nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext; :class:`InvalidToken` when no key opens it or it was changed."""
        try:
            if not token.startswith(PREFIX):
                return self._legacy.decrypt(token.encode("ascii")).decode("utf-8")
            raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            raise InvalidToken from None
        nonce, sealed = raw[_ID:_ID + _NONCE], raw[_ID + _NONCE:]
        for aead in self._aead.get(raw[:_ID], ()):
            try:
                return aead.decrypt(nonce, sealed, None).decode("utf-8")
            except (InvalidTag, ValueError):
                continue
        raise InvalidToken

    def rotate(self, token: str) -> str:
        """The same plaintext under the newest key (and as AES-GCM, if it was written with Fernet)."""
        return self.encrypt(self.decrypt(token))


def load_keys(env_value: str | None, key_file: Path) -> list[str]:
    """Keys from ``TRIAGE_DATA_KEYS``, else from ``key_file``, which is created when missing."""
    if env_value:
        return [k.strip() for k in env_value.split(",") if k.strip()]
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as f:
            f.write(new_key() + "\n")
    return [k.strip() for k in key_file.read_text().split(",") if k.strip()]
