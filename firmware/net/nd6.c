/*
 * Neighbour Discovery (RFC 4861) and SLAAC (RFC 4862).
 *
 * Every ND message must arrive with hop limit 255 and code 0 (so it cannot
 * have crossed a router), with its fixed part complete and every option of
 * non-zero length inside the message; otherwise it is dropped and counted.
 *
 * Addresses (a table; the link-local one is slot 0):
 *
 *   TENTATIVE --DupAddrDetectTransmits NS from ::, RetransTimer apart, then
 *     |         one more RetransTimer of silence--> PREFERRED --preferred
 *     |         lifetime over--> DEPRECATED --valid lifetime over--> gone
 *     +--an NA for it, or a DAD NS for it from another node--> DUPLICATE
 *        (said on the console, never used; a duplicate link-local address,
 *        being MAC-derived, disables IPv6 on the interface: RFC 4862 §5.4.5)
 *   The first DAD NS and RS wait a random 0..MAX_RTR_SOLICITATION_DELAY.
 *   Our DAD NS carry a nonce (RFC 7527) so a looped-back copy is not taken
 *   for a conflict. Right before the first one, the solicited-node group is
 *   joined with an MLDv2 report (net/mld6.c).
 *
 * Routers: RS from :: right after the start delay (not waiting for DAD), then
 *   every RTR_SOLICITATION_INTERVAL from the link-local address, at most
 *   MAX_RTR_SOLICITATIONS, until an RA with a non-zero router lifetime. A
 *   valid RA (link-local source) updates the default router list (lifetime,
 *   expiry), Cur Hop Limit, ReachableTime, RetransTimer, M/O flags, the MTU
 *   (>= 1280, <= the link's), on-link prefixes (L), SLAAC addresses (A, /64
 *   only, the two-hour rule of RFC 4862 §5.5.3 e), RDNSS (to the resolver)
 *   and the first DNSSL domain.
 *
 * Neighbour cache (per entry, up to ND6_QUEUE_MAX queued packets, oldest
 * dropped first: a DNS A and AAAA query, or a SYN next to a DNS query, often
 * leave together toward a neighbour not yet resolved):
 *
 *   (none) --send--> INCOMPLETE: multicast NS every RetransTimer, at most
 *            MAX_MULTICAST_SOLICIT; then the queued packet is dropped, the
 *            transport told (NB_E_NEIGHBOR_UNREACHABLE), the entry freed
 *   INCOMPLETE --NA(S)--> REACHABLE, --NA(!S)--> STALE; queue sent
 *   REACHABLE --ReachableTime--> STALE --send--> DELAY --5 s--> PROBE:
 *            unicast NS every RetransTimer, MAX_UNICAST_SOLICIT; then freed
 *   any --solicited NA--> REACHABLE;  NS/RA/unsolicited NA with a new MAC
 *            --> STALE (override rules of RFC 4861 §7.2.5)
 *   Simplified: no upper-layer reachability hints (TCP progress does not
 *   confirm a neighbour), so a busy flow costs one unicast NS after every
 *   ReachableTime; redirects are ignored (counted) — the default router keeps
 *   forwarding, which is correct, only not optimal.
 */
#include "net/nd6.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/fmt.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/dns.h"
#include "net/eth.h"
#include "net/icmp6.h"
#include "net/ip.h"
#include "net/ip6.h"
#include "net/ip_text.h"
#include "net/mld6.h"
#include "net/netif.h"
#include <stddef.h>
#include <string.h>

#define ND_HOP_LIMIT 255u
#define TWO_HOURS_S 7200u
#define MAX_REACHABLE_MS 3600000u
#define RETRANS_MIN_MS 100u   /* an RA cannot make us flood the link */
#define RETRANS_MAX_MS 60000u
#define NEVER UINT64_MAX

enum { OPT_SLLA = 1, OPT_TLLA = 2, OPT_PREFIX = 3, OPT_MTU = 5, OPT_NONCE = 14,
       OPT_RDNSS = 25, OPT_DNSSL = 31 };
enum { NA_ROUTER = 0x80, NA_SOLICITED = 0x40, NA_OVERRIDE = 0x20 };
enum { RA_MANAGED = 0x80, RA_OTHER = 0x40 };

enum nstate { N_NONE, N_INCOMPLETE, N_REACHABLE, N_STALE, N_DELAY, N_PROBE };

struct addr_ent {
    uint8_t addr[16];
    uint8_t prefix_len;
    enum nd6_addr_state state; /* ND6_ADDR_NONE: free slot */
    enum nd6_addr_origin origin;
    uint64_t preferred_until, valid_until; /* µs, NEVER for infinite */
    unsigned dad_sent;
    uint8_t nonce[6];
    struct nb_timer dad_timer;
};

struct router_ent {
    int used, unreachable;
    uint8_t addr[16];
    uint64_t until;
};

struct prefix_ent {
    int used;
    uint8_t prefix[16], len;
    uint64_t until;
};

struct neigh_ent {
    enum nstate state;
    uint8_t ip[16], mac[6];
    int is_router;
    unsigned probes;
    uint64_t used_us;
    struct pkb *queued;
    struct nb_timer timer;
};

struct rdnss_ent {
    int used;
    uint8_t addr[16];
    uint64_t until;
};

static struct nd6_params pending_params, params;
static int params_set;
static struct addr_ent addrs[ND6_MAX_ADDRS];
static struct router_ent routers[ND6_MAX_ROUTERS];
static struct prefix_ent prefixes[ND6_MAX_PREFIXES];
static struct neigh_ent neigh[ND6_MAX_NEIGH];
static struct rdnss_ent rdnss[ND6_MAX_RDNSS];
static char dnssl[ND6_DOMAIN_MAX];
static uint64_t dnssl_until;
static unsigned ra_flags;
static uint8_t cur_hop_limit;
static unsigned link_mtu;
static uint32_t retrans_ms, reachable_ms;
static unsigned rs_sent;
static int rs_done, ip6_disabled, conflict_warned;
static struct nb_timer rs_timer, expiry_timer;

/* ---------------------------------------------------------------- helpers */

static uint64_t deadline(uint32_t seconds)
{
    return seconds == ND6_INFINITE ? NEVER : nb_now_us() + (uint64_t)seconds * 1000000u;
}

static uint32_t remaining_s(uint64_t until)
{
    if (until == NEVER)
        return ND6_INFINITE;
    uint64_t now = nb_now_us();
    if (until <= now)
        return 0;
    uint64_t s = (until - now + 999999u) / 1000000u;
    return s >= ND6_INFINITE ? ND6_INFINITE - 1 : (uint32_t)s;
}

static uint64_t ms_to_us(uint32_t ms) { return (uint64_t)ms * 1000u; }

