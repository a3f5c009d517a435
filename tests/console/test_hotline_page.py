"""The hotline call form in a real browser: the suggestion follows the typing, the script asks what is
missing, and saving (even twice) makes one report with channel=hotline in the same queue."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser import screenshot
from tests.console.conftest import Server, sign_in
from tests.console.test_queue_page import only_own_origin


def questions(page: Any) -> set[str]:
    return {q.get_attribute("data-question") for q in page.query_selector_all("#script li[data-question]")}


def test_typing_a_call_suggests_p1_and_saving_twice_makes_one_hotline_report(page: Any, server: Server) -> None:
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/hotline.html")
    page.wait_for_selector("#script li")
    assert questions(page) == {"danger", "age", "location", "who"}  # nothing known yet: the whole script

    page.click("#notes")
    page.keyboard.type("Chị gái tôi gọi về nói đang bị nhốt", delay=15)
    page.wait_for_selector("#suggestion[data-urgency='P1']", timeout=10_000)
    assert page.is_visible("#p1-advice") and "113" in page.inner_text("#p1-advice")
    assert page.query_selector("#found li[data-code='CONFINEMENT']") is not None
    assert questions(page) == {"age", "location", "who"}  # danger now is answered: P1
    screenshot(page, "console_hotline_p1_suggestion")

    page.keyboard.type(" ở Móng Cái, em ấy 16 tuổi", delay=5)
    page.wait_for_selector("#script li[data-question='location']", state="detached", timeout=10_000)
    assert questions(page) == {"who"}  # a province and an age in the notes
    page.fill("#relation", "chị gái")
    page.wait_for_selector("#script li[data-question]", state="detached")  # nothing left to ask

    page.fill("#contact", "0912 345 678")
    page.select_option("#consent", "share_with_police")
    page.dblclick("#save")  # a double click
    page.wait_for_selector("#receipt")
    code = page.inner_text("#receipt")
    screenshot(page, "console_hotline_saved")

    queue = httpx.get(f"{server.url}/v1/queue", params={"channel": "hotline"}, headers=server.headers("operator")).json()
    mine = [r for r in queue if r["receipt_code"] == code]
    assert len(mine) == 1 and mine[0]["urgency"] == "P1" and mine[0]["province"] == "Quảng Ninh"
    assert sum(r["receipt_code"] == code for r in queue) == 1
    page.click("#save", force=True)  # the button is disabled; even a forced click keeps the one key
    page.wait_for_timeout(300)
    again = httpx.get(f"{server.url}/v1/queue", params={"channel": "hotline"}, headers=server.headers("operator")).json()
    assert len(again) == len(queue)
    only_own_origin(page, server)


def test_an_anonymous_call_with_a_contact_is_refused_with_the_reason(page: Any, server: Server) -> None:
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/hotline.html")
    page.fill("#notes", "Có người rủ em tôi sang Campuchia làm việc nhẹ lương cao")
    page.select_option("#consent", "anonymous")
    page.fill("#contact", "0912 345 678")
    page.click("#save")
    page.wait_for_selector("#save-message.error")
    assert "ẩn danh" in page.inner_text("#save-message")
    assert page.is_enabled("#save")
    screenshot(page, "console_hotline_anonymous_with_contact_refused")


def test_a_save_with_no_answer_is_retried_as_the_same_submission_and_the_receipt_shows(page: Any, server: Server) -> None:
    """The first POST reaches the server (the report is stored) but its answer is lost: the retry must send
    the same body under the same key, even if a field was changed meanwhile, so the receipt code comes back."""
    posts: list[tuple[str | None, str | None]] = []

    def lose_the_first_answer(route: Any) -> None:
        posts.append((route.request.headers.get("idempotency-key"), route.request.post_data))
        if len(posts) == 1:
            route.fetch()  # stored on the server…
            route.abort("connectionreset")  # …but the browser never hears back
        else:
            route.continue_()

    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/hotline.html")
    page.wait_for_selector("#script li")
    page.route("**/v1/reports", lose_the_first_answer)
    page.fill("#notes", "Em trai tôi bị giữ hộ chiếu ở Lào, chủ không cho về")
    page.select_option("#consent", "confidential")
    page.fill("#contact", "0912 000 111")
    page.click("#save")
    page.wait_for_selector("#save-message.error")
    assert "gửi lại" in page.inner_text("#save-message") and page.is_enabled("#save")
    assert page.is_disabled("#notes") and page.is_disabled("#contact")  # the retry is the same submission
    page.evaluate("document.getElementById('contact').value = '0999 999 999'")  # a change slipped in anyway
    page.click("#save")
    page.wait_for_selector("#receipt", timeout=10_000)
    code = page.inner_text("#receipt")
    assert len(posts) == 2 and posts[0] == posts[1]  # same key, same body
    queue = httpx.get(f"{server.url}/v1/queue", params={"channel": "hotline", "limit": 500},
                      headers=server.headers("operator")).json()
    assert sum(r["receipt_code"] == code for r in queue) == 1


def test_after_a_refusal_the_operator_corrects_the_form_and_saves_under_a_new_key(page: Any, server: Server) -> None:
    keys: list[str | None] = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key")) if r.url.endswith("/v1/reports") else None)
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/hotline.html")
    page.fill("#notes", "Có người rủ em tôi sang Campuchia làm việc nhẹ lương cao")
    page.select_option("#consent", "anonymous")
    page.fill("#contact", "0912 345 678")
    page.click("#save")
    page.wait_for_selector("#save-message.error")  # 422: nothing stored
    assert page.is_enabled("#contact")
    page.select_option("#consent", "confidential")
    page.click("#save")
    page.wait_for_selector("#receipt", timeout=10_000)
    assert len(keys) == 2 and keys[0] != keys[1]


def test_consent_is_an_explicit_choice_asked_kindly_when_missing(page: Any, server: Server) -> None:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.url.endswith("/v1/reports") else None)
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/hotline.html")
    page.wait_for_selector("#script li")
    assert page.input_value("#consent") == "" and page.get_attribute("#consent", "required") is not None
    page.fill("#notes", "Em trai tôi bị giữ hộ chiếu ở Lào")
    page.click("#save")
    page.wait_for_selector("#save-message.error")
    assert "Xin hãy hỏi người gọi" in page.inner_text("#save-message") and posts == []  # nothing sent
    assert page.evaluate("document.activeElement.id") == "consent"
    page.select_option("#consent", "confidential")
    page.click("#save")
    page.wait_for_selector("#receipt", timeout=10_000)
    page.click("#new-call")
    assert page.input_value("#consent") == ""  # the next call asks again
