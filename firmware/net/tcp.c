/*
 * TCP (RFC 9293), the client side only: nearboot opens connections, it never
 * listens. Both families; the network layer hands us a segment with the
 * addresses set (net/ip.h) and we send through ip_output.
 *
 * State machine (a client's subset of RFC 9293 §3.3.2):
 *
 *   CLOSED --tcp_connect/SYN--> SYN_SENT --SYN-ACK/ACK--> ESTABLISHED
 *   SYN_SENT: RST acking our SYN -> CLOSED (refused); ICMP unreachable ->
 *             CLOSED (fail fast); SYN retries or connect timeout -> CLOSED.
 *             A bare SYN (simultaneous open) is dropped: we never listen and
 *             our port is random, so it is not a case a client meets.
 *   ESTABLISHED --tcp_close/FIN--> FIN_WAIT_1 --ACK of FIN--> FIN_WAIT_2
 *   ESTABLISHED --peer FIN--> CLOSE_WAIT --tcp_close/FIN--> LAST_ACK --ACK--> CLOSED
 *   FIN_WAIT_1 --peer FIN--> CLOSING --ACK of FIN--> TIME_WAIT
 *   FIN_WAIT_2 --peer FIN--> TIME_WAIT --time_wait_ms--> CLOSED
 *   any synchronized state: RST exactly at RCV.NXT -> CLOSED (reset); a RST
 *   or SYN elsewhere in the window -> challenge ACK (RFC 5961); too many
 *   timeouts in a row -> CLOSED (timeout, RST sent). tcp_abort -> CLOSED.
 * What follows a FIN, our FIN's ACK, or tcp_close is data, not code: the
 * table `states` below.
 *
 * TIME_WAIT is short (time_wait_ms, default 1 s, 0 skips it). Its two jobs
 * (RFC 9293 §3.6.1): (1) keep old duplicates out of a new incarnation of the
 * same 4-tuple — we never make one: every connection gets a fresh random
 * ephemeral port that no live connection holds, and our ISNs follow the
 * clock, so a late segment of an old connection fails the sequence checks of
 * a new one anyway; (2) re-ACK a retransmitted FIN if our last ACK was lost —
 * a second is enough for the peer's first retransmission, and if we are gone
 * the peer gets a RST for it, which ends its LAST_ACK just as well. In the
 * usual HTTP/1.0 flow the server closes first and we never enter TIME_WAIT.
 *
 * Receive: in-order data goes into the caller's ring; out-of-order data is
 * written at its own offset in the same ring and its range is remembered
 * (net/tcp_conn.h), so the hole's arrival releases everything after it
 * without a copy. ACKs carry SACK blocks for those ranges (RFC 2018) when the
 * peer allowed it. Out-of-order, duplicate and hole-filling segments, and
 * FIN, are ACKed at once (RFC 5681 §4.2). In-order data: a single segment is
 * ACKed after delack_ms at most; from the second segment on, the ACK goes
 * out at the end of the current receive burst — the poll loop runs due
 * timers after each burst of frames — covering every segment of the burst,
 * at most ack_burst_max (default 16; 2 is the strict RFC 5681 behaviour).
 * That is RFC 5681's "every second segment" whenever segments arrive one per
 * poll, and what a Linux receiver with GRO does when they arrive in bursts
 * (it sent one ACK per ~10 segments in the lab): a third of the ACK frames
 * of a strict 1:2 receiver at high rates, which on a userspace or firmware
 * path (one transmit call per frame) is CPU and link time the data can use. The window is the free ring space,
 * scaled (RFC 7323), never shrunk, and not reopened in small steps (receiver
 * SWS avoidance); reading opens it, with an update sent when the sender may
 * be waiting for it.
 *
 * Send: no Nagle (callers write whole requests and records); segments are
 * the path's payload size minus the TCP header (RFC 6691); RTO per RFC 6298
 * with Karn's rule (one segment timed at a time, never a retransmitted one),
 * exponential backoff to 60 s; slow start and congestion avoidance per RFC
 * 5681 (byte counting, L=1 SMSS); limited transmit (RFC 3042); fast
 * retransmit on the third duplicate ACK and NewReno recovery (RFC 6582). The peer's SACK blocks are parsed but not
 * used: we send little (requests, TLS handshakes), and NewReno recovers that.
 * A zero window is probed with an old-sequence ACK, backed off like the RTO.
 *
 * ACKs that answer segments we did not accept and that carry no data
 * (challenge ACKs, out-of-window ACKs, impossible ACK numbers) are limited to
 * one per 500 ms per connection (RFC 5961 §7), so two confused endpoints
 * cannot ping-pong ACKs; duplicate data is always ACKed.
 *
 * Every segment is validated before it touches a connection: length, data
 * offset, option walk (each length checked; kinds we do not know skipped by
 * length; a length below 2 or past the header drops the segment), checksum
 * with the pseudo-header, ports. No keepalives.
 */
#include "net/tcp.h"
#include "net/netif.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/ip.h"
#include "mbedtls/sha256.h"
#include <stddef.h>
#include <string.h>

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define TCP_BUF_MAX (1u << 30)      /* largest window expressible with scale 14 */
#define TCP_WSCALE_MAX 14u
#define TCP_OPT_MAX 40u
#define TCP_RTO_MAX_US 60000000u    /* RFC 6298 (2.5) */
#define TCP_CLOCK_G_US 1000u        /* timer granularity G of RFC 6298 */
#define TCP_MSS_MIN 64u
#define TCP_EPHEMERAL_LOW 49152u
#define TCP_PERSIST_MIN_US 200000u
#define US_PER_MS 1000u
/* At most one ACK per this gap answers unacceptable segments that carry no
 * data (challenge ACKs, RFC 5961 §7; out-of-window ACKs): no ACK loops. */
#define TCP_OOW_ACK_GAP_US 500000u

#define CONN_OF(t, member) ((struct tcp_conn *)(void *)((char *)(t) - offsetof(struct tcp_conn, member)))

static struct tcp_conn *conns;

/* ------------------------------------------------------------ state table */

static const struct tcp_state_desc {
    const char *name;
    uint8_t synced;       /* sequence numbers synchronized */
    uint8_t rx_open;      /* data from the peer is still accepted (no FIN yet) */
    uint8_t tx_open;      /* tcp_send may still queue */
    uint8_t on_fin;       /* next state on the peer's in-order FIN */
    uint8_t on_fin_acked; /* next state when our FIN is acknowledged */
    uint8_t on_close;     /* next state on tcp_close (CLOSED: drop at once) */
} states[] = {
    [TCP_CLOSED] = { "CLOSED", 0, 0, 0, TCP_CLOSED, TCP_CLOSED, TCP_CLOSED },
    [TCP_SYN_SENT] = { "SYN_SENT", 0, 1, 1, TCP_SYN_SENT, TCP_SYN_SENT, TCP_CLOSED },
    [TCP_ESTABLISHED] = { "ESTABLISHED", 1, 1, 1, TCP_CLOSE_WAIT, TCP_ESTABLISHED, TCP_FIN_WAIT_1 },
    [TCP_FIN_WAIT_1] = { "FIN_WAIT_1", 1, 1, 0, TCP_CLOSING, TCP_FIN_WAIT_2, TCP_FIN_WAIT_1 },
    [TCP_FIN_WAIT_2] = { "FIN_WAIT_2", 1, 1, 0, TCP_TIME_WAIT, TCP_FIN_WAIT_2, TCP_FIN_WAIT_2 },
    [TCP_CLOSING] = { "CLOSING", 1, 0, 0, TCP_CLOSING, TCP_TIME_WAIT, TCP_CLOSING },
    [TCP_TIME_WAIT] = { "TIME_WAIT", 1, 0, 0, TCP_TIME_WAIT, TCP_TIME_WAIT, TCP_TIME_WAIT },
    [TCP_CLOSE_WAIT] = { "CLOSE_WAIT", 1, 0, 1, TCP_CLOSE_WAIT, TCP_CLOSE_WAIT, TCP_LAST_ACK },
    [TCP_LAST_ACK] = { "LAST_ACK", 1, 0, 0, TCP_LAST_ACK, TCP_CLOSED, TCP_LAST_ACK },
};

