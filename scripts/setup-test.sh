#!/usr/bin/env bash
# Installs what the test suites need beyond the platform itself: Debian's Chromium for the browser
# tests (playwright-core drives it; Playwright never downloads browsers here).
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup-test] installing chromium (Debian package)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
else
  echo "[setup-test] chromium is missing and cannot be installed here: browser tests will be skipped" >&2
fi
