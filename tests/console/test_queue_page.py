"""The queue in a real browser: sign in, a P1 report arrives live at the top, claim it, closing needs a reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.browser import screenshot
from tests.console.conftest import PASSWORD, Server, sign_in

P1_TIP = "Cứu em với, em đang bị nhốt ở Campuchia, họ đánh em và đòi 8000 đô tiền chuộc"
P3_TIP = "Có người đăng tin tuyển việc nhẹ lương cao ở nước ngoài, không cần kinh nghiệm"


def only_own_origin(page: Any, server: Server) -> None:
    origin = urlsplit(server.url).netloc
    outside = [u for u in page.requests_seen if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != origin]
    assert page.requests_seen and outside == []


def test_wrong_password_is_refused_in_vietnamese(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/console/")
    page.fill("#username", "operator-1")
    page.fill("#password", "sai mật khẩu rồi")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:has-text('Sai tên đăng nhập hoặc mật khẩu')")
    assert page.is_hidden("#queue")
    screenshot(page, "console_login_refused")


def test_a_p1_report_appears_on_top_live_and_can_be_claimed_but_not_closed_without_reason(page: Any, server: Server) -> None:
    server.close_all()
    server.submit(P3_TIP)
    sign_in(page, server, "operator")
    page.wait_for_selector("#live.on")
    screenshot(page, "console_queue_signed_in")
    assert page.evaluate("sessionStorage.length") >= 1 and PASSWORD not in page.content()

    accepted = server.submit(P1_TIP, location={"province": "Bắc Giang"})  # through the API, while the page is open
    assert accepted["urgency"] == "P1"
    row = page.locator(f"#queue-body tr[data-id='{accepted['id']}']")  # rows are redrawn: a locator, not a handle
    row.wait_for(timeout=10_000)
    first = page.locator("#queue-body tr").first
    assert first.get_attribute("data-id") == accepted["id"] and first.get_attribute("data-urgency") == "P1"
    banner = page.locator("#alert")
    assert banner.is_visible() and accepted["receipt_code"] in banner.inner_text()
    assert int(page.evaluate("document.body.dataset.beeps || '0'")) >= 1  # the Web Audio beep played
    assert "Bắc Ninh" in row.inner_text()  # the old province name resolved to the new unit
    screenshot(page, "console_queue_live_p1")

    page.wait_for_timeout(2500)  # the server has ended that stream (TRIAGE_STREAM_LIFETIME_S=2): the page opened the next
    later = server.submit(P3_TIP, channel="telegram")
    page.wait_for_selector(f"#queue-body tr[data-id='{later['id']}']", timeout=10_000)
    assert page.locator("#queue-body tr").first.get_attribute("data-id") == accepted["id"]  # P1 stays on top
    assert page.is_visible("#live.on")
    page.click("#alert button")  # "Đã thấy": the banner goes
    assert page.is_hidden("#alert")
    raised = httpx.post(f"{server.url}/v1/reports/{later['id']}/urgency", headers=server.headers("supervisor"),
                        json={"to": "P1", "reason": "người gọi lại nói đang bị giữ"})
    assert raised.status_code == 200
    page.wait_for_selector(f"#alert:has-text('{later['receipt_code']}')", timeout=10_000)  # raised to P1: alerted too

    row.locator("a").click()
    page.wait_for_selector("#report:not(.hidden)")
    page.click("#claim")
    page.wait_for_selector("#action-message.ok")
    assert "operator-1" in page.inner_text("#holder")

    page.fill("#close-reason", "   ")
    page.click("#close")
    page.wait_for_selector("#action-message.error")
    assert "lý do" in page.inner_text("#action-message")
    screenshot(page, "console_close_refused_without_reason")
    report = httpx.get(f"{server.url}/v1/reports/{accepted['id']}", headers=server.headers("supervisor")).json()
    assert report["status"] == "received" and [e["kind"] for e in report["history"]] == ["received", "claim"]

    page.fill("#close-reason", "Trùng với tin báo đã có, đã gọi lại gia đình")
    page.click("#close")
    page.wait_for_selector("#action-message.ok")
    assert page.get_attribute("#report", "data-status") == "closed"
    only_own_origin(page, server)
    assert [e for e in page.console_errors if not e.startswith("Failed to load resource")] == []  # the 422 is expected


def test_the_narrative_is_shown_as_text_with_each_indicator_marked(page: Any, server: Server) -> None:
    attack = '<img src=x onerror="window.pwned=1">'
    accepted = server.submit(f"Em gái tôi bị nhốt ở Campuchia {attack} họ giữ hộ chiếu 😢 cứu với")
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/report.html?id={accepted['id']}")
    page.wait_for_selector("#narrative mark")
    assert page.evaluate("window.pwned") is None and page.query_selector("#narrative img") is None
    assert attack in page.inner_text("#narrative")
    marks = {m.get_attribute("data-code"): m.inner_text() for m in page.query_selector_all("#narrative mark")}
    assert marks["CONFINEMENT"].startswith("bị nhốt")
    assert marks["DOCUMENT_RETENTION"].startswith("giữ hộ chiếu")
    assert page.inner_text("#explanation").startswith("Vì sao mức này")
    screenshot(page, "console_report_view")

    page.select_option("#urgency-to", "P2")
    page.click("#urgency-form button[type=submit]")  # no reason: refused before anything is sent
    page.wait_for_selector("#action-message.error")
    page.fill("#urgency-reason", "Đã gọi lại: người thân đã về nhà an toàn")
    page.click("#urgency-form button[type=submit]")
    page.wait_for_selector("#title .badge.P2")
    page.select_option("#forward-target", "victim_support")
    page.fill("#forward-note", "Cần hỗ trợ tâm lý")
    page.click("#forward-form button[type=submit]")
    page.wait_for_selector("#history tr:has-text('hỗ trợ nạn nhân')")
    history = page.inner_text("#history")
    assert "P1 → P2" in history and "người thân đã về nhà an toàn" in history and "Cần hỗ trợ tâm lý" in history
    only_own_origin(page, server)
