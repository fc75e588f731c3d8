/*
 * nb-probe commands for TCP (net/tcp.c against real servers):
 *
 *   connect ADDR PORT [TIMEOUT_MS]
 *       "probe: connect ADDR PORT: ok in T ms" / "...: NB_E_CONN_REFUSED in T ms"
 *   get URL OUTFILE [RXBUF_KIB]
 *       a plain HTTP/1.0 GET over TCP (no TLS, no redirects): the body goes
 *       to OUTFILE ("-" discards it), then one result line
 *       "probe: get URL: ok status 200 bytes N secs S mbit M sha256 HEX"
 *       and one line of TCP statistics. The host must be an IP literal, or
 *       a name when --dns is given.
 * Exit status 0 only on success (get: status 200, body complete, clean EOF).
 */
#include "platform/host/probe/probe.h"
#include "boot/url.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "net/addr.h"
#include "net/dns.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "mbedtls/sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int connected_or_closed(void *ctx)
{
    return tcp_get_state(ctx) != TCP_SYN_SENT;
}

static void ms_text(char *out, size_t size, uint64_t us)
{
    snprintf(out, size, "%u.%03u", (unsigned)(us / 1000u), (unsigned)(us % 1000u));
}

int probe_cmd_connect(int argc, char **argv)
{
    struct nb_ip dst;
    if (argc < 3 || !nb_ip_parse(argv[1], &dst))
        return 2;
    uint16_t port = (uint16_t)strtoul(argv[2], NULL, 10);
    struct tcp_params prm;
    tcp_params_default(&prm);
    if (argc > 3)
        prm.connect_timeout_ms = (uint32_t)strtoul(argv[3], NULL, 10);
    static struct tcp_conn c;
    static uint8_t rx[4096];
    char t[32];
    uint64_t start = nb_now_us();
    nb_err e = tcp_connect(&c, &dst, port, rx, sizeof rx, NULL, 0, &prm);
    if (e == NB_OK)
        e = net_run_until(connected_or_closed, &c, start + (uint64_t)prm.connect_timeout_ms * 1000u + 1000000u);
    if (e == NB_OK && tcp_get_state(&c) == TCP_CLOSED)
        e = tcp_get_error(&c);
    ms_text(t, sizeof t, nb_now_us() - start);
    if (e != NB_OK) {
        nb_say("probe: connect %s %u: %s in %s ms", argv[1], port, nb_errname(e), t);
        tcp_abort(&c);
        return 1;
    }
    char rtt[32];
    ms_text(rtt, sizeof rtt, tcp_connect_rtt_us(&c));
    nb_say("probe: connect %s %u: ok in %s ms (rtt %s ms)", argv[1], port, t, rtt);
    tcp_abort(&c);
    return 0;
}

/* ---------------------------------------------------------------- get */

struct get_wait {
    struct tcp_conn *c;
};

static int readable(void *ctx)
{
    struct tcp_conn *c = ctx;
    return tcp_recv_avail(c) > 0 || tcp_eof(c) || tcp_get_state(c) == TCP_CLOSED;
}

static int sent_or_closed(void *ctx)
{
    struct tcp_conn *c = ctx;
    return tcp_send_pending(c) == 0 || tcp_get_state(c) == TCP_CLOSED;
}

