#!/usr/bin/env bash
# The browser tests' tools: Debian's Chromium (never a browser downloaded by a test tool) and
# playwright-core from the npm registry, pinned by tests/browser/package-lock.json; jose,
# which verifies NUR's tokens independently of NUR; and axe-core, the accessibility checks.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/jose ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null)
fi
