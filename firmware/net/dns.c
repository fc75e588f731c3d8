/*
 * DNS stub resolver (RFC 1035, RFC 3596; net/dns.h).
 *
 * Parsing. DNS names are a classic firmware CVE source (NAME:WRECK,
 * PixieFail, picoTCP), so the name walk is deliberately boring: one
 * iterative loop (name_read) that decodes a name into a flat, lower-cased
 * wire-form buffer. A compression pointer must point strictly before the
 * start of the run of labels it ends (so the runs' starts strictly decrease
 * and no walk can loop, whatever the bytes), never into the header, and at
 * most MAX_JUMPS times per name; a label is at most 63 bytes (the
 * reserved 01/10 label types are refused) and the decoded name at most 255
 * bytes. Every read is checked against the message length first. Names are
 * compared as those flat buffers, so comparison is case-insensitive and
 * independent of how the server compressed them.
 *
 * An answer is accepted when the header matches our query (id, QR=1,
 * opcode 0, exactly one question that echoes our name, type and class IN).
 * The whole answer section is walked and checked once; then the CNAME chain
 * from our name is followed (at most MAX_CNAME hops, so a loop ends as an
 * error) and the A/AAAA records of class IN owned by the chain's last name
 * are collected. Authority and additional sections are never read.
 *
 * Resolving. Each wanted type is one query, and the A and AAAA queries run
 * in parallel. A query asks the servers in order, in rounds (round_ms[]:
 * 1 s, then 2 s): every server is asked once before any is asked again.
 * Each (query, server) pair has its own socket on a DRBG port and its own
 * DRBG id, kept until the query ends, so a late answer from a server asked
 * earlier still counts, and only on the socket that asked that server.
 * SERVFAIL, REFUSED, other error codes, a send failure or an ICMP error
 * retire that server for the query at once; NXDOMAIN (for both queries: it
 * is about the name), NODATA, an answer and TC=1 end the query. A reply
 * from any other address or port, or one that does not match, is counted
 * and dropped without disturbing the query: an off-path spoofer has to guess
 * port and id and win a race, and cannot cut the query short either.
 *
 * Simplifications: no cache (one resolution per boot stage is the norm), no
 * EDNS(0) (answers are limited to 512 bytes, ample for DNS_MAX_ADDRS), no
 * TCP fallback (TC=1 is reported), no search domains.
 */
#include "net/dns.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/fmt.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip_text.h"
#include "net/stack.h"
#include "net/udp.h"
#include <stddef.h>
#include <string.h>

#define DNS_PORT 53u
#define HDR_LEN 12u
#define NAME_WIRE_MAX 255u /* RFC 1035 §2.3.4, the root label included */
#define TEXT_NAME_MAX 253u /* the same name as text, without the final dot */
#define LABEL_MAX 63u
#define MAX_JUMPS 16u      /* compression pointers followed per name */
#define MAX_CNAME 8u       /* CNAME hops followed from the question name */
#define RR_FIXED_LEN 10u   /* type, class, ttl, rdlength */

enum { TYPE_CNAME = 5, CLASS_IN = 1 };
enum { RCODE_NOERROR = 0, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3, RCODE_REFUSED = 5 };
enum { FLAG_QR = 0x8000, OPCODE_MASK = 0x7800, FLAG_TC = 0x0200, FLAG_RD = 0x0100,
       RCODE_MASK = 0x000f };

/* ------------------------------------------------------------------ names */

/* A name in uncompressed wire form, lower-cased: labels then the root. */
struct wire_name {
    uint8_t b[NAME_WIRE_MAX];
    size_t len;
};

static uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

static int name_eq(const struct wire_name *x, const struct wire_name *y)
{
    return x->len == y->len && memcmp(x->b, y->b, x->len) == 0;
}

/* Decode the name at *pos in msg into out; on success *pos is just past the
 * name's bytes in place (after its root label or its first pointer). */
