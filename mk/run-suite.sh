#!/usr/bin/env bash
# make test: unit tests, fuzz smoke runs, then the lab scenarios; every part
# runs even if an earlier one failed, and the last line sums them all up.
set -u
make_sub() { make --no-print-directory -f mk/build.mk "$@"; }
total_pass=0 total_fail=0
run_part() {
    local name=$1; shift
    local log; log=$(mktemp)
    "$@" 2>&1 | tee "$log"
    local line; line=$(grep -E '^([A-Za-z0-9 _.-]*: *)?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    local p f
    p=$(sed -n 's/.* \([0-9]*\) passed.*/\1/p' <<<"$line")
    f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")
    if [ -z "$line" ]; then p=0; f=1; echo "$name: produced no summary line: counted as a failure"; fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    rm -f "$log"
}
start=$(date +%s)
run_part unit make_sub test-unit
run_part fuzz make_sub test-fuzz
run_part host make_sub test-host
run_part stage2-linux make_sub test-stage2-linux   # the Linux UKI under QEMU, ~35 s
run_part lab make_sub test-lab
echo "make test took $(( $(date +%s) - start )) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
