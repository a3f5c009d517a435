"""Receipt codes: what a person writes down or reads over the phone to follow up a report.

``7KQM-X4TD`` — eight random characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S,
8/B, 2/Z, U/V), then a check character that catches any single mistyped character and any swap
of two neighbours. Codes are drawn from :mod:`secrets` (23⁸ ≈ 7.8·10¹⁰ codes): one code says
nothing about another. Lower case, spaces and dashes are accepted when reading a code back.

>>> code = new_code()
>>> len(code), code[4]
(10, '-')
>>> normalise(code.lower().replace("-", " ")) == code
True
>>> is_valid(code), is_valid(code[:-1] + ("A" if code[-1] != "A" else "C"))
(True, False)
"""

from __future__ import annotations

import secrets

__all__ = ["ALPHABET", "is_valid", "new_code", "normalise"]

ALPHABET = "ACDEFGHJKMNPQRTWXY34679"  # 23 characters, a prime: the check below catches swaps
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_BODY = 8


def _check(body: str) -> str:
    """Weighted sum modulo the (prime) alphabet size: each position has its own non-zero weight."""
    total = sum((i + 1) * _VALUE[ch] for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    # one draw of 23⁸ values, read as eight base-23 digits: uniform, and one system call, not eight
    number = secrets.randbelow(len(ALPHABET) ** _BODY)
    digits = []
    for _ in range(_BODY):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    body = "".join(digits)
    full = body + _check(body)
    return f"{full[:4]}-{full[4:]}"


def normalise(text: str) -> str | None:
    """The canonical form of a code as typed or read back, or None when it cannot be one."""
    chars = "".join(ch for ch in text.upper() if ch not in " -")
    if len(chars) != _BODY + 1 or any(ch not in _VALUE for ch in chars):
        return None
    return f"{chars[:4]}-{chars[4:]}"


def is_valid(text: str) -> bool:
    code = normalise(text)
    if code is None:
        return False
    chars = code.replace("-", "")
    return _check(chars[:-1]) == chars[-1]