const char *tcp_state_name(enum tcp_state s)
{
    return (unsigned)s < sizeof states / sizeof states[0] ? states[s].name : "?";
}

static int synced(const struct tcp_conn *c) { return states[c->state].synced; }

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint32_t max32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static size_t minsz(size_t a, size_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------ parameters */

void tcp_params_default(struct tcp_params *p)
{
    p->connect_timeout_ms = 10000;
    p->syn_retries = 5;
    p->rto_min_ms = 200;
    p->rto_initial_ms = 1000;
    p->idle_timeout_ms = 0;
    p->data_retries = 12;
    p->time_wait_ms = 1000;
    p->fin_wait2_ms = 30000;
    p->delack_ms = 40;
    p->ack_burst_max = 16;
}

/* ------------------------------------------------------------ parsing */

nb_err tcp_parse_options(const uint8_t *opt, size_t len, struct tcp_seg *s)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = opt[i];
        if (kind == 0) /* end of option list */
            break;
        if (kind == 1) { /* NOP */
            i++;
            continue;
        }
        if (len - i < 2)
            return NB_E_BAD_OPTION;
        size_t olen = opt[i + 1];
        if (olen < 2)
            return NB_E_MALFORMED;
        if (olen > len - i)
            return NB_E_BAD_OPTION;
        const uint8_t *v = opt + i + 2;
        /* A known kind with the wrong length is ignored, like an unknown one. */
        switch (kind) {
        case 2:
            if (olen == 4) {
                s->has_mss = 1;
                s->mss = get16(v);
            }
            break;
        case 3:
            if (olen == 3) {
                s->has_wscale = 1;
                s->wscale = v[0] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : v[0];
            }
            break;
        case 4:
            if (olen == 2)
                s->sack_perm = 1;
            break;
        case 5:
            if (olen >= 10 && (olen - 2) % 8 == 0) {
                size_t n = (olen - 2) / 8;
                s->nsack = 0;
                for (size_t k = 0; k < n && k < TCP_SACK_MAX; k++) {
                    s->sack[k].start = get32(v + 8 * k);
                    s->sack[k].end = get32(v + 8 * k + 4);
                    s->nsack++;
                }
            }
            break;
        case 8:
            if (olen == 10) {
                s->has_ts = 1;
                s->ts_val = get32(v);
                s->ts_ecr = get32(v + 4);
            }
            break;
        default:
            break;
        }
        i += olen;
    }
    return NB_OK;
}

nb_err tcp_parse(const uint8_t *seg, size_t len, struct tcp_seg *s)
{
    memset(s, 0, sizeof *s);
    if (len < TCP_HLEN)
        return NB_E_TRUNCATED;
    size_t doff = (size_t)(seg[12] >> 4) * 4;
    if (doff < TCP_HLEN)
        return NB_E_MALFORMED;
    if (doff > len)
        return NB_E_TRUNCATED;
    s->sport = get16(seg);
    s->dport = get16(seg + 2);
    if (s->sport == 0 || s->dport == 0)
        return NB_E_MALFORMED;
    s->seq = get32(seg + 4);
    s->ack = get32(seg + 8);
    s->flags = seg[13] & 0x3f;
    s->wnd = get16(seg + 14);
    s->payload = seg + doff;
    s->len = len - doff;
    return tcp_parse_options(seg + TCP_HLEN, doff - TCP_HLEN, s);
}

/* ------------------------------------------------------------ ISN, ports */

static uint8_t isn_secret[32];
static int isn_secret_ready;

/* RFC 9293 §3.4.1: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M the 4 µs clock, F the first 32 bits of HMAC-SHA256 under a
 * secret drawn once from the DRBG. */
static nb_err make_isn(const struct tcp_conn *c, uint32_t *isn)
{
    if (!isn_secret_ready) {
        nb_err e = nb_random(isn_secret, sizeof isn_secret);
        if (e != NB_OK)
            return e;
        isn_secret_ready = 1;
    }
    uint8_t msg[1 + 16 + 2 + 16 + 2], pad[64], inner[32], mac[32];
    size_t alen = c->local.family == 4 ? 4 : 16, n = 0;
    msg[n++] = c->local.family;
    memcpy(msg + n, c->local.a, alen), n += alen;
    put16(msg + n, c->lport), n += 2;
    memcpy(msg + n, c->remote.a, alen), n += alen;
    put16(msg + n, c->rport), n += 2;

    mbedtls_sha256_context h;
    int rc = 0;
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < sizeof isn_secret; i++)
        pad[i] ^= isn_secret[i];
    mbedtls_sha256_init(&h);
    rc |= mbedtls_sha256_starts(&h, 0);
    rc |= mbedtls_sha256_update(&h, pad, sizeof pad);
    rc |= mbedtls_sha256_update(&h, msg, n);
    rc |= mbedtls_sha256_finish(&h, inner);
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < sizeof isn_secret; i++)
        pad[i] ^= isn_secret[i];
    rc |= mbedtls_sha256_starts(&h, 0);
    rc |= mbedtls_sha256_update(&h, pad, sizeof pad);
    rc |= mbedtls_sha256_update(&h, inner, sizeof inner);
    rc |= mbedtls_sha256_finish(&h, mac);
    mbedtls_sha256_free(&h);
    memset(pad, 0, sizeof pad);
    if (rc != 0)
        return NB_E_DRBG;
    *isn = (uint32_t)(nb_now_us() / 4u) + get32(mac);
    return NB_OK;
}

