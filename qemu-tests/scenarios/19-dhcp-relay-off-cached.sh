#!/usr/bin/env bash
# Scenario 19 — the relay switched off, a cached lease present. Sites run Kea (server identifier = the
# anycast address). Boot 1: normal PXE boot through the relay; nearboot stores its lease in the NV lease
# cache (the OVMF VARS file is kept for boot 2). Then the router's relay is switched off (RA stays).
# Boot 2: from a disk (no PXE cache): broadcast DHCP gets no answer, INIT-REBOOT gets none either, and the
# unicast REQUEST (ciaddr set) to the cached server id — the anycast DHCP address — through the cached
# router must be ACKed by the nearest site. Also: nearboot's DUID, IAID and DHCPv4 client id are the
# same in both boots.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_SITE_DHCP=kea
lab_init 19-dhcp-relay-off-cached
lab_up
vars=$LAB_OUT/OVMF_VARS.kept.fd
a4='198\.18\.1\.1[0-4][0-9]'
lab_boot --tag boot1 --pxe4 --vars "$vars" --fwcfg opt/org.nearboot/hold-ms=2500
lab_assert_serial "dhcp4: $a4 via 198\.18\.1\.1 from server 198\.18\.255\.69 \(firmware lease confirmed by INIT-REBOOT" "boot 1: lease confirmed, server id = anycast"
addr=$(lab_serial | sed -n 's/.*dhcp4: \(198\.18\.1\.[0-9]*\) via .*/\1/p' | head -n1)
d1=$(lab_pcap_dump)
lab_set_relay ""
lab_boot --tag boot2 --disk --vars "$vars"
re_addr=${addr//./\\.}
lab_assert_serial "pxe cache: none" "boot 2 from disk: no PXE cache"
lab_assert_serial "dhcp4: no answer to broadcast DHCP within [0-9]+ ms; falling back on the lease cache \($re_addr via 198\.18\.1\.1\)" "fallback on the NV lease cache"
lab_assert_serial "dhcp4: INIT-REBOOT with the cached lease: no answer" "INIT-REBOOT unanswered without the relay"
lab_assert_serial "dhcp4: unicast REQUEST to cached server 198\.18\.255\.69 via 198\.18\.1\.1" "unicast REQUEST to the anycast server id"
lab_assert_serial "dhcp4: $re_addr via 198\.18\.1\.1 from server 198\.18\.255\.69 \(unicast REQUEST to cached server .*\), boot file nearboot\.efi" "bound by unicast REQUEST, boot file known"
d2=$(lab_pcap_dump)
lab_assert_no_pcap "$d2" "v4 who=server .* giaddr=198\.18\.1\.1 " "no relayed answer in boot 2"
lab_assert_pcap "$d2" "v4 who=nearboot REQUEST .* src=$re_addr:68 dst=198\.18\.255\.69:67 .* ciaddr=$re_addr .* sid=- req=- " "unicast REQUEST, ciaddr set, to the anycast address"
lab_assert_pcap "$d2" "v4 who=server for=nearboot ACK .* src=198\.18\.255\.69:67 dst=$re_addr:68 .* yiaddr=$re_addr " "ACK from the anycast address"
lab_assert_kea4_nb sitea "DHCPREQUEST \(type 3\) received from $re_addr to 198\.18\.255\.69 on interface lo" "siteA's Kea got the unicast REQUEST from the client's address"
lab_assert_kea4_nb sitea "DHCP4_LEASE_ALLOC .* lease $re_addr has been allocated" "Kea extended the lease"
lab_assert_kea4_nb sitea "trying to send packet DHCPACK \(type 5\) from .* to $re_addr:68" "Kea ACKed to ciaddr"
lab_assert_no_dhcp siteb
lab_pcap ids "$LAB_OUT/boot1/client.pcap" "$LAB_OUT/boot2/client.pcap" --mac "$LAB_CLIENT_MAC" >"$LAB_OUT/ids.txt" || true
sed 's/^/    /' "$LAB_OUT/ids.txt" >&2
grep -q '^verdict ok' "$LAB_OUT/ids.txt" || lab_die "DUID/IAID/client id differ between the boots ($LAB_OUT/ids.txt)"
lab_log "asserted on the wire: DUID, IAID and DHCPv4 client id identical across the two boots"
lab_log "PASS"
