/**
 * The agent installer the control plane serves at `/install.sh` (issue #6, DESIGN invariant 6). It is
 * fetched by the install command over TLS pinned to the control plane's key, so the digest embedded
 * here is trusted exactly as far as the pin: the script downloads the executable with the same pin,
 * checks the digest, installs it, enrolls with the three pins, then runs the agent under systemd (or in
 * the foreground with `--foreground`, for containers and tests). POSIX sh, no bashisms: it runs on
 * `sh` of any Linux distribution.
 */
export const AGENT_PATH = '/agent/v1/gnm-agent-linux-x64';

/** Single-quotes a value for sh: nothing inside single quotes is expanded, `'` is closed and escaped. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderInstallScript(o: { publicUrl: string; sha256: string; version: string }): string {
  if (!/^[0-9a-f]{64}$/.test(o.sha256)) throw new Error('the agent digest must be 64 hex digits');
  return `#!/bin/sh
# Gonka Node Manager: agent installer ${o.version}, served by ${o.publicUrl.replace(/\n/g, ' ')}
# Downloads the agent executable with the same TLS pin as this script, checks its SHA-256, installs it,
# enrolls this host with the pins of the install command, and starts the agent.
set -eu

# Everything runs from main, called on the last line: a download cut short runs nothing.
main() {
AGENT_URL=${shQuote(`${o.publicUrl}${AGENT_PATH}`)}
AGENT_SHA256=${shQuote(o.sha256)}

PREFIX=/usr/local/bin
STATE_DIR=/var/lib/gnm-agent
STACKS_ROOT=/srv/gnm
UNIT_DIR=/etc/systemd/system
FOREGROUND=0
CONTROL_PLANE=
TOKEN=
CP_FINGERPRINT=
TLS_PIN=
ROOT_SHA256=
DEV_PLAIN_HTTP=0

fail() {
  echo "gnm-agent install: $*" >&2
  exit 1
}
need() {
  [ $# -ge 2 ] && [ -n "$2" ] || { echo "gnm-agent install: $1 needs a value" >&2; exit 2; }
}

while [ $# -gt 0 ]; do
  case "$1" in
    --control-plane) need "$@"; CONTROL_PLANE=$2; shift 2 ;;
    --token) need "$@"; TOKEN=$2; shift 2 ;;
    --cp-fingerprint) need "$@"; CP_FINGERPRINT=$2; shift 2 ;;
    --tls-pin) need "$@"; TLS_PIN=$2; shift 2 ;;
    --root-sha256) need "$@"; ROOT_SHA256=$2; shift 2 ;;
    --dev-plain-http) DEV_PLAIN_HTTP=1; shift ;;
    --foreground) FOREGROUND=1; shift ;;
    --prefix) need "$@"; PREFIX=$2; shift 2 ;;
    --state-dir) need "$@"; STATE_DIR=$2; shift 2 ;;
    --stacks-root) need "$@"; STACKS_ROOT=$2; shift 2 ;;
    --unit-dir) need "$@"; UNIT_DIR=$2; shift 2 ;;
    *) echo "gnm-agent install: unknown option $1 (use the command shown on the host page)" >&2; exit 2 ;;
  esac
done

[ -n "$CONTROL_PLANE" ] && [ -n "$TOKEN" ] && [ -n "$CP_FINGERPRINT" ] ||
  fail "--control-plane, --token and --cp-fingerprint are required: copy the whole command from the host page"
# Plain HTTP only for a development control plane, and only when the command says so (--dev-plain-http);
# an https:// address always goes with the pin. Checked for both addresses before anything is fetched.
check_transport() {
  case "$1" in
    https://*) [ -n "$TLS_PIN" ] || fail "--tls-pin is required for $1 (the control plane's key pin): copy the whole command from the host page" ;;
    http://*) [ "$DEV_PLAIN_HTTP" = 1 ] ||
      fail "refused: $1 is plain HTTP, with no TLS and no key pin. Use the control plane's https:// address (copy the command from the host page); only a development control plane (GNM_DEV_PLAIN_HTTP=true) serves http://, and then its install command carries --dev-plain-http" ;;
    *) fail "$1 is not an https:// address: copy the whole command from the host page" ;;
  esac
}
check_transport "$CONTROL_PLANE"
check_transport "$AGENT_URL"
if [ "$DEV_PLAIN_HTTP" = 1 ]; then
  echo "gnm-agent install: WARNING: development mode, plain HTTP: no TLS and no key pin. Never on a real host." >&2
fi
[ "$(id -u)" = 0 ] || fail "run as root: the agent manages Docker and writes $PREFIX, $STATE_DIR and the systemd unit"
case "$(uname -m)" in
  x86_64 | amd64) ;;
  *) fail "this host is $(uname -m); the agent is built for x86_64 (amd64) only for now" ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is required: apt-get install -y curl"
command -v sha256sum >/dev/null 2>&1 || fail "sha256sum is required (coreutils)"

mkdir -p "$PREFIX"
TMP=$(mktemp "$PREFIX/.gnm-agent.XXXXXX")
trap 'rm -f "$TMP"' EXIT INT TERM
echo "gnm-agent install: downloading the agent from $AGENT_URL"
case "$AGENT_URL" in
http://*)
  curl -fsSL --proto =http -o "$TMP" "$AGENT_URL" || fail "the download failed: check this host reaches the control plane"
  ;;
*)
  # --proto: a redirect cannot leave TLS (and with it the pin).
  curl -fsSL --proto =https --pinnedpubkey "$TLS_PIN" -k -o "$TMP" "$AGENT_URL" ||
    fail "the download failed: check this host reaches the control plane and that nothing intercepts TLS (the pin must match)"
  ;;
esac
GOT=$(sha256sum "$TMP" | cut -d' ' -f1)
[ "$GOT" = "$AGENT_SHA256" ] ||
  fail "the downloaded agent has sha256 $GOT but the control plane published $AGENT_SHA256: nothing was installed. Run the install command again; if this repeats, something between this host and the control plane alters downloads"
chmod 0755 "$TMP"
mv -f "$TMP" "$PREFIX/gnm-agent"
trap - EXIT INT TERM
# The file just written sits in the page cache in large folios, and a process mapping it keeps whole
# folios resident (measured: 68 MB instead of 55 MB for the idle agent). Dropping it from the cache
# makes the agent map only the pages it uses, as after a reboot. Best effort: GNU dd only.
dd if="$PREFIX/gnm-agent" iflag=nocache count=0 status=none 2>/dev/null || true
echo "gnm-agent install: installed $PREFIX/gnm-agent (sha256 $GOT)"

if "$PREFIX/gnm-agent" status --state-dir "$STATE_DIR" --json >/dev/null 2>&1; then
  echo "gnm-agent install: this host is already enrolled; its identity is kept"
else
  set -- enroll --state-dir "$STATE_DIR" --control-plane "$CONTROL_PLANE" --token "$TOKEN" --cp-fingerprint "$CP_FINGERPRINT"
  case "$CONTROL_PLANE" in
    http://*) set -- "$@" --dev-plain-http ;;
    *) set -- "$@" --tls-pin "$TLS_PIN" ;;
  esac
  if [ -n "$ROOT_SHA256" ]; then set -- "$@" --root-sha256 "$ROOT_SHA256"; fi
  "$PREFIX/gnm-agent" "$@"
fi

if [ "$FOREGROUND" = 1 ]; then
  exec "$PREFIX/gnm-agent" run --state-dir "$STATE_DIR" --stacks-root "$STACKS_ROOT"
fi
command -v systemctl >/dev/null 2>&1 ||
  fail "systemd is not available on this host; the agent is installed and enrolled but not started. Run it in the foreground with '$PREFIX/gnm-agent run --state-dir $STATE_DIR --stacks-root $STACKS_ROOT' under your service manager (or run the install command again with --foreground)"
"$PREFIX/gnm-agent" install-unit --exec "$PREFIX/gnm-agent" --state-dir "$STATE_DIR" --stacks-root "$STACKS_ROOT" --unit-dir "$UNIT_DIR"
systemctl daemon-reload
systemctl enable --now gnm-agent.service
echo "gnm-agent install: the agent is running (systemctl status gnm-agent; gnm-agent status)"
}

main "$@"
`;
}
