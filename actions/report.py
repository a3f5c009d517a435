"""The report form: its checks (``validate_report_form``) and its submission (``action_submit_report``).

Every answer is kept as typed. «thôi», «hủy», «dừng lại» at any question cancel the report. The
consent answer maps to anonymous / confidential / share_with_police, and an anonymous report is never
asked for a contact. On submission the report goes to ``POST /v1/reports`` under the Idempotency-Key
made when the tip arrived; if the API cannot take it now it goes to the durable outbox and the person
is told it is safe — nothing is lost, nothing is sent twice.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import api, outbox
from actions.messages import say
from actions.tip import FORM_SLOTS
from triage_api.engine.entities import find_phones, find_platforms
from triage_api.engine.teencode import expand
from triage_api.engine.text import Text, fold

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
CANCEL = {"thoi", "huy", "dung lai", "dung", "huy bo", "thoi khong bao nua", "khong bao nua", "khong muon bao nua",
          "thoi khong", "huy bao cao", "khong gui nua", "thoi bo qua"}
NOTHING = {"khong", "khong co", "khong biet", "chua biet", "khong ro", "khong muon", "khong can", "bo qua", "-"}
# phones, @handles, links and platform names: the engine's own finders; only these words are the form's
_CONTACT_WORDS = re.compile(r"\b(email|gmail|mail|sdt|so dien thoai)\b")
_ACCOUNT = re.compile(r"(?<!\d)\d{8,16}(?!\d)")
_KINDS = {"Zalo": "zalo", "Telegram": "telegram", "Facebook": "facebook", "Messenger": "facebook"}
CHANNELS = {"telegram": "telegram", "zalo": "zalo"}


def folded(text: str | None) -> str:
    """Lower case, no diacritics, teencode expanded, punctuation dropped: «Thôi, ko báo nữa!» → «thoi khong bao nua»."""
    return " ".join(fold(part) for w in _WORD.findall((text or "").lower()) for part in expand(w))


def consent_of(text: str | None) -> str | None:
    said = folded(text)
    if "an danh" in said or "giau ten" in said or said in {"1", "mot"}:
        return "anonymous"
    if "cong an" in said or "chia se" in said or said in {"3", "ba"}:
        return "share_with_police"
    if "bao mat" in said or "lien lac lai" in said or said in {"2", "hai"}:
        return "confidential"
    return None


def form_answer(tracker: Tracker) -> list[dict[str, Any]] | None:
    """The answer to the form's question, when the person gave it in words the NLU read as a digression.

    «chia sẻ với công an» — the consent choice's own wording — reads as ``request_human`` or ``ask_hotline``
    (it names the police), and a bare phone number given as the contact can read as ``request_human``; the
    digression rules would then answer a question nobody asked, flag a handoff and ask again, for as long
    as the person repeats their answer. The actions those rules run call this first: while the form asks
    for consent, a clear choice is the answer; while it asks for a contact, a phone number, a handle or a
    named platform ("zalo của tôi là…") is; and whatever it asks, the same words sent twice in a row are."""
    loop = (tracker.active_loop or {}).get("name")
    asked = tracker.get_slot("requested_slot")
    if loop != "report_form" or not asked:
        return None
    text = (tracker.latest_message or {}).get("text") or ""
    if asked == "consent":
        consent = consent_of(text)
        return [SlotSet("consent", consent)] if consent else None
    if asked == "contact" and (_CONTACT_WORDS.search(folded(text)) or _names_a_contact(Text.of(text))):
        return [SlotSet("contact", text.strip()[:200])]
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    if len(said) >= 2 and folded(said[-1]) and folded(said[-1]) == folded(said[-2]):
        return [SlotSet(asked, text.strip()[:2000])]  # the same words again after the question came back: the answer
    return None


class ValidateReportForm(FormValidationAction):
    def name(self) -> str:
        return "validate_report_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("consent") == "anonymous":
            return [slot for slot in domain_slots if slot != "contact"]
        return domain_slots

    def _cancelled(self, slot: str, value: Any) -> dict[str, Any] | None:
        if isinstance(value, str) and folded(value) in CANCEL:
            return {slot: None, "report_cancelled": True, "requested_slot": None}
        return None

    def _free_text(self, slot: str, value: Any) -> dict[str, Any]:
        cancelled = self._cancelled(slot, value)
        if cancelled is not None:
            return cancelled
        text = value.strip() if isinstance(value, str) else ""
        return {slot: text[:2000] or None}

    def validate_what_happened(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._free_text("what_happened", value)

    def validate_where(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Kept as typed (the commune); the engine names the province, old names included."""
        result = self._free_text("where", value)
        if result.get("where"):
            result["province"] = _engine_entities(result["where"]).get("province")
        return result

    def validate_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._free_text("when", value)

    def validate_who_at_risk(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Kept as typed; the engine reads the ages ("bé 14t", "mười sáu tuổi")."""
        result = self._free_text("who_at_risk", value)
        if result.get("who_at_risk"):
            result["risk_ages"] = list(_engine_entities(result["who_at_risk"]).get("ages") or [])
        return result

    def validate_suspects(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._free_text("suspects", value)

    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        cancelled = self._cancelled("consent", value)
        if cancelled is not None:
            return cancelled
        consent = consent_of(value)
        if consent is None:
            say(dispatcher, "consent_unclear")
        return {"consent": consent}

    def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        cancelled = self._cancelled("contact", value)
        if cancelled is not None:
            return cancelled
        text = value.strip() if isinstance(value, str) else ""
        return {"contact": "-" if not text or folded(text) in NOTHING else text[:200]}


def _engine_entities(text: str) -> dict[str, Any]:
    """The triage engine's entities for an answer; none when the API is away (the answer itself is kept)."""
    try:
        return dict(api.triage(text).get("entities") or {})
    except (api.Unreachable, api.Refused):
        return {}


def _names_a_contact(t: Text) -> bool:
    """A phone number, a handle or link, or a platform by name."""
    if find_phones(t):
        return True
    found = find_platforms(t)
    return bool(found.platforms or found.handles)


def _suspects(text: str | None) -> list[dict[str, str]]:
    """Suspects' phone numbers, accounts on Zalo/Telegram/Facebook (a handle's platform is the one named
    before it, else the only one the message names) and, after «tài khoản»/«stk», bank account numbers."""
    if not text or folded(text) in NOTHING:
        return []
    t = Text.of(text)
    phones = find_phones(t)
    found = find_platforms(t)
    only = _KINDS.get(found.platforms[0], "other") if len(found.platforms) == 1 else "other"
    out = [{"kind": "phone", "value": p.number} for p in phones]
    numbers = {p.number for p in phones}
    out += [{"kind": _KINDS.get(h.platform, only), "value": h.handle} for h in found.handles if h.handle not in numbers]
    said = folded(text)
    if "tai khoan" in said or "stk" in said.split():
        out += [{"kind": "bank_account", "value": m.group()} for m in _ACCOUNT.finditer(t.clean)
                if not any(p.start < m.end() and m.start() < p.end for p in phones)]
    return out[:50]


def build_report(tracker: Tracker) -> dict[str, Any]:
    """The body of ``POST /v1/reports`` from the form's answers. The narrative keeps every answer, so
    nothing the person said is lost even where a field has no place for it."""
    slot = tracker.get_slot
    parts = [(None, slot("what_happened")), ("Ở đâu", slot("where")), ("Khi nào", slot("when")),
             ("Người gặp nguy hiểm", slot("who_at_risk")), ("Người liên quan", slot("suspects"))]
    narrative = "\n".join(f"{label}: {value}" if label else str(value) for label, value in parts if value)
    consent = slot("consent") or "anonymous"
    contact = slot("contact")
    body: dict[str, Any] = {
        "channel": CHANNELS.get(tracker.get_latest_input_channel() or "", "web"),
        "consent": consent,
        "narrative": narrative[:5000] or "(không có nội dung)",
        "suspects": _suspects(slot("suspects")),
    }
    ages = [a for a in (slot("risk_ages") or []) if isinstance(a, int) and 0 <= a <= 120]
    if ages:
        body["people_at_risk"] = [{"age": age} for age in ages[:20]]
    if slot("province") or slot("where"):
        body["location"] = {"province": slot("province"), "commune": (slot("where") or "")[:120] or None}
    if consent != "anonymous" and contact and contact != "-":
        body["contact"] = contact
    return body


class ActionSubmitReport(Action):
    def name(self) -> str:
        return "action_submit_report"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        reset: list[dict[str, Any]] = [SlotSet(s, None) for s in (*FORM_SLOTS, "province", "risk_ages")]
        reset.append(SlotSet("report_cancelled", False))
        if tracker.get_slot("report_cancelled"):
            say(dispatcher, "report_cancelled")
            return reset + [SlotSet("report_key", None)]
        key = tracker.get_slot("report_key") or str(uuid.uuid4())
        body = build_report(tracker)
        try:
            accepted = api.submit_report(body, key)
        except (api.Unreachable, api.Refused):
            outbox.put(key, body)  # durable before we say so
            say(dispatcher, "report_queued")
            return reset + [SlotSet("report_key", None)]
        code = accepted["receipt_code"]
        say(dispatcher, "report_received", receipt_code=code)
        return reset + [SlotSet("report_key", None), SlotSet("receipt_code", code)]
