/* net/ip4.c: input validation (each drop with its own counter), what is
 * taken as ours (configured or not), options skipped by IHL, Ethernet
 * padding trimmed, the metadata handed to transports; output header fields,
 * link-layer destinations (broadcast, multicast, on-link, gateway), route
 * and MTU errors, and /31 links (RFC 3021). */
#include "ip4util.h"

static char console[8192];
static struct udp_sock sock;
static struct pkb *cur; /* the buffer under test while it goes up the stack */
static struct {
    unsigned n;
    uint8_t family, hop_limit, l2_multicast;
    uint8_t src[4], dst[4];
    struct netif *nif;
    size_t len;
    uint8_t data[64];
} seen;

#define PORT 9999u

static void sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                    const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)sport;
    seen.n++;
    assert_int_equal(src->family, 4);
    assert_int_equal(dst->family, 4);
    if (cur) {
        seen.family = cur->family;
        seen.hop_limit = cur->hop_limit;
        seen.l2_multicast = cur->l2_multicast;
        seen.nif = cur->nif;
        memcpy(seen.src, cur->src, 4);
        memcpy(seen.dst, cur->dst, 4);
        assert_memory_equal(src->a, cur->src, 4);
        assert_memory_equal(dst->a, cur->dst, 4);
    }
    seen.len = len;
    memcpy(seen.data, data, len < sizeof seen.data ? len : sizeof seen.data);
}

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    v4_up();
    memset(&seen, 0, sizeof seen);
    assert_int_equal(udp_open(&sock, 4, PORT, sock_rx, NULL), NB_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    udp_close(&sock);
    v4_assert_no_leak();
    host_console_capture(NULL, 0);
    return 0;
}

/* An IPv4 packet in an Ethernet frame through eth_input, in our own buffer. */
static void rx_ip(const struct t_pkt *ip, const uint8_t dmac[6], size_t pad_to)
{
    struct t_pkt f;
    v4_eth_hdr(&f, dmac, v4_peer_mac, ETH_P_IP);
    t_put(&f, ip->b, ip->len);
    while (f.len < pad_to)
        t_u8(&f, 0xa5); /* junk, as some NICs pad */
    cur = pkb_alloc();
    assert_non_null(cur);
    memcpy(cur->data, f.b, f.len);
    cur->len = f.len;
    eth_input(cur);
    cur = NULL;
}

/* A UDP datagram src -> dst:PORT with "payload" inside IPv4 (TTL 64). */
static void udp_packet(struct t_pkt *ip, const uint8_t src[4], const uint8_t dst[4])
{
    struct t_pkt u;
    v4_udp(&u, src, dst, 1234, PORT, "payload", 7);
    v4_packet(ip, src, dst, NB_PROTO_UDP, 64, u.b, u.len);
}

static unsigned drops(void)
{
    return nb_counters[CTR_IP4_DROP_SHORT] + nb_counters[CTR_IP4_DROP_VERSION] +
           nb_counters[CTR_IP4_DROP_CSUM] + nb_counters[CTR_IP4_DROP_LEN] +
           nb_counters[CTR_IP4_DROP_FRAG] + nb_counters[CTR_IP4_DROP_NOT_US] +
           nb_counters[CTR_IP4_DROP_PROTO] + nb_counters[CTR_IP4_DROP_SRC];
}

/* ---------------------------------------------------------------- input */

static void test_delivered_with_metadata(void **state)
{
    (void)state;
    struct t_pkt u, ip;
    v4_udp(&u, v4_peer, v4_ip, 1234, PORT, "payload", 7);
    v4_packet(&ip, v4_peer, v4_ip, NB_PROTO_UDP, 17, u.b, u.len);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.family, 4);
    assert_int_equal(seen.hop_limit, 17);
    assert_int_equal(seen.l2_multicast, 0);
    assert_ptr_equal(seen.nif, net_if());
    assert_memory_equal(seen.src, v4_peer, 4);
    assert_memory_equal(seen.dst, v4_ip, 4);
    assert_int_equal(seen.len, 7);
    assert_memory_equal(seen.data, "payload", 7);
    assert_int_equal(nb_counters[CTR_IP4_RX], 1);
    assert_int_equal(drops(), 0);
}

struct mutation {
    const char *what;
    size_t off;       /* byte to set (SIZE_MAX: none) */
    uint8_t val;
    int cut;          /* bytes removed from the end of the packet */
    int fix_csum;     /* recompute the header checksum after the change */
    enum nb_counter reason;
};

