/*
 * DHCPv6 client (RFC 8415): the state machine (boot/dhcp6.h).
 *
 * The states that talk are rows of a table: the message a state sends, the
 * reply it waits for, the options that go with it, which retransmission
 * parameters apply (RFC 8415 §15: IRT, MRT, MRC, MRD, and the random delay
 * before the first message), the state a good reply leads to, and what
 * happens when the retransmissions run out. One engine sends, retransmits
 * and times out for every row; a small handler per row judges the replies.
 *
 *   WAIT ──(link-local usable; AUTO: RA M / O / none within ra_wait)──┐
 *     ┌───────────────────────────────────────────────────────────────┤
 *     v                                                               v
 *   SOLICIT ──ADVERTISE (pref 255, or best at end of first RT)──> REQUEST ──REPLY──> BOUND
 *     │   └──REPLY with Rapid Commit──────────────────────────────────────────────────┘  │
 *     │ <──────────────── REQUEST fails (REQ_MAX_RC, NoAddrsAvail, NotOnLink) ─┘        │
 *     │ <──────────────── DECLINE <── the address fails DAD ─────────────────────────────┘
 *   INFORMATION-REQUEST ──REPLY──> INFORMED
 *
 * Messages go to ff02::1:2 port 547 from port 546, source our link-local
 * address. Every received message is parsed by the bounded parser
 * (boot/dhcp6_msg.c) and must carry our transaction id, our DUID as Client
 * Identifier and a Server Identifier (RFC 8415 §16) before a handler sees it.
 */
#include "boot/dhcp6.h"
#include "boot/arch.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/log.h"
#include "net/counters.h"
#include "net/dns.h"
#include "net/ip6.h"
#include "net/ip_text.h"
#include "net/nd6.h"
#include "net/stack.h"
#include <stddef.h>
#include <string.h>

#define WAIT_POLL_MS 50u  /* WAIT: how often link-local and RA state are looked at */
#define DAD_POLL_MS 100u  /* BOUND: how often the leased address's DAD is looked at */
#define TX_BUF 512u       /* our largest message is about 200 bytes */

#define CLIENT_OF(ptr, member) \
    ((struct dhcp6_client *)(void *)((char *)(ptr) - offsetof(struct dhcp6_client, member)))

static const uint8_t all_servers[16] = { 0xff, 0x02, [13] = 1, [15] = 2 }; /* ff02::1:2 */

/* Options a state's message carries (beyond Client ID and Elapsed Time). */
enum {
    F_IA = 1u << 0,        /* IA_NA with our IAID */
    F_IA_ADDR = 1u << 1,   /* ... holding the address chosen/leased */
    F_SERVER_ID = 1u << 2, /* the chosen server's DUID */
    F_ORO = 1u << 3,       /* ORO for a stateful exchange */
    F_ORO_INF = 1u << 4,   /* ORO for INFORMATION-REQUEST */
    F_PXE = 1u << 5,       /* 61, 62, vendor classes, user class, our 17 */
    F_RAPID = 1u << 6,     /* Rapid Commit, if configured */
    F_COLLECT = 1u << 7,   /* collect ADVERTISEs for the first RT; RAND > 0 on it */
};

struct dhcp6_client;
typedef void (*rx_fn)(struct dhcp6_client *c, const uint8_t from[16]);

struct state_desc {
    const char *name;  /* for the console */
    uint8_t tx;        /* message type sent (0: a state that does not talk) */
    uint8_t rx;        /* message type awaited (SOLICIT also takes a Rapid Commit REPLY) */
    uint8_t timing;    /* DHCP6_T_* */
    uint8_t flags;
    uint8_t next;      /* after a good reply */
    uint8_t on_fail;   /* when MRC/MRD run out: DHCP6_S_FAILED, or SOLICIT to start over */
    nb_err fail_err;
    enum nb_counter tx_ctr;
    rx_fn on_rx;
};

static void rx_solicit(struct dhcp6_client *c, const uint8_t from[16]);
static void rx_request(struct dhcp6_client *c, const uint8_t from[16]);
static void rx_inforeq(struct dhcp6_client *c, const uint8_t from[16]);
static void rx_decline(struct dhcp6_client *c, const uint8_t from[16]);

