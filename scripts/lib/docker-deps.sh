# Shared by scripts/install-test-deps.sh and scripts/try/try.sh (sourced, not run): Debian packages,
# Docker Compose v2 and the main dockerd, each step idempotent. Needs root. The caller defines `log`.

# gnm_apt_install PKG…: installs the Debian packages that are missing (one apt-get update, only if needed).
gnm_apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Docker Compose v2: the CLI plugin from Debian trixie's docker-compose package. Bookworm's own
# docker-compose is 1.29 and rejects the official Gonka files, so it is never installed. Trixie is
# read through a temporary sources list only; the system's apt sources are never touched.
gnm_install_compose_v2() {
  local plugin_dir=/usr/local/lib/docker/cli-plugins tmp deb
  /usr/bin/docker compose version >/dev/null 2>&1 && return 0
  log "installing Docker Compose v2 plugin from Debian trixie's docker-compose package"
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "rm -rf '$tmp'" EXIT
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/parts"
  echo "deb http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
  local apt_opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o "Dir::Etc::sourceparts=$tmp/parts"
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "APT::Get::List-Cleanup=0")
  mkdir -p "$tmp/cache/archives/partial"
  apt-get "${apt_opts[@]}" update -q >/dev/null
  (cd "$tmp" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
  deb=$(ls "$tmp"/docker-compose_*.deb)
  dpkg -x "$deb" "$tmp/x"
  mkdir -p "$plugin_dir"
  install -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
  rm -rf "$tmp"
  trap - EXIT
}

# The main dockerd: started in the background when none answers (no systemd needed), then awaited.
gnm_ensure_dockerd() {
  /usr/bin/docker info >/dev/null 2>&1 && return 0
  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
    log "dockerd is running but does not answer yet; waiting"
  else
    log "starting the main dockerd"
    mkdir -p /var/log
    nohup /usr/sbin/dockerd >>/var/log/gnm-main-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    /usr/bin/docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  log "dockerd did not answer in 60 s; see /var/log/gnm-main-dockerd.log"
  return 1
}