static const char *text6(char buf[NB_IP6_TEXT_MAX], const uint8_t a[16])
{
    nb_ip6_text(buf, NB_IP6_TEXT_MAX, a);
    return buf;
}

static const char *text_mac(char buf[18], const uint8_t *m)
{
    static const char hex[] = "0123456789abcdef";
    if (!m) {
        memcpy(buf, "another node", 13);
        return buf;
    }
    for (int i = 0; i < 6; i++) {
        buf[3 * i] = hex[m[i] >> 4];
        buf[3 * i + 1] = hex[m[i] & 15];
        buf[3 * i + 2] = i == 5 ? 0 : ':';
    }
    return buf;
}

static int prefix_match(const uint8_t *a, const uint8_t *prefix, unsigned len)
{
    unsigned bytes = len / 8, bits = len % 8;
    if (memcmp(a, prefix, bytes) != 0)
        return 0;
    if (!bits)
        return 1;
    uint8_t mask = (uint8_t)(0xff00u >> bits);
    return (a[bytes] & mask) == (prefix[bytes] & mask);
}

static void iid_from_mac(uint8_t a[16])
{
    const uint8_t *m = net_if()->mac;
    a[8] = m[0] ^ 0x02; /* modified EUI-64: universal/local bit inverted */
    a[9] = m[1];
    a[10] = m[2];
    a[11] = 0xff;
    a[12] = 0xfe;
    a[13] = m[3];
    a[14] = m[4];
    a[15] = m[5];
}

static int is_usable(const struct addr_ent *a)
{
    return a->state == ND6_ADDR_PREFERRED || a->state == ND6_ADDR_DEPRECATED;
}

static struct addr_ent *addr_find(const uint8_t a[16])
{
    for (unsigned i = 0; i < ND6_MAX_ADDRS; i++)
        if (addrs[i].state != ND6_ADDR_NONE && memcmp(addrs[i].addr, a, 16) == 0)
            return &addrs[i];
    return NULL;
}

static int is_usable_addr_ptr(const uint8_t *ip)
{
    struct addr_ent *a = addr_find(ip);
    return a && is_usable(a);
}

static void rearm_expiry(void);

/* ---------------------------------------------------------------- params */

void nd6_params_default(struct nd6_params *p)
{
    p->dad_transmits = 1;
    p->retrans_ms = 1000;
    p->reachable_ms = 30000;
    p->rs_max = 3;
    p->rs_interval_ms = 4000;
    p->start_delay_max_ms = 1000;
    p->delay_first_probe_ms = 5000;
    p->max_multicast_solicit = 3;
    p->max_unicast_solicit = 3;
}

void nd6_set_params(const struct nd6_params *p)
{
    pending_params = *p;
    params_set = 1;
}

/* ---------------------------------------------------------------- sending */

/* A new ND message of `len` bytes (zeroed, type set), or NULL. */
static struct pkb *nd_msg(uint8_t type, size_t len, uint8_t **m)
{
    struct pkb *p = pkb_alloc();
    if (!p)
        return NULL;
    *m = pkb_put(p, len);
    if (!*m) {
        pkb_free(p);
        return NULL;
    }
    memset(*m, 0, len);
    (*m)[0] = type;
    return p;
}

static void put_lla(uint8_t *o, uint8_t type)
{
    o[0] = type;
    o[1] = 1;
    memcpy(o + 2, net_if()->mac, 6);
}

/* NS for target. src NULL: from :: (DAD, with our nonce), no SLLA. dst NULL:
 * to the target's solicited-node group; else unicast to dst (PROBE). */
static void send_ns(const uint8_t target[16], const uint8_t *src, const uint8_t *dst,
                    const uint8_t *nonce)
{
    static const uint8_t unspec[16];
    uint8_t *m, group[16];
    struct pkb *p = nd_msg(ICMP6_ND_NS, 24 + 8, &m);
    if (!p)
        return;
    memcpy(m + 8, target, 16);
    if (src) {
        put_lla(m + 24, OPT_SLLA);
    } else {
        m[24] = OPT_NONCE;
        m[25] = 1;
        memcpy(m + 26, nonce, 6);
    }
    NB_COUNT(CTR_ND6_NS_SENT);
    if (dst) {
        icmp6_output_onlink(p, src, dst, ND_HOP_LIMIT);
    } else {
        ip6_solicited_node(target, group);
        icmp6_output_onlink(p, src ? src : unspec, group, ND_HOP_LIMIT);
    }
}

static void send_na(const uint8_t target[16], const uint8_t dst[16], int solicited)
{
    uint8_t *m;
    struct pkb *p = nd_msg(ICMP6_ND_NA, 24 + 8, &m);
    if (!p)
        return;
    m[4] = (uint8_t)(NA_OVERRIDE | (solicited ? NA_SOLICITED : 0));
    memcpy(m + 8, target, 16);
    put_lla(m + 24, OPT_TLLA);
    NB_COUNT(CTR_ND6_NA_SENT);
    icmp6_output_onlink(p, target, dst, ND_HOP_LIMIT);
}

static void send_rs(void)
{
    static const uint8_t unspec[16];
    uint8_t src[16], *m;
    int have_src = nd6_link_local(src);
    struct pkb *p = nd_msg(ICMP6_ND_RS, have_src ? 16u : 8u, &m);
    if (!p)
        return;
    if (have_src) /* never an SLLA from :: (RFC 4861 §4.1) */
        put_lla(m + 8, OPT_SLLA);
    NB_COUNT(CTR_ND6_RS_SENT);
    icmp6_output_onlink(p, have_src ? src : unspec, ip6_all_routers, ND_HOP_LIMIT);
}

/* ---------------------------------------------------------------- addresses */

static const char *origin_name(enum nd6_addr_origin o)
{
    return o == ND6_ORIGIN_LINK_LOCAL ? "link-local" : o == ND6_ORIGIN_SLAAC ? "SLAAC" : "DHCPv6";
}

static void dad_done(struct addr_ent *a)
{
    char t[NB_IP6_TEXT_MAX], pt[NB_IP6_TEXT_MAX];
    a->state = a->preferred_until > nb_now_us() ? ND6_ADDR_PREFERRED : ND6_ADDR_DEPRECATED;
    const char *dad = params.dad_transmits ? "DAD ok" : "no DAD";
    if (a->origin == ND6_ORIGIN_LINK_LOCAL) {
        nb_say("ip6: link-local %s (%s)", text6(t, a->addr), dad);
    } else if (a->origin == ND6_ORIGIN_SLAAC) {
        uint8_t prefix[16] = { 0 };
        memcpy(prefix, a->addr, 8);
        nb_say("ip6: prefix %s/64 -> address %s (SLAAC, %s)", text6(pt, prefix),
               text6(t, a->addr), dad);
    } else {
        nb_say("ip6: address %s/%u (DHCPv6, %s)", text6(t, a->addr), a->prefix_len, dad);
    }
    rearm_expiry();
}

