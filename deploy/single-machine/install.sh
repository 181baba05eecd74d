#!/usr/bin/env bash
# One machine (Debian 12 / Ubuntu 22.04 or later), as root, from a clone of this repository:
#   sudo deploy/single-machine/install.sh
# Installs JupyterHub + configurable-http-proxy (npm) + the workbooks + PostgreSQL as system
# services: a `cswb` system user, /opt/cswb/venv, /var/lib/cswb/{workspaces,hub}, /etc/cswb
# (config and secrets, readable by cswb only), and the units jupyterhub.service and cswb.service.
# Run it again to upgrade: secrets, workspaces and the Hub's database are kept.
# People then sign in at http://127.0.0.1:8000/ (put a TLS proxy such as Caddy or nginx in front
# for other machines, and set an authenticator in /etc/cswb/jupyterhub_config.py: see the README).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo $0)" >&2; exit 1; }

apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv nodejs npm postgresql libcairo2
command -v configurable-http-proxy >/dev/null || npm install -g configurable-http-proxy

id cswb >/dev/null 2>&1 || useradd --system --home-dir /var/lib/cswb --shell /usr/sbin/nologin cswb
install -d -o cswb -g cswb -m 750 /var/lib/cswb /var/lib/cswb/workspaces /var/lib/cswb/hub
install -d -o root -g cswb -m 750 /etc/cswb

[ -x /opt/cswb/venv/bin/python ] || python3 -m venv /opt/cswb/venv
/opt/cswb/venv/bin/pip install --quiet --upgrade pip
/opt/cswb/venv/bin/pip install --quiet "$repo[hub]"

# PostgreSQL: a role and a database for the communities, reached over the local socket as the
# `cswb` system user (peer authentication: no password anywhere). CSWB_WORKSPACES below names it;
# a folder of SQLite workspaces (/var/lib/cswb/workspaces) works there too.
runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'cswb'" | grep -q 1 \
  || runuser -u postgres -- createuser cswb
runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'cswb'" | grep -q 1 \
  || runuser -u postgres -- createdb --owner cswb cswb

if [ ! -f /etc/cswb/cswb.env ]; then
  token=$(/opt/cswb/venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
  umask 027
  cat > /etc/cswb/cswb.env <<ENV
# Read by jupyterhub.service and cswb.service. Secrets: keep this file private.
CSWB_WORKSPACES=postgresql:///cswb
CSWB_HUB_STATE=/var/lib/cswb/hub
CSWB_SERVICE_PORT=8866
CSWB_SERVE_OPTIONS=--max-kernels 30 --max-kernels-per-user 6
# The Hub and the workbooks' service share this token (the service is a unit of its own).
CSWB_SERVICE_API_TOKEN=$token
JUPYTERHUB_API_TOKEN=$token
JUPYTERHUB_API_URL=http://127.0.0.1:8081/hub/api
JUPYTERHUB_CLIENT_ID=service-cswb
JUPYTERHUB_SERVICE_NAME=cswb
JUPYTERHUB_SERVICE_PREFIX=/services/cswb/
JUPYTERHUB_BASE_URL=/
ENV
  chgrp cswb /etc/cswb/cswb.env
fi
# The config is replaced on upgrade only if nobody changed it (a changed one is left as it is).
if [ ! -f /etc/cswb/jupyterhub_config.py ] || cmp -s /etc/cswb/jupyterhub_config.py.installed /etc/cswb/jupyterhub_config.py; then
  install -o root -g cswb -m 640 "$here/jupyterhub_config.py" /etc/cswb/jupyterhub_config.py
  install -o root -g cswb -m 640 "$here/jupyterhub_config.py" /etc/cswb/jupyterhub_config.py.installed
fi

install -m 644 "$here/jupyterhub.service" "$here/cswb.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now jupyterhub.service cswb.service
systemctl restart jupyterhub.service cswb.service
echo "JupyterHub with the CSWB workbooks: http://127.0.0.1:8000/ (see the README to add people and communities)"
