#!/usr/bin/env bash
# Scenario 50 — everything down for 30 s, then back: no storm, a boot once it is back. The image's site is
# the anycast address. Both sites' nginx are stopped before the boot (DHCP and BGP stay up: each attempt
# gets its lease, then the connection race is refused at once, the worst case for a storm). nearboot runs
# with fw_cfg max-attempts=20. 30 s after the console's first "attempt 1 failed", both nginx are started
# again; the boot must then complete.
# Asserted: every backoff on the console lies in [0.5, 1.5) x min(2^(k-1), 60) s and they are jittered (not
# all the nominal value); on the wire during the outage at most 10 attempts' worth of traffic (SYNs, DHCPv4,
# DHCPv6 each <= 40 packets, where a loop without backoff would send hundreds); the release came from siteA
# after the restart (nginx log), hello ran.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
. "$(dirname "$0")/../lib/policy.sh"
lab_init 50-policy-outage-backoff
lab_configure_image --site "https://$LAB_ANYCAST4/release/"
lab_up
pol_releases 7
for s in $LAB_SITES; do lab_kill "nginx-$s"; done
lab_log "outage: nginx stopped on every site"

bring_back() {
	local t1 now
	lab_wait 200 "attempt 1 to fail" grep -a -q 'boot: attempt 1 failed' "$LAB_OUT/boot/serial.log"
	t1=$(date +%s.%N)
	now=$(date +%s.%N)
	sleep "$(awk -v a="$t1" -v b="$now" 'BEGIN { print 30 - (b - a) }')"
	for s in $LAB_SITES; do lab_start_nginx "$s"; done
	echo "$t1 $(date +%s.%N)" >"$LAB_OUT/outage.txt"
	lab_log "outage over: nginx started again on every site"
}
lab_background restorer bring_back
t_boot=$(date +%s.%N)
pol_boot boot --pxe4 --fwcfg opt/org.nearboot/max-attempts=20 --timeout 200
[ -s "$LAB_OUT/outage.txt" ] || lab_die "the sites were never brought back"
read -r t_fail1 t_back <"$LAB_OUT/outage.txt"
lab_log "outage: first failure at +$(awk -v a="$t_boot" -v b="$t_fail1" 'BEGIN { printf "%.1f", b - a }') s, back at +$(awk -v a="$t_boot" -v b="$t_back" 'BEGIN { printf "%.1f", b - a }') s"

backoff_checks() {
	local k w base lo hi n=0 off=0
	while read -r k w; do
		base=$(( k - 1 < 6 ? 1 << (k - 1) : 64 ))
		[ "$base" -le 60 ] || base=60
		lo=$(awk -v b="$base" 'BEGIN { print b * 0.5 }') hi=$(awk -v b="$base" 'BEGIN { print b * 1.5 }')
		pol_ge "$w" "$lo" && pol_lt "$w" "$hi" || lab_die "attempt $k: backoff $w s outside [$lo, $hi)"
		awk -v w="$w" -v b="$base" 'BEGIN { d = w - b; if (d < 0) d = -d; exit !(d > b * 0.02) }' && off=$((off + 1))
		n=$((n + 1))
		lab_log "  attempt $k failed; backoff $w s (nominal $base s, band [$lo, $hi))"
	done < <(sed -n 's/.*boot: attempt \([0-9]*\) failed; starting over from DHCP in \([0-9.]*\) s (backoff).*/\1 \2/p' <<<"$(pol_console)")
	[ "$n" -ge 3 ] || lab_die "only $n failed attempt(s) during a 30 s outage"
	[ "$off" -ge 1 ] || lab_die "no backoff differs from its nominal value: not jittered"
	lab_log "asserted: $n backoffs, all within their band, $off of them visibly jittered"
}
storm_checks() {
	local what n
	for what in syn dhcp4 dhcp6; do
		n=$($POL_FLOW_PCAP count "$LAB_BOOT_DIR/client.pcap" --what "$what" --from "$t_boot" --to "$t_back")
		lab_log "  during the outage the client sent $n $what packet(s)"
		[ "$n" -le 40 ] || lab_die "$n $what packets during the 30 s outage: a storm"
	done
	n=$($POL_FLOW_PCAP count "$LAB_BOOT_DIR/client.pcap" --what syn --from "$t_boot" --to "$t_back")
	[ "$n" -ge 3 ] || lab_die "only $n SYN(s) during the outage: nearboot did not keep trying"
	lab_log "asserted on the wire: no storm (SYN, DHCPv4, DHCPv6 each <= 40 in the outage)"
}
recovery_checks() {
	pol_assert_release_from sitea
	pol_assert_no_release siteb
	lab_expect_serial "stage2-hello: load options: hello from sitea " "hello ran once the sites were back"
	local first
	first=$(awk '$0 ~ /synack_ms=[0-9]/ && $0 ~ /sport=443/ { sub("ts=", "", $1); print $1; exit }' "$LAB_BOOT_DIR/flows.txt")
	[ -n "$first" ] && pol_ge "$first" "$t_back" || lab_die "a TLS connection succeeded before the sites were back ($first < $t_back)"
	lab_log "asserted on the wire: the first accepted connection came $(awk -v a="$t_back" -v b="$first" 'BEGIN { printf "%.1f", b - a }') s after the restart"
}
lab_check "backoff: jittered exponential" backoff_checks
lab_check "wire: no storm during the outage" storm_checks
lab_check "recovery: booted once the sites were back" recovery_checks
lab_finish