static void dad_conflict(struct addr_ent *a, const uint8_t *mac)
{
    char t[NB_IP6_TEXT_MAX], m[18];
    if (a->state != ND6_ADDR_TENTATIVE)
        return;
    NB_COUNT(CTR_ND6_DAD_CONFLICT);
    nb_timer_cancel(&a->dad_timer);
    a->state = ND6_ADDR_DUPLICATE;
    if (a->origin == ND6_ORIGIN_LINK_LOCAL) {
        /* The interface identifier is the MAC's: every address we could
         * form would collide too (RFC 4862 §5.4.5). */
        ip6_disabled = 1;
        nb_timer_cancel(&rs_timer);
        nb_fail(NB_E_DAD_CONFLICT, "ip6: link-local %s is in use by %s; IPv6 disabled on this interface",
                text6(t, a->addr), text_mac(m, mac));
    } else {
        nb_fail(NB_E_DAD_CONFLICT, "ip6: %s address %s is in use by %s; not using it",
                origin_name(a->origin), text6(t, a->addr), text_mac(m, mac));
    }
}

static void join_group(const struct addr_ent *a)
{
    uint8_t g[16];
    ip6_solicited_node(a->addr, g);
    mld6_join(g);
}

static void dad_timer_fn(struct nb_timer *t)
{
    struct addr_ent *a = (struct addr_ent *)((char *)t - offsetof(struct addr_ent, dad_timer));
    if (a->state != ND6_ADDR_TENTATIVE)
        return;
    if (a->dad_sent < params.dad_transmits) {
        if (!a->dad_sent)
            join_group(a); /* before the first DAD NS (RFC 4862 §5.4.2) */
        a->dad_sent++;
        send_ns(a->addr, NULL, NULL, a->nonce);
        nb_timer_arm(&a->dad_timer, ms_to_us(retrans_ms));
        return;
    }
    dad_done(a);
}

static void addr_free(struct addr_ent *a)
{
    nb_timer_cancel(&a->dad_timer);
    memset(a, 0, sizeof *a);
    nb_timer_init(&a->dad_timer, dad_timer_fn);
}

static struct addr_ent *addr_new(const uint8_t ip[16], uint8_t plen, enum nd6_addr_origin origin,
                                 uint32_t preferred_s, uint32_t valid_s, uint64_t dad_delay_us)
{
    struct addr_ent *a = NULL;
    unsigned first = origin == ND6_ORIGIN_LINK_LOCAL ? 0 : 1; /* slot 0 is the link-local's */
    for (unsigned i = first; i < ND6_MAX_ADDRS && !a; i++)
        if (addrs[i].state == ND6_ADDR_NONE)
            a = &addrs[i];
    if (!a)
        return NULL;
    addr_free(a);
    memcpy(a->addr, ip, 16);
    a->prefix_len = plen;
    a->origin = origin;
    a->preferred_until = deadline(preferred_s);
    a->valid_until = deadline(valid_s);
    a->state = ND6_ADDR_TENTATIVE;
    if (nb_random(a->nonce, sizeof a->nonce) != NB_OK)
        memset(a->nonce, 0x5a, sizeof a->nonce);
    if (!params.dad_transmits) {
        join_group(a);
        dad_done(a);
    } else
        nb_timer_arm(&a->dad_timer, dad_delay_us);
    return a;
}

int nd6_link_local(uint8_t out[16])
{
    if (addrs[0].origin != ND6_ORIGIN_LINK_LOCAL || !is_usable(&addrs[0]))
        return 0;
    memcpy(out, addrs[0].addr, 16);
    return 1;
}

static void info_of(const struct addr_ent *a, struct nd6_addr_info *o)
{
    memcpy(o->addr, a->addr, 16);
    o->prefix_len = a->prefix_len;
    o->state = a->state;
    o->origin = a->origin;
    o->preferred_s = remaining_s(a->preferred_until);
    o->valid_s = remaining_s(a->valid_until);
}

unsigned nd6_addrs(struct nd6_addr_info *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ND6_MAX_ADDRS && n < max; i++)
        if (addrs[i].state != ND6_ADDR_NONE)
            info_of(&addrs[i], &out[n++]);
    return n;
}

unsigned nd6_global_addrs(struct nd6_addr_info *out, unsigned max)
{
    unsigned n = 0;
    for (int pass = 0; pass < 2; pass++) {
        enum nd6_addr_state want = pass ? ND6_ADDR_DEPRECATED : ND6_ADDR_PREFERRED;
        for (unsigned i = 0; i < ND6_MAX_ADDRS && n < max; i++)
            if (addrs[i].state == want && !ip6_is_link_local(addrs[i].addr))
                info_of(&addrs[i], &out[n++]);
    }
    return n;
}

enum nd6_addr_state nd6_addr_state(const uint8_t a[16])
{
    struct addr_ent *e = addr_find(a);
    return e ? e->state : ND6_ADDR_NONE;
}

/* Lifetimes of an address we hold, refreshed (RFC 4862 §5.5.3 e for SLAAC). */
static void addr_refresh(struct addr_ent *a, uint32_t preferred_s, uint32_t valid_s, int two_hour_rule)
{
    if (a->state == ND6_ADDR_DUPLICATE)
        return;
    a->preferred_until = deadline(preferred_s);
    uint32_t left = remaining_s(a->valid_until);
    if (!two_hour_rule || valid_s > TWO_HOURS_S || valid_s > left)
        a->valid_until = deadline(valid_s);
    else if (left > TWO_HOURS_S)
        a->valid_until = deadline(TWO_HOURS_S);
    /* else: at most two hours left and the RA says less: ignore it */
    if (is_usable(a))
        a->state = a->preferred_until > nb_now_us() ? ND6_ADDR_PREFERRED : ND6_ADDR_DEPRECATED;
}

nb_err nd6_addr_add(const uint8_t ip[16], uint8_t plen, uint32_t preferred_s, uint32_t valid_s)
{
    if (plen == 0 || plen > 128 || ip6_is_multicast(ip) || ip6_is_unspecified(ip) ||
        ip6_is_link_local(ip) || preferred_s > valid_s)
        return NB_E_INVALID;
    if (ip6_disabled)
        return NB_E_DAD_CONFLICT;
    struct addr_ent *a = addr_find(ip);
    if (a) {
        if (a->state == ND6_ADDR_DUPLICATE)
            return NB_E_DAD_CONFLICT;
        if (!valid_s) {
            addr_free(a);
        } else {
            addr_refresh(a, preferred_s, valid_s, 0);
        }
        rearm_expiry();
        return NB_OK;
    }
    if (!valid_s)
        return NB_OK;
    if (!addr_new(ip, plen, ND6_ORIGIN_DHCP6, preferred_s, valid_s, 0))
        return NB_E_NO_MEMORY;
    rearm_expiry();
    return NB_OK;
}