static nb_err name_read(const uint8_t *msg, size_t len, size_t *pos, struct wire_name *out)
{
    size_t p = *pos;   /* next byte to read */
    size_t run = p;    /* where the current run of labels started */
    size_t end = 0;    /* where the name ends in place, once known */
    unsigned jumps = 0;
    out->len = 0;
    for (;;) {
        if (p >= len)
            return NB_E_TRUNCATED;
        uint8_t c = msg[p];
        if ((c & 0xc0) == 0xc0) {
            if (len - p < 2)
                return NB_E_TRUNCATED;
            size_t target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
            if (jumps == 0)
                end = p + 2;
            if (++jumps > MAX_JUMPS || target >= run || target < HDR_LEN)
                return NB_E_DNS_BAD_POINTER;
            p = run = target;
            continue;
        }
        if (c & 0xc0)
            return NB_E_MALFORMED; /* label types 01 and 10 (RFC 6891 §5) */
        if (c > len - p - 1)
            return NB_E_TRUNCATED;
        /* Room for this label, and for the root label after it. */
        if (out->len + 1u + c + (c ? 1u : 0u) > NAME_WIRE_MAX)
            return NB_E_MALFORMED;
        out->b[out->len++] = c;
        for (unsigned i = 1; i <= c; i++)
            out->b[out->len++] = lower(msg[p + i]);
        if (c == 0) {
            *pos = jumps ? end : p + 1;
            return NB_OK;
        }
        p += 1u + c;
    }
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* Text name to wire form (case kept), validated. */
static nb_err name_encode(const char *name, uint8_t *out, size_t size, size_t *out_len)
{
    size_t n = strnlen(name, TEXT_NAME_MAX + 2);
    if (n > TEXT_NAME_MAX + 1)
        return NB_E_DNS_BAD_NAME;
    if (n && name[n - 1] == '.')
        n--;
    if (n == 0 || n > TEXT_NAME_MAX)
        return NB_E_DNS_BAD_NAME;
    if (size < n + 2)
        return NB_E_TOO_BIG;
    size_t o = 1, label = 0; /* out[label] is the current label's length byte */
    for (size_t i = 0; i <= n; i++) {
        if (i == n || name[i] == '.') {
            size_t l = o - label - 1;
            if (l == 0 || l > LABEL_MAX)
                return NB_E_DNS_BAD_NAME;
            out[label] = (uint8_t)l;
            label = o++;
        } else if (host_char(name[i])) {
            out[o++] = (uint8_t)name[i];
        } else {
            return NB_E_DNS_BAD_NAME;
        }
    }
    out[label] = 0;
    *out_len = o;
    return NB_OK;
}

static nb_err name_from_text(const char *name, struct wire_name *w)
{
    nb_err e = name_encode(name, w->b, sizeof w->b, &w->len);
    for (size_t i = 0; e == NB_OK && i < w->len; i++)
        w->b[i] = lower(w->b[i]); /* length bytes are <= 63: unchanged */
    return e;
}

nb_err dns_build_query(uint8_t *buf, size_t size, uint16_t id, const char *name,
                       uint16_t qtype, size_t *len)
{
    size_t nlen;
    if (size < HDR_LEN)
        return NB_E_TOO_BIG;
    nb_err e = name_encode(name, buf + HDR_LEN, size - HDR_LEN, &nlen);
    if (e != NB_OK)
        return e;
    if (size - HDR_LEN - nlen < 4)
        return NB_E_TOO_BIG;
    memset(buf, 0, HDR_LEN);
    put16(buf, id);
    put16(buf + 2, FLAG_RD);
    put16(buf + 4, 1); /* QDCOUNT */
    put16(buf + HDR_LEN + nlen, qtype);
    put16(buf + HDR_LEN + nlen + 2, CLASS_IN);
    *len = HDR_LEN + nlen + 4;
    return NB_OK;
}

/* ---------------------------------------------------------------- answers */

struct rr {
    struct wire_name owner;
    uint16_t type, cls;
    size_t rdata, rdlen; /* rdata: offset in the message */
};

struct rr_walk {
    const uint8_t *msg;
    size_t len, pos;
    unsigned left;
};

/* The next resource record; 1: one in *rr, 0: section done, <0: *err set. */
static int rr_next(struct rr_walk *w, struct rr *rr, nb_err *err)
{
    if (w->left == 0)
        return 0;
    nb_err e = name_read(w->msg, w->len, &w->pos, &rr->owner);
    if (e == NB_OK && w->len - w->pos < RR_FIXED_LEN)
        e = NB_E_TRUNCATED;
    if (e != NB_OK) {
        *err = e;
        return -1;
    }
    const uint8_t *h = w->msg + w->pos;
    rr->type = get16(h);
    rr->cls = get16(h + 2);
    rr->rdlen = get16(h + 8);
    w->pos += RR_FIXED_LEN;
    if (rr->rdlen > w->len - w->pos) {
        *err = NB_E_TRUNCATED;
        return -1;
    }
    rr->rdata = w->pos;
    w->pos += rr->rdlen;
    w->left--;
    return 1;
}

/* A CNAME's target, which must fill its rdata exactly. */
static nb_err cname_target(const uint8_t *msg, const struct rr *rr, struct wire_name *out)
{
    size_t p = rr->rdata;
    /* In place, the name may not run past its rdata; pointers still reach
     * back into the whole message before it. */
    nb_err e = name_read(msg, rr->rdata + rr->rdlen, &p, out);
    if (e == NB_OK && p != rr->rdata + rr->rdlen)
        e = NB_E_MALFORMED;
    return e;
}

/* One pass over the answer section. With `find` set: look for the CNAME
 * owned by *find and put its target in *found (1 if there was one). With
 * `collect` set: append the qtype records owned by *collect. Every record is
 * checked on every pass, so a pass never acts on a broken section. */
static nb_err answer_pass(const struct rr_walk *start, uint16_t qtype,
                          const struct wire_name *find, struct wire_name *found, int *have,
                          const struct wire_name *collect, struct dns_result *out,
                          unsigned *matched)
{
    struct rr_walk w = *start;
    struct rr rr;
    nb_err e = NB_OK;
    int r;
    if (have)
        *have = 0;
    while ((r = rr_next(&w, &rr, &e)) > 0) {
        if (rr.cls != CLASS_IN)
            continue;
        if ((rr.type == DNS_TYPE_A && rr.rdlen != 4) ||
            (rr.type == DNS_TYPE_AAAA && rr.rdlen != 16))
            return NB_E_MALFORMED;
        if (rr.type == TYPE_CNAME) {
            struct wire_name target;
            e = cname_target(w.msg, &rr, &target);
            if (e != NB_OK)
                return e;
            if (find && !*have && name_eq(&rr.owner, find)) {
                *found = target;
                *have = 1;
            }
        }
        if (collect && rr.type == qtype && name_eq(&rr.owner, collect)) {
            struct nb_ip ip = nb_ip_from(qtype == DNS_TYPE_A ? 4 : 6, w.msg + rr.rdata);
            unsigned i = 0;
            while (i < out->n && !nb_ip_eq(&out->addrs[i], &ip))
                i++;
            if (i == out->n && out->n < DNS_MAX_ADDRS)
                out->addrs[out->n++] = ip;
            (*matched)++;
        }
    }
    return r < 0 ? e : NB_OK;
}

nb_err dns_parse_response(const uint8_t *msg, size_t len, uint16_t id, const char *qname,
                          uint16_t qtype, struct dns_result *out)
{
    struct wire_name want, name;
    if (qtype != DNS_TYPE_A && qtype != DNS_TYPE_AAAA)
        return NB_E_INVALID;
    nb_err e = name_from_text(qname, &want);
    if (e != NB_OK)
        return e;
    if (len < HDR_LEN)
        return NB_E_TRUNCATED;
    uint16_t flags = get16(msg + 2);
    if (get16(msg) != id || !(flags & FLAG_QR) || (flags & OPCODE_MASK) || get16(msg + 4) != 1)
        return NB_E_DNS_BAD_REPLY;

    /* The question must be ours. */
    size_t pos = HDR_LEN;
    e = name_read(msg, len, &pos, &name);
    if (e != NB_OK)
        return e;
    if (len - pos < 4)
        return NB_E_TRUNCATED;
    if (!name_eq(&name, &want) || get16(msg + pos) != qtype || get16(msg + pos + 2) != CLASS_IN)
        return NB_E_DNS_BAD_REPLY;
    pos += 4;

    switch (flags & RCODE_MASK) {
    case RCODE_NOERROR:
        break;
    case RCODE_NXDOMAIN:
        return NB_E_DNS_NXDOMAIN;
    case RCODE_SERVFAIL:
        return NB_E_DNS_SERVFAIL;
    case RCODE_REFUSED:
        return NB_E_DNS_REFUSED;
    default:
        return NB_E_DNS_RCODE;
    }
    if (flags & FLAG_TC)
        return NB_E_DNS_TRUNCATED;

    /* Follow the CNAME chain, then collect. Each pass is bounded by the
     * message (every record takes at least 11 bytes in place). */
    struct rr_walk answers = { msg, len, pos, get16(msg + 6) };
    struct wire_name target;
    int have;
    for (unsigned hops = 0;; hops++) {
        e = answer_pass(&answers, qtype, &want, &target, &have, NULL, NULL, NULL);
        if (e != NB_OK)
            return e;
        if (!have)
            break;
        if (hops == MAX_CNAME)
            return NB_E_DNS_CNAME_LOOP;
        want = target;
    }
    unsigned before = out->n, matched = 0;
    e = answer_pass(&answers, qtype, NULL, NULL, NULL, &want, out, &matched);
    if (e != NB_OK) { /* not reached: the passes above checked the same bytes */
        out->n = before;
        return e;
    }
    return matched ? NB_OK : NB_E_DNS_NO_DATA;
}

/* ---------------------------------------------------------------- servers */

static struct nb_ip servers[DNS_MAX_SERVERS];
static unsigned n_servers;

void dns_set_servers(const struct nb_ip *list, unsigned n)
{
    n_servers = 0;
    for (unsigned i = 0; i < n; i++)
        dns_add_server(&list[i]);
}

void dns_add_server(const struct nb_ip *server)
{
    if (server->family != 4 && server->family != 6)
        return;
    for (unsigned i = 0; i < n_servers; i++)
        if (nb_ip_eq(&servers[i], server))
            return;
    if (n_servers < DNS_MAX_SERVERS)
        servers[n_servers++] = *server;
}

/* -------------------------------------------------------------- resolving */

/* The wait after each transmission, by round: every server is asked once
 * with the first wait before any is asked again, so a dead first server
 * costs one short wait. */
static const uint32_t round_ms[] = { 1000, 2000 };
#define N_ROUNDS (sizeof round_ms / sizeof round_ms[0])

/* When one query's answer comes from a server, a sibling query still
 * waiting on that server is sent again after this grace. The usual cause
 * is local: ARP and NDP hold only the newest packet for an unresolved
 * neighbour, so of two queries sent at once to a new server (or router)
 * one is dropped before it leaves; waiting a full round for it would cost
 * a second on most boots. Once per query and server. */
#define NUDGE_MS 100u

struct dns_query;

/* One server as asked by one query: its own socket (DRBG port) and id, kept
 * open until the query ends so a late answer still counts. */
struct dns_ask {
    struct dns_query *q;
    struct udp_sock sock;
    uint16_t id;
    uint8_t open;
    uint8_t sent;   /* transmissions so far */
    uint8_t nudged; /* sent again early for a sibling's sake (NUDGE_MS) */
    uint8_t dead;   /* answered SERVFAIL/REFUSED, or cannot be reached */
};

struct dns_lookup;

struct dns_query {
    struct dns_lookup *lk;
    struct nb_timer timer;
    uint16_t qtype;
    unsigned step;       /* round * n_servers + server being waited on */
    int nudge_due;       /* the timer is a nudge: resend, same step */
    int finished;
    nb_err result;       /* once finished */
    nb_err last_fault;   /* what the last server to fail did */
    struct nb_ip answered_by;
    struct dns_result res;
    size_t qlen;
    uint8_t qmsg[DNS_QUERY_MAX];
    struct dns_ask ask[DNS_MAX_SERVERS];
};

struct dns_lookup {
    const char *name;
    struct nb_ip servers[DNS_MAX_SERVERS];
    unsigned n_servers;
    struct dns_query q[2];
    unsigned nq;
};

static const char *type_name(uint16_t qtype) { return qtype == DNS_TYPE_A ? "A" : "AAAA"; }

static unsigned ask_index(const struct dns_ask *a) { return (unsigned)(a - a->q->ask); }

static const struct nb_ip *ask_server(const struct dns_ask *a)
{
    return &a->q->lk->servers[ask_index(a)];
}

static int ask_is_current(const struct dns_ask *a)
{
    return !a->q->finished && a->q->step % a->q->lk->n_servers == ask_index(a);
}

static void query_finish(struct dns_query *q, nb_err result)
{
    nb_timer_cancel(&q->timer);
    for (unsigned i = 0; i < DNS_MAX_SERVERS; i++) {
        if (q->ask[i].open)
            udp_close(&q->ask[i].sock);
        q->ask[i].open = 0;
    }
    q->finished = 1;
    q->result = result;
}

static void rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
               const struct nb_ip *dst, const uint8_t *data, size_t len);

