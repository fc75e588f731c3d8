/*
 * MLDv2 (RFC 3810), listener side, minimal.
 *
 *   join (an address is formed)  --> one Report: CHANGE_TO_EXCLUDE_MODE {}
 *                                    for its solicited-node group
 *   Query (hop limit 1, link-local source, 24 bytes (v1) or more (v2))
 *                                --> after random [0, Maximum Response Delay)
 *                                    (at most MLD6_MAX_DELAY_MS; a pending
 *                                    answer is not pushed later): one Report,
 *                                    MODE_IS_EXCLUDE {} for every group we hold
 * Reports go to ff02::16 with hop limit 1 and a Router Alert hop-by-hop
 * option, from our link-local address, or from :: while it is tentative
 * (RFC 3590). Simplified: one unsolicited report instead of
 * [Robustness Variable] of them, no MLDv1 compatibility mode (an MLDv1-only
 * querier ignores our v2 reports: snooping then falls back to flooding),
 * no leave messages (a boot client holds its addresses until it hands over).
 */
#include "net/mld6.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/timer.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/ip.h"
#include "net/ip6.h"
#include "net/nd6.h"
#include <string.h>

enum { REC_IS_EXCLUDE = 2, REC_TO_EXCLUDE = 4 };
static const uint8_t all_mld_routers[16] = { 0xff, 0x02, [15] = 0x16 };

static struct nb_timer answer_timer;
static int timer_ready;

static void send_report(const uint8_t (*groups)[16], unsigned n, uint8_t rec_type)
{
    static const uint8_t hbh[8] = { NB_PROTO_ICMP6, 0, 5, 2, 0, 0, 1, 0 }; /* Router Alert: MLD, PadN */
    uint8_t src[16] = { 0 };
    if (!n)
        return;
    nd6_link_local(src); /* :: while it is tentative */
    size_t mlen = 8u + 20u * n;
    struct pkb *p = pkb_alloc();
    if (!p)
        return;
    uint8_t *h = pkb_put(p, sizeof hbh + mlen);
    if (!h) {
        pkb_free(p);
        return;
    }
    memcpy(h, hbh, sizeof hbh);
    uint8_t *m = h + sizeof hbh;
    memset(m, 0, mlen);
    m[0] = MLD6_REPORT_V2;
    put16(m + 6, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *r = m + 8 + 20 * i;
        r[0] = rec_type;
        memcpy(r + 4, groups[i], 16);
    }
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, all_mld_routers);
    put16(m + 2, csum_transport(&s, &d, NB_PROTO_ICMP6, m, mlen));
    ip6_output_onlink(p, IP6_NH_HOPOPTS, src, all_mld_routers, 1);
}

void mld6_join(const uint8_t group[16])
{
    uint8_t g[1][16];
    memcpy(g[0], group, 16);
    send_report((const uint8_t (*)[16])g, 1, REC_TO_EXCLUDE);
}

/* The solicited-node groups of our addresses, each once. */
static unsigned our_groups(uint8_t out[][16], unsigned max)
{
    struct nd6_addr_info a[ND6_MAX_ADDRS];
    unsigned n = nd6_addrs(a, ND6_MAX_ADDRS), k = 0;
    for (unsigned i = 0; i < n && k < max; i++) {
        if (a[i].state == ND6_ADDR_DUPLICATE)
            continue;
        uint8_t g[16];
        ip6_solicited_node(a[i].addr, g);
        unsigned j = 0;
        while (j < k && memcmp(out[j], g, 16) != 0)
            j++;
        if (j == k)
            memcpy(out[k++], g, 16);
    }
    return k;
}

static void answer_fn(struct nb_timer *t)
{
    (void)t;
    uint8_t g[MLD6_MAX_GROUPS][16];
    unsigned n = our_groups(g, MLD6_MAX_GROUPS);
    send_report((const uint8_t (*)[16])g, n, REC_IS_EXCLUDE);
}

void mld6_start(void)
{
    if (timer_ready)
        nb_timer_cancel(&answer_timer);
    nb_timer_init(&answer_timer, answer_fn);
    timer_ready = 1;
}

void mld6_input(const struct pkb *p)
{
    const uint8_t *m = p->data;
    if (p->len < 24 || p->hop_limit != 1 || !ip6_is_link_local(p->src) || m[1] != 0)
        return;
    uint32_t max_ms = get16(m + 4);
    if (p->len >= 28 && max_ms >= 0x8000u) /* v2 floating point: (mant | 0x1000) << (exp + 3) */
        max_ms = ((max_ms & 0x0fffu) | 0x1000u) << (((max_ms >> 12) & 7u) + 3u);
    if (max_ms > MLD6_MAX_DELAY_MS)
        max_ms = MLD6_MAX_DELAY_MS;
    uint64_t when = nb_now_us() + (uint64_t)nb_random_below(max_ms + 1u) * 1000u;
    if (!timer_ready)
        mld6_start();
    if (answer_timer.armed && answer_timer.deadline_us <= when)
        return; /* an answer is already due sooner */
    nb_timer_arm_at(&answer_timer, when);
}