void nd6_addr_remove(const uint8_t ip[16])
{
    struct addr_ent *a = addr_find(ip);
    if (a && a != &addrs[0])
        addr_free(a);
    rearm_expiry();
}

enum nd6_dst nd6_dst_class(const uint8_t dst[16])
{
    if (ip6_disabled)
        return ND6_DST_OTHER;
    if (ip6_is_multicast(dst)) {
        if (memcmp(dst, ip6_all_nodes, 16) == 0)
            return ND6_DST_OURS;
        for (unsigned i = 0; i < ND6_MAX_ADDRS; i++) {
            uint8_t g[16];
            if (addrs[i].state == ND6_ADDR_NONE || addrs[i].state == ND6_ADDR_DUPLICATE)
                continue;
            ip6_solicited_node(addrs[i].addr, g);
            if (memcmp(dst, g, 16) == 0)
                return ND6_DST_OURS;
        }
        return ND6_DST_OTHER;
    }
    struct addr_ent *a = addr_find(dst);
    if (!a || a->state == ND6_ADDR_DUPLICATE)
        return ND6_DST_OTHER;
    return a->state == ND6_ADDR_TENTATIVE ? ND6_DST_TENTATIVE : ND6_DST_OURS;
}

/* ---------------------------------------------------------------- routers, prefixes */

static struct router_ent *router_find(const uint8_t a[16])
{
    for (unsigned i = 0; i < ND6_MAX_ROUTERS; i++)
        if (routers[i].used && memcmp(routers[i].addr, a, 16) == 0)
            return &routers[i];
    return NULL;
}

static void router_remove(const uint8_t a[16], const char *why)
{
    char t[NB_IP6_TEXT_MAX];
    struct router_ent *r = router_find(a);
    if (!r)
        return;
    nb_say("ip6: router %s %s", text6(t, a), why);
    memset(r, 0, sizeof *r);
}

static struct neigh_ent *neigh_find(const uint8_t ip[16]);

int nd6_default_router(uint8_t out[16])
{
    uint64_t now = nb_now_us();
    /* 1: known to have a link-layer address and not found unreachable;
     * 2: not found unreachable; 3: any (all failed once: start over). */
    for (int pass = 0; pass < 3; pass++) {
        for (unsigned i = 0; i < ND6_MAX_ROUTERS; i++) {
            struct router_ent *r = &routers[i];
            if (!r->used || r->until <= now)
                continue;
            if (pass < 2 && r->unreachable)
                continue;
            if (pass == 0) {
                struct neigh_ent *n = neigh_find(r->addr);
                if (!n || n->state == N_INCOMPLETE)
                    continue;
            }
            if (pass == 2)
                for (unsigned j = 0; j < ND6_MAX_ROUTERS; j++)
                    routers[j].unreachable = 0;
            memcpy(out, r->addr, 16);
            return 1;
        }
    }
    return 0;
}

int nd6_has_default_router(void)
{
    uint8_t a[16];
    return nd6_default_router(a);
}

static void router_update(const uint8_t a[16], uint16_t lifetime_s, const char *extra)
{
    char t[NB_IP6_TEXT_MAX];
    struct router_ent *r = router_find(a);
    if (!lifetime_s) {
        router_remove(a, "withdrawn (lifetime 0)");
        return;
    }
    if (!r) {
        for (unsigned i = 0; i < ND6_MAX_ROUTERS && !r; i++)
            if (!routers[i].used)
                r = &routers[i];
        if (!r)
            return; /* list full: the routers we have will do */
        memset(r, 0, sizeof *r);
        r->used = 1;
        memcpy(r->addr, a, 16);
        nb_say("ip6: router %s lifetime %u s%s", text6(t, a), lifetime_s, extra);
    }
    r->until = deadline(lifetime_s);
}

static void router_unreachable(const uint8_t a[16])
{
    struct router_ent *r = router_find(a);
    if (r)
        r->unreachable = 1;
}

int nd6_on_link(const uint8_t a[16])
{
    if (ip6_is_link_local(a))
        return 1;
    uint64_t now = nb_now_us();
    for (unsigned i = 0; i < ND6_MAX_PREFIXES; i++)
        if (prefixes[i].used && prefixes[i].until > now &&
            prefix_match(a, prefixes[i].prefix, prefixes[i].len))
            return 1;
    return 0;
}

static void onlink_update(const uint8_t *prefix, uint8_t len, uint32_t valid_s)
{
    struct prefix_ent *e = NULL, *free_e = NULL;
    uint8_t pfx[16] = { 0 };
    memcpy(pfx, prefix, (len + 7u) / 8u);
    if (len % 8)
        pfx[len / 8] &= (uint8_t)(0xff00u >> (len % 8));
    for (unsigned i = 0; i < ND6_MAX_PREFIXES; i++) {
        if (prefixes[i].used && prefixes[i].len == len && memcmp(prefixes[i].prefix, pfx, 16) == 0)
            e = &prefixes[i];
        else if (!prefixes[i].used && !free_e)
            free_e = &prefixes[i];
    }
    if (!valid_s) {
        if (e)
            memset(e, 0, sizeof *e);
        return;
    }
    if (!e) {
        if (!free_e)
            return;
        e = free_e;
        e->used = 1;
        e->len = len;
        memcpy(e->prefix, pfx, 16);
    }
    e->until = deadline(valid_s);
}

static void pio_process(const struct nd6_pio *pio)
{
    char t[NB_IP6_TEXT_MAX];
    if (ip6_is_link_local(pio->prefix) || ip6_is_multicast(pio->prefix) ||
        pio->preferred_s > pio->valid_s) {
        NB_COUNT(CTR_ND6_PREFIX_IGNORED);
        return;
    }
    if (pio->on_link)
        onlink_update(pio->prefix, pio->prefix_len, pio->valid_s);
    if (!pio->autonomous)
        return;
    if (pio->prefix_len != 64) {
        NB_COUNT(CTR_ND6_PREFIX_IGNORED);
        uint8_t pfx[16] = { 0 };
        memcpy(pfx, pio->prefix, 16);
        nb_warn("ip6: prefix %s/%u is not a /64: no SLAAC address from it", text6(t, pfx),
                pio->prefix_len);
        return;
    }
    for (unsigned i = 1; i < ND6_MAX_ADDRS; i++) {
        struct addr_ent *a = &addrs[i];
        if (a->state != ND6_ADDR_NONE && a->origin == ND6_ORIGIN_SLAAC &&
            memcmp(a->addr, pio->prefix, 8) == 0) {
            addr_refresh(a, pio->preferred_s, pio->valid_s, 1);
            return;
        }
    }
    if (!pio->valid_s)
        return;
    uint8_t ip[16];
    memcpy(ip, pio->prefix, 8);
    iid_from_mac(ip);
    if (addr_find(ip)) /* e.g. DHCPv6 gave us the same address */
        return;
    if (!addr_new(ip, 64, ND6_ORIGIN_SLAAC, pio->preferred_s, pio->valid_s, 0))
        nb_warn("ip6: no room for another address (prefix %s/64)", text6(t, ip));
}

