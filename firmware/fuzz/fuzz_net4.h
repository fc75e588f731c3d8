/*
 * Shared harness for the IPv4-side fuzz targets fuzz_eth, fuzz_ip4 and
 * fuzz_arp (header-only): the whole stack on a netdev that checks every
 * frame we send, a fake clock, deterministic DRBG seeding, and a stack in a
 * useful state (198.18.1.100/24 with router 198.18.1.1 resolved, IPv6
 * link-local and a SLAAC address up, UDP sockets that answer what they get).
 *
 * Invariants checked (abort() on violation):
 *   - every frame we send is well formed: our source MAC; ARP: Ethernet/IPv4
 *     sizes, request or reply, our MAC and our address (or 0.0.0.0 for a
 *     probe) as sender; IPv4: version 4, IHL 5, total length = the frame's,
 *     header checksum right, DF and no fragment offset, a source that is our
 *     address or 0.0.0.0 and never a broadcast/multicast one, a destination
 *     outside 0.0.0.0/8, the link-layer
 *     destination matching the IP one (broadcast, 01:00:5e group, else a
 *     unicast MAC), UDP length and checksum (never 0), TCP and ICMP
 *     checksums; IPv6: ip6_parse delivers it at its full length, within the
 *     MTU, ICMPv6/UDP/TCP checksums right, ND messages with hop limit 255;
 *   - no packet buffer leaks: after each input, once the timers that can
 *     hold buffers (ARP and ND resolution) have run out, every buffer is
 *     back in the pool (f4_end).
 */
#ifndef NB_FUZZ_NET4_H
#define NB_FUZZ_NET4_H
#include <stdlib.h>
#include <string.h>
#include "core/drbg.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "fuzz_clock.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/eth.h"
#include "net/icmp6.h"
#include "net/ip.h"
#include "net/ip4.h"
#include "net/ip6.h"
#include "net/nd6.h"
#include "net/netif.h"
#include "net/stack.h"
#include "net/udp.h"
#include "platform/host/host.h"

static const uint8_t f4_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t f4_ip[4] = { 198, 18, 1, 100 };
static const uint8_t f4_mask[4] = { 255, 255, 255, 0 };
static const uint8_t f4_gw[4] = { 198, 18, 1, 1 };
static const uint8_t f4_gw_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t f4_peer[4] = { 198, 18, 1, 50 };
static const uint8_t f4_peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x32 };
static const uint8_t f4_bcast[4] = { 255, 255, 255, 255 };
static const uint8_t f4_subnet_bcast[4] = { 198, 18, 1, 255 };
static const uint8_t f4_rtr_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t f4_global6[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0,
                                        0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };

static uint64_t f4_now = 1000000000ull;
static char f4_console[4096];
static unsigned f4_inputs;
static int f4_configured;

/* ---------------------------------------------------------------- frame checks */

static void f4_check_ip4(const uint8_t *f, const uint8_t *ip, size_t iplen)
{
    if (iplen < 20 || ip[0] != 0x45 || get16(ip + 2) != iplen || iplen > net_if()->mtu)
        abort();
    if (csum_fold(csum_add(0, ip, 20)) != 0)
        abort();
    if (get16(ip + 6) != 0x4000 || ip[8] == 0)
        abort();
    const uint8_t *src = ip + 12, *dst = ip + 16;
    static const uint8_t zero[4];
    if (memcmp(src, zero, 4) != 0 && !(net_if()->ip4_up && memcmp(src, net_if()->ip4, 4) == 0))
        abort(); /* only from our address (or 0.0.0.0, DHCP) */
    if ((src[0] & 0xf0) == 0xe0 || memcmp(src, f4_bcast, 4) == 0)
        abort();
    if (dst[0] == 0)
        abort(); /* 0.0.0.0/8 is never a destination */
    /* the link-layer destination matches the IP one */
    if (memcmp(dst, f4_bcast, 4) == 0) {
        if (memcmp(f, eth_broadcast, 6) != 0)
            abort();
    } else if ((dst[0] & 0xf0) == 0xe0) {
        if (f[0] != 0x01 || f[1] != 0x00 || f[2] != 0x5e || f[3] != (dst[1] & 0x7f) ||
            f[4] != dst[2] || f[5] != dst[3])
            abort();
    } else if (memcmp(f, eth_broadcast, 6) != 0 && (f[0] & 1)) {
        abort(); /* unicast IP to a group MAC */
    }
    const uint8_t *l4 = ip + 20;
    size_t len = iplen - 20;
    struct nb_ip s = nb_ip_from(4, src), d = nb_ip_from(4, dst);
    switch (ip[9]) {
    case NB_PROTO_ICMP4:
        if (len < 8 || csum_fold(csum_add(0, l4, len)) != 0)
            abort();
        break;
    case NB_PROTO_UDP:
        if (len < 8 || get16(l4 + 4) != len || get16(l4 + 6) == 0 ||
            csum_transport(&s, &d, NB_PROTO_UDP, l4, len) != 0)
            abort();
        break;
    case NB_PROTO_TCP:
        if (len < 20 || csum_transport(&s, &d, NB_PROTO_TCP, l4, len) != 0)
            abort();
        break;
    default:
        abort(); /* we send nothing else */
    }
}

