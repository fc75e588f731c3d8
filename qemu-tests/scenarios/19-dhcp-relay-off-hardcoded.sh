#!/usr/bin/env bash
# Scenario 19 — the relay switched off, no NV lease cache: the hard-coded DHCP server. The image carries an
# embedded configuration (nearboot-config --dhcp-server 198.18.255.69, the anycast DHCP address). EDK2
# PXE-boots through the relay (fresh VARS: no NV lease cache); as soon as the firmware fetches the image
# (the TFTP RRQ in siteA's log) the router's relay is switched off, so nearboot's own DHCP gets no answer.
# The firmware's PXE ACK names the relay (198.18.1.1, dnsmasq's dhcp-proxy) as server id: nearboot's
# unicast REQUEST to it goes unanswered, and the one to the hard-coded anycast server through the cached
# router must be ACKed by the nearest site. Asserted from siteA's dnsmasq log, the capture and the console.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
: "${NB_CONFIG_TOOL:=$LAB_REPO/build/host/nearboot-config}"
lab_init 19-dhcp-relay-off-hardcoded
[ -x "$NB_CONFIG_TOOL" ] || lab_die "no $NB_CONFIG_TOOL (make; it is built with the host tools)"
"$NB_CONFIG_TOOL" set "$LAB_IMAGE" --dhcp-server "$LAB_ANYCAST4" >>"$LAB_OUT/lab.log" 2>&1 ||
	lab_die "nearboot-config could not set the hard-coded DHCP server"
lab_log "image configured: $("$NB_CONFIG_TOOL" show "$LAB_IMAGE" 2>&1 | grep -i dhcp | tr '\n' ' ')"
lab_up
# cut the relay once the firmware's DHCP is done (its TFTP read has begun)
cut_relay() {
	lab_wait 200 "the firmware's TFTP read" grep -q 'RRQ from 198\.18\.1\.' "$LAB_OUT/sitea/tftpd.log"
	lab_set_relay ""
}
lab_background relay-cutter cut_relay
a4='198\.18\.1\.1[0-4][0-9]'
lab_boot --pxe4
grep -q "router: relay now 'off'" "$LAB_OUT/lab.log" || lab_die "the relay was not switched off during the boot"
lab_assert_serial "config: [0-9]+ site\(s\), 1 DHCP fallback server" "the embedded configuration has one hard-coded DHCP server"
lab_assert_serial "dhcp: verifying the firmware's lease $a4" "firmware lease, no NV cache"
addr=$(lab_serial | sed -n "s/.*dhcp: verifying the firmware's lease \(198\.18\.1\.[0-9]*\) .*/\1/p" | sed -n 1p)
re_addr=${addr//./\\.}
lab_assert_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the firmware PXE ACK \($re_addr via 198\.18\.1\.1\)" "fallback on the firmware's ACK"
lab_assert_serial "dhcp4: unicast REQUEST to cached server 198\.18\.1\.1 via 198\.18\.1\.1: no answer" "the cached server id (the relay) is gone"
lab_assert_serial "dhcp4: unicast REQUEST to hard-coded server 198\.18\.255\.69 via 198\.18\.1\.1" "unicast REQUEST to the hard-coded server"
lab_assert_serial "dhcp4: $re_addr via 198\.18\.1\.1 from server .* \(unicast REQUEST to hard-coded server 198\.18\.255\.69 .*\), boot file nearboot\.efi" "bound by the hard-coded server"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* src=$re_addr:68 dst=198\.18\.255\.69:67 .* ciaddr=$re_addr .* sid=- req=- " "unicast REQUEST, ciaddr set, to the anycast address"
lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* dst=$re_addr:68 .* yiaddr=$re_addr .* giaddr=0\.0\.0\.0 " "ACK not through the relay"
lab_assert_dnsmasq_nb sitea "DHCPREQUEST\(up0\) $re_addr $LAB_CLIENT_MAC" "siteA got the unicast REQUEST"
lab_assert_dnsmasq_nb sitea "DHCPACK\(up0\) $re_addr $LAB_CLIENT_MAC" "siteA ACKed it"
lab_log "PASS"
