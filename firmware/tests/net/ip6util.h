/*
 * IPv6 test helpers shared by test_ip6.c, test_icmp6.c and test_nd6.c
 * (header-only): the lab's addresses, frame builders for IPv6 / ICMPv6 / ND
 * with correct checksums, and accessors for what the stack sent.
 */
#ifndef NB_TEST_IP6UTIL_H
#define NB_TEST_IP6UTIL_H
#include "testutil.h"
#include "testnet.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/icmp6.h"
#include "net/ip.h"
#include "net/ip6.h"
#include "net/nd6.h"
#include "net/udp.h"

static const uint8_t v6_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t v6_ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t v6_global[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t v6_prefix[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1 };
static const uint8_t v6_rtr_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t v6_rtr_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t v6_peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t v6_peer_ll[16] = { 0xfe, 0x80, [15] = 2 };
static const uint8_t v6_peer_global[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t v6_remote[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
static const uint8_t v6_dns[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x53 };
static const uint8_t v6_unspec[16];
static const uint8_t v6_all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
#define V6_SNODE(a) { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, (a)[13], (a)[14], (a)[15] }

#define V6_ETH 14u

/* Ethernet + IPv6 header + payload. */
static inline void v6_frame(struct t_pkt *f, const uint8_t dmac[6], const uint8_t smac[6],
                            const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
                            uint8_t hop, const uint8_t *payload, size_t plen)
{
    f->len = 0;
    t_put(f, dmac, 6);
    t_put(f, smac, 6);
    t_be16(f, 0x86dd);
    t_be32(f, 0x60000000u);
    t_be16(f, (uint16_t)plen);
    t_u8(f, nh);
    t_u8(f, hop);
    t_put(f, src, 16);
    t_put(f, dst, 16);
    t_put(f, payload, plen);
}

/* Fill the ICMPv6 checksum of msg (len bytes) for src -> dst. */
static inline void v6_icmp_csum(uint8_t *msg, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, dst);
    msg[2] = msg[3] = 0;
    uint16_t c = csum_transport(&s, &d, NB_PROTO_ICMP6, msg, len);
    msg[2] = (uint8_t)(c >> 8);
    msg[3] = (uint8_t)c;
}

/* An ICMPv6 message in an IPv6 frame, checksum filled. */
static inline void v6_icmp_frame(struct t_pkt *f, const uint8_t dmac[6], const uint8_t smac[6],
                                 const uint8_t src[16], const uint8_t dst[16], uint8_t hop,
                                 const struct t_pkt *msg)
{
    struct t_pkt m = *msg;
    v6_icmp_csum(m.b, m.len, src, dst);
    v6_frame(f, dmac, smac, src, dst, NB_PROTO_ICMP6, hop, m.b, m.len);
}

static inline void v6_snode_mac(const uint8_t a[16], uint8_t mac[6])
{
    mac[0] = mac[1] = 0x33;
    mac[2] = 0xff;
    memcpy(mac + 3, a + 13, 3);
}

/* ---- ND message bodies ---- */

static inline void v6_opt_lla(struct t_pkt *m, uint8_t type, const uint8_t mac[6])
{
    t_u8(m, type);
    t_u8(m, 1);
    t_put(m, mac, 6);
}

static inline void v6_ra_begin(struct t_pkt *m, uint8_t hop_limit, uint8_t flags,
                               uint16_t lifetime, uint32_t reachable, uint32_t retrans)
{
    m->len = 0;
    t_u8(m, 134);
    t_u8(m, 0);
    t_be16(m, 0);
    t_u8(m, hop_limit);
    t_u8(m, flags);
    t_be16(m, lifetime);
    t_be32(m, reachable);
    t_be32(m, retrans);
}

static inline void v6_opt_pio(struct t_pkt *m, const uint8_t prefix[16], uint8_t plen,
                              uint8_t flags, uint32_t valid, uint32_t preferred)
{
    t_u8(m, 3);
    t_u8(m, 4);
    t_u8(m, plen);
    t_u8(m, flags);
    t_be32(m, valid);
    t_be32(m, preferred);
    t_be32(m, 0);
    t_put(m, prefix, 16);
}

static inline void v6_opt_mtu(struct t_pkt *m, uint32_t mtu)
{
    t_u8(m, 5);
    t_u8(m, 1);
    t_be16(m, 0);
    t_be32(m, mtu);
}

static inline void v6_opt_rdnss(struct t_pkt *m, const uint8_t addr[16], uint32_t lifetime)
{
    t_u8(m, 25);
    t_u8(m, 3);
    t_be16(m, 0);
    t_be32(m, lifetime);
    t_put(m, addr, 16);
}

/* DNSSL with one domain given as labels ("\3lab\7example"), zero padded. */
static inline void v6_opt_dnssl(struct t_pkt *m, const char *labels, uint32_t lifetime)
{
    size_t n = strlen(labels) + 1, total = 8 + n;
    total = (total + 7) / 8 * 8;
    t_u8(m, 31);
    t_u8(m, (uint8_t)(total / 8));
    t_be16(m, 0);
    t_be32(m, lifetime);
    t_put(m, labels, n);
    t_zeros(m, total - 8 - n);
}

#define V6_PIO_L 0x80u
#define V6_PIO_A 0x40u

/* The lab RA: router fe80::1, lifetime 1800, prefix fd00:b007:1::/64 L+A. */
static inline void v6_lab_ra(struct t_pkt *m, uint32_t valid, uint32_t preferred)
{
    v6_ra_begin(m, 64, 0, 1800, 0, 0);
    v6_opt_lla(m, 1, v6_rtr_mac);
    v6_opt_pio(m, v6_prefix, 64, V6_PIO_L | V6_PIO_A, valid, preferred);
}

static inline void v6_send_ra(const struct t_pkt *m)
{
    struct t_pkt f;
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, v6_rtr_ll, ip6_all_nodes, 255, m);
    tn_rx(f.b, f.len);
}

static inline void v6_ns_body(struct t_pkt *m, const uint8_t target[16], const uint8_t *slla)
{
    m->len = 0;
    t_u8(m, 135);
    t_u8(m, 0);
    t_be16(m, 0);
    t_be32(m, 0);
    t_put(m, target, 16);
    if (slla)
        v6_opt_lla(m, 1, slla);
}

static inline void v6_na_body(struct t_pkt *m, const uint8_t target[16], uint8_t flags,
                              const uint8_t *tlla)
{
    m->len = 0;
    t_u8(m, 136);
    t_u8(m, 0);
    t_be16(m, 0);
    t_u8(m, flags);
    t_zeros(m, 3);
    t_put(m, target, 16);
    if (tlla)
        v6_opt_lla(m, 2, tlla);
}
#define V6_NA_R 0x80u
#define V6_NA_S 0x40u
#define V6_NA_O 0x20u

/* ---- what the stack sent ---- */

/* Offsets inside a captured untagged frame. */
#define V6_IP(f) ((f)->b + V6_ETH)
#define V6_SRC(f) ((f)->b + V6_ETH + 8)
#define V6_DST(f) ((f)->b + V6_ETH + 24)
#define V6_L4(f) ((f)->b + V6_ETH + 40)

static inline int v6_is_ip6(const struct tn_frame *f)
{
    return f->len >= V6_ETH + 40 && f->b[12] == 0x86 && f->b[13] == 0xdd;
}

/* The icmp type of a captured frame without extension headers, or -1. */
static inline int v6_icmp_type(const struct tn_frame *f)
{
    if (!v6_is_ip6(f) || f->b[V6_ETH + 6] != NB_PROTO_ICMP6 || f->len < V6_ETH + 44)
        return -1;
    return V6_L4(f)[0];
}

/* Index of the n-th (from 0) captured ICMPv6 message of `type`, or -1. */
static inline int v6_find_icmp(int type, unsigned nth)
{
    for (unsigned i = 0; i < tn_tx_count(); i++)
        if (v6_icmp_type(tn_tx(i)) == type && nth-- == 0)
            return (int)i;
    return -1;
}

static inline unsigned v6_count_icmp(int type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tn_tx_count(); i++)
        n += v6_icmp_type(tn_tx(i)) == type;
    return n;
}

