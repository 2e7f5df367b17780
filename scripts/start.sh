#!/usr/bin/env bash
# The README's "run" command (`npm start`): installs the Node dependencies on first use and starts
# the control plane on its embedded data directory. Configuration: see the README's table.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[start] installing Node dependencies (first run only)…"
  npm_config_nodedir=/usr npm ci --no-audit --no-fund >/dev/null
fi
# The web console: built on first start and again whenever its sources changed (a few seconds).
node_modules/.bin/tsx packages/web/src/build/ensure-built.ts
exec node_modules/.bin/tsx packages/control-plane/src/main.ts
