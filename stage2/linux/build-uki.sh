#!/usr/bin/env bash
# build-uki.sh [OUTDIR] — the Linux second stage: a unified kernel image (UKI) made of Debian's kernel,
# a tiny busybox initramfs (stage2/linux/init as /init) and systemd's EFI stub, assembled with objcopy.
#
#   OUTDIR (default build/stage2/linux): nearboot-linux.efi, initrd.cpio.gz, os-release, BUILD-INFO, and
#   vmlinuz: the plain kernel (its own EFI stub), which loads initrd.cpio.gz through LoadFile2 when a
#   release names it as its initrd (scenario 39)
#
# Debian packages, none of them installed (see docs/stage2.md):
#   kernel   the package linux-image-amd64 depends on (linux-image-6.1.0-N-amd64): `apt-get download`,
#            only boot/vmlinuz-* is unpacked, into build/tools/stage2-linux/kernel/
#   busybox  busybox-static, the same way (bin/busybox), into build/tools/stage2-linux/busybox/
#   stub     /usr/lib/systemd/boot/efi/linuxx64.efi.stub from systemd-boot-efi (mk/packages.txt)
# The versions are whatever the machine's apt lists offer now (Debian's security updates replace
# the kernel package, so nothing is pinned in git); BUILD-INFO records them and the sha256 of each part.
#
# Knobs: NB_KERNEL_PKG (a kernel package name), NB_KERNEL_DEB / NB_BUSYBOX_DEB (local .deb files instead
# of downloads), NB_UKI_STUB (another stub), NB_UKI_CMDLINE (the built-in command line; "" = no .cmdline
# section), SOURCE_DATE_EPOCH (initramfs times, default 0).
# Cached: nothing is downloaded when the same package version is already unpacked, and nothing is
# rebuilt when the inputs (kernel, busybox, stub, init, command line, this script) are unchanged.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
out=${1:-$build/stage2/linux}
tools=$build/tools/stage2-linux
stub=${NB_UKI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}
cmdline=${NB_UKI_CMDLINE-console=ttyS0 quiet panic=-1}
here=$top/stage2/linux
say() { printf 'stage2-linux: %s\n' "$*" >&2; }
die() { printf 'stage2-linux: error: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

for t in objcopy objdump dpkg-deb python3; do
	command -v "$t" >/dev/null || die "needs $t (mk/packages.txt; run make deps)"
done
[ -r "$stub" ] || die "no EFI stub at $stub (package systemd-boot-efi; run make deps)"
mkdir -p "$out" "$tools"

# apt-cache takes seconds here: its answers are kept in $tools/apt-answers until the apt lists change.
answers=$tools/apt-answers
if [ -f "$answers" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -newer "$answers" 2>/dev/null | head -n1)" ]; then
	:
else
	{
		apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/depends linux-image-amd64 \1/p' | head -n1
		k=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
		apt-cache policy busybox-static ${k:+"$k"} ${NB_KERNEL_PKG:+"$NB_KERNEL_PKG"} 2>/dev/null |
			awk '/^[^ ].*:$/ { p = substr($1, 1, length($1) - 1) } /^ *Candidate: / && $2 != "(none)" { print "candidate", p, $2 }'
	} >"$answers.tmp"
	mv "$answers.tmp" "$answers"
fi
# candidate PACKAGE: the version apt would install now ("" if apt does not know it)
candidate() {
	local v
	v=$(awk -v p="$1" '$1 == "candidate" && $2 == p { print $3; exit }' "$answers")
	if [ -z "$v" ]; then # a package not asked about before (NB_KERNEL_PKG)
		v=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '^(none)$' | head -n1 || true)
		[ -n "$v" ] && echo "candidate $1 $v" >>"$answers"
	fi
	echo "$v"
}