static const struct state_desc states[DHCP6_S__COUNT] = {
    [DHCP6_S_IDLE] = { .name = "idle" },
    [DHCP6_S_WAIT] = { .name = "wait" },
    [DHCP6_S_SOLICIT] = { "SOLICIT", DHCP6_SOLICIT, DHCP6_ADVERTISE, DHCP6_T_SOLICIT,
                          F_IA | F_ORO | F_PXE | F_RAPID | F_COLLECT, DHCP6_S_REQUEST,
                          DHCP6_S_FAILED, NB_E_TIMEOUT, CTR_DHCP6_TX_SOLICIT, rx_solicit },
    [DHCP6_S_REQUEST] = { "REQUEST", DHCP6_REQUEST, DHCP6_REPLY, DHCP6_T_REQUEST,
                          F_IA | F_IA_ADDR | F_SERVER_ID | F_ORO | F_PXE, DHCP6_S_BOUND,
                          DHCP6_S_SOLICIT, NB_E_DHCP6_NO_REPLY, CTR_DHCP6_TX_REQUEST, rx_request },
    [DHCP6_S_INFOREQ] = { "INFORMATION-REQUEST", DHCP6_INFORMATION_REQUEST, DHCP6_REPLY,
                          DHCP6_T_INFOREQ, F_ORO_INF | F_PXE, DHCP6_S_INFORMED, DHCP6_S_FAILED,
                          NB_E_TIMEOUT, CTR_DHCP6_TX_INFOREQ, rx_inforeq },
    [DHCP6_S_DECLINE] = { "DECLINE", DHCP6_DECLINE, DHCP6_REPLY, DHCP6_T_DECLINE,
                          F_IA | F_IA_ADDR | F_SERVER_ID, DHCP6_S_SOLICIT, DHCP6_S_SOLICIT,
                          NB_E_DHCP6_DUPLICATE, CTR_DHCP6_TX_DECLINE, rx_decline },
    [DHCP6_S_BOUND] = { .name = "bound" },
    [DHCP6_S_INFORMED] = { .name = "informed" },
    [DHCP6_S_FAILED] = { .name = "failed" },
};

/* ORO: DNS servers, domain list, boot file URL and parameters, the
 * retransmission ceiling, and vendor options (ours, site URLs). */
static const uint16_t oro_stateful[] = {
    DHCP6_OPT_DNS_SERVERS, DHCP6_OPT_DOMAIN_LIST, DHCP6_OPT_BOOTFILE_URL,
    DHCP6_OPT_BOOTFILE_PARAM, DHCP6_OPT_SOL_MAX_RT, DHCP6_OPT_VENDOR_OPTS,
};
static const uint16_t oro_stateless[] = {
    DHCP6_OPT_DNS_SERVERS, DHCP6_OPT_DOMAIN_LIST, DHCP6_OPT_BOOTFILE_URL,
    DHCP6_OPT_BOOTFILE_PARAM, DHCP6_OPT_INF_MAX_RT, DHCP6_OPT_VENDOR_OPTS,
};

static void enter(struct dhcp6_client *c, enum dhcp6_state s);

/* ---------------------------------------------------------------- pure parts */

uint32_t dhcp6_rt_initial(uint32_t irt_ms, int32_t rand_pm)
{
    int64_t rt = (int64_t)irt_ms + (int64_t)irt_ms * rand_pm / 1000;
    if (rand_pm > 0 && rt <= (int64_t)irt_ms)
        rt = (int64_t)irt_ms + 1; /* strictly above IRT even for tiny IRTs */
    return rt < 1 ? 1u : (uint32_t)rt;
}

uint32_t dhcp6_rt_next(uint32_t prev_ms, uint32_t mrt_ms, int32_t rand_pm)
{
    int64_t rt = 2 * (int64_t)prev_ms + (int64_t)prev_ms * rand_pm / 1000;
    if (mrt_ms && rt > (int64_t)mrt_ms)
        rt = (int64_t)mrt_ms + (int64_t)mrt_ms * rand_pm / 1000;
    if (rt < 1)
        rt = 1;
    return rt > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)rt;
}

int32_t dhcp6_rand_pm(int positive)
{
    if (positive)
        return 1 + (int32_t)nb_random_below(100);
    return (int32_t)nb_random_below(201) - 100;
}

uint16_t dhcp6_elapsed_cs(uint64_t first_tx_us, uint64_t now_us)
{
    if (now_us <= first_tx_us)
        return 0;
    uint64_t cs = (now_us - first_tx_us) / 10000u;
    return cs > 0xffffu ? 0xffffu : (uint16_t)cs;
}

int dhcp6_advertise_better(const struct dhcp6_msg *a, const struct dhcp6_msg *b)
{
    unsigned pa = (a->have & DHCP6_HAVE_PREFERENCE) ? a->preference : 0;
    unsigned pb = (b->have & DHCP6_HAVE_PREFERENCE) ? b->preference : 0;
    if (pa != pb)
        return pa > pb;
    int ua = !!(a->have & DHCP6_HAVE_BOOTFILE_URL), ub = !!(b->have & DHCP6_HAVE_BOOTFILE_URL);
    if (ua != ub)
        return ua;
    int sa = a->nsites > 0, sb = b->nsites > 0;
    if (sa != sb)
        return sa;
    return 0;
}

const char *dhcp6_state_name(enum dhcp6_state s)
{
    return (unsigned)s < DHCP6_S__COUNT ? states[s].name : "?";
}

