#!/usr/bin/env bash
# Scenario 41 — an anycast-only configuration follows BGP. The image's only site is the anycast address
# (https://198.18.255.69/release/, anycast), each site serving its own copy of release 7 (hello's options
# name the site). Two boots sharing one NV store:
#  boot 1: both sites up: the anycast address reaches siteA (nearest by AS path): siteA serves everything.
#  Then siteA is withdrawn as in scenario 03 (its BIRD frozen: only BFD can notice; once the router's
#  anycast routes point to siteB, killed).
#  boot 2: the same image with boot 1's caches (last good = the anycast URL): DHCP, TFTP and HTTPS must all
#  land on siteB, although siteA's daemons still run; nothing reaches siteA.
# Asserted from the sites' DHCP/TFTP/nginx logs, the console (hello's load options, hand-off record) and the
# router's routes.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
lab_init 41-policy-anycast-bgp
lab_configure_image --site "https://$LAB_ANYCAST4/release/,anycast"
lab_up
pol_releases 7
vars=$LAB_OUT/OVMF_VARS.kept.fd
any='https://198\.18\.255\.69/release/'

pol_boot boot1 --pxe4 --vars "$vars"
boot1_checks() {
	lab_assert_served sitea v4
	pol_assert_release_from sitea
	lab_expect_log sitea nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 .* at=198\.18\.255\.69 " "siteA answered on the anycast address"
	pol_assert_no_release siteb
	lab_expect_serial "stage2-hello: load options: hello from sitea nearboot\.site=$any " "boot 1 ran siteA's release"
}
lab_check "boot 1: anycast -> siteA" boot1_checks

lab_signal bird-sitea STOP
lab_wait_route_via siteb 10
lab_log "siteA withdrawn: anycast routes moved to siteB ${LAB_ROUTE_WAIT}s after its BIRD froze (BFD)"
lab_kill bird-sitea KILL
lab_route_via siteb || lab_die "the anycast routes do not point to siteB"

pol_boot boot2 --pxe4 --vars "$vars"
boot2_checks() {
	lab_assert_served siteb v4
	pol_assert_release_from siteb
	lab_expect_log siteb nginx-access.log "\"GET /release/stage2\.efi HTTP/1\.1\" 200 .* at=198\.18\.255\.69 " "siteB answered on the anycast address"
	lab_assert_silent sitea
	pol_assert_no_release sitea
	lab_expect_serial "boot: candidate $any \(" "the anycast site is the candidate"
	lab_expect_serial "race: #1 $any at 198\.18\.255\.69: connect" "race: the anycast address answered"
	lab_expect_serial "stage2-hello: load options: hello from siteb nearboot\.site=$any " "boot 2 ran siteB's release"
	lab_expect_serial "^site $any$" "hand-off record: the anycast site"
}
lab_check "boot 2: siteA withdrawn -> siteB" boot2_checks
lab_finish
