#!/usr/bin/env bash
# Scenario 17 — IPv4-only: no router advertisements, no DHCPv6 anywhere (the relay forwards DHCPv4 only).
# nearboot must boot from DHCPv4 at once; its DHCPv6 client, after waiting for an RA that never comes,
# solicits into silence; held 13 s after ready, those SOLICITs give the RFC 8415 check on the wire (first
# RT in (IRT, 1.1 IRT], then 2 RT +-10 %, one xid, Elapsed Time right).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
LAB_SITE_FAMILIES=4 LAB_RELAY=4 LAB_RA=none
lab_init 17-dhcp-ipv4-only
lab_up
lab_boot --pxe4 --fwcfg opt/org.nearboot/hold-ms=13000
lab_assert_serial "dhcp: boot information from DHCPv4 in [0-9]+ ms: nearboot\.efi" "boot information from DHCPv4"
lab_assert_serial "dhcp6: no router advertisement within [0-9]+ ms: stateful \(SOLICIT\)" "no RA: DHCPv6 falls back to SOLICIT"
lab_assert_no_serial "ip6: prefix |dhcp6: bound |net: v6 fd00:" "no global IPv6 address"
d=$(lab_pcap_dump)
lab_assert_no_pcap "$d" "v6 who=router RA" "no RA on the link"
lab_assert_no_pcap "$d" "v6 who=server" "no DHCPv6 answer"
lab_assert_served sitea v4
lab_assert_no_log sitea dnsmasq.log "DHCPSOLICIT" "no DHCPv6 reached siteA"
lab_assert_silent siteb
lab_check_retrans6 "$LAB_BOOT_DIR" 3
lab_log "PASS"
