"""``action_answer_rights``: rights and support from the knowledge base (facts marked V), citing the article."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.report import form_answer
from triage_api.knowledge import rights_answer


class ActionAnswerRights(Action):
    def name(self) -> str:
        return "action_answer_rights"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        answer = form_answer(tracker)  # in the middle of the form, the words may be its answer
        if answer is not None:
            return answer
        question = (tracker.latest_message or {}).get("text") or ""
        dispatcher.utter_message(text=rights_answer(question).render())
        return []
