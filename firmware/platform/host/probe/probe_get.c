/*
 * nb-probe command: get (boot/fetch.c and boot/http.c against real servers).
 *
 *   get URL [--out FILE] [--offset N] [--if-range VALIDATOR] [--max BYTES]
 *           [--timeout S] [--idle S] [--rxbuf KIB] [--tls-timeout MS]
 *   get URL FILE|- [RXKIB]            (the older positional form)
 *
 * --offset N resumes: FILE must hold at least N bytes already (they are kept
 * and the rest is fetched with Range/If-Range); without --out the first N
 * bytes are simply not asked for. Result lines:
 *   "probe: get URL: N bytes sha256 HEX in T ms (R MB/s)"
 *       N and HEX cover the whole file held at the end (with --out: the
 *       file; without: the bytes received); R is over the bytes received
 *   "probe: get URL: status S version 1.V redirects R restarted 0|1 reused 0|1 validator V"
 *   "probe: get URL: tls TLSv1.3 SUITE"  (https)
 *   "probe: tcp srtt ..."            statistics of the TCP connection
 * or "probe: get URL: failed NB_E_... (layer L)" with exit status 1.
 */
#define _GNU_SOURCE
#include "platform/host/probe/probe.h"
#include "boot/fetch.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "net/tcp.h"
#include "mbedtls/sha256.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct get_sink {
    mbedtls_sha256_context sha;
    int fd;
    uint64_t next; /* the offset the next write should have */
};

static nb_err sink_write(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    struct get_sink *s = ctx;
    if (offset != s->next) {
        if (offset != 0) {
            nb_say("probe: get: write at %llu, expected %llu", (unsigned long long)offset,
                   (unsigned long long)s->next);
            return NB_E_INVALID;
        }
        /* a restart: what we held is void */
        mbedtls_sha256_free(&s->sha);
        mbedtls_sha256_init(&s->sha);
        mbedtls_sha256_starts(&s->sha, 0);
        if (s->fd >= 0 && ftruncate(s->fd, 0) != 0)
            return NB_E_IO;
    }
    if (s->fd >= 0) {
        size_t done = 0;
        while (done < n) {
            ssize_t w = pwrite(s->fd, p + done, n - done, (off_t)(offset + done));
            if (w <= 0)
                return NB_E_IO;
            done += (size_t)w;
        }
    } else {
        mbedtls_sha256_update(&s->sha, p, n);
    }
    s->next = offset + n;
    return NB_OK;
}

static int num(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v > max)
        return 0;
    *out = v;
    return 1;
}

static int hash_file(int fd, uint64_t len, uint8_t digest[32])
{
    static uint8_t buf[1 << 16];
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts(&sha, 0);
    uint64_t at = 0;
    while (at < len) {
        size_t want = len - at < sizeof buf ? (size_t)(len - at) : sizeof buf;
        ssize_t r = pread(fd, buf, want, (off_t)at);
        if (r <= 0) {
            mbedtls_sha256_free(&sha);
            return 0;
        }
        mbedtls_sha256_update(&sha, buf, (size_t)r);
        at += (uint64_t)r;
    }
    mbedtls_sha256_finish(&sha, digest);
    mbedtls_sha256_free(&sha);
    return 1;
}

static const char *layer_name(enum nb_fetch_layer l)
{
    static const char *const names[] = { "none", "url", "dns", "connect", "tls", "protocol",
                                         "transfer", "deadline", "local" };
    return (unsigned)l < sizeof names / sizeof names[0] ? names[l] : "?";
}

