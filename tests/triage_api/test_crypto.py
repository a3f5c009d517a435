"""Personal fields at rest: encrypted, and keys rotate without losing data."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from triage_api.crypto import FieldCipher, InvalidToken, load_keys

SECRET = "Nguyễn Thị Hoa, 0912 000 111, xóm 3"


def test_round_trip_hides_the_plaintext() -> None:
    cipher = FieldCipher([Fernet.generate_key().decode()])
    token = cipher.encrypt(SECRET)
    assert "Nguy" not in token and "0912" not in token and cipher.decrypt(token) == SECRET


def test_rotation_keeps_old_data_readable_then_moves_it_to_the_new_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = FieldCipher([old]).encrypt(SECRET)
    both = FieldCipher([new, old])
    assert both.decrypt(token) == SECRET
    rotated = both.rotate(token)
    assert FieldCipher([new]).decrypt(rotated) == SECRET
    with pytest.raises(InvalidToken):
        FieldCipher([old]).decrypt(rotated)


def test_keys_from_the_environment_win(tmp_path: Path) -> None:
    a, b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert load_keys(f"{a}, {b}", tmp_path / "unused") == [a, b]
    assert not (tmp_path / "unused").exists()


def test_a_developer_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "data.keys"
    first = load_keys(None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(None, path) == first and len(first) == 1


def test_no_key_is_an_error() -> None:
    with pytest.raises(ValueError):
        FieldCipher([])
