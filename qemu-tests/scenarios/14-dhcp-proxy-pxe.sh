#!/usr/bin/env bash
# Scenario 14 — proxyDHCP, PXE boot: the sites' dnsmasq hand out addresses only (no boot file, no boot URL),
# dnsmasq in proxy mode on the client's LAN hands out the boot information (one-item PXE menu; dnsmasq
# answers UEFI clients with a proxy OFFER that sends them to its port 4011). EDK2 PXE-boots that way; the
# firmware's cached packets then hold the address (siteA's ACK) and the boot file (the proxy's answer).
# nearboot must end up with the boot file, as firmware PXE does (issue 4: "proxyDHCP honoured like
# firmware PXE does"; "reuse of the platform's cached PXE packet").
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LAN_DHCP=proxy LAB_SITE_BOOT=no
lab_init 14-dhcp-proxy-pxe
lab_up
lab_boot --pxe4 --fwcfg opt/org.nearboot/hold-ms=1000
a4='198\.18\.1\.1[0-4][0-9]'
d=$(lab_pcap_dump)
# the lab: address-only server + proxy, as the firmware saw them
lab_assert_pcap "$d" "v4 who=server for=firmware OFFER .* src=198\.18\.1\.2:67 .* yiaddr=0\.0\.0\.0 .* vci=PXEClient " "the proxy's OFFER to the firmware"
lab_assert_pcap "$d" "v4 who=server for=firmware ACK .* src=198\.18\.1\.2:4011 .* file=nearboot\.efi" "the proxy's port-4011 ACK with the boot file"
lab_assert_log lan dnsmasq.log "PXE\(eth0\) $LAB_CLIENT_MAC proxy" "the proxy served the firmware"
lab_assert_serial "pxe cache: v4 dhcp-ack ACK: address $a4 server 198\.18\.1\.1 boot file ''" "the firmware's ACK: an address, no boot file"
lab_assert_serial "pxe cache: v4 (proxy-offer|pxe-reply) .*boot file 'nearboot\.efi'" "the firmware's cached proxy answer holds the boot file"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.1 \(firmware lease confirmed by INIT-REBOOT" "nearboot confirmed the address"
# the requirement
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "nearboot has the proxy's boot file"
lab_log "PASS"
