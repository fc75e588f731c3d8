#!/usr/bin/env bash
# run-qemu.sh — PXE-boot one QEMU (q35, TCG) + OVMF client from a tap and wait for the marker on serial.
#
#   run-qemu.sh --out DIR [--netns NS] [--tap TAP] [options]
#     --out DIR        serial.log, qemu.log, OVMF_VARS.fd (fresh copy per run), qemu.pid go here
#     --vars FILE      NV store: use FILE as the OVMF VARS, created from the template if missing and kept,
#                      so a second boot sees what the first stored (e.g. nearboot's LeaseCache)
#     --disk           boot the image from a FAT directory (DIR/esp/EFI/BOOT/BOOTX64.EFI, boot index 0)
#                      instead of PXE; the NIC stays (OVMF's virtio-net, no option ROM, second in the boot
#                      order) but the firmware does no network boot, so there is no PXE cache
#     --fwcfg NAME=STR extra fw_cfg string (repeatable), e.g. opt/org.nearboot/hold-ms=10000
#     --netns NS       run QEMU in this network namespace (where TAP lives); default: current namespace
#     --tap TAP        tap device to attach (default tap0); must exist (the lab creates it)
#     --mac MAC        NIC MAC (default 52:54:00:b0:07:01)
#     --pxe4 | --pxe6  EDK2 PXE over IPv4 only / IPv6 only (default: firmware default, v4 then v6)
#     --ipxe           use Debian's iPXE option ROM (efi-virtio.rom) instead of OVMF's virtio-net + PXE
#     --secureboot VARS  Secure Boot: OVMF_CODE_SECBOOT (SMM build; needs q35 smm=on and a secure pflash)
#                      with VARS as the VARS template (keys enrolled, e.g. by qemu-tests/lib/ovmf-enroll.py)
#     --no-poweroff    do not pass fw_cfg opt/org.nearboot/poweroff (the image then returns to the firmware)
#     --timeout SECS   hard limit (default 240)
#     --marker TEXT    success line (default "nearboot: ready")
#     --fail-marker T  a line that means the boot failed, so there is no point waiting for the timeout
#                      (default: the firmware starting its "EFI Internal Shell", i.e. every boot option failed)
#     --live           copy the serial console to the terminal while it runs
#     --image FILE     the image: recorded in the log (PXE: served by the lab's TFTP servers), copied to the
#                      FAT directory for --disk
#     -- ARGS...       extra QEMU arguments
#   Exit: 0 marker seen, 1 timeout, 2 QEMU ended without the marker, 3 usage/setup error.
# QEMU is ended only by its own recorded pid; the pid goes to DIR/qemu.pid as "qemu PID STARTTIME".
set -uo pipefail

out='' netns='' tap=tap0 mac=52:54:00:b0:07:01 fam='' rom='' poweroff=1 timeout=240 marker="nearboot: ready" live=0 image=
vars='' disk=0 secureboot=0 fail_marker='"EFI Internal Shell"'
extra=() fwcfg=()
: "${OVMF_CODE:=/usr/share/OVMF/OVMF_CODE_4M.fd}"
: "${OVMF_VARS:=/usr/share/OVMF/OVMF_VARS_4M.fd}"
: "${OVMF_CODE_SECBOOT:=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}"
: "${NB_QEMU_CPU:=max}"
: "${NB_QEMU_MEM:=512}"

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 3; }
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--netns) netns=$2; shift ;;
	--tap) tap=$2; shift ;;
	--mac) mac=$2; shift ;;
	--pxe4) fam=4 ;;
	--pxe6) fam=6 ;;
	--ipxe) rom=/usr/lib/ipxe/qemu/efi-virtio.rom ;;
	--secureboot) secureboot=1 OVMF_CODE=$OVMF_CODE_SECBOOT OVMF_VARS=$2; shift ;;
	--no-poweroff) poweroff=0 ;;
	--timeout) timeout=$2; shift ;;
	--marker) marker=$2; shift ;;
	--fail-marker) fail_marker=$2; shift ;;
	--live) live=1 ;;
	--image) image=$2; shift ;;
	--vars) vars=$2; shift ;;
	--disk) disk=1 ;;
	--fwcfg) fwcfg+=("$2"); shift ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) usage ;;
	*) echo "run-qemu.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
[ -n "$out" ] || usage
mkdir -p "$out"
for f in "$OVMF_CODE" "$OVMF_VARS" ${rom:+"$rom"}; do
	[ -r "$f" ] || { echo "run-qemu.sh: missing $f (package ovmf / ipxe-qemu)" >&2; exit 3; }
done

serial=$out/serial.log
: >"$serial"
if [ -n "$vars" ]; then
	[ -s "$vars" ] || cp "$OVMF_VARS" "$vars"
else
	vars=$out/OVMF_VARS.fd
	cp "$OVMF_VARS" "$vars"
fi
if [ "$disk" = 1 ]; then
	[ -s "$image" ] || { echo "run-qemu.sh: --disk needs --image FILE" >&2; exit 3; }
	rm -rf "$out/esp"
	mkdir -p "$out/esp/EFI/BOOT"
	cp "$image" "$out/esp/EFI/BOOT/BOOTX64.EFI"
fi