/* Send the query to a's server and wait for round `round`. */
static nb_err ask_send(struct dns_ask *a, unsigned round)
{
    struct dns_query *q = a->q;
    nb_err e;
    if (!a->open) {
        e = nb_random(&a->id, sizeof a->id);
        if (e == NB_OK)
            e = udp_open(&a->sock, ask_server(a)->family, 0, rx, a);
        if (e != NB_OK)
            return e;
        a->open = 1;
    }
    put16(q->qmsg, a->id);
    e = udp_sendto(&a->sock, NULL, ask_server(a), DNS_PORT, q->qmsg, q->qlen);
    if (e != NB_OK)
        return e;
    NB_COUNT(a->sent ? CTR_DNS_RETRANSMIT : CTR_DNS_QUERY);
    if (a->sent < 255)
        a->sent++;
    q->nudge_due = 0;
    nb_timer_arm(&q->timer, (uint64_t)round_ms[round] * 1000u);
    return NB_OK;
}

/* a's server cannot help this query: say why, and never ask it again. */
static void ask_fail(struct dns_ask *a, nb_err why)
{
    char srv[NB_IP6_TEXT_MAX];
    nb_ip_text(srv, sizeof srv, ask_server(a));
    nb_warn("dns: %s %s: server %s: %s", a->q->lk->name, type_name(a->q->qtype), srv,
            nb_strerror(why));
    a->dead = 1;
    a->q->last_fault = why;
}