/* ---------------------------------------------------------------- DNS from RAs */

static void rdnss_update(const uint8_t *list, unsigned n, uint32_t lifetime_s)
{
    char t[NB_IP6_TEXT_MAX];
    for (unsigned k = 0; k < n; k++) {
        const uint8_t *a = list + 16 * k;
        if (ip6_is_multicast(a) || ip6_is_unspecified(a))
            continue;
        struct rdnss_ent *e = NULL, *free_e = NULL;
        for (unsigned i = 0; i < ND6_MAX_RDNSS; i++) {
            if (rdnss[i].used && memcmp(rdnss[i].addr, a, 16) == 0)
                e = &rdnss[i];
            else if (!rdnss[i].used && !free_e)
                free_e = &rdnss[i];
        }
        if (!lifetime_s) {
            if (e)
                memset(e, 0, sizeof *e);
            continue;
        }
        if (!e) {
            if (!free_e)
                continue;
            e = free_e;
            e->used = 1;
            memcpy(e->addr, a, 16);
            struct nb_ip ip = nb_ip_from(6, a);
            dns_add_server(&ip);
            nb_say("ip6: dns server %s (RA RDNSS, lifetime %u s)", text6(t, a), lifetime_s);
        }
        e->until = deadline(lifetime_s);
    }
}

unsigned nd6_dns_servers(struct nb_ip *out, unsigned max)
{
    unsigned n = 0;
    uint64_t now = nb_now_us();
    for (unsigned i = 0; i < ND6_MAX_RDNSS && n < max; i++)
        if (rdnss[i].used && rdnss[i].until > now)
            out[n++] = nb_ip_from(6, rdnss[i].addr);
    return n;
}

const char *nd6_dns_search(void)
{
    return dnssl_until > nb_now_us() ? dnssl : "";
}

/* ---------------------------------------------------------------- expiry */

static void expiry_fn(struct nb_timer *t)
{
    (void)t;
    char txt[NB_IP6_TEXT_MAX];
    uint64_t now = nb_now_us();
    for (unsigned i = 0; i < ND6_MAX_ADDRS; i++) {
        struct addr_ent *a = &addrs[i];
        if (a->state == ND6_ADDR_NONE || a->state == ND6_ADDR_DUPLICATE)
            continue;
        if (a->valid_until <= now) {
            nb_say("ip6: address %s expired", text6(txt, a->addr));
            addr_free(a);
        } else if (a->state == ND6_ADDR_PREFERRED && a->preferred_until <= now) {
            nb_say("ip6: address %s deprecated", text6(txt, a->addr));
            a->state = ND6_ADDR_DEPRECATED;
        }
    }
    for (unsigned i = 0; i < ND6_MAX_ROUTERS; i++)
        if (routers[i].used && routers[i].until <= now)
            router_remove(routers[i].addr, "expired");
    for (unsigned i = 0; i < ND6_MAX_PREFIXES; i++)
        if (prefixes[i].used && prefixes[i].until <= now)
            memset(&prefixes[i], 0, sizeof prefixes[i]);
    for (unsigned i = 0; i < ND6_MAX_RDNSS; i++)
        if (rdnss[i].used && rdnss[i].until <= now)
            memset(&rdnss[i], 0, sizeof rdnss[i]);
    rearm_expiry();
}

static void earliest(uint64_t *at, uint64_t t)
{
    if (t < *at)
        *at = t;
}

static void rearm_expiry(void)
{
    uint64_t at = NEVER;
    for (unsigned i = 0; i < ND6_MAX_ADDRS; i++) {
        if (addrs[i].state == ND6_ADDR_NONE || addrs[i].state == ND6_ADDR_DUPLICATE)
            continue;
        earliest(&at, addrs[i].valid_until);
        if (addrs[i].state == ND6_ADDR_PREFERRED)
            earliest(&at, addrs[i].preferred_until);
    }
    for (unsigned i = 0; i < ND6_MAX_ROUTERS; i++)
        if (routers[i].used)
            earliest(&at, routers[i].until);
    for (unsigned i = 0; i < ND6_MAX_PREFIXES; i++)
        if (prefixes[i].used)
            earliest(&at, prefixes[i].until);
    for (unsigned i = 0; i < ND6_MAX_RDNSS; i++)
        if (rdnss[i].used)
            earliest(&at, rdnss[i].until);
    if (at == NEVER)
        nb_timer_cancel(&expiry_timer);
    else
        nb_timer_arm_at(&expiry_timer, at);
}

/* ---------------------------------------------------------------- neighbour cache */

static struct neigh_ent *neigh_find(const uint8_t ip[16])
{
    for (unsigned i = 0; i < ND6_MAX_NEIGH; i++)
        if (neigh[i].state != N_NONE && memcmp(neigh[i].ip, ip, 16) == 0)
            return &neigh[i];
    return NULL;
}

static void neigh_timer_fn(struct nb_timer *t);

#define ND6_QUEUE_MAX 4u

static unsigned queue_len(const struct pkb *q)
{
    unsigned n = 0;
    for (; q; q = q->next)
        n++;
    return n;
}

static void queue_free(struct pkb *q)
{
    while (q) {
        struct pkb *next = q->next;
        pkb_free(q);
        q = next;
    }
}

/* Append p, dropping the oldest beyond ND6_QUEUE_MAX. */
static void queue_add(struct neigh_ent *n, struct pkb *p)
{
    p->next = NULL;
    if (queue_len(n->queued) >= ND6_QUEUE_MAX) {
        struct pkb *old = n->queued;
        n->queued = old->next;
        NB_COUNT(CTR_ND6_QUEUE_DROP);
        pkb_free(old);
    }
    struct pkb **tail = &n->queued;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
}

static void neigh_free(struct neigh_ent *n)
{
    nb_timer_cancel(&n->timer);
    queue_free(n->queued);
    memset(n, 0, sizeof *n);
    nb_timer_init(&n->timer, neigh_timer_fn);
}

/* A free entry, or the least recently used STALE one without a queued
 * packet (routers last). NULL when every entry is busy. */
