"""``action_answer_hotline``: 113 and 111, and where to go in person in the person's (new) province.

The province comes from the triage engine (old names resolve to the new unit: "Bắc Giang" → Bắc Ninh),
else from earlier in the conversation; abroad, the nearest Vietnamese embassy or consulate."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api
from actions.report import form_answer
from triage_api.knowledge import hotlines, in_person


class ActionAnswerHotline(Action):
    def name(self) -> str:
        return "action_answer_hotline"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        answer = form_answer(tracker)  # «đồng ý chia sẻ liên lạc với công an» answers the form, asks nothing
        if answer is not None:
            return answer
        text = (tracker.latest_message or {}).get("text") or ""
        province: str | None = None
        abroad = False
        try:
            entities = api.triage(text).get("entities") or {}
            province = entities.get("province")
            abroad = bool(entities.get("countries"))
        except (api.Unreachable, api.Refused):
            pass
        province = province or tracker.get_slot("province")
        dispatcher.utter_message(text=f"Số cần nhớ — {hotlines()}.")
        dispatcher.utter_message(text=in_person(province, abroad=abroad))
        return []
