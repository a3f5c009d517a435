"""The Zalo OA APIs the channel uses: the customer-service message API (``POST {api}/v3.0/oa/message/cs`` with
the ``access_token`` header) and the OA access-token refresh (``POST {oauth}/v4/oa/access_token`` with the app
secret in the ``secret_key`` header and the form ``app_id``, ``refresh_token``, ``grant_type=refresh_token``).

Zalo answers errors with HTTP 200 and ``{"error": <negative code>, "message": …}``. The refresh token
rotates at every refresh and is single-use, so the newest pair is written at once to a 0600 file
(:class:`TokenKeeper`; when that write fails it is logged as an error and tried again at every refresh check,
:meth:`TokenKeeper.save_pending`); an access token is refreshed when it has less than ``REFRESH_MARGIN_S`` left or when
Zalo calls it invalid. Logs carry error codes only — never a token, a user id or message text."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)
REFRESH_MARGIN_S = 600
MAX_TEXT_CHARS = 2000  # the longest text the CS message API takes
TOKEN_ERRORS = {-216, -124, -14002}  # access token invalid / expired
TIMEOUT = aiohttp.ClientTimeout(total=15)


class ZaloApiError(Exception):
    def __init__(self, code: int | str) -> None:
        super().__init__(f"Zalo API error {code}")
        self.code = code


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # Unix time; 0: unknown
    seed: str = ""  # hash of the refresh token given in the environment these descend from


def _seed(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16] if refresh_token else ""


class TokenKeeper:
    """The OA's access and refresh tokens: from ``path`` when it descends from the refresh token given in the
    environment, else from the environment; every refresh is written to ``path`` (mode 0600) before use."""

    def __init__(self, *, app_id: str, app_secret: str, oauth_base: str, path: Path,
                 access_token: str = "", refresh_token: str = "", clock: Any = time.time) -> None:
        self.app_id, self.app_secret, self.oauth_base, self.path = app_id, app_secret, oauth_base.rstrip("/"), path
        self._clock = clock
        self._lock = asyncio.Lock()
        self.unsaved = False  # the newest tokens are not in the file yet (its last write failed)
        self.tokens = self._load() or Tokens(access_token, refresh_token, 0.0, _seed(refresh_token))
        if refresh_token and self.tokens.seed != _seed(refresh_token):
            self.tokens = Tokens(access_token, refresh_token, 0.0, _seed(refresh_token))  # a newer one was given

    def _load(self) -> Tokens | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Tokens(str(data["access_token"]), str(data["refresh_token"]), float(data["expires_at"]),
                          str(data.get("seed", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.tokens.__dict__, f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def save_pending(self) -> bool:
        """Write the tokens if the last write failed; True when the file holds the newest ones."""
        if not self.unsaved:
            return True
        try:
            self._save()
        except OSError as error:
            logger.error("zalo tokens not saved (%s): the rotated refresh token is only in memory, "
                         "tried again at the next refresh check", type(error).__name__)
            return False
        self.unsaved = False
        logger.info("zalo tokens saved")
        return True

    def fresh_enough(self) -> bool:
        t = self.tokens
        return bool(t.access_token) and (t.expires_at == 0 or t.expires_at - self._clock() > REFRESH_MARGIN_S)

    async def access_token(self, session: aiohttp.ClientSession, *, force: bool = False) -> str:
        """A valid access token, refreshed first when it is (nearly) expired or ``force``d."""
        if not force and self.fresh_enough():
            return self.tokens.access_token
        stale = self.tokens.access_token
        async with self._lock:
            if self.tokens.access_token != stale and self.fresh_enough():
                return self.tokens.access_token  # another task refreshed while this one waited
            if not force and self.fresh_enough():
                return self.tokens.access_token
            await self._refresh(session)
        return self.tokens.access_token

    async def _refresh(self, session: aiohttp.ClientSession) -> None:
        if not (self.tokens.refresh_token and self.app_secret):
            logger.error("zalo token refresh failed: error no_refresh_token")
            raise ZaloApiError("no_refresh_token")
        async with session.post(f"{self.oauth_base}/v4/oa/access_token", headers={"secret_key": self.app_secret},
                                data={"app_id": self.app_id, "refresh_token": self.tokens.refresh_token,
                                      "grant_type": "refresh_token"}, timeout=TIMEOUT) as r:
            try:
                body = await r.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                body = None
        if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            code = body.get("error", r.status) if isinstance(body, dict) else r.status
            logger.error("zalo token refresh failed: error %s", code)
            raise ZaloApiError(code)
        try:
            lifetime = float(body.get("expires_in") or 0)  # seconds, sent as a string
        except (TypeError, ValueError):
            lifetime = 0.0
        self.tokens = Tokens(str(body["access_token"]), str(body["refresh_token"]),
                             self._clock() + lifetime if lifetime > 0 else 0.0, self.tokens.seed)
        self.unsaved = True
        self.save_pending()
        logger.info("zalo access token refreshed, valid %.0f s", lifetime)


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, line or word ends where possible.

    >>> split_text("ab cd", 3)
    ['ab', 'cd']
    """
    pieces, rest = [], text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit + 1) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest else pieces


class ZaloClient:
    """Sends customer-service text messages for one OA."""

    def __init__(self, *, api_base: str, tokens: TokenKeeper) -> None:
        self.api_base, self.tokens = api_base.rstrip("/"), tokens
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()  # made in the running loop, never at import
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send_text(self, user_id: str, text: str) -> None:
        for piece in split_text(text):
            await self._send_piece(user_id, piece)

    async def _send_piece(self, user_id: str, text: str) -> None:
        payload = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        for attempt in (1, 2):
            token = await self.tokens.access_token(self.session(), force=attempt == 2)
            async with self.session().post(f"{self.api_base}/v3.0/oa/message/cs", json=payload,
                                           headers={"access_token": token}, timeout=TIMEOUT) as r:
                try:
                    body = await r.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    body = None
            code = body.get("error", 0) if isinstance(body, dict) else r.status
            if r.status == 200 and code == 0:
                return
            if code in TOKEN_ERRORS and attempt == 1:
                continue  # refresh the token once and send again
            logger.error("zalo send failed: status %s error %s", r.status, code)
            raise ZaloApiError(code)
