#!/usr/bin/env bash
# build.sh [out.efi] — build the lab's stand-in image (ready.efi) with clang-14 + lld-link-14 + gnu-efi headers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/build/qemu-tests/testapp/ready.efi}
mkdir -p "$(dirname "$out")"
if [ -s "$out" ] && [ "$out" -nt "$here/ready.c" ]; then echo "$out"; exit 0; fi
obj=${out%.efi}.obj
clang-14 -target x86_64-unknown-windows -fno-ms-extensions -fno-ms-compatibility -U_WIN32 -U_WIN64 \
	-ffreestanding -nostdinc -isystem "$(clang-14 -print-resource-dir)/include" \
	-I/usr/include/efi -I/usr/include/efi/x86_64 -I/usr/include/efi/protocol \
	-fshort-wchar -mno-red-zone -mgeneral-regs-only -mno-stack-arg-probe -fno-stack-protector -Os \
	-Wall -c "$here/ready.c" -o "$obj"
lld-link-14 /subsystem:efi_application /entry:efi_main /nodefaultlib /out:"$out" "$obj" >/dev/null
rm -f "$obj"
echo "$out"
