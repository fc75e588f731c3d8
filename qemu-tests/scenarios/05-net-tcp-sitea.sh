#!/usr/bin/env bash
# Scenario 5 — nearboot's own network stack under QEMU: after the EDK2 PXE boot it takes the NIC, confirms
# the firmware's IPv4 lease, gets an IPv6 address by SLAAC, downloads a file over plain HTTP/TCP from the
# anycast address (siteA, the nearest) and prints its sha256, then keeps answering pings for a while. The
# lab pings it (v4 and v6) from the router while it holds, and checks the digest and siteA's nginx log.
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
lab_init 05-net-tcp-sitea
lab_up
blob=$LAB_OUT/sitea/www/blob.bin
head -c $((8 << 20)) /dev/urandom >"$blob"
chmod a+r "$blob"
want=$(sha256sum "$blob" | cut -d' ' -f1)
v6=fd00:b007:0:1:5054:ff:feb0:701   # SLAAC (EUI-64) address of $LAB_CLIENT_MAC
# The pinger waits for the image to say it holds, then pings both families from the router.
lab_spawn pinger router "$LAB_OUT/ping.log" bash -c '
	serial=$1 v6=$2
	for i in $(seq 1 600); do grep -q "net: holding" "$serial" 2>/dev/null && break; sleep 0.2; done
	v4=$(tr -d "\r" <"$serial" | sed -n "s/.*dhcp4: \(198\.18\.1\.[0-9]*\) via.*/\1/p" | head -n1)
	echo "v4=$v4 v6=$v6"
	ping -c 3 -i 0.3 -W 2 "$v4" && echo PING4-OK
	ping -6 -c 3 -i 0.3 -W 2 "$v6" && echo PING6-OK
' pinger "$LAB_OUT/serial.log" "$v6"
lab_boot --pxe4 --fwcfg opt/org.nearboot/hold-ms=8000 \
	--fwcfg "opt/org.nearboot/probe-url=http://$LAB_ANYCAST4/blob.bin"
serial=$(tr -d '\r' <"$LAB_OUT/serial.log")
echo "$serial" | lab_grep "probe: http://$LAB_ANYCAST4/blob.bin: 8388608 bytes sha256 $want" ||
	lab_die "the image did not print the right sha256 for blob.bin (want $want)"
lab_log "asserted: the image downloaded blob.bin over its own TCP and printed sha256 $want"
echo "$serial" | lab_grep "ip6: prefix fd00:b007:0:1::/64 -> address $v6 (SLAAC, DAD ok)" ||
	lab_die "no SLAAC address $v6 on the console"
lab_log_since sitea nginx-access.log | lab_grep '"GET /blob.bin HTTP/1.1" 200 8388608' ||
	lab_die "siteA's nginx log shows no complete GET of blob.bin"
lab_log_since siteb nginx-access.log | lab_grep 'blob.bin' && lab_die "siteB served blob.bin (anycast should pick siteA)"
lab_wait 10 "the pinger to finish" grep -q "PING6-OK\|packet loss" "$LAB_OUT/ping.log"
sleep 1
grep -q PING4-OK "$LAB_OUT/ping.log" || lab_die "the image did not answer IPv4 ping while holding ($(cat "$LAB_OUT/ping.log"))"
grep -q PING6-OK "$LAB_OUT/ping.log" || lab_die "the image did not answer IPv6 ping while holding ($(cat "$LAB_OUT/ping.log"))"
lab_log "asserted: the image answered ping over IPv4 and IPv6 from the router"
lab_log "PASS"
