#!/usr/bin/env bash
# Scenario 16 — IPv6-only: no DHCPv4 server anywhere (the sites serve DHCPv6 only, the relay forwards
# DHCPv6 only); EDK2 PXE-boots over IPv6. nearboot must boot from the DHCPv6 boot URL without waiting for
# IPv4, while its DHCPv4 DISCOVERs go unanswered; held 13 s after ready, those DISCOVERs give the
# RFC 2131 §4.1 check on the wire (silent server: waits of 4 s and 8 s, each +-1 s).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_SITE_FAMILIES=6 LAB_RELAY=6
lab_init 16-dhcp-ipv6-only
lab_up
lab_boot --pxe6 --fwcfg opt/org.nearboot/hold-ms=13000
a6='fd00:b007:0:1::1:1[0-9a-f]{2}'
lab_assert_serial "pxe cache: v6 dhcp-ack: address $a6 " "the firmware PXE-booted over IPv6"
lab_assert_serial "dhcp6: bound $a6 " "DHCPv6 lease"
lab_assert_serial "dhcp: boot information from DHCPv6 in [0-9]+ ms: tftp://\[fd00:b007:0:ffff::69\]/nearboot\.efi" "boot URL from DHCPv6"
lab_assert_no_serial "dhcp4: [0-9.]+ via" "no IPv4 lease"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v6 who=server for=nearboot REPLY .* addr=$a6 url=tftp://" "DHCPv6 REPLY to nearboot"
lab_assert_no_pcap "$d" "v4 who=server" "no DHCPv4 answer at all"
duid=$(lab_nb_duid "$d")
lab_assert_log sitea dnsmasq.log "DHCPREPLY\(up0\) $a6 $(lab_colon "$duid")" "siteA's DHCPv6 REPLY to nearboot"
lab_assert_no_dhcp siteb
lab_check_retrans4 "$LAB_BOOT_DIR" 2
lab_log "PASS"