/* Send from the current step on, skipping servers that failed; finish when
 * the schedule is used up. Iterative: each step is tried at most once. */
static void query_go(struct dns_query *q)
{
    unsigned n = q->lk->n_servers;
    for (; q->step < N_ROUNDS * n; q->step++) {
        struct dns_ask *a = &q->ask[q->step % n];
        if (a->dead)
            continue;
        nb_err e = ask_send(a, q->step / n);
        if (e == NB_OK)
            return;
        ask_fail(a, e);
        if (e == NB_E_DRBG)
            break; /* nothing random to send with: no server can help */
    }
    query_finish(q, q->last_fault);
}

/* The server being waited on failed: move on now rather than at its timer. */
static void ask_fail_and_go(struct dns_ask *a, nb_err why)
{
    int current = ask_is_current(a);
    ask_fail(a, why);
    if (current) {
        NB_COUNT(CTR_DNS_SERVER_NEXT);
        nb_timer_cancel(&a->q->timer);
        a->q->step++;
        query_go(a->q);
    }
}

static void timer_fired(struct nb_timer *t)
{
    struct dns_query *q = (struct dns_query *)(void *)((char *)t - offsetof(struct dns_query, timer));
    if (q->finished)
        return;
    struct dns_ask *a = &q->ask[q->step % q->lk->n_servers];
    if (q->nudge_due) {
        nb_err e = ask_send(a, q->step / q->lk->n_servers);
        if (e != NB_OK)
            ask_fail_and_go(a, e);
        return;
    }
    char srv[NB_IP6_TEXT_MAX];
    nb_ip_text(srv, sizeof srv, ask_server(a));
    nb_warn("dns: %s %s: server %s: no answer within %u ms", q->lk->name, type_name(q->qtype),
            srv, (unsigned)round_ms[q->step / q->lk->n_servers]);
    q->last_fault = NB_E_TIMEOUT;
    NB_COUNT(CTR_DNS_SERVER_NEXT);
    q->step++;
    query_go(q);
}