static void test_header_checks(void **state)
{
    (void)state;
    const struct mutation m[] = {
        { "version 6", 0, 0x65, 0, 1, CTR_IP4_DROP_VERSION },
        { "version 0", 0, 0x05, 0, 1, CTR_IP4_DROP_VERSION },
        { "IHL 4", 0, 0x44, 0, 0, CTR_IP4_DROP_VERSION },
        { "IHL 0", 0, 0x40, 0, 0, CTR_IP4_DROP_VERSION },
        { "IHL 15 > packet", 0, 0x4f, 0, 0, CTR_IP4_DROP_VERSION },
        { "total length 19 < IHL", 3, 19, 0, 1, CTR_IP4_DROP_LEN },
        { "total length 0", 3, 0, 0, 1, CTR_IP4_DROP_LEN },
        { "total length > packet", 3, 36, 0, 1, CTR_IP4_DROP_LEN },
        { "checksum", 11, 0x00, 0, 0, CTR_IP4_DROP_CSUM },
        { "TTL changed, checksum not", 8, 63, 0, 0, CTR_IP4_DROP_CSUM },
        { "MF", 6, 0x60, 0, 1, CTR_IP4_DROP_FRAG },
        { "MF without DF", 6, 0x20, 0, 1, CTR_IP4_DROP_FRAG },
        { "offset 1", 7, 0x01, 0, 1, CTR_IP4_DROP_FRAG },
        { "offset high bits", 6, 0x50, 0, 1, CTR_IP4_DROP_FRAG },
        { "source 224.x", 12, 224, 0, 1, CTR_IP4_DROP_SRC },
        { "source 239.x", 12, 239, 0, 1, CTR_IP4_DROP_SRC },
        { "source subnet broadcast", 15, 255, 0, 1, CTR_IP4_DROP_SRC },
        { "destination not ours", 19, 77, 0, 1, CTR_IP4_DROP_NOT_US },
        { "destination in another subnet", 18, 2, 0, 1, CTR_IP4_DROP_NOT_US },
        { "protocol 47", 9, 47, 0, 1, CTR_IP4_DROP_PROTO },
        { "19 bytes", SIZE_MAX, 0, 16, 0, CTR_IP4_DROP_SHORT },
    };
    for (unsigned i = 0; i < T_ARRAY_LEN(m); i++) {
        struct t_pkt ip;
        udp_packet(&ip, v4_peer, v4_ip);
        assert_int_equal(ip.len, 35);
        if (m[i].off != SIZE_MAX) {
            if (m[i].off == 11 && m[i].val == 0 && ip.b[11] == 0)
                ip.b[10] ^= 0x01; /* make sure it is wrong */
            else
                ip.b[m[i].off] = m[i].val;
        }
        ip.len -= (size_t)m[i].cut;
        if (m[i].fix_csum)
            v4_fix_csum(&ip);
        v4_zero_counters();
        rx_ip(&ip, v4_mac, 0);
        if (seen.n || nb_counters[m[i].reason] != 1 || drops() != 1)
            fail_msg("%s: delivered %u, counter %u, drops %u", m[i].what, seen.n,
                     nb_counters[m[i].reason], drops());
        assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    }
    /* the two 255.255.255.255 cases: as a source it is refused */
    struct t_pkt ip;
    udp_packet(&ip, v4_bcast, v4_ip);
    v4_zero_counters();
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(nb_counters[CTR_IP4_DROP_SRC], 1);
    assert_int_equal(seen.n, 0);
    /* every cut of a valid packet at exact size: dropped, never read past */
    udp_packet(&ip, v4_peer, v4_ip);
    for (size_t n = 0; n < ip.len; n++) {
        struct t_pkt f;
        v4_eth_hdr(&f, v4_mac, v4_peer_mac, ETH_P_IP);
        t_put(&f, ip.b, n);
        uint8_t *c = t_dup(f.b, f.len);
        tn_rx(c, f.len);
        free(c);
    }
    assert_int_equal(seen.n, 0);
}

static void test_flags_that_are_fine(void **state)
{
    (void)state;
    struct t_pkt ip;
    udp_packet(&ip, v4_peer, v4_ip);
    ip.b[6] = 0x00; /* no DF: still one whole datagram */
    v4_fix_csum(&ip);
    rx_ip(&ip, v4_mac, 0);
    ip.b[1] = 0xb8; /* DSCP EF, ECN 0 */
    v4_fix_csum(&ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 2);
}