# unpack NAME PKG DEB_OR_EMPTY MEMBER...: PKG's members into $tools/NAME/<pkg>_<version>/, once per
# version; prints that directory. Offline, with no candidate, the newest unpacked version is kept.
unpack() {
	local name=$1 pkg=$2 deb=$3 ver dir tmp
	shift 3
	if [ -n "$deb" ]; then
		[ -r "$deb" ] || die "$deb: no such file"
		pkg=$(dpkg-deb -f "$deb" Package) ver=$(dpkg-deb -f "$deb" Version)
	else
		ver=$(candidate "$pkg")
		if [ -z "$ver" ]; then
			dir=$(ls -d "$tools/$name/${pkg}_"* 2>/dev/null | sort -V | tail -n1 || true)
			[ -n "$dir" ] && [ -f "$dir/.done" ] && { say "apt does not know $pkg; using $dir"; echo "$dir"; return; }
			die "apt knows no version of $pkg (run apt-get update)"
		fi
	fi
	dir=$tools/$name/${pkg}_${ver//:/%3a}
	if [ ! -f "$dir/.done" ]; then
		tmp=$(mktemp -d "${TMPDIR:-/tmp}/nb-uki.XXXXXX")
		chmod 755 "$tmp" # apt's sandbox user writes the .deb here
		if [ -z "$deb" ]; then
			say "downloading $pkg $ver (Debian package; unpacked, not installed)"
			(cd "$tmp" && apt-get download -qq "$pkg=$ver" >"$tmp/apt.log" 2>&1) ||
				{ cat "$tmp/apt.log" >&2; rm -rf "$tmp"; die "apt-get download $pkg=$ver failed"; }
			deb=$(ls "$tmp"/*.deb)
		fi
		rm -rf "$dir.new"
		mkdir -p "$dir.new"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.new" --wildcards "$@" ||
			{ rm -rf "$tmp" "$dir.new"; die "$pkg: could not unpack $*"; }
		printf '%s %s deb-sha256 %s\n' "$pkg" "$ver" "$(sha "$deb")" >"$dir.new/.done"
		rm -rf "$tmp" "$dir"
		# keep one unpacked version per package
		for old in "$tools/$name/${pkg}_"*; do [ -d "$old" ] && [ "$old" != "$dir.new" ] && rm -rf "$old"; done
		mv "$dir.new" "$dir"
	fi
	echo "$dir"
}

kpkg=${NB_KERNEL_PKG:-}
if [ -z "$kpkg" ] && [ -z "${NB_KERNEL_DEB:-}" ]; then
	kpkg=$(awk '$1 == "depends" { print $3; exit }' "$answers")
	if [ -z "$kpkg" ]; then
		kpkg=$(ls -d "$tools/kernel/linux-image-"* 2>/dev/null | sort -V | tail -n1 || true)
		kpkg=${kpkg##*/}
		kpkg=${kpkg%%_*}
	fi
	[ -n "$kpkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on (run apt-get update)"
fi
kdir=$(unpack kernel "$kpkg" "${NB_KERNEL_DEB:-}" './boot/vmlinuz-*')
bdir=$(unpack busybox busybox-static "${NB_BUSYBOX_DEB:-}" './bin/busybox')
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -n1)
busybox=$bdir/bin/busybox
[ -s "$vmlinuz" ] || die "no vmlinuz in $kdir"
[ -x "$busybox" ] || die "no busybox in $bdir"
read -r kpkg kver _ _ <"$kdir/.done"
read -r _ bver _ _ <"$bdir/.done"
krel=${vmlinuz##*/vmlinuz-}
stubver=$(dpkg-query -W -f='${Version}' systemd-boot-efi 2>/dev/null || echo unknown)
nbver=$(cat "$top/VERSION")

# the plain kernel next to the UKI (a copy: the unpacked package may be replaced by a newer one)
cmp -s "$vmlinuz" "$out/vmlinuz" 2>/dev/null || cp "$vmlinuz" "$out/vmlinuz"

# --- up to date? -------------------------------------------------------------------------------------------
key=$( {
	for f in "$vmlinuz" "$busybox" "$stub" "$here/init" "$here/mkcpio.py" "$here/pe-stamp.py" "$0"; do sha "$f"; done
	printf '%s\n' "cmdline=$cmdline" "nbver=$nbver" "epoch=${SOURCE_DATE_EPOCH:-0}"
} | sha256sum | cut -d' ' -f1)
uki=$out/nearboot-linux.efi
if [ -s "$uki" ] && [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$key" ]; then
	say "up to date: $uki (kernel $krel from $kpkg $kver)"
	exit 0
fi

t0=$(date +%s.%N)
# --- initramfs ---------------------------------------------------------------------------------------------
python3 "$here/mkcpio.py" "$out/initrd.cpio.gz" \
	dir:bin dir:dev dir:proc dir:sys dir:tmp dir:root \
	chr:dev/console=5,1 chr:dev/null=1,3 \
	"file:bin/busybox=$busybox:0755" link:bin/sh=busybox \
	"file:init=$here/init:0755"

# --- .osrel, .cmdline ----------------------------------------------------------------------------------------
cat >"$out/os-release" <<EOF
NAME="nearboot stage2 Linux"
ID=nearboot-stage2
VERSION_ID=$nbver
PRETTY_NAME="nearboot stage2 Linux $nbver (Debian kernel $krel)"
EOF
printf '%s' "$cmdline" >"$out/cmdline"

# --- assemble: new sections after the stub's end, each at a 64 KiB boundary ---------------------------------------
end=0
while read -r size vma; do
	[ $((0x$vma + 0x$size)) -gt "$end" ] && end=$((0x$vma + 0x$size))
done < <(objdump -h "$stub" | awk '$1 ~ /^[0-9]+$/ { print $3, $4 }')
[ "$end" -gt 0 ] || die "cannot read the section layout of $stub"
align() { echo $(( ($1 + 0xffff) & ~0xffff )); }
args=()
vma=$(align "$end")
add() { # SECTION FILE
	args+=(--add-section "$1=$2" --change-section-vma "$1=$(printf '0x%x' "$vma")")
	vma=$(align $((vma + $(stat -c %s "$2"))))
}
add .osrel "$out/os-release"
[ -n "$cmdline" ] && add .cmdline "$out/cmdline"
add .linux "$vmlinuz"
add .initrd "$out/initrd.cpio.gz"
objcopy "${args[@]}" "$stub" "$uki.tmp" || die "objcopy failed"
# objcopy (binutils 2.40) stamps the current time into the PE header: put SOURCE_DATE_EPOCH (default 0,
# like the stub's own) there instead and recompute the header checksum, so the same inputs give the same bytes
python3 "$here/pe-stamp.py" "$uki.tmp" "${SOURCE_DATE_EPOCH:-0}"
mv "$uki.tmp" "$uki"
t1=$(date +%s.%N)

{
	echo "nearboot-linux.efi $(stat -c %s "$uki") bytes sha256 $(sha "$uki")"
	echo "kernel $krel from $kpkg $kver, vmlinuz $(stat -c %s "$vmlinuz") bytes sha256 $(sha "$vmlinuz") (also as vmlinuz)"
	echo "busybox busybox-static $bver, sha256 $(sha "$busybox")"
	echo "initrd initrd.cpio.gz $(stat -c %s "$out/initrd.cpio.gz") bytes sha256 $(sha "$out/initrd.cpio.gz")"
	echo "stub $stub systemd-boot-efi $stubver, sha256 $(sha "$stub")"
	echo "cmdline ${cmdline:-(none: the load options are the command line)}"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	echo "sections:"
	objdump -h "$uki" | awk '$1 ~ /^[0-9]+$/ { printf "  %-9s vma 0x%s size 0x%s\n", $2, $4, $3 }'
} >"$out/BUILD-INFO"
echo "$key" >"$out/.inputs"
sed 's/^/stage2-linux: /' "$out/BUILD-INFO" | head -n 6 >&2