/* a's server answered its query with `verdict`: NXDOMAIN holds for every
 * type, so it ends the siblings too; otherwise a sibling waiting on the same
 * server is nudged (NUDGE_MS). */
static void siblings_answered(struct dns_ask *a, nb_err verdict)
{
    struct dns_lookup *lk = a->q->lk;
    unsigned j = ask_index(a);
    for (unsigned i = 0; i < lk->nq; i++) {
        struct dns_query *o = &lk->q[i];
        if (o == a->q || o->finished)
            continue;
        if (verdict == NB_E_DNS_NXDOMAIN) {
            o->answered_by = a->q->answered_by;
            query_finish(o, NB_E_DNS_NXDOMAIN);
            continue;
        }
        struct dns_ask *b = &o->ask[j];
        uint64_t nudge_at = nb_now_us() + NUDGE_MS * 1000u;
        if (o->step % lk->n_servers == j && !b->dead && !b->nudged && !o->nudge_due &&
            o->timer.armed && o->timer.deadline_us > nudge_at) {
            b->nudged = 1;
            o->nudge_due = 1;
            nb_timer_arm_at(&o->timer, nudge_at);
        }
    }
}

static void rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
               const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    struct dns_ask *a = s->ctx;
    struct dns_query *q = a->q;
    (void)dst;
    if (q->finished || a->dead) {
        NB_COUNT(CTR_DNS_DROP_LATE);
        return;
    }
    if (sport != DNS_PORT || !nb_ip_eq(src, ask_server(a))) {
        NB_COUNT(CTR_DNS_DROP_SOURCE);
        return;
    }
    struct dns_result got = { .n = 0 };
    nb_err e = dns_parse_response(data, len, a->id, q->lk->name, q->qtype, &got);
    switch (e) {
    case NB_OK:
    case NB_E_DNS_NO_DATA:
    case NB_E_DNS_NXDOMAIN:
    case NB_E_DNS_TRUNCATED:
    case NB_E_DNS_CNAME_LOOP:
        NB_COUNT(CTR_DNS_REPLY);
        q->res = got;
        q->answered_by = *src;
        query_finish(q, e);
        siblings_answered(a, e);
        return;
    case NB_E_DNS_SERVFAIL:
    case NB_E_DNS_REFUSED:
    case NB_E_DNS_RCODE:
        NB_COUNT(CTR_DNS_REPLY);
        ask_fail_and_go(a, e);
        return;
    case NB_E_DNS_BAD_REPLY:
        NB_COUNT(CTR_DNS_DROP_MISMATCH);
        return;
    default: /* a broken message: keep waiting for a good one */
        NB_COUNT(CTR_DNS_DROP_MALFORMED);
        return;
    }
}

