#!/usr/bin/env bash
# Scenario 1 — EDK2 PXE over IPv4. DHCPv4 is relayed by the router to the anycast DHCP address, the image
# comes by TFTP from the anycast address. siteA is nearest, so siteA's own DHCP and TFTP logs must show
# this boot and siteB's must show nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 01-pxe4-sitea
lab_up
lab_boot --pxe4
lab_assert_served sitea v4
lab_assert_silent siteb
lab_log "PASS"
