"""Rasa input channels for the public: Zalo Official Account (``zalo``), Telegram (``telegram``) and the web
chat page (``webchat``), registered in ``credentials.yml`` by module path.

This package's ``__init__`` and ``defaults`` import nothing from Rasa, so ``bot/stack.py`` (the API's Python)
can read the channel defaults too."""
