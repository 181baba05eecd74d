#!/usr/bin/env bash
# `make hub`: JupyterHub with the workbooks on this machine, on loopback, for trying it out.
# Four people with one printed password (the Hub's DummyAuthenticator: never for real use):
#   alice  editor of Maple Falls        bob   editor of Whitebirch Lake
#   cora   coordinator of Maple Falls   vera  viewer of Maple Falls
# Workspaces are made from the samples once and kept (your edits survive the next run).
# Ctrl-C stops the Hub, its proxy and the workbooks.
set -euo pipefail

bin=$(realpath -m "${BIN:-.venv/bin}")
state=$(realpath -m "${HUB_DIR:-demo/hub}")
workspaces=$(realpath -m "${DEMO_DIR:-demo/workspaces}")
port=${HUB_PORT:-8000}
command -v configurable-http-proxy >/dev/null \
  || { echo "make hub: configurable-http-proxy is missing: npm install -g configurable-http-proxy" >&2; exit 1; }

mkdir -p "$state" "$workspaces"
for sample in maple-falls whitebirch-lake; do
  [ -f "$workspaces/$sample/workspace.sqlite" ] || "$bin/cswb" init "$workspaces/$sample" --from "$sample"
done
cat > "$state/groups.json" <<'JSON'
{"cswb:maple-falls:editor": ["alice"], "cswb:whitebirch-lake:editor": ["bob"],
 "cswb:maple-falls:coordinator": ["cora"], "cswb:maple-falls:viewer": ["vera"]}
JSON

password=$("$bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
token=$("$bin/python" -c 'import secrets; print(secrets.token_hex(32))')
export PATH="$bin:$PATH"
export CSWB_WORKSPACES="$workspaces" CSWB_HUB_STATE="$state" CSWB_HUB_PORT="$port"
export CSWB_SERVICE_API_TOKEN="$token" CSWB_HUB_TRY_PASSWORD="$password" CSWB_HUB_TRY_GROUPS="$state/groups.json"

"$bin/jupyterhub" -f "$(dirname "$0")/jupyterhub_config.py" >"$state/hub.log" 2>&1 &
hub=$!
JUPYTERHUB_API_TOKEN="$token" JUPYTERHUB_API_URL="http://127.0.0.1:${CSWB_HUB_API_PORT:-8081}/hub/api" \
  JUPYTERHUB_CLIENT_ID=service-cswb JUPYTERHUB_SERVICE_NAME=cswb JUPYTERHUB_SERVICE_PREFIX=/services/cswb/ \
  "$bin/cswb" serve --hub --root "$workspaces" --port "${CSWB_SERVICE_PORT:-8866}" >"$state/cswb.log" 2>&1 &
service=$!
trap 'kill $service $hub 2>/dev/null; wait $service $hub 2>/dev/null' EXIT INT TERM

echo "JupyterHub with the workbooks: http://127.0.0.1:$port/  (logs in $state/)"
echo "Sign in as alice, bob, cora or vera with the password: $password"
wait -n $hub $service
