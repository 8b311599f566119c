#!/usr/bin/env bash
# Makes sure the services the tests need are running on this machine (PostgreSQL with
# logical decoding, MariaDB, NATS with JetStream), starting them from Debian's packages when
# they are not, and setting the server options the tests rely on.
set -euo pipefail

pg_version=$(ls /etc/postgresql | sort -n | tail -1)

wait_for() { # name, probe command…
  local name=$1; shift
  for _ in $(seq 1 60); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$name did not come up" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL …"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q
fi

# PostgreSQL sources are followed by logical replication (pgoutput), which needs
# wal_level=logical; the setting only takes effect after a restart.
if [ "$(psql -h 127.0.0.1 -U root -d postgres -Atc 'show wal_level')" != logical ]; then
  echo "setting wal_level=logical and restarting PostgreSQL …"
  psql -h 127.0.0.1 -U root -d postgres -qc "ALTER SYSTEM SET wal_level = logical"
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main restart
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q
fi

if ! mariadb -h 127.0.0.1 -u root -e 'select 1' >/dev/null 2>&1; then
  echo "starting MariaDB …"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB mariadb -h 127.0.0.1 -u root -e 'select 1'
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  echo "starting NATS with JetStream …"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222'
fi


# Replication slots left by an interrupted test run would keep WAL forever: drop inactive
# test slots (named nurtest_*) and the databases they pinned.
psql -h 127.0.0.1 -U root -d postgres -Atqc \
  "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'nurtest\_%' AND NOT active" >/dev/null

pg_isready -h 127.0.0.1 -p 5432
