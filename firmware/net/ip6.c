/*
 * IPv6 (RFC 8200), host side.
 *
 * Receive, in order, each step complete before the next looks at anything:
 *   1. fixed header: version 6, payload length within the frame (Ethernet
 *      padding trimmed, shorter frames dropped), source not multicast;
 *   2. destination ours (nd6_dst_class: our unicast addresses, ff02::1, the
 *      solicited-node group of each address) — else dropped, never answered;
 *   3. extension headers, a bounded loop (IP6_MAX_EXT_HDRS, no recursion):
 *        hop-by-hop   only directly after the fixed header (elsewhere it is
 *                     an unknown next header: Parameter Problem code 1)
 *        dest. opts   TLV walk: Pad1/PadN, unknown options by their two high
 *                     bits: 00 skip, 01 drop, 10 drop + Parameter Problem,
 *                     11 the same unless the destination was multicast
 *        routing      segments left 0: ignored; otherwise Parameter Problem
 *                     code 0 — we process no routing type (type 0 never)
 *        fragment     dropped and counted (no reassembly); an atomic fragment
 *                     (offset 0, M clear; RFC 6946) is just skipped
 *        no next hdr  dropped quietly
 *   4. upper layer: ICMPv6, UDP, TCP; anything else is Parameter Problem 1.
 *   A tentative address receives only Neighbour Solicitations/Advertisements.
 *
 * Send: prepend the header, then the next hop: a multicast destination maps
 * to its 33:33 MAC; link-local or on-link (an RA prefix with L) goes to the
 * destination's neighbour entry; anything else to the default router. No
 * fragmentation: callers size datagrams with ip6_mtu (RA MTU option applied).
 *
 * Source selection: RFC 6724 rules 1 (same address), 2 (appropriate scope),
 * 3 (avoid deprecated) and 8 (longest matching prefix); tentative and
 * duplicate addresses are never candidates. Rules 4-7 (home, outgoing
 * interface, labels, temporary) do not arise on one interface without
 * privacy addresses or mobility.
 */
#include "net/ip6.h"
#include "core/clock.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/eth.h"
#include "net/icmp6.h"
#include "net/ip.h"
#include "net/mld6.h"
#include "net/nd6.h"
#include "net/netif.h"
#include <string.h>

const uint8_t ip6_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
const uint8_t ip6_all_routers[16] = { 0xff, 0x02, [15] = 0x02 };

int ip6_is_unspecified(const uint8_t a[16])
{
    for (int i = 0; i < 16; i++)
        if (a[i])
            return 0;
    return 1;
}

static int is_loopback(const uint8_t a[16])
{
    for (int i = 0; i < 15; i++)
        if (a[i])
            return 0;
    return a[15] == 1;
}