/* Polled by the stack loop after every event: also where ICMP errors about
 * a query's datagrams (port or host unreachable) are picked up. */
static int lookup_done(void *ctx)
{
    struct dns_lookup *lk = ctx;
    int done = 1;
    for (unsigned i = 0; i < lk->nq; i++) {
        struct dns_query *q = &lk->q[i];
        for (unsigned j = 0; j < lk->n_servers && !q->finished; j++) {
            struct dns_ask *a = &q->ask[j];
            if (a->open && !a->dead && a->sock.icmp_error != NB_OK) {
                nb_err why = a->sock.icmp_error;
                a->sock.icmp_error = NB_OK;
                ask_fail_and_go(a, why);
            }
        }
        done &= q->finished;
    }
    return done;
}

/* The lookup's verdict when no address came back. */
static nb_err lookup_error(const struct dns_lookup *lk)
{
    static const nb_err precedence[] = { NB_E_DNS_NXDOMAIN, NB_E_DNS_TRUNCATED,
                                         NB_E_DNS_CNAME_LOOP };
    for (unsigned k = 0; k < sizeof precedence / sizeof precedence[0]; k++)
        for (unsigned i = 0; i < lk->nq; i++)
            if (lk->q[i].result == precedence[k])
                return precedence[k];
    for (unsigned i = 0; i < lk->nq; i++)
        if (lk->q[i].result != NB_E_DNS_NO_DATA && lk->q[i].result != NB_OK)
            return lk->q[i].result;
    return NB_E_DNS_NO_DATA;
}

/* The servers that answered: "198.18.0.53" or "198.18.0.53, 198.18.0.54". */
static void answered_text(char *buf, size_t size, const struct dns_lookup *lk)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < lk->nq; i++) {
        const struct nb_ip *ip = &lk->q[i].answered_by;
        if (ip->family == 0 || (i > 0 && nb_ip_eq(ip, &lk->q[0].answered_by)))
            continue;
        char t[NB_IP6_TEXT_MAX];
        nb_ip_text(t, sizeof t, ip);
        int w = nb_snprintf(buf + n, size - n, "%s%s", n ? ", " : "", t);
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
}