static void test_ethernet_padding_trimmed(void **state)
{
    (void)state;
    /* an empty UDP datagram (28 bytes of IPv4) in a 60-byte frame */
    struct t_pkt u, ip;
    v4_udp(&u, v4_peer, v4_ip, 1234, PORT, NULL, 0);
    v4_packet(&ip, v4_peer, v4_ip, NB_PROTO_UDP, 64, u.b, u.len);
    rx_ip(&ip, v4_mac, 60);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.len, 0);
    /* an ICMP echo: its checksum covers everything handed up, so the junk
     * padding must be gone for the reply to happen, and the reply is as
     * long as the request */
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt m;
    v4_echo(&m, 8, 0x0101, 1, 4);
    v4_packet(&ip, v4_peer, v4_ip, NB_PROTO_ICMP4, 64, m.b, m.len);
    rx_ip(&ip, v4_mac, 60);
    assert_int_equal(nb_counters[CTR_ICMP4_DROP_CSUM], 0);
    const struct tn_frame *r = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(r);
    assert_int_equal(r->len, V4_ETH + 20 + 12);
}

static void test_options_skipped(void **state)
{
    (void)state;
    struct t_pkt u, ip;
    v4_udp(&u, v4_peer, v4_ip, 1234, PORT, "payload", 7);
    /* IHL 6: router alert (RFC 2113) */
    ip.len = 0;
    static const uint8_t hdr6[24] = { 0x46, 0, 0, 24 + 15, 0, 1, 0x40, 0, 1, NB_PROTO_UDP, 0, 0,
                                      198, 18, 1, 50, 198, 18, 1, 100, 0x94, 0x04, 0x00, 0x00 };
    t_put(&ip, hdr6, sizeof hdr6);
    t_put(&ip, u.b, u.len);
    v4_fix_csum(&ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.hop_limit, 1);
    assert_memory_equal(seen.data, "payload", 7);
    /* IHL 15: 40 bytes of NOPs and an end-of-options */
    ip.len = 0;
    uint8_t hdr15[60] = { 0x4f, 0, 0, 60 + 15, 0, 1, 0x40, 0, 64, NB_PROTO_UDP, 0, 0,
                          198, 18, 1, 50, 198, 18, 1, 100 };
    memset(hdr15 + 20, 1, 39);
    hdr15[59] = 0;
    t_put(&ip, hdr15, sizeof hdr15);
    t_put(&ip, u.b, u.len);
    v4_fix_csum(&ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.len, 7);
    assert_memory_equal(seen.data, "payload", 7);
}

