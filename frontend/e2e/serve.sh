#!/usr/bin/env bash
# Start the real app for the end-to-end suite, on its own database; stops everything it
# started when Playwright ends it. Usage: e2e/serve.sh embedded|services PORT
#   embedded: `flask serve` with the in-process worker and ticker on a fresh temporary SQLite file;
#   services: gunicorn + a dramatiq worker on PostgreSQL (its own database, created here
#             and dropped on exit) + Redis (its own key namespace).
set -euo pipefail
mode="$1"; port="$2"
cd "$(dirname "$0")/../.."
bin=.venv/bin
[ -f frontend/dist/index.html ] || { echo "frontend/dist is missing: run 'npm run build' in frontend/" >&2; exit 1; }

export AUTOMATEOS_ENV=development
export DASHBOARD_DIST="$PWD/frontend/dist"
export LOGIN_RATE_LIMIT="1000 per minute"   # the suite logs in far more often than a person
export AUTOMATEOS_HTTP_ALLOW_PRIVATE=true
children=()
sweep_redis() {
  redis-cli -u "$REDIS_URL" --scan --pattern "$AUTOMATEOS_REDIS_NAMESPACE:*" 2>/dev/null \
    | xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
}
cleanup() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Bounded: whatever still runs after 5 s is killed, so the database can be dropped.
  for _ in $(seq 50); do
    alive=0; for pid in "${children[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.1
  done
  for pid in "${children[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ "$mode" = services ]; then
    dropdb --if-exists --force -h "$pg_host" -p "$pg_port" -U "$pg_user" "$db_name" 2>/dev/null || true
    sweep_redis
  fi
  [ -n "${tmp:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

case "$mode" in
  embedded)
    tmp="$(mktemp -d)"
    export DATABASE_URL="sqlite:///$tmp/e2e.db"
    unset REDIS_URL
    "$bin/flask" --app wsgi db upgrade >/dev/null
    "$bin/flask" --app wsgi serve --host 127.0.0.1 --port "$port" &
    children+=($!)
    ;;
  services)
    : "${DATABASE_URL:?services mode needs DATABASE_URL}" "${REDIS_URL:?services mode needs REDIS_URL}"
    # Same server as DATABASE_URL, our own database on it.
    read -r pg_user pg_host pg_port < <(python3 -c "
import os, urllib.parse as u
p = u.urlparse(os.environ['DATABASE_URL'])
print(p.username or 'postgres', p.hostname or '127.0.0.1', p.port or 5432)")
    db_name="automateos_e2e_$$"
    createdb -h "$pg_host" -p "$pg_port" -U "$pg_user" "$db_name"
    export DATABASE_URL="postgresql://$pg_user@$pg_host:$pg_port/$db_name"
    # One namespace per port: what a killed run left behind is swept before this one starts.
    export AUTOMATEOS_REDIS_NAMESPACE="automateos-e2e-$port"
    sweep_redis
    "$bin/flask" --app wsgi db upgrade >/dev/null
    "$bin/dramatiq" worker --processes 1 --threads 4 &
    children+=($!)
    GUNICORN_BIND="127.0.0.1:$port" WEB_CONCURRENCY=1 "$bin/gunicorn" -c gunicorn.conf.py wsgi:app &
    children+=($!)
    ;;
  *) echo "usage: $0 embedded|services PORT" >&2; exit 2 ;;
esac
wait -n "${children[@]}"