void dhcp6_config_default(struct dhcp6_config *cfg, const struct nb_sysid *id)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = DHCP6_MODE_AUTO;
    cfg->t[DHCP6_T_SOLICIT] = (struct dhcp6_timing){ DHCP6_SOL_MAX_DELAY_MS, DHCP6_SOL_TIMEOUT_MS,
                                                     DHCP6_BOOT_MAX_RT_MS, 0, 0 };
    cfg->t[DHCP6_T_REQUEST] = (struct dhcp6_timing){ 0, DHCP6_REQ_TIMEOUT_MS, DHCP6_REQ_MAX_RT_MS,
                                                     DHCP6_REQ_MAX_RC, 0 };
    cfg->t[DHCP6_T_INFOREQ] = (struct dhcp6_timing){ DHCP6_INF_MAX_DELAY_MS, DHCP6_INF_TIMEOUT_MS,
                                                     DHCP6_BOOT_MAX_RT_MS, 0, 0 };
    cfg->t[DHCP6_T_DECLINE] = (struct dhcp6_timing){ 0, DHCP6_DEC_TIMEOUT_MS, 0, DHCP6_DEC_MAX_RC, 0 };
    cfg->ra_wait_ms = 3000;
    cfg->ll_wait_ms = 10000;
    cfg->dad_wait_ms = 5000;
    cfg->rapid_commit = 1;
    cfg->honour_sol_max_rt = 1;
    cfg->apply = 1;
    int pinned;
    duid_get(id, &cfg->duid, &pinned);
    cfg->iaid = duid_iaid(id->mac);
    cfg->arch = NB_CLIENT_ARCH;
    cfg->undi_major = NB_UNDI_MAJOR;
    cfg->undi_minor = NB_UNDI_MINOR;
    cfg->vendor_class = "nearboot";
    cfg->user_class = "nearboot";
}

/* ---------------------------------------------------------------- console */

static const char *text6(char buf[NB_IP6_TEXT_MAX], const uint8_t a[16])
{
    nb_ip6_text(buf, NB_IP6_TEXT_MAX, a);
    return buf;
}

static const char *duid_kind(const uint8_t *d, size_t len)
{
    static const char *const kinds[] = { "?", "DUID-LLT", "DUID-EN", "DUID-LL", "DUID-UUID" };
    unsigned t = len >= 2 ? (unsigned)d[0] << 8 | d[1] : 0;
    return t < 5 ? kinds[t] : "DUID-?";
}

static unsigned ms_since(uint64_t t_us) { return (unsigned)((nb_now_us() - t_us) / 1000u); }

/* ---------------------------------------------------------------- the engine */

static uint32_t mrt_of(const struct dhcp6_client *c, const struct state_desc *d)
{
    if (d->timing == DHCP6_T_SOLICIT)
        return c->sol_mrt_ms;
    if (d->timing == DHCP6_T_INFOREQ)
        return c->inf_mrt_ms;
    return c->cfg.t[d->timing].mrt_ms;
}

static void send_msg(struct dhcp6_client *c, const struct state_desc *d, uint16_t elapsed)
{
    struct dhcp6_tx t;
    memset(&t, 0, sizeof t);
    t.msg_type = d->tx;
    t.xid = c->xid;
    t.client_id = c->cfg.duid.b;
    t.client_id_len = c->cfg.duid.len;
    t.elapsed_cs = elapsed;
    const struct dhcp6_msg *srv = &c->best;
    if (c->state == DHCP6_S_DECLINE) {
        t.server_id = c->lease.server_id;
        t.server_id_len = c->lease.server_id_len;
    } else if (d->flags & F_SERVER_ID) {
        t.server_id = srv->server_id;
        t.server_id_len = srv->server_id_len;
    }
    if (d->flags & F_ORO) {
        t.oro = oro_stateful;
        t.noro = sizeof oro_stateful / sizeof oro_stateful[0];
    } else if (d->flags & F_ORO_INF) {
        t.oro = oro_stateless;
        t.noro = sizeof oro_stateless / sizeof oro_stateless[0];
    }
    if (d->flags & F_IA) {
        t.with_ia = 1;
        t.iaid = c->cfg.iaid;
        if (d->flags & F_IA_ADDR) {
            if (c->state == DHCP6_S_DECLINE) {
                t.ia_addr = c->lease.addr;
            } else {
                const struct dhcp6_ia *ia = dhcp6_find_ia(srv, c->cfg.iaid);
                t.ia_addr = ia && ia->naddr ? ia->addr : NULL;
            }
        }
    }
    t.rapid_commit = (d->flags & F_RAPID) && c->cfg.rapid_commit;
    if (d->flags & F_PXE) {
        t.with_pxe = 1;
        t.arch = c->cfg.arch;
        t.undi_major = c->cfg.undi_major;
        t.undi_minor = c->cfg.undi_minor;
        t.vendor_class = c->cfg.vendor_class;
        t.user_class = c->cfg.user_class;
        t.with_nb_vendor_opts = 1;
    }
    uint8_t buf[TX_BUF], ll[16];
    size_t len;
    nb_err e = dhcp6_build(&t, buf, sizeof buf, &len);
    if (e == NB_OK && !nd6_link_local(ll))
        e = NB_E_DHCP6_NO_LINK_LOCAL;
    if (e == NB_OK) {
        struct nb_ip src = nb_ip_from(6, ll), dst = nb_ip_from(6, all_servers);
        e = udp_sendto(&c->sock, &src, &dst, DHCP6_SERVER_PORT, buf, len);
    }
    if (e != NB_OK) {
        /* the retransmission timer still runs: the next attempt may work */
        NB_COUNT(CTR_DHCP6_TX_ERR);
        c->last_err = e;
        nb_warn("dhcp6: %s not sent: %s", d->name, nb_strerror(e));
        return;
    }
    NB_COUNT(d->tx_ctr);
}

