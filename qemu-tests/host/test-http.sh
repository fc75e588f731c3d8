#!/usr/bin/env bash
# test-http.sh: the HTTP/1.1 client (boot/http.c, boot/fetch.c, boot/url.c)
# in nb-probe against nginx, an odd python server and dnsmasq, in network
# namespaces this script creates (run as root).
#
#   C: nb-probe on tap nbtap, bridged (br0, no kernel address) to veth vc
#      ==veth== vs in S. A tap, not AF_PACKET on the veth: frames the kernel
#      hands to a tap carry finished checksums (no offload), as on a wire.
#   S: 198.18.0.80  nginx :80     the files; redirects; keep-alive; Range
#      198.18.0.82  nginx :80 :8080  redirect targets ("mirror.nb.test")
#      198.18.0.81  http-oddserver.py :8000  chunked, no-Range, short, cut, close
#      198.18.0.53  dnsmasq: boot.nb.test -> .80, mirror.nb.test -> .82
#
# Every download's sha256 is checked against the file served. Addresses only
# from 198.18.0.0/15; no routes out; nothing outside the test's namespaces is
# touched; processes are stopped by recorded PID. Ends with "N passed, N failed".
#
# Env: NB_PROBE=path to nb-probe (default build/host/nb-probe); KEEP_LOGS=1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PROBE=${NB_PROBE:-$repo/build/host/nb-probe}
# shellcheck source=lib.sh
. "$here/lib.sh"
ht_require http "$PROBE" nginx dnsmasq
PY=$(python3 -c 'import sys; print(sys.executable)') || { echo "test-http: python3 needed" >&2; exit 2; }

ht_init http
tmp=$HT_TMP
NS_C=$HT_PREFIX-c NS_S=$HT_PREFIX-s

# ---------------------------------------------------------------- files
www=$tmp/www
mkdir -p "$www"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$www/big.bin"
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom >"$www/mid.bin"
head -c 100000 /dev/urandom >"$www/small.bin"
: >"$www/empty.bin"
sha() { sha256sum "$1" | cut -d' ' -f1; }
SHA_BIG=$(sha "$www/big.bin") SHA_MID=$(sha "$www/mid.bin") SHA_SMALL=$(sha "$www/small.bin")
SHA_EMPTY=$(sha "$www/empty.bin")
SIZE_BIG=$(stat -c %s "$www/big.bin") SIZE_MID=$(stat -c %s "$www/mid.bin")

# ---------------------------------------------------------------- the lab
ht_tap_lab "$NS_C" "$NS_S" 198.18.0.{53,80,81,82}/24