static struct neigh_ent *neigh_alloc(const uint8_t ip[16])
{
    struct neigh_ent *victim = NULL;
    for (unsigned i = 0; i < ND6_MAX_NEIGH; i++) {
        struct neigh_ent *n = &neigh[i];
        if (n->state == N_NONE) {
            victim = n;
            break;
        }
        if (n->state != N_STALE || n->queued)
            continue;
        if (!victim || (victim->is_router && !n->is_router) ||
            (victim->is_router == n->is_router && n->used_us < victim->used_us))
            victim = n;
    }
    if (!victim) {
        NB_COUNT(CTR_ND6_CACHE_FULL);
        return NULL;
    }
    neigh_free(victim);
    memcpy(victim->ip, ip, 16);
    victim->used_us = nb_now_us();
    return victim;
}

static void neigh_reachable(struct neigh_ent *n)
{
    n->state = N_REACHABLE;
    n->probes = 0;
    /* RFC 4861 §6.3.2: ReachableTime is BaseReachableTime × [0.5, 1.5). */
    uint32_t base = reachable_ms ? reachable_ms : 1;
    nb_timer_arm(&n->timer, ms_to_us(base / 2u + nb_random_below(base)));
}

static void neigh_stale(struct neigh_ent *n)
{
    n->state = N_STALE;
    nb_timer_cancel(&n->timer);
}

/* Transmit p (data at the IPv6 header) to a resolved entry. */
static nb_err neigh_xmit(struct neigh_ent *n, struct pkb *p)
{
    n->used_us = nb_now_us();
    if (n->state == N_STALE) {
        n->state = N_DELAY;
        nb_timer_arm(&n->timer, ms_to_us(params.delay_first_probe_ms));
    }
    return eth_output(p, n->mac, ETH_P_IPV6);
}

/* Resolution NS: from the queued packet's source if it is ours (RFC 4861
 * §7.2.2), else the source we would pick toward the target. */
static void neigh_solicit(struct neigh_ent *n, int unicast)
{
    uint8_t src[16];
    if (n->queued && n->queued->len >= IP6_HLEN && is_usable_addr_ptr(n->queued->data + 8))
        memcpy(src, n->queued->data + 8, 16);
    else if (ip6_select_src(n->ip, src) != NB_OK)
        return;
    send_ns(n->ip, src, unicast ? n->ip : NULL, NULL);
}

static void neigh_timer_fn(struct nb_timer *t)
{
    struct neigh_ent *n = (struct neigh_ent *)((char *)t - offsetof(struct neigh_ent, timer));
    switch (n->state) {
    case N_INCOMPLETE:
        if (n->probes < params.max_multicast_solicit) {
            n->probes++;
            neigh_solicit(n, 0);
            nb_timer_arm(&n->timer, ms_to_us(retrans_ms));
            return;
        }
        NB_COUNT(CTR_ND6_RESOLVE_FAIL);
        {
            struct pkb *q = n->queued;
            uint8_t ip[16];
            memcpy(ip, n->ip, 16);
            n->queued = NULL;
            neigh_free(n);
            router_unreachable(ip);
            while (q) {
                struct pkb *next = q->next;
                NB_COUNT(CTR_ND6_QUEUE_DROP);
                icmp6_report_local(q->data, q->len, NB_E_NEIGHBOR_UNREACHABLE);
                pkb_free(q);
                q = next;
            }
        }
        return;
    case N_REACHABLE:
        neigh_stale(n);
        return;
    case N_DELAY:
        n->state = N_PROBE;
        n->probes = 0;
        /* fall through */
    case N_PROBE:
        if (n->probes < params.max_unicast_solicit) {
            n->probes++;
            nb_timer_arm(&n->timer, ms_to_us(retrans_ms));
            neigh_solicit(n, 1);
            return;
        }
        router_unreachable(n->ip);
        neigh_free(n);
        return;
    default:
        return;
    }
}

/* A new INCOMPLETE entry for ip with its first solicitation out (p, if
 * any, queued first), or NULL when the cache has no room. */
static struct neigh_ent *start_resolution(const uint8_t ip[16], struct pkb *p)
{
    struct neigh_ent *n = neigh_alloc(ip);
    if (!n)
        return NULL;
    n->state = N_INCOMPLETE;
    if (p)
        queue_add(n, p);
    n->probes = 1;
    nb_timer_arm(&n->timer, ms_to_us(retrans_ms));
    neigh_solicit(n, 0);
    return n;
}

nb_err nd6_output(struct pkb *p, const uint8_t next_hop[16])
{
    struct neigh_ent *n = neigh_find(next_hop);
    if (!n) {
        if (start_resolution(next_hop, p))
            return NB_OK;
        pkb_free(p);
        return NB_E_NO_BUFFER;
    }
    if (n->state == N_INCOMPLETE) {
        queue_add(n, p);
        return NB_OK;
    }
    return neigh_xmit(n, p);
}

int nd6_resolve_ahead(const uint8_t next_hop[16])
{
    struct neigh_ent *n = neigh_find(next_hop);
    if (n)
        return n->state != N_INCOMPLETE;
    start_resolution(next_hop, NULL);
    return 0;
}

static void neigh_flush_queue(struct neigh_ent *n)
{
    struct pkb *q = n->queued;
    n->queued = NULL;
    while (q) {
        struct pkb *next = q->next;
        q->next = NULL;
        neigh_xmit(n, q);
        q = next;
    }
}

/* A link-layer address learned from an NS, RS or RA (RFC 4861 §7.2.3,
 * §6.3.4): new entries and changed addresses become STALE. is_router: 1 set,
 * -1 leave as is. */
static void neigh_learn(const uint8_t ip[16], const uint8_t mac[6], int is_router)
{
    struct neigh_ent *n = neigh_find(ip);
    if (!n) {
        n = neigh_alloc(ip);
        if (!n)
            return;
        memcpy(n->mac, mac, 6);
        n->state = N_STALE;
    } else if (n->state == N_INCOMPLETE) {
        memcpy(n->mac, mac, 6);
        neigh_stale(n);
        if (is_router > 0)
            n->is_router = 1;
        neigh_flush_queue(n);
        return;
    } else if (memcmp(n->mac, mac, 6) != 0) {
        memcpy(n->mac, mac, 6);
        neigh_stale(n);
    }
    if (is_router > 0)
        n->is_router = 1;
}

/* ---------------------------------------------------------------- option parser */

