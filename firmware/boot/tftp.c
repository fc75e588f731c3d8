/*
 * TFTP client: RFC 1350 read requests in octet mode, option extension
 * (RFC 2347) with blksize (RFC 2348), tsize and timeout (RFC 2349) and
 * windowsize (RFC 7440).
 *
 * One transfer is a state machine advanced by datagrams (tftp_input, called
 * by the UDP socket) and by two timers: the retransmission timer, whose
 * meaning depends on the state, and the deadline of the whole transfer.
 * The states are data (the table `states` below): which handler takes an
 * OACK, a DATA and an ERROR from the server, what the retransmission timer
 * does, and whether packets must come from the server's locked TID.
 *
 *   state     on an OACK          on a DATA             on an ERROR        when the timer fires
 *   REQUEST   lock the TID,       block 1: lock the     8: ask again       resend the RRQ; after
 *   (RRQ sent check it, ACK 0     TID, 512-byte lock-   without options;   `retries`: fail (no
 *   from a    -> TRANSFER         step -> TRANSFER      else fail          answer)
 *   new port) (ICMP unreachable: fails at once on the first request, retried on a restart's)
 *   TRANSFER  a repeat while      in order: deliver,    the session is     re-ACK the last
 *             nothing came:       ACK at window end;    lost: RESTART      in-order block; after
 *             ACK 0 again         ahead: ACK the last   (or fail when no   `retries`: the session
 *                                 in-order block once;  restarts are left) is lost: RESTART
 *                                 behind: re-ACK it     (so does an ICMP unreachable)
 *   RESTART   (socket closed)                                              -> REQUEST
 *   DONE, FAILED: nothing is expected; the socket is closed
 *
 * TIDs (RFC 1350 §4): every attempt uses a new random local port. The first
 * reply from the address we sent to fixes the server's port; later packets
 * from any other address or port get ERROR 5 (unless they are ERRORs
 * themselves) and change nothing.
 *
 * Windows (RFC 7440): blocks are taken strictly in order and handed to the
 * sink straight from the received datagram; nothing out of order is kept.
 * After `windowsize` in-order blocks the last one is ACKed. A block ahead
 * of the next one wanted means a loss: the last in-order block is ACKed
 * once, so the server resends from there, and the rest of that window is
 * dropped; if the numbers go back while still ahead (the resent window
 * lost its first block again), that ACK is repeated. A block behind (a
 * resent window whose ACK was lost, a duplicate) never reaches the sink;
 * when it is the last in-order block it is ACKed again. With windowsize 1
 * this is exactly RFC 1350's lock-step.
 *
 * Positions: blocks are counted from 1 in 64 bits, so files of more than
 * 65535 blocks work. On the wire the number after 65535 is 0 for tftpd-hpa,
 * atftpd and dnsmasq, but 1 for some servers. The convention is learned at
 * the wrap: block 0 settles it; block 1 where 0 is due is either a server
 * that wraps to 1 or block 0 lost, so it counts as a gap (ACK 65535) until
 * it has been seen after WRAP_VOTES separate ACKs (1 in lock-step, where a
 * server that wraps to 0 cannot send block 1 before we ACK block 0). A
 * server that wraps to 0 would have to lose block 0 three times in a row to
 * be misread. tftpd-hpa's "rollover" option, when asked for and
 * acknowledged, settles it up front.
 *
 * Anycast: a TFTP session lives in one server process. When the route to
 * an anycast address moves mid-transfer, our ACKs reach a site that never
 * saw the request: it answers with an ERROR, an ICMP port unreachable, or
 * nothing. Any of these in TRANSFER means the session is lost; TFTP cannot
 * resume, so the transfer starts again from block 1 (the sink sees offset 0
 * again), from a fresh port, at most `max_restarts` times.
 *
 * Not done: no dallying after the final ACK (RFC 1350 §6 suggests waiting in
 * case it is lost; a server that misses it resends, times out and gives up,
 * which costs us nothing), no netascii, no write requests, no multicast.
 */
#include "boot/tftp.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip.h"
#include "net/ip_text.h"
#include "net/stack.h"
#include <stddef.h>
#include <string.h>

#define UDP_HLEN 8u
#define TFTP_HLEN 4u
#define WRAP_VOTES 3u
#define DEC_MAX 20u /* digits of a 64-bit decimal */

/* ---------------------------------------------------------------- packets */

struct wbuf {
    uint8_t *b;
    size_t size, len;
    int over;
};

