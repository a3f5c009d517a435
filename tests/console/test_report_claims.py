"""A report someone else holds: the console offers no close, urgency or forward (the API would refuse them);
its holder and supervisors still see them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.console.conftest import PASSWORD, Server, sign_in


def test_actions_show_only_to_the_holder_or_a_supervisor(page: Any, server: Server) -> None:
    accepted = server.submit("Em gái tôi bị nhốt ở Campuchia, họ giữ hộ chiếu")
    token = httpx.post(f"{server.url}/v1/token", data={"username": "operator-2", "password": PASSWORD}).json()["access_token"]
    claimed = httpx.post(f"{server.url}/v1/reports/{accepted['id']}/claim", headers={"Authorization": f"Bearer {token}"})
    assert claimed.status_code == 200
    forms = ("#urgency-form", "#forward-form", "#close-form")
    for role, shown in (("operator", False), ("supervisor", True)):
        sign_in(page, server, role)
        page.goto(f"{server.url}/console/report.html?id={accepted['id']}")
        page.wait_for_selector("#report:not(.hidden)")
        assert "operator-2" in page.inner_text("#holder")
        assert [page.is_visible(f) for f in forms] == [shown] * 3, role
        page.click("#logout")
        page.wait_for_selector("#login:not(.hidden)")
