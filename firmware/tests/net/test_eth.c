/* net/eth.c: which frames are taken (our MAC, broadcast, multicast — not
 * another station's), short frames, 802.1Q tags on and off our VLAN,
 * unknown ethertypes counted, the metadata handed up (interface, L2
 * multicast), and the header eth_output writes (with the VLAN tag). */
#include "ip4util.h"

static char console[8192];
static struct udp_sock sock;
static struct pkb *cur; /* the buffer under test while it goes up the stack */
static struct {
    unsigned n;
    uint8_t l2_multicast, family;
    struct netif *nif;
    size_t len;
    uint8_t data[32];
} seen;

static void sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                    const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)src, (void)sport, (void)dst;
    seen.n++;
    assert_non_null(cur);
    seen.l2_multicast = cur->l2_multicast;
    seen.family = cur->family;
    seen.nif = cur->nif;
    seen.len = len;
    memcpy(seen.data, data, len < sizeof seen.data ? len : sizeof seen.data);
}

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    v4_up();
    memset(&seen, 0, sizeof seen);
    assert_int_equal(udp_open(&sock, 4, 9999, sock_rx, NULL), NB_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    udp_close(&sock);
    net_if()->vlan = 0;
    v4_assert_no_leak();
    host_console_capture(NULL, 0);
    return 0;
}

/* A frame through eth_input in a buffer of our own (cur). */
static void rx_frame(const uint8_t *f, size_t len)
{
    cur = pkb_alloc();
    assert_non_null(cur);
    memcpy(cur->data, f, len);
    cur->len = len;
    eth_input(cur);
    cur = NULL;
}

/* Ethernet (optionally tagged with tci) + IPv4 + UDP to port 9999. */
static void udp_frame(struct t_pkt *f, const uint8_t dmac[6], const uint8_t dst_ip[4], int tagged,
                      uint16_t tci)
{
    struct t_pkt u, ip;
    v4_udp(&u, v4_peer, dst_ip, 1234, 9999, "payload", 7);
    v4_packet(&ip, v4_peer, dst_ip, NB_PROTO_UDP, 64, u.b, u.len);
    f->len = 0;
    t_put(f, dmac, 6);
    t_put(f, v4_peer_mac, 6);
    if (tagged) {
        t_be16(f, ETH_P_8021Q);
        t_be16(f, tci);
    }
    t_be16(f, ETH_P_IP);
    t_put(f, ip.b, ip.len);
}

/* An ARP request for our address, sent to dmac, optionally tagged. */
static void arp_frame(struct t_pkt *f, const uint8_t dmac[6], int tagged, uint16_t tci)
{
    struct t_pkt a;
    v4_arp_frame(&a, dmac, v4_peer_mac, 1, v4_peer_mac, v4_peer, v4_zero_mac, v4_ip);
    f->len = 0;
    t_put(f, a.b, 12);
    if (tagged) {
        t_be16(f, ETH_P_8021Q);
        t_be16(f, tci);
    }
    t_put(f, a.b + 12, a.len - 12);
}

static void test_unicast_to_us(void **state)
{
    (void)state;
    struct t_pkt f;
    udp_frame(&f, v4_mac, v4_ip, 0, 0);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.l2_multicast, 0);
    assert_ptr_equal(seen.nif, net_if());
    assert_int_equal(seen.family, 4);
    assert_int_equal(seen.len, 7);
    assert_memory_equal(seen.data, "payload", 7);
    assert_int_equal(nb_counters[CTR_ETH_RX], 1);
    assert_int_equal(nb_counters[CTR_IP4_RX], 1);
    assert_int_equal(nb_counters[CTR_ETH_DROP_NOT_US] + nb_counters[CTR_ETH_DROP_SHORT] +
                         nb_counters[CTR_ETH_DROP_VLAN] + nb_counters[CTR_ETH_DROP_TYPE], 0);
}

static void test_broadcast_and_multicast_taken(void **state)
{
    (void)state;
    struct t_pkt f;
    udp_frame(&f, v4_bcast_mac, v4_bcast, 0, 0);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.l2_multicast, 1); /* the upper layers know it was a group frame */
    /* IPv4 multicast MAC (any group: the NIC may be promiscuous; IP decides) */
    static const uint8_t mc4[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
    udp_frame(&f, mc4, v4_subnet_bcast, 0, 0);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.l2_multicast, 1);
    /* IPv6 multicast MAC, ARP inside: taken by Ethernet, handed to ARP */
    static const uint8_t mc6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
    arp_frame(&f, mc6, 0, 0);
    rx_frame(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ARP_RX], 1);
    assert_int_equal(nb_counters[CTR_ETH_RX], 3);
    assert_int_equal(nb_counters[CTR_ETH_DROP_NOT_US], 0);
}

