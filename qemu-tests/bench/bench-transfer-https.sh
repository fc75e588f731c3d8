#!/usr/bin/env bash
# bench-transfer-https.sh: nearboot's HTTPS client (nb-probe get, the -O2
# build: boot/fetch + boot/http over boot/xport_tls over net/tcp on a tap)
# against curl (OpenSSL over the kernel's TCP) on the same link in the same
# run: a 16 MiB file from nginx (TLS 1.3, the lab root's ECDSA certificate
# for the server's address) through nb-link at 2 ms and 40 ms RTT. Rounds
# alternate nb-probe and curl; the medians are compared; every transfer's
# sha256 is checked. Target: nb-probe >= 0.8 x curl. Run as root
# (make bench-transfer-https).
#
# Topology: qemu-tests/lib/tcp-lab.sh — both clients on one bridge behind
# the same nb-link, the server sends MTU-sized frames. Both write the body to
# tmpfs; nb-probe hashes its file after the timed part, as curl's is hashed
# by sha256sum afterwards. nb-probe first fetches a small file over plain
# HTTP, outside the timed part: a new nb-probe process has an empty ARP
# cache (curl's kernel has the server's address cached), and in this lab the
# first ARP request after the tap opens is often lost, which costs the 1 s
# ARP retry. The HTTPS fetch then opens its own connection (a new scheme).
#
# Env: NB_PROBE (default build/host-fast/nb-probe), NB_LINK (default
# build/host/nb-link), NB_KEYS (lab PKI, default build/keys), BENCH_MIB
# (default 16), BENCH_ROUNDS (default 5), BENCH_RTTS (default "2 40"),
# BENCH_RXKIB (nb-probe's TCP receive buffer in KiB; default 0: fetch.c's own
# default, 2 MiB, what the firmware uses), BENCH_VERBOSE=1 (nb-probe's
# summary and TCP statistics for each round).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$repo/$build ;; esac
PROBE=${NB_PROBE:-$build/host-fast/nb-probe}
NB_LINK=${NB_LINK:-$build/host/nb-link}
KEYS=${NB_KEYS:-$build/keys}
MIB=${BENCH_MIB:-16}
ROUNDS=${BENCH_ROUNDS:-5}
RTTS=${BENCH_RTTS:-2 40}
RXKIB=${BENCH_RXKIB:-0}
[ "$(id -u)" = 0 ] || { echo "bench-transfer-https: must run as root" >&2; exit 2; }
for b in "$PROBE" "$NB_LINK"; do
    [ -x "$b" ] || { echo "bench-transfer-https: $b not built (make probe-fast; make -C qemu-tests/link)" >&2; exit 2; }
done
for t in nginx curl openssl; do
    command -v $t >/dev/null || { echo "bench-transfer-https: $t not installed" >&2; exit 2; }
done
bash "$repo/keys/make-dev-pki.sh" "$KEYS" >/dev/null || { echo "bench-transfer-https: lab PKI failed" >&2; exit 1; }

