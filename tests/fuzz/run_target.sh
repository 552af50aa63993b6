#!/usr/bin/env bash
# Fuzzes one target for $RAINFUSE_FUZZ_SECONDS (default 60) on a copy of its
# seed corpus, so new inputs stay in BUILD/fuzz-run/NAME/corpus, out of git;
# a crash, hang (10 s), leak or 2 GiB of memory is kept in BUILD/artifacts/NAME/.
# Writes and prints "NAME: N executions, K corpus inputs, ok | FOUND (...)";
# exits non-zero on a finding.
# Usage: run_target.sh BINARY SEED_DIR BUILD_DIR
set -euo pipefail
bin=$1 seeds=$2 build=$3
name=$(basename "$bin" _fuzz)
secs=${RAINFUSE_FUZZ_SECONDS:-60}
run=$build/fuzz-run/$name artifacts=$build/artifacts/$name
rm -rf "$run"
mkdir -p "$run/corpus" "$run/tmp" "$artifacts"
cp "$seeds"/* "$run/corpus/"
rc=0
TMPDIR=$run/tmp "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$run/corpus" >"$run/log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
inputs=$(find "$run/corpus" -type f | wc -l)
if [ "$rc" = 0 ]; then
  verdict=ok
else
  verdict="FOUND (exit $rc; $(grep -m 1 -E '^==[0-9]+==ERROR|runtime error|deadly signal|out-of-memory|timeout|abort' "$run/log" || echo 'see log'); log $run/log)"
fi
echo "$name: ${execs:-0} executions, $inputs corpus inputs, $verdict" | tee "$run/summary"
rm -rf "$run/tmp"
[ "$rc" = 0 ]