static void test_other_station_dropped(void **state)
{
    (void)state;
    struct t_pkt f;
    static const uint8_t near[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 }; /* ours + 1 */
    static const uint8_t flipped[6] = { 0xd2, 0x54, 0x00, 0x12, 0x34, 0x56 };
    const uint8_t *macs[] = { v4_other_mac, near, flipped, v4_zero_mac };
    for (unsigned i = 0; i < T_ARRAY_LEN(macs); i++) {
        udp_frame(&f, macs[i], v4_ip, 0, 0);
        rx_frame(f.b, f.len);
        arp_frame(&f, macs[i], 0, 0);
        rx_frame(f.b, f.len);
    }
    assert_int_equal(seen.n, 0);
    assert_int_equal(nb_counters[CTR_ETH_DROP_NOT_US], 8);
    assert_int_equal(nb_counters[CTR_IP4_RX], 0);
    assert_int_equal(nb_counters[CTR_ARP_RX], 0);
    assert_int_equal(tn_tx_count(), 0); /* no ARP reply to a frame for someone else */
}

static void test_short_frames(void **state)
{
    (void)state;
    struct t_pkt f;
    arp_frame(&f, v4_mac, 0, 0);
    for (size_t n = 0; n < ETH_HLEN; n++)
        rx_frame(f.b, n);
    assert_int_equal(nb_counters[CTR_ETH_DROP_SHORT], ETH_HLEN);
    assert_int_equal(nb_counters[CTR_ARP_RX], 0);
    /* the header alone is a frame: ARP gets it and finds it short */
    rx_frame(f.b, ETH_HLEN);
    assert_int_equal(nb_counters[CTR_ARP_RX], 1);
    assert_int_equal(nb_counters[CTR_ARP_DROP_MALFORMED], 1);
    /* a tag needs 4 more bytes than the plain header */
    v4_zero_counters();
    arp_frame(&f, v4_mac, 1, 0);
    for (size_t n = ETH_HLEN; n < ETH_HLEN + 4; n++)
        rx_frame(f.b, n);
    assert_int_equal(nb_counters[CTR_ETH_DROP_SHORT], 4);
    assert_int_equal(nb_counters[CTR_ARP_RX], 0);
    /* every cut of a whole frame through the stack, at exact size (ASan) */
    udp_frame(&f, v4_mac, v4_ip, 0, 0);
    for (size_t n = 0; n < f.len; n++) {
        uint8_t *c = t_dup(f.b, n);
        rx_frame(c, n);
        free(c);
    }
    assert_int_equal(seen.n, 0);
    assert_int_equal(tn_tx_count(), 0);
}

static void test_vlan_off(void **state)
{
    (void)state;
    struct t_pkt f;
    /* not on a VLAN: a frame tagged with VLAN 5 is not ours */
    arp_frame(&f, v4_bcast_mac, 1, 5);
    rx_frame(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ETH_DROP_VLAN], 1);
    assert_int_equal(nb_counters[CTR_ARP_RX], 0);
    assert_int_equal(v4_count(ETH_P_ARP), 0);
    /* a priority tag (VID 0, PCP 5) is an untagged frame with a priority */
    udp_frame(&f, v4_mac, v4_ip, 1, 0xa000);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 1);
    arp_frame(&f, v4_bcast_mac, 1, 0x0000);
    rx_frame(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ARP_RX], 1);
    /* the reply is untagged: we are not on a VLAN */
    const struct tn_frame *r = v4_nth(ETH_P_ARP, 0);
    assert_non_null(r);
    assert_int_equal(r->len, 42);
    assert_int_equal(get16(r->b + 12), ETH_P_ARP);
    /* untagged: taken */
    udp_frame(&f, v4_mac, v4_ip, 0, 0);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 2);
    assert_int_equal(nb_counters[CTR_ETH_DROP_VLAN], 1);
}

static void test_vlan_on(void **state)
{
    (void)state;
    struct t_pkt f;
    net_if()->vlan = 5;
    udp_frame(&f, v4_mac, v4_ip, 0, 0); /* untagged: another VLAN */
    rx_frame(f.b, f.len);
    udp_frame(&f, v4_mac, v4_ip, 1, 6); /* VLAN 6 */
    rx_frame(f.b, f.len);
    udp_frame(&f, v4_mac, v4_ip, 1, 0); /* priority tagged = untagged */
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 0);
    assert_int_equal(nb_counters[CTR_ETH_DROP_VLAN], 3);
    /* VLAN 5 with PCP 3 and DEI set: ours (only the 12-bit VID counts) */
    udp_frame(&f, v4_mac, v4_ip, 1, 0x7005);
    rx_frame(f.b, f.len);
    assert_int_equal(seen.n, 1);
    assert_memory_equal(seen.data, "payload", 7);
    /* ARP on VLAN 5: the reply carries the tag */
    arp_frame(&f, v4_bcast_mac, 1, 5);
    rx_frame(f.b, f.len);
    assert_int_equal(tn_tx_count(), 1);
    const struct tn_frame *r = tn_tx(0);
    assert_int_equal(r->len, 46);
    assert_memory_equal(r->b, v4_peer_mac, 6);
    assert_memory_equal(r->b + 6, v4_mac, 6);
    static const uint8_t tag[6] = { 0x81, 0x00, 0x00, 0x05, 0x08, 0x06 };
    assert_memory_equal(r->b + 12, tag, 6);
    assert_int_equal(get16(r->b + 18 + 6), 2); /* an ARP reply follows the tag */
}