static void w_bytes(struct wbuf *w, const void *p, size_t n)
{
    if (w->over || n > w->size - w->len) {
        w->over = 1;
        return;
    }
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

/* A string with its NUL. */
static void w_str(struct wbuf *w, const char *s) { w_bytes(w, s, strlen(s) + 1); }

static void w_dec(struct wbuf *w, uint64_t v)
{
    char t[DEC_MAX + 1];
    size_t i = sizeof t;
    t[--i] = 0;
    do {
        t[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    w_bytes(w, t + i, sizeof t - i);
}

static void w_opt(struct wbuf *w, const char *name, uint64_t v)
{
    w_str(w, name);
    w_dec(w, v);
}

nb_err tftp_build_rrq(uint8_t *buf, size_t size, const char *file, const struct tftp_opts *ask,
                      size_t *len)
{
    size_t fl = file ? strnlen(file, TFTP_FILE_MAX + 1) : 0;
    if (fl == 0 || fl > TFTP_FILE_MAX)
        return NB_E_TFTP_FILENAME;
    for (size_t i = 0; i < fl; i++)
        if ((uint8_t)file[i] < 0x20 || (uint8_t)file[i] == 0x7f)
            return NB_E_TFTP_FILENAME;
    unsigned f = ask ? ask->flags : 0;
    if (((f & TFTP_OPT_BLKSIZE) &&
         (ask->blksize < TFTP_BLKSIZE_MIN || ask->blksize > TFTP_BLKSIZE_MAX)) ||
        ((f & TFTP_OPT_WINDOWSIZE) && ask->windowsize == 0) ||
        ((f & TFTP_OPT_TIMEOUT) && ask->timeout == 0) ||
        ((f & TFTP_OPT_ROLLOVER) && ask->rollover > 1))
        return NB_E_INVALID;
    struct wbuf w = { buf, size < TFTP_RRQ_MAX ? size : TFTP_RRQ_MAX, 0, 0 };
    static const uint8_t op[2] = { 0, TFTP_OP_RRQ };
    w_bytes(&w, op, 2);
    w_bytes(&w, file, fl);
    w_bytes(&w, "", 1);
    w_str(&w, "octet");
    if (f & TFTP_OPT_BLKSIZE)
        w_opt(&w, "blksize", ask->blksize);
    if (f & TFTP_OPT_TSIZE)
        w_opt(&w, "tsize", ask->tsize);
    if (f & TFTP_OPT_TIMEOUT)
        w_opt(&w, "timeout", ask->timeout);
    if (f & TFTP_OPT_WINDOWSIZE)
        w_opt(&w, "windowsize", ask->windowsize);
    if (f & TFTP_OPT_ROLLOVER)
        w_opt(&w, "rollover", ask->rollover);
    if (w.over)
        return NB_E_TOO_BIG;
    *len = w.len;
    return NB_OK;
}

size_t tftp_build_ack(uint8_t buf[4], uint16_t block)
{
    put16(buf, TFTP_OP_ACK);
    put16(buf + 2, block);
    return 4;
}

size_t tftp_build_error(uint8_t *buf, size_t size, uint16_t code, const char *msg)
{
    if (size < 5)
        return 0;
    put16(buf, TFTP_OP_ERROR);
    put16(buf + 2, code);
    size_t n = msg ? strnlen(msg, size - 5) : 0;
    if (n)
        memcpy(buf + 4, msg, n);
    buf[4 + n] = 0;
    return 5 + n;
}

nb_err tftp_parse(const uint8_t *p, size_t len, struct tftp_pkt *out)
{
    memset(out, 0, sizeof *out);
    if (len < 2)
        return NB_E_TRUNCATED;
    out->op = get16(p);
    switch (out->op) {
    case TFTP_OP_DATA:
    case TFTP_OP_ACK:
        if (len < TFTP_HLEN)
            return NB_E_TRUNCATED;
        out->block = get16(p + 2);
        out->data = p + TFTP_HLEN;
        out->len = len - TFTP_HLEN;
        return NB_OK;
    case TFTP_OP_ERROR: {
        if (len < TFTP_HLEN)
            return NB_E_TRUNCATED;
        out->code = get16(p + 2);
        out->data = p + TFTP_HLEN;
        out->len = len - TFTP_HLEN;
        size_t n = 0;
        for (size_t i = 0; i < out->len && p[TFTP_HLEN + i] != 0 && n < TFTP_ERRMSG_MAX; i++) {
            uint8_t c = p[TFTP_HLEN + i];
            out->msg[n++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
        }
        out->msg[n] = 0;
        return NB_OK;
    }
    case TFTP_OP_OACK:
        out->data = p + 2;
        out->len = len - 2;
        return NB_OK;
    case TFTP_OP_RRQ:
    case TFTP_OP_WRQ:
        out->data = p + 2;
        out->len = len - 2;
        return NB_OK;
    default:
        return NB_E_MALFORMED;
    }
}

static int lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* Case-insensitive match of (p, n) against a lower-case name. */
static int name_is(const uint8_t *p, size_t n, const char *name)
{
    if (n != strlen(name))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != (uint8_t)name[i])
            return 0;
    return 1;
}

/* Plain decimal digits, at most 20 of them, within 64 bits. */
static int parse_dec(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > DEC_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return 0;
        v = v * 10u + d;
    }
    *out = v;
    return 1;
}

static const struct {
    const char *name;
    unsigned flag;
} known_opts[] = {
    { "blksize", TFTP_OPT_BLKSIZE },       { "tsize", TFTP_OPT_TSIZE },
    { "timeout", TFTP_OPT_TIMEOUT },       { "windowsize", TFTP_OPT_WINDOWSIZE },
    { "rollover", TFTP_OPT_ROLLOVER },
};

nb_err tftp_parse_oack(const uint8_t *p, size_t len, const struct tftp_opts *asked,
                       struct tftp_opts *got)
{
    memset(got, 0, sizeof *got);
    size_t off = 0;
    /* Each pass consumes at least two bytes (two NULs): bounded by len. */
    while (off < len) {
        const uint8_t *name = p + off;
        const uint8_t *z = memchr(name, 0, len - off);
        if (!z)
            return NB_E_MALFORMED;
        size_t nlen = (size_t)(z - name);
        off += nlen + 1;
        if (off >= len)
            return NB_E_MALFORMED; /* a name without a value */
        const uint8_t *val = p + off;
        z = memchr(val, 0, len - off);
        if (!z)
            return NB_E_MALFORMED;
        size_t vlen = (size_t)(z - val);
        off += vlen + 1;
        if (nlen == 0 || vlen == 0)
            return NB_E_MALFORMED;
        unsigned flag = 0;
        for (size_t i = 0; i < sizeof known_opts / sizeof known_opts[0]; i++)
            if (name_is(name, nlen, known_opts[i].name))
                flag = known_opts[i].flag;
        if (!flag)
            continue; /* an option we do not know: ignore it (RFC 2347) */
        if (!(asked->flags & flag) || (got->flags & flag))
            return NB_E_TFTP_BAD_OACK; /* not asked for, or said twice */
        uint64_t v;
        if (!parse_dec(val, vlen, &v))
            return NB_E_TFTP_BAD_OACK;
        switch (flag) {
        case TFTP_OPT_BLKSIZE:
            if (v < TFTP_BLKSIZE_MIN || v > asked->blksize)
                return NB_E_TFTP_BAD_OACK;
            got->blksize = (uint16_t)v;
            break;
        case TFTP_OPT_WINDOWSIZE:
            if (v < 1 || v > asked->windowsize)
                return NB_E_TFTP_BAD_OACK;
            got->windowsize = (uint16_t)v;
            break;
        case TFTP_OPT_TIMEOUT:
            if (v < 1 || v > 255)
                return NB_E_TFTP_BAD_OACK;
            got->timeout = (uint8_t)v;
            break;
        case TFTP_OPT_ROLLOVER:
            if (v > 1)
                return NB_E_TFTP_BAD_OACK;
            got->rollover = (uint8_t)v;
            break;
        default: /* TFTP_OPT_TSIZE: any size; the caller checks it against its cap */
            got->tsize = v;
            break;
        }
        got->flags |= flag;
    }
    return NB_OK;
}

/* ---------------------------------------------------------------- transfers */

enum tftp_state { TS_IDLE, TS_REQUEST, TS_TRANSFER, TS_RESTART, TS_DONE, TS_FAILED };
enum { WRAP_UNKNOWN, WRAP_TO_0, WRAP_TO_1 };

typedef void (*pkt_fn)(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);

struct state_desc {
    const char *name;
    pkt_fn oack, data, error;     /* NULL: not expected in this state (dropped) */
    void (*timer)(struct tftp *t); /* the retransmission timer fired */
    int locked;                   /* packets must come from the server's TID */
};

static void request_oack(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void request_data(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void request_error(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void request_timer(struct tftp *t);
static void transfer_oack(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void transfer_data(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void transfer_error(struct tftp *t, const struct tftp_pkt *k, uint16_t sport);
static void transfer_timer(struct tftp *t);
static void restart_timer(struct tftp *t);

static const struct state_desc states[] = {
    [TS_IDLE] = { "idle", NULL, NULL, NULL, NULL, 0 },
    [TS_REQUEST] = { "request", request_oack, request_data, request_error, request_timer, 0 },
    [TS_TRANSFER] = { "transfer", transfer_oack, transfer_data, transfer_error, transfer_timer, 1 },
    [TS_RESTART] = { "restart", NULL, NULL, NULL, restart_timer, 0 },
    [TS_DONE] = { "done", NULL, NULL, NULL, NULL, 0 },
    [TS_FAILED] = { "failed", NULL, NULL, NULL, NULL, 0 },
};

void tftp_params_default(struct tftp_params *p)
{
    memset(p, 0, sizeof *p);
    p->port = TFTP_PORT;
    p->blksize = 0;
    p->windowsize = 16;
    p->timeout_s = 1;
    p->use_options = 1;
    p->ask_tsize = 1;
    p->rollover = -1;
    p->rto_ms = 1000;
    p->rto_max_ms = 4000;
    p->retries = 5;
    p->max_restarts = 3;
    p->restart_delay_ms = 100;
    p->deadline_ms = 300000;
    p->progress_ms = 5000;
}

static int blksize_ok(uint64_t v) { return v >= TFTP_BLKSIZE_MIN && v <= TFTP_BLKSIZE_MAX; }
static int windowsize_ok(uint64_t v) { return v >= 1 && v <= TFTP_WINDOW_MAX; }

nb_err tftp_params_ask(struct tftp_params *p, unsigned blksize, unsigned windowsize)
{
    if ((blksize && !blksize_ok(blksize)) || (windowsize && !windowsize_ok(windowsize)))
        return NB_E_TFTP_BAD_OPTION;
    if (blksize)
        p->blksize = (uint16_t)blksize;
    if (windowsize)
        p->windowsize = (uint16_t)windowsize;
    return NB_OK;
}

/* One "key=value" item of an option list into *blksize or *windowsize. */
static int optlist_item(const uint8_t *p, size_t n, uint16_t *blksize, uint16_t *windowsize)
{
    const uint8_t *eq = memchr(p, '=', n);
    if (!eq)
        return 0;
    size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
    uint64_t v;
    if (!parse_dec(eq + 1, vlen, &v) || eq[1] == '0')
        return 0;
    if (name_is(p, klen, "blksize") && !*blksize && blksize_ok(v))
        *blksize = (uint16_t)v;
    else if (name_is(p, klen, "windowsize") && !*windowsize && windowsize_ok(v))
        *windowsize = (uint16_t)v;
    else
        return 0;
    return 1;
}

nb_err tftp_parse_optlist(const char *s, size_t len, uint16_t *blksize, uint16_t *windowsize,
                          size_t *bad)
{
    const uint8_t *p = (const uint8_t *)s;
    *blksize = *windowsize = 0;
    *bad = 0;
    if (len == 0 || len > TFTP_OPTLIST_MAX)
        return NB_E_TFTP_BAD_OPTION;
    for (size_t at = 0; at <= len;) {
        const uint8_t *comma = memchr(p + at, ',', len - at);
        size_t end = comma ? (size_t)(comma - p) : len;
        if (!optlist_item(p + at, end - at, blksize, windowsize)) {
            *bad = at;
            *blksize = *windowsize = 0;
            return NB_E_TFTP_BAD_OPTION;
        }
        at = end + 1;
    }
    return NB_OK;
}

static void server_text(const struct tftp *t, char *buf, unsigned size)
{
    nb_ip_text(buf, size, &t->rq.server);
}

/* The wire number of block position pos (from 1). */
static uint16_t wire_of(const struct tftp *t, uint64_t pos)
{
    if (pos < 65536u || t->wrap != WRAP_TO_1)
        return (uint16_t)pos;
    return (uint16_t)((pos - 1u) % 65535u + 1u);
}

static void close_sock(struct tftp *t)
{
    if (t->sock_open)
        udp_close(&t->sock);
    t->sock_open = 0;
}

static void finish(struct tftp *t, nb_err e)
{
    nb_timer_cancel(&t->rto_timer);
    nb_timer_cancel(&t->deadline_timer);
    close_sock(t);
    t->state = e == NB_OK ? TS_DONE : TS_FAILED;
    t->result = e;
    t->finished = 1;
    t->end_us = nb_now_us();
}

static void send_error_to(struct tftp *t, const struct nb_ip *dst, uint16_t port, uint16_t code,
                          const char *msg)
{
    uint8_t b[TFTP_HLEN + 64];
    size_t n = tftp_build_error(b, sizeof b, code, msg);
    if (t->sock_open && udp_sendto(&t->sock, NULL, dst, port, b, n) == NB_OK)
        NB_COUNT(CTR_TFTP_ERROR_SENT);
}

/* Fail for a reason of ours; the server, if it has a session with us, is
 * told with ERROR code so it stops sending. */
static void abort_with(struct tftp *t, nb_err e, uint16_t code, const char *msg)
{
    if (t->server_tid && t->sock_open)
        send_error_to(t, &t->rq.server, t->server_tid, code, msg);
    finish(t, e);
}

static void send_ack(struct tftp *t, uint64_t pos)
{
    uint8_t b[4];
    tftp_build_ack(b, wire_of(t, pos));
    if (udp_sendto(&t->sock, NULL, &t->rq.server, t->server_tid, b, sizeof b) == NB_OK)
        NB_COUNT(CTR_TFTP_ACK_SENT);
    /* a failed send (no buffer, neighbour not resolved yet) is a lost ACK:
     * the retransmission timer covers it */
    t->ack_epoch++;
    t->in_window = 0;
}

static void arm_rto(struct tftp *t) { nb_timer_arm(&t->rto_timer, (uint64_t)t->rto_ms * 1000u); }

/* A retransmission: back off, and say whether retries are left. */
static int backoff(struct tftp *t)
{
    if (t->tries >= t->rq.params.retries)
        return 0;
    t->tries++;
    t->retransmits++;
    NB_COUNT(CTR_TFTP_RETRANSMIT);
    uint32_t max = t->rq.params.rto_max_ms;
    t->rto_ms = t->rto_ms > max / 2u ? max : t->rto_ms * 2u;
    return 1;
}

static uint16_t path_blksize(const struct nb_ip *server)
{
    unsigned room = ip_max_payload(server);
    if (room < UDP_HLEN + TFTP_HLEN + TFTP_BLKSIZE_DEFAULT)
        return TFTP_BLKSIZE_DEFAULT;
    room -= UDP_HLEN + TFTP_HLEN;
    return (uint16_t)(room > TFTP_BLKSIZE_MAX ? TFTP_BLKSIZE_MAX : room);
}

static nb_err send_rrq(struct tftp *t)
{
    uint8_t b[TFTP_RRQ_MAX];
    size_t n;
    nb_err e = tftp_build_rrq(b, sizeof b, t->file, t->sent_options ? &t->asked : NULL, &n);
    if (e == NB_OK)
        e = udp_sendto(&t->sock, NULL, &t->rq.server, t->rq.params.port, b, n);
    if (e == NB_OK)
        NB_COUNT(CTR_TFTP_RRQ_SENT);
    return e;
}

static void rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
               const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)dst;
    tftp_input(s->ctx, src, sport, data, len);
}

/* A new attempt: fresh port, clean per-attempt state, RRQ sent. */
static nb_err begin_attempt(struct tftp *t, int with_options)
{
    uint16_t old_port = t->sock.lport;
    nb_err e = NB_OK;
    close_sock(t);
    for (unsigned i = 0; i < 4; i++) {
        e = udp_open(&t->sock, t->rq.server.family, 0, rx, t);
        if (e != NB_OK || t->sock.lport != old_port || old_port == 0)
            break;
        udp_close(&t->sock);
    }
    if (e != NB_OK)
        return e;
    t->sock_open = 1;
    t->state = TS_REQUEST;
    t->sent_options = with_options;
    t->server_tid = 0;
    t->bytes = 0;
    t->next = 1;
    t->blksize = TFTP_BLKSIZE_DEFAULT;
    t->windowsize = 1;
    t->tsize = TFTP_SIZE_UNKNOWN;
    t->options_acked = 0;
    t->wrap = WRAP_UNKNOWN;
    t->wrap_votes = 0;
    t->in_window = 0;
    t->gap_acked = 0;
    t->gap_ahead = 0;
    t->tries = 0;
    t->request_icmp = NB_OK;
    t->rto_ms = t->rq.params.rto_ms;
    e = send_rrq(t);
    if (e != NB_OK) {
        close_sock(t);
        return e;
    }
    arm_rto(t);
    return NB_OK;
}

static void progress_line(struct tftp *t, uint64_t now)
{
    uint64_t us = now - t->start_us;
    uint64_t rate10 = t->bytes * 10u / (us ? us : 1u); /* MB/s in tenths */
    char srv[NB_IP6_TEXT_MAX];
    server_text(t, srv, sizeof srv);
    if (t->tsize != TFTP_SIZE_UNKNOWN && t->tsize)
        nb_say("tftp: %s %s: %llu of %llu bytes (%u%%), %u s, %u.%u MB/s", srv, t->file,
               (unsigned long long)t->bytes, (unsigned long long)t->tsize,
               (unsigned)(t->bytes * 100u / t->tsize), (unsigned)(us / 1000000u),
               (unsigned)(rate10 / 10u), (unsigned)(rate10 % 10u));
    else
        nb_say("tftp: %s %s: %llu bytes, %u s, %u.%u MB/s", srv, t->file,
               (unsigned long long)t->bytes, (unsigned)(us / 1000000u), (unsigned)(rate10 / 10u),
               (unsigned)(rate10 % 10u));
}

static void report_progress(struct tftp *t)
{
    if (t->rq.progress)
        t->rq.progress(t->rq.ctx, t->bytes, t->tsize);
    uint32_t every = t->rq.params.progress_ms;
    if (every) {
        uint64_t now = nb_now_us();
        if (now - t->last_progress_us >= (uint64_t)every * 1000u) {
            t->last_progress_us = now;
            progress_line(t, now);
        }
    }
}

/* The session is gone (ERROR, ICMP or silence mid-transfer): start again
 * from block 1 after a pause, or give up when no restarts are left. */
static void session_lost(struct tftp *t, nb_err why, const char *detail)
{
    char srv[NB_IP6_TEXT_MAX];
    unsigned max = t->rq.params.max_restarts;
    server_text(t, srv, sizeof srv);
    close_sock(t);
    nb_timer_cancel(&t->rto_timer);
    nb_snprintf(t->why, sizeof t->why, "%s", detail);
    if (t->restarts >= max) {
        nb_say("tftp: server at %s lost the session at block %llu (%s); no restarts left", srv,
               (unsigned long long)(t->next - 1u), detail);
        finish(t, max ? NB_E_TFTP_TOO_MANY_RESTARTS : why);
        return;
    }
    t->restarts++;
    NB_COUNT(CTR_TFTP_RESTART);
    nb_say("tftp: server at %s lost the session at block %llu (%s); restarting (%u/%u)", srv,
           (unsigned long long)(t->next - 1u), detail, t->restarts, max);
    t->state = TS_RESTART;
    nb_timer_arm(&t->rto_timer, (uint64_t)t->rq.params.restart_delay_ms * 1000u);
}

static nb_err server_error(uint16_t code)
{
    switch (code) {
    case TFTP_EC_NOT_FOUND: return NB_E_TFTP_NOT_FOUND;
    case TFTP_EC_ACCESS: return NB_E_TFTP_ACCESS;
    case TFTP_EC_UNKNOWN_TID: return NB_E_TFTP_UNKNOWN_TID;
    case TFTP_EC_OPTIONS: return NB_E_TFTP_OPTIONS_REFUSED;
    default: return NB_E_TFTP_SERVER_ERROR;
    }
}

static void note_error(struct tftp *t, const struct tftp_pkt *k)
{
    NB_COUNT(CTR_TFTP_ERROR_RX);
    t->server_error = k->code;
    memcpy(t->server_msg, k->msg, sizeof t->server_msg);
    nb_snprintf(t->why, sizeof t->why, "ERROR %u \"%s\"", k->code, k->msg);
}

/* ---- REQUEST */

static void start_transfer(struct tftp *t, uint16_t sport)
{
    t->server_tid = sport;
    t->state = TS_TRANSFER;
    t->next = 1;
    t->tries = 0;
    t->rto_ms = t->rq.params.rto_ms;
}

static void request_oack(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    NB_COUNT(CTR_TFTP_OACK_RX);
    start_transfer(t, sport);
    if (!t->sent_options) {
        abort_with(t, NB_E_TFTP_PROTOCOL, TFTP_EC_OPTIONS, "no options were requested");
        return;
    }
    struct tftp_opts got;
    nb_err e = tftp_parse_oack(k->data, k->len, &t->asked, &got);
    if (e != NB_OK) {
        abort_with(t, NB_E_TFTP_BAD_OACK, TFTP_EC_OPTIONS, "option acknowledgment refused");
        return;
    }
    if (got.flags & TFTP_OPT_BLKSIZE)
        t->blksize = got.blksize;
    if (got.flags & TFTP_OPT_WINDOWSIZE)
        t->windowsize = got.windowsize;
    if (got.flags & TFTP_OPT_ROLLOVER)
        t->wrap = got.rollover ? WRAP_TO_1 : WRAP_TO_0;
    if (got.flags & TFTP_OPT_TSIZE) {
        t->tsize = got.tsize;
        if (got.tsize > t->rq.cap) {
            abort_with(t, NB_E_TFTP_TOO_BIG, TFTP_EC_OPTIONS, "file larger than the size cap");
            return;
        }
    }
    t->options_acked = 1;
    send_ack(t, 0);
    if (t->rq.progress)
        t->rq.progress(t->rq.ctx, 0, t->tsize);
    arm_rto(t);
}

static void request_data(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    if (k->block != 1) {
        NB_COUNT(CTR_TFTP_DROP_STATE);
        return;
    }
    /* A server without options (or ignoring ours): 512-byte lock-step. */
    start_transfer(t, sport);
    transfer_data(t, k, sport);
}

static void request_error(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    char srv[NB_IP6_TEXT_MAX];
    (void)sport;
    note_error(t, k);
    server_text(t, srv, sizeof srv);
    if (k->code == TFTP_EC_OPTIONS && t->sent_options) {
        nb_say("tftp: server at %s refused the options (ERROR 8 \"%s\"); asking again without "
               "options", srv, k->msg);
        t->options_refused = 1;
        nb_err e = begin_attempt(t, 0);
        if (e != NB_OK)
            finish(t, e);
        return;
    }
    finish(t, server_error(k->code));
}

static void request_timer(struct tftp *t)
{
    if (!backoff(t)) {
        if (t->request_icmp != NB_OK)
            nb_snprintf(t->why, sizeof t->why, "ICMP: %s", nb_strerror(t->request_icmp));
        else
            nb_snprintf(t->why, sizeof t->why, "no answer to the request, %u retransmissions",
                        t->rq.params.retries);
        finish(t, t->request_icmp != NB_OK ? t->request_icmp : NB_E_TFTP_TIMEOUT);
        return;
    }
    nb_err e = send_rrq(t);
    if (e != NB_OK && e != NB_E_NO_BUFFER && e != NB_E_NEIGHBOR_UNREACHABLE) {
        finish(t, e);
        return;
    }
    arm_rto(t);
}

/* ---- TRANSFER */

static void transfer_oack(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    (void)k, (void)sport;
    /* The server resent its OACK: our ACK 0 was lost. */
    if (t->options_acked && t->next == 1) {
        send_ack(t, 0);
        return;
    }
    NB_COUNT(CTR_TFTP_DROP_STATE);
}

static void transfer_data(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    (void)sport;
    NB_COUNT(CTR_TFTP_DATA_RX);
    if (k->len > t->blksize) {
        NB_COUNT(CTR_TFTP_DROP_OVERSIZE);
        return;
    }
    uint16_t want = wire_of(t, t->next);
    int in_order = k->block == want;
    if (in_order && t->next == 65536u && t->wrap == WRAP_UNKNOWN)
        t->wrap = WRAP_TO_0; /* block 0 after 65535 */
    if (!in_order && t->next == 65536u && t->wrap == WRAP_UNKNOWN && k->block == 1) {
        /* Block 0 lost, or a server that wraps to 1: one vote per ACK we sent. */
        if (t->wrap_votes == 0 || t->vote_epoch != t->ack_epoch) {
            t->wrap_votes++;
            t->vote_epoch = t->ack_epoch;
        }
        if (t->wrap_votes >= (t->windowsize == 1 ? 1u : WRAP_VOTES)) {
            t->wrap = WRAP_TO_1;
            in_order = 1;
        }
    }
    if (!in_order) {
        uint16_t ahead = (uint16_t)(k->block - want);
        if (ahead != 0 && ahead < 0x8000u) {
            /* A gap. ACK once for the rest of this window; again only when
             * the numbers go back (the server resent from our ACK and the
             * first block was lost again). */
            NB_COUNT(CTR_TFTP_DROP_AHEAD);
            if (!t->gap_acked || ahead <= t->gap_ahead) {
                send_ack(t, t->next - 1u);
                NB_COUNT(CTR_TFTP_GAP_ACK_SENT);
                t->gap_acked = 1;
            }
            t->gap_ahead = ahead;
        } else {
            NB_COUNT(CTR_TFTP_DROP_STALE);
            if (t->next > 1 && k->block == wire_of(t, t->next - 1u))
                send_ack(t, t->next - 1u);
        }
        return;
    }

    uint64_t off = (t->next - 1u) * t->blksize;
    if (off > t->rq.cap || k->len > t->rq.cap - off) {
        abort_with(t, NB_E_TFTP_TOO_BIG, TFTP_EC_DISK_FULL, "file larger than the size cap");
        return;
    }
    NB_COUNT(CTR_TFTP_DATA_IN_ORDER);
    nb_err e = t->rq.data(t->rq.ctx, off, k->data, k->len);
    if (e != NB_OK) {
        abort_with(t, e, TFTP_EC_UNDEFINED, "transfer aborted by the client");
        return;
    }
    t->bytes = off + k->len;
    t->next++;
    t->in_window++;
    t->tries = 0;
    t->rto_ms = t->rq.params.rto_ms;
    t->gap_acked = 0;
    t->gap_ahead = 0;
    if (k->len < t->blksize) {
        send_ack(t, t->next - 1u);
        if (t->rq.progress)
            t->rq.progress(t->rq.ctx, t->bytes, t->tsize);
        finish(t, NB_OK);
        return;
    }
    if (t->in_window >= t->windowsize) {
        send_ack(t, t->next - 1u);
        report_progress(t);
    }
    arm_rto(t);
}

static void transfer_error(struct tftp *t, const struct tftp_pkt *k, uint16_t sport)
{
    char detail[sizeof t->why];
    (void)sport;
    note_error(t, k);
    memcpy(detail, t->why, sizeof detail);
    session_lost(t, server_error(k->code), detail);
}

static void transfer_timer(struct tftp *t)
{
    if (!backoff(t)) {
        char detail[48];
        nb_snprintf(detail, sizeof detail, "no answer to %u retransmissions",
                    t->rq.params.retries);
        session_lost(t, NB_E_TFTP_SESSION_LOST, detail);
        return;
    }
    t->gap_acked = 0;
    send_ack(t, t->next - 1u);
    arm_rto(t);
}

/* ---- RESTART */

static void restart_timer(struct tftp *t)
{
    nb_err e = begin_attempt(t, t->rq.params.use_options);
    if (e != NB_OK)
        finish(t, e);
}

/* ---- events */

static struct tftp *of_timer(struct nb_timer *tm, size_t off)
{
    return (struct tftp *)(void *)((char *)tm - off);
}

static void rto_fired(struct nb_timer *tm)
{
    struct tftp *t = of_timer(tm, offsetof(struct tftp, rto_timer));
    if (!t->finished && states[t->state].timer)
        states[t->state].timer(t);
}

static void deadline_fired(struct nb_timer *tm)
{
    struct tftp *t = of_timer(tm, offsetof(struct tftp, deadline_timer));
    if (t->finished)
        return;
    abort_with(t, NB_E_TFTP_DEADLINE, TFTP_EC_UNDEFINED, "transfer deadline passed");
}

void tftp_input(struct tftp *t, const struct nb_ip *src, uint16_t sport, const uint8_t *data,
                size_t len)
{
    const struct state_desc *s = &states[t->state];
    struct tftp_pkt k;
    nb_err e = tftp_parse(data, len, &k);
    if (t->finished || !t->sock_open) {
        NB_COUNT(CTR_TFTP_DROP_STATE);
        return;
    }
    int from_server = nb_ip_eq(src, &t->rq.server);
    if (s->locked && (!from_server || sport != t->server_tid)) {
        /* Another TID (RFC 1350 §4): tell it, change nothing. Never answer
         * an ERROR with an ERROR. */
        NB_COUNT(CTR_TFTP_DROP_TID);
        if (e != NB_OK || k.op != TFTP_OP_ERROR)
            send_error_to(t, src, sport, TFTP_EC_UNKNOWN_TID, "unknown transfer ID");
        return;
    }
    if (!from_server) {
        NB_COUNT(CTR_TFTP_DROP_SOURCE);
        return;
    }
    if (e != NB_OK) {
        NB_COUNT(CTR_TFTP_DROP_MALFORMED);
        return;
    }
    pkt_fn fn = k.op == TFTP_OP_OACK ? s->oack : k.op == TFTP_OP_DATA ? s->data
              : k.op == TFTP_OP_ERROR ? s->error : NULL;
    if (!fn) {
        NB_COUNT(CTR_TFTP_DROP_STATE);
        return;
    }
    fn(t, &k, sport);
}

int tftp_done(void *p)
{
    struct tftp *t = p;
    if (!t->finished && t->sock_open && t->sock.icmp_error != NB_OK) {
        nb_err why = t->sock.icmp_error;
        t->sock.icmp_error = NB_OK;
        if (t->state == TS_REQUEST && t->restarts > 0) {
            /* A restart's request: the new site may still be coming up (a
             * server restarting, routes converging); keep to the schedule. */
            t->request_icmp = why;
        } else if (t->state == TS_REQUEST) {
            /* The first request: no TFTP server there. Fail fast, so the
             * caller can try another server. */
            nb_snprintf(t->why, sizeof t->why, "ICMP: %s", nb_strerror(why));
            finish(t, why);
        } else if (t->state == TS_TRANSFER) {
            char detail[96];
            nb_snprintf(detail, sizeof detail, "ICMP: %s", nb_strerror(why));
            session_lost(t, why, detail);
        }
    }
    return t->finished;
}

nb_err tftp_start(struct tftp *t, const struct tftp_request *rq)
{
    memset(t, 0, sizeof *t);
    nb_timer_init(&t->rto_timer, rto_fired);
    nb_timer_init(&t->deadline_timer, deadline_fired);
    t->rq = *rq;
    t->rq.file = t->file;
    t->state = TS_IDLE;
    t->tsize = TFTP_SIZE_UNKNOWN;
    struct tftp_params *p = &t->rq.params;
    if (!rq->file || !rq->data || (rq->server.family != 4 && rq->server.family != 6)) {
        finish(t, NB_E_INVALID);
        return NB_E_INVALID;
    }
    size_t fl = strnlen(rq->file, TFTP_FILE_MAX + 1);
    if (fl == 0 || fl > TFTP_FILE_MAX) {
        finish(t, NB_E_TFTP_FILENAME);
        return NB_E_TFTP_FILENAME;
    }
    memcpy(t->file, rq->file, fl);
    t->file[fl] = 0;
    if (!p->port)
        p->port = TFTP_PORT;
    if (!p->rto_ms)
        p->rto_ms = 1000;
    if (p->rto_max_ms < p->rto_ms)
        p->rto_max_ms = p->rto_ms;
    if (!t->rq.cap)
        t->rq.cap = TFTP_SIZE_UNKNOWN;
    if (p->windowsize == 0)
        p->windowsize = 1;
    if (p->windowsize > TFTP_WINDOW_MAX)
        p->windowsize = TFTP_WINDOW_MAX;

    /* What we ask for: the block size that fits the path (no IP
     * fragmentation: the stack does not reassemble), a window, tsize 0. */
    uint16_t fit = path_blksize(&rq->server);
    t->asked.blksize = p->blksize && p->blksize < fit ? p->blksize : fit;
    if (t->asked.blksize < TFTP_BLKSIZE_MIN)
        t->asked.blksize = TFTP_BLKSIZE_MIN;
    t->asked.flags = TFTP_OPT_BLKSIZE;
    if (p->ask_tsize)
        t->asked.flags |= TFTP_OPT_TSIZE;
    if (p->timeout_s) {
        t->asked.flags |= TFTP_OPT_TIMEOUT;
        t->asked.timeout = p->timeout_s;
    }
    if (p->windowsize > 1) {
        t->asked.flags |= TFTP_OPT_WINDOWSIZE;
        t->asked.windowsize = p->windowsize;
    }
    if (p->rollover == 0 || p->rollover == 1) {
        t->asked.flags |= TFTP_OPT_ROLLOVER;
        t->asked.rollover = (uint8_t)p->rollover;
    }

    t->start_us = nb_now_us();
    t->last_progress_us = t->start_us;
    nb_err e = begin_attempt(t, p->use_options);
    if (e != NB_OK) {
        finish(t, e);
        return e;
    }
    if (p->deadline_ms)
        nb_timer_arm(&t->deadline_timer, (uint64_t)p->deadline_ms * 1000u);
    return NB_OK;
}

void tftp_abort(struct tftp *t, nb_err why)
{
    if (!t->finished)
        abort_with(t, why, TFTP_EC_UNDEFINED, "transfer aborted by the client");
}

nb_err tftp_get(struct tftp *t, const struct tftp_request *rq)
{
    char srv[NB_IP6_TEXT_MAX];
    nb_ip_text(srv, sizeof srv, &rq->server);
    const char *file = rq->file ? rq->file : "";
    nb_err e = tftp_start(t, rq);
    if (e != NB_OK)
        return nb_fail(e, "tftp %s %.*s", srv, (int)TFTP_FILE_MAX, file);
    if (!tftp_done(t)) {
        /* the deadline timer ends the transfer; the loop's own deadline is
         * only a backstop */
        uint64_t limit = t->rq.params.deadline_ms
                             ? t->start_us + (uint64_t)t->rq.params.deadline_ms * 1000u + 2000000u
                             : UINT64_MAX;
        net_run_until(tftp_done, t, limit);
    }
    if (!t->finished)
        tftp_abort(t, NB_E_TFTP_DEADLINE);
    uint64_t us = t->end_us - t->start_us;
    if (t->result != NB_OK)
        return nb_fail(t->result, "tftp %s %s: %s%sat byte %llu after %llu ms", srv, t->file,
                       t->why, t->why[0] ? ", " : "", (unsigned long long)t->bytes,
                       (unsigned long long)(us / 1000u));
    if (t->tsize != TFTP_SIZE_UNKNOWN && t->tsize != t->bytes)
        nb_warn("tftp: %s %s: the server announced %llu bytes (tsize) but sent %llu", srv,
                t->file, (unsigned long long)t->tsize, (unsigned long long)t->bytes);
    uint64_t rate10 = t->bytes * 10u / (us ? us : 1u);
    char extra[48] = "";
    if (t->restarts)
        nb_snprintf(extra, sizeof extra, ", %u restart%s", t->restarts,
                    t->restarts == 1 ? "" : "s");
    nb_say("tftp: %s %s: %llu bytes, blksize %u windowsize %u%s, %llu.%03llu s, %u.%u MB/s%s", srv,
           t->file, (unsigned long long)t->bytes, t->blksize, t->windowsize,
           t->options_acked ? "" : " (no options)", (unsigned long long)(us / 1000000u),
           (unsigned long long)(us / 1000u % 1000u), (unsigned)(rate10 / 10u),
           (unsigned)(rate10 % 10u), extra);
    return NB_OK;
}
