#!/usr/bin/env bash
# Scenario 8 — TFTP through an anycast route flip under QEMU, over IPv4: siteA withdraws its BGP route 3 s into
# nearboot's 1 MiB lock-step transfer from the anycast address; siteB answers the lost session with ICMP port
# unreachable; nearboot restarts once against siteB and gets the file whole. The scenario and its assertions
# are in lib/tftp-flip.sh (scenario 09: the same over IPv6).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/tftp-flip.sh"
tflip_run 4 08-tftp-route-flip-qemu