static void test_broadcast_destinations(void **state)
{
    (void)state;
    struct t_pkt ip;
    udp_packet(&ip, v4_peer, v4_bcast);
    rx_ip(&ip, v4_bcast_mac, 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.l2_multicast, 1);
    assert_memory_equal(seen.dst, v4_bcast, 4);
    udp_packet(&ip, v4_peer, v4_subnet_bcast);
    rx_ip(&ip, v4_bcast_mac, 0);
    assert_int_equal(seen.n, 2);
    assert_memory_equal(seen.dst, v4_subnet_bcast, 4);
    /* multicast groups: none joined */
    static const uint8_t grp[4] = { 224, 0, 0, 1 };
    static const uint8_t grp_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    udp_packet(&ip, v4_peer, grp);
    rx_ip(&ip, grp_mac, 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(nb_counters[CTR_IP4_DROP_NOT_US], 1);
}

static void test_unconfigured_takes_unicast_to_any(void **state)
{
    (void)state;
    v4_up_unconfigured();
    static const uint8_t offered[4] = { 198, 18, 1, 77 }, grp[4] = { 224, 0, 0, 1 };
    struct t_pkt ip;
    udp_packet(&ip, v4_gw, offered); /* a DHCP server unicasting to the offered address */
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1);
    assert_memory_equal(seen.dst, offered, 4);
    udp_packet(&ip, v4_gw, v4_bcast);
    rx_ip(&ip, v4_bcast_mac, 0);
    assert_int_equal(seen.n, 2);
    udp_packet(&ip, v4_gw, grp);
    rx_ip(&ip, v4_bcast_mac, 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(nb_counters[CTR_IP4_DROP_NOT_US], 1);
}

/* ---------------------------------------------------------------- output */

/* A pkb holding n bytes of pattern, as a transport would hand down. */
static struct pkb *payload(size_t n)
{
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    uint8_t *d = pkb_put(p, n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(i + 1);
    return p;
}

static void test_output_header_fields(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    assert_int_equal(ip4_output(payload(12), NB_PROTO_UDP, NULL, v4_peer, 0), NB_OK);
    assert_int_equal(ip4_output(payload(12), NB_PROTO_UDP, NULL, v4_peer, 1), NB_OK);
    static const uint8_t src0[4] = { 198, 18, 1, 200 };
    assert_int_equal(ip4_output(payload(1), NB_PROTO_TCP, src0, v4_peer, 0), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 3);
    const struct tn_frame *a = v4_nth(ETH_P_IP, 0), *b = v4_nth(ETH_P_IP, 1), *c = v4_nth(ETH_P_IP, 2);
    v4_assert_ip_ok(a);
    v4_assert_ip_ok(b);
    v4_assert_ip_ok(c);
    const uint8_t *h = V4_IP(a);
    assert_memory_equal(a->b, v4_peer_mac, 6);
    assert_int_equal(h[0], 0x45);
    assert_int_equal(h[1], 0);
    assert_int_equal(get16(h + 2), 32);
    assert_int_equal(get16(h + 6), 0x4000); /* DF */
    assert_int_equal(h[8], 64);
    assert_int_equal(h[9], NB_PROTO_UDP);
    assert_memory_equal(h + 12, v4_ip, 4);
    assert_memory_equal(h + 16, v4_peer, 4);
    assert_int_equal(V4_L4(a)[0], 1);
    assert_int_equal(V4_L4(a)[11], 12);
    /* the ID goes up by one per datagram; a TTL asked for is used */
    assert_int_equal(get16(V4_IP(b) + 4), (uint16_t)(get16(h + 4) + 1));
    assert_int_equal(V4_IP(b)[8], 1);
    /* an explicit source address is used as given */
    assert_memory_equal(V4_IP(c) + 12, src0, 4);
    assert_int_equal(V4_IP(c)[9], NB_PROTO_TCP);
    assert_int_equal(c->len, V4_ETH + 21);
    assert_int_equal(nb_counters[CTR_IP4_TX], 3);
}

static void test_output_broadcast_and_multicast_macs(void **state)
{
    (void)state;
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_bcast, 0), NB_OK);
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_subnet_bcast, 0), NB_OK);
    static const struct { uint8_t ip[4]; uint8_t mac[6]; } mc[] = {
        { { 224, 0, 0, 251 }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb } },
        { { 239, 255, 128, 1 }, { 0x01, 0x00, 0x5e, 0x7f, 0x80, 0x01 } },
        { { 224, 128, 0, 1 }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } }, /* 23 bits only */
    };
    for (unsigned i = 0; i < T_ARRAY_LEN(mc); i++)
        assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, mc[i].ip, 1), NB_OK);
    assert_int_equal(v4_count(ETH_P_ARP), 0); /* nothing to resolve */
    assert_int_equal(v4_count(ETH_P_IP), 2 + T_ARRAY_LEN(mc));
    assert_memory_equal(v4_nth(ETH_P_IP, 0)->b, v4_bcast_mac, 6);
    assert_memory_equal(v4_nth(ETH_P_IP, 1)->b, v4_bcast_mac, 6);
    for (unsigned i = 0; i < T_ARRAY_LEN(mc); i++) {
        const struct tn_frame *f = v4_nth(ETH_P_IP, 2 + i);
        v4_assert_ip_ok(f);
        assert_memory_equal(f->b, mc[i].mac, 6);
        assert_memory_equal(V4_IP(f) + 16, mc[i].ip, 4);
    }
}

static void test_output_on_link_and_via_gateway(void **state)
{
    (void)state;
    /* on-link: ARP for the destination itself */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_peer, 0), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
    assert_int_equal(v4_count(ETH_P_IP), 0);
    /* off-link: ARP for the router, the packet keeps its destination */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_remote, 0), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_gw), 1);
    assert_int_equal(v4_count_arp_requests(v4_remote), 0);
    v4_rx_arp_reply(v4_gw, v4_gw_mac);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(f);
    assert_memory_equal(f->b, v4_gw_mac, 6);
    assert_memory_equal(V4_IP(f) + 16, v4_remote, 4);
    /* an address in 198.18.0.0/16 but outside our /24 is off-link too */
    static const uint8_t near[4] = { 198, 18, 2, 1 };
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, near, 0), NB_OK);
    f = v4_nth(ETH_P_IP, 1);
    assert_non_null(f);
    assert_memory_equal(f->b, v4_gw_mac, 6);
}

