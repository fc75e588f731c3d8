/* nb-probe command: tftp (boot/tftp.c against real servers). */
#define _GNU_SOURCE
#include "platform/host/probe/probe.h"
#include "boot/tftp.h"
#include "core/err.h"
#include "core/log.h"
#include "net/addr.h"
#include "mbedtls/sha256.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sink: hashes while streaming, optionally writes the file, and checks
 * that offsets are contiguous (offset 0 starts over, as after a restart). */
struct probe_sink {
    mbedtls_sha256_context sha;
    uint64_t held;
    int fd;
    unsigned starts;
    int said_port;
    struct tftp *t;
    const char *server, *file;
};

static nb_err sink_data(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    struct probe_sink *s = ctx;
    if (offset == 0) {
        mbedtls_sha256_free(&s->sha);
        mbedtls_sha256_init(&s->sha);
        mbedtls_sha256_starts(&s->sha, 0);
        s->held = 0;
        s->starts++;
        if (s->fd >= 0 && (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0))
            return NB_E_IO;
    }
    if (offset != s->held) {
        nb_say("probe: tftp sink: offset %llu but %llu bytes held", (unsigned long long)offset,
               (unsigned long long)s->held);
        return NB_E_INVALID;
    }
    mbedtls_sha256_update(&s->sha, p, n);
    if (s->fd >= 0 && n && write(s->fd, p, n) != (ssize_t)n)
        return NB_E_IO;
    s->held += n;
    return NB_OK;
}

static void sink_progress(void *ctx, uint64_t have, uint64_t total)
{
    struct probe_sink *s = ctx;
    (void)have, (void)total;
    /* Once per attempt, when the server's TID is known: tests aim spoofed
     * packets at this port. */
    if (s->said_port != (int)s->t->sock.lport && s->t->server_tid) {
        s->said_port = s->t->sock.lport;
        nb_say("probe: tftp %s %s: local port %u server port %u", s->server, s->file,
               s->t->sock.lport, s->t->server_tid);
    }
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

/* tftp SERVER FILE [--blksize N] [--windowsize N] [--timeout S] [--no-options]
 *      [--no-tsize] [--rollover 0|1] [--port N] [--rto-ms N] [--retries N]
 *      [--restarts N] [--deadline S] [--cap BYTES] [--out F]
 * Result line: "probe: tftp SERVER FILE: N bytes sha256 HEX in T ms (R MB/s)"
 * then "probe: tftp ... negotiated blksize B windowsize W ...", or
 * "probe: tftp SERVER FILE: failed NB_E_..." (exit status 1). */
int probe_cmd_tftp(int argc, char **argv)
{
    static struct tftp t;
    struct tftp_request rq;
    struct probe_sink s;
    const char *out = NULL;
    if (argc < 3)
        return 2;
    memset(&rq, 0, sizeof rq);
    memset(&s, 0, sizeof s);
    if (!nb_ip_parse(argv[1], &rq.server)) {
        nb_say("probe: tftp: bad server address %s", argv[1]);
        return 2;
    }
    rq.file = argv[2];
    tftp_params_default(&rq.params);
    rq.cap = 1ull << 32;
    for (int i = 3; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n = 0;
        if (strcmp(o, "--no-options") == 0) {
            rq.params.use_options = 0;
            continue;
        }
        if (strcmp(o, "--no-tsize") == 0) {
            rq.params.ask_tsize = 0;
            continue;
        }
        if (!v) {
            nb_say("probe: tftp: %s needs a value", o);
            return 2;
        }
        i++;
        if (strcmp(o, "--out") == 0)
            out = v;
        else if (strcmp(o, "--blksize") == 0 && num(v, TFTP_BLKSIZE_MAX, &n))
            rq.params.blksize = (uint16_t)n;
        else if (strcmp(o, "--windowsize") == 0 && num(v, TFTP_WINDOW_MAX, &n) && n)
            rq.params.windowsize = (uint16_t)n;
        else if (strcmp(o, "--timeout") == 0 && num(v, 255, &n))
            rq.params.timeout_s = (uint8_t)n;
        else if (strcmp(o, "--rollover") == 0 && num(v, 1, &n))
            rq.params.rollover = (int8_t)n;
        else if (strcmp(o, "--port") == 0 && num(v, 65535, &n) && n)
            rq.params.port = (uint16_t)n;
        else if (strcmp(o, "--rto-ms") == 0 && num(v, 600000, &n) && n)
            rq.params.rto_ms = (uint32_t)n;
        else if (strcmp(o, "--rto-max-ms") == 0 && num(v, 600000, &n) && n)
            rq.params.rto_max_ms = (uint32_t)n;
        else if (strcmp(o, "--retries") == 0 && num(v, 100, &n))
            rq.params.retries = (unsigned)n;
        else if (strcmp(o, "--restarts") == 0 && num(v, 100, &n))
            rq.params.max_restarts = (unsigned)n;
        else if (strcmp(o, "--deadline") == 0 && num(v, 86400, &n) && n)
            rq.params.deadline_ms = (uint32_t)(n * 1000u);
        else if (strcmp(o, "--cap") == 0 && num(v, ~0ull, &n) && n)
            rq.cap = n;
        else {
            nb_say("probe: tftp: bad option %s %s", o, v);
            return 2;
        }
    }
    s.fd = -1;
    if (out) {
        s.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s.fd < 0) {
            nb_say("probe: tftp: cannot write %s", out);
            return 2;
        }
    }
    mbedtls_sha256_init(&s.sha);
    mbedtls_sha256_starts(&s.sha, 0);
    s.t = &t;
    s.server = argv[1];
    s.file = argv[2];
    s.said_port = -1;
    rq.data = sink_data;
    rq.progress = sink_progress;
    rq.ctx = &s;

    nb_err e = tftp_get(&t, &rq);
    int status = 0;
    if (e != NB_OK) {
        nb_say("probe: tftp %s %s: failed %s after %u restarts (%s)", argv[1], argv[2],
               nb_errname(e), t.restarts, nb_strerror(e));
        status = 1;
    } else {
        uint8_t h[32];
        char hex[65];
        mbedtls_sha256_finish(&s.sha, h);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", h[i]);
        uint64_t us = t.end_us - t.start_us;
        uint64_t rate100 = s.held * 100u / (us ? us : 1u);
        nb_say("probe: tftp %s %s: %llu bytes sha256 %s in %llu ms (%llu.%02llu MB/s)", argv[1],
               argv[2], (unsigned long long)s.held, hex, (unsigned long long)(us / 1000u),
               (unsigned long long)(rate100 / 100u), (unsigned long long)(rate100 % 100u));
    }
    nb_say("probe: tftp %s %s: negotiated blksize %u windowsize %u options %s restarts %u "
           "retransmits %u starts %u",
           argv[1], argv[2], t.blksize, t.windowsize,
           t.options_acked ? "acked" : t.options_refused ? "refused" : "none", t.restarts,
           t.retransmits, s.starts);
    mbedtls_sha256_free(&s.sha);
    if (s.fd >= 0)
        close(s.fd);
    return status;
}
