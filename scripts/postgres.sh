#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: Debian's server, run as a non-root user, listening
# on 127.0.0.1 only. Prints the SQLAlchemy URL on start.
#   scripts/postgres.sh install | start [DIR] [PORT] | stop [DIR]
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/onodig-postgres}
port=${3:-55432}
user=onodig_pg

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

case "$cmd" in
  install)
    if [ -z "$(bin_dir)" ]; then
      echo "Installing Debian's postgresql package..."
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    ;;
  start)
    bin=$(bin_dir)
    [ -n "$bin" ] || { echo "PostgreSQL is not installed: run scripts/postgres.sh install" >&2; exit 1; }
    id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    runner=(runuser -u "$user" --)
    [ "$(id -u)" -ne 0 ] && runner=()
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      "${runner[@]}" "$bin/initdb" -D "$dir/data" -U onodig --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    "${runner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
    "$bin/psql" -h 127.0.0.1 -p "$port" -U onodig -d postgres -tAc "select 1 from pg_database where datname = 'onodig'" | grep -q 1 \
      || "$bin/createdb" -h 127.0.0.1 -p "$port" -U onodig onodig
    echo "postgresql+psycopg://onodig@127.0.0.1:$port/onodig"
    ;;
  stop)
    bin=$(bin_dir)
    if [ -f "$dir/data/postmaster.pid" ]; then
      runner=(runuser -u "$user" --)
      [ "$(id -u)" -ne 0 ] && runner=()
      "${runner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 install | start [DIR] [PORT] | stop [DIR]" >&2
    exit 2
    ;;
esac