static void f4_check_ip6(const uint8_t *ip, size_t iplen)
{
    struct ip6_parsed v;
    if (ip6_parse(ip, iplen, &v) != IP6_DELIVER || v.total_len != iplen)
        abort();
    if (iplen > net_if()->mtu)
        abort();
    struct nb_ip s = nb_ip_from(6, v.src), d = nb_ip_from(6, v.dst);
    const uint8_t *l4 = ip + v.off;
    size_t len = iplen - v.off;
    if (v.proto == NB_PROTO_ICMP6 || v.proto == NB_PROTO_UDP || v.proto == NB_PROTO_TCP) {
        if (len < 4 || csum_transport(&s, &d, v.proto, l4, len) != 0)
            abort();
    }
    if (v.proto == NB_PROTO_ICMP6 && l4[0] >= ICMP6_ND_RS && l4[0] <= ICMP6_ND_REDIRECT &&
        v.hop_limit != 255)
        abort();
}

static void f4_check_arp(const uint8_t *f, const uint8_t *a, size_t len)
{
    static const uint8_t zero[4];
    if (len != 28 || get16(a) != 1 || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4)
        abort();
    uint16_t op = get16(a + 6);
    if (op != 1 && op != 2)
        abort();
    if (memcmp(a + 8, f4_mac, 6) != 0)
        abort();
    if (memcmp(a + 14, zero, 4) != 0 && !(net_if()->ip4_up && memcmp(a + 14, net_if()->ip4, 4) == 0))
        abort();
    if (op == 2 && (memcmp(f, a + 18, 6) != 0 || (f[0] & 1)))
        abort(); /* a reply goes to the asker, unicast */
    if (op == 1 && memcmp(f, eth_broadcast, 6) != 0 && (f[0] & 1))
        abort();
}

static void f4_check_frame(const uint8_t *f, size_t len)
{
    if (len < ETH_HLEN || len > ETH_HLEN + 4 + net_if()->mtu)
        abort();
    if (memcmp(f + 6, f4_mac, 6) != 0)
        abort();
    size_t hlen = ETH_HLEN;
    uint16_t type = get16(f + 12);
    if (net_if()->vlan) {
        if (type != ETH_P_8021Q || len < ETH_HLEN + 4 || (get16(f + 14) & 0x0fff) != net_if()->vlan)
            abort();
        type = get16(f + 16);
        hlen += 4;
    }
    switch (type) {
    case ETH_P_IP: f4_check_ip4(f, f + hlen, len - hlen); break;
    case ETH_P_IPV6: f4_check_ip6(f + hlen, len - hlen); break;
    case ETH_P_ARP: f4_check_arp(f, f + hlen, len - hlen); break;
    default: abort();
    }
}

/* A target's own checks on every frame sent (after the common ones). */
static void (*f4_tx_hook)(const uint8_t *frame, size_t len);

static nb_err f4_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    f4_check_frame(frame, len);
    if (f4_tx_hook)
        f4_tx_hook(frame, len);
    return NB_OK;
}
static int f4_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    (void)dev, (void)buf, (void)cap;
    return 0;
}
static void f4_wait(struct netdev *dev, uint64_t deadline)
{
    (void)dev, (void)deadline;
}
static int f4_link(struct netdev *dev)
{
    (void)dev;
    return 1;
}
static const struct netdev_ops f4_ops = { f4_tx, f4_rx, f4_wait, f4_link };
static struct netdev f4_dev = { .ops = &f4_ops, .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
                                .mtu = 1500, .name = "fuzz4" };

/* ---------------------------------------------------------------- time */

static void f4_advance_us(uint64_t us) { fuzz_advance_us(&f4_now, us); }

/* ---------------------------------------------------------------- sockets */

/* UDP sockets that answer every datagram with its first bytes (so the
 * output path runs on what the fuzzer chose: addresses, ports, sizes). */
static struct udp_sock f4_socks[4];
static const uint16_t f4_ports[4] = { 68, 69, 5000, 40000 };

static void f4_sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                       const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)dst;
    if (sport == 0 || !len)
        return;
    udp_sendto(s, NULL, src, sport, data, len > 512 ? 512 : len);
}

