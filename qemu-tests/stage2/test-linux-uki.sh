#!/usr/bin/env bash
# test-linux-uki.sh [UKI] — the Linux second stage under QEMU (TCG) + OVMF, without the network lab.
# Two boots from a FAT directory (EFI/BOOT/BOOTX64.EFI), each must end with "stage2-linux: ok" and a
# power-off:
#   direct  BOOTX64.EFI is the UKI itself: the firmware's boot option, the UKI's built-in command line
#   chain   BOOTX64.EFI is chain-test.efi (qemu-tests/stage2/chain.c), which does nearboot's last step:
#           LoadImage of the UKI from memory, load options "<manifest options> nearboot.site=...
#           nearboot.serial=42", the hand-off record as the NB_HANDOFF_GUID configuration table;
#           the UKI must show the nearboot.* keys (load options replaced the built-in command line)
#           and the record it read back through /dev/mem
# UKI defaults to build/stage2/linux/nearboot-linux.efi (built by `make stage2-linux` if missing).
# Output: build/qemu-tests/stage2-linux/{direct,chain}/{serial.log,qemu.log}; one line per boot.
# Takes the lab lock (build/qemu-tests/.lock): one TCG QEMU at a time. QEMU is ended only by its
# recorded pid. Knobs: NB_UKI_TIMEOUT (s per boot, default 180), OVMF_CODE, OVMF_VARS, NB_QEMU_CPU.
# Exit 0 when both boots pass.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
uki=${1:-$build/stage2/linux/nearboot-linux.efi}
out=$build/qemu-tests/stage2-linux
timeout=${NB_UKI_TIMEOUT:-180}
: "${OVMF_CODE:=/usr/share/OVMF/OVMF_CODE_4M.fd}"
: "${OVMF_VARS:=/usr/share/OVMF/OVMF_VARS_4M.fd}"
: "${NB_QEMU_CPU:=max}"
say() { printf 'test-linux-uki: %s\n' "$*"; }
die() { printf 'test-linux-uki: error: %s\n' "$*" >&2; exit 1; }

