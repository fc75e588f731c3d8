#!/usr/bin/env bash
# Scenario 15 — proxyDHCP, nearboot's own DHCP: as scenario 14 (address-only sites, dnsmasq proxyDHCP on the
# LAN), but booted from a disk, so nearboot's DISCOVER gets two OFFERs: siteA's (address, no boot file)
# and the proxy's (PXEClient, no address, no boot file: "ask me on port 4011", as dnsmasq answers UEFI
# clients). nearboot must take the address and get the boot file from the proxy's port 4011 as EDK2 does.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LAN_DHCP=proxy LAB_SITE_BOOT=no
lab_init 15-dhcp-proxy-own
lab_up
lab_boot --disk --fwcfg opt/org.nearboot/hold-ms=1000
a4='198\.18\.1\.1[0-4][0-9]'
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* src=198\.18\.1\.2:67 .* yiaddr=0\.0\.0\.0 .* vci=PXEClient " "the proxy's OFFER to nearboot"
lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* yiaddr=$a4 .* giaddr=198\.18\.1\.1 .* file=- " "siteA's address-only OFFER"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.1 \(DHCPv4" "nearboot took siteA's address"
# the requirement
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* dst=198\.18\.1\.2:4011 " "nearboot asks the proxy on port 4011"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* src=198\.18\.1\.2:4011 .* file=nearboot\.efi" "the proxy's boot file"
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "nearboot has the proxy's boot file"
lab_log "PASS"
