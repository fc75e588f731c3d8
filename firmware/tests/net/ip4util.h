/*
 * IPv4 test helpers shared by test_eth.c, test_arp.c, test_ip4.c,
 * test_icmp4.c and test_udp.c (header-only): the lab's addresses, builders
 * for ARP / IPv4 / ICMPv4 / UDP with correct checksums, and accessors for
 * what the stack sent. IPv6 also starts on the test netdev (net_init), so
 * accessors here look at ARP and IPv4 frames only.
 */
#ifndef NB_TEST_IP4UTIL_H
#define NB_TEST_IP4UTIL_H
#include "testutil.h"
#include "testnet.h"
#include "core/timer.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/eth.h"
#include "net/ip.h"
#include "net/ip4.h"
#include "net/netif.h"
#include "net/stack.h"
#include "net/udp.h"

static const uint8_t v4_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t v4_ip[4] = { 198, 18, 1, 100 };
static const uint8_t v4_mask24[4] = { 255, 255, 255, 0 };
static const uint8_t v4_gw[4] = { 198, 18, 1, 1 };
static const uint8_t v4_gw_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t v4_peer[4] = { 198, 18, 1, 50 };
static const uint8_t v4_peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x32 };
static const uint8_t v4_other_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t v4_remote[4] = { 198, 19, 0, 9 };     /* off-link */
static const uint8_t v4_subnet_bcast[4] = { 198, 18, 1, 255 };
static const uint8_t v4_bcast[4] = { 255, 255, 255, 255 };
static const uint8_t v4_any[4] = { 0, 0, 0, 0 };
static const uint8_t v4_zero_mac[6] = { 0, 0, 0, 0, 0, 0 };
static const uint8_t v4_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define V4_ETH 14u
/* Offsets inside a captured untagged IPv4 frame (20-byte header). */
#define V4_IP(f) ((f)->b + V4_ETH)
#define V4_L4(f) ((f)->b + V4_ETH + 20)

static inline void v4_zero_counters(void) { memset(nb_counters, 0, sizeof nb_counters); }

/* Up on the test netdev: unconfigured (DHCP not done yet), ARP cache empty,
 * counters zero, nothing captured. */
static inline void v4_up_unconfigured(void)
{
    tn_up(v4_mac, 1500);
    arp_flush();
    v4_zero_counters();
    tn_tx_clear();
}

/* Up with 198.18.1.100 and the given mask, router 198.18.1.1 (gw NULL: none). */
static inline void v4_up_mask(const uint8_t mask[4], const uint8_t *gw)
{
    v4_up_unconfigured();
    net_ip4_configure(v4_ip, mask, gw ? gw : v4_any);
    v4_zero_counters();
    tn_tx_clear();
}

static inline void v4_up(void) { v4_up_mask(v4_mask24, v4_gw); }

/* Every buffer back in the pool (after forgetting ARP's queued packets). */
static inline void v4_assert_no_leak(void)
{
    arp_flush();
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

/* ---------------------------------------------------------------- building */

static inline void v4_eth_hdr(struct t_pkt *f, const uint8_t dmac[6], const uint8_t smac[6],
                              uint16_t type)
{
    f->len = 0;
    t_put(f, dmac, 6);
    t_put(f, smac, 6);
    t_be16(f, type);
}

/* A whole ARP frame. */
static inline void v4_arp_frame(struct t_pkt *f, const uint8_t dmac[6], const uint8_t smac[6],
                                uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
                                const uint8_t tha[6], const uint8_t tpa[4])
{
    v4_eth_hdr(f, dmac, smac, ETH_P_ARP);
    t_be16(f, 1);
    t_be16(f, ETH_P_IP);
    t_u8(f, 6);
    t_u8(f, 4);
    t_be16(f, op);
    t_put(f, sha, 6);
    t_put(f, spa, 4);
    t_put(f, tha, 6);
    t_put(f, tpa, 4);
}

/* Someone (ip, mac) asks, broadcast, who has `target`. */
static inline void v4_rx_arp_request(const uint8_t ip[4], const uint8_t mac[6], const uint8_t target[4])
{
    struct t_pkt f;
    v4_arp_frame(&f, v4_bcast_mac, mac, 1, mac, ip, v4_zero_mac, target);
    tn_rx(f.b, f.len);
}

/* (ip, mac) answers us. */
static inline void v4_rx_arp_reply(const uint8_t ip[4], const uint8_t mac[6])
{
    struct t_pkt f;
    v4_arp_frame(&f, v4_mac, mac, 2, mac, ip, v4_mac, v4_ip);
    tn_rx(f.b, f.len);
}

/* The cache learns (ip, mac): it asks for our address. Capture cleared. */
static inline void v4_learn(const uint8_t ip[4], const uint8_t mac[6])
{
    v4_rx_arp_request(ip, mac, v4_ip);
    tn_tx_clear();
}

/* An IPv4 packet (no Ethernet): 20-byte header, DF, given TTL, header
 * checksum filled. */
static inline void v4_packet(struct t_pkt *ip, const uint8_t src[4], const uint8_t dst[4],
                             uint8_t proto, uint8_t ttl, const uint8_t *payload, size_t len)
{
    ip->len = 0;
    t_u8(ip, 0x45);
    t_u8(ip, 0);
    t_be16(ip, (uint16_t)(20 + len));
    t_be16(ip, 0x1234);
    t_be16(ip, 0x4000);
    t_u8(ip, ttl);
    t_u8(ip, proto);
    t_be16(ip, 0);
    t_put(ip, src, 4);
    t_put(ip, dst, 4);
    uint16_t c = csum_fold(csum_add(0, ip->b, 20));
    put16(ip->b + 10, c);
    t_put(ip, payload, len);
}

/* Recompute the header checksum of a packet built by hand (IHL honoured). */
static inline void v4_fix_csum(struct t_pkt *ip)
{
    size_t ihl = (size_t)(ip->b[0] & 0x0f) * 4;
    put16(ip->b + 10, 0);
    put16(ip->b + 10, csum_fold(csum_add(0, ip->b, ihl)));
}

/* An IPv4 packet into the stack inside an Ethernet frame. */
static inline void v4_rx_packet(const struct t_pkt *ip, const uint8_t dmac[6], const uint8_t smac[6])
{
    struct t_pkt f;
    v4_eth_hdr(&f, dmac, smac, ETH_P_IP);
    t_put(&f, ip->b, ip->len);
    tn_rx(f.b, f.len);
}

/* ICMPv4 echo (request 8 / reply 0) with n pattern bytes, checksum filled. */
static inline void v4_echo(struct t_pkt *m, uint8_t type, uint16_t id, uint16_t seq, size_t n)
{
    m->len = 0;
    t_u8(m, type);
    t_u8(m, 0);
    t_be16(m, 0);
    t_be16(m, id);
    t_be16(m, seq);
    for (size_t i = 0; i < n; i++)
        t_u8(m, (uint8_t)(i * 7 + 3));
    put16(m->b + 2, csum_fold(csum_add(0, m->b, m->len)));
}

/* A UDP datagram src:sport -> dst:dport, checksum filled (never 0). */
static inline void v4_udp(struct t_pkt *u, const uint8_t src[4], const uint8_t dst[4],
                          uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    u->len = 0;
    t_be16(u, sport);
    t_be16(u, dport);
    t_be16(u, (uint16_t)(8 + len));
    t_be16(u, 0);
    t_put(u, data, len);
    struct nb_ip s = nb_ip_from(4, src), d = nb_ip_from(4, dst);
    uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, u->b, u->len);
    put16(u->b + 6, c ? c : 0xffff);
}

