"""Personal fields at rest: encrypted, tamper-evident, and keys rotate without losing data."""

import base64
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from triage_api.crypto import PREFIX, FieldCipher, InvalidToken, load_keys, new_key

SECRET = "Nguyễn Thị Hoa, 0912 000 111, xóm 3"


def test_round_trip_hides_the_plaintext() -> None:
    cipher = FieldCipher([new_key()])
    token = cipher.encrypt(SECRET)
    assert token.startswith(PREFIX) and "Nguy" not in token and "0912" not in token and cipher.decrypt(token) == SECRET


def test_the_same_value_twice_gives_different_tokens() -> None:
    cipher = FieldCipher([new_key()])
    first, second = cipher.encrypt(SECRET), cipher.encrypt(SECRET)
    assert first != second and cipher.decrypt(first) == cipher.decrypt(second) == SECRET


@pytest.mark.parametrize("position", [3, 10, 30, -5, -1])
def test_a_changed_token_does_not_decrypt(position: int) -> None:
    cipher = FieldCipher([new_key()])
    token = cipher.encrypt(SECRET)
    raw = bytearray(base64.urlsafe_b64decode(token[len(PREFIX):]))
    raw[position] ^= 0x01
    with pytest.raises(InvalidToken):
        cipher.decrypt(PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("token", ["g1.", "g1.???", "g1.AAAA", "g1.Đ", "gAAAAAnotatoken", "Đà Nẵng", ""])
def test_garbage_is_an_invalid_token(token: str) -> None:
    with pytest.raises(InvalidToken):
        FieldCipher([new_key()]).decrypt(token)


def test_rotation_keeps_old_data_readable_then_moves_it_to_the_new_key() -> None:
    old, new = new_key(), new_key()
    token = FieldCipher([old]).encrypt(SECRET)
    both = FieldCipher([new, old])
    assert both.decrypt(token) == SECRET
    rotated = both.rotate(token)
    assert FieldCipher([new]).decrypt(rotated) == SECRET
    with pytest.raises(InvalidToken):
        FieldCipher([old]).decrypt(rotated)


def test_values_written_with_fernet_are_read_and_rotation_rewrites_them_as_aes_gcm() -> None:
    """Reports stored before the switch to AES-GCM hold Fernet tokens made with the same keys."""
    key = Fernet.generate_key().decode()
    legacy = Fernet(key.encode()).encrypt(SECRET.encode()).decode()
    cipher = FieldCipher([new_key(), key])
    assert cipher.decrypt(legacy) == SECRET
    rotated = cipher.rotate(legacy)
    assert rotated.startswith(PREFIX) and cipher.decrypt(rotated) == SECRET


def test_the_aes_key_is_derived_not_the_key_itself() -> None:
    """The same 32 bytes never key two algorithms: the AES-GCM key is derived with HKDF."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = new_key()
    token = FieldCipher([key]).encrypt(SECRET)
    raw = base64.urlsafe_b64decode(token[len(PREFIX):])
    with pytest.raises(InvalidTag):
        AESGCM(base64.urlsafe_b64decode(key)).decrypt(raw[4:16], raw[16:], None)


@pytest.mark.parametrize("bad", ["short", "x" * 44, base64.urlsafe_b64encode(b"k" * 16).decode(), "ĐĐĐ"])
def test_a_malformed_key_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(ValueError) as refused:
        FieldCipher([bad])
    assert bad not in str(refused.value)


def test_keys_from_the_environment_win(tmp_path: Path) -> None:
    a, b = new_key(), new_key()
    assert load_keys(f"{a}, {b}", tmp_path / "unused") == [a, b]
    assert not (tmp_path / "unused").exists()


def test_a_developer_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "data.keys"
    first = load_keys(None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(None, path) == first and len(first) == 1
    FieldCipher(first)  # a usable key


def test_no_key_is_an_error() -> None:
    with pytest.raises(ValueError):
        FieldCipher([])


def test_the_new_key_command_prints_a_usable_key() -> None:
    printed = subprocess.run([sys.executable, "-m", "triage_api", "new-key"], capture_output=True, text=True, check=True)
    key = printed.stdout.strip()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert FieldCipher([key]).decrypt(FieldCipher([key]).encrypt(SECRET)) == SECRET
