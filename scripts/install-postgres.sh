#!/usr/bin/env bash
# Installs Debian's PostgreSQL server programs for the shared-store tests (npm run test:postgres) when they are
# missing. No service is started (a policy-rc.d refuses it while the package installs; the package may still create
# its idle default cluster's files): the tests run a throwaway cluster of their own with initdb and pg_ctl in a temp
# directory (test/helpers/postgres.ts).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-postgres: no apt-get here; install PostgreSQL's server programs yourself (initdb, pg_ctl)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
policy_added=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
cleanup() { if [ -n "$policy_added" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb
