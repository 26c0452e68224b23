#!/usr/bin/env bash
# Measures detection rates: every preset, N seeded runs each (default 10), into one store.
# Usage: bash scripts/measure-presets.sh [runs] [time-limit-seconds] [presets...]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}; limit=${2:-45}; shift 2 2>/dev/null || true
presets=("$@"); [ ${#presets[@]} -gt 0 ] || presets=(retry-duplicates unclean-election acks1-lost-writes aborted-reads safe)
store=${KC_MEASURE_STORE:-store/measure}
for p in "${presets[@]}"; do
  echo "=== $p: $runs runs, --time-limit $limit ($(date +%T))"
  node cli/main.ts run --preset "$p" --repeat "$runs" --seed 1 --time-limit "$limit" --store "$store" 2>&1 \
    | grep -E "^(VALID|INVALID|UNKNOWN)|^runs:|^anomaly type|^[a-zA-Z0-9-]+ +[0-9]+/[0-9]+ "
done
echo "=== done ($(date +%T))"
