/*
 * Fetch a URL into memory (boot/fetch.h): the http:// path.
 *
 * nb_fetch parses the URL, then runs http_get_run with this file as its
 * connection provider: a name is resolved (A and AAAA, IPv6 first), each
 * address is tried in turn with its own connect timeout, and one connection
 * is kept alive afterwards so the next fetch from the same origin (the
 * manifest, then stage2) skips the handshake. A kept connection is checked
 * before reuse: if the server closed it or sent something unasked, it is
 * dropped and a new one opened. https:// runs the same over the TLS
 * transport (boot/xport_tls.c) on top of the same TCP connection; a TLS
 * failure (certificate, alert, clock) ends the attempt at once rather than
 * trying the name's next address, and its console line says exactly what
 * the TLS layer found.
 *
 * The body goes to the caller's buffer or write callback; progress lines
 * and the closing summary line go to the console.
 */
#include "boot/fetch.h"
#include "boot/http.h"
#include "boot/tftp.h"
#include "boot/xport_tcp.h"
#include "boot/xport_tls.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/dns.h"
#include "net/stack.h"
#include <stdlib.h>
#include <string.h>

/* TCP receive window for transfers: 8 MiB, so a download is not window-bound
 * at 50 ms RTT and 1 Gbit/s (6.25 MB in flight). Static (caller-owned buffers, no
 * allocation: on UEFI calloc is mbedTLS's arena); nb_fetch_set_rxbuf can
 * swap in a heap buffer of another size for tools. */
#define FETCH_RXBUF_DEFAULT TCP_RXBUF_WAN /* not window-bound at 50 ms and 1 Gbit/s (6.25 MB in flight) */
#define FETCH_TXBUF 8192u
static uint8_t rx_default[FETCH_RXBUF_DEFAULT], tx_buf[FETCH_TXBUF];

#define DEFAULT_CONNECT_MS 5000u
#define DEFAULT_IDLE_MS 15000u
#define DEFAULT_DNS_MS 5000u
#define DEFAULT_TLS_MS 10000u

/* The one kept connection. */
static struct {
    struct nb_xport_tcp tcp;
    struct nb_xport_tls tls; /* over tcp, for https */
    struct nb_xport *cur;    /* the transport of the kept connection */
    uint8_t *rx, *tx;
    size_t rxcap;
    int ready;   /* buffers allocated, tcp initialized */
    int idle;    /* connected, between requests */
    enum nb_url_scheme scheme;
    char host[NB_URL_HOST_MAX + 1];
    uint16_t port;
    struct nb_ip addr;
} pool;

static struct http_client client; /* 40 KB of buffers: not on the stack */

enum stage { ST_NONE, ST_DNS, ST_CONNECT, ST_TLS, ST_LOCAL };

struct fetch_run {
    const struct nb_fetch_req *req;
    const char *pin_host;  /* req->addr applies to this host (the request URL's) */
    struct nb_fetch_result *res;
    enum stage failed_at;
    struct nb_progress bar;
    uint64_t connect_us;
};

void nb_fetch_req_init(struct nb_fetch_req *r)
{
    memset(r, 0, sizeof *r);
    r->deadline_us = UINT64_MAX;
    r->connect_timeout_ms = DEFAULT_CONNECT_MS;
    r->idle_timeout_ms = DEFAULT_IDLE_MS;
    r->dns_timeout_ms = DEFAULT_DNS_MS;
    r->tls_timeout_ms = DEFAULT_TLS_MS;
    r->max_size = HTTP_SIZE_LIMIT;
}

static nb_err pool_setup(void)
{
    if (pool.ready)
        return NB_OK;
    if (!pool.rxcap || pool.rxcap == FETCH_RXBUF_DEFAULT) {
        pool.rxcap = FETCH_RXBUF_DEFAULT;
        pool.rx = rx_default;
    } else if (!(pool.rx = calloc(1, pool.rxcap))) {
        return NB_E_NO_MEMORY;
    }
    pool.tx = tx_buf;
    nb_xport_tcp_init(&pool.tcp, pool.rx, pool.rxcap, pool.tx, FETCH_TXBUF, NULL);
    if (!pool.tls.base.ops) /* once: it keeps its mbedTLS context across connections */
        nb_xport_tls_init(&pool.tls, &pool.tcp.base, DEFAULT_TLS_MS);
    pool.cur = &pool.tcp.base;
    pool.ready = 1;
    return NB_OK;
}