/* Send (or resend) the current state's message and arm the timeout. */
static void transmit(struct dhcp6_client *c)
{
    const struct state_desc *d = &states[c->state];
    const struct dhcp6_timing *t = &c->cfg.t[d->timing];
    uint64_t now = nb_now_us();
    if (c->tx_count == 0) {
        c->exch_start_us = now;
        c->rt_ms = dhcp6_rt_initial(t->irt_ms, dhcp6_rand_pm((d->flags & F_COLLECT) != 0));
    } else {
        c->rt_ms = dhcp6_rt_next(c->rt_ms, mrt_of(c, d), dhcp6_rand_pm(0));
        NB_COUNT(CTR_DHCP6_TX_RETRANSMIT);
    }
    send_msg(c, d, dhcp6_elapsed_cs(c->exch_start_us, now));
    c->tx_count++;
    uint64_t deadline = now + (uint64_t)c->rt_ms * 1000u;
    if (t->mrd_ms && deadline > c->exch_start_us + (uint64_t)t->mrd_ms * 1000u)
        deadline = c->exch_start_us + (uint64_t)t->mrd_ms * 1000u;
    nb_timer_arm_at(&c->timer, deadline);
    nb_say("dhcp6: %s #%u xid 0x%06x, next in %u.%03u s", d->name, (unsigned)c->tx_count,
           (unsigned)c->xid, (unsigned)((deadline - now) / 1000000u),
           (unsigned)((deadline - now) / 1000u % 1000u));
}

static void finish(struct dhcp6_client *c, enum dhcp6_state s, nb_err result)
{
    nb_timer_cancel(&c->timer);
    c->state = s;
    c->result = result;
    if (result != NB_OK)
        nb_fail(result, "dhcp6: gave up after %u ms", ms_since(c->start_us));
}

/* Back to SOLICIT after a failed exchange (new xid; no first-message delay). */
static void restart(struct dhcp6_client *c, nb_err why)
{
    c->last_err = why;
    c->restarts++;
    NB_COUNT(CTR_DHCP6_RESTART);
    if (c->cfg.max_restarts && c->restarts > c->cfg.max_restarts) {
        finish(c, DHCP6_S_FAILED, why);
        return;
    }
    nb_say("dhcp6: %s; starting over with SOLICIT (restart %u)", nb_strerror(why),
           (unsigned)c->restarts);
    enter(c, DHCP6_S_SOLICIT);
}

static void enter(struct dhcp6_client *c, enum dhcp6_state s)
{
    nb_timer_cancel(&c->timer);
    c->state = s;
    const struct state_desc *d = &states[s];
    if (!d->tx)
        return;
    c->xid = nb_random_u32() & 0xffffffu;
    c->tx_count = 0;
    if (s == DHCP6_S_SOLICIT)
        c->have_best = 0;
    const struct dhcp6_timing *t = &c->cfg.t[d->timing];
    if (t->max_delay_ms && !c->delayed) {
        /* RFC 8415 §18.2.1/§18.2.6: the first message on the interface
         * waits a random time in [0, MAX_DELAY], so a rack that powers up
         * at once does not solicit at once */
        c->delayed = 1;
        uint32_t wait_ms = nb_random_below(t->max_delay_ms + 1u);
        nb_timer_arm(&c->timer, (uint64_t)wait_ms * 1000u);
        return;
    }
    transmit(c);
}

/* MRC or MRD used up in the current state. */
static void exchange_failed(struct dhcp6_client *c)
{
    const struct state_desc *d = &states[c->state];
    nb_warn("dhcp6: %s: no answer after %u transmissions in %u ms", d->name,
            (unsigned)c->tx_count, ms_since(c->exch_start_us));
    if (d->on_fail == DHCP6_S_SOLICIT)
        restart(c, d->fail_err);
    else
        finish(c, DHCP6_S_FAILED, d->fail_err);
}

static void choose_best(struct dhcp6_client *c)
{
    char a[NB_IP6_TEXT_MAX], s[2 * 16 + 3];
    const struct dhcp6_ia *ia = dhcp6_find_ia(&c->best, c->cfg.iaid);
    duid_text(s, sizeof s, c->best.server_id, c->best.server_id_len);
    nb_say("dhcp6: chose server %s (preference %u, offers %s)", s, (unsigned)c->best.preference,
           ia ? text6(a, ia->addr) : "?");
    enter(c, DHCP6_S_REQUEST);
}