void ip6_solicited_node(const uint8_t a[16], uint8_t g[16])
{
    static const uint8_t base[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
    memcpy(g, base, 13);
    memcpy(g + 13, a + 13, 3);
}

/* ---------------------------------------------------------------- parser */

static enum ip6_verdict drop(struct ip6_parsed *o, enum nb_counter why)
{
    o->verdict = IP6_DROP;
    o->reason = why;
    return IP6_DROP;
}

static enum ip6_verdict param_problem(struct ip6_parsed *o, enum nb_counter why, uint8_t code,
                                      size_t pointer, int even_to_multicast)
{
    o->verdict = IP6_PARAM_PROBLEM;
    o->reason = why;
    o->icmp_code = code;
    o->icmp_pointer = (uint32_t)pointer;
    o->icmp_even_to_multicast = even_to_multicast;
    return IP6_PARAM_PROBLEM;
}

/* The TLV options of a hop-by-hop or destination options header occupying
 * p[off .. off+hlen) (hlen >= 8, checked by the caller). */
static enum ip6_verdict walk_options(const uint8_t *p, size_t off, size_t hlen,
                                     struct ip6_parsed *o)
{
    size_t i = off + 2, end = off + hlen;
    while (i < end) {
        uint8_t type = p[i];
        if (type == 0) { /* Pad1 */
            i++;
            continue;
        }
        if (end - i < 2)
            return drop(o, CTR_IP6_DROP_EXT);
        size_t olen = p[i + 1];
        if (olen > end - i - 2)
            return drop(o, CTR_IP6_DROP_EXT);
        if (type != 1) { /* not PadN: we know no other option */
            switch (type >> 6) {
            case 0: break; /* skip over it */
            case 1: return drop(o, CTR_IP6_DROP_OPTION);
            case 2: return param_problem(o, CTR_IP6_DROP_OPTION, 2, i, 1);
            default: return param_problem(o, CTR_IP6_DROP_OPTION, 2, i, 0);
            }
        }
        i += 2 + olen;
    }
    return IP6_DELIVER;
}

enum ip6_verdict ip6_parse(const uint8_t *p, size_t len, struct ip6_parsed *o)
{
    memset(o, 0, sizeof *o);
    if (len < IP6_HLEN)
        return drop(o, CTR_IP6_DROP_SHORT);
    if ((p[0] >> 4) != 6)
        return drop(o, CTR_IP6_DROP_VERSION);
    size_t plen = get16(p + 4);
    if (plen > len - IP6_HLEN)
        return drop(o, CTR_IP6_DROP_LEN);
    o->total_len = IP6_HLEN + plen;
    o->hop_limit = p[7];
    o->src = p + 8;
    o->dst = p + 24;
    if (ip6_is_multicast(o->src) || is_loopback(o->src) || is_loopback(o->dst))
        return drop(o, CTR_IP6_DROP_SRC);
    o->hdr_ok = 1;

    const size_t end = o->total_len;
    uint8_t nh = p[6];
    size_t nh_off = 6, off = IP6_HLEN;
    for (unsigned n = 0;; n++) {
        size_t hlen;
        switch (nh) {
        case IP6_NH_HOPOPTS:
        case IP6_NH_DSTOPTS:
        case IP6_NH_ROUTING:
        case IP6_NH_FRAGMENT:
            break;
        case IP6_NH_NONE:
            return drop(o, CTR_IP6_DROP_NO_NEXT);
        default:
            o->verdict = IP6_DELIVER;
            o->proto = nh;
            o->off = off;
            o->nh_off = nh_off;
            return IP6_DELIVER;
        }
        if (nh == IP6_NH_HOPOPTS && off != IP6_HLEN)
            return param_problem(o, CTR_IP6_DROP_HBH_POS, 1, nh_off, 0);
        if (n >= IP6_MAX_EXT_HDRS)
            return drop(o, CTR_IP6_DROP_EXT_LIMIT);
        if (end - off < 8)
            return drop(o, CTR_IP6_DROP_EXT);
        hlen = nh == IP6_NH_FRAGMENT ? 8u : ((size_t)p[off + 1] + 1u) * 8u;
        if (hlen > end - off)
            return drop(o, CTR_IP6_DROP_EXT);
        if (nh == IP6_NH_HOPOPTS || nh == IP6_NH_DSTOPTS) {
            enum ip6_verdict v = walk_options(p, off, hlen, o);
            if (v != IP6_DELIVER)
                return v;
        } else if (nh == IP6_NH_ROUTING) {
            if (p[off + 3] != 0) /* segments left: we would have to forward */
                return param_problem(o, CTR_IP6_DROP_ROUTING, 0, off + 2, 0);
        } else { /* fragment: offset and M flag in bytes 2-3 */
            if ((get16(p + off + 2) & 0xfff9u) != 0)
                return drop(o, CTR_IP6_DROP_FRAG);
        }
        nh = p[off];
        nh_off = off;
        off += hlen;
    }
}

/* ---------------------------------------------------------------- input */

void ip6_input(struct pkb *p)
{
    struct ip6_parsed v;
    NB_COUNT(CTR_IP6_RX);
    ip6_parse(p->data, p->len, &v);
    if (!v.hdr_ok) {
        NB_COUNT(v.reason);
        goto drop;
    }
    pkb_trim(p, v.total_len); /* Ethernet padding */
    enum nd6_dst cls = nd6_dst_class(v.dst);
    if (cls == ND6_DST_OTHER) {
        NB_COUNT(CTR_IP6_DROP_NOT_US);
        goto drop;
    }
    if (v.verdict == IP6_PARAM_PROBLEM && cls == ND6_DST_OURS) {
        NB_COUNT(v.reason);
        icmp6_send_error(ICMP6_PARAM_PROBLEM, v.icmp_code, v.icmp_pointer, p->data, p->len,
                         v.icmp_even_to_multicast);
        goto drop;
    }
    if (v.verdict != IP6_DELIVER) {
        NB_COUNT(v.reason);
        goto drop;
    }
    if (cls == ND6_DST_TENTATIVE) {
        /* RFC 4862 §5.4: only NS/NA reach a tentative address. */
        uint8_t t = v.off < p->len ? p->data[v.off] : 0;
        if (v.proto != NB_PROTO_ICMP6 || (t != ICMP6_ND_NS && t != ICMP6_ND_NA)) {
            NB_COUNT(CTR_IP6_DROP_TENTATIVE);
            goto drop;
        }
    }
    if (v.proto != NB_PROTO_ICMP6 && v.proto != NB_PROTO_UDP && v.proto != NB_PROTO_TCP) {
        NB_COUNT(CTR_IP6_DROP_PROTO);
        if (cls == ND6_DST_OURS)
            icmp6_send_error(ICMP6_PARAM_PROBLEM, 1, (uint32_t)v.nh_off, p->data, p->len, 0);
        goto drop;
    }
    if (v.proto != NB_PROTO_ICMP6 && ip6_is_unspecified(v.src)) {
        NB_COUNT(CTR_IP6_DROP_SRC); /* only DAD may come from :: */
        goto drop;
    }
    p->family = 6;
    memcpy(p->src, v.src, 16);
    memcpy(p->dst, v.dst, 16);
    p->hop_limit = v.hop_limit;
    pkb_pull(p, v.off);
    switch (v.proto) {
    case NB_PROTO_ICMP6: icmp6_input(p); return;
    case NB_PROTO_UDP: udp_input(p); return;
    default: tcp_input(p); return;
    }
drop:
    pkb_free(p);
}

/* ---------------------------------------------------------------- output */

static unsigned path_mtu;        /* 0: none learned */
static uint64_t path_mtu_until_us;

unsigned ip6_mtu(void)
{
    unsigned mtu = net_if()->mtu, ra = nd6_link_mtu();
    if (mtu < IP6_MIN_MTU)
        mtu = IP6_MIN_MTU;
    if (ra >= IP6_MIN_MTU && ra < mtu)
        mtu = ra;
    if (path_mtu && nb_now_us() >= path_mtu_until_us)
        path_mtu = 0;
    if (path_mtu && path_mtu < mtu)
        mtu = path_mtu;
    return mtu;
}

void ip6_path_mtu_report(uint32_t mtu)
{
    if (mtu < IP6_MIN_MTU)
        mtu = IP6_MIN_MTU; /* RFC 8201 §4: never below the minimum */
    if (mtu >= ip6_mtu())
        return;
    path_mtu = mtu;
    path_mtu_until_us = nb_now_us() + (uint64_t)IP6_PMTU_AGE_S * 1000000u;
}

static unsigned scope_of(const uint8_t a[16])
{
    if (ip6_is_multicast(a))
        return a[1] & 0x0fu;
    if (ip6_is_link_local(a))
        return 2;
    return 14; /* global (ULAs are global scope, RFC 6724 §3.1) */
}

static unsigned common_prefix(const uint8_t a[16], const uint8_t b[16])
{
    unsigned n = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t x = a[i] ^ b[i];
        if (!x) {
            n += 8;
            continue;
        }
        while (!(x & 0x80)) {
            n++;
            x = (uint8_t)(x << 1);
        }
        break;
    }
    return n;
}

