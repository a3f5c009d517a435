"""Every message a person sends gets an answer, with 113 and 111 when the bot has none.

When the action server or Redis is away, Rasa swallows the error and answers nothing: a person in
danger would see no reply at all. Each channel checks what the bot said for that one message —
collected replies (:func:`answered`) or replies sent as they come (:class:`Watched`) — and sends the
channels' failure reply when it was nothing.

>>> answered([], "s")[0]["text"] == reply("failure")
True
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.replies import reply

__all__ = ["Watched", "answered"]


def answered(messages: list[dict[str, Any]], recipient: str) -> list[dict[str, Any]]:
    """What the bot said, or — when it said nothing — the failure reply with 113 and 111."""
    return messages or [{"recipient_id": recipient, "text": reply("failure")}]


class Watched(OutputChannel):
    """Sends through ``inner`` and counts what was sent for one message."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner, self.sent = inner, 0

    def name(self) -> str:  # type: ignore[override]  # the channel it wraps, for channel-specific responses
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:  # what Rasa calls
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_text_with_buttons(recipient_id, text, buttons, **kwargs)
