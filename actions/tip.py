"""``action_triage``: the tip goes to ``POST /v1/triage``; on P1 the very next message is 113, 111 and a safety step.

The triage API decides urgency (the bot never repeats its rules). What the first message already
says is kept for the report form: the message itself as "what happened", and the province when the
engine found one, so the form does not ask again. If the API cannot be reached the person still
gets 113 and 111 at once, and the form goes on: the report will wait in the outbox if need be.
"""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api
from actions.messages import FORM_QUESTIONS, say
from actions.privacy import notice_once

FORM_SLOTS = FORM_QUESTIONS  # the report form's slots, in the order it asks


class ActionTriage(Action):
    def name(self) -> str:
        return "action_triage"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        events: list[dict[str, Any]] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        events += [SlotSet("province", None), SlotSet("risk_ages", None), SlotSet("report_cancelled", False),
                   SlotSet("report_key", str(uuid.uuid4()))]
        try:
            result = api.triage(text)
        except (api.Unreachable, api.Refused):
            say(dispatcher, "service_slow")  # 113 and 111, before anything else
            events += notice_once(dispatcher, tracker)
            return events + [SlotSet("urgency", None), SlotSet("what_happened", text or None)]
        urgency = result.get("urgency")
        if urgency == "P1":
            say(dispatcher, "p1_safety")
        events += notice_once(dispatcher, tracker)
        province = (result.get("entities") or {}).get("province")
        events += [
            SlotSet("urgency", urgency),
            SlotSet("indicators", [i["code"] for i in result.get("indicators", [])]),
            SlotSet("what_happened", text or None),
        ]
        if province:
            events += [SlotSet("where", province), SlotSet("province", province)]
        return events