ht_nginx "$NS_S" '$server_addr:$server_port c=$connection n=$connection_requests "$request" $status $body_bytes_sent range=$http_range if-range=$http_if_range ua=$http_user_agent host=$host' "$(cat <<EOF
    server {
        listen 198.18.0.80:80;
        server_name boot.nb.test;
        root $www;
        location = /r1 { return 302 /r2; }
        location = /r2 { return 301 http://198.18.0.82/r3; }
        location = /loop { return 302 /loop; }
        location = /rel/a { return 303 ../small.bin; }
    }
    server {
        listen 198.18.0.82:80;
        root $www;
        location = /r3 { return 307 http://mirror.nb.test:8080/r4; }
    }
    server {
        listen 198.18.0.82:8080;
        root $www;
        location = /r4 { return 308 http://boot.nb.test/mid.bin; }
    }
EOF
)"
ip netns exec "$NS_S" "$PY" "$here/http-oddserver.py" 198.18.0.81 8000 "$www" >"$tmp/odd.log" 2>&1 &
ht_track $!
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.18.0.53 --port=53 --user=root --group=root --pid-file="$tmp/dns.pid" \
    --local=/nb.test/ --host-record=boot.nb.test,198.18.0.80 --host-record=mirror.nb.test,198.18.0.82 \
    >"$tmp/dns.log" 2>&1 &
ht_track $!

ht_wait_listening "$NS_S" 198.18.0.80:80 198.18.0.82:8080 198.18.0.81:8000 udp/198.18.0.53:53

# ---------------------------------------------------------------- helpers
# run NAME -- COMMAND ARGS [-- COMMAND ARGS]...: nb-probe in C.
run() {
    local name=$1; shift; shift
    nsx "$NS_C" timeout 120 "$PROBE" --dev tap:nbtap --ip4 198.18.0.2/24 --dns 198.18.0.53 \
        -- "$@" >"$tmp/$name.log" 2>&1
    echo $? >"$tmp/$name.rc"
}
rc()  { cat "$tmp/$1.rc"; }
has() { grep -qF -- "$2" "$tmp/$1.log"; }
# the sha256 and byte count from the probe's result line for URL
got_sha()   { sed -n "s|^.*probe: get $2: [0-9]* bytes sha256 \([0-9a-f]*\) in.*|\1|p" "$tmp/$1.log" | tail -1; }
got_bytes() { sed -n "s|^.*probe: get $2: \([0-9]*\) bytes sha256.*|\1|p" "$tmp/$1.log" | tail -1; }
check() {
    local name=$1 log=$2; shift 2
    if "$@"; then ok "$name"; else bad "$name"; sed 's/^/      | /' "$tmp/$log.log" | tail -40; fi
}
nginx_log_since() { tail -n +"$(( $1 + 1 ))" "$tmp/nginx-access.log"; }
nginx_lines() { wc -l <"$tmp/nginx-access.log"; }

U=http://198.18.0.80
O=http://198.18.0.81:8000

# ---------------------------------------------------------------- tests
n0=$(nginx_lines)
run big -- get $U/big.bin
check "plain GET of 64 MiB: sha256 matches" big eval '[ "$(rc big)" = 0 ] &&
    [ "$(got_sha big $U/big.bin)" = "$SHA_BIG" ] && [ "$(got_bytes big $U/big.bin)" = "$SIZE_BIG" ]'
check "one console line with URL, server, protocol, size, time, rate" big eval \
    'grep -qE "http: $U/big.bin from 198.18.0.80 port 80 \(HTTP/1.1 200\): $SIZE_BIG bytes in [0-9]+\.[0-9]{3} s, [0-9]+\.[0-9] MB/s" "$tmp/big.log"'
check "request: Host, User-Agent nearboot/, no Range" big eval \
    'nginx_log_since $n0 | grep -q "\"GET /big.bin HTTP/1.1\" 200 $SIZE_BIG range=- if-range=- ua=nearboot/[0-9.]* host=198.18.0.80"'
secs=$(sed -n 's/.*: [0-9]* bytes in \([0-9]*\)\.[0-9]* s,.*/\1/p' "$tmp/big.log" | tail -1)
if [ "${secs:-0}" -ge 1 ]; then
    check "progress lines on a long transfer" big eval 'grep -qE "http: \[[#.]{10}\] [0-9]+% [0-9.]+/64.0 MiB [0-9.]+ MB/s" "$tmp/big.log"'
fi

n0=$(nginx_lines)
run keep -- get http://boot.nb.test/small.bin -- get http://boot.nb.test/mid.bin --out "$tmp/keep-mid.bin"
check "DNS name, then a second file over the same connection" keep eval '[ "$(rc keep)" = 0 ] &&
    [ "$(got_sha keep http://boot.nb.test/small.bin)" = "$SHA_SMALL" ] &&
    [ "$(sha "$tmp/keep-mid.bin")" = "$SHA_MID" ] &&
    has keep "kept-alive connection" && has keep "reused 1" &&
    nginx_log_since $n0 | grep -q "n=2 \"GET /mid.bin HTTP/1.1\" 200 .* host=boot.nb.test"'

run chunked -- get $O/chunked/mid.bin
check "chunked body with extensions and a trailer" chunked eval '[ "$(rc chunked)" = 0 ] &&
    [ "$(got_sha chunked $O/chunked/mid.bin)" = "$SHA_MID" ]'

run close -- get $O/close/small.bin
check "HTTP/1.0 body delimited by the close" close eval '[ "$(rc close)" = 0 ] &&
    [ "$(got_sha close $O/close/small.bin)" = "$SHA_SMALL" ] && has close "(HTTP/1.0 200)"'

run empty -- get $U/empty.bin
check "empty file" empty eval '[ "$(rc empty)" = 0 ] && [ "$(got_sha empty $U/empty.bin)" = "$SHA_EMPTY" ]'

n0=$(nginx_lines)
run redir -- get $U/r1
check "redirect chain 302, 301, 307, 308 across hosts, ports and a DNS name" redir eval '[ "$(rc redir)" = 0 ] &&
    [ "$(got_sha redir $U/r1)" = "$SHA_MID" ] && has redir "4 redirects" &&
    has redir "http: http://boot.nb.test/mid.bin from 198.18.0.80 port 80" &&
    nginx_log_since $n0 | grep -q "198.18.0.82:8080 .*\"GET /r4 HTTP/1.1\" 308 .*host=mirror.nb.test"'

run rel -- get $U/rel/a
check "relative redirect (../small.bin)" rel eval '[ "$(rc rel)" = 0 ] && [ "$(got_sha rel $U/rel/a)" = "$SHA_SMALL" ]'

run loop -- get $U/loop
check "redirect loop stops after 5" loop eval '[ "$(rc loop)" = 1 ] && has loop "NB_E_HTTP_TOO_MANY_REDIRECTS" &&
    has loop "too many redirects"'

# resume: the validator from a first fetch, then the rest of a partial file
run val -- get $U/mid.bin
etag=$(sed -n 's/.*validator \("[^"]*"\).*/\1/p' "$tmp/val.log" | tail -1)
check "a strong ETag is reported as the validator" val eval '[ "$(rc val)" = 0 ] && [ -n "$etag" ]'
head -c 1000000 "$www/mid.bin" >"$tmp/part.bin"
n0=$(nginx_lines)
run resume -- get $U/mid.bin --out "$tmp/part.bin" --offset 1000000 --if-range "$etag"
check "resume at an offset: Range + If-Range, 206, whole file right" resume eval '[ "$(rc resume)" = 0 ] &&
    [ "$(sha "$tmp/part.bin")" = "$SHA_MID" ] && [ "$(got_sha resume $U/mid.bin)" = "$SHA_MID" ] &&
    has resume "status 206" && has resume "resumed at 1000000" &&
    nginx_log_since $n0 | grep -qF "\"GET /mid.bin HTTP/1.1\" 206 $((SIZE_MID - 1000000)) range=bytes=1000000- if-range=\\x22${etag//\"/}\\x22"'

head -c 777 "$www/mid.bin" >"$tmp/part2.bin"
run resume-nv -- get $U/mid.bin --out "$tmp/part2.bin" --offset 777
check "resume without a validator: Range alone" resume-nv eval '[ "$(rc resume-nv)" = 0 ] &&
    [ "$(sha "$tmp/part2.bin")" = "$SHA_MID" ] && has resume-nv "status 206"'

head -c 5000 /dev/zero >"$tmp/part3.bin"
run changed -- get $U/mid.bin --out "$tmp/part3.bin" --offset 5000 --if-range '"0-stale"'
check "resume with a stale validator: 200, restart from 0" changed eval '[ "$(rc changed)" = 0 ] &&
    [ "$(sha "$tmp/part3.bin")" = "$SHA_MID" ] && has changed "restarted 1" && has changed "status 200"'

cp "$www/mid.bin" "$tmp/whole.bin"
run whole -- get $U/mid.bin --out "$tmp/whole.bin" --offset "$SIZE_MID" --if-range "$etag"
check "resume of a complete file: 416, nothing to fetch" whole eval '[ "$(rc whole)" = 0 ] &&
    [ "$(sha "$tmp/whole.bin")" = "$SHA_MID" ] && has whole "status 416" && has whole "already complete"'

head -c $((SIZE_MID + 50)) /dev/zero >"$tmp/long.bin"
run toolong -- get $U/mid.bin --out "$tmp/long.bin" --offset $((SIZE_MID + 50)) --if-range "$etag"
check "holding more than the file: 416, then a full GET" toolong eval '[ "$(rc toolong)" = 0 ] &&
    [ "$(sha "$tmp/long.bin")" = "$SHA_MID" ] && has toolong "restarted 1"'

head -c 4096 /dev/zero >"$tmp/part4.bin"
run norange -- get $O/norange/mid.bin --out "$tmp/part4.bin" --offset 4096
check "server ignores Range: restarted from 0, file right" norange eval '[ "$(rc norange)" = 0 ] &&
    [ "$(sha "$tmp/part4.bin")" = "$SHA_MID" ] && has norange "restarted 1" &&
    has norange "restarted from 0 (the server could not resume at 4096)" &&
    grep -q "req /norange/mid.bin range=bytes=4096- if-range=-" "$tmp/odd.log"'

# a transfer cut mid-body, then resumed from another server at what arrived
rm -f "$tmp/cut.bin"
run cut -- get $O/cut/big.bin --out "$tmp/cut.bin"
have=$(stat -c %s "$tmp/cut.bin" 2>/dev/null || echo 0)
check "connection cut mid-body: an error naming the truncation" cut eval '[ "$(rc cut)" = 1 ] &&
    has cut "NB_E_HTTP_TRUNCATED" && [ "$have" = $((3 * 1024 * 1024)) ]'
run cutresume -- get $U/big.bin --out "$tmp/cut.bin" --offset "$have"
check "... and resumed at the bytes held: whole file right" cutresume eval '[ "$(rc cutresume)" = 0 ] &&
    [ "$(sha "$tmp/cut.bin")" = "$SHA_BIG" ] && has cutresume "status 206"'

run short -- get $O/short/small.bin
check "wrong Content-Length (body cut short): error" short eval '[ "$(rc short)" = 1 ] &&
    has short "NB_E_HTTP_TRUNCATED" && has short "connection closed before the end of the response"'

run notfound -- get $U/nope.bin
check "404: the status is named" notfound eval '[ "$(rc notfound)" = 1 ] &&
    has notfound "HTTP status 404 from 198.18.0.80 port 80" && has notfound "layer protocol"'

run cap -- get $U/mid.bin --max 100000
check "size cap: refused before the body" cap eval '[ "$(rc cap)" = 1 ] && has cap "NB_E_HTTP_BODY_TOO_BIG"'

run refused -- get http://198.18.0.80:81/x
check "connection refused: the connect layer is named" refused eval '[ "$(rc refused)" = 1 ] &&
    has refused "connect to 198.18.0.80 port 81 failed" && has refused "layer connect"'

run nx -- get http://nx.nb.test/x
check "unknown name: the DNS layer is named" nx eval '[ "$(rc nx)" = 1 ] &&
    has nx "DNS lookup of nx.nb.test failed" && has nx "layer dns"'

run silent -- get http://198.18.0.99/x --timeout 3
check "nobody there: fails within the deadline" silent eval '[ "$(rc silent)" = 1 ] &&
    ( has silent "layer connect" || has silent "layer deadline" )'

run badurl -- get "http://user@198.18.0.80/x"
check "URL with userinfo refused" badurl eval '[ "$(rc badurl)" = 1 ] && has badurl "NB_E_URL_USERINFO"'

ht_summary test-http
