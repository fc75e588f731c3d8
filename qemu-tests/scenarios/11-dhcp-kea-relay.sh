#!/usr/bin/env bash
# Scenario 11 — DHCP interop: Kea (kea-dhcp4 + kea-dhcp6) behind the router's relay, listening on the
# anycast address; nearboot booted from a disk (no firmware PXE cache), so it runs the whole DHCPv4
# exchange (DISCOVER/OFFER/REQUEST/ACK) and DHCPv6 (SOLICIT with Rapid Commit). Kea's server identifier is
# the anycast address. Asserted from siteA's Kea logs (nearboot's transactions by user class and DUID),
# the capture and the console; siteB's Kea answered nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_SITE_DHCP=kea
lab_init 11-dhcp-kea-relay
lab_up
lab_boot --disk --fwcfg opt/org.nearboot/hold-ms=4000
a4='198\.18\.1\.1[0-4][0-9]'
a6='fd00:b007:0:1::1:1[0-9a-f]{2}'
lab_assert_serial "pxe cache: none" "booted from disk: no PXE cache"
lab_assert_serial "nic: mac .*first NIC in the system" "the NIC found although the boot device is a disk"
lab_assert_serial "dhcp: DHCPv4 DISCOVER and DHCPv6" "DHCPv4 and DHCPv6 raced"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.255\.69 \(DHCPv4, " "lease from Kea, server id = anycast"
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "boot information from DHCPv4"
lab_assert_serial "dhcp6: bound $a6 " "DHCPv6 lease from siteA's Kea"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=nearboot DISCOVER .* dst=255\.255\.255\.255:67 " "DISCOVER broadcast"
lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* yiaddr=$a4 .* giaddr=198\.18\.1\.1 .* sid=198\.18\.255\.69 .* file=nearboot\.efi" "OFFER through the relay"
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* sid=198\.18\.255\.69 req=$a4 " "REQUEST naming the anycast server id"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* yiaddr=$a4 " "ACK"
lab_assert_pcap "$d" "v6 who=server for=nearboot REPLY .* addr=$a6 url=tftp://" "DHCPv6 REPLY with address and boot URL"
duid=$(lab_nb_duid "$d")
lab_assert_kea4_nb sitea "DHCPDISCOVER \(type 1\) received from 198\.18\.1\.1 to 198\.18\.255\.69" "relayed DISCOVER at the anycast address"
lab_assert_kea4_nb sitea "DHCP4_LEASE_ALLOC .* lease $a4 has been allocated" "Kea allocated the lease"
lab_assert_kea4_nb sitea "trying to send packet DHCPACK" "Kea sent the ACK"
lab_assert_kea6_duid sitea "$duid" "SOLICIT \(type 1\) received from fd00:b007:0:2::1 to fd00:b007:0:ffff::69" "relayed SOLICIT at the anycast address"
lab_assert_kea6_duid sitea "$duid" "DHCP6_LEASE_ALLOC .* $a6 and iaid=" "Kea allocated the DHCPv6 lease"
lab_assert_no_dhcp siteb
lab_log "PASS"
