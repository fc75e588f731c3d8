#!/usr/bin/env bash
# Scenario 10 — DHCP interop: dnsmasq behind the router's relay (anycast DHCP address), PXE boot.
# EDK2 PXE-boots nearboot over IPv4 through the relay; nearboot confirms the firmware's lease with an
# INIT-REBOOT REQUEST (broadcast, requested address, no server id), while its DHCPv6 client solicits
# (RA with M) through the relay too. Asserted from siteA's dnsmasq log (nearboot's own transactions, by
# its user class and DUID), from the capture of the client's link, and from the console; siteB silent.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 10-dhcp-dnsmasq-relay
lab_up
lab_boot --pxe4 --fwcfg opt/org.nearboot/hold-ms=4000
a4='198\.18\.1\.1[0-4][0-9]'
a6='fd00:b007:0:1::1:1[0-9a-f]{2}'
lab_assert_serial "dhcp: verifying the firmware's lease $a4 \(INIT-REBOOT\)" "nearboot reuses the firmware's PXE ACK"
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.1\.1 \(firmware lease confirmed by INIT-REBOOT" "lease confirmed through the relay"
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "boot information from DHCPv4"
lab_assert_serial "dhcp6: bound $a6 .*\(rapid commit\)" "DHCPv6 lease from siteA's pool"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* dst=255\.255\.255\.255:67 .* ciaddr=0\.0\.0\.0 .* sid=- req=$a4 " "INIT-REBOOT: broadcast, requested address, no server id"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* yiaddr=$a4 .* giaddr=198\.18\.1\.1 .* file=nearboot\.efi" "ACK through the relay with the boot file"
lab_assert_no_pcap "$d" "v4 who=nearboot DISCOVER" "no DISCOVER: the firmware's lease was confirmed"
lab_assert_pcap "$d" "v6 who=nearboot SOLICIT .* rapid=1" "SOLICIT with Rapid Commit"
lab_assert_pcap "$d" "v6 who=server for=nearboot REPLY .* addr=$a6 url=tftp://\[fd00:b007:0:ffff::69\]/nearboot\.efi" "REPLY with address and boot URL"
duid=$(lab_nb_duid "$d")
lab_assert_dnsmasq_nb sitea "DHCPREQUEST\(up0\) $a4 $LAB_CLIENT_MAC" "nearboot's REQUEST reached siteA through the relay"
lab_assert_dnsmasq_nb sitea "DHCPACK\(up0\) $a4 $LAB_CLIENT_MAC" "siteA ACKed nearboot"
lab_assert_log sitea dnsmasq.log "DHCPREPLY\(up0\) $a6 $(lab_colon "$duid")" "siteA's DHCPv6 REPLY to nearboot's DUID"
lab_assert_silent siteb
lab_log "PASS"