/* WAIT: link-local usable, then the RA's word (or its absence). */
static void wait_step(struct dhcp6_client *c)
{
    uint8_t ll[16];
    uint64_t waited_ms = (nb_now_us() - c->start_us) / 1000u;
    if (!nd6_link_local(ll)) {
        if (waited_ms >= c->cfg.ll_wait_ms) {
            finish(c, DHCP6_S_FAILED, NB_E_DHCP6_NO_LINK_LOCAL);
            return;
        }
        nb_timer_arm(&c->timer, WAIT_POLL_MS * 1000u);
        return;
    }
    enum dhcp6_state next = DHCP6_S_SOLICIT;
    if (c->cfg.mode == DHCP6_MODE_STATELESS) {
        next = DHCP6_S_INFOREQ;
        nb_say("dhcp6: stateless (forced): INFORMATION-REQUEST");
    } else if (c->cfg.mode == DHCP6_MODE_STATEFUL) {
        nb_say("dhcp6: stateful (forced): SOLICIT");
    } else {
        unsigned ra = nd6_ra_flags();
        if (!(ra & ND6_RA_SEEN)) {
            if (waited_ms < c->cfg.ra_wait_ms) {
                nb_timer_arm(&c->timer, WAIT_POLL_MS * 1000u);
                return;
            }
            nb_say("dhcp6: no router advertisement within %u ms: stateful (SOLICIT)",
                   (unsigned)c->cfg.ra_wait_ms);
        } else if (ra & ND6_RA_MANAGED) {
            nb_say("dhcp6: router advertisement has M set: stateful (SOLICIT)");
        } else if (ra & ND6_RA_OTHER) {
            next = DHCP6_S_INFOREQ;
            nb_say("dhcp6: router advertisement has O set: stateless (INFORMATION-REQUEST)");
        } else {
            finish(c, DHCP6_S_FAILED, NB_E_DHCP6_NOT_MANAGED);
            return;
        }
    }
    enter(c, next);
}

static void timer_fn(struct nb_timer *tm)
{
    struct dhcp6_client *c = CLIENT_OF(tm, timer);
    if (c->state == DHCP6_S_WAIT) {
        wait_step(c);
        return;
    }
    const struct state_desc *d = &states[c->state];
    if (!d->tx)
        return;
    if (c->tx_count == 0) { /* the first-message delay is over */
        transmit(c);
        return;
    }
    if ((d->flags & F_COLLECT) && c->have_best) { /* end of the first RT */
        choose_best(c);
        return;
    }
    const struct dhcp6_timing *t = &c->cfg.t[d->timing];
    uint64_t now = nb_now_us();
    if ((t->mrc && c->tx_count >= t->mrc) ||
        (t->mrd_ms && now >= c->exch_start_us + (uint64_t)t->mrd_ms * 1000u)) {
        exchange_failed(c);
        return;
    }
    transmit(c);
}

/* ---------------------------------------------------------------- results */

static void fill_lease(struct dhcp6_client *c, const struct dhcp6_msg *m, const uint8_t from[16])
{
    struct dhcp6_lease *l = &c->lease;
    uint64_t started = l->started_us;
    memset(l, 0, sizeof *l);
    l->started_us = started;
    l->acquired_us = nb_now_us();
    memcpy(l->server_id, m->server_id, m->server_id_len);
    l->server_id_len = m->server_id_len;
    memcpy(l->server_addr, from, 16);
    l->preference = m->preference;
    memcpy(l->dns, m->dns, sizeof l->dns);
    l->ndns = m->ndns;
    memcpy(l->domains, m->domains, sizeof l->domains);
    l->ndomains = m->ndomains;
    memcpy(l->boot_url, m->bootfile_url, sizeof l->boot_url);
    memcpy(l->boot_params, m->boot_params, sizeof l->boot_params);
    l->nparams = m->nparams;
    memcpy(l->sites, m->sites, sizeof l->sites);
    l->nsites = m->nsites;
}

static void say_options(const struct dhcp6_lease *l)
{
    char a[NB_IP6_TEXT_MAX];
    for (unsigned i = 0; i < l->ndns; i++)
        nb_say("dhcp6:   dns %s", text6(a, l->dns[i]));
    for (unsigned i = 0; i < l->ndomains; i++)
        nb_say("dhcp6:   domain %s", l->domains[i]);
    if (l->boot_url[0])
        nb_say("dhcp6:   boot url %s", l->boot_url);
    for (unsigned i = 0; i < l->nparams; i++)
        nb_say("dhcp6:   boot param %s", l->boot_params[i]);
    for (unsigned i = 0; i < l->nsites; i++)
        nb_say("dhcp6:   site %s", l->sites[i]);
}

static void apply_dns(const struct dhcp6_lease *l)
{
    for (unsigned i = 0; i < l->ndns; i++) {
        struct nb_ip s = nb_ip_from(6, l->dns[i]);
        dns_add_server(&s);
    }
}

static void dad_fn(struct nb_timer *tm)
{
    struct dhcp6_client *c = CLIENT_OF(tm, dad_timer);
    if (c->state != DHCP6_S_BOUND)
        return;
    enum nd6_addr_state st = nd6_addr_state(c->lease.addr);
    if (st == ND6_ADDR_DUPLICATE) {
        char a[NB_IP6_TEXT_MAX];
        nb_warn("dhcp6: %s is in use by another node on the link: DECLINE",
                text6(a, c->lease.addr));
        nd6_addr_remove(c->lease.addr);
        c->last_err = NB_E_DHCP6_DUPLICATE;
        c->result = NB_E_TIMEOUT; /* running again */
        c->lease.stateful = 0;
        enter(c, DHCP6_S_DECLINE);
        return;
    }
    if (st == ND6_ADDR_TENTATIVE && nb_now_us() < c->dad_until_us)
        nb_timer_arm(&c->dad_timer, DAD_POLL_MS * 1000u);
}

