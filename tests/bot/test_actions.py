"""The bot's actions with trackers from fixtures: a fake triage API on loopback, or none at all."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import outbox
from actions.anonymity import ActionAnswerAnonymity
from actions.hotline import ActionAnswerHotline
from actions.human import ActionRequestHuman
from actions.job_offer import ActionCheckJobOffer
from actions.report import ActionSubmitReport, ValidateReportForm, _suspects, build_report, consent_of
from actions.rights import ActionAnswerRights
from actions.tip import ActionTriage
from tests.bot.conftest import FakeTriageApi, slots_of, texts, tracker

ROOT = Path(__file__).resolve().parents[2]
P1 = {"urgency": "P1", "indicators": [{"code": "CONFINEMENT", "evidence": "bị nhốt", "start": 14, "end": 21}],
      "entities": {"province": "Nghệ An", "ages": [], "countries": ["Campuchia"]}}


def run(action: Any, t: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, action.run(dispatcher, t, {})


def test_p1_the_very_next_message_gives_113_111_and_a_safety_step(fake_api: FakeTriageApi) -> None:
    fake_api.triage = P1
    dispatcher, events = run(ActionTriage(), tracker("tip_p1"))
    first = texts(dispatcher)[0]
    assert "113" in first and "111" in first and "vị trí" in first  # one concrete step: send your location
    assert "bảo mật" in texts(dispatcher)[1].lower()  # the privacy notice after safety, before any question
    slots = slots_of(events)
    assert slots["urgency"] == "P1" and slots["indicators"] == ["CONFINEMENT"]
    assert slots["where"] == slots["province"] == "Nghệ An"  # the form will not ask again
    assert slots["what_happened"].startswith("Cứu em với") and slots["report_key"]
    assert fake_api.paths() == ["/v1/triage"]


def test_a_calm_tip_gets_no_alarm(fake_api: FakeTriageApi) -> None:
    dispatcher, events = run(ActionTriage(), tracker("tip_p1"))  # the fake says P3
    assert not any("113" in t for t in texts(dispatcher)) and slots_of(events)["urgency"] == "P3"
    assert "where" not in slots_of(events) or slots_of(events)["where"] is None


def test_with_the_api_down_the_person_still_gets_113_and_111_first(api_down: str) -> None:
    dispatcher, events = run(ActionTriage(), tracker("tip_p1"))
    assert "113" in texts(dispatcher)[0] and "111" in texts(dispatcher)[0]
    assert slots_of(events)["what_happened"].startswith("Cứu em với")


def validate(slot: str, value: str, **slots: Any) -> dict[str, Any]:
    form = ValidateReportForm()
    method = getattr(form, f"validate_{slot}")
    return method(value, CollectingDispatcher(), tracker("form_done", **slots), {})  # type: ignore[no-any-return]


def test_cancel_words_end_the_form_at_any_question(fake_api: FakeTriageApi) -> None:
    for slot in ("where", "when", "who_at_risk", "suspects", "consent", "contact"):
        for said in ("thôi", "Thoi, ko bao nua!", "hủy", "dừng lại"):
            result = validate(slot, said)
            assert result["report_cancelled"] is True and result["requested_slot"] is None, (slot, said)
    assert validate("when", "hôm qua") == {"when": "hôm qua"}


def test_consent_is_understood_with_or_without_diacritics() -> None:
    assert [consent_of(s) for s in ("ẩn danh", "an danh", "Bảo mật", "bao mat", "chia sẻ với công an", "2", "gì cơ")] == [
        "anonymous", "anonymous", "confidential", "confidential", "share_with_police", "confidential", None]
    dispatcher = CollectingDispatcher()
    assert ValidateReportForm().validate_consent("gì cơ", dispatcher, tracker("form_done"), {}) == {"consent": None}
    assert "ẩn danh" in texts(dispatcher)[0]  # asks again, with the choices


def test_an_anonymous_report_is_never_asked_for_a_contact_and_keeps_none() -> None:
    form = ValidateReportForm()
    slots = ["what_happened", "where", "when", "who_at_risk", "suspects", "consent", "contact"]
    anonymous = asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker("form_done", consent="anonymous"), {}))
    assert "contact" not in anonymous
    assert "contact" in asyncio.run(form.required_slots(slots, CollectingDispatcher(), tracker("form_done"), {}))
    body = build_report(tracker("form_done", consent="anonymous"))
    assert "contact" not in body and body["consent"] == "anonymous"


def test_the_report_keeps_every_answer_and_reads_identifiers() -> None:
    body = build_report(tracker("form_done"))
    for answer in ("Campuchia", "Kim Liên", "tuần trước", "17 tuổi", "@tuyendungcpc"):
        assert answer in body["narrative"]
    assert body["channel"] == "zalo" and body["contact"] == "0987000111"
    assert {"kind": "phone", "value": "0912345678"} in body["suspects"]
    assert any(s["value"] == "@tuyendungcpc" for s in body["suspects"])
    assert body["people_at_risk"] == [{"age": 17}] and body["location"]["province"] == "Nghệ An"


def test_suspects_identifiers_are_read_with_the_engines_own_finders() -> None:
    said = ("zalo tuyển người là 0912.345.678, còn nhóm tele @vieclamcpc, số bên Cam +855 12 345 678; "
            "chuyển tiền vào stk 1903456789012 Techcombank")
    assert _suspects(said) == [
        {"kind": "phone", "value": "0912345678"},
        {"kind": "phone", "value": "+85512345678"},
        {"kind": "telegram", "value": "@vieclamcpc"},  # the platform named just before it
        {"kind": "bank_account", "value": "1903456789012"},  # a phone number is never an account
    ]
    assert _suspects("facebook của nó là @hoa.tuyendung") == [{"kind": "facebook", "value": "@hoa.tuyendung"}]
    assert _suspects("không biết") == [] and _suspects("nó nói ở tài khoản cá nhân") == []


def test_submitting_gives_the_receipt_code(fake_api: FakeTriageApi) -> None:
    dispatcher, events = run(ActionSubmitReport(), tracker("form_done"))
    assert "7KQM-X4TD" in texts(dispatcher)[0] and "113" in texts(dispatcher)[0]
    sent = fake_api.requests[-1]
    assert sent["headers"]["Idempotency-Key"] == "6f1c1f0e-2a52-4c55-9d7e-3b1f6f9f0b11"
    assert slots_of(events)["receipt_code"] == "7KQM-X4TD" and slots_of(events)["what_happened"] is None
    assert outbox.pending() == []


def test_a_cancelled_report_is_not_sent(fake_api: FakeTriageApi) -> None:
    dispatcher, _ = run(ActionSubmitReport(), tracker("form_done", report_cancelled=True))
    assert "chưa được gửi" in texts(dispatcher)[0] and "111" in texts(dispatcher)[0]
    assert "/v1/reports" not in fake_api.paths()


def test_with_the_api_down_the_report_waits_in_the_outbox_encrypted(api_down: str, private_outbox: Path) -> None:
    dispatcher, _ = run(ActionSubmitReport(), tracker("form_done"))
    assert "lưu an toàn" in texts(dispatcher)[0] and "113" in texts(dispatcher)[0]
    assert outbox.pending() == ["6f1c1f0e-2a52-4c55-9d7e-3b1f6f9f0b11"]
    assert b"Campuchia" not in private_outbox.read_bytes() and b"0987000111" not in private_outbox.read_bytes()


def test_the_outbox_delivers_once_the_api_is_back(api_down: str, monkeypatch: Any) -> None:
    run(ActionSubmitReport(), tracker("form_done"))
    assert outbox.deliver() == (0, 1)  # still down
    fake = FakeTriageApi()
    monkeypatch.setenv("TRIAGE_API_URL", fake.url)
    try:
        assert outbox.deliver() == (1, 0)
        assert outbox.pending() == []
        assert fake.requests[0]["headers"]["Idempotency-Key"] == "6f1c1f0e-2a52-4c55-9d7e-3b1f6f9f0b11"
        assert "Campuchia" in fake.requests[0]["body"]["narrative"]
    finally:
        fake.close()


def test_a_refused_report_is_kept_for_an_operator_not_retried_forever(api_down: str, monkeypatch: Any) -> None:
    run(ActionSubmitReport(), tracker("form_done"))
    fake = FakeTriageApi()
    fake.report_status = 422
    monkeypatch.setenv("TRIAGE_API_URL", fake.url)
    try:
        assert outbox.deliver() == (0, 0)
        assert outbox.pending() == ["6f1c1f0e-2a52-4c55-9d7e-3b1f6f9f0b11"]  # kept, marked refused
        assert outbox.deliver() == (0, 0) and len(fake.requests) == 1
    finally:
        fake.close()


def test_rights_answers_cite_the_article_even_without_diacritics(api_down: str) -> None:
    dispatcher, _ = run(ActionAnswerRights(), tracker("question"))
    answer = texts(dispatcher)[0]
    assert "Điều 37" in answer and "111" in answer and "y tế" in answer


def test_hotline_answer_gives_113_111_and_the_new_province(fake_api: FakeTriageApi) -> None:
    fake_api.triage = {"urgency": "P4", "indicators": [], "entities": {"province": "Bắc Ninh", "countries": []}}
    dispatcher, _ = run(ActionAnswerHotline(), tracker("question"))
    said = " ".join(texts(dispatcher))
    assert "113" in said and "111" in said and "Công an Bắc Ninh" in said and "Điều 27" in said


def test_a_person_who_asks_for_a_human_gets_111_and_the_conversation_is_flagged(fake_api: FakeTriageApi) -> None:
    dispatcher, events = run(ActionRequestHuman(), tracker("question"))
    assert "111" in texts(dispatcher)[0] and "báo cán bộ" in texts(dispatcher)[0]
    assert slots_of(events) == {"handoff_requested": True}
    assert fake_api.requests[-1]["body"] == {"conversation_id": "conversation-question", "channel": "web"}


def test_a_person_who_asks_for_a_human_while_the_api_is_down_still_gets_111(api_down: str) -> None:
    dispatcher, events = run(ActionRequestHuman(), tracker("question"))
    assert "111" in texts(dispatcher)[0] and "báo cán bộ" not in texts(dispatcher)[0] and events == []


def test_a_consent_choice_read_as_a_digression_answers_the_form(fake_api: FakeTriageApi) -> None:
    """«chia sẻ với công an» reads as request_human or ask_hotline: while the form asks for consent it is the answer."""
    for action, text, intent in [(ActionRequestHuman(), "chia sẻ với công an", "request_human"),
                                 (ActionRequestHuman(), "chia se voi cong an", "request_human"),
                                 (ActionAnswerHotline(), "Đồng ý chia sẻ liên lạc với công an", "ask_hotline")]:
        t = tracker("question", requested_slot="consent")
        t.active_loop = {"name": "report_form"}
        t.latest_message = {"text": text, "intent": {"name": intent, "confidence": 0.5}, "entities": []}
        dispatcher, events = run(action, t)
        assert texts(dispatcher) == [] and slots_of(events) == {"consent": "share_with_police"}, text
    assert fake_api.requests == []  # no handoff flagged, nothing asked of the API
    t = tracker("question", requested_slot="consent")
    t.active_loop = {"name": "report_form"}
    t.latest_message = {"text": "cho tôi nói chuyện với người thật", "intent": {"name": "request_human"}, "entities": []}
    dispatcher, events = run(ActionRequestHuman(), t)
    assert "111" in texts(dispatcher)[0] and slots_of(events) == {"handoff_requested": True}  # a real request still is one


def test_a_contact_read_as_a_digression_answers_the_form(fake_api: FakeTriageApi) -> None:
    """A bare phone number given when the form asks for a contact can read as request_human: it is the answer."""
    for text in ("0912 345 678", "zalo @hoa_mongcai", "sdt e 0988.765.432"):
        t = tracker("question", requested_slot="contact")
        t.active_loop = {"name": "report_form"}
        t.latest_message = {"text": text, "intent": {"name": "request_human", "confidence": 0.6}, "entities": []}
        dispatcher, events = run(ActionRequestHuman(), t)
        assert texts(dispatcher) == [] and slots_of(events) == {"contact": text}, text
    assert fake_api.requests == []  # no handoff flagged
    t = tracker("question", requested_slot="suspects")  # a number asked for as a suspect's is not a contact
    t.active_loop = {"name": "report_form"}
    t.latest_message = {"text": "gọi cho tôi số 0912 345 678", "intent": {"name": "request_human"}, "entities": []}
    dispatcher, events = run(ActionRequestHuman(), t)
    assert "111" in texts(dispatcher)[0] and "contact" not in slots_of(events)


def test_a_job_offer_gets_its_warning_signs_and_a_checklist(fake_api: FakeTriageApi) -> None:
    fake_api.triage = {"urgency": "P3", "indicators": [{"code": "DECEPTIVE_RECRUITMENT"}, {"code": "CROSS_BORDER"}],
                       "entities": {}}
    dispatcher, _ = run(ActionCheckJobOffer(), tracker("question"))
    said = texts(dispatcher)[0]
    assert said.count("⚠️") == 2 and "hộ chiếu" in said and "111" in said


def test_every_number_the_bot_can_say_is_111_or_113() -> None:
    """A wrong hotline number is a real harm: only the two verified ones may appear anywhere public."""
    public = [ROOT / "domain.yml", ROOT / "bot" / "messages.yml", ROOT / "triage_api" / "data" / "knowledge.yml",
              ROOT / "triage_api" / "data" / "job_offer.yml"]
    for path in public:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = re.sub(r"Điều\s+\d+((,|\s+và)\s+\d+)*", "", yaml.safe_dump(data, allow_unicode=True))  # article numbers
        numbers = set(re.findall(r"(?<![\d/.])\d{3,}(?![\d/.])", text))
        allowed = {"111", "113", "2024", "2015", "2017", "2025"}
        assert numbers <= allowed, (path.name, numbers - allowed)


def _mid_form(asked: str, text: str, intent: str, before: tuple[str, ...] = ()) -> Any:
    t = tracker("question", requested_slot=asked)
    t.active_loop = {"name": "report_form"}
    t.events = [*t.events, *({"event": "user", "text": b} for b in before), {"event": "user", "text": text}]
    t.latest_message = {"text": text, "intent": {"name": intent, "confidence": 0.6}, "entities": []}
    return t


def test_an_answer_read_as_an_anonymity_question_answers_the_form() -> None:
    """«ẩn danh» to the consent question and «zalo của tôi là…» to the contact question are answers."""
    dispatcher, events = run(ActionAnswerAnonymity(), _mid_form("consent", "ẩn danh", "ask_anonymity"))
    assert texts(dispatcher) == [] and slots_of(events) == {"consent": "anonymous"}
    dispatcher, events = run(ActionAnswerAnonymity(), _mid_form("contact", "zalo của tôi là chị Hoa Móng Cái", "ask_anonymity"))
    assert texts(dispatcher) == [] and slots_of(events) == {"contact": "zalo của tôi là chị Hoa Móng Cái"}
    # a real question mid-form is answered, and the form goes on (the rule asks again)
    dispatcher, events = run(ActionAnswerAnonymity(), _mid_form("suspects", "báo ẩn danh thì có ai biết tên tôi không?", "ask_anonymity"))
    assert dispatcher.messages[0].get("response") == "utter_anonymity" and events == []


def test_the_same_words_twice_answer_the_form_whatever_the_nlu_reads() -> None:
    """A misread answer must not loop: sent again after the question came back, it is the answer."""
    for action, intent in ((ActionAnswerAnonymity(), "ask_anonymity"), (ActionAnswerRights(), "ask_rights")):
        once = _mid_form("suspects", "không biết tên nó", intent)
        dispatcher, events = run(action, once)
        assert texts(dispatcher) or dispatcher.messages, "the first time it is answered as a question"
        twice = _mid_form("suspects", "không biết tên nó", intent, before=("không biết tên nó",))
        dispatcher, events = run(action, twice)
        assert dispatcher.messages == [] and slots_of(events) == {"suspects": "không biết tên nó"}
