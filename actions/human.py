"""``action_request_human``: how to reach a person now (111), and the conversation flagged for an operator."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import api
from actions.messages import say
from actions.report import CHANNELS, form_answer


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        answer = form_answer(tracker)  # «chia sẻ với công an» is a choice, not a request for a person
        if answer is not None:
            return answer
        if not tracker.get_slot("handoff_requested"):
            channel = CHANNELS.get(tracker.get_latest_input_channel() or "", "web")
            try:
                api.request_handoff(tracker.sender_id, channel)
            except (api.Unreachable, api.Refused):
                # the person gets 111 either way; the flag is tried again if they ask again
                say(dispatcher, "human_call")
                return []
        say(dispatcher, "human")
        return [SlotSet("handoff_requested", True)]
