#!/usr/bin/env bash
# `make run`'s last step: the web server and one background worker together; Ctrl-C stops both.
set -u
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
# Links in e-mails point at this server unless the territory set its public address.
export TERROIR_SITE_URL=${TERROIR_SITE_URL:-http://127.0.0.1:$PORT}
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
"$PY" manage.py worker &
"$PY" manage.py runserver "127.0.0.1:$PORT" &
wait -n