static int port_in_use(uint16_t port)
{
    for (struct tcp_conn *c = conns; c; c = c->next)
        if (c->lport == port)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ lifetime */

static void unlink_conn(struct tcp_conn *c)
{
    for (struct tcp_conn **pp = &conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    c->next = NULL;
}

/* The end of every connection: CLOSED, timers off, out of the list. */
static void conn_finish(struct tcp_conn *c, nb_err why)
{
    if (why != NB_OK && c->error == NB_OK)
        c->error = why;
    c->state = TCP_CLOSED;
    nb_timer_cancel(&c->t_rtx);
    nb_timer_cancel(&c->t_delack);
    nb_timer_cancel(&c->t_deadline);
    unlink_conn(c);
}

static void on_rtx(struct nb_timer *t);
static void on_delack(struct nb_timer *t);
static void on_deadline(struct nb_timer *t);

/* ------------------------------------------------------------ rings */

static void ring_write(uint8_t *ring, size_t cap, size_t pos, const uint8_t *src, size_t n)
{
    size_t first = minsz(cap - pos, n);
    memcpy(ring + pos, src, first);
    if (n > first)
        memcpy(ring, src + first, n - first);
}

static void ring_read(const uint8_t *ring, size_t cap, size_t pos, uint8_t *dst, size_t n)
{
    size_t first = minsz(cap - pos, n);
    memcpy(dst, ring + pos, first);
    if (n > first)
        memcpy(dst + first, ring, n - first);
}

static size_t ring_pos(size_t head, size_t off, size_t cap)
{
    size_t pos = head + off; /* head < cap and off < cap: no overflow */
    return pos >= cap ? pos - cap : pos;
}

/* ------------------------------------------------------------ windows, MSS */

/* Largest segment payload toward the peer for a header with optlen option
 * bytes (RFC 6691: the peer's MSS counts no options). */
static uint32_t seg_payload_max(const struct tcp_conn *c, size_t optlen)
{
    uint32_t path = ip_max_payload(&c->remote);
    uint32_t lim = min32(path, (uint32_t)c->peer_mss + TCP_HLEN);
    uint32_t hdr = (uint32_t)(TCP_HLEN + optlen);
    return lim > hdr ? lim - hdr : 1;
}

static uint32_t snd_mss(const struct tcp_conn *c) { return seg_payload_max(c, 0); }

/* Our MSS option: what fits the path to the peer. */
static uint16_t adv_mss(const struct tcp_conn *c)
{
    uint32_t p = ip_max_payload(&c->remote);
    p = p > TCP_HLEN ? p - TCP_HLEN : TCP_MSS_MIN;
    return (uint16_t)(p > 0xffff ? 0xffff : p < TCP_MSS_MIN ? TCP_MSS_MIN : p);
}

/* Ring bytes holding in-order data not yet read (the peer's FIN takes a
 * sequence number but no room). */
static uint32_t rx_used(const struct tcp_conn *c)
{
    return (uint32_t)(c->rcv_nxt - c->rx_seq) - (c->fin_rcvd ? 1u : 0u);
}

/* Free space beyond rcv_nxt in the receive ring. */
static uint32_t rx_space(const struct tcp_conn *c) { return (uint32_t)c->rxcap - rx_used(c); }

/* The window field for an outgoing segment (not a SYN), and the right edge
 * it advertises, which never moves left. Receiver SWS avoidance (RFC 9293
 * §3.8.6.2.2): the edge moves right only by min(rxcap/2, MSS) or more. */
static uint16_t rcv_window_field(struct tcp_conn *c)
{
    uint32_t unit = 1u << c->rcv_wscale;
    uint32_t space = rx_space(c);
    uint32_t wnd = (space >> c->rcv_wscale) << c->rcv_wscale; /* round down: never offer more than we have */
    if (wnd > (0xffffu << c->rcv_wscale))
        wnd = 0xffffu << c->rcv_wscale;
    uint32_t edge = c->rcv_nxt + wnd;
    uint32_t step = min32((uint32_t)(c->rxcap / 2), adv_mss(c));
    if (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv < step)
        edge = c->rcv_adv;
    if (SEQ_LT(edge, c->rcv_adv))
        edge = c->rcv_adv; /* never shrink (rounding can overshoot space by < unit) */
    c->rcv_adv = edge;
    uint32_t bytes = edge - c->rcv_nxt;
    uint32_t field = (bytes + unit - 1) >> c->rcv_wscale;
    return (uint16_t)(field > 0xffff ? 0xffff : field);
}

/* What the peer may still send beyond rcv_nxt, as last advertised. */
static uint32_t rcv_wnd_now(const struct tcp_conn *c)
{
    return SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

/* ------------------------------------------------------------ output */

struct out_seg {
    uint32_t seq;
    uint8_t flags;
    uint16_t wnd;
    const uint8_t *opt;
    size_t optlen;
    size_t data_off, data_len; /* from the send ring, relative to tx_seq */
};

/* Build and send one segment of connection c. NB_E_NO_BUFFER: nothing sent. */
static nb_err emit(struct tcp_conn *c, const struct out_seg *o)
{
    struct pkb *p = pkb_alloc();
    if (!p) {
        NB_COUNT(CTR_TCP_TX_NOBUF);
        return NB_E_NO_BUFFER;
    }
    size_t hlen = TCP_HLEN + o->optlen;
    uint8_t *h = pkb_put(p, hlen + o->data_len);
    if (!h) {
        pkb_free(p);
        NB_COUNT(CTR_TCP_TX_NOBUF);
        return NB_E_NO_BUFFER;
    }
    put16(h, c->lport);
    put16(h + 2, c->rport);
    put32(h + 4, o->seq);
    put32(h + 8, (o->flags & TCP_ACK) ? c->rcv_nxt : 0);
    h[12] = (uint8_t)((hlen / 4) << 4);
    h[13] = o->flags;
    put16(h + 14, o->wnd);
    put16(h + 16, 0);
    put16(h + 18, 0);
    if (o->optlen)
        memcpy(h + TCP_HLEN, o->opt, o->optlen);
    if (o->data_len)
        ring_read(c->txbuf, c->txcap, ring_pos(c->tx_head, o->data_off, c->txcap), h + hlen,
                  o->data_len);
    put16(h + 16, csum_transport(&c->local, &c->remote, NB_PROTO_TCP, h, hlen + o->data_len));
    NB_COUNT(CTR_TCP_TX);
    if (o->flags & TCP_ACK) {
        c->unacked_segs = 0;
        nb_timer_cancel(&c->t_delack);
    }
    nb_err e = ip_output(p, NB_PROTO_TCP, &c->local, &c->remote);
    if (e != NB_OK && e != NB_E_NO_BUFFER)
        NB_COUNT(CTR_TCP_TX_ERR);
    /* A segment lost below us is like one lost on the wire: the timers
     * recover it. Only "no buffer here" means nothing left. */
    return NB_OK;
}

/* SACK option (RFC 2018): the range holding the newest segment first, then
 * the others newest first, as many as fit. Returns its length. */
static size_t build_sack(const struct tcp_conn *c, uint8_t *opt)
{
    if (!c->sack_ok || c->n_ooo == 0)
        return 0;
    unsigned n = c->n_ooo < TCP_SACK_MAX ? c->n_ooo : TCP_SACK_MAX;
    uint8_t used[TCP_OOO_MAX] = { 0 };
    opt[0] = 1;
    opt[1] = 1;
    opt[2] = 5;
    opt[3] = (uint8_t)(2 + 8 * n);
    for (unsigned k = 0; k < n; k++) {
        unsigned best = TCP_OOO_MAX;
        for (unsigned i = 0; i < c->n_ooo; i++)
            if (!used[i] && (best == TCP_OOO_MAX || c->ooo[i].stamp > c->ooo[best].stamp))
                best = i;
        used[best] = 1;
        put32(opt + 4 + 8 * k, c->ooo[best].start);
        put32(opt + 8 + 8 * k, c->ooo[best].end);
    }
    return 4 + 8 * (size_t)n;
}

static void send_ack(struct tcp_conn *c)
{
    uint8_t opt[TCP_OPT_MAX];
    struct out_seg o = { .seq = c->snd_nxt, .flags = TCP_ACK, .opt = opt };
    o.optlen = build_sack(c, opt);
    o.wnd = rcv_window_field(c);
    emit(c, &o);
}

/* An ACK answering a segment we did not accept: rate-limited. */
static void send_ack_limited(struct tcp_conn *c)
{
    uint64_t now = nb_now_us();
    if (c->oow_ack_us && now - c->oow_ack_us < TCP_OOW_ACK_GAP_US) {
        NB_COUNT(CTR_TCP_ACK_RATELIMITED);
        return;
    }
    c->oow_ack_us = now ? now : 1;
    send_ack(c);
}

static void send_syn(struct tcp_conn *c)
{
    uint16_t mss = adv_mss(c);
    uint8_t opt[12] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss, /* MSS */
                        1, 3, 3, c->rcv_wscale,                  /* NOP, window scale */
                        1, 1, 4, 2 };                            /* NOP NOP SACK-permitted */
    struct out_seg o = { .seq = c->iss, .flags = TCP_SYN, .opt = opt, .optlen = sizeof opt };
    o.wnd = (uint16_t)minsz(c->rxcap, 0xffff); /* a SYN's window is never scaled */
    emit(c, &o);
}

/* RST for a segment no connection wants (RFC 9293 §3.10.7.1). */
static void send_rst_reply(const struct pkb *in, const struct tcp_seg *s)
{
    if (s->flags & TCP_RST)
        return;
    struct pkb *p = pkb_alloc();
    if (!p) {
        NB_COUNT(CTR_TCP_TX_NOBUF);
        return;
    }
    uint8_t *h = pkb_put(p, TCP_HLEN);
    struct nb_ip local = nb_ip_from(in->family, in->dst), remote = nb_ip_from(in->family, in->src);
    uint32_t seglen = (uint32_t)s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
    memset(h, 0, TCP_HLEN);
    put16(h, s->dport);
    put16(h + 2, s->sport);
    if (s->flags & TCP_ACK) {
        put32(h + 4, s->ack);
        h[13] = TCP_RST;
    } else {
        put32(h + 8, s->seq + seglen);
        h[13] = TCP_RST | TCP_ACK;
    }
    h[12] = (TCP_HLEN / 4) << 4;
    put16(h + 16, csum_transport(&local, &remote, NB_PROTO_TCP, h, TCP_HLEN));
    NB_COUNT(CTR_TCP_TX);
    NB_COUNT(CTR_TCP_RST_SENT);
    ip_output(p, NB_PROTO_TCP, &local, &remote);
}

static void send_rst(struct tcp_conn *c)
{
    struct out_seg o = { .seq = c->snd_max, .flags = TCP_RST };
    NB_COUNT(CTR_TCP_RST_SENT);
    emit(c, &o);
}

/* ------------------------------------------------------------ RTO */

static uint32_t rto_min_us(const struct tcp_conn *c)
{
    uint64_t v = (uint64_t)c->params.rto_min_ms * US_PER_MS;
    return v > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : (uint32_t)v;
}

static uint32_t rto_backed_off(const struct tcp_conn *c)
{
    uint64_t v = (uint64_t)c->rto << (c->backoff > 20 ? 20 : c->backoff);
    return v > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : (uint32_t)v;
}

static void rtt_sample(struct tcp_conn *c, uint64_t r64)
{
    uint32_t r = r64 > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : (uint32_t)r64;
    if (!c->have_rtt) { /* RFC 6298 (2.2) */
        c->srtt = r;
        c->rttvar = r / 2;
        c->have_rtt = 1;
    } else { /* (2.3), alpha 1/8, beta 1/4 */
        uint32_t delta = c->srtt > r ? c->srtt - r : r - c->srtt;
        c->rttvar = (uint32_t)(((uint64_t)c->rttvar * 3 + delta) / 4);
        c->srtt = (uint32_t)(((uint64_t)c->srtt * 7 + r) / 8);
    }
    uint64_t rto = (uint64_t)c->srtt + max32(TCP_CLOCK_G_US, 4u * c->rttvar);
    if (rto < rto_min_us(c)) /* (2.4), with the configured floor */
        rto = rto_min_us(c);
    c->rto = rto > TCP_RTO_MAX_US ? TCP_RTO_MAX_US : (uint32_t)rto;
}

static void arm_rtx(struct tcp_conn *c) { nb_timer_arm(&c->t_rtx, rto_backed_off(c)); }

/* ------------------------------------------------------------ sending */

static uint32_t fin_seq(const struct tcp_conn *c) { return c->tx_seq + (uint32_t)c->txlen; }


static int fin_acked(const struct tcp_conn *c)
{
    return c->fin_queued && SEQ_GT(c->snd_una, fin_seq(c));
}

/* Send what window and congestion window allow, from snd_nxt. Returns the
 * number of segments sent. */
static unsigned tcp_output(struct tcp_conn *c)
{
    unsigned sent = 0;
    if (!synced(c) || c->state == TCP_TIME_WAIT)
        return 0;
    for (;;) {
        uint32_t off = c->snd_nxt - c->tx_seq; /* snd_nxt >= tx_seq when synchronized */
        if (off > c->txlen)
            break; /* only the FIN is beyond the data, and it has been sent */
        uint32_t avail = (uint32_t)c->txlen - off;
        if (avail == 0 && !c->fin_queued)
            break;
        uint32_t flight = c->snd_nxt - c->snd_una;
        uint32_t wnd = min32(c->snd_wnd, c->cwnd);
        uint32_t usable = wnd > flight ? wnd - flight : 0;
        uint8_t opt[TCP_OPT_MAX];
        size_t optlen = build_sack(c, opt);
        uint32_t segmax = seg_payload_max(c, optlen);
        uint32_t n = min32(min32(avail, usable), segmax);
        /* The FIN follows the last data byte (and needs no window). */
        int fin = c->fin_queued && n == avail;
        if (n == 0 && !fin)
            break;
        /* Sender SWS avoidance (RFC 9293 §3.8.6.2.1): no small segment
         * because the window is small, unless it is half the largest the
         * peer offered or nothing is in flight to bring an ACK back. */
        if (n < avail && n < segmax && n < c->max_snd_wnd / 2 && flight > 0)
            break;
        struct out_seg o = {
            .seq = c->snd_nxt, .flags = (uint8_t)(TCP_ACK | (n && n == avail ? TCP_PSH : 0) | (fin ? TCP_FIN : 0)),
            .opt = opt, .optlen = optlen, .data_off = off, .data_len = n,
        };
        o.wnd = rcv_window_field(c);
        if (emit(c, &o) != NB_OK) {
            if (!c->t_rtx.armed)
                arm_rtx(c); /* out of buffers: try again on the timer */
            break;
        }
        sent++;
        if (SEQ_LT(c->snd_nxt, c->snd_max)) {
            NB_COUNT(CTR_TCP_RETRANSMIT_SEG);
            c->st_rexmit_segs++;
        } else if (!c->rtt_timing && n) {
            c->rtt_timing = 1;
            c->rtt_seq = c->snd_nxt;
            c->rtt_start = nb_now_us();
        }
        c->snd_nxt += n + (fin ? 1u : 0u);
        if (SEQ_GT(c->snd_nxt, c->snd_max))
            c->snd_max = c->snd_nxt;
        if (!c->t_rtx.armed)
            arm_rtx(c);
        if (fin)
            break;
    }
    /* Zero window with data waiting and nothing in flight: probe. */
    if (c->snd_wnd == 0 && c->snd_una == c->snd_max && c->txlen > 0 && !c->t_rtx.armed)
        nb_timer_arm(&c->t_rtx, max32(rto_backed_off(c), TCP_PERSIST_MIN_US));
    return sent;
}

/* Retransmit the first unacknowledged segment (fast retransmit, partial ACK). */
static void retransmit_first(struct tcp_conn *c)
{
    uint32_t save = c->snd_nxt, cwnd = c->cwnd;
    c->snd_nxt = c->snd_una;
    c->cwnd = c->snd_nxt - c->snd_una + snd_mss(c); /* exactly one segment */
    c->rtt_timing = 0;                              /* Karn */
    uint32_t wnd = c->snd_wnd;
    if (c->snd_wnd < snd_mss(c))
        c->snd_wnd = snd_mss(c); /* resend even into a shrunk window */
    tcp_output(c);
    c->snd_wnd = wnd;
    c->cwnd = cwnd;
    if (SEQ_GT(save, c->snd_nxt))
        c->snd_nxt = save;
}

/* ------------------------------------------------------------ timers */

static void on_rtx(struct nb_timer *t)
{
    struct tcp_conn *c = CONN_OF(t, t_rtx);
    if (c->state == TCP_SYN_SENT) {
        if (c->syn_tries > c->params.syn_retries) {
            NB_COUNT(CTR_TCP_CONN_TIMEOUT);
            conn_finish(c, c->soft_error != NB_OK ? c->soft_error : NB_E_CONN_TIMEOUT);
            return;
        }
        c->syn_tries++;
        c->backoff++;
        NB_COUNT(CTR_TCP_RTO);
        NB_COUNT(CTR_TCP_RETRANSMIT_SEG);
        send_syn(c);
        arm_rtx(c);
        return;
    }
    if (!synced(c) || c->state == TCP_TIME_WAIT)
        return;
    if (c->snd_una != c->snd_max) {
        if (++c->retries > c->params.data_retries) {
            NB_COUNT(CTR_TCP_CONN_TIMEOUT);
            send_rst(c);
            conn_finish(c, NB_E_CONN_TIMEOUT);
            return;
        }
        /* RFC 5681 (4): one segment after a timeout; RFC 6582: no fast
         * retransmit for losses of the data sent before it. */
        uint32_t flight = c->snd_max - c->snd_una;
        c->ssthresh = max32(flight / 2, 2 * snd_mss(c));
        c->cwnd = snd_mss(c);
        c->ca_acked = 0;
        c->in_recovery = 0;
        c->recover = c->snd_max;
        c->dupacks = 0;
        c->rtt_timing = 0;
        if (c->backoff < 30)
            c->backoff++;
        c->st_timeouts++;
        NB_COUNT(CTR_TCP_RTO);
        c->snd_nxt = c->snd_una;
        uint32_t wnd = c->snd_wnd;
        if (c->snd_wnd < snd_mss(c))
            c->snd_wnd = snd_mss(c);
        tcp_output(c);
        c->snd_wnd = wnd;
        arm_rtx(c);
        return;
    }
    if (c->snd_wnd == 0 && c->txlen > 0) { /* zero-window probe */
        struct out_seg o = { .seq = c->snd_una - 1, .flags = TCP_ACK };
        o.wnd = rcv_window_field(c);
        NB_COUNT(CTR_TCP_WINDOW_PROBE);
        emit(c, &o);
        if (c->backoff < 30)
            c->backoff++;
        nb_timer_arm(&c->t_rtx, max32(rto_backed_off(c), TCP_PERSIST_MIN_US));
    }
}

static void on_delack(struct nb_timer *t)
{
    struct tcp_conn *c = CONN_OF(t, t_delack);
    if (synced(c))
        send_ack(c);
}

static void on_deadline(struct nb_timer *t)
{
    struct tcp_conn *c = CONN_OF(t, t_deadline);
    switch (c->state) {
    case TCP_SYN_SENT:
        NB_COUNT(CTR_TCP_CONN_TIMEOUT);
        conn_finish(c, c->soft_error != NB_OK ? c->soft_error : NB_E_CONN_TIMEOUT);
        break;
    case TCP_TIME_WAIT:
    case TCP_FIN_WAIT_2:
        conn_finish(c, NB_OK);
        break;
    case TCP_CLOSED:
        break;
    default: /* idle timeout */
        NB_COUNT(CTR_TCP_CONN_TIMEOUT);
        send_rst(c);
        conn_finish(c, NB_E_TIMEOUT);
        break;
    }
}

static void arm_idle(struct tcp_conn *c)
{
    if (c->params.idle_timeout_ms && (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
                                      c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING ||
                                      c->state == TCP_LAST_ACK))
        nb_timer_arm(&c->t_deadline, (uint64_t)c->params.idle_timeout_ms * US_PER_MS);
}

static void enter_state(struct tcp_conn *c, enum tcp_state s)
{
    if (s == c->state)
        return;
    if (s == TCP_CLOSED) {
        conn_finish(c, NB_OK);
        return;
    }
    c->state = s;
    if (s == TCP_TIME_WAIT) {
        nb_timer_cancel(&c->t_rtx);
        if (c->params.time_wait_ms == 0) {
            conn_finish(c, NB_OK);
            return;
        }
        nb_timer_arm(&c->t_deadline, (uint64_t)c->params.time_wait_ms * US_PER_MS);
    } else if (s == TCP_FIN_WAIT_2) {
        nb_timer_arm(&c->t_deadline, (uint64_t)c->params.fin_wait2_ms * US_PER_MS);
    }
}

/* ------------------------------------------------------------ connect */

nb_err tcp_connect(struct tcp_conn *c, const struct nb_ip *dst, uint16_t dport, uint8_t *rxbuf,
                   size_t rxcap, uint8_t *txbuf, size_t txcap, const struct tcp_params *params)
{
    for (struct tcp_conn *o = conns; o; o = o->next)
        if (o == c)
            return NB_E_INVALID; /* still live */
    if (!dst || (dst->family != 4 && dst->family != 6) || dport == 0 || !rxbuf || rxcap == 0 ||
        (!txbuf && txcap))
        return NB_E_INVALID;
    memset(c, 0, sizeof *c);
    if (params)
        c->params = *params;
    else
        tcp_params_default(&c->params);
    c->remote = *dst;
    c->rport = dport;
    nb_err e = ip_select_src(dst, &c->local);
    if (e != NB_OK)
        return e;
    c->rxbuf = rxbuf;
    c->rxcap = minsz(rxcap, TCP_BUF_MAX);
    c->txbuf = txbuf;
    c->txcap = minsz(txcap, TCP_BUF_MAX);
    while (c->rcv_wscale < TCP_WSCALE_MAX && (c->rxcap >> c->rcv_wscale) > 0xffff)
        c->rcv_wscale++;

    unsigned tries = 0;
    uint32_t r;
    do {
        if ((e = nb_random(&r, sizeof r)) != NB_OK)
            return e;
        c->lport = (uint16_t)(TCP_EPHEMERAL_LOW + r % (65536u - TCP_EPHEMERAL_LOW));
    } while (port_in_use(c->lport) && ++tries < 64);
    if (port_in_use(c->lport))
        return NB_E_PORT_IN_USE;
    if ((e = make_isn(c, &c->iss)) != NB_OK)
        return e;

    c->snd_una = c->iss;
    c->snd_nxt = c->iss + 1;
    c->snd_max = c->iss + 1;
    c->tx_seq = c->iss + 1;
    c->recover = c->iss;
    c->peer_mss = dst->family == 4 ? 536 : 1220; /* RFC 9293 §3.7.1 defaults */
    c->rto = (uint32_t)min32(c->params.rto_initial_ms, TCP_RTO_MAX_US / US_PER_MS) * US_PER_MS;
    if (c->rto < rto_min_us(c))
        c->rto = rto_min_us(c);
    c->state = TCP_SYN_SENT;
    nb_timer_init(&c->t_rtx, on_rtx);
    nb_timer_init(&c->t_delack, on_delack);
    nb_timer_init(&c->t_deadline, on_deadline);
    c->next = conns;
    conns = c;
    c->syn_first_us = nb_now_us();
    c->syn_tries = 1;
    send_syn(c);
    arm_rtx(c);
    if (c->params.connect_timeout_ms)
        nb_timer_arm(&c->t_deadline, (uint64_t)c->params.connect_timeout_ms * US_PER_MS);
    return NB_OK;
}

/* ------------------------------------------------------------ receiving */

/* Remember [s, e) as held out of order. 0: no room for another range. */
static int ooo_add(struct tcp_conn *c, uint32_t s, uint32_t e)
{
    unsigned n = c->n_ooo, i = 0, j;
    while (i < n && SEQ_LT(c->ooo[i].end, s))
        i++;
    j = i;
    while (j < n && SEQ_LEQ(c->ooo[j].start, e))
        j++;
    uint32_t stamp = ++c->ooo_clock;
    if (i == j) {
        if (n == TCP_OOO_MAX)
            return 0;
        memmove(&c->ooo[i + 1], &c->ooo[i], (n - i) * sizeof c->ooo[0]);
        c->ooo[i] = (struct tcp_range){ s, e, stamp };
        c->n_ooo = n + 1;
    } else {
        uint32_t ns = SEQ_LT(s, c->ooo[i].start) ? s : c->ooo[i].start;
        uint32_t ne = SEQ_GT(e, c->ooo[j - 1].end) ? e : c->ooo[j - 1].end;
        c->ooo[i] = (struct tcp_range){ ns, ne, stamp };
        memmove(&c->ooo[i + 1], &c->ooo[j], (n - j) * sizeof c->ooo[0]);
        c->n_ooo = n - (j - i - 1);
    }
    if (c->n_ooo > c->st_ooo_max)
        c->st_ooo_max = c->n_ooo;
    return 1;
}

/* Ranges that rcv_nxt reached become in-order data. */
static void ooo_advance(struct tcp_conn *c)
{
    unsigned k = 0;
    while (k < c->n_ooo && SEQ_LEQ(c->ooo[k].start, c->rcv_nxt)) {
        if (SEQ_GT(c->ooo[k].end, c->rcv_nxt))
            c->rcv_nxt = c->ooo[k].end;
        k++;
    }
    if (k) {
        memmove(&c->ooo[0], &c->ooo[k], (c->n_ooo - k) * sizeof c->ooo[0]);
        c->n_ooo -= k;
    }
}

/* Nothing is beyond the peer's FIN: ranges past f go. */
static void ooo_clip(struct tcp_conn *c, uint32_t f)
{
    unsigned k = 0;
    while (k < c->n_ooo && SEQ_LT(c->ooo[k].start, f)) {
        if (SEQ_GT(c->ooo[k].end, f))
            c->ooo[k].end = f;
        k++;
    }
    c->n_ooo = k;
}

/* The peer's FIN is in sequence: count it and move on. */
static void fin_in_order(struct tcp_conn *c)
{
    c->rcv_nxt++;
    c->fin_rcvd = 1;
    c->fin_ooo = 0;
    enter_state(c, (enum tcp_state)states[c->state].on_fin);
}

/* Data and FIN of an acceptable segment (RFC 9293 §3.10.7.4, steps 7-8).
 * Returns 1 when an ACK must go out now, 0 when it may be delayed. */
static int rx_data(struct tcp_conn *c, uint32_t seq, const uint8_t *data, size_t len, int fin)
{
    if (!states[c->state].rx_open) {
        /* After the peer's FIN only retransmissions can come: ACK them (a
         * FIN again in TIME_WAIT restarts the wait, RFC 9293 §3.10.7.4). */
        if (fin && c->state == TCP_TIME_WAIT)
            nb_timer_arm(&c->t_deadline, (uint64_t)c->params.time_wait_ms * US_PER_MS);
        return 1;
    }
    int had_holes = c->n_ooo > 0, ack_now = 0;
    if (SEQ_LT(seq, c->rcv_nxt)) { /* trim what we already have */
        uint32_t skip = c->rcv_nxt - seq;
        if (skip > len || (skip == len && !fin)) {
            NB_COUNT(CTR_TCP_RX_DUP);
            c->st_dup++;
            return 1; /* all old: the sender must hear where we are */
        }
        data += skip, len -= skip, seq = c->rcv_nxt;
    }
    /* Trim to the room in the ring (at least the window we advertised), and
     * to the peer's FIN if we know where it is. */
    uint32_t limit = c->rx_seq + (uint32_t)c->rxcap;
    if (c->fin_ooo && SEQ_LT(c->fin_ooo_seq, limit))
        limit = c->fin_ooo_seq;
    if (SEQ_GT(seq + (uint32_t)len, limit)) {
        NB_COUNT(CTR_TCP_DROP_RCV_WINDOW);
        len = SEQ_GT(limit, seq) ? limit - seq : 0;
        fin = 0;
        ack_now = 1;
    }
    if (len == 0 && !fin)
        return ack_now;

    if (seq == c->rcv_nxt) {
        if (len) {
            ring_write(c->rxbuf, c->rxcap, ring_pos(c->rx_head, seq - c->rx_seq, c->rxcap), data, len);
            c->rcv_nxt += (uint32_t)len;
            c->st_rx_bytes += len;
            c->unacked_segs++;
        }
        if (fin) {
            c->fin_ooo = 1;
            c->fin_ooo_seq = c->rcv_nxt;
            ooo_clip(c, c->rcv_nxt);
        }
        ooo_advance(c);
        if (c->fin_ooo && c->rcv_nxt == c->fin_ooo_seq) {
            fin_in_order(c);
            return 1;
        }
        return ack_now || had_holes;
    }
    /* Out of order: keep it at its offset if a range can hold it. */
    NB_COUNT(CTR_TCP_RX_OOO);
    c->st_ooo++;
    if (len) {
        if (!ooo_add(c, seq, seq + (uint32_t)len)) {
            NB_COUNT(CTR_TCP_DROP_OOO_FULL);
            c->st_ooo_drop++;
            return 1;
        }
        ring_write(c->rxbuf, c->rxcap, ring_pos(c->rx_head, seq - c->rx_seq, c->rxcap), data, len);
        c->st_rx_bytes += len;
    }
    if (fin && !c->fin_ooo) {
        c->fin_ooo = 1;
        c->fin_ooo_seq = seq + (uint32_t)len;
        ooo_clip(c, c->fin_ooo_seq);
    }
    return 1;
}

/* Our data acknowledged up to ack (SND.UNA < ack <= SND.MAX). */
static void ack_new(struct tcp_conn *c, uint32_t ack)
{
    uint32_t acked = ack - c->snd_una;
    uint32_t data = SEQ_GT(ack, c->tx_seq) ? ack - c->tx_seq : 0;
    if (data > c->txlen)
        data = (uint32_t)c->txlen; /* the rest is our FIN */
    if (data)
        c->tx_head = ring_pos(c->tx_head, data, c->txcap);
    c->txlen -= data;
    c->tx_seq += data;
    c->st_acked_bytes += data;
    c->snd_una = ack;
    if (SEQ_LT(c->snd_nxt, c->snd_una))
        c->snd_nxt = c->snd_una;

    if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
        rtt_sample(c, nb_now_us() - c->rtt_start);
        c->rtt_timing = 0;
    }
    c->backoff = 0;
    c->retries = 0;

    uint32_t mss = snd_mss(c);
    if (c->in_recovery) {
        if (SEQ_GEQ(ack, c->recover)) { /* full ACK: leave recovery (RFC 6582 3.2 (3)) */
            uint32_t flight = c->snd_max - c->snd_una;
            c->cwnd = min32(c->ssthresh, max32(flight, mss) + mss);
            c->in_recovery = 0;
            c->dupacks = 0;
        } else { /* partial ACK: the next hole, deflate by what was acked */
            retransmit_first(c);
            c->cwnd = (c->cwnd > acked ? c->cwnd - acked : 0) + mss;
        }
    } else {
        c->dupacks = 0;
        if (c->cwnd < c->ssthresh) {
            c->cwnd += min32(acked, mss); /* slow start, L = 1 SMSS */
        } else {
            c->ca_acked += acked; /* congestion avoidance: + 1 SMSS per cwnd acked */
            if (c->ca_acked >= c->cwnd) {
                c->ca_acked -= c->cwnd;
                c->cwnd += mss;
            }
        }
    }
    if (c->cwnd > TCP_BUF_MAX)
        c->cwnd = TCP_BUF_MAX;

    if (c->snd_una == c->snd_max)
        nb_timer_cancel(&c->t_rtx);
    else
        arm_rtx(c);
}

/* Third duplicate ACK and beyond (RFC 5681 §3.2, RFC 6582). */
static void ack_dup(struct tcp_conn *c)
{
    uint32_t mss = snd_mss(c);
    c->dupacks++;
    if (c->in_recovery) {
        c->cwnd += mss; /* each further duplicate: a segment left the network */
        return;
    }
    if (c->dupacks < 3) {
        /* Limited transmit (RFC 3042): a new segment for each of the first
         * two duplicates, so a small window still gets its third one. */
        uint32_t cwnd = c->cwnd;
        c->cwnd = (c->snd_max - c->snd_una) + mss; /* exactly one new segment */
        if (c->snd_nxt == c->snd_max)
            tcp_output(c);
        c->cwnd = cwnd;
        return;
    }
    if (c->dupacks != 3 || !SEQ_GT(c->snd_una, c->recover))
        return; /* RFC 6582 §3.2 (1): not for data sent before the last loss */
    uint32_t flight = c->snd_max - c->snd_una;
    c->ssthresh = max32(flight / 2, 2 * mss);
    c->recover = c->snd_max;
    c->in_recovery = 1;
    c->st_fast_rexmit++;
    NB_COUNT(CTR_TCP_FAST_RETRANSMIT);
    retransmit_first(c);
    c->cwnd = c->ssthresh + 3 * mss;
}

/* The peer's SYN-ACK answered our SYN (SYN_SENT, ACK already checked). */
static void established(struct tcp_conn *c, const struct tcp_seg *s)
{
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    c->rx_seq = c->rcv_nxt;
    c->rcv_adv = c->rcv_nxt + (uint32_t)minsz(c->rxcap, 0xffff);
    c->snd_una = s->ack;
    if (s->has_wscale) { /* RFC 7323 §2.2: both sides or neither */
        c->ws_ok = 1;
        c->snd_wscale = s->wscale;
    } else {
        c->rcv_wscale = 0;
    }
    c->sack_ok = s->sack_perm;
    if (s->has_mss)
        c->peer_mss = s->mss < TCP_MSS_MIN ? TCP_MSS_MIN : s->mss;
    c->snd_wnd = s->wnd; /* not scaled in a SYN */
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    uint32_t mss = snd_mss(c);
    c->cwnd = min32(4 * mss, max32(2 * mss, 4380)); /* RFC 5681 (3) */
    c->ssthresh = TCP_BUF_MAX;
    uint64_t now = nb_now_us();
    c->connect_rtt_us = now - c->syn_first_us;
    if (c->connect_rtt_us == 0)
        c->connect_rtt_us = 1;
    c->backoff = 0;
    if (c->syn_tries == 1) {
        rtt_sample(c, c->connect_rtt_us); /* Karn: only an unambiguous SYN */
    } else if (c->rto < 3000000u) {
        c->rto = 3000000u; /* RFC 6298 (5.7) */
    }
    nb_timer_cancel(&c->t_rtx);
    nb_timer_cancel(&c->t_deadline);
    c->state = TCP_ESTABLISHED;
    NB_COUNT(CTR_TCP_CONN_OPEN);
    arm_idle(c);
}

static void input_syn_sent(struct tcp_conn *c, const struct tcp_seg *s)
{
    if (s->flags & TCP_ACK) {
        if (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max)) {
            NB_COUNT(CTR_TCP_DROP_ACK);
            if (!(s->flags & TCP_RST)) {
                struct out_seg o = { .seq = s->ack, .flags = TCP_RST };
                NB_COUNT(CTR_TCP_RST_SENT);
                emit(c, &o);
            }
            return;
        }
    }
    if (s->flags & TCP_RST) {
        if (s->flags & TCP_ACK) { /* the ACK acknowledges our SYN: refused */
            NB_COUNT(CTR_TCP_CONN_REFUSED);
            conn_finish(c, NB_E_CONN_REFUSED);
        } else {
            NB_COUNT(CTR_TCP_DROP_RST);
        }
        return;
    }
    if (!(s->flags & TCP_SYN) || !(s->flags & TCP_ACK)) {
        NB_COUNT(CTR_TCP_DROP_STATE); /* bare SYN (simultaneous open) or no SYN */
        return;
    }
    established(c, s);
    /* Data or FIN riding on the SYN-ACK: continue at step 6 (§3.10.7.3). */
    if (s->len || (s->flags & TCP_FIN))
        rx_data(c, s->seq + 1, s->payload, s->len, s->flags & TCP_FIN);
    if (c->state == TCP_CLOSED)
        return;
    if (!tcp_output(c))
        send_ack(c);
}