# the NIC keeps its PCI slot and its boot index (OVMF connects only the devices in the boot order, so
# without one the NIC would have no SNP at all); with --disk the disk comes first (bootindex 0) and boots,
# so the firmware never starts PXE on the NIC
nic="virtio-net-pci,netdev=n0,mac=$mac,romfile=$rom,bootindex=1"
# the Secure Boot build keeps its variables behind SMM: without smm=on and a secure flash it stops at once
machine=q35
[ "$secureboot" = 1 ] && machine=q35,smm=on
args=(
	-name nearboot-client -machine "$machine" -accel tcg -cpu "$NB_QEMU_CPU" -smp 1 -m "$NB_QEMU_MEM"
	-nodefaults -display none -no-reboot -monitor none
	-uuid 6e656172-626f-6f74-0000-000000000001
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
	-drive "if=pflash,format=raw,unit=1,file=$vars"
	-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no"
	-device "$nic"
	-device virtio-rng-pci
	-chardev "file,id=ser0,path=$serial" -serial chardev:ser0
)
[ "$secureboot" = 1 ] && args+=(-global driver=cfi.pflash01,property=secure,value=on)
[ "$disk" = 1 ] && args+=(-drive "if=none,id=esp,format=raw,file=fat:$out/esp,readonly=on" -device "virtio-blk-pci,drive=esp,bootindex=0")
# QEMU's option syntax ends a value at a comma; a comma in the string is written twice
for f in "${fwcfg[@]}"; do v=${f#*=}; args+=(-fw_cfg "name=${f%%=*},string=${v//,/,,}"); done
[ "$fam" = 4 ] && args+=(-fw_cfg "name=opt/org.tianocore/IPv6PXESupport,string=n")
[ "$fam" = 6 ] && args+=(-fw_cfg "name=opt/org.tianocore/IPv4PXESupport,string=n")
[ "$poweroff" = 1 ] && args+=(-fw_cfg "name=opt/org.nearboot/poweroff,string=1")
args+=("${extra[@]}")

runner=()
[ -n "$netns" ] && runner=(ip netns exec "$netns")
{
	echo "# image: ${image:-?}"
	echo "# $(date -Is) ${runner[*]} qemu-system-x86_64 ${args[*]}"
} >"$out/qemu.log"

qpid='' tpid=''
start_of() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; echo "${20}"; }
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
stop() {   # PID START: end one process we started
	local pid=$1 st=$2
	alive "$pid" || { { wait "$pid"; } 2>/dev/null || true; return 0; }
	[ "$(start_of "$pid")" = "$st" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 30); do alive "$pid" || break; sleep 0.1; done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null || true
	return 0
}
qstart='' tstart=''
cleanup() {
	[ -n "$tpid" ] && stop "$tpid" "$tstart"
	[ -n "$qpid" ] && stop "$qpid" "$qstart"
	[ -f "$out/qemu.pid" ] && mv -f "$out/qemu.pid" "$out/qemu.pid.ended"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$(date +%s.%N)
"${runner[@]}" qemu-system-x86_64 "${args[@]}" >>"$out/qemu.log" 2>&1 </dev/null &
qpid=$!
qstart=$(start_of "$qpid")
disown "$qpid" 2>/dev/null || true
echo "qemu $qpid $qstart" >"$out/qemu.pid"
if [ "$live" = 1 ]; then
	tail -n +1 -f "$serial" &
	tpid=$!
	tstart=$(start_of "$tpid")
	disown "$tpid" 2>/dev/null || true
fi

elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
rc=1
deadline=$((SECONDS + timeout))
while :; do
	if grep -a -q -F "$marker" "$serial"; then rc=0; break; fi
	if [ -n "$fail_marker" ] && grep -a -q -F "$fail_marker" "$serial"; then
		echo "run-qemu.sh: fail marker '$fail_marker' on serial" >>"$out/qemu.log"
		rc=2; break
	fi
	if ! alive "$qpid"; then
		grep -a -q -F "$marker" "$serial" && { rc=0; break; }
		rc=2; break
	fi
	[ "$SECONDS" -ge "$deadline" ] && { rc=1; break; }
	sleep 0.2
done
t_marker=$(elapsed)

if [ "$rc" = 0 ] && [ "$poweroff" = 1 ]; then
	# the image powers off after the marker: give it a moment to do so by itself
	for _ in $(seq 100); do alive "$qpid" || break; sleep 0.1; done
	if alive "$qpid"; then
		echo "run-qemu.sh: note: QEMU did not power off within 10 s of the marker" >>"$out/qemu.log"
	else
		echo "run-qemu.sh: QEMU powered off" >>"$out/qemu.log"
	fi
fi
sleep 0.3   # let tail print the last lines
cleanup
qpid='' tpid=''
case $rc in
0) echo "run-qemu.sh: marker '$marker' after ${t_marker}s" | tee -a "$out/qemu.log" >&2 ;;
1) echo "run-qemu.sh: timeout after ${timeout}s without '$marker' (serial: $serial)" | tee -a "$out/qemu.log" >&2 ;;
2) echo "run-qemu.sh: QEMU ended after ${t_marker}s without '$marker' (see $out/qemu.log, $serial)" | tee -a "$out/qemu.log" >&2 ;;
esac
exit "$rc"
