#!/usr/bin/env bash
# Scenario 15 — stateless DHCPv6 with SLAAC: the router's RA has O and A but not M; the sites serve DHCPv6
# only (no DHCPv4 anywhere), relayed. nearboot (booted from a disk) must take a SLAAC address, ask for
# the rest with INFORMATION-REQUEST (no SOLICIT), and take the boot URL from the REPLY.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_RA=stateless LAB_SITE_FAMILIES=6
lab_init 15-dhcp6-stateless-slaac
lab_up
lab_boot --disk --fwcfg opt/org.nearboot/hold-ms=1000
slaac='fd00:b007:0:1:5054:ff:feb0:701'
lab_assert_serial "dhcp6: router advertisement has O set: stateless \(INFORMATION-REQUEST\)" "followed the RA's O flag"
lab_assert_serial "ip6: prefix fd00:b007:0:1::/64 -> address $slaac \(SLAAC" "SLAAC address"
lab_assert_serial "dhcp6: informed by .* in [0-9]+ ms" "stateless REPLY"
lab_assert_serial "dhcp: boot information from DHCPv6 in [0-9]+ ms: tftp://\[fd00:b007:0:ffff::69\]/nearboot\.efi" "boot URL from stateless DHCPv6"
lab_assert_serial "net: v6 $slaac \(SLAAC\)" "IPv6 up on the SLAAC address"
d=$(lab_pcap_dump)
lab_assert_pcap "$d" "v6 who=router RA .* M=0 O=1 .* prefix=fd00:b007:0:1::/64,L=1,A=1" "RA: O and A, no M"
lab_assert_pcap "$d" "v6 who=nearboot INFORMATION-REQUEST .* iaid=- " "INFORMATION-REQUEST without IA_NA"
lab_assert_pcap "$d" "v6 who=server for=nearboot REPLY .* addr=- url=tftp://\[fd00:b007:0:ffff::69\]/nearboot\.efi" "REPLY with the boot URL, no address"
lab_assert_pcap "$d" "v6 who=client NS-DAD target=$slaac" "DAD for the SLAAC address"
lab_assert_no_pcap "$d" "v6 who=nearboot (SOLICIT|REQUEST) " "no stateful exchange"
duid=$(lab_nb_duid "$d")
lab_assert_log sitea dnsmasq.log "DHCPINFORMATION-REQUEST\(up0\) $(lab_colon "$duid")" "siteA got nearboot's INFORMATION-REQUEST"
lab_assert_log sitea dnsmasq.log "sent size: +[0-9]+ option: 59 bootfile-url +tftp://\[fd00:b007:0:ffff::69\]/nearboot\.efi" "siteA answered with the boot URL"
lab_assert_no_log sitea dnsmasq.log "DHCPSOLICIT\(up0\) $(lab_colon "$duid")" "no SOLICIT from nearboot"
lab_assert_no_dhcp siteb
lab_log "PASS"