/* 1 if candidate a is better than b as a source toward dst (RFC 6724 §5). */
static int better_src(const struct nd6_addr_info *a, const struct nd6_addr_info *b,
                      const uint8_t dst[16])
{
    int a_same = memcmp(a->addr, dst, 16) == 0, b_same = memcmp(b->addr, dst, 16) == 0;
    if (a_same != b_same) /* rule 1 */
        return a_same;
    unsigned sa = scope_of(a->addr), sb = scope_of(b->addr), sd = scope_of(dst);
    if (sa != sb) /* rule 2 */
        return sa < sb ? sa >= sd : sb < sd;
    int a_dep = a->state == ND6_ADDR_DEPRECATED, b_dep = b->state == ND6_ADDR_DEPRECATED;
    if (a_dep != b_dep) /* rule 3 */
        return !a_dep;
    return common_prefix(a->addr, dst) > common_prefix(b->addr, dst); /* rule 8 */
}

nb_err ip6_select_src(const uint8_t dst[16], uint8_t src[16])
{
    struct nd6_addr_info all[ND6_MAX_ADDRS];
    unsigned n = nd6_addrs(all, ND6_MAX_ADDRS);
    const struct nd6_addr_info *best = NULL;
    if (ip6_is_unspecified(dst))
        return NB_E_INVALID;
    for (unsigned i = 0; i < n; i++) {
        if (all[i].state != ND6_ADDR_PREFERRED && all[i].state != ND6_ADDR_DEPRECATED)
            continue;
        if (!best || better_src(&all[i], best, dst))
            best = &all[i];
    }
    /* A link-local source cannot reach beyond the link. */
    if (!best || scope_of(best->addr) < scope_of(dst))
        return NB_E_NO_ADDRESS;
    memcpy(src, best->addr, 16);
    return NB_OK;
}

