#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (test/integration/report-browser.test.ts),
# which drives it headless through playwright-core. Idempotent: an existing /usr/bin/chromium is kept.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"; exit 0; fi
echo "chromium: installing chromium from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium: /usr/bin/chromium is still missing after apt-get install"; exit 1; }
echo "chromium: ready ($(/usr/bin/chromium --version 2>/dev/null | head -n 1))"