static void pool_drop(void)
{
    if (pool.ready && pool.idle)
        pool.cur->ops->close(pool.cur);
    pool.idle = 0;
}

void nb_fetch_close_all(void) { pool_drop(); }

void nb_fetch_set_rxbuf(size_t bytes)
{
    if (!bytes)
        bytes = FETCH_RXBUF_DEFAULT;
    if (bytes == pool.rxcap)
        return;
    if (pool.ready) {
        pool_drop();
        /* the connection may still be closing: let go of it before the buffers */
        if (pool.tcp.used)
            tcp_abort(&pool.tcp.conn);
        if (pool.rx != rx_default)
            free(pool.rx);
        pool.rx = pool.tx = NULL;
        pool.ready = 0;
    }
    pool.rxcap = bytes;
}

int nb_fetch_tcp_info(struct tcp_info *out)
{
    if (!pool.ready || !pool.tcp.used)
        return 0;
    tcp_get_info(&pool.tcp.conn, out);
    return 1;
}

/* A kept connection is usable if it is quiet: no bytes, no end, no error. */
static int pool_alive(void)
{
    uint8_t b;
    size_t got = 0;
    nb_err e = pool.cur->ops->recv(pool.cur, &b, 1, &got);
    return e == NB_OK && got == 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* The transport for a scheme: TLS over pool.tcp for https (trust anchors
 * from nb_tls_set_trust, u->host for SNI and the certificate check), plain
 * pool.tcp for http. */
static nb_err pool_transport(enum nb_url_scheme scheme, uint32_t tls_timeout_ms, struct nb_xport **x)
{
    if (scheme == NB_URL_HTTPS) {
        nb_xport_tls_set_timeout(&pool.tls, tls_timeout_ms);
        *x = &pool.tls.base;
    } else {
        *x = &pool.tcp.base;
    }
    return NB_OK;
}

static nb_err prov_get(void *ctx, const struct nb_url *u, uint64_t deadline_us, struct nb_xport **x,
                       int *reused)
{
    struct fetch_run *fr = ctx;
    const struct nb_fetch_req *req = fr->req;
    struct nb_xport *t;
    *reused = 0;
    nb_err e = pool_setup();
    if (e == NB_OK)
        e = pool_transport(u->scheme, req->tls_timeout_ms, &t);
    if (e != NB_OK) {
        fr->failed_at = ST_LOCAL;
        return e;
    }
    if (pool.idle) {
        int pinned_elsewhere = req->addr.family && fr->pin_host && strcmp(u->host, fr->pin_host) == 0 &&
                               !nb_ip_eq(&req->addr, &pool.addr);
        if (!pinned_elsewhere && pool.scheme == u->scheme && pool.port == u->port && strcmp(pool.host, u->host) == 0 &&
            pool_alive()) {
            pool.idle = 0;
            *reused = 1;
            *x = t;
            if (t == &pool.tls.base)
                nb_xport_tls_describe(&pool.tls, fr->res->tls, sizeof fr->res->tls);
            fr->res->server = pool.addr;
            fr->res->port = pool.port;
            return NB_OK;
        }
        pool_drop();
    }

    struct dns_result addrs;
    if (u->ip.family) {
        addrs.addrs[0] = u->ip;
        addrs.n = 1;
    } else if (req->addr.family && fr->pin_host && strcmp(u->host, fr->pin_host) == 0) {
        addrs.addrs[0] = req->addr; /* the site race already chose this address */
        addrs.n = 1;
    } else {
        uint64_t now = nb_now_us();
        if (now >= deadline_us)
            return NB_E_HTTP_DEADLINE;
        uint64_t ms = min_u64(req->dns_timeout_ms, (deadline_us - now) / 1000u);
        e = dns_resolve(u->host, 1, 1, (uint32_t)ms, &addrs);
        if (e != NB_OK) {
            fr->failed_at = ST_DNS;
            return e;
        }
    }
    e = NB_E_CONN_TIMEOUT;
    for (unsigned i = 0; i < addrs.n; i++) {
        uint64_t now = nb_now_us();
        if (now >= deadline_us)
            return NB_E_HTTP_DEADLINE;
        char a[48];
        nb_ip_text(a, sizeof a, &addrs.addrs[i]);
        uint64_t budget_ms = req->connect_timeout_ms;
        if (u->scheme == NB_URL_HTTPS) /* the handshake has its own deadline on top */
            budget_ms += req->tls_timeout_ms ? req->tls_timeout_ms : DEFAULT_TLS_MS;
        uint64_t dl = min_u64(deadline_us, now + budget_ms * 1000u);
        pool.cur = t;
        e = nb_xport_connect(t, &addrs.addrs[i], u->port, u->host, dl);
        if (e == NB_OK) {
            fr->connect_us = nb_now_us() - now;
            if (t == &pool.tls.base)
                nb_xport_tls_describe(&pool.tls, fr->res->tls, sizeof fr->res->tls);
            pool.scheme = u->scheme;
            memcpy(pool.host, u->host, sizeof pool.host);
            pool.port = u->port;
            pool.addr = addrs.addrs[i];
            fr->res->server = pool.addr;
            fr->res->port = pool.port;
            *x = t;
            return NB_OK;
        }
        if (nb_tls_is_tls_error(e)) {
            /* the server answered and TLS said no, or TLS refused to start
             * (clock, trust anchors): another address would not help */
            if (e != NB_E_TLS_CLOCK_BEFORE_FLOOR && e != NB_E_TLS_NO_CLOCK && e != NB_E_TLS_NO_TRUST) {
                fr->res->server = addrs.addrs[i];
                fr->res->port = u->port;
            }
            fr->failed_at = ST_TLS;
            return e;
        }
        if (!req->quiet && i + 1 < addrs.n)
            nb_warn("%s: connect to %s port %u: %s; trying the next address", u->host, a,
                    (unsigned)u->port, nb_strerror(e));
        fr->res->server = addrs.addrs[i];
        fr->res->port = u->port;
    }
    fr->failed_at = ST_CONNECT;
    return e;
}

static void prov_put(void *ctx, struct nb_xport *x, int keep)
{
    (void)ctx;
    if (keep) {
        pool.idle = 1;
    } else {
        x->ops->close(x);
        pool.idle = 0;
    }
}

static nb_err to_caller(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    struct fetch_run *fr = ctx;
    const struct nb_fetch_req *req = fr->req;
    if (req->buf) {
        if (offset > req->buf_size || n > req->buf_size - offset)
            return NB_E_HTTP_BODY_TOO_BIG;
        memcpy(req->buf + offset, p, n);
        return NB_OK;
    }
    return req->write ? req->write(req->ctx, offset, p, n) : NB_OK;
}

static void on_progress(void *ctx, uint64_t have, uint64_t total)
{
    struct fetch_run *fr = ctx;
    if (fr->req->progress)
        fr->req->progress(fr->req->ctx, have, total);
    else if (!fr->req->quiet)
        nb_progress_update(&fr->bar, have, total);
}

/* ------------------------------------------------------------ console */

static void fmt_tenths(char *out, size_t size, uint64_t tenths, const char *unit)
{
    nb_snprintf(out, size, "%llu.%llu %s", (unsigned long long)(tenths / 10),
                (unsigned long long)(tenths % 10), unit);
}

void nb_fmt_rate(char *out, size_t size, uint64_t bytes, uint64_t us)
{
    /* 1 MB/s is one byte per microsecond */
    if (us == 0)
        us = 1;
    uint64_t tenths = bytes > UINT64_MAX / 10 ? bytes / us * 10 : bytes * 10 / us;
    fmt_tenths(out, size, tenths, "MB/s");
}

void nb_fmt_size(char *out, size_t size, uint64_t bytes)
{
    if (bytes < 1024u * 1024u)
        fmt_tenths(out, size, bytes * 10 / 1024u, "KiB");
    else
        fmt_tenths(out, size, (bytes >> 10) * 10 / 1024u, "MiB");
}

void nb_progress_start(struct nb_progress *p, const char *tag, uint64_t base)
{
    memset(p, 0, sizeof *p);
    p->tag = tag;
    p->start_us = p->last_us = nb_now_us();
    p->base = p->last_bytes = base;
}

void nb_progress_update(struct nb_progress *p, uint64_t have, uint64_t total)
{
    uint64_t now = nb_now_us();
    if (now - p->last_us < 500000u || have < p->last_bytes + 262144u || have < p->base)
        return;
    if (total != NB_FETCH_SIZE_UNKNOWN && have >= total)
        return; /* the summary line follows */
    char rate[32], h[32], line[128];
    nb_fmt_rate(rate, sizeof rate, have - p->base, now - p->start_us);
    if (total != NB_FETCH_SIZE_UNKNOWN && total > 0) {
        char bar[11];
        unsigned pct = (unsigned)(have / (total / 100u ? total / 100u : 1u));
        if (total < 100u)
            pct = (unsigned)(have * 100u / total);
        if (pct > 100)
            pct = 100;
        for (unsigned i = 0; i < 10; i++)
            bar[i] = i < pct / 10 ? '#' : '.';
        bar[10] = 0;
        uint64_t mib = 1024u * 1024u;
        nb_snprintf(line, sizeof line, "[%s] %u%% %llu.%llu/%llu.%llu MiB %s", bar, pct,
                    (unsigned long long)(have / mib), (unsigned long long)(have % mib * 10 / mib),
                    (unsigned long long)(total / mib), (unsigned long long)(total % mib * 10 / mib),
                    rate);
    } else {
        nb_fmt_size(h, sizeof h, have);
        nb_snprintf(line, sizeof line, "%s %s", h, rate);
    }
    nb_say("%s: %s", p->tag, line);
    p->last_us = now;
    p->last_bytes = have;
    p->lines++;
}

static enum nb_fetch_layer layer_of(nb_err e, enum stage st)
{
    if (st == ST_DNS)
        return NB_FETCH_L_DNS;
    if (st == ST_CONNECT)
        return NB_FETCH_L_CONNECT;
    if (st == ST_LOCAL)
        return NB_FETCH_L_LOCAL;
    if (st == ST_TLS)
        return NB_FETCH_L_TLS;
    if (e == NB_E_TLS_TRUNCATED)
        return NB_FETCH_L_TRANSFER;
    if (nb_tls_is_tls_error(e))
        return NB_FETCH_L_TLS;
    if (e >= NB_E_URL_SYNTAX && e <= NB_E_URL_TOO_LONG)
        return NB_FETCH_L_URL;
    switch (e) {
    case NB_E_HTTP_DEADLINE:
        return NB_FETCH_L_DEADLINE;
    case NB_E_HTTP_IDLE:
    case NB_E_HTTP_TRUNCATED:
    case NB_E_CONN_RESET:
    case NB_E_CONN_CLOSED:
    case NB_E_CONN_TIMEOUT:
    case NB_E_TIMEOUT:
    case NB_E_UNREACHABLE:
        return NB_FETCH_L_TRANSFER;
    case NB_E_HTTP_BODY_TOO_BIG:
    case NB_E_NO_MEMORY:
        return NB_FETCH_L_LOCAL;
    default:
        return http_is_protocol_error(e) ? NB_FETCH_L_PROTOCOL : NB_FETCH_L_LOCAL;
    }
}

/* ------------------------------------------------------------ tftp */

static enum nb_fetch_layer tftp_layer(nb_err e)
{
    switch (e) {
    case NB_E_TFTP_DEADLINE: return NB_FETCH_L_DEADLINE;
    case NB_E_TFTP_TIMEOUT: return NB_FETCH_L_CONNECT;
    case NB_E_TFTP_SESSION_LOST:
    case NB_E_TFTP_TOO_MANY_RESTARTS:
    case NB_E_TFTP_UNKNOWN_TID: return NB_FETCH_L_TRANSFER;
    case NB_E_TFTP_TOO_BIG: return NB_FETCH_L_LOCAL;
    default:
        return e >= NB_E_TFTP_NOT_FOUND && e <= NB_E_TFTP_PROTOCOL ? NB_FETCH_L_PROTOCOL : NB_FETCH_L_LOCAL;
    }
}

/* tftp://host[:port]/file: the same request and result as HTTP. TFTP cannot
 * resume, so an offset means the data starts again at 0 (restarted). */
static nb_err fetch_tftp(struct fetch_run *fr, const struct nb_url *u, uint64_t t0)
{
    static struct tftp t;
    const struct nb_fetch_req *req = fr->req;
    struct nb_fetch_result *res = fr->res;
    struct tftp_request rq = { 0 };
    tftp_params_default(&rq.params);
    nb_err e = tftp_params_ask(&rq.params, req->tftp_blksize, req->tftp_windowsize);
    if (e != NB_OK) {
        res->layer = NB_FETCH_L_LOCAL;
        return req->quiet ? e : nb_fail(e, "tftp: %s: blksize %u, windowsize %u asked for", req->url,
                                        req->tftp_blksize, req->tftp_windowsize);
    }
    if (req->addr.family) {
        rq.server = req->addr;
    } else if (u->ip.family) {
        rq.server = u->ip;
    } else {
        struct dns_result addrs;
        e = dns_resolve(u->host, 1, 1, req->dns_timeout_ms, &addrs);
        if (e != NB_OK) {
            res->layer = NB_FETCH_L_DNS;
            return req->quiet ? e : nb_fail(e, "tftp: %s: DNS lookup of %s failed", req->url, u->host);
        }
        rq.server = addrs.addrs[0];
    }
    rq.params.port = u->port;
    rq.params.progress_ms = 0; /* fetch prints its own progress */
    if (req->deadline_us != UINT64_MAX) {
        uint64_t now = nb_now_us();
        rq.params.deadline_ms = req->deadline_us > now ? (uint32_t)((req->deadline_us - now) / 1000u) : 1;
    }
    rq.file = u->path[0] == '/' ? u->path + 1 : u->path;
    rq.cap = req->buf && req->buf_size < req->max_size ? req->buf_size : req->max_size;
    rq.data = to_caller;
    rq.progress = on_progress;
    rq.ctx = fr;
    res->server = rq.server;
    res->port = u->port;
    e = tftp_start(&t, &rq);
    if (e == NB_OK) {
        /* tftp's own deadline timer ends it; this limit is a backstop */
        net_run_until(tftp_done, &t, nb_now_us() + (uint64_t)rq.params.deadline_ms * 1000u + 2000000u);
        if (!t.finished)
            tftp_abort(&t, NB_E_TFTP_DEADLINE);
        e = t.result;
    }
    res->elapsed_us = nb_now_us() - t0;
    res->received = t.bytes;
    res->size = t.bytes;
    res->total = t.tsize == TFTP_SIZE_UNKNOWN ? NB_FETCH_SIZE_UNKNOWN : t.tsize;
    res->restarted = req->offset > 0 || t.restarts > 0;
    if (e != NB_OK) {
        res->layer = tftp_layer(e);
        return req->quiet ? e : nb_fail(e, "tftp: %s%s%s", req->url, t.why[0] ? ": " : "", t.why);
    }
    if (!req->quiet) {
        char rate[32], addr[48];
        nb_fmt_rate(rate, sizeof rate, res->received, res->elapsed_us);
        nb_ip_text(addr, sizeof addr, &rq.server);
        nb_say("tftp: %s from %s (blksize %u, windowsize %u%s): %llu bytes in %llu.%03llu s, %s", req->url,
               addr, t.blksize, t.windowsize, t.restarts ? ", restarted" : "", (unsigned long long)res->size,
               (unsigned long long)(res->elapsed_us / 1000000u),
               (unsigned long long)(res->elapsed_us / 1000u % 1000u), rate);
    }
    return NB_OK;
}

/* ------------------------------------------------------------ fetch */

nb_err nb_fetch(const struct nb_fetch_req *req, struct nb_fetch_result *res)
{
    static struct http_get g;
    struct fetch_run fr = { .req = req, .res = res, .failed_at = ST_NONE };
    static char pin_host[NB_URL_HOST_MAX + 1];
    uint64_t t0 = nb_now_us();
    size_t ulen = req->url ? strnlen(req->url, NB_URL_MAX + 1) : 0;

    memset(res, 0, sizeof *res);
    res->total = NB_FETCH_SIZE_UNKNOWN;
    http_get_init(&g);
    nb_err e = nb_url_parse(req->url ? req->url : "", ulen, &g.url);
    if (e != NB_OK) {
        res->layer = NB_FETCH_L_URL;
        return req->quiet ? e : nb_fail(e, "fetch: \"%.80s\"", req->url ? req->url : "");
    }
    res->final = g.url;
    res->protocol = nb_url_scheme_name(g.url.scheme);
    memcpy(pin_host, g.url.host, sizeof pin_host);
    fr.pin_host = pin_host;
    if (g.url.scheme == NB_URL_TFTP)
        return fetch_tftp(&fr, &g.url, t0);

    g.offset = req->offset;
    if (req->validator) {
        size_t n = strnlen(req->validator, sizeof g.validator);
        if (n < sizeof g.validator)
            memcpy(g.validator, req->validator, n + 1);
    }
    g.cap = req->max_size;
    if (req->buf && req->buf_size < g.cap)
        g.cap = req->buf_size;
    g.deadline_us = req->deadline_us;
    g.idle_ms = req->idle_timeout_ms;
    g.data = to_caller;
    g.progress = on_progress;
    g.ctx = &fr;
    nb_progress_start(&fr.bar, res->protocol, req->offset);

    struct http_conn_provider cp = { prov_get, prov_put, &fr };
    e = http_get_run(&client, &g, &cp);

    res->elapsed_us = nb_now_us() - t0;
    res->status = g.status;
    res->version = g.version;
    res->redirects = g.redirects;
    res->reused = g.reused;
    res->restarted = g.restarted;
    res->complete_already = g.complete_already;
    res->received = g.received;
    res->total = g.total;
    res->size = g.start + g.received;
    res->final = g.url;
    res->protocol = nb_url_scheme_name(g.url.scheme);
    memcpy(res->validator, g.validator, sizeof res->validator);

    char url[NB_URL_TEXT_MAX], addr[48];
    nb_url_text(&g.url, url, sizeof url);
    nb_ip_text(addr, sizeof addr, &res->server);
    int v6 = res->server.family == 6;
    if (e != NB_OK) {
        res->layer = layer_of(e, fr.failed_at);
        if (req->quiet)
            return e;
        switch (res->layer) {
        case NB_FETCH_L_DNS:
            return nb_fail(e, "%s: %s: DNS lookup of %s failed", res->protocol, url, g.url.host);
        case NB_FETCH_L_CONNECT:
            return nb_fail(e, "%s: %s: connect to %s%s%s port %u failed", res->protocol, url,
                           v6 ? "[" : "", addr, v6 ? "]" : "", (unsigned)res->port);
        case NB_FETCH_L_TLS: {
            const char *why = nb_xport_tls_why(&pool.tls);
            if (!res->server.family) /* refused before connecting (clock, trust anchors) */
                return nb_fail(e, "%s: %s: TLS: %s", res->protocol, url, why[0] ? why : "-");
            return nb_fail(e, "%s: %s: TLS with %s%s%s port %u: %s", res->protocol, url,
                           v6 ? "[" : "", addr, v6 ? "]" : "", (unsigned)res->port,
                           why[0] ? why : "-");
        }
        case NB_FETCH_L_DEADLINE:
            return nb_fail(e, "%s: %s: deadline passed after %llu ms with %llu bytes", res->protocol,
                           url, (unsigned long long)(res->elapsed_us / 1000u),
                           (unsigned long long)res->received);
        default:
            if (e == NB_E_HTTP_STATUS)
                return nb_fail(e, "%s: %s: HTTP status %u from %s%s%s port %u", res->protocol, url,
                               g.status, v6 ? "[" : "", addr, v6 ? "]" : "", (unsigned)res->port);
            return nb_fail(e, "%s: %s from %s%s%s port %u (HTTP status %u, %llu bytes)", res->protocol,
                           url, v6 ? "[" : "", addr, v6 ? "]" : "", (unsigned)res->port, g.status,
                           (unsigned long long)res->received);
        }
    }
    if (!req->quiet) {
        char rate[32], extra[160];
        size_t n = 0;
        extra[0] = 0;
        if (res->complete_already)
            n += (size_t)nb_snprintf(extra + n, sizeof extra - n, ", already complete");
        else if (res->restarted)
            n += (size_t)nb_snprintf(extra + n, sizeof extra - n,
                                     ", restarted from 0 (the server could not resume at %llu)",
                                     (unsigned long long)req->offset);
        else if (req->offset)
            n += (size_t)nb_snprintf(extra + n, sizeof extra - n, ", resumed at %llu",
                                     (unsigned long long)req->offset);
        if (res->redirects && n < sizeof extra)
            n += (size_t)nb_snprintf(extra + n, sizeof extra - n, ", %u redirect%s", res->redirects,
                                     res->redirects == 1 ? "" : "s");
        if (res->reused && n < sizeof extra)
            n += (size_t)nb_snprintf(extra + n, sizeof extra - n, ", kept-alive connection");
        nb_fmt_rate(rate, sizeof rate, res->received, res->elapsed_us);
        nb_say("%s: %s from %s%s%s port %u (HTTP/1.%u %u%s%s): %llu bytes in %llu.%03llu s, %s%s",
               res->protocol, url, v6 ? "[" : "", addr, v6 ? "]" : "", (unsigned)res->port,
               g.version == 10 ? 0u : 1u, g.status, res->tls[0] ? ", " : "", res->tls,
               (unsigned long long)res->size,
               (unsigned long long)(res->elapsed_us / 1000000u),
               (unsigned long long)(res->elapsed_us / 1000u % 1000u), rate, extra);
    }
    return NB_OK;
}