/* ---------------------------------------------------------------- bring-up */

static void f4_rx_frame(const uint8_t *f, size_t len)
{
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    if (len > PKB_DATA_MAX)
        len = PKB_DATA_MAX;
    memcpy(p->data, f, len);
    p->len = len;
    eth_input(p);
}

/* An ARP reply from (ip, mac) to us. */
static void f4_rx_arp_reply(const uint8_t ip[4], const uint8_t mac[6])
{
    uint8_t f[42];
    memcpy(f, f4_mac, 6);
    memcpy(f + 6, mac, 6);
    put16(f + 12, ETH_P_ARP);
    static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
    memcpy(f + 14, hdr, 8);
    memcpy(f + 22, mac, 6);
    memcpy(f + 28, ip, 4);
    memcpy(f + 32, f4_mac, 6);
    memcpy(f + 38, f4_ip, 4);
    f4_rx_frame(f, sizeof f);
}

/* The lab RA: router fe80::1, prefix fd00:b007:1::/64 (L, A). */
static void f4_rx_ra(void)
{
    static const uint8_t ra[16 + 8 + 32] = {
        134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 0x52, 0x54, 0x00, 0x00, 0x00, 0x01,
        3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x38, 0x40, 0, 0, 0, 0,
        0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    uint8_t f[ETH_HLEN + IP6_HLEN + sizeof ra];
    static const uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
    memcpy(f, mc, 6);
    memcpy(f + 6, f4_gw_mac, 6);
    put16(f + 12, ETH_P_IPV6);
    uint8_t *ip = f + ETH_HLEN;
    put32(ip, 0x60000000u);
    put16(ip + 4, sizeof ra);
    ip[6] = NB_PROTO_ICMP6;
    ip[7] = 255;
    memcpy(ip + 8, f4_rtr_ll, 16);
    memcpy(ip + 24, ip6_all_nodes, 16);
    memcpy(ip + IP6_HLEN, ra, sizeof ra);
    struct nb_ip s = nb_ip_from(6, f4_rtr_ll), d = nb_ip_from(6, ip6_all_nodes);
    put16(ip + IP6_HLEN + 2, csum_transport(&s, &d, NB_PROTO_ICMP6, ip + IP6_HLEN, sizeof ra));
    f4_rx_frame(f, sizeof f);
}

/* A fresh stack: configured (or not, as during DHCP), the router's MAC
 * known, IPv6 up with a router, the answering UDP sockets open. */
static void f4_bring_up(int configured)
{
    static const uint8_t seed[64] = { 0x6e, 0x62, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x34 };
    static int seeded;
    host_console_capture(f4_console, sizeof f4_console);
    if (!seeded) {
        host_fake_entropy(seed, sizeof seed);
        if (nb_drbg_init("fuzz-net4", 9, NULL) != NB_OK)
            abort();
        host_fake_entropy(NULL, 0);
        seeded = 1;
    }
    host_fake_now_us(f4_now);
    struct nd6_params prm;
    nd6_params_default(&prm);
    prm.start_delay_max_ms = 0;
    nd6_set_params(&prm);
    for (unsigned i = 0; i < 4; i++)
        udp_close(&f4_socks[i]);
    net_init(&f4_dev);
    arp_flush();
    f4_configured = configured;
    if (configured) {
        net_ip4_configure(f4_ip, f4_mask, f4_gw);
        f4_rx_arp_reply(f4_gw, f4_gw_mac);
    }
    for (unsigned i = 0; i < 4; i++)
        if (udp_open(&f4_socks[i], i == 3 ? 0 : 4, f4_ports[i], f4_sock_rx, NULL) != NB_OK)
            abort();
    f4_advance_us(1100000);
    f4_rx_ra();
    f4_advance_us(1100000);
}

/* After each input (and each bring-up): buffers still held can only be
 * packets waiting for ARP or ND; those give up within their retry limits
 * (ARP 3 s; ND 3 tries of an RA-settable retransmit time of at most 60 s).
 * Run the clock until every buffer is back in the pool, or abort: one
 * leaked. */
static void f4_end(void)
{
    for (unsigned i = 0; i < 200 && pkb_pool_free_count() != PKB_POOL_SIZE; i++)
        f4_advance_us(1000000);
    if (pkb_pool_free_count() != PKB_POOL_SIZE)
        abort();
}

/* Before each input: a fresh stack every 512 inputs (configured three
 * times in four). */
static void f4_begin(void)
{
    if (f4_inputs++ % 512 == 0) {
        f4_bring_up((f4_inputs / 512) % 4 != 3);
        f4_end();
    }
    host_console_capture(f4_console, sizeof f4_console);
}

#endif
