#!/usr/bin/env bash
# Scenario 13 — DHCP interop: Kea (kea-dhcp4 on raw sockets + kea-dhcp6) directly on the client's LAN, no
# relay. EDK2 PXE-boots from Kea; nearboot confirms that lease with an INIT-REBOOT REQUEST that Kea must
# ACK, and gets a DHCPv6 lease from Kea. Asserted from Kea's logs, the capture and the console.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LAN_DHCP=kea LAB_RELAY=
lab_init 13-dhcp-kea-lan
lab_up
lab_boot --pxe4 --fwcfg opt/org.nearboot/hold-ms=4000
a4='198\.18\.1\.2[0-4][0-9]'
a6='fd00:b007:0:1::9:1[0-9a-f]{2}'
lab_assert_serial "pxe cache: v4 dhcp-ack ACK: address $a4 server 198\.18\.1\.2 boot file 'nearboot\.efi'" "the firmware PXE-booted from Kea"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.2 \(firmware lease confirmed by INIT-REBOOT" "Kea confirmed the firmware's lease"
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "boot information from DHCPv4"
lab_assert_serial "dhcp6: bound $a6 " "DHCPv6 lease from Kea"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* ciaddr=0\.0\.0\.0 .* sid=- req=$a4 " "INIT-REBOOT REQUEST"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* src=198\.18\.1\.2:67 .* yiaddr=$a4 " "Kea's ACK"
duid=$(lab_nb_duid "$d")
lab_assert_kea4_nb lan "DHCPREQUEST \(type 3\) received from .* on interface eth0" "nearboot's REQUEST at Kea"
lab_assert_kea4_nb lan "DHCP4_LEASE_ALLOC .* lease $a4 has been allocated" "Kea (re)allocated the lease"
lab_assert_kea4_nb lan "trying to send packet DHCPACK" "Kea sent the ACK"
lab_assert_kea6_duid lan "$duid" "DHCP6_LEASE_ALLOC .* $a6 and iaid=" "Kea allocated nearboot's DHCPv6 lease"
for n in sitea siteb; do lab_assert_no_dhcp "$n"; done
lab_log "PASS"