static void bind_lease(struct dhcp6_client *c, const struct dhcp6_msg *m, const struct dhcp6_ia *ia,
                 const uint8_t from[16], int rapid)
{
    fill_lease(c, m, from);
    struct dhcp6_lease *l = &c->lease;
    l->stateful = 1;
    l->rapid_commit = rapid;
    memcpy(l->addr, ia->addr, 16);
    l->iaid = ia->iaid;
    l->t1_s = ia->t1_s;
    l->t2_s = ia->t2_s;
    l->preferred_s = ia->preferred_s;
    l->valid_s = ia->valid_s;
    finish(c, DHCP6_S_BOUND, NB_OK);
    char a[NB_IP6_TEXT_MAX], f[NB_IP6_TEXT_MAX], s[2 * 16 + 3];
    duid_text(s, sizeof s, l->server_id, l->server_id_len);
    nb_say("dhcp6: bound %s (preferred %u s, valid %u s, T1 %u s, T2 %u s) from %s via %s%s "
           "in %u ms", text6(a, l->addr), (unsigned)l->preferred_s, (unsigned)l->valid_s,
           (unsigned)l->t1_s, (unsigned)l->t2_s, s, text6(f, from),
           rapid ? " (rapid commit)" : "", (unsigned)((l->acquired_us - c->start_us) / 1000u));
    say_options(l);
    if (!c->cfg.apply)
        return;
    nb_err e = nd6_addr_add(l->addr, 128, l->preferred_s, l->valid_s);
    if (e != NB_OK)
        nb_fail(e, "dhcp6: could not add %s to the interface", a);
    apply_dns(l);
    if (e == NB_OK && c->cfg.dad_wait_ms) {
        c->dad_until_us = nb_now_us() + (uint64_t)c->cfg.dad_wait_ms * 1000u;
        nb_timer_arm(&c->dad_timer, DAD_POLL_MS * 1000u);
    }
}

/* A server status that failed the exchange: console line, counter. */
static void say_status(struct dhcp6_client *c, const char *what, uint16_t code,
                       const uint8_t from[16])
{
    char f[NB_IP6_TEXT_MAX];
    NB_COUNT(CTR_DHCP6_STATUS_FAIL);
    nb_warn("dhcp6: %s from %s: status %u (%s)", what, text6(f, from), (unsigned)code,
            c->rx.status_msg[0] ? c->rx.status_msg : "no text");
}

/* A REPLY that should bind (to REQUEST, or Rapid Commit to SOLICIT).
 * 1: bound; 0: not usable, keep waiting; -1: this server failed us. */
static int take_reply(struct dhcp6_client *c, const uint8_t from[16], int rapid)
{
    const struct dhcp6_msg *m = &c->rx;
    if (m->status != DHCP6_STATUS_SUCCESS) {
        say_status(c, "REPLY", m->status, from);
        c->last_err = m->status == DHCP6_STATUS_NO_ADDRS_AVAIL ? NB_E_DHCP6_NO_ADDRS
                                                               : NB_E_DHCP6_STATUS;
        /* UnspecFail: the server may do better on a retransmission (§18.2.10);
         * UseMulticast: we do use multicast. Anything else ends this server. */
        if (m->status == DHCP6_STATUS_UNSPEC_FAIL || m->status == DHCP6_STATUS_USE_MULTICAST)
            return 0;
        return -1;
    }
    const struct dhcp6_ia *ia = dhcp6_find_ia(m, c->cfg.iaid);
    if (ia && ia->status != DHCP6_STATUS_SUCCESS) {
        say_status(c, "REPLY IA_NA", ia->status, from);
        c->last_err = ia->status == DHCP6_STATUS_NO_ADDRS_AVAIL ? NB_E_DHCP6_NO_ADDRS
                      : ia->status == DHCP6_STATUS_NOT_ON_LINK  ? NB_E_DHCP6_NOT_ON_LINK
                                                                : NB_E_DHCP6_STATUS;
        return -1;
    }
    if (!ia || !ia->naddr || !ia->valid_s) {
        c->last_err = NB_E_DHCP6_NO_IA;
        nb_warn("dhcp6: REPLY holds no usable address for IAID 0x%08x", (unsigned)c->cfg.iaid);
        return -1;
    }
    bind_lease(c, m, ia, from, rapid);
    return 1;
}

