#!/usr/bin/env bash
# bench-verify.sh — what verifying a release costs under QEMU (issue 6; make bench-verify, not part of make
# test): a signed release of the hello stage2 (entry) and a 64 MiB artifact of random bytes, served by
# siteA (anycast; EDK2 PXE, TCG), booted RUNS times. nearboot hashes each artifact while it streams in, so
# the figures come from its own console, where it accounts the time spent inside the sha256 updates and
# the final compare separately from the transfer:
#   transfer   "https: .../big.bin ...: N bytes in S s" (the HTTPS transfer, hashing included)
#   hash       "verify: big.bin N bytes sha256 ok, hashed in H ms (M MB/s) during a T ms transfer"
#   signature  "verify: .../manifest: ... in N ms" (CMS/ECDSA P-256 + chain + manifest parse + policy)
#   total      "boot: handing over ... after N ms" (first-stage start to StartImage)
#   alloc      the transfer phase minus the artifacts' own transfer times: allocating (and zeroing) the
#              release's buffers before the first byte
#
#   qemu-tests/bench/bench-verify.sh [RUNS]    RUNS (default 1, env BENCH_RUNS) boots
#   BENCH_VERIFY_MIB (default 64)             the artifact's size in MiB
#   NB_QEMU_MEM (default 512 MiB, run-qemu.sh) the guest's RAM: nearboot holds every artifact in memory
# Root; the lab lock. Output: the table on stdout (also build/qemu-tests/bench-verify/table.txt); each boot's
# serial log under build/qemu-tests/bench-verify/boot-<n>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(cd "$here/.." && pwd)
repo=$(cd "$tests/.." && pwd)
runs=${1:-${BENCH_RUNS:-1}}
mib=${BENCH_VERIFY_MIB:-64}
export NEARBOOT_EFI=${NEARBOOT_EFI:-$repo/build/x86_64-efi/nearboot.efi}
[ "$(id -u)" = 0 ] || { echo "bench-verify: needs root (the lab's network namespaces)" >&2; exit 2; }
[ -x "$repo/build/host/nearboot-config" ] || { echo "bench-verify: no build/host/nearboot-config (make)" >&2; exit 2; }

. "$tests/lib/lab.sh"
. "$tests/lib/release.sh"
lab_init bench-verify
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
rel=$LAB_OUT/rel/big
mkdir -p "$rel"
head -c $((mib * 1048576)) /dev/urandom >"$rel/big.bin"
lab_make_release "$rel" 64 "$LAB_REPO/build/x86_64-efi/stage2-hello.efi"
lab_publish "$rel"
size=$(stat -c %s "$rel/big.bin")
results=$LAB_OUT/results.txt
: >"$results"

for i in $(seq "$runs"); do
	( lab_boot --tag "boot-$i" --pxe4 --fwcfg opt/org.nearboot/max-attempts=1 --marker "stage2-hello: ok" --timeout 600 ) ||
		lab_die "boot $i: no 'stage2-hello: ok' (see $LAB_OUT/boot-$i/serial.log)"
	LAB_BOOT_DIR=$LAB_OUT/boot-$i
	con=$(lab_serial)
	line=$(grep -E "verify: big\.bin $size bytes sha256 ok, hashed in" <<<"$con") || lab_die "boot $i: no verify line for big.bin"
	hash=$(sed -n 's/.*hashed in \([0-9]*\) ms.*/\1/p' <<<"$line")
	xfer=$(sed -n 's/.*during a \([0-9]*\) ms transfer.*/\1/p' <<<"$line")
	https=$(grep -E "https: .*/release/big\.bin .*$size bytes in" <<<"$con" | sed -n 's/.*bytes in \([0-9.]*\) s, \([0-9.]*\) MB\/s.*/\1 \2/p' | tail -n1)
	sig=$(sed -n 's/.*verify: .*manifest: release serial .* in \([0-9]*\) ms$/\1/p' <<<"$con" | sed -n 1p)
	total=$(sed -n 's/.*boot: handing over to .* after \([0-9]*\) ms.*/\1/p' <<<"$con" | tail -n1)
	phase=$(sed -n 's/.*phase: transfer \([0-9]*\) ms at .*/\1/p' <<<"$con" | tail -n1)
	entry=$(sed -n 's/.*verify: stage2\.efi [0-9]* bytes sha256 ok, hashed in [0-9]* ms .* during a \([0-9]*\) ms transfer.*/\1/p' <<<"$con" | tail -n1)
	echo "$xfer $hash $sig $total $phase ${entry:-0} ${https:-- -}" >>"$results"
	lab_log "bench: boot $i: $line; signature $sig ms; transfer phase $phase ms; handed over after $total ms"
done

python3 - "$results" "$size" "$runs" <<'PY' | tee "$LAB_OUT/table.txt"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
size = int(sys.argv[2])
def col(i):
    return [float(r[i]) for r in rows if r[i] != "-"]
def fmt(v, unit="ms"):
    if not v:
        return "-"
    m = statistics.median(v)
    return ("%.0f %s" % (m, unit)) if len(v) == 1 else ("%.0f %s (%.0f-%.0f)" % (m, unit, min(v), max(v)))
xfer, hsh, sig, tot, phase, entry = (col(i) for i in range(6))
alloc = [p - x - e for p, x, e in zip(phase, xfer, entry)]
mb = size / 1e6
print("verify cost of a %d MiB artifact under QEMU (TCG, OVMF), HTTPS from siteA, %s boot(s); median (min-max)"
      % (size >> 20, sys.argv[3]))
print("  %-34s %s" % ("transfer (HTTPS, hash included)", fmt(xfer)) +
      ("   %.1f MB/s" % (mb / (statistics.median(xfer) / 1000)) if xfer else ""))
print("  %-34s %s" % ("sha256 while streaming (+ compare)", fmt(hsh)) +
      ("   %.1f MB/s, %.0f%% of the transfer" % (mb / (statistics.median(hsh) / 1000), 100 * statistics.median(hsh) / statistics.median(xfer)) if hsh and xfer else ""))
print("  %-34s %s" % ("signature (manifest: CMS + chain)", fmt(sig)))
print("  %-34s %s" % ("buffers (allocate + zero)", fmt(alloc)))
print("  %-34s %s" % ("total (first stage start to StartImage)", fmt(tot)))
PY
lab_finish
