"""Who is calling, and what their role lets them do.

Two kinds of credential, both sent as ``Authorization: Bearer …``:

* **API keys** for services (the bot) and police consumers — random 32-byte keys shown once when
  made (``python -m triage_api add-key``); only their SHA-256 is stored.
* **Access tokens** for people (operators, supervisors, auditors, police officers), from the OAuth2
  password flow ``POST /v1/token``; passwords are hashed with scrypt, tokens stored as SHA-256 and
  expire after 8 hours.

Roles: ``operator``, ``supervisor``, ``police``, ``auditor``, ``service``.

>>> h = hash_password("mật khẩu dài")
>>> verify_password("mật khẩu dài", h), verify_password("sai", h)
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from triage_api.models import AccessToken, ApiKey, User

__all__ = [
    "ROLES", "Principal", "Role", "authenticate", "create_api_key", "create_user", "hash_password",
    "issue_token", "revoke_token", "verify_password",
]

Role = Literal["operator", "supervisor", "police", "auditor", "service"]
ROLES: tuple[Role, ...] = ("operator", "supervisor", "police", "auditor", "service")
TOKEN_LIFETIME = timedelta(hours=8)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str  # "user:lan" or "key:police-hn-1": what the history and the audit log record
    role: Role


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, **_SCRYPT)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def create_user(sessions: sessionmaker[Session], username: str, role: Role, password: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if len(password) < 12:
        raise ValueError("a password needs at least 12 characters")
    with sessions() as session:
        session.add(User(username=username, role=role, password_hash=hash_password(password), created_at=datetime.now(UTC)))
        session.commit()


def create_api_key(sessions: sessionmaker[Session], name: str, role: Role) -> str:
    """Make a key and return it: this is the only time it exists in clear."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    key = "ck_" + secrets.token_urlsafe(32)
    with sessions() as session:
        session.add(ApiKey(name=name, role=role, key_hash=_sha256(key), created_at=datetime.now(UTC)))
        session.commit()
    return key


def issue_token(sessions: sessionmaker[Session], username: str, password: str) -> tuple[str, Principal] | None:
    """A bearer token for a user whose password matches, or None (without saying which part was wrong)."""
    with sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            verify_password(password, hash_password("timing"))  # same work whether or not the user exists
            return None
        if user.disabled_at is not None or not verify_password(password, user.password_hash):
            return None
        token = secrets.token_urlsafe(32)
        session.add(AccessToken(token_hash=_sha256(token), user_id=user.id, expires_at=datetime.now(UTC) + TOKEN_LIFETIME))
        session.commit()
        return token, Principal(f"user:{user.username}", user.role)  # type: ignore[arg-type]


def authenticate(sessions: sessionmaker[Session], bearer: str) -> Principal | None:
    """The principal behind an API key or an access token, or None."""
    digest = _sha256(bearer)
    with sessions() as session:
        key = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
        if key is not None:
            return None if key.revoked_at is not None else Principal(f"key:{key.name}", key.role)  # type: ignore[arg-type]
        token = session.get(AccessToken, digest)
        if token is None or token.expires_at <= datetime.now(UTC):
            return None
        user = session.get(User, token.user_id)
        if user is None or user.disabled_at is not None:
            return None
        return Principal(f"user:{user.username}", user.role)  # type: ignore[arg-type]


def revoke_token(sessions: sessionmaker[Session], bearer: str) -> None:
    """Sign-out: the access token stops working at once (an API key is not touched: it is revoked by the admin)."""
    with sessions() as session:
        token = session.get(AccessToken, _sha256(bearer))
        if token is not None:
            session.delete(token)
            session.commit()
