#!/usr/bin/env bash
# `sudo npm run try`: the one-command end-to-end trial on a Debian 12 machine with Node 20 and npm.
# Makes sure Docker Engine, Compose v2 and the few tools the sim images need are there (as the test
# suite installs them, scripts/lib/docker-deps.sh), installs the Node dependencies on first use, then
# runs scripts/try/up.ts: control plane, agent on this machine, a full sim node, until Ctrl-C.
set -euo pipefail

log() { printf '[try] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root: it installs Docker if missing, runs containers and the agent (try: sudo npm run try)"
  exit 1
fi
cd "$(dirname "$0")/../.."

# shellcheck source=../lib/docker-deps.sh
. scripts/lib/docker-deps.sh
# docker.io and Compose v2 run the stack; busybox-static builds the sim images' base; curl and
# coreutils run the agent's install script; iptables is what dockerd needs for published ports.
gnm_apt_install docker.io busybox-static curl ca-certificates iptables coreutils
gnm_install_compose_v2
gnm_ensure_dockerd || exit 1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node dependencies (first run only)…"
  npm_config_nodedir=/usr npm ci --no-audit --no-fund >/dev/null
fi
exec node_modules/.bin/tsx scripts/try/up.ts "$@"