static void test_output_no_route(void **state)
{
    (void)state;
    v4_up_mask(v4_mask24, NULL); /* no router */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_remote, 0), NB_E_NO_ROUTE);
    assert_int_equal(nb_counters[CTR_IP4_TX_NOROUTE], 1);
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* on-link still works */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_peer, 0), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
}

static void test_output_unconfigured(void **state)
{
    (void)state;
    v4_up_unconfigured();
    uint8_t src[4];
    assert_int_equal(ip4_select_src(v4_peer, src), NB_E_NO_ADDRESS);
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_peer, 0), NB_E_NO_ADDRESS);
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, v4_any, v4_peer, 0), NB_E_NO_ROUTE);
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* DHCP: 0.0.0.0 -> 255.255.255.255 goes out */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, v4_any, v4_bcast, 0), NB_OK);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(f);
    assert_memory_equal(f->b, v4_bcast_mac, 6);
    assert_memory_equal(V4_IP(f) + 12, v4_any, 4);
    /* and configured, the interface address is the source */
    net_ip4_configure(v4_ip, v4_mask24, v4_gw);
    assert_int_equal(ip4_select_src(v4_peer, src), NB_OK);
    assert_memory_equal(src, v4_ip, 4);
}

static void test_output_mtu(void **state)
{
    (void)state;
    assert_int_equal(ip4_output(payload(1480), NB_PROTO_UDP, NULL, v4_bcast, 0), NB_OK);
    assert_int_equal(v4_nth(ETH_P_IP, 0)->len, V4_ETH + 1500);
    assert_int_equal(ip4_output(payload(1481), NB_PROTO_UDP, NULL, v4_bcast, 0), NB_E_MSG_TOO_BIG);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* a smaller link */
    tn_up(v4_mac, 1280);
    net_ip4_configure(v4_ip, v4_mask24, v4_gw);
    tn_tx_clear();
    assert_int_equal(ip4_output(payload(1261), NB_PROTO_UDP, NULL, v4_bcast, 0), NB_E_MSG_TOO_BIG);
    assert_int_equal(ip4_output(payload(1260), NB_PROTO_UDP, NULL, v4_bcast, 0), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    struct nb_ip d = nb_ip_from(4, v4_bcast);
    assert_int_equal(ip_max_payload(&d), 1260);
}

static void test_output_never_from_a_broadcast_source(void **state)
{
    (void)state;
    /* RFC 1122 §3.2.1.3: a broadcast or multicast address is never a source */
    static const uint8_t grp[4] = { 224, 0, 0, 1 };
    const uint8_t *bad[] = { v4_bcast, v4_subnet_bcast, grp };
    v4_learn(v4_peer, v4_peer_mac);
    for (unsigned i = 0; i < T_ARRAY_LEN(bad); i++)
        assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, bad[i], v4_peer, 0), NB_E_INVALID);
    assert_int_equal(nb_counters[CTR_IP4_TX_BAD_SRC], T_ARRAY_LEN(bad));
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* end to end: a TCP segment to the limited broadcast address in a frame
     * to our MAC gets no RST from 255.255.255.255 (nor from anywhere) */
    static const uint8_t syn[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };
    uint8_t seg[20];
    memcpy(seg, syn, 20);
    struct nb_ip s = nb_ip_from(4, v4_peer), d = nb_ip_from(4, v4_bcast);
    put16(seg + 16, csum_transport(&s, &d, NB_PROTO_TCP, seg, 20));
    struct t_pkt ip;
    v4_packet(&ip, v4_peer, v4_bcast, NB_PROTO_TCP, 64, seg, 20);
    rx_ip(&ip, v4_mac, 0);
    for (unsigned i = 0; i < tn_tx_count(); i++) {
        const struct tn_frame *f = tn_tx(i);
        if (v4_frame_type(f) == ETH_P_IP)
            assert_memory_equal(V4_IP(f) + 12, v4_ip, 4);
    }
}