/* Parse "HTTP/1.x NNN ..." and find Content-Length in the header block. */
static int parse_head(const char *h, size_t len, unsigned *status, long long *clen)
{
    *clen = -1;
    if (len < 12 || strncmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ')
        return 0;
    *status = (unsigned)strtoul(h + 9, NULL, 10);
    for (size_t i = 0; i + 16 < len; i++) {
        if (h[i] != '\n')
            continue;
        const char *l = h + i + 1;
        static const char name[] = "content-length:";
        size_t k = 0;
        while (k < sizeof name - 1 && (l[k] | 0x20) == name[k])
            k++;
        if (k == sizeof name - 1)
            *clen = strtoll(l + k, NULL, 10);
    }
    return 1;
}

int probe_cmd_get(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *url_text = argv[1], *out_path = argv[2];
    size_t rxcap = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) * 1024u : TCP_RXBUF_WAN;
    static struct nb_url u;
    nb_err e = nb_url_parse(url_text, strlen(url_text), &u);
    if (e != NB_OK || u.scheme != NB_URL_HTTP) {
        nb_say("probe: get %s: %s", url_text, e != NB_OK ? nb_errname(e) : "only http:// here");
        return 2;
    }
    struct nb_ip dst = u.ip;
    if (!dst.family) {
        struct dns_result r;
        e = dns_resolve(u.host, 1, 1, 5000, &r);
        if (e != NB_OK || r.n == 0) {
            nb_say("probe: get %s: resolve: %s", url_text, nb_errname(e));
            return 1;
        }
        dst = r.addrs[0];
    }
    FILE *out = strcmp(out_path, "-") == 0 ? NULL : fopen(out_path, "wb");
    if (strcmp(out_path, "-") != 0 && !out) {
        nb_say("probe: get %s: cannot write %s", url_text, out_path);
        return 2;
    }
    uint8_t *rx = malloc(rxcap), *chunk = malloc(1u << 18);
    static uint8_t tx[4096];
    static struct tcp_conn c;
    if (!rx || !chunk) {
        nb_say("probe: get: out of memory");
        return 1;
    }
    char req[NB_URL_MAX + 600], auth[NB_URL_HOST_MAX + 16];
    nb_url_authority(&u, auth, sizeof auth);
    int rl = snprintf(req, sizeof req,
                      "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: nearboot-probe\r\nAccept: */*\r\n"
                      "Connection: close\r\n\r\n",
                      u.path, auth);

    uint64_t start = nb_now_us();
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts(&sha, 0);
    unsigned status = 0;
    long long clen = -1, body = 0;
    char head[8192];
    size_t head_len = 0;
    int in_body = 0, ok = 0;
    uint64_t first_byte_us = 0;

    e = tcp_connect(&c, &dst, u.port, rx, rxcap, tx, sizeof tx, NULL);
    if (e == NB_OK)
        e = net_run_until(connected_or_closed, &c, start + 15000000u);
    if (e == NB_OK && tcp_get_state(&c) == TCP_CLOSED)
        e = tcp_get_error(&c);
    if (e == NB_OK && tcp_send(&c, req, (size_t)rl) != rl)
        e = NB_E_CONN_CLOSED;
    if (e == NB_OK)
        e = net_run_until(sent_or_closed, &c, nb_now_us() + 15000000u);
    while (e == NB_OK) {
        /* 60 s without a byte is a failure: the lab tests impose their own bounds */
        e = net_run_until(readable, &c, nb_now_us() + 60000000u);
        if (e != NB_OK)
            break;
        size_t n;
        while ((n = tcp_recv(&c, chunk, 1u << 18)) > 0) {
            const uint8_t *p = chunk;
            if (!first_byte_us)
                first_byte_us = nb_now_us();
            if (!in_body) {
                size_t take = n < sizeof head - 1 - head_len ? n : sizeof head - 1 - head_len;
                memcpy(head + head_len, p, take);
                head_len += take;
                head[head_len] = 0;
                char *end = strstr(head, "\r\n\r\n");
                if (!end) {
                    if (head_len == sizeof head - 1) {
                        e = NB_E_TOO_BIG;
                        break;
                    }
                    continue;
                }
                size_t hl = (size_t)(end - head) + 4;
                if (!parse_head(head, hl, &status, &clen)) {
                    e = NB_E_MALFORMED;
                    break;
                }
                in_body = 1;
                /* the body bytes that came with the header */
                size_t used_before = head_len - take;
                p = chunk + (hl - used_before);
                n = take - (hl - used_before) + (n - take);
            }
            if (n) {
                mbedtls_sha256_update(&sha, p, n);
                if (out && fwrite(p, 1, n, out) != n) {
                    e = NB_E_IO;
                    break;
                }
                body += (long long)n;
            }
        }
        if (e != NB_OK)
            break;
        if (tcp_eof(&c)) {
            ok = in_body && status == 200 && (clen < 0 || clen == body);
            break;
        }
        if (tcp_get_state(&c) == TCP_CLOSED) {
            e = tcp_get_error(&c) != NB_OK ? tcp_get_error(&c) : NB_E_CONN_CLOSED;
            break;
        }
    }
    uint64_t end_us = nb_now_us();
    uint8_t digest[32];
    char hex[65];
    mbedtls_sha256_finish(&sha, digest);
    mbedtls_sha256_free(&sha);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    struct tcp_info ti;
    tcp_get_info(&c, &ti);
    if (tcp_get_state(&c) == TCP_CLOSE_WAIT) { /* the server closed first: close our side */
        tcp_close(&c);
        net_run_until(sent_or_closed, &c, nb_now_us() + 2000000u);
    }
    tcp_abort(&c);
    if (out && fclose(out) != 0 && e == NB_OK)
        e = NB_E_IO;
    free(rx);
    free(chunk);

    /* throughput over the body: from the first byte to EOF */
    uint64_t xfer_us = first_byte_us && end_us > first_byte_us ? end_us - first_byte_us : 1;
    char secs[32];
    snprintf(secs, sizeof secs, "%u.%03u", (unsigned)((end_us - start) / 1000000u),
             (unsigned)((end_us - start) / 1000u % 1000u));
    unsigned long long kbit = (unsigned long long)body * 8000ull / xfer_us; /* kbit/s */
    if (e != NB_OK || !ok) {
        nb_say("probe: get %s: %s status %u bytes %lld (content-length %lld) secs %s",
               url_text, e != NB_OK ? nb_errname(e) : "incomplete", status, body, clen, secs);
    } else {
        nb_say("probe: get %s: ok status %u bytes %lld secs %s mbit %llu.%03llu sha256 %s", url_text,
               status, body, secs, kbit / 1000ull, kbit % 1000ull, hex);
    }
    nb_say("probe: tcp srtt %u us rto %u us cwnd %u rcv_wscale %u sack %u timeouts %u "
           "fast_rexmit %u rexmit_segs %u ooo_segs %u dup_segs %u ooo_dropped %u ooo_ranges_max %u",
           ti.srtt_us, ti.rto_us, ti.cwnd, ti.rcv_wscale, ti.sack_ok, ti.timeouts,
           ti.fast_retransmits, ti.retransmitted_segs, ti.ooo_segs, ti.dup_segs, ti.ooo_dropped,
           ti.ooo_ranges_max);
    return e == NB_OK && ok ? 0 : 1;
}
