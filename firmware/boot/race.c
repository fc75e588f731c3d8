/* The site race (boot/race.h). */
#include "boot/race.h"
#include "boot/url.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/dns.h"
#include "net/ip4.h"
#include "net/ip6.h"
#include "net/stack.h"
#include "net/tcp.h"
#include <string.h>

#define MAX_ATTEMPTS (NB_MAX_CANDIDATES * 2u)
#define PROBE_BUF 1024u

struct attempt {
    unsigned site;
    struct nb_ip addr;
    uint16_t port;
    int started, finished;
    uint64_t start_us, rtt_us;
    uint64_t patience_us; /* once another site answered: how long this one is still worth waiting for */
    nb_err err;
    struct tcp_conn conn;
    uint8_t rx[PROBE_BUF], tx[PROBE_BUF];
};

static struct attempt attempts[MAX_ATTEMPTS];

static void resolve(struct nb_candidate *c, const struct nb_race_params *p, uint16_t *port)
{
    static struct nb_url u;
    static struct dns_result r;
    c->naddrs = 0;
    if (nb_url_parse(c->base, strlen(c->base), &u) != NB_OK) {
        c->failed = NB_E_INVALID;
        return;
    }
    *port = u.port;
    if (u.ip.family) {
        c->addrs[c->naddrs++] = u.ip;
        return;
    }
    nb_err e = dns_resolve(u.host, p->want4, p->want6, p->dns_timeout_ms, &r);
    if (e != NB_OK) {
        c->failed = e;
        return;
    }
    /* v6 first, then alternate (RFC 8305 §4), keeping each family's order. */
    const struct nb_ip *v6[DNS_MAX_ADDRS], *v4[DNS_MAX_ADDRS];
    unsigned n6 = 0, n4 = 0;
    for (unsigned i = 0; i < r.n; i++) {
        if (r.addrs[i].family == 6)
            v6[n6++] = &r.addrs[i];
        else
            v4[n4++] = &r.addrs[i];
    }
    for (unsigned i = 0; (i < n6 || i < n4) && c->naddrs < NB_SITE_ADDRS; i++) {
        if (i < n6)
            c->addrs[c->naddrs++] = *v6[i];
        if (i < n4 && c->naddrs < NB_SITE_ADDRS)
            c->addrs[c->naddrs++] = *v4[i];
    }
}

struct race_state {
    unsigned n, next;
    uint64_t next_start_us, first_ok_us, best_rtt_us;
    uint64_t hop_wait_since_us; /* the next attempt waits for its next hop since (0: not waiting) */
    const struct nb_race_params *p;
};

static int next_hop_ready(struct race_state *st, uint64_t now)
{
    const struct nb_ip *dst = &attempts[st->next].addr;
    int ready = dst->family == 6 ? ip6_next_hop_ready(dst->a) : ip4_next_hop_ready(dst->a);
    if (ready)
        return 1;
    if (!st->hop_wait_since_us)
        st->hop_wait_since_us = now;
    return now - st->hop_wait_since_us >= (uint64_t)st->p->stagger_ms * 1000u;
}

static void start_one(struct race_state *st)
{
    st->hop_wait_since_us = 0;
    struct attempt *a = &attempts[st->next++];
    struct tcp_params tp;
    tcp_params_default(&tp);
    tp.connect_timeout_ms = st->p->connect_timeout_ms;
    a->started = 1;
    a->start_us = nb_now_us();
    a->err = tcp_connect(&a->conn, &a->addr, a->port, a->rx, sizeof a->rx, a->tx, sizeof a->tx, &tp);
    if (a->err != NB_OK)
        a->finished = 1;
    st->next_start_us = a->start_us + (uint64_t)st->p->stagger_ms * 1000u;
}

/* A pending attempt is still worth waiting for, once a site has answered,
 * while it could beat the winner or is within its own patience. */
static int still_worth_waiting(const struct race_state *st, const struct attempt *a, uint64_t now)
{
    uint64_t waited = now - a->start_us;
    return waited < st->best_rtt_us || waited < a->patience_us;
}

#define RACE_PATIENCE_FLOOR_US 10000u

/* How long to measure a site that is not the winner, for the failover order:
 * the stagger (RFC 8305: an attempt that outlives it is slow), or less when
 * the last boot's ranking says what to expect — about twice its time then,
 * and only the floor for a site that did not answer last time. */
static uint64_t patience_us(const struct nb_candidate *c, const struct nb_race_params *p)
{
    uint64_t stagger = (uint64_t)p->stagger_ms * 1000u;
    if (!c->cached_rank)
        return stagger;
    uint64_t expect = c->cached_rtt_us ? 2u * c->cached_rtt_us + RACE_PATIENCE_FLOOR_US : RACE_PATIENCE_FLOOR_US;
    return expect < stagger ? expect : stagger;
}

