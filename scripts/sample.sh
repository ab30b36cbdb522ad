#!/usr/bin/env bash
# The main job on the sample office: check it, build the newsroom (HTML and
# PDF, English and Russian) into dist/, and plan the embargoed release's
# distribution into the local outbox (.press/outbox/): vetted journalists
# get it now with the EMBARGOED notice, everyone else is queued for the lift.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
press() { node bin/press.js "$@"; }
press check
press build
press send 2031-06-10-annual-report-2030 --dry-run
press send 2031-06-10-annual-report-2030
press status
echo
echo "Site: dist/index.html · PDFs: dist/<lang>/<slug>/*.pdf · Emails: .press/outbox/"
