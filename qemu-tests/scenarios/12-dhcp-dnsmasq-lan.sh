#!/usr/bin/env bash
# Scenario 12 — DHCP interop: dnsmasq directly on the client's LAN (no relay; the router only sends RAs),
# DHCPv4 + DHCPv6 from its own pools (198.18.1.200-249, fd00:b007:0:1::9:1xx). nearboot booted from a disk,
# so it runs both exchanges itself. Asserted from the LAN server's log, the capture and the console; the
# sites and the router answered nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LAN_DHCP=dnsmasq LAB_RELAY=
lab_init 12-dhcp-dnsmasq-lan
lab_up
lab_boot --disk --fwcfg opt/org.nearboot/hold-ms=4000
a4='198\.18\.1\.2[0-4][0-9]'
a6='fd00:b007:0:1::9:1[0-9a-f]{2}'
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.2 \(DHCPv4, " "lease from the LAN server"
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "boot information from DHCPv4"
lab_assert_serial "dhcp6: bound $a6 " "DHCPv6 lease from the LAN server"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* src=198\.18\.1\.2:67 .* yiaddr=$a4 .* giaddr=0\.0\.0\.0 " "OFFER straight from the LAN server"
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* sid=198\.18\.1\.2 req=$a4 " "REQUEST to it"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* yiaddr=$a4 .* file=nearboot\.efi" "ACK with the boot file"
lab_assert_pcap "$d" "v6 who=server for=nearboot REPLY .* addr=$a6 url=tftp://" "DHCPv6 REPLY"
duid=$(lab_nb_duid "$d")
lab_assert_dnsmasq_nb lan "DHCPDISCOVER\(eth0\) $LAB_CLIENT_MAC" "nearboot's DISCOVER on the LAN"
lab_assert_dnsmasq_nb lan "DHCPACK\(eth0\) $a4 $LAB_CLIENT_MAC" "the LAN server ACKed nearboot"
lab_assert_log lan dnsmasq.log "DHCPREPLY\(eth0\) $a6 $(lab_colon "$duid")" "DHCPv6 REPLY to nearboot's DUID"
for n in router sitea siteb; do lab_assert_no_dhcp "$n"; done
lab_log "PASS"
