#!/usr/bin/env bash
# `make hub`: JupyterHub with the workbooks and PostgreSQL on this machine, on loopback, for trying it out.
# Four people with one printed password (the Hub's DummyAuthenticator: never for real use):
#   alice  editor of Maple Falls        bob   editor of Whitebirch Lake
#   cora   coordinator of Maple Falls   vera  viewer of Maple Falls
# The two communities live in one PostgreSQL database:
# - CSWB_DATABASE_URL=postgresql://[user@]host[:port]/database names one (its password in PGPASSWORD
#   or ~/.pgpass, never in the URL), or libpq's own PGHOST/PGSERVICE variables say where it is;
# - otherwise a cluster of its own is made once under $HUB_DIR/postgres with Debian's initdb and run
#   with pg_ctl on a Unix socket in that folder (no TCP port; only this user, or root, can connect).
# Communities are made from the samples once and kept (your edits survive the next run).
# Ctrl-C stops the Hub, its proxy, the workbooks and the cluster this script started.
set -euo pipefail

bin=$(realpath -m "${BIN:-.venv/bin}")
state=$(realpath -m "${HUB_DIR:-demo/hub}")
port=${HUB_PORT:-8000}
command -v configurable-http-proxy >/dev/null \
  || { echo "make hub: configurable-http-proxy is missing: npm install -g configurable-http-proxy" >&2; exit 1; }
mkdir -p "$state"

started_cluster=""
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_cluster() { [ -z "$started_cluster" ] || as_owner "$pg_bin/pg_ctl" -D "$started_cluster" -m fast -w stop >/dev/null; }

if [ -n "${CSWB_DATABASE_URL:-}" ]; then
  database=$CSWB_DATABASE_URL
elif [ -n "${PGHOST:-}${PGSERVICE:-}" ]; then
  database="postgresql://"  # libpq's environment (and service file) says where and who
else
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$pg_bin/initdb" ] || { echo "make hub: no PostgreSQL: install Debian's postgresql package, or set" \
    "CSWB_DATABASE_URL to a database you have" >&2; exit 1; }
  cluster="$state/postgres"
  sockets="$cluster/run"
  mkdir -p "$sockets"
  [ "$(id -u)" != 0 ] || chown -R postgres: "$cluster"  # initdb will not run as root
  chmod 700 "$cluster" "$sockets"
  if [ ! -f "$cluster/data/PG_VERSION" ]; then
    echo "make hub: creating a PostgreSQL cluster in $cluster (once)"
    as_owner "$pg_bin/initdb" -D "$cluster/data" -U cswb -A trust -E UTF8 --locale C >"$cluster/initdb.log"
  fi
  if ! as_owner "$pg_bin/pg_ctl" -D "$cluster/data" status >/dev/null 2>&1; then
    as_owner "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
      -o "-k $sockets -c listen_addresses=''" start >/dev/null
    started_cluster="$cluster/data"
  fi
  trap stop_cluster EXIT
  "$pg_bin/psql" -h "$sockets" -U cswb -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'cswb'" \
    | grep -q 1 || "$pg_bin/createdb" -h "$sockets" -U cswb cswb
  database="postgresql://cswb@/cswb?host=$sockets"
fi

for sample in maple-falls whitebirch-lake; do
  community="${database}$([[ $database == *\?* ]] && echo '&' || echo '?')community=${sample//-/_}"
  "$bin/python" -c 'import sys; from cswb_widgets.store import is_workspace; sys.exit(0 if is_workspace(sys.argv[1]) else 1)' \
    "$community" || "$bin/cswb" init "$community" --from "$sample"
done
cat > "$state/groups.json" <<'JSON'
{"cswb:maple_falls:editor": ["alice"], "cswb:whitebirch_lake:editor": ["bob"],
 "cswb:maple_falls:coordinator": ["cora"], "cswb:maple_falls:viewer": ["vera"]}
JSON

password=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
token=$("$bin/python" -c 'import secrets; print(secrets.token_hex(32))')
export PATH="$bin:$PATH"
export CSWB_WORKSPACES="$database" CSWB_HUB_STATE="$state" CSWB_HUB_PORT="$port"
export CSWB_SERVICE_API_TOKEN="$token" CSWB_HUB_TRY_PASSWORD="$password" CSWB_HUB_TRY_GROUPS="$state/groups.json"

"$bin/jupyterhub" -f "$(dirname "$0")/jupyterhub_config.py" >"$state/hub.log" 2>&1 &
hub=$!
JUPYTERHUB_API_TOKEN="$token" JUPYTERHUB_API_URL="http://127.0.0.1:${CSWB_HUB_API_PORT:-8081}/hub/api" \
  JUPYTERHUB_CLIENT_ID=service-cswb JUPYTERHUB_SERVICE_NAME=cswb JUPYTERHUB_SERVICE_PREFIX=/services/cswb/ \
  "$bin/cswb" serve --hub --root "$database" --port "${CSWB_SERVICE_PORT:-8866}" >"$state/cswb.log" 2>&1 &
service=$!
trap 'kill $service $hub 2>/dev/null; wait $service $hub 2>/dev/null; stop_cluster' EXIT INT TERM

echo "JupyterHub with the workbooks: http://127.0.0.1:$port/  (logs in $state/)"
echo "Sign in as alice, bob, cora or vera with the password: $password"
wait -n $hub $service