static void test_output_never_to_this_network(void **state)
{
    (void)state;
    /* RFC 1122 §3.2.1.3: 0.0.0.0 and 0.x.y.z are only ever sources */
    static const uint8_t zero_net[4] = { 0, 1, 2, 3 };
    v4_learn(v4_gw, v4_gw_mac);
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_any, 0), NB_E_NO_ROUTE);
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, zero_net, 0), NB_E_NO_ROUTE);
    assert_int_equal(nb_counters[CTR_IP4_TX_NOROUTE], 2);
    assert_int_equal(tn_tx_count(), 0);
    /* end to end: a datagram from 0.0.0.0 is taken (an initialization
     * procedure may send one), but an answer to its source goes nowhere */
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 4, 5000, sock_rx, NULL), NB_OK);
    struct t_pkt ip;
    udp_packet(&ip, v4_any, v4_ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1);
    struct nb_ip to = nb_ip_from(4, v4_any);
    assert_int_equal(udp_sendto(&s, NULL, &to, 1234, "re", 2), NB_E_NO_ROUTE);
    assert_int_equal(tn_tx_count(), 0);
    udp_close(&s);
}

/* ip.c: the family dispatch transports use */
static void test_ip_output_dispatch(void **state)
{
    (void)state;
    struct nb_ip dst = nb_ip_from(4, v4_bcast), none = { 0 };
    assert_int_equal(ip_output(payload(8), NB_PROTO_UDP, NULL, &dst), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    assert_int_equal(ip_output(payload(8), NB_PROTO_UDP, NULL, &none), NB_E_INVALID);
    struct nb_ip src;
    assert_int_equal(ip_select_src(&none, &src), NB_E_INVALID);
    assert_int_equal(ip_max_payload(&dst), 1480);
    /* IPv6 too: a multicast address is never a source (RFC 4291 §2.7), as
     * when TCP would answer a segment sent to a group in a unicast frame */
    static const uint8_t grp6[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = 0x12, [14] = 0x34, [15] = 0x56 };
    static const uint8_t peer6[16] = { 0xfe, 0x80, [15] = 2 };
    struct nb_ip s6 = nb_ip_from(6, grp6), d6 = nb_ip_from(6, peer6);
    tn_tx_clear();
    assert_int_equal(ip_output(payload(20), NB_PROTO_TCP, &s6, &d6), NB_E_INVALID);
    assert_int_equal(nb_counters[CTR_IP6_TX_BAD_SRC], 1);
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

/* ---------------------------------------------------------------- /31 and /32 */

static void test_point_to_point_31(void **state)
{
    (void)state;
    /* RFC 3021: on a /31 both addresses are hosts; there is no broadcast */
    static const uint8_t mask31[4] = { 255, 255, 255, 254 };
    static const uint8_t ip_odd[4] = { 198, 18, 1, 101 };
    v4_up_mask(mask31, ip_odd);
    struct t_pkt ip;
    udp_packet(&ip, ip_odd, v4_ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1); /* the other end's packets are not from a broadcast address */
    assert_int_equal(nb_counters[CTR_IP4_DROP_SRC], 0);
    /* and packets to it are unicast, resolved by ARP */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, ip_odd, 0), NB_OK);
    assert_int_equal(v4_count_arp_requests(ip_odd), 1);
    assert_int_equal(v4_count(ETH_P_IP), 0);
}

static void test_host_route_32(void **state)
{
    (void)state;
    static const uint8_t mask32[4] = { 255, 255, 255, 255 };
    v4_up_mask(mask32, v4_gw);
    /* everything, the router's own subnet included, goes via the router */
    assert_int_equal(ip4_output(payload(8), NB_PROTO_UDP, NULL, v4_peer, 0), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_gw), 1);
    assert_int_equal(v4_count_arp_requests(v4_peer), 0);
    struct t_pkt ip;
    udp_packet(&ip, v4_gw, v4_ip);
    rx_ip(&ip, v4_mac, 0);
    assert_int_equal(seen.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivered_with_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags_that_are_fine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ethernet_padding_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfigured_takes_unicast_to_any, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_header_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_broadcast_and_multicast_macs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_on_link_and_via_gateway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_no_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_unconfigured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_mtu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_never_from_a_broadcast_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_never_to_this_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_output_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_point_to_point_31, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_route_32, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
