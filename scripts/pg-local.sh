#!/usr/bin/env bash
# Starts (or stops) a throw-away local PostgreSQL cluster for `kehu bench`,
# the way internal/pgtest does for tests: the system initdb/pg_ctl, run as
# the user "nobody" when invoked as root, listening on 127.0.0.1 only.
#
#   scripts/pg-local.sh start     # prints the DSN of a fresh database kehu_bench
#   scripts/pg-local.sh stop      # stops the cluster and deletes its directory
#
# Environment: KEHU_PG_PORT (default 55432), KEHU_PG_DIR (default
# /tmp/kehu-pg-local). Settings used for BENCHMARKS.md: shared_buffers=1GB,
# work_mem=64MB, maintenance_work_mem=512MB, jit=off; durability settings
# are PostgreSQL's defaults (fsync and synchronous_commit on).
set -euo pipefail

port=${KEHU_PG_PORT:-55432}
dir=${KEHU_PG_DIR:-/tmp/kehu-pg-local}

find_bindir() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return; fi
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [[ -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return; fi
	done
	echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
	exit 1
}

bin=$(find_bindir)
as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		su -s /bin/sh nobody -c "$(printf '%q ' "$@")"
	else
		"$@"
	fi
}

case ${1:-} in
start)
	if [[ -f $dir/data/postmaster.pid ]]; then
		echo "a cluster is already running in $dir (scripts/pg-local.sh stop)" >&2
		exit 1
	fi
	rm -rf "$dir"
	mkdir -p "$dir/sock"
	if [[ $(id -u) -eq 0 ]]; then chown -R nobody "$dir"; fi
	as_owner "$bin/initdb" -D "$dir/data" -U kehu --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 120 start -o \
		"-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB -c jit=off -c max_connections=100" >/dev/null
	as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U kehu -d postgres -qc \
		"CREATE DATABASE kehu_bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
	echo "postgres://kehu@127.0.0.1:$port/kehu_bench?sslmode=disable"
	;;
stop)
	if [[ -f $dir/data/postmaster.pid ]]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