static void rx_solicit(struct dhcp6_client *c, const uint8_t from[16])
{
    const struct dhcp6_msg *m = &c->rx;
    char a[NB_IP6_TEXT_MAX], f[NB_IP6_TEXT_MAX], s[2 * 16 + 3];
    if (m->msg_type == DHCP6_REPLY) {
        /* §18.2.1: only a Reply with Rapid Commit answers a Solicit that
         * asked for it. A failed one leaves us soliciting (others may offer). */
        if (!c->cfg.rapid_commit || !(m->have & DHCP6_HAVE_RAPID_COMMIT)) {
            NB_COUNT(CTR_DHCP6_DROP_NO_RAPID);
            return;
        }
        take_reply(c, from, 1);
        return;
    }
    const struct dhcp6_ia *ia = dhcp6_find_ia(m, c->cfg.iaid);
    duid_text(s, sizeof s, m->server_id, m->server_id_len);
    if (m->status != DHCP6_STATUS_SUCCESS || !ia || ia->status != DHCP6_STATUS_SUCCESS ||
        !ia->naddr || !ia->valid_s) {
        /* §18.2.9: an Advertise without addresses is ignored */
        NB_COUNT(CTR_DHCP6_DROP_NO_ADDRS);
        c->last_err = NB_E_DHCP6_NO_ADDRS;
        nb_warn("dhcp6: ADVERTISE from %s (server %s) has no address for us%s%s", text6(f, from),
                s, m->status_msg[0] ? ": " : "", m->status_msg);
        return;
    }
    nb_say("dhcp6: ADVERTISE from %s server %s preference %u address %s%s", text6(f, from), s,
           (unsigned)m->preference, text6(a, ia->addr),
           (m->have & DHCP6_HAVE_BOOTFILE_URL) ? " with boot url" : "");
    if (!c->have_best || dhcp6_advertise_better(m, &c->best)) {
        c->best = *m;
        memcpy(c->best_from, from, 16);
        c->have_best = 1;
    }
    /* preference 255: take it at once; after the first RT: the first one wins */
    if (((m->have & DHCP6_HAVE_PREFERENCE) && m->preference == 255) || c->tx_count > 1)
        choose_best(c);
}

static int server_is_chosen(const struct dhcp6_client *c, const uint8_t *id, size_t len)
{
    const struct dhcp6_msg *m = &c->rx;
    return m->server_id_len == len && memcmp(m->server_id, id, len) == 0;
}

static void rx_request(struct dhcp6_client *c, const uint8_t from[16])
{
    if (!server_is_chosen(c, c->best.server_id, c->best.server_id_len)) {
        NB_COUNT(CTR_DHCP6_DROP_SERVER_ID);
        return;
    }
    if (take_reply(c, from, 0) < 0)
        restart(c, c->last_err);
}

static void rx_inforeq(struct dhcp6_client *c, const uint8_t from[16])
{
    const struct dhcp6_msg *m = &c->rx;
    if (m->status != DHCP6_STATUS_SUCCESS) {
        say_status(c, "REPLY", m->status, from);
        c->last_err = NB_E_DHCP6_STATUS;
        return; /* keep asking: another server, or this one later */
    }
    fill_lease(c, m, from);
    finish(c, DHCP6_S_INFORMED, NB_OK);
    char f[NB_IP6_TEXT_MAX], s[2 * 16 + 3];
    duid_text(s, sizeof s, m->server_id, m->server_id_len);
    nb_say("dhcp6: informed by %s via %s in %u ms", s, text6(f, from),
           (unsigned)((c->lease.acquired_us - c->start_us) / 1000u));
    say_options(&c->lease);
    if (c->cfg.apply)
        apply_dns(&c->lease);
}

static void rx_decline(struct dhcp6_client *c, const uint8_t from[16])
{
    (void)from;
    if (!server_is_chosen(c, c->lease.server_id, c->lease.server_id_len)) {
        NB_COUNT(CTR_DHCP6_DROP_SERVER_ID);
        return;
    }
    restart(c, NB_E_DHCP6_DUPLICATE);
}

/* Options that matter whatever the message's fate (§18.2.9, §21.24/25). */
static void take_max_rt(struct dhcp6_client *c)
{
    const struct dhcp6_msg *m = &c->rx;
    if (!c->cfg.honour_sol_max_rt)
        return;
    if ((m->have & DHCP6_HAVE_SOL_MAX_RT) && m->sol_max_rt_s >= 60 && m->sol_max_rt_s <= 86400 &&
        c->sol_mrt_ms != m->sol_max_rt_s * 1000u) {
        c->sol_mrt_ms = m->sol_max_rt_s * 1000u;
        nb_say("dhcp6: server sets SOL_MAX_RT to %u s", (unsigned)m->sol_max_rt_s);
    }
    if ((m->have & DHCP6_HAVE_INF_MAX_RT) && m->inf_max_rt_s >= 60 && m->inf_max_rt_s <= 86400 &&
        c->inf_mrt_ms != m->inf_max_rt_s * 1000u) {
        c->inf_mrt_ms = m->inf_max_rt_s * 1000u;
        nb_say("dhcp6: server sets INF_MAX_RT to %u s", (unsigned)m->inf_max_rt_s);
    }
}

