#!/usr/bin/env bash
# Debian's chromium for the console's browser tests (Playwright drives it; no browser is
# downloaded by a test tool). Installs it when missing and we may (root, apt-get).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[browser] installing Debian's chromium (once)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  }
  exit 0
fi
echo "[browser] chromium is missing: apt-get install chromium (the browser tests need it)" >&2
exit 1
