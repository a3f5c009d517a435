"""Every environment variable ``credentials.yml`` names, with its default (Rasa refuses to start on an unset
``${VAR}``). A channel whose secrets are empty stays off: its webhook answers 503 and nothing else happens.

``python -m bot.channels.defaults`` prints shell lines that set the missing ones (``bot/run.sh`` evals them);
``bot/stack.py`` merges :data:`DEFAULTS` under the environment it passes on."""

from __future__ import annotations

import shlex

DEFAULTS: dict[str, str] = {
    # Zalo Official Account (developers.zalo.me): app id, the OA secret key of the webhook settings (signs
    # events), the app secret (refreshes tokens), and the first tokens (the refresh token rotates: the newest
    # one is kept in ZALO_TOKEN_FILE, mode 0600)
    "ZALO_APP_ID": "",
    "ZALO_OA_SECRET_KEY": "",
    "ZALO_APP_SECRET": "",
    "ZALO_ACCESS_TOKEN": "",
    "ZALO_REFRESH_TOKEN": "",
    "ZALO_TOKEN_FILE": "var/zalo_tokens.json",
    "ZALO_API_BASE": "https://openapi.zalo.me",
    "ZALO_OAUTH_BASE": "https://oauth.zaloapp.com",
    # Telegram (@BotFather): the bot token, its username, the public webhook URL and the secret token that
    # Telegram sends back in X-Telegram-Bot-Api-Secret-Token
    "TELEGRAM_TOKEN": "",
    "TELEGRAM_USERNAME": "",
    "TELEGRAM_WEBHOOK_URL": "",
    "TELEGRAM_SECRET_TOKEN": "",
    "TELEGRAM_API_BASE": "https://api.telegram.org",
    # replay guard shared by several Rasa servers (empty: in memory)
    "CHANNELS_REDIS_URL": "",
    # the neutral page the web chat's quick exit leaves for
    "WEBCHAT_EXIT_URL": "https://www.google.com/search?q=th%E1%BB%9Di+ti%E1%BA%BFt",
}


def shell_lines() -> str:
    """``[ -n "${VAR+x}" ] || VAR=default; export VAR`` for every variable: set ones are kept."""
    return "\n".join(f'[ -n "${{{name}+x}}" ] || {name}={shlex.quote(value)}; export {name}' for name, value in DEFAULTS.items())


if __name__ == "__main__":
    print(shell_lines())
