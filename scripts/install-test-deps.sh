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

export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES=(build-essential python3 iptables iproute2 docker.io docker-registry skopeo busybox-static curl
  ca-certificates util-linux postgresql systemd)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  apt-get update -q >/dev/null
  # Debian's registry package starts a service that demands htpasswd auth; tests start their own.
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packaged registry service is not used (the harness starts its own with its own config).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

# Docker Compose v2: the CLI plugin from Debian trixie's docker-compose package. Bookworm's own
# docker-compose is 1.29 and rejects the official Gonka files, so it is never installed. Trixie is
# read through a temporary sources list only; the system's apt sources are never touched.
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
if ! /usr/bin/docker compose version >/dev/null 2>&1; then
  log "installing Docker Compose v2 plugin from Debian trixie's docker-compose package"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/parts"
  echo "deb http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o "Dir::Etc::sourceparts=$tmp/parts"
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "APT::Get::List-Cleanup=0")
  mkdir -p "$tmp/cache/archives/partial"
  apt-get "${apt_opts[@]}" update -q >/dev/null
  (cd "$tmp" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
  deb=$(ls "$tmp"/docker-compose_*.deb)
  dpkg -x "$deb" "$tmp/x"
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
  trap - EXIT
fi

# The main dockerd (the harness's hosts run their own; this one builds the base images).
if ! /usr/bin/docker info >/dev/null 2>&1; then
  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
    log "dockerd is running but does not answer yet; waiting"
  else
    log "starting the main dockerd"
    mkdir -p /var/log
    nohup /usr/sbin/dockerd >/var/log/gnm-main-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    /usr/bin/docker info >/dev/null 2>&1 && break
    sleep 1
  done
  /usr/bin/docker info >/dev/null 2>&1 || { log "dockerd did not answer in 60 s; see /var/log/gnm-main-dockerd.log"; exit 1; }
fi

# Node dependencies (native modules build against the system's Node headers, offline).
if [ "${GNM_SKIP_NPM_CI:-}" != 1 ]; then
  cd "$(dirname "$0")/.."
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm_config_nodedir=/usr npm ci --no-audit --no-fund >/dev/null
  fi
fi
log "ready: $(/usr/bin/docker --version), $(/usr/bin/docker compose version)"
