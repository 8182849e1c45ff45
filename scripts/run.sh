#!/bin/sh
# Sets up the project and runs it on its embedded defaults: a SQLite file and a local mail
# sink under var/, demonstration data (whose backoffice logins are printed), then the web
# application on http://127.0.0.1:8000/ (ONBOARDING_PORT to change it). Ctrl-C stops it.
extras=""
. "$(dirname "$0")/_venv.sh"
.venv/bin/onboarding validate
.venv/bin/onboarding demo
exec .venv/bin/onboarding serve --host "${ONBOARDING_HOST:-127.0.0.1}" --port "${ONBOARDING_PORT:-8000}"
