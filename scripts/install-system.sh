#!/usr/bin/env bash
# Installs the system packages Pressroom needs, only when they are missing:
# Chromium (PDF rendering, preview tests), fonts with Cyrillic coverage,
# poppler-utils (PDF checks in tests), redis-server (the shared Redis queue's tests),
# dovecot-imapd (a real IMAP server for the bounce-processing tests).
# Safe to run again: a second run with everything present does nothing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-core)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ "${PRESS_SKIP_REDIS:-}" != "1" ]; then
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
fi

[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/install-system.sh: missing ${need[*]} and no apt-get here; install them with your package manager." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