static nb_err push_header(struct pkb *p, uint8_t nh, const uint8_t src[16], const uint8_t dst[16],
                          uint8_t hop_limit)
{
    if (p->len + IP6_HLEN > ip6_mtu()) {
        NB_COUNT(CTR_IP6_TX_TOO_BIG);
        return NB_E_MSG_TOO_BIG;
    }
    size_t plen = p->len;
    uint8_t *h = pkb_push(p, IP6_HLEN);
    if (!h)
        return NB_E_NO_BUFFER;
    if (!hop_limit) {
        hop_limit = nd6_cur_hop_limit();
        if (ip6_is_multicast(dst))
            hop_limit = 1; /* RFC 3493 §5.2 default multicast hops */
        else if (!hop_limit)
            hop_limit = IP6_DEFAULT_HOP_LIMIT;
    }
    put32(h, 0x60000000u); /* version 6, traffic class 0, flow label 0 */
    put16(h + 4, (uint16_t)plen);
    h[6] = nh;
    h[7] = hop_limit;
    memcpy(h + 8, src, 16);
    memcpy(h + 24, dst, 16);
    NB_COUNT(CTR_IP6_TX);
    return NB_OK;
}

static nb_err send_multicast(struct pkb *p, const uint8_t dst[16])
{
    uint8_t mac[6];
    eth_ip6_multicast_mac(dst, mac);
    return eth_output(p, mac, ETH_P_IPV6);
}

nb_err ip6_output_onlink(struct pkb *p, uint8_t nh, const uint8_t src[16], const uint8_t dst[16],
                         uint8_t hop_limit)
{
    uint8_t d[16];
    memcpy(d, dst, 16);
    nb_err e = push_header(p, nh, src, d, hop_limit);
    if (e != NB_OK) {
        pkb_free(p);
        return e;
    }
    return ip6_is_multicast(d) ? send_multicast(p, d) : nd6_output(p, d);
}

/* The next hop for unicast d: d itself on-link, else the default router;
 * 0 when there is no route. */
static int route(const uint8_t d[16], uint8_t next_hop[16])
{
    if (ip6_is_link_local(d) || nd6_on_link(d)) {
        memcpy(next_hop, d, 16);
        return 1;
    }
    return nd6_default_router(next_hop);
}

int ip6_next_hop_ready(const uint8_t dst[16])
{
    uint8_t hop[16];
    if (ip6_is_multicast(dst) || !route(dst, hop))
        return 1; /* nothing to resolve: sending decides at once */
    return nd6_resolve_ahead(hop);
}

nb_err ip6_output(struct pkb *p, uint8_t nh, const uint8_t *src, const uint8_t dst[16],
                  uint8_t hop_limit)
{
    uint8_t s[16], d[16], next_hop[16];
    memcpy(d, dst, 16); /* dst may point into p */
    if (src) {
        memcpy(s, src, 16);
    } else {
        nb_err e = ip6_select_src(d, s);
        if (e != NB_OK) {
            NB_COUNT(CTR_IP6_TX_NOROUTE);
            pkb_free(p);
            return e;
        }
    }
    if (ip6_is_multicast(d))
        return ip6_output_onlink(p, nh, s, d, hop_limit);
    if (!route(d, next_hop)) {
        NB_COUNT(CTR_IP6_TX_NOROUTE);
        pkb_free(p);
        return NB_E_NO_ROUTE;
    }
    nb_err e = push_header(p, nh, s, d, hop_limit);
    if (e != NB_OK) {
        pkb_free(p);
        return e;
    }
    return nd6_output(p, next_hop);
}

void ip6_start(void)
{
    path_mtu = 0;
    mld6_start();
    nd6_start();
}
