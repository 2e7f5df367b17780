#!/usr/bin/env bash
# The whole test suite (the README's test command, `npm test`): installs what the tests need, then
# type-checks, lints, checks formatting and runs every vitest project (unit + integration on real
# Docker engines in the multi-host harness). Each runner writes a machine-readable report into
# .test-results/; the last line printed is the sum of them all: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if ! bash scripts/install-test-deps.sh; then
  echo "installing the test dependencies failed (see above)"
  echo "0 passed, 1 failed"
  exit 1
fi

RESULTS=.test-results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
BIN=node_modules/.bin

# A check is one test: it passes or fails as a whole, with its output kept for the summary.
check() {
  local name=$1
  shift
  echo "── $name: $*"
  "$@" >"$RESULTS/$name.log" 2>&1
  local rc=$?
  cat "$RESULTS/$name.log"
  printf '{"runner":"%s","exitCode":%d}\n' "$name" "$rc" >"$RESULTS/$name.check.json"
}

check typecheck "$BIN/tsc" -p tsconfig.json --noEmit
# The web console's browser code is its own program (DOM types, JSX), kept out of the Node packages' one.
check typecheck-web "$BIN/tsc" -p packages/web/tsconfig.json --noEmit
check lint "$BIN/eslint" --max-warnings 0 .
check format "$BIN/prettier" --check .

# The browser tests and the control plane's tests serve the built console: build it (if stale) first.
check web-build "$BIN/tsx" packages/web/src/build/ensure-built.ts

echo "── vitest (unit + integration)"
"$BIN/vitest" run --reporter=default --reporter=json --outputFile.json="$RESULTS/vitest.json"
printf '{"runner":"vitest","exitCode":%d}\n' "$?" >"$RESULTS/vitest.exit.json"

# The fleet benchmark's smoke mode (a few hundred agents, both transports, < 2 minutes): it checks the
# bench and the gateway work end to end; performance targets are checked by the full bench, not here.
check bench-agents-smoke node --import tsx bench/agents/run.ts --smoke

"$BIN/tsx" scripts/summarize-tests.ts "$RESULTS"
