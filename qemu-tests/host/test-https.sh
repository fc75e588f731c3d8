#!/usr/bin/env bash
# test-https.sh: the HTTPS client (boot/xport_tls.c over boot/xport_tcp.c,
# through boot/fetch.c and boot/http.c) in nb-probe against nginx, with the
# lab PKI (keys/make-dev-pki.sh), in network namespaces this script creates
# (run as root).
#
#   C: nb-probe on tap nbtap, bridged (br0, no kernel address) to veth vc
#      ==veth== vs in S. nb-probe 198.18.254.10, trusts build/keys/root-ca.pem.
#   S: 198.18.254.1  (sitea's IP SAN)   nginx
#         :443   TLS 1.3 + 1.2, ECDSA sitea cert      :80 plain HTTP (a non-TLS port)
#         :8443  TLS 1.2 only, RSA sitea cert, ECDHE-RSA suites
#         :9443  an expired certificate (root-signed)   :9444 one not valid yet
#         :10443 a certificate from a CA nearboot does not trust
#         :11443 TLS 1.2 with static-RSA key exchange only (AES128-GCM-SHA256)
#      198.18.254.2  (siteb's IP SAN, served with sitea's cert) nginx :443
#      198.18.254.3  a TCP listener that never answers (handshake deadline)
#      198.18.254.53 dnsmasq: boot/sitea/wrong.nearboot.test -> .1
#
# Every download's sha256 is checked against the file served. Addresses only
# from 198.18.0.0/15; no routes out; nothing outside the test's namespaces is
# touched; processes are stopped by recorded PID. Ends with "N passed, N failed".
#
# Env: NB_PROBE=path to nb-probe (default build/host/nb-probe);
#      NB_KEYS=lab PKI directory (default build/keys; made if missing); KEEP_LOGS=1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
KEYS=${NB_KEYS:-$repo/build/keys}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require https "$PROBE" nginx dnsmasq openssl python3
bash "$repo/keys/make-dev-pki.sh" "$KEYS" >/dev/null || { echo "test-https: lab PKI failed" >&2; exit 1; }

ht_init https
tmp=$HT_TMP
NS_C=$HT_PREFIX-c NS_S=$HT_PREFIX-s

