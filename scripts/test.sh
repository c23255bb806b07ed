#!/usr/bin/env bash
# Runs kehu's whole test suite: the one command for CI and for a fresh Debian
# machine. Installs PostgreSQL server binaries, Chromium and a CJK font
# (fonts-wqy-microhei, for the screenshots) if they are missing
# (as root), then runs go vet, all tests (against real PostgreSQL, see
# internal/pgtest, and a real headless Chromium for the browser tests), every
# fuzz target briefly, and a short benchmark smoke run.
#
# Environment:
#   KEHU_FUZZTIME  time per fuzz target (default 10s; "0" or "skip" skips fuzzing)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section_name=""
section_start=$SECONDS
section() {
	if [[ -n $section_name ]]; then
		printf '==== done: %s (%ds)\n' "$section_name" $((SECONDS - section_start))
	fi
	section_name=$1
	section_start=$SECONDS
	printf '\n==== %s ====\n' "$section_name"
}
trap 'rc=$?; if [[ $rc -ne 0 ]]; then printf "\n==== FAILED in: %s (exit %d)\n" "$section_name" "$rc" >&2; fi' EXIT

# Same search as internal/pgtest: pg_config --bindir, then
# /usr/lib/postgresql/*/bin (highest version first), then PATH.
has_server_bins() { [[ -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]; }
find_pg_bindir() {
	local d
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [[ -n $d ]] && has_server_bins "$d"; then
			echo "$d"
			return 0
		fi
	fi
	shopt -s nullglob
	local dirs=(/usr/lib/postgresql/*/bin)
	shopt -u nullglob
	if ((${#dirs[@]} > 0)); then
		while IFS= read -r d; do
			if has_server_bins "$d"; then
				echo "$d"
				return 0
			fi
		done < <(printf '%s\n' "${dirs[@]}" | sort -V -r)
	fi
	if d=$(command -v pg_ctl 2>/dev/null); then
		d=$(dirname "$d")
		if has_server_bins "$d"; then
			echo "$d"
			return 0
		fi
	fi
	return 1
}

section "environment"
go version
echo "repo: $(pwd)  user: $(id -un)  cpus: $(nproc 2>/dev/null || echo '?')"

section "PostgreSQL server binaries"
if ! pg_bindir=$(find_pg_bindir); then
	if [[ $(id -u) -eq 0 ]]; then
		echo "PostgreSQL server binaries not found; installing the Debian 'postgresql' package"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
		if ! pg_bindir=$(find_pg_bindir); then
			echo "PostgreSQL server binaries still not found after installing 'postgresql'" >&2
			exit 1
		fi
	else
		cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl, postgres) not found.
The tests need a local PostgreSQL installation (no running server is needed).
Install it, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y postgresql
or re-run this script as root to have it installed automatically.
MSG
		exit 1
	fi
fi
echo "using $pg_bindir ($("$pg_bindir/postgres" --version))"
export KEHU_TEST_POSTGRES=require

section "Chromium (headless browser tests)"
find_chromium() {
	local b
	for b in chromium chromium-browser; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}
if ! chromium_bin=$(find_chromium); then
	if [[ $(id -u) -eq 0 ]]; then
		echo "Chromium not found; installing the Debian 'chromium' package"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
		chromium_bin=$(find_chromium) || { echo "chromium still not found after installing it" >&2; exit 1; }
	else
		echo "Chromium not found: install it (sudo apt-get install -y chromium) or run this script as root" >&2
		exit 1
	fi
fi
echo "using $chromium_bin ($("$chromium_bin" --version 2>/dev/null || echo '?'))"
# A CJK font, so the browser tests' screenshots (README) draw Chinese text
# instead of empty boxes; the tests pass without it.
if ! fc-list 2>/dev/null | grep -qi 'wqy\|microhei'; then
	if [[ $(id -u) -eq 0 ]]; then
		echo "no CJK font found; installing the Debian 'fonts-wqy-microhei' package"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei
	else
		echo "no CJK font: screenshots will show boxes for Chinese (sudo apt-get install -y fonts-wqy-microhei)" >&2
	fi
fi
# The browser tests skip without these; here a missing browser is a failure.
export KEHU_BROWSER_TEST=1 CHROMIUM=$chromium_bin

section "gofmt and go vet ./..."
unformatted=$(gofmt -l ./cmd ./internal)
if [[ -n $unformatted ]]; then
	printf 'not gofmt-formatted (run gofmt -w):\n%s\n' "$unformatted" >&2
	exit 1
fi
go vet ./...

# staticcheck at a pinned version (fetched through the Go proxy like every
# module); everyone keeps it clean: fix a finding, or //lint:ignore it with why.
section "staticcheck ./..."
go run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...

section "go test ./..."
go test -count=1 -timeout 40m ./...

fuzztime=${KEHU_FUZZTIME:-10s}
section "fuzz targets (${fuzztime} each)"
if [[ $fuzztime == 0 || $fuzztime == skip ]]; then
	echo "skipped (KEHU_FUZZTIME=$fuzztime)"
else
	targets=()
	while IFS= read -r file; do
		pkg=$(dirname "$file")
		while IFS= read -r name; do
			targets+=("$pkg $name")
		done < <(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\).*/\1/p' "$file")
	done < <(grep -rl 'func Fuzz' --include='*_test.go' --exclude-dir=.git --exclude-dir=vendor --exclude-dir=testdata . | sort)
	if ((${#targets[@]} == 0)); then
		echo "no fuzz targets found"
	fi
	# Go 1.26's fuzz coordinator can end a duration-limited run with a bare
	# "context deadline exceeded" and no failing input (golang/go#75804, fixed
	# in Go 1.27), most often on a loaded machine. A failure that wrote a
	# reproducer into testdata/fuzz/ always fails; one that wrote none is run
	# once more, and fails if it fails again.
	corpus_count() {
		local d=$1/testdata/fuzz/$2
		if [[ -d $d ]]; then find "$d" -type f | wc -l; else echo 0; fi
	}
	for target in "${targets[@]}"; do
		read -r pkg name <<<"$target"
		echo "--- $pkg $name"
		before=$(corpus_count "$pkg" "$name")
		if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"; then
			if (($(corpus_count "$pkg" "$name") != before)); then
				echo "$name wrote a failing input to $pkg/testdata/fuzz/$name" >&2
				exit 1
			fi
			echo "--- $pkg $name failed without a failing input (golang/go#75804?); running it once more"
			go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"
		fi
	done
fi

section "benchmark smoke run"
# Capture first: `go run ... | grep -q` could fail under pipefail (SIGPIPE).
help_out=$(go run ./cmd/kehu help 2>&1 || true)
if grep -q bench <<<"$help_out"; then
	timeout 600 go run ./cmd/kehu bench --n 10000 --duration 3s
	# A short soak on the same tenant: mixed reads and writes, 16 clients,
	# no request may fail (kehu bench exits non-zero if one does).
	timeout 300 go run ./cmd/kehu bench --skip-load --soak 20s
	# 公海 recycling (issue 16) small, on both databases: 2,000 due of
	# 20,000 spread over the tenant, with clients reading and editing
	# (BENCHMARKS.md has the 1M run); the test fails if a due customer is
	# left or the next pass moves anything.
	for db in sqlite postgres; do
		KEHU_POOL_BENCH=1 KEHU_POOL_BENCH_N=20000 KEHU_POOL_BENCH_SCATTER=1 KEHU_POOL_BENCH_DB=$db \
			go test -count=1 -timeout 10m -run '^TestRecycleSpeed$' -v ./internal/recycle/ | grep -E 'recycled|next pass|WAL|during|^(---|ok|FAIL)'
	done
else
	echo "cmd/kehu has no bench subcommand; skipped"
fi

section "all tests passed"
printf '==== total time: %ds\n' "$SECONDS"
