"""``action_answer_anonymity``: anonymous reporting explained when asked in the middle of the report form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.report import form_answer


class ActionAnswerAnonymity(Action):
    """Anonymity explained in the middle of the form — unless the words were the form's answer
    ("ẩn danh" to the consent question, "zalo của tôi là…" to the contact question)."""

    def name(self) -> str:
        return "action_answer_anonymity"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        answer = form_answer(tracker)
        if answer is not None:
            return answer
        dispatcher.utter_message(response="utter_anonymity")
        return []
