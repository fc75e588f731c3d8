#!/usr/bin/env bash
# run-all.sh [-v] [PATTERN...] — run the lab scenarios (qemu-tests/scenarios/*.sh) one after another.
#
#   NEARBOOT_EFI   image to serve (default build/x86_64-efi/nearboot.efi)
#   -v             stream each scenario's output (default: only on failure, the last 40 lines)
#   PATTERN        run only scenarios whose file name contains PATTERN (e.g. 03 or ipxe)
# Per scenario: build/qemu-tests/<scenario>/ (serial, pcap, daemon logs) and build/qemu-tests/<scenario>.console.log.
# Ends with exactly one line "N passed, N failed"; exit status non-zero if any failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
NEARBOOT_EFI=${NEARBOOT_EFI:-$repo/build/x86_64-efi/nearboot.efi}
case $NEARBOOT_EFI in /*) ;; *) NEARBOOT_EFI=$PWD/$NEARBOOT_EFI ;; esac
export NEARBOOT_EFI
: "${LAB_SCENARIO_TIMEOUT:=600}"

scenarios=()
for s in "$here"/scenarios/*.sh; do
	name=$(basename "$s" .sh)
	if [ $# -gt 0 ]; then
		keep=0
		for p in "$@"; do case $name in *"$p"*) keep=1 ;; esac; done
		[ "$keep" = 1 ] || continue
	fi
	scenarios+=("$s")
done

passed=0 failed=0
mkdir -p "$repo/build/qemu-tests"
echo "run-all: image $NEARBOOT_EFI"
if [ ! -s "$NEARBOOT_EFI" ]; then
	echo "run-all: no image at $NEARBOOT_EFI (run make; qemu-tests/testapp/build.sh builds a stand-in)" >&2
	failed=${#scenarios[@]}
	echo "$passed passed, $failed failed"
	exit 1
fi

t_all=$(date +%s.%N)
cur='' interrupted=0
trap 'interrupted=1; [ -n "$cur" ] && kill -TERM "$cur" 2>/dev/null' INT TERM
for s in "${scenarios[@]}"; do
	[ "$interrupted" = 0 ] || break
	name=$(basename "$s" .sh)
	con=$repo/build/qemu-tests/$name.console.log
	t0=$(date +%s.%N)
	# timeout(1) runs the scenario in its own process group, out of reach of the terminal's Ctrl-C:
	# run it in the background and pass INT/TERM on, so the scenario tears its lab down at once
	if [ "$verbose" = 1 ]; then
		timeout -k 30 "$LAB_SCENARIO_TIMEOUT" bash "$s" > >(tee "$con") 2>&1 &
	else
		timeout -k 30 "$LAB_SCENARIO_TIMEOUT" bash "$s" >"$con" 2>&1 &
	fi
	cur=$!
	rc=0
	wait "$cur" || rc=$?
	while [ -d "/proc/$cur" ]; do wait "$cur"; rc=$?; done   # a trapped signal interrupted the wait
	cur=''
	[ "$interrupted" = 0 ] || { echo "run-all: interrupted during $name" >&2; }
	dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		boot=$(sed -n 's/.*marker seen on serial (boot took \([0-9]*s\)).*/\1/p' "$con" | tail -n1)
		printf 'PASS  %-24s %6ss%s\n' "$name" "$dt" "${boot:+  (boot $boot)}"
	else
		failed=$((failed + 1))
		printf 'FAIL  %-24s %6ss  (exit %s; %s)\n' "$name" "$dt" "$rc" "$con"
		[ "$verbose" = 1 ] || tail -n 40 "$con" | sed 's/^/      | /'
	fi
done
dt=$(awk -v a="$t_all" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "run-all: total ${dt}s"
# every process the scenarios recorded must be gone, every namespace deleted
dirs=()
for s in "${scenarios[@]}"; do dirs+=("$repo/build/qemu-tests/$(basename "$s" .sh)"); done
leak=0
[ ${#dirs[@]} -eq 0 ] || "$here/lib/check-leaks.sh" "${dirs[@]}" || leak=1
[ "$leak" = 0 ] && echo "run-all: no leftover processes or namespaces"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$leak" = 0 ] && [ "$interrupted" = 0 ]
