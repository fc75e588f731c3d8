#!/usr/bin/env bash
# Scenario 47 — IPv6-only network: the sites serve DHCPv6 only, the router relays DHCPv6 only; EDK2
# PXE-boots over IPv6. The image lists the anycast site in both families (v4 first, as an operator's list
# for mixed networks would). nearboot must boot over IPv6 from the nearest site (siteA) without waiting for
# IPv4: the v4 URL is never tried, no IPv4 TCP packet is on the wire.
# Asserted from the console, siteA's nginx log (the client's IPv6 address, on the v6 anycast address),
# siteB's silence and the capture.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SITE_FAMILIES=6 LAB_RELAY=6
lab_init 47-policy-ipv6-only
lab_configure_image --site "https://$LAB_ANYCAST4/release/" --site "https://[$LAB_ANYCAST6]/release/"
lab_up
pol_releases 7
v6='https://\[fd00:b007:0:ffff::69\]/release/'

pol_boot boot --pxe6
console_checks() {
	lab_expect_serial "dhcp: boot information from DHCPv6 in [0-9]+ ms" "boot information from DHCPv6"
	lab_assert_no_serial "dhcp4: [0-9.]+ via" "no IPv4 lease"
	lab_expect_serial "race: #1 $v6 at fd00:b007:0:ffff::69: connect" "race #1: the v6 anycast URL"
	lab_assert_no_serial "race: #[0-9]+ https://198\.18\.255\.69/release/ at " "the v4 URL was not measured"
	lab_expect_serial "stage2-hello: load options: hello from sitea nearboot\.site=$v6 " "hello ran siteA's release"
	lab_expect_serial "^family 6$" "hand-off record: family 6"
	local ms
	ms=$(pol_handoff_ms)
	[ "$ms" -lt 10000 ] || lab_die "hand-off only after $ms ms"
	lab_log "asserted: handed over after $ms ms"
}
server_checks() {
	lab_expect_log sitea nginx-access.log "^fd00:b007:0:1:[0-9a-f:]+ - .*\"GET /release/stage2\.efi HTTP/1\.1\" 200 .* at=fd00:b007:0:ffff::69 " "siteA served stage2 to the client's IPv6 address"
	pol_assert_release_from sitea
	pol_assert_no_release siteb
	lab_assert_no_log sitea nginx-access.log "^198\.18\." "no IPv4 client at siteA"
}
wire_checks() {
	local n
	n=$($POL_FLOW_PCAP count "$LAB_BOOT_DIR/client.pcap" --what tcp4)
	[ "$n" = 0 ] || lab_die "$n IPv4 TCP packets on the wire"
	pol_assert_flow "fam=6 .* server=fd00:b007:0:ffff::69 sport=443 .* s2c=[0-9]{4,} " "the release over IPv6"
	lab_log "asserted on the wire: no IPv4 TCP packet"
}
lab_check "console: IPv6 only, no wait for IPv4" console_checks
lab_check "servers: siteA over IPv6" server_checks
lab_check "wire: TCP over IPv6 only" wire_checks
lab_finish
