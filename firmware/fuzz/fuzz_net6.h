/*
 * Shared harness for the IPv6 fuzz targets (header-only): the whole stack
 * on a netdev that checks every frame we send, a fake clock the input
 * advances, deterministic DRBG seeding, and a stack brought to a useful
 * state (link-local and a SLAAC address up, a default router known).
 *
 * Invariants checked on every input (abort() on violation):
 *   - every frame we send is a well-formed IPv6 packet: ip6_parse delivers
 *     it, its length is the frame's, it fits the link MTU, an ICMPv6
 *     checksum verifies, ND messages carry hop limit 255;
 *   - no packet buffer leaks: after an input, at most one buffer per
 *     neighbour entry (its queued packet) is held.
 */
#ifndef NB_FUZZ_NET6_H
#define NB_FUZZ_NET6_H
#include <stdlib.h>
#include <string.h>
#include "core/drbg.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "fuzz_clock.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/eth.h"
#include "net/icmp6.h"
#include "net/ip.h"
#include "net/ip6.h"
#include "net/nd6.h"
#include "net/netif.h"
#include "net/stack.h"
#include "platform/host/host.h"

static const uint8_t fz_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t fz_rtr_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t fz_rtr_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t fz_ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t fz_global[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t fz_remote[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 9, [15] = 9 };
static const uint8_t fz_peer_ll[16] = { 0xfe, 0x80, [15] = 2 };

static uint64_t fz_now = 1000000000ull;
static char fz_console[4096];
static unsigned fz_inputs;

static void fz_check_frame(const uint8_t *f, size_t len)
{
    if (len < ETH_HLEN)
        abort();
    if (get16(f + 12) != ETH_P_IPV6)
        return;
    const uint8_t *ip = f + ETH_HLEN;
    size_t iplen = len - ETH_HLEN;
    struct ip6_parsed v;
    if (ip6_parse(ip, iplen, &v) != IP6_DELIVER || v.total_len != iplen)
        abort();
    if (iplen > net_if()->mtu)
        abort();
    if (v.proto == NB_PROTO_ICMP6) {
        struct nb_ip s = nb_ip_from(6, v.src), d = nb_ip_from(6, v.dst);
        if (iplen - v.off < 4 || csum_transport(&s, &d, NB_PROTO_ICMP6, ip + v.off, iplen - v.off))
            abort();
        uint8_t t = ip[v.off];
        if (t >= ICMP6_ND_RS && t <= ICMP6_ND_REDIRECT && v.hop_limit != 255)
            abort();
    }
}

static nb_err fz_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    fz_check_frame(frame, len);
    return NB_OK;
}
static int fz_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    (void)dev, (void)buf, (void)cap;
    return 0;
}
static void fz_wait(struct netdev *dev, uint64_t deadline)
{
    (void)dev, (void)deadline;
}
static int fz_link(struct netdev *dev)
{
    (void)dev;
    return 1;
}
static const struct netdev_ops fz_ops = { fz_tx, fz_rx, fz_wait, fz_link };
static struct netdev fz_dev = { .ops = &fz_ops, .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
                                .mtu = 1500, .name = "fuzz" };

static void fz_advance_us(uint64_t us) { fuzz_advance_us(&fz_now, us); }

/* An IPv6 frame around payload (nh), checksum fixed for ICMPv6. */
static void fz_rx_ip6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hop,
                      const uint8_t *payload, size_t plen)
{
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    if (plen > PKB_DATA_MAX - ETH_HLEN - IP6_HLEN)
        plen = PKB_DATA_MAX - ETH_HLEN - IP6_HLEN;
    uint8_t *f = p->data;
    if (ip6_is_multicast(dst))
        eth_ip6_multicast_mac(dst, f);
    else
        memcpy(f, fz_mac, 6);
    memcpy(f + 6, fz_rtr_mac, 6);
    put16(f + 12, ETH_P_IPV6);
    uint8_t *ip = f + ETH_HLEN;
    put32(ip, 0x60000000u);
    put16(ip + 4, (uint16_t)plen);
    ip[6] = nh;
    ip[7] = hop;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    memcpy(ip + IP6_HLEN, payload, plen);
    if (nh == NB_PROTO_ICMP6 && plen >= 4) {
        struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, dst);
        uint8_t *m = ip + IP6_HLEN;
        put16(m + 2, 0);
        put16(m + 2, csum_transport(&s, &d, NB_PROTO_ICMP6, m, plen));
    }
    p->len = ETH_HLEN + IP6_HLEN + plen;
    eth_input(p);
}

static void fz_bring_up(void)
{
    static const uint8_t seed[64] = { 0x6e, 0x62, 0x2d, 0x66, 0x75, 0x7a, 0x7a };
    static int seeded;
    host_console_capture(fz_console, sizeof fz_console);
    if (!seeded) {
        host_fake_entropy(seed, sizeof seed);
        if (nb_drbg_init("fuzz-ip6", 8, NULL) != NB_OK)
            abort();
        host_fake_entropy(NULL, 0);
        seeded = 1;
    }
    host_fake_now_us(fz_now);
    struct nd6_params prm;
    nd6_params_default(&prm);
    prm.start_delay_max_ms = 0;
    nd6_set_params(&prm);
    net_init(&fz_dev);
    fz_advance_us(1100000);
    /* the lab RA: router fe80::1, prefix fd00:b007:1::/64 (L, A) */
    static const uint8_t ra[16 + 8 + 32] = {
        134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01,
        3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0,
        0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    fz_rx_ip6(fz_rtr_ll, ip6_all_nodes, NB_PROTO_ICMP6, 255, ra, sizeof ra);
    fz_advance_us(1100000);
}

/* Before each input: a fresh stack now and then, and whenever an input
 * switched IPv6 off (duplicate link-local), so later inputs still reach
 * the interesting code. */
static void fz_begin(void)
{
    if (fz_inputs++ % 500 == 0 || nd6_dst_class(ip6_all_nodes) == ND6_DST_OTHER)
        fz_bring_up();
    host_console_capture(fz_console, sizeof fz_console);
}

static void fz_end(void)
{
    if (pkb_pool_free_count() + ND6_MAX_NEIGH < PKB_POOL_SIZE)
        abort(); /* a buffer leaked */
    if (ip6_mtu() < IP6_MIN_MTU || ip6_mtu() > fz_dev.mtu)
        abort();
    struct nd6_addr_info a[ND6_MAX_ADDRS + 1];
    if (nd6_addrs(a, ND6_MAX_ADDRS + 1) > ND6_MAX_ADDRS)
        abort();
}

/* The addresses an input byte may choose from. */
static inline const uint8_t *fz_pick_src(uint8_t sel)
{
    static const uint8_t unspec[16];
    switch (sel & 3) {
    case 0: return fz_rtr_ll;
    case 1: return fz_peer_ll;
    case 2: return fz_remote;
    default: return unspec;
    }
}

static inline const uint8_t *fz_pick_dst(uint8_t sel, uint8_t buf[16])
{
    switch (sel & 7) {
    case 0: return fz_global;
    case 1: return fz_ll;
    case 2: return ip6_all_nodes;
    case 3: ip6_solicited_node(fz_global, buf); return buf;
    case 4: ip6_solicited_node(fz_ll, buf); return buf;
    case 5: return fz_remote; /* not ours */
    default: return fz_global;
    }
}

#endif
