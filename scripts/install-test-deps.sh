#!/usr/bin/env bash
# Installs everything the test suite needs on a Debian 12 machine that has only Node 20 and npm.
# Idempotent: each step checks before it acts, so the README's test command can call it every time.
# Needs root (apt, dockerd, namespaces). Used by `npm test` (via scripts/test.sh) and by .ci/run.
set -euo pipefail

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root: it installs Debian packages and starts dockerd (try: sudo $0)"
  exit 1
fi

# shellcheck source=lib/docker-deps.sh
. "$(dirname "$0")/lib/docker-deps.sh"

APT_PACKAGES=(build-essential python3 iptables iproute2 docker.io docker-registry skopeo busybox-static curl
  ca-certificates util-linux postgresql systemd chromium)
# chromium: the web console's browser tests and bench/ui-fleet drive Debian's build through playwright-core.
# Debian's registry package starts a service that demands htpasswd auth; tests start their own.
gnm_apt_install "${APT_PACKAGES[@]}"
# The packaged registry service is not used (the harness starts its own with its own config).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# Docker Compose v2 (the CLI plugin from Debian trixie's package; bookworm's 1.29 rejects the official files).
gnm_install_compose_v2

# The main dockerd (the harness's hosts run their own; this one builds the base images).
gnm_ensure_dockerd || exit 1

# Node dependencies (native modules build against the system's Node headers, offline).
if [ "${GNM_SKIP_NPM_CI:-}" != 1 ]; then
  cd "$(dirname "$0")/.."
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm_config_nodedir=/usr npm ci --no-audit --no-fund >/dev/null
  fi
fi
log "ready: $(/usr/bin/docker --version), $(/usr/bin/docker compose version)"
