#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1, run the given command with DATABASE_URL pointing at
# it, then stop the server and remove its files, whatever the command's outcome.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

port="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
dir=$(mktemp -d /tmp/terroir-pg.XXXXXX)
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$dir"
  run_as=(runuser -u postgres --)
fi
cleanup() {
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${run_as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability is pointless for a test server whose files are deleted on exit: a crash can only lose a run
# that is thrown away anyway. fsync=off and full_page_writes=off spare the disk flushes and full-page
# images of every commit (each xdist worker migrates its own test database, and every transactional test
# ends in a TRUNCATE); synchronous_commit=off lets a commit return before its WAL is written.
# PG_SERVER_OPTIONS adds server options, e.g. to see where a benchmark's server time goes:
#   PG_SERVER_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${PG_SERVER_OPTIONS:-}" \
  start >/dev/null
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE ROLE terroir SUPERUSER LOGIN" \
  -c "CREATE DATABASE terroir OWNER terroir" >/dev/null
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
export DATABASE_URL="postgres://terroir@127.0.0.1:$port/terroir"
set +e
"$@"
status=$?
set -e
exit $status
