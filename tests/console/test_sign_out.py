"""Đăng xuất in a real browser: the page asks the server to revoke the token before forgetting it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.console.conftest import Server, sign_in


def test_signing_out_revokes_the_token_on_the_server(page: Any, server: Server) -> None:
    sign_in(page, server, "operator")
    bearer = page.evaluate("sessionStorage.getItem('triage.console.token')")
    headers = {"Authorization": f"Bearer {bearer}"}
    assert httpx.get(f"{server.url}/v1/me", headers=headers).status_code == 200
    page.click("#logout")
    page.wait_for_selector("#login:not(.hidden)")
    assert page.evaluate("sessionStorage.getItem('triage.console.token')") is None
    assert any(u.endswith("/v1/logout") for u in page.requests_seen)
    assert httpx.get(f"{server.url}/v1/me", headers=headers).status_code == 401
