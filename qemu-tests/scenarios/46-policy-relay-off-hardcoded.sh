#!/usr/bin/env bash
# Scenario 46 — DHCP relay down and an empty cache: the hard-coded anycast servers of the configuration.
# The image carries no site at all, only hard-coded servers: --dhcp-server 198.18.255.69 and --boot-server
# 198.18.255.69 (the anycast address; the boot server's URL is https://198.18.255.69/). The release is
# published at each site's web root. EDK2 PXE-boots through the relay (fresh NV: no lease or site cache); as
# soon as the firmware's TFTP read appears in siteA's log, the router's relay is switched off, so nearboot's
# own DHCP gets no answer. It must fall back on the firmware's ACK, get its lease confirmed by the
# hard-coded anycast DHCP server (unicast REQUEST, answered by the nearest site, siteA), map the legacy boot
# file to the hard-coded boot server, and boot the release from siteA.
# Asserted from siteA's dnsmasq and nginx logs, siteB's silence, the capture and the console.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
lab_init 46-policy-relay-off-hardcoded
lab_configure_image --dhcp-server "$LAB_ANYCAST4" --boot-server "$LAB_ANYCAST4" --dhcp-timeout 2000
lab_up
for s in $LAB_SITES; do
	pol_release "$LAB_OUT/rel-$s" 7 "hello from $s"
	cp -a "$LAB_OUT/rel-$s/." "$(lab_site_www "$s")/"
done
cut_relay() {
	lab_wait 200 "the firmware's TFTP read" grep -q 'RRQ from 198\.18\.1\.' "$LAB_OUT/sitea/tftpd.log"
	lab_set_relay ""
}
lab_background relay-cutter cut_relay
pol_boot boot --pxe4
grep -q "router: relay now 'off'" "$LAB_OUT/lab.log" || lab_die "the relay was not switched off during the boot"

dhcp_checks() {
	local addr re d
	lab_expect_serial "config: 0 site\(s\), 1 DHCP fallback server" "no site, one hard-coded DHCP server"
	addr=$(sed -n "s/.*dhcp: verifying the firmware's lease \(198\.18\.1\.[0-9]*\) .*/\1/p" <<<"$(pol_console)" | sed -n 1p)
	[ -n "$addr" ] || lab_die "nearboot did not start from the firmware's lease"
	re=${addr//./\\.}
	lab_expect_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the firmware PXE ACK" "fallback on the firmware's ACK"
	lab_expect_serial "dhcp4: $re via 198\.18\.1\.1 from server .* \(unicast REQUEST to hard-coded server 198\.18\.255\.69 " "bound by the hard-coded anycast DHCP server"
	d=$(lab_pcap_dump)
	lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* src=$re:68 dst=198\.18\.255\.69:67 .* ciaddr=$re " "unicast REQUEST to the anycast address"
	lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* dst=$re:68 .* giaddr=0\.0\.0\.0 " "ACK not through the relay"
	lab_assert_dnsmasq_nb sitea "DHCPACK\(up0\) $re $LAB_CLIENT_MAC" "siteA (nearest) ACKed the unicast REQUEST"
	lab_assert_no_dhcp siteb
}
boot_checks() {
	lab_expect_serial "boot: candidate https://198\.18\.255\.69/ \(hard-coded server\)" "the hard-coded boot server is the candidate"
	lab_expect_serial "race: #1 https://198\.18\.255\.69/ at 198\.18\.255\.69: connect" "it answered the race"
	lab_expect_serial "stage2-hello: load options: hello from sitea nearboot\.site=https://198\.18\.255\.69/ " "hello ran siteA's release"
	local f
	for f in manifest manifest.sig stage2.efi; do
		lab_expect_log sitea nginx-access.log "\"GET /$f HTTP/1\.1\" 200 .* at=198\.18\.255\.69 " "siteA served /$f on the anycast address"
	done
	lab_assert_no_log siteb nginx-access.log 'GET /(manifest|stage2)' "siteB served nothing"
}
lab_check "DHCP: relay off, hard-coded anycast DHCP server" dhcp_checks
lab_check "boot: hard-coded anycast boot server" boot_checks
lab_finish
