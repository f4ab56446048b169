#!/usr/bin/env bash
# `make test`: the whole suite twice, at the same time — on PostgreSQL + Redis, and on the
# embedded defaults (SQLite + the embedded broker, each run in a var/ directory of its own).
# Each run's lines carry its name; the exit status fails if either run fails.
# Environment: TEST_ENV_PG / TEST_ENV_SQLITE (KEY=VALUE words), PYTEST (command), PYTEST_ARGS,
# TEST_BACKENDS ("postgres sqlite" by default; one of them to run only that).
set -uo pipefail
cd "$(dirname "$0")/.."
backends=${TEST_BACKENDS:-postgres sqlite}
sqlite_var=$(mktemp -d "${TMPDIR:-/tmp}/portal-sqlite-test.XXXXXX")
trap 'rm -rf "$sqlite_var"' EXIT

run() {  # name, env words...
  local name=$1; shift
  # Through bash -c so that quoting in PYTEST_ARGS holds (-k "a or b").
  env "$@" bash -c "$PYTEST $PYTEST_ARGS" 2>&1 | tee "$sqlite_var/$name.log" | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}

declare -A pids
for backend in $backends; do
  case $backend in
    postgres) run postgres $TEST_ENV_PG & ;;
    sqlite) run sqlite $TEST_ENV_SQLITE DATABASE_URL="sqlite:///$sqlite_var/portal.sqlite3" \
              CELERY_BROKER_URL= PORTAL_VAR_DIR="$sqlite_var" & ;;
    *) echo "unknown backend $backend (postgres, sqlite)" >&2; exit 2 ;;
  esac
  pids[$backend]=$!
done
status=0
for backend in "${!pids[@]}"; do
  if wait "${pids[$backend]}"; then
    echo "== $backend: passed"
  else
    echo "== $backend: FAILED"; status=1
  fi
done
# One closing line for both runs, in pytest's words, summed over the backends.
passed=0 failed=0 skipped=0
for backend in $backends; do
  last=$(grep -E '^[0-9]+ (passed|failed)|^(=+ )?[0-9]+ (passed|failed)' "$sqlite_var/$backend.log" | tail -1)
  for kind in passed failed skipped; do
    n=$(grep -oE "[0-9]+ $kind" <<<"$last" | grep -oE '^[0-9]+' || true)
    eval "$kind=\$(( $kind + ${n:-0} ))"
  done
  errors=$(grep -oE '[0-9]+ errors?' <<<"$last" | grep -oE '^[0-9]+' || true)
  failed=$(( failed + ${errors:-0} ))
done
echo "both: $passed passed, $failed failed, $skipped skipped"
exit $status
