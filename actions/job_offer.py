"""``action_check_job_offer``: the warning signs the triage engine finds in a pasted offer, and what to check."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api
from actions.messages import say
from triage_api.knowledge import job_offer_advice


class ActionCheckJobOffer(Action):
    def name(self) -> str:
        return "action_check_job_offer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        try:
            result = api.triage(text)
        except (api.Unreachable, api.Refused):
            dispatcher.utter_message(text=job_offer_advice([]))
            return []
        codes = [i["code"] for i in result.get("indicators", [])]
        if result.get("urgency") == "P1":  # an "offer" that is really someone in danger
            say(dispatcher, "p1_safety")
        dispatcher.utter_message(text=job_offer_advice(codes))
        return []
