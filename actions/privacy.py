"""The first-contact privacy notice: what is kept, who sees it, that anonymous reporting is possible — once."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import say


def notice_once(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    if tracker.get_slot("privacy_shown"):
        return []
    say(dispatcher, "privacy")
    return [SlotSet("privacy_shown", True)]


class ActionPrivacyNotice(Action):
    def name(self) -> Text:
        return "action_privacy_notice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return notice_once(dispatcher, tracker)
