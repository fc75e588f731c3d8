/* The site race (boot/race.h). */
#include "boot/race.h"
#include "boot/url.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/dns.h"
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
    uint64_t next_start_us, first_ok_us, deadline_us;
    const struct nb_race_params *p;
};

static void start_one(struct race_state *st)
{
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

static int race_step(void *ctx)
{
    struct race_state *st = ctx;
    uint64_t now = nb_now_us();
    int running = 0, prev_done = 1;
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
        } else if (s == TCP_CLOSED) {
            a->err = tcp_get_error(&a->conn);
            if (a->err == NB_OK)
                a->err = NB_E_CONN_CLOSED;
            a->finished = 1;
        } else {
            running++;
            if (i + 1 == st->next)
                prev_done = 0;
        }
    }
    /* The next attempt: when the stagger passed, or the last one finished.
     * An attempt started in this step is running: the race goes on. */
    if (st->next < st->n && (now >= st->next_start_us || prev_done)) {
        start_one(st);
        return 0;
    }
    if (st->next == st->n && running == 0)
        return 1;
    /* Grace after the first success; every site has had its attempt started
     * by then unless the stagger is longer than the grace. */
    if (st->first_ok_us && now >= st->first_ok_us + (uint64_t)st->p->grace_ms * 1000u)
        return 1;
    return 0;
}

static void say_site(const struct nb_candidate *c, unsigned rank)
{
    char a[48] = "-";
    if (c->best.family)
        nb_ip_text(a, sizeof a, &c->best);
    if (c->rtt_us)
        nb_say("race: #%u %s at %s: connect %u.%03u ms (%s)", rank, c->base, a,
               (unsigned)(c->rtt_us / 1000u), (unsigned)(c->rtt_us % 1000u), nb_site_source_name(c->source));
    else
        nb_say("race: #%u %s: %s (%s)", rank, c->base,
               c->failed != NB_OK ? nb_strerror(c->failed) : "no answer within the race",
               nb_site_source_name(c->source));
}

nb_err nb_race(struct nb_candidates *l, const struct nb_race_params *p, unsigned order[NB_MAX_CANDIDATES],
               unsigned *norder)
{
    static struct race_state st;
    uint64_t t0 = nb_now_us();
    memset(&st, 0, sizeof st);
    st.p = p;
    /* Resolve, then lay out the attempts: per site, its first v6 and first v4 address. */
    for (unsigned s = 0; s < l->n; s++) {
        struct nb_candidate *c = &l->c[s];
        uint16_t port = 443;
        c->failed = NB_OK;
        c->rtt_us = 0;
        memset(&c->best, 0, sizeof c->best);
        resolve(c, p, &port);
        int have6 = 0, have4 = 0;
        for (unsigned i = 0; i < c->naddrs && st.n < MAX_ATTEMPTS; i++) {
            int fam = c->addrs[i].family;
            if ((fam == 6 && (have6 || !p->want6)) || (fam == 4 && (have4 || !p->want4)))
                continue;
            *(fam == 6 ? &have6 : &have4) = 1;
            struct attempt *a = &attempts[st.n++];
            memset(a, 0, sizeof *a);
            a->site = s;
            a->addr = c->addrs[i];
            a->port = port;
        }
    }
    if (st.n)
        start_one(&st);
    net_run_until(race_step, &st, t0 + (uint64_t)(p->connect_timeout_ms + p->dns_timeout_ms) * 1000u);
    for (unsigned i = 0; i < st.next; i++) {
        struct attempt *a = &attempts[i];
        struct nb_candidate *c = &l->c[a->site];
        if (!a->finished) {
            tcp_abort(&a->conn); /* cut off: still trying when the race ended */
            continue;
        }
        if (a->rtt_us && (!c->rtt_us || a->rtt_us < c->rtt_us)) {
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

    /* Rank: measured (by time, then weight), unmeasured, failed; stable. */
    unsigned n = 0;
    for (int pass = 0; pass < 3; pass++) {
        unsigned start = n;
        for (unsigned s = 0; s < l->n; s++) {
            const struct nb_candidate *c = &l->c[s];
            int cls = c->rtt_us ? 0 : c->failed == NB_OK ? 1 : 2;
            if (cls == pass)
                order[n++] = s;
        }
        if (pass == 0) { /* insertion sort of the measured ones */
            for (unsigned i = start + 1; i < n; i++) {
                unsigned k = order[i], j = i;
                while (j > start && (l->c[order[j - 1]].rtt_us > l->c[k].rtt_us ||
                                     (l->c[order[j - 1]].rtt_us == l->c[k].rtt_us &&
                                      l->c[order[j - 1]].weight < l->c[k].weight))) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = k;
            }
        }
    }
    *norder = n;
    for (unsigned i = 0; i < n; i++)
        say_site(&l->c[order[i]], i + 1);
    nb_say("race: %u site(s) ranked in %u ms", n, (unsigned)((nb_now_us() - t0) / 1000u));
    return n && l->c[order[0]].rtt_us ? NB_OK : NB_E_CONN_TIMEOUT;
}
