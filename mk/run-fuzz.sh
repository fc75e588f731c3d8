#!/usr/bin/env bash
# Runs each libFuzzer target for a few seconds (a smoke test inside make
# test; `make fuzz-long` runs them for real). Seeds come from
# firmware/fuzz/corpus/<target>/ when present. Findings go to build/fuzz/findings/.
set -u
secs=$1; shift
out=${BUILD:-build}/fuzz
mkdir -p "$out/findings" "$out/logs"
pass=0 fail=0
for f in "$@"; do
    name=$(basename "$f")
    corpus=$out/corpus/$name
    mkdir -p "$corpus"
    seeds=firmware/fuzz/corpus/$name
    [ -d "$seeds" ] || seeds=
    log=$out/logs/$name.log
    if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/findings/$name-" "$corpus" $seeds >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        printf 'fuzz: %-24s ok (%s inputs in %ss)\n' "$name" "${runs:-?}" "$secs"
        pass=$((pass + 1))
    else
        printf 'fuzz: %-24s FINDING (log: %s)\n' "$name" "$log"
        grep -m3 -E 'ERROR|SUMMARY' "$log" | sed 's/^/      /'
        fail=$((fail + 1))
    fi
done
echo "fuzz smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
