"""The bot's custom actions (rasa-sdk 3.6), one module per feature; ``rasa run actions`` loads them all.

A report that waited in the outbox when the action server last stopped is retried from the start."""

from actions import outbox

outbox.ensure_retrying()
