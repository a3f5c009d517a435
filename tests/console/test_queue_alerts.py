"""The P1 banner in a real browser: a P1 that came while the live stream was down still alerts once the
page has reloaded the queue, and a change to an old P1 (with a filter hiding it) raises no banner again."""

from __future__ import annotations

from typing import Any

import httpx

from tests.console.conftest import Server, sign_in

P1_TIP = "Cứu em với, em đang bị nhốt ở Campuchia, họ đánh em và đòi 8000 đô tiền chuộc"


def test_a_p1_that_came_while_the_stream_was_down_still_alerts(page: Any, server: Server) -> None:
    server.close_all()
    sign_in(page, server, "operator")
    page.wait_for_selector("#live.on")
    page.route("**/v1/queue/events", lambda route: route.abort())  # the stream is down from its next renewal
    page.wait_for_selector("#live.off", timeout=10_000)
    accepted = server.submit(P1_TIP)
    page.wait_for_selector(f"#queue-body tr[data-id='{accepted['id']}']", timeout=10_000)  # the reload after the drop
    banner = page.locator("#alert")
    banner.wait_for(state="visible", timeout=5_000)
    assert accepted["receipt_code"] in banner.inner_text()


def test_a_change_to_an_old_p1_hidden_by_a_filter_raises_no_banner_again(page: Any, server: Server) -> None:
    server.close_all()
    old = server.submit(P1_TIP, location={"province": "Hà Nội"})
    sign_in(page, server, "operator")
    page.wait_for_selector("#live.on")
    page.wait_for_selector(f"#queue-body tr[data-id='{old['id']}']")
    assert page.is_hidden("#alert")  # open before the page opened: listed, not announced
    page.select_option("#f-province", "Lào Cai")
    page.wait_for_selector(f"#queue-body tr[data-id='{old['id']}']", state="detached")
    for step in ("claim", "release"):  # each is a change the stream sends
        r = httpx.post(f"{server.url}/v1/reports/{old['id']}/{step}", headers=server.headers("supervisor"))
        assert r.status_code == 200, r.text
    page.wait_for_timeout(3000)
    assert page.is_hidden("#alert") and page.evaluate("document.body.dataset.beeps || '0'") == "0"
    new = server.submit(P1_TIP, location={"province": "Hà Nội"})
    page.wait_for_selector(f"#alert:has-text('{new['receipt_code']}')", timeout=10_000)  # a new one still does
