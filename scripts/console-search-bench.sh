#!/usr/bin/env bash
# Times what the console's search box fetches as the user types, signed in
# as the tenant's administrator (data scope 全公司: the widest search):
# GET /customers/rows?q=…&total=later (the first 50 rows) and then
# GET /customers/total?q=… (the exact total, filled in after the rows).
# 7 runs each: the first (cold) separately, the median and max of the rest.
# Usage: scripts/console-search-bench.sh WORD… with a signed-in session's
# curl cookie jar in ./jar (or JAR=path) and the server at BASE (see
# BENCHMARKS.md, "Console search as you type").
base=${BASE:-http://127.0.0.1:18091}
cd "$(mktemp -d)" && cp "${JAR:-$OLDPWD/jar}" jar
run() { # path → "first median max" in ms
  local times=()
  for i in 1 2 3 4 5 6 7; do times+=("$(curl -s -o last.html -b jar -w '%{time_total}' "$base$1")"); done
  python3 -c 'import sys,statistics;t=[float(x)*1000 for x in sys.argv[1:]];print(f"{t[0]:7.1f} {statistics.median(t[1:]):7.1f} {max(t[1:]):7.1f}")' "${times[@]}"
}
printf '%-14s %31s %8s   %31s\n' query "rows: first / median / max ms" rows "total: first / median / max ms"
for q in "$@"; do
  enc=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$q")
  r=$(run "/customers/rows?q=$enc&total=later"); n=$(grep -c 'name="ids"' last.html)
  tt=$(run "/customers/total?q=$enc"); total=$(sed 's/<[^>]*>//g' last.html | tr -d '\n')
  printf '%-14s %31s %8s   %31s  %s\n' "$q" "$r" "$n" "$tt" "$total"
done
