#!/usr/bin/env bash
# Scenario 48 — IPv4-only network: the sites serve DHCPv4 only, the router relays DHCPv4 only and sends no
# router advertisement; EDK2 PXE-boots over IPv4. The image lists the anycast site in both families (v6
# first). nearboot must boot over IPv4 from siteA without waiting for IPv6: the v6 URL is never tried, no
# IPv6 TCP packet is on the wire.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_SITE_FAMILIES=4 LAB_RELAY=4 LAB_RA=none
lab_init 48-policy-ipv4-only
lab_configure_image --site "https://[$LAB_ANYCAST6]/release/" --site "https://$LAB_ANYCAST4/release/"
lab_up
pol_releases 7
v4='https://198\.18\.255\.69/release/'

pol_boot boot --pxe4
console_checks() {
	local ms
	lab_expect_serial "dhcp4: 198\.18\.1\.1[0-4][0-9] via 198\.18\.1\.1 " "an IPv4 lease from siteA's pool"
	lab_expect_serial "race: #1 $v4 at 198\.18\.255\.69: connect" "race #1: the v4 anycast URL"
	lab_assert_no_serial "race: #[0-9]+ https://\[fd00:b007:0:ffff::69\]/release/ at " "the v6 URL was not measured"
	lab_expect_serial "race: #2 https://\[fd00:b007:0:ffff::69\]/release/: not raced: no address of a family that is up" "the v6 URL: not raced, and the console says why"
	lab_expect_serial "stage2-hello: load options: hello from sitea nearboot\.site=$v4 " "hello ran siteA's release"
	lab_expect_serial "^family 4$" "hand-off record: family 4"
	ms=$(pol_handoff_ms)
	[ "$ms" -lt 3000 ] || lab_die "hand-off only after $ms ms (waiting for IPv6?)"
	lab_log "asserted: handed over after $ms ms (no wait for IPv6)"
}
server_checks() {
	lab_expect_log sitea nginx-access.log "^198\.18\.1\.1[0-4][0-9] - .*\"GET /release/stage2\.efi HTTP/1\.1\" 200 .* at=198\.18\.255\.69 " "siteA served stage2 to the client's IPv4 address"
	pol_assert_release_from sitea
	pol_assert_no_release siteb
}
wire_checks() {
	local n
	n=$($POL_FLOW_PCAP count "$LAB_BOOT_DIR/client.pcap" --what tcp6)
	[ "$n" = 0 ] || lab_die "$n IPv6 TCP packets on the wire"
	pol_assert_flow "fam=4 .* server=198\.18\.255\.69 sport=443 .* s2c=[0-9]{4,} " "the release over IPv4"
	lab_log "asserted on the wire: no IPv6 TCP packet"
}
lab_check "console: IPv4 only, no wait for IPv6" console_checks
lab_check "servers: siteA over IPv4" server_checks
lab_check "wire: TCP over IPv4 only" wire_checks
lab_finish