# ---------------------------------------------------------------- certificates
# The lab's sitea certs for the good servers; made here: an expired and a
# not-yet-valid one (openssl ca with explicit dates, signed by the lab root),
# and one from a CA nobody trusts.
pki=$tmp/pki
mkdir -p "$pki/newcerts"
: >"$pki/index.txt"
echo 1000 >"$pki/serial"
cat >"$pki/ca.cnf" <<EOF
[ca]
default_ca = c
[c]
database = $pki/index.txt
new_certs_dir = $pki/newcerts
serial = $pki/serial
default_md = sha256
policy = p
unique_subject = no
[p]
organizationName = optional
commonName = supplied
[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:boot.nearboot.test, IP:198.18.254.1
[req]
distinguished_name = dn
[dn]
EOF
# mkcert NAME CA-CERT CA-KEY START END: an ECDSA server cert with fixed dates
mkcert() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$1.key" 2>/dev/null &&
    openssl req -new -key "$pki/$1.key" -subj "/O=nearboot test/CN=$1.nearboot.test" -config "$pki/ca.cnf" \
        -out "$pki/$1.csr" 2>/dev/null &&
    openssl ca -batch -config "$pki/ca.cnf" -cert "$2" -keyfile "$3" -in "$pki/$1.csr" -out "$pki/$1.pem" \
        -startdate "$4" -enddate "$5" -extensions v3 -notext >/dev/null 2>&1
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/other-ca.key" \
    -subj "/O=elsewhere/CN=Some Other Root CA" -days 3650 -out "$pki/other-ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null &&
mkcert expired "$KEYS/root-ca.pem" "$KEYS/root-ca.key" 20200101000000Z 20210101000000Z &&
mkcert future "$KEYS/root-ca.pem" "$KEYS/root-ca.key" 20990101000000Z 21000101000000Z &&
mkcert stranger "$pki/other-ca.pem" "$pki/other-ca.key" 20200101000000Z 20990101000000Z ||
    { echo "test-https: could not make the test certificates" >&2; exit 1; }
CA=$KEYS/root-ca.pem

# ---------------------------------------------------------------- files
www=$tmp/www
mkdir -p "$www"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$www/big.bin"
head -c $((1024 * 1024 + 4321)) /dev/urandom >"$www/mid.bin"
head -c 100000 /dev/urandom >"$www/small.bin"
sha() { sha256sum "$1" | cut -d' ' -f1; }
SHA_BIG=$(sha "$www/big.bin") SHA_MID=$(sha "$www/mid.bin") SHA_SMALL=$(sha "$www/small.bin")
SIZE_BIG=$(stat -c %s "$www/big.bin")

# ---------------------------------------------------------------- the lab
ht_tap_lab "$NS_C" "$NS_S" 198.18.254.{1,2,3,53}/24

EC=$KEYS/tls/sitea-ec
RSA=$KEYS/tls/sitea-rsa
# tls_server LISTEN CERT KEY PROTOCOLS CIPHERS
tls_server() {
    cat <<EOF
    server {
        listen $1 ssl;
        root $www;
        ssl_certificate $2;
        ssl_certificate_key $3;
        ssl_protocols $4;
        ssl_ciphers $5;
        location = /r1 { return 302 https://boot.nearboot.test:8443/mid.bin; }
        location = /insecure { return 302 http://198.18.254.1/small.bin; }
    }
EOF
}
MODERN='ECDHE+AESGCM:ECDHE+CHACHA20'
ht_nginx "$NS_S" '$server_addr:$server_port c=$connection n=$connection_requests "$request" $status $body_bytes_sent proto=$ssl_protocol cipher=$ssl_cipher sni=$ssl_server_name range=$http_range' "$(cat <<EOF
    server { listen 198.18.254.1:80; root $www; }
$(tls_server 198.18.254.1:443 "$EC-chain.pem" "$EC.key" "TLSv1.2 TLSv1.3" "$MODERN")
$(tls_server 198.18.254.2:443 "$EC-chain.pem" "$EC.key" "TLSv1.2 TLSv1.3" "$MODERN")
$(tls_server 198.18.254.1:8443 "$RSA-chain.pem" "$RSA.key" "TLSv1.2" "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305")
$(tls_server 198.18.254.1:9443 "$pki/expired.pem" "$pki/expired.key" "TLSv1.2 TLSv1.3" "$MODERN")
$(tls_server 198.18.254.1:9444 "$pki/future.pem" "$pki/future.key" "TLSv1.2 TLSv1.3" "$MODERN")
$(tls_server 198.18.254.1:10443 "$pki/stranger.pem" "$pki/stranger.key" "TLSv1.2 TLSv1.3" "$MODERN")
$(tls_server 198.18.254.1:11443 "$RSA-chain.pem" "$RSA.key" "TLSv1.2" "AES128-GCM-SHA256:AES256-GCM-SHA384")
EOF
)"
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.18.254.53 --port=53 --user=root --group=root --pid-file="$tmp/dns.pid" \
    --local=/nearboot.test/ --host-record=boot.nearboot.test,198.18.254.1 \
    --host-record=sitea.nearboot.test,198.18.254.1 --host-record=wrong.nearboot.test,198.18.254.1 \
    >"$tmp/dns.log" 2>&1 &
ht_track $!
# a listener that accepts and never says a word
nsx "$NS_S" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.254.3", 443)); s.listen(8); held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$tmp/silent.log" 2>&1 &
ht_track $!

ht_wait_listening "$NS_S" 198.18.254.1:11443 198.18.254.2:443 198.18.254.3:443 udp/198.18.254.53:53

# ---------------------------------------------------------------- helpers
# run NAME [PROBE-OPTIONS] -- COMMAND ARGS [-- COMMAND ARGS]...: nb-probe in C.
run() {
    local name=$1; shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    nsx "$NS_C" timeout 120 "$PROBE" --dev tap:nbtap --ip4 198.18.254.10/24 --dns 198.18.254.53 \
        "${opts[@]}" -- "$@" >"$tmp/$name.log" 2>&1
    echo $? >"$tmp/$name.rc"
}
rc()  { cat "$tmp/$1.rc"; }
has() { grep -qF -- "$2" "$tmp/$1.log"; }
got_sha() { sed -n "s|^.*probe: get $2: [0-9]* bytes sha256 \([0-9a-f]*\) in.*|\1|p" "$tmp/$1.log" | tail -1; }
check() {
    local name=$1 log=$2; shift 2
    if "$@"; then ok "$name"; else bad "$name"; sed 's/^/      | /' "$tmp/$log.log" | tail -30; fi
}
nginx_lines() { wc -l <"$tmp/nginx-access.log"; }
nginx_log_since() { tail -n +"$(( $1 + 1 ))" "$tmp/nginx-access.log"; }
# refused NAME: failed, in the TLS layer, with nothing handed over
refused() { [ "$(rc "$1")" = 1 ] && has "$1" "(layer tls)" && ! grep -q "bytes sha256" "$tmp/$1.log"; }

H=https://boot.nearboot.test

# ---------------------------------------------------------------- tests
n0=$(nginx_lines)
run v13 --tls-ca "$CA" -- get $H/big.bin
check "TLS 1.3, ECDSA certificate, by name: 16 MiB, sha256 matches" v13 eval '[ "$(rc v13)" = 0 ] &&
    [ "$(got_sha v13 $H/big.bin)" = "$SHA_BIG" ] && has v13 "tls TLSv1.3 TLS1-3-"'
check "console line names https, the server, TLS version and size" v13 eval \
    'grep -qE "https: $H/big.bin from 198.18.254.1 port 443 \(HTTP/1.1 200, TLSv1.3 [A-Z0-9-]+\): $SIZE_BIG bytes in" "$tmp/v13.log"'
check "SNI sent for a name (RFC 6066)" v13 eval \
    'nginx_log_since $n0 | grep -q "198.18.254.1:443 .*GET /big.bin HTTP/1.1\" 200 $SIZE_BIG proto=TLSv1.3 .* sni=boot.nearboot.test"'

n0=$(nginx_lines)
run v12 --tls-ca "$CA" -- get $H:8443/mid.bin
check "TLS 1.2-only server with an RSA certificate: ECDHE-RSA, sha256 matches" v12 eval '[ "$(rc v12)" = 0 ] &&
    [ "$(got_sha v12 $H:8443/mid.bin)" = "$SHA_MID" ] && has v12 "tls TLSv1.2 TLS-ECDHE-RSA-WITH-" &&
    nginx_log_since $n0 | grep -q "proto=TLSv1.2 cipher=ECDHE-RSA-"'

n0=$(nginx_lines)
run ip --tls-ca "$CA" -- get https://198.18.254.1/small.bin
check "IP-literal URL: the IP SAN matches; no SNI sent" ip eval '[ "$(rc ip)" = 0 ] &&
    [ "$(got_sha ip https://198.18.254.1/small.bin)" = "$SHA_SMALL" ] &&
    nginx_log_since $n0 | grep -q "198.18.254.1:443 .*GET /small.bin .* sni=- "'

run ipwrong --tls-ca "$CA" -- get https://198.18.254.2/small.bin
check "IP-literal URL whose address is not among the certificate's IP SANs: refused" ipwrong eval 'refused ipwrong &&
    has ipwrong NB_E_TLS_CERT_NAME && has ipwrong "not 198.18.254.2" && has ipwrong "IP:198.18.254.1"'

run wrongname --tls-ca "$CA" -- get https://wrong.nearboot.test/small.bin
check "wrong hostname: refused, the certificate's subject and names are given" wrongname eval 'refused wrongname &&
    has wrongname NB_E_TLS_CERT_NAME && has wrongname "CN=sitea.nearboot.test" &&
    has wrongname "DNS:boot.nearboot.test" && has wrongname "not wrong.nearboot.test"'

run expired --tls-ca "$CA" -- get $H:9443/small.bin
check "expired certificate: refused, with its end date" expired eval 'refused expired &&
    has expired NB_E_TLS_CERT_EXPIRED && has expired "CN=expired.nearboot.test" &&
    has expired "expired 2021-01-01 00:00:00 UTC"'

run future --tls-ca "$CA" -- get $H:9444/small.bin
check "certificate not valid yet: refused" future eval 'refused future &&
    has future NB_E_TLS_CERT_NOT_YET_VALID && has future "valid only from 2099-01-01"'

run unknownca --tls-ca "$CA" -- get $H:10443/small.bin
check "certificate from an unknown CA: refused, the issuer is named" unknownca eval 'refused unknownca &&
    has unknownca NB_E_TLS_CERT_UNTRUSTED && has unknownca "issued by \"O=elsewhere, CN=Some Other Root CA\""'

run staticrsa --tls-ca "$CA" -- get $H:11443/small.bin
check "server offering only static-RSA key exchange: refused (alert 40 named)" staticrsa eval 'refused staticrsa &&
    has staticrsa NB_E_TLS_ALERT && has staticrsa "fatal alert 40 (handshake_failure)"'

n0=$(nginx_lines)
run clock --tls-ca "$CA" --clock 1000000000 -- get $H/small.bin
check "clock before the floor: refused before connecting, the clock is named" clock eval 'refused clock &&
    has clock NB_E_TLS_CLOCK_BEFORE_FLOOR && has clock "https: $H/small.bin: TLS: the clock reads 2001-09-09 01:46:40 UTC, before the trusted floor" &&
    [ "$(nginx_lines)" = "$n0" ]'

run notrust -- get $H/small.bin
check "no trust anchors: refused" notrust eval 'refused notrust && has notrust NB_E_TLS_NO_TRUST'

run otherca --tls-ca "$pki/other-ca.pem" -- get $H/small.bin
check "trusting another CA only: the lab's certificate is refused" otherca eval 'refused otherca &&
    has otherca NB_E_TLS_CERT_UNTRUSTED && has otherca "issued by \"O=nearboot dev, CN=nearboot Dev Root CA\""'

run plainport --tls-ca "$CA" -- get https://boot.nearboot.test:80/small.bin
check "https to a plain-HTTP port: a TLS handshake error" plainport eval 'refused plainport &&
    has plainport NB_E_TLS_'

t0=$(date +%s)
run silent --tls-ca "$CA" -- get https://198.18.254.3/small.bin --tls-timeout 1500
t1=$(date +%s)
check "a server that never answers the ClientHello: handshake deadline" silent eval 'refused silent &&
    has silent NB_E_TLS_HANDSHAKE_TIMEOUT && [ $((t1 - t0)) -lt 15 ]'

n0=$(nginx_lines)
run keep --tls-ca "$CA" -- get $H/small.bin -- get $H/mid.bin
check "two files over one kept-alive TLS connection" keep eval '[ "$(rc keep)" = 0 ] &&
    [ "$(got_sha keep $H/small.bin)" = "$SHA_SMALL" ] && [ "$(got_sha keep $H/mid.bin)" = "$SHA_MID" ] &&
    has keep "reused 1" && nginx_log_since $n0 | grep -q "n=2 \"GET /mid.bin"'

run redir --tls-ca "$CA" -- get $H/r1
check "https redirect to another TLS server (1.3 -> 1.2)" redir eval '[ "$(rc redir)" = 0 ] &&
    [ "$(got_sha redir $H/r1)" = "$SHA_MID" ] && has redir "1 redirect"'

run insecure --tls-ca "$CA" -- get $H/insecure
check "https redirect to http: refused" insecure eval '[ "$(rc insecure)" = 1 ] &&
    has insecure NB_E_HTTP_REDIRECT_INSECURE'

head -c 300000 "$www/mid.bin" >"$tmp/part.bin"
run resume --tls-ca "$CA" -- get $H/mid.bin --out "$tmp/part.bin" --offset 300000
check "resume over TLS (Range), whole file right" resume eval '[ "$(rc resume)" = 0 ] &&
    [ "$(sha "$tmp/part.bin")" = "$SHA_MID" ] && has resume "status 206"'

ht_summary test-https
