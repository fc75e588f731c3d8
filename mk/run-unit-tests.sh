#!/usr/bin/env bash
# Runs every unit test binary (cmocka) and prints one summary line.
# Each binary's own cmocka output is kept in build/host/test-logs/.
set -u
logdir=${BUILD:-build}/host/test-logs
mkdir -p "$logdir"
pass=0 fail=0 failed=()
for t in "$@"; do
    name=${t#*/tests/}
    log=$logdir/${name//\//_}.log
    if "$t" >"$log" 2>&1; then
        n=$(grep -c '^\[       OK \]' "$log")
        pass=$((pass + n))
        printf 'unit: %-28s %3d ok\n' "$name" "$n"
    else
        n_ok=$(grep -c '^\[       OK \]' "$log")
        # one "[  FAILED  ] test_x" line per failing test before cmocka's summary
        n_bad=$(sed '/^\[==========\]/,$d' "$log" | grep -c '^\[  FAILED  \] ')
        [ "$n_bad" -gt 0 ] || n_bad=1
        pass=$((pass + n_ok)); fail=$((fail + n_bad)); failed+=("$name")
        printf 'unit: %-28s %3d ok, %d FAILED (log: %s)\n' "$name" "$n_ok" "$n_bad" "$log"
        grep -E 'FAILED|ERROR|error|ERROR:|runtime error|AddressSanitizer' "$log" | head -5 | sed 's/^/      /'
    fi
done
echo "unit tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
