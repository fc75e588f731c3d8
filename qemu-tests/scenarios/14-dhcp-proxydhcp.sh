#!/usr/bin/env bash
# Scenario 14 — proxyDHCP: the sites' dnsmasq hand out addresses only (no boot file, no boot URL), dnsmasq in
# proxy mode on the client's LAN hands out the boot information (one-item PXE menu; dnsmasq answers UEFI
# clients with a proxy OFFER that sends them to its port 4011). Issue 4: "proxyDHCP (port 4011 / second
# OFFER with PXEClient) honoured like firmware PXE does" and "reuse of the platform's cached PXE packet".
#  Boot 1 (PXE): EDK2 boots that way, so the firmware's cached packets hold the address (siteA's ACK) and
#    the boot file (the proxy's answer); nearboot must end up with the boot file.
#  Boot 2 (disk, no PXE cache): nearboot's DISCOVER gets siteA's OFFER (address, no boot file) and the
#    proxy's (PXEClient, no address, no boot file); nearboot must take the address and ask the proxy on
#    port 4011 for the boot file, as EDK2 does.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_LAN_DHCP=proxy LAB_SITE_BOOT=no
lab_init 14-dhcp-proxydhcp
lab_up
a4='198\.18\.1\.1[0-4][0-9]'
boot1_checks() {
	local d
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
}
boot2_checks() {
	local d
	d=$(lab_pcap_dump)
	lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* src=198\.18\.1\.2:67 .* yiaddr=0\.0\.0\.0 .* vci=PXEClient " "the proxy's OFFER to nearboot"
	lab_assert_pcap "$d" "v4 who=server for=nearboot OFFER .* yiaddr=$a4 .* giaddr=198\.18\.1\.1 .* file=- " "siteA's address-only OFFER"
	lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.1 \(DHCPv4" "nearboot took siteA's address"
	# the requirement
	lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* dst=198\.18\.1\.2:4011 " "nearboot asks the proxy on port 4011"
	lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* src=198\.18\.1\.2:4011 .* file=nearboot\.efi" "the proxy's boot file"
	lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "nearboot has the proxy's boot file"
}
lab_boot --tag boot1 --pxe4 --fwcfg opt/org.nearboot/hold-ms=1000
lab_check "boot 1: boot file from the firmware's cached proxyDHCP answer" boot1_checks
lab_boot --tag boot2 --disk --fwcfg opt/org.nearboot/hold-ms=1000
lab_check "boot 2: boot file from the proxy's port 4011" boot2_checks
lab_finish
