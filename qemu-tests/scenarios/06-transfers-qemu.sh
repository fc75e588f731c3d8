#!/usr/bin/env bash
# Scenario 6 — the transfer protocols inside the image under QEMU: after the EDK2 PXE boot, nearboot fetches
# from the anycast address (siteA) a 1 MiB file over TFTP (tftpd-hpa), a 4 MiB file over plain HTTP and the
# same 4 MiB over HTTPS (TLS 1.3, the lab root from its embedded configuration), and prints each sha256.
# The lab checks every digest and siteA's logs; the console's transfer lines carry the times (for scale:
# iPXE fetches 4 MiB over HTTPS from the near site in 0.76 s in this lab, per the transfers issue).
set -euo pipefail
. "$(dirname "$0")/../lib/lab.sh"
. "$(dirname "$0")/../lib/release.sh"
lab_init 06-transfers-qemu
lab_configure_image
lab_up
www=$(lab_site_www sitea)
head -c $((4 << 20)) /dev/urandom >"$www/4m.bin"
head -c $((1 << 20)) /dev/urandom >"$LAB_OUT/1m.bin"
chmod a+r "$www/4m.bin" "$LAB_OUT/1m.bin"
tftproot=$LAB_OUT/sitea/tftp
cp "$LAB_OUT/1m.bin" "$tftproot/1m.bin"
chmod a+r "$tftproot/1m.bin"
h4=$(sha256sum "$www/4m.bin" | cut -d' ' -f1)
h1=$(sha256sum "$LAB_OUT/1m.bin" | cut -d' ' -f1)
a=$LAB_ANYCAST4
lab_boot --pxe4 --fwcfg "opt/org.nearboot/probe-url=tftp://$a/1m.bin http://$a/4m.bin https://$a/4m.bin"
serial=$(tr -d '\r' <"$LAB_OUT/serial.log")
echo "$serial" | lab_grep "probe: tftp://$a/1m.bin: 1048576 bytes sha256 $h1" || lab_die "TFTP digest missing or wrong"
echo "$serial" | lab_grep "probe: http://$a/4m.bin: 4194304 bytes sha256 $h4" || lab_die "HTTP digest missing or wrong"
echo "$serial" | lab_grep "probe: https://$a/4m.bin: 4194304 bytes sha256 $h4" || lab_die "HTTPS digest missing or wrong"
echo "$serial" | lab_grep "https: https://$a/4m.bin .*TLSv1.3" || lab_die "HTTPS did not use TLS 1.3"
lab_log_since sitea tftpd.log | lab_grep "RRQ from 198\.18\.1\.[0-9]* filename 1m.bin" || lab_die "siteA's TFTP log has no RRQ for 1m.bin"
[ "$(lab_log_since sitea nginx-access.log | grep -c '"GET /4m.bin HTTP/1.1" 200 4194304')" -ge 2 ] ||
	lab_die "siteA's nginx log does not show both complete GETs of 4m.bin"
echo "$serial" | grep -E '^\[ *[0-9.]+\] (tftp|http|https): (tftp|http|https)://' | sed 's/^/    /' >&2
lab_log "PASS"
