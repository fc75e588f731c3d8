#!/usr/bin/env bash
# Scenario 2 — EDK2 PXE over IPv6. The router sends RAs (M flag, on-link prefix) and relays DHCPv6 to the
# anycast address; the DHCPv6 reply carries boot-file-url (option 59) tftp://[fd00:b007:0:ffff::69]/nearboot.efi.
# siteA must serve (DHCPv6 lease from its pool, TFTP RRQ over IPv6), siteB must see nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 02-pxe6-sitea
lab_up
lab_boot --pxe6
lab_assert_served sitea v6
lab_assert_silent siteb
lab_log "PASS"
