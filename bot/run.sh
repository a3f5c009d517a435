#!/usr/bin/env bash
# Start the whole stack in the foreground (`make run`): the triage API, the action server and the Rasa
# server; Ctrl-C stops all three. Ports: API_PORT (8000), ACTIONS_PORT (5055), BOT_PORT (5005).
set -euo pipefail
cd "$(dirname "$0")/.."
API_HOST=${API_HOST:-127.0.0.1}; API_PORT=${API_PORT:-8000}; ACTIONS_PORT=${ACTIONS_PORT:-5055}; BOT_PORT=${BOT_PORT:-5005}
export PYTHONPATH=$PWD
export RASA_TELEMETRY_ENABLED=false  # nothing leaves the machine: no crash reports to Rasa's servers
export TRIAGE_API_URL=${TRIAGE_API_URL:-http://$API_HOST:$API_PORT}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}
# the channels' variables (credentials.yml): unset ones get their defaults; Zalo and Telegram stay off without secrets
eval "$(.venv/bin/python -m bot.channels.defaults)"
mkdir -p var

# the bot's service key for the API (handoffs), made once and kept private
if [ -z "${TRIAGE_API_KEY:-}" ]; then
  if [ ! -s var/bot_api.key ]; then
    (umask 077; .venv/bin/python -m triage_api add-key --name "bot-$(hostname)-$$" --role service > var/bot_api.key)
  fi
  TRIAGE_API_KEY=$(cat var/bot_api.key); export TRIAGE_API_KEY
fi

# conversations in Redis with an expiry when Redis answers, else in memory
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
read -r BOT_REDIS_HOST BOT_REDIS_PORT BOT_REDIS_DB < <(.venv/bin/python -c "
from urllib.parse import urlparse; import sys; u = urlparse(sys.argv[1])
print(u.hostname or '127.0.0.1', u.port or 6379, (u.path or '/0').strip('/') or 0)" "$redis_url")
export BOT_REDIS_HOST BOT_REDIS_PORT BOT_REDIS_DB
if .venv/bin/python -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1).ping()" "$redis_url" 2>/dev/null; then
  endpoints=endpoints.yml
else
  echo "Redis is not reachable at $redis_url: conversations are kept in memory only"; endpoints=bot/endpoints-memory.yml
fi

pids=()
stop() { trap - EXIT INT TERM; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
.venv/bin/uvicorn triage_api.main:app --host "$API_HOST" --port "$API_PORT" & pids+=($!)
SANIC_HOST=127.0.0.1 .venv-rasa/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" & pids+=($!)
.venv-rasa/bin/rasa run --model models/bot.tar.gz -i 127.0.0.1 --port "$BOT_PORT" --endpoints "$endpoints" \
  --credentials credentials.yml & pids+=($!)
echo "triage API http://$API_HOST:$API_PORT · actions :$ACTIONS_PORT · bot http://127.0.0.1:$BOT_PORT/webhooks/rest/webhook"
wait -n "${pids[@]}"