static void on_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                  const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)dst;
    struct dhcp6_client *c = s->ctx;
    if (sport != DHCP6_SERVER_PORT || src->family != 6) {
        NB_COUNT(CTR_DHCP6_DROP_PORT);
        return;
    }
    const struct state_desc *d = &states[c->state];
    if (!d->tx || c->tx_count == 0) {
        NB_COUNT(CTR_DHCP6_DROP_STATE); /* nothing asked yet, or nothing to ask */
        return;
    }
    struct dhcp6_msg *m = &c->rx;
    if (dhcp6_parse(data, len, 0, m) != NB_OK) {
        NB_COUNT(CTR_DHCP6_DROP_MALFORMED);
        return;
    }
    if (m->msg_type == DHCP6_ADVERTISE)
        NB_COUNT(CTR_DHCP6_RX_ADVERTISE);
    else if (m->msg_type == DHCP6_REPLY)
        NB_COUNT(CTR_DHCP6_RX_REPLY);
    if (m->msg_type != d->rx && !(c->state == DHCP6_S_SOLICIT && m->msg_type == DHCP6_REPLY)) {
        NB_COUNT(CTR_DHCP6_DROP_STATE);
        return;
    }
    if (m->xid != c->xid) {
        NB_COUNT(CTR_DHCP6_DROP_XID);
        return;
    }
    if (!(m->have & DHCP6_HAVE_CLIENT_ID) || m->client_id_len != c->cfg.duid.len ||
        memcmp(m->client_id, c->cfg.duid.b, c->cfg.duid.len) != 0) {
        NB_COUNT(CTR_DHCP6_DROP_CLIENT_ID);
        return;
    }
    if (!(m->have & DHCP6_HAVE_SERVER_ID)) {
        NB_COUNT(CTR_DHCP6_DROP_SERVER_ID);
        return;
    }
    take_max_rt(c);
    d->on_rx(c, src->a);
}

/* ---------------------------------------------------------------- API */

void dhcp6_stop(struct dhcp6_client *c)
{
    nb_timer_cancel(&c->timer);
    nb_timer_cancel(&c->dad_timer);
    if (c->sock.rx)
        udp_close(&c->sock);
    c->sock.rx = NULL;
    if (c->state != DHCP6_S_BOUND && c->state != DHCP6_S_INFORMED && c->state != DHCP6_S_FAILED)
        c->state = DHCP6_S_IDLE;
}

nb_err dhcp6_start(struct dhcp6_client *c, const struct dhcp6_config *cfg)
{
    dhcp6_stop(c);
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    if (!duid_valid(c->cfg.duid.b, c->cfg.duid.len))
        return NB_E_INVALID;
    nb_timer_init(&c->timer, timer_fn);
    nb_timer_init(&c->dad_timer, dad_fn);
    c->sol_mrt_ms = cfg->t[DHCP6_T_SOLICIT].mrt_ms;
    c->inf_mrt_ms = cfg->t[DHCP6_T_INFOREQ].mrt_ms;
    c->result = NB_E_TIMEOUT;
    c->last_err = NB_OK;
    nb_err e = udp_open(&c->sock, 6, DHCP6_CLIENT_PORT, on_rx, c);
    if (e != NB_OK) {
        c->sock.rx = NULL;
        return e;
    }
    c->start_us = nb_now_us();
    c->lease.started_us = c->start_us;
    char s[2 * DUID_MAX + 1];
    duid_text(s, sizeof s, c->cfg.duid.b, c->cfg.duid.len);
    nb_say("dhcp6: client %s %s iaid 0x%08x arch 0x%04x", duid_kind(c->cfg.duid.b, c->cfg.duid.len),
           s, (unsigned)c->cfg.iaid, (unsigned)c->cfg.arch);
    c->state = DHCP6_S_WAIT;
    wait_step(c);
    return NB_OK;
}

int dhcp6_done(void *client)
{
    const struct dhcp6_client *c = client;
    return c->state == DHCP6_S_BOUND || c->state == DHCP6_S_INFORMED ||
           c->state == DHCP6_S_FAILED;
}

nb_err dhcp6_result(const struct dhcp6_client *c) { return c->result; }

const struct dhcp6_lease *dhcp6_lease(const struct dhcp6_client *c) { return &c->lease; }

static int dad_settled(void *client)
{
    const struct dhcp6_client *c = client;
    return c->state != DHCP6_S_BOUND || !c->dad_timer.armed;
}

nb_err dhcp6_run(struct dhcp6_client *c, const struct dhcp6_config *cfg, uint32_t timeout_ms)
{
    uint64_t deadline = nb_now_us() + (uint64_t)timeout_ms * 1000u;
    nb_err e = dhcp6_start(c, cfg);
    if (e != NB_OK)
        return e;
    for (;;) {
        e = net_run_until(dhcp6_done, c, deadline);
        if (e != NB_OK || c->state != DHCP6_S_BOUND)
            break;
        /* bound: let DAD on the address finish; a duplicate sends us back */
        net_run_until(dad_settled, c, deadline);
        if (c->state == DHCP6_S_BOUND || nb_now_us() >= deadline)
            break;
    }
    e = c->state == DHCP6_S_FAILED ? c->result : dhcp6_done(c) ? NB_OK : NB_E_TIMEOUT;
    if (e == NB_E_TIMEOUT && c->last_err != NB_OK)
        nb_warn("dhcp6: timed out in %s; last problem: %s", states[c->state].name,
                nb_strerror(c->last_err));
    dhcp6_stop(c);
    return e;
}
