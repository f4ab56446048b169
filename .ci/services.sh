#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on localhost: use running ones, else start installed
# ones, else say which packages to install.
set -uo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(printf 'PING\r\n' | timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379; cat >&3; head -c 5 <&3' 2>/dev/null)" = "+PONG" ]; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    sleep 2
  fi
  pg_up || { echo "PostgreSQL is not running on 127.0.0.1:5432 and cannot be started: apt-get install postgresql" >&2; exit 1; }
fi
if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    sleep 1
  fi
  redis_up || { echo "Redis is not running on 127.0.0.1:6379 and cannot be started: apt-get install redis-server" >&2; exit 1; }
fi
