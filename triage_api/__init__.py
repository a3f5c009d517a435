"""Triage API: the Vietnamese triage engine behind the hotline, the bot and the police queue."""

__version__ = "0.1.0"
