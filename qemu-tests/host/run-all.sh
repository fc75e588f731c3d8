#!/usr/bin/env bash
# Host integration tests: the host build (nb-probe, nb-link) against the
# Linux kernel's stack and real servers, in network namespaces each test
# creates and removes. Runs qemu-tests/link/test-link.sh and every
# qemu-tests/host/test-*.sh, then prints one line "N passed, N failed"
# summing the tests' own summary lines.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
logdir=${BUILD:-build}/host-tests
mkdir -p "$logdir"
pass=0 fail=0
for t in qemu-tests/link/test-link.sh "$here"/test-*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    log=$logdir/$name.log
    start=$(date +%s)
    timeout 900 bash "$t" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^([A-Za-z0-9 _.-]*: *)?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    p=$(sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p' <<<"$line")
    f=$(sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p' <<<"$line")
    [ -n "$p" ] || p=0
    [ -n "$f" ] || f=0
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f))
    printf 'host: %-16s %3d passed, %d failed (%ds, log %s)\n' "$name" "$p" "$f" $(( $(date +%s) - start )) "$log"
    [ "$f" -eq 0 ] || grep -E 'FAIL|not ok|error' "$log" | head -8 | sed 's/^/      /'
done
echo "host tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
