#!/usr/bin/env bash
# Scenario 4 — the same image loaded by iPXE instead of EDK2's PXE: the NIC gets Debian's iPXE option ROM
# (efi-virtio.rom), iPXE does its own DHCP (user class "iPXE", which the sites map to the same
# nearboot.efi, so there is no chain-load loop) and TFTP, and starts nearboot.efi. siteA's DHCP log must
# show the request tagged ipxe, and siteA's TFTP log the RRQ; siteB must see nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 04-ipxe-sitea
lab_up
lab_boot --ipxe --pxe4
lab_assert_served sitea v4 ipxe
lab_assert_silent siteb
lab_log "PASS"