/* RFC 9293 §3.10.7.4 for the synchronized states, RFC 5961 checks. */
static void input_synced(struct tcp_conn *c, const struct tcp_seg *s)
{
    uint32_t seglen = (uint32_t)s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
    uint32_t wnd = rcv_wnd_now(c);

    /* RST: only exactly at RCV.NXT resets; in the window, a challenge ACK. */
    if (s->flags & TCP_RST) {
        if (s->seq == c->rcv_nxt) {
            if (c->state == TCP_TIME_WAIT) {
                conn_finish(c, NB_OK);
            } else {
                NB_COUNT(CTR_TCP_CONN_RESET);
                conn_finish(c, NB_E_CONN_RESET);
            }
        } else if (SEQ_GT(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + max32(wnd, 1))) {
            NB_COUNT(CTR_TCP_CHALLENGE_ACK);
            send_ack_limited(c);
        } else {
            NB_COUNT(CTR_TCP_DROP_RST);
        }
        return;
    }
    /* Sequence check: some of it at or after RCV.NXT, none past the window.
     * (A zero-window probe at RCV.NXT passes, so its ACK is processed.) */
    if (SEQ_LT(s->seq + seglen, c->rcv_nxt) || SEQ_GT(s->seq, c->rcv_nxt + wnd)) {
        if (SEQ_LT(s->seq + seglen, c->rcv_nxt) && seglen) {
            NB_COUNT(CTR_TCP_RX_DUP); /* an old retransmission: say where we are */
            c->st_dup++;
            send_ack(c);
        } else {
            NB_COUNT(CTR_TCP_DROP_SEQ);
            send_ack_limited(c);
        }
        return;
    }
    /* A SYN in a synchronized state (RFC 5961 §4): challenge ACK. */
    if (s->flags & TCP_SYN) {
        NB_COUNT(CTR_TCP_CHALLENGE_ACK);
        send_ack_limited(c);
        return;
    }
    if (!(s->flags & TCP_ACK)) {
        NB_COUNT(CTR_TCP_DROP_ACK);
        return;
    }
    /* ACK check (RFC 5961 §5.2): SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT. */
    if (SEQ_GT(s->ack, c->snd_max) || SEQ_LT(s->ack, c->snd_una - max32(c->max_snd_wnd, 1))) {
        NB_COUNT(CTR_TCP_DROP_ACK);
        NB_COUNT(CTR_TCP_CHALLENGE_ACK);
        send_ack_limited(c);
        return;
    }
    arm_idle(c);
    uint32_t new_wnd = (uint32_t)s->wnd << c->snd_wscale;
    int window_update = SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack));
    if (SEQ_GT(s->ack, c->snd_una)) {
        int had_fin_acked = fin_acked(c);
        ack_new(c, s->ack);
        if (!had_fin_acked && fin_acked(c)) {
            enter_state(c, (enum tcp_state)states[c->state].on_fin_acked);
            if (c->state == TCP_CLOSED)
                return;
        }
    } else if (s->ack == c->snd_una && s->len == 0 && !(s->flags & TCP_FIN) &&
               new_wnd == c->snd_wnd && c->snd_max != c->snd_una) {
        ack_dup(c);
    }
    if (window_update && SEQ_GEQ(s->ack, c->snd_una)) {
        c->snd_wnd = new_wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        if (new_wnd > c->max_snd_wnd)
            c->max_snd_wnd = new_wnd;
        if (new_wnd > 0 && c->snd_una == c->snd_max && c->t_rtx.armed) {
            nb_timer_cancel(&c->t_rtx); /* window opened: stop probing */
            c->backoff = 0;
        }
    }

    int ack_now = 0;
    if (s->len || (s->flags & TCP_FIN))
        ack_now = rx_data(c, s->seq, s->payload, s->len, s->flags & TCP_FIN);
    if (c->state == TCP_CLOSED)
        return;
    unsigned sent = tcp_output(c);
    if (sent)
        return; /* the ACK rode on data */
    if (ack_now || c->unacked_segs >= max32(c->params.ack_burst_max, 2))
        send_ack(c);
    else if (c->unacked_segs >= 2)
        nb_timer_arm(&c->t_delack, 0); /* at the end of this receive burst */
    else if (c->unacked_segs && !c->t_delack.armed)
        nb_timer_arm(&c->t_delack, (uint64_t)c->params.delack_ms * US_PER_MS);
}