/* A UDP datagram from (src, smac) into the stack, to our MAC. */
static inline void v4_rx_udp(const uint8_t src[4], const uint8_t smac[6], const uint8_t dst[4],
                             uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    struct t_pkt u, ip;
    v4_udp(&u, src, dst, sport, dport, data, len);
    v4_packet(&ip, src, dst, NB_PROTO_UDP, 64, u.b, u.len);
    v4_rx_packet(&ip, v4_mac, smac);
}

/* ---------------------------------------------------------------- inspecting */

static inline uint16_t v4_frame_type(const struct tn_frame *f)
{
    return f && f->len >= 14 ? get16(f->b + 12) : 0;
}

/* Captured frames of one ethertype: how many, and the index of the n-th. */
static inline unsigned v4_count(uint16_t type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tn_tx_count(); i++)
        n += v4_frame_type(tn_tx(i)) == type;
    return n;
}

static inline const struct tn_frame *v4_nth(uint16_t type, unsigned nth)
{
    for (unsigned i = 0; i < tn_tx_count(); i++)
        if (v4_frame_type(tn_tx(i)) == type && nth-- == 0)
            return tn_tx(i);
    return NULL;
}

/* A captured IPv4 frame is well formed: version 4, IHL 5, total length the
 * frame's, header checksum right, DF and no fragment offset. */
static inline void v4_assert_ip_ok(const struct tn_frame *f)
{
    assert_non_null(f);
    assert_int_equal(v4_frame_type(f), ETH_P_IP);
    assert_true(f->len >= V4_ETH + 20);
    const uint8_t *h = V4_IP(f);
    assert_int_equal(h[0], 0x45);
    assert_int_equal(get16(h + 2), f->len - V4_ETH);
    assert_int_equal(get16(h + 6), 0x4000);
    assert_int_equal(csum_fold(csum_add(0, h, 20)), 0);
    assert_memory_equal(f->b + 6, v4_mac, 6);
}

/* The transport checksum of a captured IPv4 frame verifies. */
static inline void v4_assert_l4_csum(const struct tn_frame *f)
{
    const uint8_t *h = V4_IP(f);
    struct nb_ip s = nb_ip_from(4, h + 12), d = nb_ip_from(4, h + 16);
    size_t len = get16(h + 2) - 20u;
    if (h[9] == NB_PROTO_ICMP4)
        assert_int_equal(csum_fold(csum_add(0, V4_L4(f), len)), 0);
    else
        assert_int_equal(csum_transport(&s, &d, h[9], V4_L4(f), len), 0);
}

/* A captured ARP frame's fields. */
#define V4_ARP(f) ((f)->b + V4_ETH)
static inline uint16_t v4_arp_op(const struct tn_frame *f) { return get16(V4_ARP(f) + 6); }

/* Captured ARP requests for target ip (broadcast or unicast). */
static inline unsigned v4_count_arp_requests(const uint8_t ip[4])
{
    unsigned n = 0;
    for (unsigned i = 0; i < tn_tx_count(); i++)
        n += tn_is_arp_request(tn_tx(i), ip);
    return n;
}

#endif