int probe_cmd_get(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *url = argv[1], *out = NULL, *validator = NULL;
    unsigned long long offset = 0, max = 1ull << 53, timeout_s = 300, idle_s = 15, rxkib = 0;
    unsigned long long tls_ms = 0;
    int i = 2;
    if (argc > 2 && strncmp(argv[2], "--", 2) != 0) { /* get URL FILE|- [RXKIB] */
        out = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
        if (argc > 3 && !num(argv[3], 1u << 20, &rxkib))
            return 2;
        i = argc;
    }
    for (; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return 2;
        i++;
        if (strcmp(o, "--out") == 0)
            out = v;
        else if (strcmp(o, "--offset") == 0 && num(v, 1ull << 53, &offset))
            ;
        else if (strcmp(o, "--if-range") == 0)
            validator = v;
        else if (strcmp(o, "--max") == 0 && num(v, 1ull << 53, &max))
            ;
        else if (strcmp(o, "--timeout") == 0 && num(v, 86400, &timeout_s))
            ;
        else if (strcmp(o, "--idle") == 0 && num(v, 86400, &idle_s))
            ;
        else if (strcmp(o, "--rxbuf") == 0 && num(v, 1u << 20, &rxkib))
            ;
        else if (strcmp(o, "--tls-timeout") == 0 && num(v, 3600000, &tls_ms))
            ;
        else {
            fprintf(stderr, "nb-probe get: bad option %s %s\n", o, v);
            return 2;
        }
    }

    struct get_sink s = { .fd = -1, .next = offset };
    mbedtls_sha256_init(&s.sha);
    mbedtls_sha256_starts(&s.sha, 0);
    if (out) {
        s.fd = open(out, O_RDWR | O_CREAT | (offset ? 0 : O_TRUNC), 0644);
        struct stat st;
        if (s.fd < 0 || fstat(s.fd, &st) != 0) {
            nb_say("probe: get %s: cannot open %s", url, out);
            return 2;
        }
        if ((unsigned long long)st.st_size < offset) {
            nb_say("probe: get %s: %s holds %llu bytes, fewer than --offset %llu", url, out,
                   (unsigned long long)st.st_size, offset);
            close(s.fd);
            return 2;
        }
    }
    nb_fetch_set_rxbuf((size_t)rxkib * 1024u);

    struct nb_fetch_req req;
    static struct nb_fetch_result res;
    nb_fetch_req_init(&req);
    req.url = url;
    req.deadline_us = nb_now_us() + timeout_s * 1000000ull;
    req.idle_timeout_ms = (uint32_t)(idle_s * 1000u);
    req.max_size = max;
    if (tls_ms)
        req.tls_timeout_ms = (uint32_t)tls_ms;
    req.offset = offset;
    req.validator = validator;
    req.write = sink_write;
    req.ctx = &s;
    nb_err e = nb_fetch(&req, &res);

    struct tcp_info ti;
    int have_ti = nb_fetch_tcp_info(&ti);
    if (e == NB_OK && s.fd >= 0 && ftruncate(s.fd, (off_t)res.size) != 0)
        e = NB_E_IO;
    uint8_t digest[32];
    if (e == NB_OK) {
        if (s.fd >= 0) {
            if (!hash_file(s.fd, res.size, digest))
                e = NB_E_IO;
        } else {
            mbedtls_sha256_finish(&s.sha, digest);
        }
    }
    mbedtls_sha256_free(&s.sha);
    if (s.fd >= 0)
        close(s.fd);
    if (e != NB_OK) {
        nb_say("probe: get %s: failed %s (layer %s)", url, nb_errname(e), layer_name(res.layer));
        return 1;
    }
    char hex[65];
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", digest[k]);
    uint64_t ms = res.elapsed_us / 1000u, us = res.elapsed_us ? res.elapsed_us : 1;
    uint64_t rate_centi = res.received * 100u / us; /* MB/s in hundredths */
    uint64_t n = s.fd >= 0 || offset == 0 || res.restarted ? res.size : res.received;
    nb_say("probe: get %s: %llu bytes sha256 %s in %llu ms (%llu.%02llu MB/s)", url,
           (unsigned long long)n, hex, (unsigned long long)ms,
           (unsigned long long)(rate_centi / 100u), (unsigned long long)(rate_centi % 100u));
    nb_say("probe: get %s: status %u version 1.%u redirects %u restarted %d reused %d validator %s",
           url, res.status, res.version == 10 ? 0u : 1u, res.redirects, res.restarted, res.reused,
           res.validator[0] ? res.validator : "-");
    if (res.tls[0])
        nb_say("probe: get %s: tls %s", url, res.tls);
    if (have_ti)
        nb_say("probe: tcp srtt %u us rto %u us cwnd %u rcv_wscale %u sack %u timeouts %u "
               "fast_rexmit %u rexmit_segs %u ooo_segs %u dup_segs %u ooo_dropped %u ooo_ranges_max %u",
               ti.srtt_us, ti.rto_us, ti.cwnd, ti.rcv_wscale, ti.sack_ok, ti.timeouts,
               ti.fast_retransmits, ti.retransmitted_segs, ti.ooo_segs, ti.dup_segs, ti.ooo_dropped,
               ti.ooo_ranges_max);
    return 0;
}
