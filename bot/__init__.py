"""The Rasa bot's own code (custom NLU components, channels, stores). Runs in .venv-rasa (Python 3.10).

Importing it — as the Rasa server does to load the tokenizer and the channels — installs
:mod:`bot.speedups` (a cached validator for action-server answers)."""

from bot.speedups import install as _install_speedups

_install_speedups()
