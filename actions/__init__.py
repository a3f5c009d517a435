"""Rasa custom actions (rasa-sdk action server). Runs in .venv-rasa; calls triage_api over HTTP."""
