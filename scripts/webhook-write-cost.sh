#!/usr/bin/env bash
# Issue 13's write-cost target ("a write with two active webhook
# subscriptions costs under 10 % more than without"), measured so that the
# shared machine's noise averages out: ROUNDS rounds (default 4) of
# native-create without and then with two subscriptions, DURATION each
# (default 10s), on the same bench database, one line per run with the load
# average at its start, then the medians. Each run's receiver (in the bench
# process) verifies every signature; "behind" is how far the slowest cursor
# was behind the feed when the run ended, so the deliveries are made during
# the run, not after it.
# Usage: scripts/webhook-write-cost.sh DB [kehu bench flags…], with KEHU
# (default ./kehu) a built kehu and DB a database kehu bench loaded before
# (SQLite path or postgres:// URL; see BENCHMARKS.md, "Webhooks (issue 13)").
set -euo pipefail
kehu=${KEHU:-./kehu}
db=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in $(seq "${ROUNDS:-4}"); do
	for hooks in 0 2; do
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		nice -n 10 "$kehu" bench --db "$db" --skip-load --workloads native-create --duration "${DURATION:-10s}" \
			--webhooks "$hooks" --json "$@" 2>/dev/null |
			python3 -c '
import json, sys
r = json.load(sys.stdin); w = r["workloads"][0]; h = w.get("webhooks") or {}
print(json.dumps({"round": int(sys.argv[1]), "hooks": int(sys.argv[2]), "load": sys.argv[3], "p50_1": w["singleClient"]["p50Ms"],
  "rps": w["requestsPerSecond"], "p50_8": w["p50Ms"], "delivered": h.get("delivered", 0), "per_s": h.get("perSecond", 0),
  "behind": h.get("behindEvents", 0), "pending": h.get("pending", 0), "errors": r["errors"]}))
print("round %s, %s subscriptions, load %s: 1 client p50 %.2f ms; 8 clients %.0f req/s, p50 %.2f ms; %d delivered (%.0f/s), %d behind, %d pending, %d errors" % (
  sys.argv[1], sys.argv[2], sys.argv[3], w["singleClient"]["p50Ms"], w["requestsPerSecond"], w["p50Ms"], h.get("delivered", 0), h.get("perSecond", 0),
  h.get("behindEvents", 0), h.get("pending", 0), r["errors"]), file=sys.stderr)' "$round" "$hooks" "$load" >>"$out"
	done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = {}
for hooks in (0, 2):
    rs = [r for r in runs if r["hooks"] == hooks]
    med[hooks] = {k: statistics.median(r[k] for r in rs) for k in ("p50_1", "rps", "p50_8")}
    print(f"medians, {hooks} subscriptions: 1-client p50 {med[hooks]['p50_1']:.2f} ms; 8 clients {med[hooks]['rps']:.0f} req/s, p50 {med[hooks]['p50_8']:.2f} ms")
a, b = med[0], med[2]
print(f"two subscriptions: 1-client p50 {100*(b['p50_1']/a['p50_1']-1):+.1f} %, 8-client req/s {100*(b['rps']/a['rps']-1):+.1f} %, 8-client p50 {100*(b['p50_8']/a['p50_8']-1):+.1f} %")
PY