/* RFC 1122 4.2.3.10: segments to a broadcast or multicast address are
 * dropped (a unicast frame may still carry one). On IPv4 the destination
 * must be our own address; on IPv6 it must not be a multicast group. */
static int unicast_to_us(const struct nb_ip *dst)
{
    if (dst->family == 6)
        return dst->a[0] != 0xff;
    const struct netif *nif = net_if();
    return nif->ip4_up && memcmp(dst->a, nif->ip4, 4) == 0;
}

void tcp_input(struct pkb *p)
{
    NB_COUNT(CTR_TCP_RX);
    struct tcp_seg s;
    nb_err e = tcp_parse(p->data, p->len, &s);
    if (e != NB_OK) {
        NB_COUNT(e == NB_E_TRUNCATED ? CTR_TCP_DROP_SHORT
                 : e == NB_E_BAD_OPTION ? CTR_TCP_DROP_BAD_OPTION
                                        : CTR_TCP_DROP_MALFORMED);
        goto drop;
    }
    if (p->family != 4 && p->family != 6) {
        NB_COUNT(CTR_TCP_DROP_MALFORMED);
        goto drop;
    }
    struct nb_ip src = nb_ip_from(p->family, p->src), dst = nb_ip_from(p->family, p->dst);
    if (csum_transport(&src, &dst, NB_PROTO_TCP, p->data, p->len) != 0) {
        NB_COUNT(CTR_TCP_DROP_CSUM);
        goto drop;
    }
    if (p->l2_multicast || !unicast_to_us(&dst)) { /* TCP is unicast only; never answer a group */
        NB_COUNT(CTR_TCP_DROP_MULTICAST);
        goto drop;
    }
    struct tcp_conn *c;
    for (c = conns; c; c = c->next)
        if (c->lport == s.dport && c->rport == s.sport && nb_ip_eq(&c->remote, &src) &&
            nb_ip_eq(&c->local, &dst))
            break;
    if (!c) {
        NB_COUNT(CTR_TCP_DROP_NO_CONN);
        send_rst_reply(p, &s);
        goto drop;
    }
    if (c->state == TCP_SYN_SENT)
        input_syn_sent(c, &s);
    else if (synced(c))
        input_synced(c, &s);
drop:
    pkb_free(p);
}