nb_err nd6_parse_opts(const uint8_t *p, size_t len, struct nd6_opts *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0;
    while (i < len) {
        if (len - i < 2)
            return NB_E_BAD_OPTION;
        size_t olen = (size_t)p[i + 1] * 8u;
        if (olen == 0 || olen > len - i)
            return NB_E_BAD_OPTION; /* length 0 would loop forever: invalid (RFC 4861 §4.6) */
        const uint8_t *d = p + i;
        switch (d[0]) {
        case OPT_SLLA:
        case OPT_TLLA:
            if (olen != 8)
                return NB_E_MALFORMED; /* Ethernet: exactly 6 bytes of address */
            if (d[0] == OPT_SLLA)
                o->slla = d + 2;
            else
                o->tlla = d + 2;
            break;
        case OPT_PREFIX:
            if (olen != 32 || d[2] > 128)
                return NB_E_MALFORMED;
            if (o->n_pio >= ND6_MAX_PIO) {
                o->pio_ignored++;
                break;
            }
            o->pio[o->n_pio++] = (struct nd6_pio){
                .prefix_len = d[2],
                .on_link = (d[3] & 0x80) != 0,
                .autonomous = (d[3] & 0x40) != 0,
                .valid_s = get32(d + 4),
                .preferred_s = get32(d + 8),
                .prefix = d + 16,
            };
            break;
        case OPT_MTU:
            if (olen != 8)
                return NB_E_MALFORMED;
            o->mtu = get32(d + 4);
            break;
        case OPT_NONCE:
            o->nonce = d + 2;
            o->nonce_len = olen - 2;
            break;
        case OPT_RDNSS:
            if (olen < 24 || (olen - 8) % 16 != 0)
                return NB_E_MALFORMED;
            if (!o->rdnss) { /* the first option; further ones are ignored */
                o->rdnss = d + 8;
                o->n_rdnss = (unsigned)((olen - 8) / 16);
                o->rdnss_lifetime = get32(d + 4);
            }
            break;
        case OPT_DNSSL:
            if (olen < 16)
                return NB_E_MALFORMED;
            if (!o->dnssl) {
                o->dnssl = d + 8;
                o->dnssl_len = olen - 8;
                o->dnssl_lifetime = get32(d + 4);
            }
            break;
        default:
            break; /* unknown options are skipped (RFC 4861 §4.6) */
        }
        i += olen;
    }
    return NB_OK;
}

nb_err nd6_dnssl_first(const uint8_t *p, size_t len, char *out, size_t size)
{
    size_t pos = 0, n = 0;
    if (!size)
        return NB_E_TOO_BIG;
    out[0] = 0;
    while (pos < len) {
        size_t l = p[pos++];
        if (l == 0)
            return n ? NB_OK : NB_E_NOT_FOUND;
        if (l > 63) /* compression pointers and reserved label types are not allowed */
            return NB_E_MALFORMED;
        if (l > len - pos)
            return NB_E_TRUNCATED;
        if (n + (n ? 1 : 0) + l + 1 > size)
            return NB_E_TOO_BIG;
        if (n)
            out[n++] = '.';
        for (size_t k = 0; k < l; k++) {
            uint8_t c = p[pos + k];
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_';
            if (!ok) {
                out[0] = 0;
                return NB_E_MALFORMED;
            }
            out[n++] = (char)c;
        }
        out[n] = 0;
        pos += l;
    }
    out[0] = 0;
    return NB_E_TRUNCATED; /* no root label */
}

/* ---------------------------------------------------------------- input */

static void ra_input(struct pkb *p)
{
    const uint8_t *m = p->data;
    struct nd6_opts o;
    char extra[64], t[NB_IP6_TEXT_MAX];
    if (p->len < 16) {
        NB_COUNT(CTR_ND6_DROP_INVALID);
        return;
    }
    if (!ip6_is_link_local(p->src)) {
        NB_COUNT(CTR_ND6_RA_DROP_SRC);
        return;
    }
    if (nd6_parse_opts(m + 16, p->len - 16, &o) != NB_OK) {
        NB_COUNT(CTR_ND6_DROP_OPTION);
        return;
    }
    NB_COUNT(CTR_ND6_RA_RX);
    if (ip6_disabled)
        return;
    uint16_t lifetime = get16(m + 6);
    uint32_t reach = get32(m + 8), retrans = get32(m + 12);
    if (m[4])
        cur_hop_limit = m[4];
    ra_flags = ND6_RA_SEEN | (m[5] & RA_MANAGED ? ND6_RA_MANAGED : 0u) |
               (m[5] & RA_OTHER ? ND6_RA_OTHER : 0u);
    if (reach && reach <= MAX_REACHABLE_MS)
        reachable_ms = reach;
    if (retrans)
        retrans_ms = retrans < RETRANS_MIN_MS ? RETRANS_MIN_MS
                                             : retrans > RETRANS_MAX_MS ? RETRANS_MAX_MS : retrans;
    if (o.slla)
        neigh_learn(p->src, o.slla, 1);
    if (o.mtu >= IP6_MIN_MTU && o.mtu <= net_if()->mtu)
        link_mtu = o.mtu;
    nb_snprintf(extra, sizeof extra, " (M=%u O=%u%s)", m[5] & RA_MANAGED ? 1u : 0u,
                m[5] & RA_OTHER ? 1u : 0u, link_mtu ? ", mtu from RA" : "");
    router_update(p->src, lifetime, extra);
    if (lifetime && !rs_done) {
        rs_done = 1;
        nb_timer_cancel(&rs_timer);
    }
    for (unsigned i = 0; i < o.n_pio; i++)
        pio_process(&o.pio[i]);
    if (o.rdnss)
        rdnss_update(o.rdnss, o.n_rdnss, o.rdnss_lifetime);
    if (o.dnssl) {
        char name[ND6_DOMAIN_MAX];
        if (nd6_dnssl_first(o.dnssl, o.dnssl_len, name, sizeof name) == NB_OK) {
            if (!o.dnssl_lifetime) {
                dnssl_until = 0;
            } else {
                if (strcmp(name, dnssl) != 0 || dnssl_until <= nb_now_us())
                    nb_say("ip6: search domain %s (RA DNSSL from %s)", name, text6(t, p->src));
                memcpy(dnssl, name, sizeof dnssl);
                dnssl_until = deadline(o.dnssl_lifetime);
            }
        }
    }
    rearm_expiry();
}

