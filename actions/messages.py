"""What the custom actions say, from ``bot/messages.yml`` (data, so wording is changed in one place),
and the form's questions as ``action_ask_<slot>`` actions built from the same file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

MESSAGES = Path(__file__).resolve().parents[1] / "bot" / "messages.yml"
FORM_QUESTIONS = ("what_happened", "where", "when", "who_at_risk", "suspects", "consent", "contact")


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, Any]]:
    with MESSAGES.open(encoding="utf-8") as f:
        data: dict[str, dict[str, Any]] = yaml.safe_load(f)
    return data


def text(key: str, **values: Any) -> str:
    return " ".join(str(messages()[key]["text"]).split()).format(**values)


def say(dispatcher: CollectingDispatcher, key: str, **values: Any) -> None:
    entry = messages()[key]
    dispatcher.utter_message(text=text(key, **values), buttons=entry.get("buttons") or [])


def _ask_action(slot: str) -> type:
    class Ask(Action):
        def name(self) -> str:
            return f"action_ask_{slot}"

        def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
            say(dispatcher, f"ask_{slot}")
            return []

    Ask.__name__ = Ask.__qualname__ = "ActionAsk" + "".join(part.title() for part in slot.split("_"))
    return Ask


# the action server registers every Action subclass it finds in the module
ASK_ACTIONS = {slot: _ask_action(slot) for slot in FORM_QUESTIONS}
ActionAskWhatHappened, ActionAskWhere, ActionAskWhen, ActionAskWhoAtRisk, ActionAskSuspects, ActionAskConsent, ActionAskContact = (
    ASK_ACTIONS[s] for s in FORM_QUESTIONS
)