void tcp_icmp_error(const struct nb_ip *local, const struct nb_ip *remote, uint16_t lport,
                    uint16_t rport, nb_err reason)
{
    struct tcp_conn *c;
    for (c = conns; c; c = c->next)
        if (c->lport == lport && c->rport == rport && nb_ip_eq(&c->remote, remote) &&
            nb_ip_eq(&c->local, local))
            break;
    if (!c)
        return;
    c->soft_error = reason;
    if (c->state == TCP_SYN_SENT) {
        /* Fail fast: the connect would only wait out its timeout. (In a
         * synchronized state an unverifiable ICMP error must not kill the
         * connection — RFC 5927 — so it is only remembered there.) */
        NB_COUNT(CTR_TCP_CONN_ICMP);
        conn_finish(c, reason);
    } else if (reason == NB_E_MSG_TOO_BIG && synced(c) && c->snd_una != c->snd_max) {
        c->snd_nxt = c->snd_una; /* resend at the (new) path size */
        tcp_output(c);
    }
}

/* ------------------------------------------------------------ application */

enum tcp_state tcp_get_state(const struct tcp_conn *c) { return c->state; }
nb_err tcp_get_error(const struct tcp_conn *c) { return c->error; }
uint64_t tcp_connect_rtt_us(const struct tcp_conn *c) { return c->connect_rtt_us; }