/* The ICMPv6 checksum of a captured frame verifies. */
static inline void v6_assert_icmp_csum(const struct tn_frame *f)
{
    size_t plen = get16(V6_IP(f) + 4);
    assert_true(V6_ETH + 40 + plen <= f->len);
    struct nb_ip s = nb_ip_from(6, V6_SRC(f)), d = nb_ip_from(6, V6_DST(f));
    assert_int_equal(csum_transport(&s, &d, NB_PROTO_ICMP6, V6_L4(f), plen), 0);
}

/* Bring up with fixed, fast timing: no start delay unless asked. */
static inline void v6_up_params(const struct nd6_params *prm)
{
    nd6_set_params(prm);
    tn_up(v6_mac, 1500);
}

static inline void v6_up(void)
{
    struct nd6_params prm;
    nd6_params_default(&prm);
    prm.start_delay_max_ms = 0;
    v6_up_params(&prm);
}

/* Up, link-local through DAD, an RA taken and the SLAAC address through DAD. */
static inline void v6_up_with_router(void)
{
    struct t_pkt m;
    v6_up();
    tn_advance_ms(1100);
    v6_lab_ra(&m, 86400, 14400);
    v6_send_ra(&m);
    tn_advance_ms(1100);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_PREFERRED);
    tn_tx_clear();
}

static inline uint32_t v6_counter(enum nb_counter c) { return nb_counters[c]; }

#endif
