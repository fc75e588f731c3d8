#!/usr/bin/env bash
# bench-dhcp.sh — how long DHCP takes, in the lab (a benchmark, not a test: it prints figures, it asserts
# only that every boot got that far). Root; one lab at a time (the lab lock); several labs in a row.
#
#   qemu-tests/bench/bench-dhcp.sh [RUNS]        (make bench-dhcp; RUNS default 3, env BENCH_RUNS)
#
# For each path: the time from the client's first DHCP packet to the reply that made the boot information
# known, from a capture of the client's link ("wire", host clock), and nearboot's own figure from its
# console ("console", nearboot's clock: DHCP start to boot information known).
#   OVMF PXE DHCPv4     EDK2's own DHCP before it loads nearboot (DISCOVER -> ACK), the peer
#   OVMF PXE DHCPv6     EDK2's PXEv6 (SOLICIT -> first REPLY), the peer
#   iPXE dhcp           iPXE's DHCPv4 (DISCOVER -> ACK), the peer
#   v4, PXE cache       nearboot confirms the firmware's ACK (INIT-REBOOT REQUEST -> ACK)
#   v4, no PXE cache    booted from disk: DISCOVER -> OFFER -> REQUEST -> ACK
#   v6 (IPv6-only lab)  no DHCPv4 server; first DHCP packet (DISCOVER) -> DHCPv6 REPLY with the boot URL
#                       (and the SOLICIT -> REPLY exchange alone: the rest is link-local DAD, the RA and the
#                       RFC 8415 random delay of the first SOLICIT)
#   fallback: cached server      relay off, NV lease cache: unicast REQUEST to the cached (anycast) server id
#   fallback: hard-coded server  relay off, no NV cache: unicast REQUEST to the configured server
#   fallback: cached lease       no DHCP at all: up on the cached lease
# The fast paths run RUNS times (median, min-max); the fallbacks, dominated by fixed timers, once.
# Output: the table on stdout; per boot everything under build/qemu-tests/bench-dhcp-*/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(cd "$here/.." && pwd)
repo=$(cd "$tests/.." && pwd)
runs=${1:-${BENCH_RUNS:-3}}
results=${BENCH_DHCP_RESULTS:-$repo/build/qemu-tests/bench-dhcp.results}
export NEARBOOT_EFI=${NEARBOOT_EFI:-$repo/build/x86_64-efi/nearboot.efi}

# ---- one lab per phase, each in its own process (lab_init: lock, trap, teardown) --------------------------
if [ "${1:-}" = --phase ]; then
	phase=$2 runs=$3
	set -e
	. "$tests/lib/lab.sh"
	: "${NB_CONFIG_TOOL:=$LAB_REPO/build/host/nearboot-config}"
	# record KIND BOOT-TAG: wire (pcap) and console figures of one boot
	record() {
		local kind=$1 tag=$2 d=$LAB_OUT/$2 which=${3:-nearboot-boot} wire console
		lab_pcap timing "$d/client.pcap" --mac "$LAB_CLIENT_MAC" >"$d/timing.txt" || true
		wire=$(awk -v w="$which" '$1 == w { for (i = 2; i <= NF; i++) if ($i ~ /^ms=/) print substr($i, 4) }' "$d/timing.txt")
		console=$(tr -d '\r' <"$d/serial.log" | python3 -c '
import re, sys
kind = sys.argv[1]
text = sys.stdin.read()
def ts(pat):
    m = re.search(r"\[\s*([0-9.]+)\] " + pat, text)
    return float(m.group(1)) if m else None
if kind.startswith("fw") or kind in ("ipxe", "v6x"):
    print("-")
elif kind == "cached-lease":
    a, b = ts(r"dhcp: DHCPv4"), ts(r"dhcp4: no server answered; using the cached lease")
    print("%.0f" % ((b - a) * 1000) if a is not None and b is not None else "?")
elif kind in ("cached-server", "hardcoded"):
    m = re.search(r"\(unicast REQUEST to [^,]*, ([0-9]+) ms\)", text)
    print(m.group(1) if m else "?")
else:
    m = re.search(r"dhcp: boot information from DHCPv[46] in ([0-9]+) ms", text)
    print(m.group(1) if m else "?")
' "$kind")
		echo "$kind ${wire:--} ${console:--}" >>"$results"
		lab_log "bench: $kind ($tag): wire ${wire:--} ms, console ${console:--} ms"
	}
	case $phase in
	dual)
		lab_init bench-dhcp-dual
		lab_up
		for i in $(seq "$runs"); do
			lab_boot --tag pxe4-$i --pxe4
			record fw4 pxe4-$i firmware4
			record pxe-cache pxe4-$i
			lab_boot --tag disk-$i --disk
			record discover disk-$i
			lab_boot --tag ipxe-$i --ipxe --pxe4
			record ipxe ipxe-$i firmware4
		done ;;
	v6only)
		LAB_SITE_FAMILIES=6 LAB_RELAY=6
		lab_init bench-dhcp-v6only
		lab_up
		for i in $(seq "$runs"); do
			lab_boot --tag pxe6-$i --pxe6
			record fw6 pxe6-$i firmware6
			record v6 pxe6-$i
			record v6x pxe6-$i nearboot6
		done ;;
	fallback)
		LAB_SITE_DHCP=kea
		lab_init bench-dhcp-fallback
		lab_up
		vars=$LAB_OUT/OVMF_VARS.kept.fd
		lab_boot --tag boot1 --pxe4 --vars "$vars"
		lab_set_relay ""
		lab_boot --tag boot2 --disk --vars "$vars"
		record cached-server boot2
		for s in $LAB_SITES; do lab_stop_dhcp "$s"; done
		lab_boot --tag boot3 --disk --vars "$vars"
		record cached-lease boot3 none ;;
	hardcoded)
		lab_init bench-dhcp-hardcoded
		"$NB_CONFIG_TOOL" set "$LAB_IMAGE" --dhcp-server "$LAB_ANYCAST4" >>"$LAB_OUT/lab.log" 2>&1 ||
			lab_die "nearboot-config failed (make builds build/host/nearboot-config)"
		lab_up
		cut_relay() {
			lab_wait 200 "the firmware's TFTP read" grep -q 'RRQ from 198\.18\.1\.' "$LAB_OUT/sitea/tftpd.log"
			lab_set_relay ""
		}
		lab_background relay-cutter cut_relay
		lab_boot --tag boot1 --pxe4
		record hardcoded boot1 ;;
	esac
	exit 0