size_t tcp_send_space(const struct tcp_conn *c)
{
    return states[c->state].tx_open && !c->fin_queued ? c->txcap - c->txlen : 0;
}

size_t tcp_send_pending(const struct tcp_conn *c) { return c->txlen; }

long tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
    if (!states[c->state].tx_open || c->fin_queued)
        return -(long)(c->error != NB_OK ? c->error : NB_E_CONN_CLOSED);
    size_t n = minsz(len, c->txcap - c->txlen);
    if (n > 0x7fffffffu)
        n = 0x7fffffffu; /* a 32-bit long on LLP64 targets */
    if (n == 0)
        return 0;
    ring_write(c->txbuf, c->txcap, ring_pos(c->tx_head, c->txlen, c->txcap), data, n);
    c->txlen += n;
    tcp_output(c);
    return (long)n;
}

size_t tcp_recv_avail(const struct tcp_conn *c)
{
    return c->rxcap && c->state != TCP_SYN_SENT ? rx_used(c) : 0;
}

size_t tcp_recv(struct tcp_conn *c, void *data, size_t len)
{
    size_t n = minsz(len, tcp_recv_avail(c));
    if (n == 0)
        return 0;
    ring_read(c->rxbuf, c->rxcap, c->rx_head, data, n);
    c->rx_head = ring_pos(c->rx_head, n, c->rxcap);
    c->rx_seq += (uint32_t)n;
    /* Window update: when the sender has less than half the ring left to
     * send into and reading at least doubled that. */
    if (states[c->state].rx_open && synced(c)) {
        uint32_t left = rcv_wnd_now(c), space = rx_space(c);
        if (left < c->rxcap / 2 && space >= 2 * left && space - left >= adv_mss(c))
            send_ack(c);
    }
    return n;
}

