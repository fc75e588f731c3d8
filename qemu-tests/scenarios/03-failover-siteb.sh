#!/usr/bin/env bash
# Scenario 3 — anycast failover. With BFD Up on every session, siteA's BIRD is first frozen (SIGSTOP by its
# recorded pid: its BGP TCP sessions stay open and no Cease is sent, as when a site hangs or its link goes
# dark, so only BFD, 100 ms x 3, can notice), and once the router's anycast routes have moved to siteB
# (AS-path prepended, the farther site) it is killed (SIGKILL). The same IPv4 PXE boot as scenario 1 must
# then be served entirely by siteB, while siteA — whose DHCP/TFTP/HTTPS daemons still run — sees nothing.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 03-failover-siteb
lab_up
lab_wait_bfd_up
lab_route_via sitea || lab_die "anycast should go to sitea before the failure"
lab_signal bird-sitea STOP
lab_wait_route_via siteb 10
lab_log "failover: anycast routes moved to siteb ${LAB_ROUTE_WAIT}s after siteA's BIRD froze"
for p in sitea_v4 sitea_v6; do
	lab_birdc router show protocols "$p" | lab_grep 'BFD session down' || lab_die "router: $p did not go down by BFD"
done
lab_log "router: sitea_v4 and sitea_v6 went down by BFD"
lab_kill bird-sitea KILL
lab_boot --pxe4
lab_assert_served siteb v4
lab_assert_silent sitea
lab_log "PASS"
