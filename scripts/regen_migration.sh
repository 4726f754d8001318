#!/usr/bin/env bash
# Regenerate the single initial migration from the models (pre-release only: no deployed schema yet).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/versions/*.py /tmp/b24app-regen.sqlite3
export B24APP_SANDBOX=1 DATABASE_URL=sqlite:////tmp/b24app-regen.sqlite3
.venv/bin/flask --app b24app db migrate -m "initial schema" --rev-id 0001
.venv/bin/flask --app b24app db upgrade
rm -f /tmp/b24app-regen.sqlite3*