int tcp_eof(const struct tcp_conn *c) { return c->fin_rcvd && tcp_recv_avail(c) == 0; }

void tcp_close(struct tcp_conn *c)
{
    enum tcp_state next = (enum tcp_state)states[c->state].on_close;
    if (c->state == TCP_CLOSED || c->fin_queued)
        return;
    if (next == TCP_CLOSED) { /* SYN_SENT: nothing to say to the peer */
        conn_finish(c, NB_OK);
        return;
    }
    if (next == c->state)
        return;
    c->fin_queued = 1;
    c->state = next;
    tcp_output(c);
}

void tcp_abort(struct tcp_conn *c)
{
    if (c->state == TCP_CLOSED)
        return;
    if (synced(c) && c->state != TCP_TIME_WAIT)
        send_rst(c);
    conn_finish(c, NB_OK);
}

void tcp_get_info(const struct tcp_conn *c, struct tcp_info *i)
{
    memset(i, 0, sizeof *i);
    i->state = c->state;
    i->srtt_us = c->srtt;
    i->rttvar_us = c->rttvar;
    i->rto_us = c->rto;
    i->cwnd = c->cwnd;
    i->ssthresh = c->ssthresh;
    i->snd_wnd = c->snd_wnd;
    i->rcv_wnd = rcv_wnd_now(c);
    i->snd_mss = c->remote.family ? snd_mss(c) : 0;
    i->snd_wscale = c->snd_wscale;
    i->rcv_wscale = c->rcv_wscale;
    i->sack_ok = c->sack_ok;
    i->ws_ok = c->ws_ok;
    i->timeouts = c->st_timeouts;
    i->fast_retransmits = c->st_fast_rexmit;
    i->retransmitted_segs = c->st_rexmit_segs;
    i->ooo_segs = c->st_ooo;
    i->dup_segs = c->st_dup;
    i->ooo_dropped = c->st_ooo_drop;
    i->ooo_ranges_max = c->st_ooo_max;
    i->bytes_received = c->st_rx_bytes;
    i->bytes_acked = c->st_acked_bytes;
}