if [ ! -s "$uki" ] && [ $# = 0 ]; then
	bash "$top/stage2/linux/build-uki.sh" "$(dirname "$uki")" || die "could not build the UKI"
fi
[ -s "$uki" ] || die "no UKI at $uki"
for f in "$OVMF_CODE" "$OVMF_VARS"; do [ -r "$f" ] || die "missing $f (package ovmf)"; done
command -v qemu-system-x86_64 >/dev/null || die "missing qemu-system-x86_64"

# chain-test.efi, with the first stage's toolchain
chain=$build/qemu-tests/stage2/chain-test.efi
src=$top/qemu-tests/stage2/chain.c
if [ ! -s "$chain" ] || [ "$chain" -ot "$src" ] || [ "$chain" -ot "$top/firmware/boot/handoff.h" ]; then
	mkdir -p "$(dirname "$chain")"
	clang-14 -target x86_64-unknown-windows -fno-ms-extensions -fno-ms-compatibility -U_WIN32 -U_WIN64 \
		-ffreestanding -nostdinc -isystem "$(clang-14 -print-resource-dir)/include" \
		-isystem /usr/include/efi -isystem /usr/include/efi/x86_64 -I"$top/firmware" \
		-fshort-wchar -mno-red-zone -mgeneral-regs-only -mno-stack-arg-probe -fno-stack-protector -Os \
		-Wall -Wextra -Werror -c "$src" -o "${chain%.efi}.o" &&
		lld-link-14 /subsystem:efi_application /entry:efi_main /nodefaultlib /machine:x64 \
			/out:"$chain" "${chain%.efi}.o" >/dev/null || die "could not build $chain"
	rm -f "${chain%.efi}.o"
fi

mkdir -p "$build/qemu-tests"
exec 9>"$build/qemu-tests/.lock"
if ! flock -n 9; then
	say "another lab run holds $build/qemu-tests/.lock; waiting"
	flock -w 1800 9 || die "lock wait timed out"
fi
rm -rf "$out"
mkdir -p "$out"

qpid='' qstart=''
start_of() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
stop_qemu() {
	[ -n "$qpid" ] || return 0
	if alive "$qpid" && [ "$(start_of "$qpid")" = "$qstart" ]; then
		kill -TERM "$qpid" 2>/dev/null
		for _ in $(seq 30); do alive "$qpid" || break; sleep 0.1; done
		alive "$qpid" && kill -KILL "$qpid" 2>/dev/null
	fi
	{ wait "$qpid"; } 2>/dev/null
	qpid=''
}
trap stop_qemu EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# boot NAME: QEMU on $out/NAME/esp until it powers off or the timeout; BOOT_T = seconds to the marker
boot() {
	local d=$out/$1 t0 rc=1
	cp "$OVMF_VARS" "$d/OVMF_VARS.fd"
	local args=(
		-name "nearboot-stage2-$1" -machine q35 -accel tcg -cpu "$NB_QEMU_CPU" -smp 1 -m 512
		-nodefaults -display none -no-reboot -monitor none
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,unit=1,file=$d/OVMF_VARS.fd"
		-drive "if=none,id=esp,format=raw,file=fat:$d/esp,readonly=on"
		-device "virtio-blk-pci,drive=esp,bootindex=0"
		-chardev "file,id=ser0,path=$d/serial.log" -serial chardev:ser0
	)
	echo "# $(date -Is) qemu-system-x86_64 ${args[*]}" >"$d/qemu.log"
	: >"$d/serial.log"
	t0=$(date +%s.%N)
	qemu-system-x86_64 "${args[@]}" >>"$d/qemu.log" 2>&1 </dev/null &
	qpid=$!
	qstart=$(start_of "$qpid")
	local deadline=$((SECONDS + timeout)) t_marker=''
	while :; do
		if [ -z "$t_marker" ] && grep -a -q -F 'stage2-linux: ok' "$d/serial.log"; then
			t_marker=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		fi
		alive "$qpid" || break
		[ "$SECONDS" -ge "$deadline" ] && { echo "timeout after ${timeout}s" >>"$d/qemu.log"; break; }
		sleep 0.2
	done
	local ended=1
	alive "$qpid" && ended=0
	stop_qemu
	[ -n "$t_marker" ] || grep -a -q -F 'stage2-linux: ok' "$d/serial.log" && rc=0
	[ "$ended" = 1 ] || { echo "QEMU did not power off" >>"$d/qemu.log"; rc=1; }
	BOOT_T=${t_marker:-?}
	return $rc
}

# check NAME FIXED-STRING...: every string on NAME's serial console
check() {
	local name=$1 s missing=0
	shift
	for s in "$@"; do
		if ! tr -d '\r' <"$out/$name/serial.log" | grep -a -q -F -- "$s"; then
			say "$name: missing on serial: $s"
			missing=1
		fi
	done
	return $missing
}

pass=0 fail=0
result() { # NAME RC SECONDS
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		say "$1: ok, marker after $3 s (QEMU start), powered off"
	else
		fail=$((fail + 1))
		say "$1: FAILED (see $out/$1/serial.log, qemu.log)"
		tr -d '\r' <"$out/$1/serial.log" | grep -a -v '^\s*$' | tail -n 15 | sed 's/^/    /'
	fi
}

# --- direct: the firmware starts the UKI; its built-in command line ---------------------------------------------
mkdir -p "$out/direct/esp/EFI/BOOT"
cp "$uki" "$out/direct/esp/EFI/BOOT/BOOTX64.EFI"
boot direct && rc=0 || rc=1
[ "$rc" = 0 ] && { check direct "stage2-linux: started: Linux" "stage2-linux: efi: 64-bit firmware" || rc=1; }
result direct "$rc" "$BOOT_T"

# --- chain: nearboot's way (memory, load options, configuration table) --------------------------------------------
site=https://198.18.255.69/
mkdir -p "$out/chain/esp/EFI/BOOT"
cp "$chain" "$out/chain/esp/EFI/BOOT/BOOTX64.EFI"
cp "$uki" "$out/chain/esp/stage2.efi"
printf 'console=ttyS0 quiet panic=-1 nearboot.site=%s nearboot.serial=42\n' "$site" >"$out/chain/esp/options.txt"
printf 'nearboot-handoff 1\nsite %s\naddress 198.18.255.69\nfamily 4\nserial 42\nentry nearboot-linux.efi\ntime.total_ms 1234\n' \
	"$site" >"$out/chain/esp/handoff.txt"
boot chain && rc=0 || rc=1
[ "$rc" = 0 ] && {
	check chain "chain-test: StartImage" "stage2-linux: hand-off (command line): site=$site" \
		"stage2-linux: hand-off (command line): serial=42" "stage2-linux: hand-off record (EFI configuration table):" \
		"stage2-linux:   site $site" "stage2-linux:   time.total_ms 1234" || rc=1
}
result chain "$rc" "$BOOT_T"

say "$pass passed, $fail failed"
[ "$fail" = 0 ]