static void test_unknown_ethertype(void **state)
{
    (void)state;
    struct t_pkt f;
    static const uint16_t types[] = { 0x88cc /* LLDP */, 0x88a8 /* QinQ outer */, 0x0842, 0x0000,
                                      0x05dc /* an 802.3 length */ };
    for (unsigned i = 0; i < T_ARRAY_LEN(types); i++) {
        v4_eth_hdr(&f, v4_mac, v4_peer_mac, types[i]);
        t_zeros(&f, 46);
        rx_frame(f.b, f.len);
    }
    assert_int_equal(nb_counters[CTR_ETH_DROP_TYPE], T_ARRAY_LEN(types));
    /* an unknown type inside a tag, and a tag inside a tag */
    v4_eth_hdr(&f, v4_mac, v4_peer_mac, ETH_P_8021Q);
    t_be16(&f, 0);
    t_be16(&f, 0x88cc);
    t_zeros(&f, 46);
    rx_frame(f.b, f.len);
    v4_eth_hdr(&f, v4_mac, v4_peer_mac, ETH_P_8021Q);
    t_be16(&f, 0);
    t_be16(&f, ETH_P_8021Q);
    t_be16(&f, 0);
    t_be16(&f, ETH_P_IP);
    t_zeros(&f, 46);
    rx_frame(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ETH_DROP_TYPE], T_ARRAY_LEN(types) + 2);
    assert_int_equal(nb_counters[CTR_IP4_RX] + nb_counters[CTR_ARP_RX], 0);
    assert_int_equal(nb_counters[CTR_ETH_RX], T_ARRAY_LEN(types) + 2);
}

static void test_output_header(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    memcpy(pkb_put(p, 5), "hello", 5);
    assert_int_equal(eth_output(p, v4_peer_mac, 0x0800), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    static const uint8_t want[19] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x32, 0x52, 0x54, 0x00, 0x12,
                                      0x34, 0x56, 0x08, 0x00, 'h', 'e', 'l', 'l', 'o' };
    assert_int_equal(tn_tx(0)->len, sizeof want);
    assert_memory_equal(tn_tx(0)->b, want, sizeof want);
    assert_int_equal(nb_counters[CTR_ETH_TX], 1);

    /* on VLAN 100 (0x064): the tag goes between the MACs and the type */
    net_if()->vlan = 100;
    p = pkb_alloc();
    memcpy(pkb_put(p, 5), "hello", 5);
    assert_int_equal(eth_output(p, eth_broadcast, ETH_P_ARP), NB_OK);
    static const uint8_t want_tagged[23] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54,
                                             0x00, 0x12, 0x34, 0x56, 0x81, 0x00, 0x00, 0x64,
                                             0x08, 0x06, 'h', 'e', 'l', 'l', 'o' };
    assert_int_equal(tn_tx(1)->len, sizeof want_tagged);
    assert_memory_equal(tn_tx(1)->b, want_tagged, sizeof want_tagged);
    assert_int_equal(nb_counters[CTR_ETH_TX], 2);
}

static void test_output_no_headroom(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    pkb_put(p, 10);
    assert_non_null(pkb_push(p, PKB_HEADROOM - 13)); /* 13 bytes left: one short */
    assert_int_equal(eth_output(p, v4_peer_mac, ETH_P_IP), NB_E_NO_BUFFER);
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE); /* freed anyway */
    /* tagged needs 18 */
    net_if()->vlan = 7;
    p = pkb_alloc();
    assert_non_null(pkb_push(p, PKB_HEADROOM - 17));
    assert_int_equal(eth_output(p, v4_peer_mac, ETH_P_IP), NB_E_NO_BUFFER);
    p = pkb_alloc();
    assert_non_null(pkb_push(p, PKB_HEADROOM - 18));
    assert_int_equal(eth_output(p, v4_peer_mac, ETH_P_IP), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    assert_int_equal(tn_tx(0)->len, PKB_HEADROOM);
}

static nb_err failing_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev, (void)frame, (void)len;
    return NB_E_IO;
}

static void test_output_device_error(void **state)
{
    (void)state;
    struct netdev_ops ops = tn_ops;
    ops.tx = failing_tx;
    net_if()->dev->ops = &ops;
    struct pkb *p = pkb_alloc();
    pkb_put(p, 20);
    nb_err e = eth_output(p, v4_peer_mac, ETH_P_IP);
    net_if()->dev->ops = &tn_ops;
    assert_int_equal(e, NB_E_IO);
    assert_int_equal(nb_counters[CTR_ETH_TX_ERR], 1);
    assert_int_equal(nb_counters[CTR_ETH_TX], 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_ip6_multicast_mac(void **state)
{
    (void)state;
    static const uint8_t grp[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = 0x12, [14] = 0x34, [15] = 0x56 };
    uint8_t mac[6];
    eth_ip6_multicast_mac(grp, mac);
    static const uint8_t want[6] = { 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 };
    assert_memory_equal(mac, want, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unicast_to_us, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broadcast_and_multicast_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_station_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlan_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vlan_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ethertype, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_no_headroom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_device_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip6_multicast_mac, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
