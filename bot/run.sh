#!/usr/bin/env bash
# Start the whole stack in the foreground (`make run`): Redis (when none answers and the binary exists),
# the triage API with its outbox relay and the operator console, the action server and the Rasa server.
# Ctrl-C stops everything this script started. Ports: API_PORT (8000), ACTIONS_PORT (5055), BOT_PORT (5005).
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

pids=()
stop() {
  trap - EXIT INT TERM
  echo; echo "stopping the stack…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# Redis for the intake stream and the bot's conversations: REDIS_URL, one already on 6379, or our own
if [ -z "${REDIS_URL:-}" ] && ! .venv/bin/python -c "import redis; redis.Redis(socket_timeout=1).ping()" 2>/dev/null; then
  if command -v redis-server >/dev/null; then
    echo "starting redis-server on 127.0.0.1:6379 (data in var/redis, append-only: the intake stream survives a restart)"
    mkdir -p var/redis
    redis-server --port 6379 --bind 127.0.0.1 --dir "$PWD/var/redis" --appendonly yes --save "" --loglevel warning & pids+=($!)
    for _ in $(seq 50); do .venv/bin/python -c "import redis; redis.Redis(socket_timeout=1).ping()" 2>/dev/null && break; sleep 0.1; done
  else
    echo "no Redis: reports wait in the database's outbox and conversations stay in memory (install redis-server)"
  fi
fi

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

# demo accounts for the console — only for the developer database (SQLite in var/, or TRIAGE_DEMO_ACCOUNTS=1)
# served on loopback; each run disables the previous ones. Elsewhere add real users (add-user).
demo=""
if [ -z "${DATABASE_URL:-}" -o "${TRIAGE_DEMO_ACCOUNTS:-}" = 1 ] && [[ "$API_HOST" == 127.* || "$API_HOST" == localhost ]]; then
  read -r demo_operator demo_supervisor demo_password < <(.venv/bin/python -m triage_api demo-accounts)
  demo="demo sign-in   $demo_operator / $demo_password   (supervisor: $demo_supervisor, same password)"
fi

.venv/bin/uvicorn triage_api.main:app --host "$API_HOST" --port "$API_PORT" --no-access-log & pids+=($!)
SANIC_HOST=127.0.0.1 .venv-rasa/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" & pids+=($!)
.venv-rasa/bin/rasa run --model models/bot.tar.gz -i 127.0.0.1 --port "$BOT_PORT" --endpoints "$endpoints" \
  --credentials credentials.yml & pids+=($!)

# wait until every service answers, then say where everything is
.venv/bin/python - "$API_HOST" "$API_PORT" "$ACTIONS_PORT" "$BOT_PORT" <<'PY' || exit 1
import sys
from bot.stack import wait_until_up
host, api, actions, bot = sys.argv[1:]
for url in (f"http://{host}:{api}/readyz", f"http://127.0.0.1:{actions}/health", f"http://127.0.0.1:{bot}/"):
    wait_until_up(url, seconds=600)
PY
cat <<TXT

  Chống mua bán người — the stack is up (Ctrl-C stops it)
  web chat       http://127.0.0.1:$BOT_PORT/webhooks/webchat/
  console        http://$API_HOST:$API_PORT/console/
  API docs       http://$API_HOST:$API_PORT/docs      metrics  http://$API_HOST:$API_PORT/metrics
  bot (REST)     http://127.0.0.1:$BOT_PORT/webhooks/rest/webhook
  ${demo:-sign-in        .venv/bin/python -m triage_api add-user --name <you> --role operator}
  emergencies    113 (police) · 111 (anti-trafficking hotline, 24/7, free)

TXT
wait -n "${pids[@]}"