static int race_step(void *ctx)
{
    struct race_state *st = ctx;
    uint64_t now = nb_now_us();
    int running = 0, prev_done = 1, worth_waiting = 0;
    for (unsigned i = 0; i < st->next; i++) {
        struct attempt *a = &attempts[i];
        if (a->finished)
            continue;
        enum tcp_state s = tcp_get_state(&a->conn);
        if (s == TCP_ESTABLISHED) {
            a->rtt_us = tcp_connect_rtt_us(&a->conn);
            if (!a->rtt_us)
                a->rtt_us = now - a->start_us;
            a->finished = 1;
            tcp_close(&a->conn);
            if (!st->first_ok_us)
                st->first_ok_us = now;
            if (!st->best_rtt_us || a->rtt_us < st->best_rtt_us)
                st->best_rtt_us = a->rtt_us;
        } else if (s == TCP_CLOSED) {
            a->err = tcp_get_error(&a->conn);
            if (a->err == NB_OK)
                a->err = NB_E_CONN_CLOSED;
            a->finished = 1;
        } else {
            running++;
            if (i + 1 == st->next)
                prev_done = 0;
            if (still_worth_waiting(st, a, now))
                worth_waiting = 1;
        }
    }
    /* The next attempt: when the stagger passed, or the last one finished,
     * and its next hop's link-layer address is known (so its connect time
     * is the path's, not ARP's or ND's; at most a stagger's wait for that).
     * An attempt started in this step is running: the race goes on. */
    if (st->next < st->n && (now >= st->next_start_us || prev_done) && next_hop_ready(st, now)) {
        start_one(st);
        return 0;
    }
    if (st->next == st->n && running == 0)
        return 1;
    /* Once a site answered: nothing left to wait for when every attempt has
     * started and none still pending could rank (slow ones are cut off:
     * their sites stay failover targets, unmeasured). */
    if (st->first_ok_us && st->next == st->n && !worth_waiting)
        return 1;
    /* Grace after the first success; every site has had its attempt started
     * by then unless the stagger is longer than the grace. */
    if (st->first_ok_us && now >= st->first_ok_us + (uint64_t)st->p->grace_ms * 1000u)
        return 1;
    return 0;
}

/* tried: an attempt was laid out for the site (a usable site without one
 * has only addresses of a family not up, or not wanted, yet). */
static void say_site(const struct nb_candidate *c, unsigned rank, int tried)
{
    char a[48] = "-";
    if (c->best.family)
        nb_ip_text(a, sizeof a, &c->best);
    if (c->rtt_us)
        nb_say("race: #%u %s at %s: connect %u.%03u ms (%s)", rank, c->base, a,
               (unsigned)(c->rtt_us / 1000u), (unsigned)(c->rtt_us % 1000u), nb_site_source_name(c->source));
    else
        nb_say("race: #%u %s: %s (%s)", rank, c->base,
               c->failed != NB_OK ? nb_strerror(c->failed)
               : tried            ? "no answer within the race"
                                  : "not raced: no address of a family that is up; kept as a failover target",
               nb_site_source_name(c->source));
}

static int site_tried(const struct race_state *st, unsigned site)
{
    for (unsigned i = 0; i < st->n; i++)
        if (attempts[i].site == site)
            return 1;
    return 0;
}

static void add_attempt(struct race_state *st, unsigned site, const struct nb_ip *addr, uint16_t port,
                        uint64_t patience)
{
    if (st->n >= MAX_ATTEMPTS)
        return;
    struct attempt *a = &attempts[st->n++];
    memset(a, 0, sizeof *a);
    a->site = site;
    a->addr = *addr;
    a->port = port;
    a->patience_us = patience;
}

/* The first address of family fam of candidate c, or NULL. */
static const struct nb_ip *first_of_family(const struct nb_candidate *c, int fam)
{
    for (unsigned i = 0; i < c->naddrs; i++)
        if (c->addrs[i].family == fam)
            return &c->addrs[i];
    return NULL;
}

/* Per site its first address of each wanted family: without a preference
 * site by site, in the resolver's v6-first interleave; with one, every
 * site's preferred-family address before any other-family address. */
