#!/usr/bin/env bash
# `make test`: installs the workspace, starts PostgreSQL and Kafka (unless already up),
# runs every test against them, and stops again what it started. Exit code is pytest's,
# so "no tests collected" (5) fails too.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=deploy/uv
"$UV" sync --frozen --quiet
bash deploy/browser.sh  # Debian's chromium, for the console's browser tests
started=0
if ! "$UV" run --frozen python deploy/stack.py infra-running; then
  started=1
fi
# A CI clone is thrown away: then delete the data too, not only stop the processes.
what=down; [ "${CI:-}" = "true" ] && what=clean
cleanup() { [ "$started" = 1 ] && "$UV" run --frozen python deploy/stack.py "$what" || true; }
trap cleanup EXIT
"$UV" run --frozen python deploy/stack.py up --infra-only
"$UV" run --frozen pytest "$@"
