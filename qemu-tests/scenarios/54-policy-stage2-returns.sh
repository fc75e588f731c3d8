#!/usr/bin/env bash
# Scenario 54 — the second stage fails and returns: nearboot must take the NIC back and boot the next site.
# siteB is 40 ms away (nb-link), so siteA ranks first. Both sites carry release 7; siteA's manifest gives
# hello the load option "stage2-hello:return", so hello started from siteA's release returns EFI_LOAD_ERROR
# (as a Linux EFI stub does when it cannot boot) instead of powering off. nearboot had handed the NIC back
# to the firmware for the stage; it must say that the stage returned, retake the NIC exclusively, fetch
# siteB's release over it and boot that (hello's marker, with siteB's options and hand-off record).
# Asserted from the console, both nginx logs and the capture (siteB's bytes after the return).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
LAB_LINK_siteb='delay=20'
lab_init 54-policy-stage2-returns
# shellcheck disable=SC2046
lab_configure_image $(pol_sites4 sitea siteb)
lab_up
a=$(pol_site_url sitea 4) b=$(pol_site_url siteb 4)
pol_releases 7
pol_release "$(lab_site_www sitea)/release" 7 "hello from sitea stage2-hello:return" "$LAB_OUT/stage2.ref.efi"
pol_boot boot --pxe4

console_checks() {
	lab_expect_serial "race: #1 ${a//./\\.} at 198\.18\.254\.1" "siteA ranked first"
	lab_expect_serial "stage2-hello: load options: hello from sitea stage2-hello:return nearboot\.site=${a//./\\.}" "siteA's hello started"
	lab_expect_serial "stage2-hello: returning EFI_LOAD_ERROR" "siteA's hello returned"
	lab_expect_serial "chainload: the second stage returned EFI status 0x8000000000000001$" "nearboot saw the return and took the NIC back"
	lab_expect_serial "error: boot: stage2\.efi from ${a//./\\.}: .*\(NB_E_STAGE2_RETURNED\)" "the failure named, with the site"
	lab_expect_serial "stage2-hello: load options: hello from siteb nearboot\.site=${b//./\\.} nearboot\.serial=7" "siteB's release booted after it"
	lab_expect_serial "^site ${b//./\\.}$" "hand-off record: siteB delivered it"
}
server_checks() {
	pol_assert_release_from sitea
	pol_assert_release_from siteb
	pol_assert_flow "server=198\.18\.254\.2 sport=443 .* s2c=[0-9]{4,} " "siteB's bytes on the wire, over the retaken NIC"
}
lab_check "console: the stage returned, the next site booted" console_checks
lab_check "servers: both sites served their release" server_checks
lab_finish
