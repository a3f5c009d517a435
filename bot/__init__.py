"""The Rasa bot's own code (custom NLU components). Runs in .venv-rasa (Python 3.10)."""
