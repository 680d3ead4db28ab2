#!/usr/bin/env bash
# Every test, unit to end-to-end: `npm test`. Runs under the project's Node 24 (npm puts it first on PATH).
# Installs Debian's Chromium when it is missing and this user may (root); Playwright cannot download browsers here.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${TERRAFLOP_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: $chromium is missing; install Debian's chromium (apt-get install chromium)" \
      "or set TERRAFLOP_CHROMIUM" >&2
    exit 1
  fi
fi

# Postgres: the coordinator's suite runs against it too when it answers; start the local cluster if it is stopped.
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "test: starting the local PostgreSQL cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start ||
    echo "test: could not start PostgreSQL; its tests will be skipped"
fi

echo "test: node $(node --version)"
echo "== type check"
npm run --silent check
echo "== format and lint (Biome)"
npm run --silent lint
echo "== WebAssembly kernels (AssemblyScript)"
npm run --silent build:wasm
echo "== unit and integration tests (vitest)"
npx vitest run
echo "== build"
npx vite build --logLevel warn
echo "== end-to-end tests (Playwright, $chromium)"
npx playwright test
