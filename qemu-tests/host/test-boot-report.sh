#!/usr/bin/env bash
# The boot report (qemu-tests/report/boot-report.py) on its embedded sample logs: parser (ANSI/CR
# noise, missing and repeated phases, several runs), table and SVG. No root, no QEMU; under a second.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${BUILD:-$repo/build}/host-tests
mkdir -p "$out"
exec python3 "$repo/qemu-tests/report/boot-report.py" --selftest --svg "$out/boot-waterfall-selftest.svg"
