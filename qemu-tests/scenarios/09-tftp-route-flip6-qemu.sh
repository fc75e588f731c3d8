#!/usr/bin/env bash
# Scenario 9 — TFTP through an anycast route flip under QEMU, over IPv6 (PXEv6, blksize 1448): siteA withdraws
# its BGP route for fd00:b007:0:ffff::69 3 s into nearboot's 1 MiB lock-step transfer; siteB answers the lost
# session with ICMPv6 port unreachable; nearboot restarts once against siteB and gets the file whole. The
# scenario and its assertions are in lib/tftp-flip.sh (scenario 08: the same over IPv4).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/tftp-flip.sh"
tflip_run 6 09-tftp-route-flip6-qemu
