#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (npm run test:browser) when it is missing. The project never
# downloads a browser of its own (`npx playwright install` cannot work on a machine that reaches only the
# package registries); playwright-core drives this system browser instead.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install Chromium yourself (the test expects /usr/bin/chromium)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
command -v chromium
