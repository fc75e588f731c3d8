/*
 * nb-probe commands for TCP (net/tcp.c against real servers):
 *
 *   connect ADDR PORT [TIMEOUT_MS]
 *       "probe: connect ADDR PORT: ok in T ms" / "...: NB_E_CONN_REFUSED in T ms"
 *   put ADDR PORT BYTES
 *       our sender against a sink that answers "COUNT SHA256HEX" (see below)
 * (get, which used to live here as a bare HTTP/1.0 client, is now
 * probe_get.c over boot/http; it still prints the TCP statistics line.)
 * Exit status 0 only on success.
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

/* ---------------------------------------------------------------- put */

static int put_readable(void *ctx)
{
    struct tcp_conn *c = ctx;
    return tcp_recv_avail(c) > 0 || tcp_eof(c) || tcp_get_state(c) == TCP_CLOSED;
}

static int put_sent_or_closed(void *ctx)
{
    struct tcp_conn *c = ctx;
    return tcp_send_pending(c) == 0 || tcp_get_state(c) == TCP_CLOSED;
}

static int all_acked_or_closed(void *ctx)
{
    struct tcp_conn *c = ctx;
    return (tcp_send_space(c) > 0 && tcp_send_pending(c) < 65536) || tcp_get_state(c) == TCP_CLOSED;
}

/* put ADDR PORT BYTES: send BYTES of a fixed pattern, close (FIN), then read
 * the server's one-line answer until its EOF. The lab's sink answers
 * "COUNT SHA256HEX"; it must match what was sent.
 *   "probe: put ADDR PORT: ok bytes N secs S mbit M" */
int probe_cmd_put(int argc, char **argv)
{
    struct nb_ip dst;
    if (argc < 4 || !nb_ip_parse(argv[1], &dst))
        return 2;
    uint16_t port = (uint16_t)strtoul(argv[2], NULL, 10);
    unsigned long long total = strtoull(argv[3], NULL, 10), sent = 0;
    static struct tcp_conn c;
    static uint8_t rx[4096], tx[256u << 10], block[65536];
    for (size_t i = 0; i < sizeof block; i++)
        block[i] = (uint8_t)(i * 7u + (i >> 8));
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts(&sha, 0);
    uint64_t start = nb_now_us();
    nb_err e = tcp_connect(&c, &dst, port, rx, sizeof rx, tx, sizeof tx, NULL);
    if (e == NB_OK)
        e = net_run_until(connected_or_closed, &c, start + 15000000u);
    if (e == NB_OK && tcp_get_state(&c) == TCP_CLOSED)
        e = tcp_get_error(&c);
    while (e == NB_OK && sent < total) {
        size_t off = (size_t)(sent % sizeof block);
        size_t want = sizeof block - off;
        if (want > total - sent)
            want = (size_t)(total - sent);
        long r = tcp_send(&c, block + off, want);
        if (r < 0) {
            e = (nb_err)-r;
            break;
        }
        if (r > 0) {
            mbedtls_sha256_update(&sha, block + off, (size_t)r);
            sent += (unsigned long long)r;
            continue;
        }
        e = net_run_until(all_acked_or_closed, &c, nb_now_us() + 60000000u);
    }
    if (e == NB_OK) {
        tcp_close(&c);
        e = net_run_until(put_sent_or_closed, &c, nb_now_us() + 60000000u);
    }
    uint64_t sent_us = nb_now_us();
    char reply[160] = "";
    size_t rlen = 0;
    while (e == NB_OK && !tcp_eof(&c)) {
        e = net_run_until(put_readable, &c, nb_now_us() + 30000000u);
        size_t n = tcp_recv(&c, reply + rlen, sizeof reply - 1 - rlen);
        rlen += n;
        reply[rlen] = 0;
        if (e == NB_OK && !n && !tcp_eof(&c) && tcp_get_state(&c) == TCP_CLOSED)
            e = tcp_get_error(&c) != NB_OK ? tcp_get_error(&c) : NB_E_CONN_CLOSED;
        if (rlen == sizeof reply - 1)
            break;
    }
    uint8_t digest[32];
    char expect[120];
    mbedtls_sha256_finish(&sha, digest);
    mbedtls_sha256_free(&sha);
    int n = snprintf(expect, sizeof expect, "%llu ", sent);
    for (int i = 0; i < 32; i++)
        n += snprintf(expect + n, sizeof expect - (size_t)n, "%02x", digest[i]);
    struct tcp_info ti;
    tcp_get_info(&c, &ti);
    tcp_abort(&c);
    char *nl = strchr(reply, '\n');
    if (nl)
        *nl = 0;
    uint64_t us = sent_us > start ? sent_us - start : 1;
    unsigned long long kbit = sent * 8000ull / us;
    int ok = e == NB_OK && strcmp(reply, expect) == 0;
    nb_say("probe: put %s %u: %s bytes %llu secs %u.%03u mbit %llu.%03llu reply \"%s\"", argv[1], port,
           ok ? "ok" : e != NB_OK ? nb_errname(e) : "mismatch", sent, (unsigned)(us / 1000000u),
           (unsigned)(us / 1000u % 1000u), kbit / 1000ull, kbit % 1000ull, reply);
    nb_say("probe: tcp srtt %u us rto %u us cwnd %u ssthresh %u timeouts %u fast_rexmit %u rexmit_segs %u",
           ti.srtt_us, ti.rto_us, ti.cwnd, ti.ssthresh, ti.timeouts, ti.fast_retransmits,
           ti.retransmitted_segs);
    return ok ? 0 : 1;
}