static void lay_out_attempts(struct race_state *st, const struct nb_candidates *l, const struct nb_race_params *p,
                             const uint16_t *ports)
{
    int want[7] = { [4] = p->want4, [6] = p->want6 };
    if (p->prefer == 4 || p->prefer == 6) {
        int fams[2] = { p->prefer, p->prefer == 4 ? 6 : 4 };
        for (unsigned f = 0; f < 2; f++)
            for (unsigned s = 0; s < l->n; s++) {
                const struct nb_ip *ip = first_of_family(&l->c[s], fams[f]);
                if (ip && want[fams[f]])
                    add_attempt(st, s, ip, ports[s], patience_us(&l->c[s], p));
            }
        return;
    }
    for (unsigned s = 0; s < l->n; s++) {
        const struct nb_candidate *c = &l->c[s];
        int have[7] = { 0 };
        for (unsigned i = 0; i < c->naddrs; i++) {
            int fam = c->addrs[i].family;
            if ((fam == 4 || fam == 6) && want[fam] && !have[fam]) {
                have[fam] = 1;
                add_attempt(st, s, &c->addrs[i], ports[s], patience_us(c, p));
            }
        }
    }
}

/* Does attempt a (answered in rtt_us) serve its site better than what the
 * site has? The preferred family beats the other; otherwise the faster. */
static int better_for_site(const struct nb_candidate *c, const struct attempt *a, int prefer)
{
    if (!c->rtt_us)
        return 1;
    if (prefer && (a->addr.family == prefer) != (c->best.family == prefer))
        return a->addr.family == prefer;
    return a->rtt_us < c->rtt_us;
}

/* Ranking class: reached over the preferred family (or any, without one),
 * reached only over the other, not measured, failed. */
static int rank_class(const struct nb_candidate *c, int prefer)
{
    if (c->rtt_us)
        return prefer && c->best.family != prefer ? 1 : 0;
    return c->failed == NB_OK ? 2 : 3;
}

static int ranks_before(const struct nb_candidate *a, const struct nb_candidate *b)
{
    return a->rtt_us < b->rtt_us || (a->rtt_us == b->rtt_us && a->weight > b->weight);
}

void nb_race_rank(const struct nb_candidates *l, int prefer, unsigned order[NB_MAX_CANDIDATES], unsigned *norder)
{
    unsigned n = 0;
    for (int cls = 0; cls < 4; cls++) {
        unsigned start = n;
        for (unsigned s = 0; s < l->n; s++)
            if (rank_class(&l->c[s], prefer) == cls)
                order[n++] = s;
        if (cls > 1)
            continue;
        for (unsigned i = start + 1; i < n; i++) { /* stable insertion sort by time, then weight */
            unsigned k = order[i], j = i;
            while (j > start && ranks_before(&l->c[k], &l->c[order[j - 1]])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = k;
        }
    }
    *norder = n;
}

nb_err nb_race(struct nb_candidates *l, const struct nb_race_params *p, unsigned order[NB_MAX_CANDIDATES],
               unsigned *norder)
{
    static struct race_state st;
    uint64_t t0 = nb_now_us();
    memset(&st, 0, sizeof st);
    st.p = p;
    uint16_t ports[NB_MAX_CANDIDATES];
    for (unsigned s = 0; s < l->n; s++) {
        struct nb_candidate *c = &l->c[s];
        ports[s] = 443;
        c->failed = NB_OK;
        c->rtt_us = 0;
        memset(&c->best, 0, sizeof c->best);
        resolve(c, p, &ports[s]);
    }
    lay_out_attempts(&st, l, p, ports); /* race_step starts the first once its next hop is known */
    net_run_until(race_step, &st, t0 + (uint64_t)(p->connect_timeout_ms + p->dns_timeout_ms) * 1000u);
    for (unsigned i = 0; i < st.next; i++) {
        struct attempt *a = &attempts[i];
        struct nb_candidate *c = &l->c[a->site];
        if (!a->finished) {
            tcp_abort(&a->conn); /* cut off: still trying when the race ended */
            continue;
        }
        if (a->rtt_us && better_for_site(c, a, p->prefer)) {
            c->rtt_us = a->rtt_us;
            c->best = a->addr;
        } else if (!a->rtt_us && c->failed == NB_OK && !c->rtt_us) {
            c->failed = a->err;
        }
    }
    /* A site with a measured time is usable even if another of its addresses failed. */
    for (unsigned s = 0; s < l->n; s++)
        if (l->c[s].rtt_us)
            l->c[s].failed = NB_OK;

    nb_race_rank(l, p->prefer, order, norder);
    unsigned n = *norder;
    for (unsigned i = 0; i < n; i++)
        say_site(&l->c[order[i]], i + 1, site_tried(&st, order[i]));
    nb_say("race: %u site(s) ranked in %u ms (%s)", n, (unsigned)((nb_now_us() - t0) / 1000u),
           p->prefer == 4 ? "IPv4 first" : p->prefer == 6 ? "IPv6 first" : "nearest address, either family");
    return n && l->c[order[0]].rtt_us ? NB_OK : NB_E_CONN_TIMEOUT;
}