fi

# ---- the driver -------------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "bench-dhcp: needs root (the lab's network namespaces)" >&2; exit 2; }
[ -s "$NEARBOOT_EFI" ] || { echo "bench-dhcp: no image at $NEARBOOT_EFI (make efi)" >&2; exit 2; }
mkdir -p "$(dirname "$results")"
: >"$results"
export BENCH_DHCP_RESULTS=$results
echo "bench-dhcp: $runs run(s) of the fast paths; image $NEARBOOT_EFI" >&2
failed=()
for phase in dual v6only fallback hardcoded; do
	echo "bench-dhcp: phase $phase ..." >&2
	log=$repo/build/qemu-tests/bench-dhcp-$phase.console.log
	if ! timeout -k 30 1200 bash "$0" --phase "$phase" "$runs" >"$log" 2>&1; then
		failed+=("$phase")
		echo "bench-dhcp: phase $phase failed (see $log); its figures may be missing" >&2
	fi
done

python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, wire, console = line.split()
    rows.setdefault(kind, ([], []))
    for v, l in ((wire, rows[kind][0]), (console, rows[kind][1])):
        try:
            l.append(float(v))
        except ValueError:
            pass
names = [
    ("fw4", "OVMF PXE DHCPv4 (DISCOVER -> ACK)"),
    ("fw6", "OVMF PXE DHCPv6 (SOLICIT -> REPLY)"),
    ("ipxe", "iPXE dhcp (DISCOVER -> ACK)"),
    ("pxe-cache", "nearboot v4, PXE cache (INIT-REBOOT)"),
    ("discover", "nearboot v4, no PXE cache (DISCOVER)"),
    ("v6", "nearboot v6, IPv6-only lab"),
    ("v6x", "  of which SOLICIT -> REPLY (rapid commit)"),
    ("cached-server", "fallback: unicast to cached server"),
    ("hardcoded", "fallback: unicast to hard-coded server"),
    ("cached-lease", "fallback: cached lease (no DHCP)"),
]
def fmt(vals):
    if not vals:
        return "-"
    m = statistics.median(vals)
    if len(vals) == 1:
        return "%.0f" % m if m >= 100 else "%.1f" % m
    f = (lambda x: "%.0f" % x) if m >= 100 else (lambda x: "%.1f" % x)
    return "%s (%s-%s)" % (f(m), f(min(vals)), f(max(vals)))
print("bench-dhcp: first DHCP packet -> boot information known, ms (median (min-max); n per row)")
print("%-42s %4s  %-24s %-24s" % ("path", "n", "wire (capture)", "console (nearboot)"))
for k, n in names:
    w, c = rows.get(k, ([], []))
    print("%-42s %4d  %-24s %-24s" % (n, max(len(w), len(c)), fmt(w), fmt(c)))
med = {k: statistics.median(v[0]) for k, v in rows.items() if v[0]}
print()
print("ratios (wire medians):")
for a, b, what in (("fw4", "pxe-cache", "OVMF PXE DHCPv4 / nearboot with the PXE cache"),
                   ("fw4", "discover", "OVMF PXE DHCPv4 / nearboot DISCOVER"),
                   ("ipxe", "discover", "iPXE dhcp / nearboot DISCOVER"),
                   ("fw6", "v6x", "OVMF PXE DHCPv6 / nearboot SOLICIT -> REPLY")):
    if a in med and b in med and med[b] > 0:
        print("  %-48s %8.1fx" % (what, med[a] / med[b]))
print("targets (issue 4): PXE cache <= 300 ms; otherwise within one RFC retransmission interval (DHCPv4 4 s)")
EOF
[ ${#failed[@]} -eq 0 ] || { echo "bench-dhcp: failed phases: ${failed[*]}" >&2; exit 1; }
