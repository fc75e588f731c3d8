#!/usr/bin/env bash
# Scenario 21 — DHCP entirely absent, a valid cached lease present. Boot 1: normal PXE boot (dnsmasq sites
# through the relay); nearboot stores its lease in the NV lease cache (VARS file kept). Then every DHCP
# server is stopped (the relay stays, relaying into the void). Boot 2: from a disk (no PXE cache): no
# DHCP answer of any kind; nearboot must walk its fallbacks (INIT-REBOOT, unicast REQUEST to the cached
# server) and come up on the cached lease, saying so.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 21-dhcp-absent-cached
lab_up
vars=$LAB_OUT/OVMF_VARS.kept.fd
a4='198\.18\.1\.1[0-4][0-9]'
lab_boot --tag boot1 --pxe4 --vars "$vars"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.1 \(firmware lease confirmed by INIT-REBOOT" "boot 1: lease confirmed"
addr=$(lab_serial | sed -n 's/.*dhcp4: \(198\.18\.1\.[0-9]*\) via .*/\1/p' | head -n1)
re_addr=${addr//./\\.}
for s in $LAB_SITES; do lab_stop_dhcp "$s"; done
lab_boot --tag boot2 --disk --vars "$vars"
lab_assert_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the lease cache \($re_addr via 198\.18\.1\.1\)" "fallback on the NV lease cache"
lab_assert_serial "dhcp4: INIT-REBOOT with the cached lease: no answer" "INIT-REBOOT unanswered"
lab_assert_serial "dhcp4: unicast REQUEST to cached server 198\.18\.1\.1 via 198\.18\.1\.1: no answer" "unicast REQUEST unanswered"
lab_assert_serial "dhcp4: no server answered; using the cached lease $re_addr via 198\.18\.1\.1 \(valid [0-9]+ s more\)" "up on the cached lease, and says so"
d2=$(lab_pcap_dump)
lab_assert_no_pcap "$d2" "v4 who=server" "no DHCPv4 answer on the wire"
lab_assert_pcap "$d2" "v4 who=nearboot REQUEST .* dst=255\.255\.255\.255:67 .* ciaddr=0\.0\.0\.0 .* req=$re_addr " "INIT-REBOOT tried"
lab_assert_pcap "$d2" "v4 who=nearboot REQUEST .* src=$re_addr:68 dst=198\.18\.1\.1:67 .* ciaddr=$re_addr " "unicast REQUEST to the cached server id tried"
lab_log "PASS"
