#!/usr/bin/env bash
# check-leaks.sh [DIR...] — after lab runs: is any process the lab recorded still alive (same pid AND same
# start time), or any of its namespaces still present? DIR defaults to every build/qemu-tests/*/.
# Exit 0 if clean, 1 if something leaked (reported on stderr).
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -gt 0 ] || set -- "$repo"/build/qemu-tests/*/
bad=0
for d in "$@"; do
	for f in "$d/pids.all" "$d/qemu.pid.ended" "$d/qemu.pid"; do
		[ -s "$f" ] || continue
		while read -r label pid start; do
			[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
			s=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
			s=${s##*) }
			set -- $s
			# a zombie has ended: it only waits for its (re-parented) parent to reap it, which races this check
			if [ "${20}" = "$start" ] && [ "$1" != Z ]; then
				echo "leak: $label (pid $pid) from $d is still running (state ${1})" >&2
				bad=1
			fi
		done <"$f"
	done
	if [ -s "$d/netns" ]; then
		while read -r n; do
			ip netns list | grep -qw "$n" && { echo "leak: namespace $n from $d" >&2; bad=1; }
		done <"$d/netns"
	fi
done
exit "$bad"