nb_err dns_resolve(const char *name, int want4, int want6, uint32_t timeout_ms,
                   struct dns_result *out)
{
    struct dns_lookup lk;
    struct nb_ip literal;
    out->n = 0;
    if (!name || (!want4 && !want6))
        return NB_E_INVALID;
    if (nb_ip_parse(name, &literal)) {
        if ((literal.family == 4 && !want4) || (literal.family == 6 && !want6))
            return nb_fail(NB_E_DNS_NO_DATA, "dns: %s is an IPv%u literal", name, literal.family);
        out->addrs[0] = literal;
        out->n = 1;
        return NB_OK;
    }
    const char *types = want4 && want6 ? "AAAA+A" : want4 ? "A" : "AAAA";
    struct wire_name check;
    nb_err e = name_from_text(name, &check);
    if (e != NB_OK)
        return nb_fail(e, "dns: \"%.64s\"", name);
    if (n_servers == 0)
        return nb_fail(NB_E_DNS_NO_SERVER, "dns: %s %s", name, types);

    memset(&lk, 0, sizeof lk);
    lk.name = name;
    memcpy(lk.servers, servers, sizeof servers);
    lk.n_servers = n_servers;
    if (want6)
        lk.q[lk.nq++].qtype = DNS_TYPE_AAAA;
    if (want4)
        lk.q[lk.nq++].qtype = DNS_TYPE_A;
    uint64_t t0 = nb_now_us();
    for (unsigned i = 0; i < lk.nq; i++) {
        struct dns_query *q = &lk.q[i];
        q->lk = &lk;
        q->last_fault = NB_E_TIMEOUT;
        for (unsigned j = 0; j < DNS_MAX_SERVERS; j++)
            q->ask[j].q = q;
        nb_timer_init(&q->timer, timer_fired);
        e = dns_build_query(q->qmsg, sizeof q->qmsg, 0, name, q->qtype, &q->qlen);
        if (e != NB_OK)
            query_finish(q, e); /* not reached: the name was checked above */
        else
            query_go(q);
    }
    if (!lookup_done(&lk))
        net_run_until(lookup_done, &lk, t0 + (uint64_t)timeout_ms * 1000u);
    for (unsigned i = 0; i < lk.nq; i++) {
        struct dns_query *q = &lk.q[i];
        if (!q->finished) {
            nb_warn("dns: %s %s: no answer within the %u ms allowed", name, type_name(q->qtype),
                    (unsigned)timeout_ms);
            query_finish(q, NB_E_TIMEOUT);
        }
    }
    unsigned ms = (unsigned)((nb_now_us() - t0) / 1000u);

    /* Interleave the families; the first query is AAAA when both were asked. */
    for (unsigned k = 0; k < DNS_MAX_ADDRS && out->n < DNS_MAX_ADDRS; k++)
        for (unsigned i = 0; i < lk.nq && out->n < DNS_MAX_ADDRS; i++)
            if (k < lk.q[i].res.n)
                out->addrs[out->n++] = lk.q[i].res.addrs[k];

    char srv[96], list[320];
    answered_text(srv, sizeof srv, &lk);
    if (out->n == 0) {
        e = lookup_error(&lk);
        if (srv[0] && e != NB_E_TIMEOUT && e != NB_E_DNS_SERVFAIL && e != NB_E_DNS_REFUSED &&
            e != NB_E_DNS_RCODE)
            return nb_fail(e, "dns: %s %s (server %s, %u ms)", name, types, srv, ms);
        return nb_fail(e, "dns: %s %s (no usable answer from %u server%s, %u ms)", name, types,
                       lk.n_servers, lk.n_servers == 1 ? "" : "s", ms);
    }
    size_t n = 0;
    list[0] = 0;
    for (unsigned i = 0; i < out->n; i++) {
        char t[NB_IP6_TEXT_MAX];
        nb_ip_text(t, sizeof t, &out->addrs[i]);
        if (sizeof list - n < strlen(t) + 16) {
            nb_snprintf(list + n, sizeof list - n, " (+%u more)", out->n - i);
            break;
        }
        n += (size_t)nb_snprintf(list + n, sizeof list - n, "%s%s", i ? " " : "", t);
    }
    nb_say("dns: %s %s: %s (server %s, %u ms)", name, types, list, srv, ms);
    return NB_OK;
}
