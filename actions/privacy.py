"""The first-contact privacy notice: what is kept, who sees it, that anonymous reporting is possible — once."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import say


def notice_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    if tracker.get_slot("privacy_shown"):
        return []
    say(dispatcher, "privacy")
    return [SlotSet("privacy_shown", True)]


class ActionPrivacyNotice(Action):
    def name(self) -> str:
        return "action_privacy_notice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        return notice_once(dispatcher, tracker)