TL_PREFIX=nb-hbench-$$
TL_TMP=$(mktemp -d /tmp/nb-bench-https.XXXXXX)
export TL_PREFIX TL_TMP NB_LINK
# shellcheck source=../lib/tcp-lab.sh
. "$repo/qemu-tests/lib/tcp-lab.sh"
SHM=$(mktemp -d /dev/shm/nb-bench-https.XXXXXX 2>/dev/null || mktemp -d /tmp/nb-bench-https-out.XXXXXX)
cleanup() { tl_cleanup; rm -rf "$TL_TMP" "$SHM"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench-transfer-https: $*" >&2; exit 1; }

# A server certificate for the lab server's address, from the lab root.
pki=$TL_TMP/pki
mkdir -p "$pki"
printf '[v3]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:%s\n' \
    "$TL_SERVER_IP" >"$pki/ext.cnf"
printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$pki/req.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/server.key" 2>/dev/null &&
openssl req -new -key "$pki/server.key" -subj "/O=nearboot bench/CN=$TL_SERVER_IP" -config "$pki/req.cnf" \
    -out "$pki/server.csr" &&
openssl x509 -req -sha256 -in "$pki/server.csr" -CA "$KEYS/root-ca.pem" -CAkey "$KEYS/root-ca.key" -days 30 \
    -set_serial "0x$(openssl rand -hex 8)" -extfile "$pki/ext.cnf" -extensions v3 -out "$pki/server.pem" 2>/dev/null ||
    die "could not make the server certificate"
cat "$pki/server.pem" "$KEYS/root-ca.pem" >"$pki/chain.pem"
chmod -R a+rX "$pki"

tl_setup || die "namespace setup failed"
sha=$(tl_www bench.bin "$MIB")
tl_www warm.bin 0 >/dev/null
mkdir -p "$TL_TMP/tls/tmp"
cat >"$TL_TMP/tls.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $TL_TMP/tls/nginx.pid;
error_log $TL_TMP/tls/error.log info;
events { worker_connections 64; }
http {
    log_format t '"\$request" \$status \$body_bytes_sent \$ssl_protocol \$ssl_cipher ua=\$http_user_agent';
    access_log $TL_TMP/tls/access.log t;
    client_body_temp_path $TL_TMP/tls/tmp/body;
    proxy_temp_path $TL_TMP/tls/tmp/proxy;
    fastcgi_temp_path $TL_TMP/tls/tmp/fastcgi;
    uwsgi_temp_path $TL_TMP/tls/tmp/uwsgi;
    scgi_temp_path $TL_TMP/tls/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 5;
    server {
        listen $TL_SERVER_IP:443 ssl;
        listen $TL_SERVER_IP:80;
        root $TL_TMP/www;
        ssl_certificate $pki/chain.pem;
        ssl_certificate_key $pki/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
    }
}
EOF
tl_nsx "$TL_S" nginx -t -q -c "$TL_TMP/tls.conf" -p "$TL_TMP/tls" || die "bad nginx config"
tl_spawn nginx-tls "$TL_S" nginx -c "$TL_TMP/tls.conf" -p "$TL_TMP/tls"
for _ in $(seq 50); do
    tl_nsx "$TL_S" ss -Hltn 2>/dev/null | grep -q "$TL_SERVER_IP:443" && break
    sleep 0.1
done
tl_nsx "$TL_S" ss -Hltn | grep -q "$TL_SERVER_IP:443" || die "nginx did not start"
tl_start_link || die "nb-link did not start"
URL=https://$TL_SERVER_IP/bench.bin

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

NB_SUITE=- CURL_SUITE=-
# one_probe: prints Mbit/s (0 on failure or a wrong digest)
one_probe() {
    local out mbs
    out=$(timeout 600 ip netns exec "$TL_C" "$PROBE" --dev tap:nbt0 --mac $TL_PROBE_MAC \
        --ip4 $TL_PROBE_IP/24 --tls-ca "$KEYS/root-ca.pem" ${BENCH_VERBOSE:+--counters} \
        -- get "http://$TL_SERVER_IP/warm.bin" -- get "$URL" --out "$SHM/nb.bin" \
        --rxbuf "$RXKIB" --idle 60 2>&1)
    rm -f "$SHM/nb.bin"
    if ! grep -q "bytes sha256 $sha in" <<<"$out"; then
        echo "bench-transfer-https: nb-probe failed:" >&2
        grep -E 'probe:|error:' <<<"$out" | tail -3 | sed 's/^/    /' >&2
        echo 0
        return
    fi
    sed -n 's/.*: tls \(.*\)/\1/p' <<<"$out" | head -1 >"$TL_TMP/nb-suite"
    if [ -n "${BENCH_VERBOSE:-}" ]; then
        grep -E 'https:|probe: tcp|drop' <<<"$out" | grep -v '%' | sed 's/^/    /' >&2
        echo "    tap nbt0 (kernel -> nb-probe) dropped so far: $(ip -n "$TL_C" -s link show nbt0 | awk '/TX:/ { getline; print $4 }')" >&2
    fi
    mbs=$(sed -n "s|.*probe: get $URL: [0-9]* bytes sha256 [0-9a-f]* in [0-9]* ms (\([0-9.]*\) MB/s).*|\1|p" <<<"$out" | head -1)
    awk -v m="$mbs" 'BEGIN { printf "%.1f\n", m * 8 }'
}

one_curl() {
    local r bps size
    r=$(timeout 600 ip netns exec "$TL_C" curl -s --cacert "$KEYS/root-ca.pem" -o "$SHM/curl.bin" --max-time 600 \
        -w '%{speed_download} %{size_download}' "$URL")
    read -r bps size <<<"$r"
    if [ "${size:-0}" != $((MIB << 20)) ] || [ "$(sha256sum <"$SHM/curl.bin" | cut -d' ' -f1)" != "$sha" ]; then
        echo "bench-transfer-https: curl got ${size:-0} bytes (or a wrong digest)" >&2
        rm -f "$SHM/curl.bin"
        echo 0
        return
    fi
    rm -f "$SHM/curl.bin"
    awk -v b="$bps" 'BEGIN { printf "%.1f\n", b * 8 / 1e6 }'
}

echo "bench-transfer-https: ${MIB} MiB over HTTPS from nginx (TLS 1.3, ECDSA P-256), through nb-link, ${ROUNDS} rounds per client"
echo "bench-transfer-https: nb-probe $PROBE (receive buffer $([ "$RXKIB" = 0 ] && echo "fetch's default" || echo "$RXKIB KiB")); curl $(curl --version | head -1 | cut -d' ' -f2) ($(curl --version | head -1 | grep -o 'OpenSSL/[0-9.]*'), kernel TCP)"
summary=()
fail=0
for rtt in $RTTS; do
    half=$(awk -v r="$rtt" 'BEGIN { printf "%g", r / 2 }')
    tl_link_clear
    tl_link set both delay="$half" >/dev/null || die "nb-link ctl failed"
    nb=() cu=()
    for r in $(seq "$ROUNDS"); do
        a=$(one_probe)
        b=$(one_curl)
        nb+=("$a") cu+=("$b")
        printf 'bench-transfer-https: rtt %3s ms round %d: nearboot %8s Mbit/s   curl %8s Mbit/s\n' "$rtt" "$r" "$a" "$b"
    done
    mn=$(printf '%s\n' "${nb[@]}" | median)
    mc=$(printf '%s\n' "${cu[@]}" | median)
    ratio=$(awk -v a="$mn" -v b="$mc" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r != "n/a" && r >= 0.8) ? "meets" : "BELOW" }')
    [ "$verdict" = meets ] || fail=1
    secs_nb=$(awk -v m="$mn" -v s="$MIB" 'BEGIN { if (m > 0) printf "%.2f", s * 8 * 1.048576 / m; else print "-" }')
    secs_cu=$(awk -v m="$mc" -v s="$MIB" 'BEGIN { if (m > 0) printf "%.2f", s * 8 * 1.048576 / m; else print "-" }')
    summary+=("$(printf 'bench-transfer-https: rtt %3s ms: nearboot %8s Mbit/s (%s s), curl %8s Mbit/s (%s s), ratio %s (%s the 0.8 target)' \
        "$rtt" "$mn" "$secs_nb" "$mc" "$secs_cu" "$ratio" "$verdict")")
done
curl_suite=$(grep 'ua=curl' "$TL_TMP/tls/access.log" | tail -1 | grep -o 'TLSv1.[23] [A-Z0-9_-]*')
echo "bench-transfer-https: nearboot negotiated $(cat "$TL_TMP/nb-suite" 2>/dev/null || echo -); curl ${curl_suite:--} (nginx's log)"
printf '%s\n' "${summary[@]}"
[ "$fail" = 0 ]
