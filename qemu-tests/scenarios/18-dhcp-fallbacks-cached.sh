#!/usr/bin/env bash
# Scenario 18 — the IPv4 fallbacks with a cached lease (NV "LeaseCache", kept across boots in one OVMF VARS
# file). Sites run Kea, whose server identifier is the anycast DHCP address.
#  Boot 1: normal PXE boot through the relay; nearboot confirms the firmware's lease and stores it.
#  Boot 2: the router's relay switched off (RA stays), booted from a disk (no PXE cache): broadcast DHCP
#    and INIT-REBOOT get no answer; the unicast REQUEST (ciaddr set) to the cached server id — the anycast
#    address — through the cached router must be ACKed by the nearest site (asserted in siteA's Kea log).
#    nearboot's DUID, IAID and DHCPv4 client id must be the same as in boot 1.
#  Boot 3: DHCP entirely absent (every site's Kea stopped too): no answer of any kind; nearboot must come
#    up on the cached lease, say so, and count its validity from boot 2's renewal.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_SITE_DHCP=kea
lab_init 18-dhcp-fallbacks-cached
lab_up
vars=$LAB_OUT/OVMF_VARS.kept.fd
a4='198\.18\.1\.1[0-4][0-9]'
# the RTC time a boot's console printed ("clock: 2026-...Z"), in Unix seconds
boot_clock() { date -u -d "$(sed -n 's/.*clock: \([0-9T:-]*\)Z.*/\1/p' "$LAB_OUT/$1/serial.log" | tr -d '\r' | sed -n 1p)" +%s; }

lab_boot --tag boot1 --pxe4 --vars "$vars" --fwcfg opt/org.nearboot/hold-ms=4000
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.255\.69 \(firmware lease confirmed by INIT-REBOOT" "boot 1: lease confirmed, server id = anycast"
addr=$(lab_serial | sed -n 's/.*dhcp4: \(198\.18\.1\.[0-9]*\) via .*/\1/p' | sed -n 1p)
re_addr=${addr//./\\.}
lab_pcap_dump >/dev/null

boot2_checks() {
	local d
	lab_assert_serial "pxe cache: none" "boot 2 from disk: no PXE cache"
	lab_assert_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the lease cache \($re_addr via 198\.18\.1\.1\)" "fallback on the NV lease cache"
	lab_assert_serial "dhcp4: INIT-REBOOT with the cached lease: no answer" "INIT-REBOOT unanswered without the relay"
	lab_assert_serial "dhcp4: unicast REQUEST to cached server 198\.18\.255\.69 via 198\.18\.1\.1" "unicast REQUEST to the anycast server id"
	lab_assert_serial "dhcp4: $re_addr via 198\.18\.1\.1 from server 198\.18\.255\.69 \(unicast REQUEST to cached server .*\), boot file nearboot\.efi" "bound by unicast REQUEST, boot file known"
	d=$(lab_pcap_dump)
	lab_assert_no_pcap "$d" "v4 who=server .* giaddr=198\.18\.1\.1 " "no relayed answer"
	lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* src=$re_addr:68 dst=198\.18\.255\.69:67 .* ciaddr=$re_addr .* sid=- req=- " "unicast REQUEST, ciaddr set, to the anycast address"
	lab_assert_pcap "$d" "v4 who=server for=nearboot ACK .* src=198\.18\.255\.69:67 dst=$re_addr:68 .* yiaddr=$re_addr " "ACK from the anycast address"
	lab_assert_kea4_nb sitea "DHCPREQUEST \(type 3\) received from $re_addr to 198\.18\.255\.69 on interface lo" "siteA's Kea got the unicast REQUEST from the client's address"
	lab_assert_kea4_nb sitea "DHCP4_LEASE_ALLOC .* lease $re_addr has been allocated" "Kea renewed the lease"
	lab_assert_kea4_nb sitea "trying to send packet DHCPACK \(type 5\) from .* to $re_addr:68" "Kea ACKed to ciaddr"
	lab_assert_no_dhcp siteb
}
ids_check() {
	lab_pcap ids "$LAB_OUT/boot1/client.pcap" "$LAB_OUT/boot2/client.pcap" --mac "$LAB_CLIENT_MAC" >"$LAB_OUT/ids.txt" || true
	sed 's/^/    /' "$LAB_OUT/ids.txt" >&2
	grep -q '^verdict ok' "$LAB_OUT/ids.txt" || lab_die "DUID/IAID/client id differ between the boots ($LAB_OUT/ids.txt)"
	lab_log "asserted on the wire: DUID, IAID and DHCPv4 client id identical across boots 1 and 2"
}
lab_set_relay ""
lab_boot --tag boot2 --disk --vars "$vars"
lab_check "boot 2: unicast REQUEST to the cached anycast server id" boot2_checks
lab_check "DUID, IAID and client id stable across boots" ids_check

boot3_checks() {
	local d
	lab_assert_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the lease cache \($re_addr via 198\.18\.1\.1\)" "fallback on the NV lease cache"
	lab_assert_serial "dhcp4: INIT-REBOOT with the cached lease: no answer" "INIT-REBOOT unanswered"
	lab_assert_serial "dhcp4: unicast REQUEST to cached server 198\.18\.255\.69 via 198\.18\.1\.1: no answer" "unicast REQUEST unanswered"
	lab_assert_serial "dhcp4: no server answered; using the cached lease $re_addr via 198\.18\.1\.1 \(valid [0-9]+ s more\)" "up on the cached lease, and says so"
	d=$(lab_pcap_dump)
	lab_assert_no_pcap "$d" "v4 who=server" "no DHCPv4 answer on the wire"
	lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* dst=255\.255\.255\.255:67 .* ciaddr=0\.0\.0\.0 .* req=$re_addr " "INIT-REBOOT tried"
	lab_assert_pcap "$d" "v4 who=nearboot REQUEST .* src=$re_addr:68 dst=198\.18\.255\.69:67 .* ciaddr=$re_addr " "unicast REQUEST to the cached server id tried"
}
# the lease Kea renewed in boot 2 (valid-lifetime 600 s) must be what the cache counts from
renewal_check() {
	local left t2 t3 want
	left=$(lab_serial | sed -n 's/.*using the cached lease .* (valid \([0-9]*\) s more).*/\1/p' | sed -n 1p)
	t2=$(boot_clock boot2) t3=$(boot_clock boot3)
	# the renewal came ~8 s into boot 2 and boot 3 judges the lease ~10 s in: allow 5 s either way
	# (an unrefreshed cache would count from boot 1, tens of seconds earlier)
	want=$((600 - (t3 - t2) - 5))
	[ -n "$left" ] && [ "$left" -ge "$want" ] ||
		lab_die "the cached lease is valid ${left:-?} s more, but Kea renewed it for 600 s in boot 2 ($((t3 - t2)) s before boot 3): want >= $want; the renewal did not refresh the NV lease cache"
	lab_log "asserted: the cached lease counts from boot 2's renewal (valid $left s more, >= $want)"
}
for s in $LAB_SITES; do lab_stop_dhcp "$s"; done
lab_boot --tag boot3 --disk --vars "$vars"
lab_check "boot 3: DHCP absent, up on the cached lease" boot3_checks
lab_check "boot 3: the cache holds boot 2's renewal" renewal_check
lab_finish