static int is_solicited_node_group(const uint8_t a[16])
{
    static const uint8_t base[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
    return memcmp(a, base, 13) == 0;
}

static void ns_input(struct pkb *p)
{
    const uint8_t *m = p->data;
    struct nd6_opts o;
    uint8_t target[16], src[16];
    if (p->len < 24 || ip6_is_multicast(m + 8)) {
        NB_COUNT(CTR_ND6_DROP_INVALID);
        return;
    }
    if (nd6_parse_opts(m + 24, p->len - 24, &o) != NB_OK) {
        NB_COUNT(CTR_ND6_DROP_OPTION);
        return;
    }
    int from_unspec = ip6_is_unspecified(p->src);
    if (from_unspec && (!is_solicited_node_group(p->dst) || o.slla)) {
        NB_COUNT(CTR_ND6_DROP_INVALID);
        return;
    }
    NB_COUNT(CTR_ND6_NS_RX);
    memcpy(target, m + 8, 16);
    memcpy(src, p->src, 16);
    struct addr_ent *a = addr_find(target);
    if (!a || a->state == ND6_ADDR_DUPLICATE)
        return;
    if (a->state == ND6_ADDR_TENTATIVE) {
        /* Someone else's DAD for the address we are checking: a conflict
         * unless it is our own NS looped back (same nonce, RFC 7527). A
         * resolution NS for a tentative address is ignored (RFC 4862 §5.4.3). */
        if (from_unspec && !(o.nonce && o.nonce_len >= 6 && memcmp(o.nonce, a->nonce, 6) == 0))
            dad_conflict(a, NULL);
        return;
    }
    if (!from_unspec && o.slla)
        neigh_learn(src, o.slla, -1);
    if (from_unspec)
        send_na(target, ip6_all_nodes, 0); /* defend: the DAD node hears it */
    else
        send_na(target, src, 1);
}

static void na_input(struct pkb *p)
{
    const uint8_t *m = p->data;
    struct nd6_opts o;
    char t[NB_IP6_TEXT_MAX], mt[18];
    if (p->len < 24 || ip6_is_multicast(m + 8) ||
        (ip6_is_multicast(p->dst) && (m[4] & NA_SOLICITED))) {
        NB_COUNT(CTR_ND6_DROP_INVALID);
        return;
    }
    if (nd6_parse_opts(m + 24, p->len - 24, &o) != NB_OK) {
        NB_COUNT(CTR_ND6_DROP_OPTION);
        return;
    }
    NB_COUNT(CTR_ND6_NA_RX);
    const uint8_t *target = m + 8;
    struct addr_ent *a = addr_find(target);
    if (a) {
        if (a->state == ND6_ADDR_TENTATIVE) {
            dad_conflict(a, o.tlla);
        } else if (is_usable(a) && !(o.tlla && memcmp(o.tlla, net_if()->mac, 6) == 0)) {
            /* After DAD: RFC 4862 §5.4.4 leaves it to us; keep the address,
             * but tell the operator once. */
            NB_COUNT(CTR_ND6_DAD_CONFLICT);
            if (!conflict_warned) {
                conflict_warned = 1;
                nb_warn("ip6: %s claims our address %s", text_mac(mt, o.tlla), text6(t, target));
            }
        }
        return;
    }
    struct neigh_ent *n = neigh_find(target);
    if (!n)
        return; /* unsolicited news about a node we do not talk to */
    int solicited = (m[4] & NA_SOLICITED) != 0, override = (m[4] & NA_OVERRIDE) != 0;
    int router = (m[4] & NA_ROUTER) != 0;
    if (n->state == N_INCOMPLETE) {
        if (!o.tlla)
            return;
        memcpy(n->mac, o.tlla, 6);
        n->is_router = router;
        if (solicited)
            neigh_reachable(n);
        else
            neigh_stale(n);
        neigh_flush_queue(n);
        return;
    }
    int differs = o.tlla && memcmp(o.tlla, n->mac, 6) != 0;
    if (!override && differs) {
        if (n->state == N_REACHABLE)
            neigh_stale(n);
        return;
    }
    if (differs)
        memcpy(n->mac, o.tlla, 6);
    if (solicited)
        neigh_reachable(n);
    else if (differs)
        neigh_stale(n);
    if (n->is_router && !router) {
        uint8_t ip[16];
        memcpy(ip, n->ip, 16);
        router_remove(ip, "is no longer a router (NA)");
    }
    n->is_router = router;
}

void nd6_input(struct pkb *p)
{
    if (p->hop_limit != ND_HOP_LIMIT) {
        NB_COUNT(CTR_ND6_DROP_HOPLIMIT);
        goto out;
    }
    if (p->data[1] != 0) {
        NB_COUNT(CTR_ND6_DROP_INVALID);
        goto out;
    }
    switch (p->data[0]) {
    case ICMP6_ND_RA: ra_input(p); break;
    case ICMP6_ND_NS: ns_input(p); break;
    case ICMP6_ND_NA: na_input(p); break;
    case ICMP6_ND_REDIRECT: NB_COUNT(CTR_ND6_REDIRECT_IGNORED); break;
    default: NB_COUNT(CTR_ICMP6_DROP_TYPE); break; /* RS: we are not a router */
    }
out:
    pkb_free(p);
}

/* ---------------------------------------------------------------- start */

static void rs_timer_fn(struct nb_timer *t)
{
    (void)t;
    if (rs_done || ip6_disabled)
        return;
    if (rs_sent >= params.rs_max) {
        rs_done = 1;
        if (!nd6_has_default_router())
            nb_say("ip6: no router answered %u solicitations; link-local only", rs_sent);
        return;
    }
    rs_sent++;
    send_rs();
    nb_timer_arm(&rs_timer, ms_to_us(params.rs_interval_ms));
}

void nd6_start(void)
{
    for (unsigned i = 0; i < ND6_MAX_NEIGH; i++)
        neigh_free(&neigh[i]);
    for (unsigned i = 0; i < ND6_MAX_ADDRS; i++)
        addr_free(&addrs[i]);
    nb_timer_cancel(&rs_timer);
    nb_timer_cancel(&expiry_timer);
    nb_timer_init(&rs_timer, rs_timer_fn);
    nb_timer_init(&expiry_timer, expiry_fn);
    memset(routers, 0, sizeof routers);
    memset(prefixes, 0, sizeof prefixes);
    memset(rdnss, 0, sizeof rdnss);
    dnssl[0] = 0;
    dnssl_until = 0;
    ra_flags = 0;
    cur_hop_limit = 0;
    link_mtu = 0;
    rs_sent = 0;
    rs_done = ip6_disabled = conflict_warned = 0;
    if (params_set)
        params = pending_params;
    else
        nd6_params_default(&params);
    retrans_ms = params.retrans_ms ? params.retrans_ms : 1000;
    reachable_ms = params.reachable_ms ? params.reachable_ms : 30000;

    uint64_t delay = params.start_delay_max_ms
                         ? ms_to_us(nb_random_below(params.start_delay_max_ms))
                         : 0;
    uint8_t ll[16] = { 0xfe, 0x80 };
    iid_from_mac(ll);
    addr_new(ll, 64, ND6_ORIGIN_LINK_LOCAL, ND6_INFINITE, ND6_INFINITE, delay);
    if (params.rs_max)
        nb_timer_arm(&rs_timer, delay);
    else
        rs_done = 1;
}

unsigned nd6_ra_flags(void) { return ra_flags; }
uint8_t nd6_cur_hop_limit(void) { return cur_hop_limit; }
unsigned nd6_link_mtu(void) { return link_mtu; }
