/* net/icmp4.c: echo replies (exact bytes, checksum, ids, source address),
 * silence towards broadcast pings, destination unreachable handed to UDP
 * and TCP with the reason for its code, truncated or bogus embedded headers
 * ignored, checksum and length checks, and the echo client
 * (icmp4_echo_send / icmp4_echo_answered). */
#include "ip4util.h"
#include "net/tcp.h"

static char console[8192];

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    v4_up();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    v4_assert_no_leak();
    host_console_capture(NULL, 0);
    return 0;
}

/* An ICMP message from src (MAC smac) to dst, sent to dmac. */
static void rx_icmp(const uint8_t src[4], const uint8_t smac[6], const uint8_t dst[4],
                    const uint8_t dmac[6], const struct t_pkt *m)
{
    struct t_pkt ip;
    v4_packet(&ip, src, dst, NB_PROTO_ICMP4, 64, m->b, m->len);
    v4_rx_packet(&ip, dmac, smac);
}

/* ---------------------------------------------------------------- echo server */

static void test_echo_reply_exact(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt req, want;
    v4_echo(&req, 8, 0x1234, 7, 10);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &req);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    const struct tn_frame *r = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(r);
    assert_memory_equal(r->b, v4_peer_mac, 6);
    assert_int_equal(V4_IP(r)[9], NB_PROTO_ICMP4);
    assert_int_equal(V4_IP(r)[8], 64);
    assert_memory_equal(V4_IP(r) + 12, v4_ip, 4);
    assert_memory_equal(V4_IP(r) + 16, v4_peer, 4);
    /* the reply is the request with type 0 and its checksum redone */
    v4_echo(&want, 0, 0x1234, 7, 10);
    assert_int_equal(r->len, V4_ETH + 20 + want.len);
    assert_memory_equal(V4_L4(r), want.b, want.len);
    /* RFC 1624: type 8 -> 0 raises the checksum by 0x0800 (one's complement) */
    uint32_t inc = (uint32_t)get16(req.b + 2) + 0x0800u;
    inc = (inc & 0xffffu) + (inc >> 16);
    assert_int_equal(get16(V4_L4(r) + 2), inc);
    assert_int_equal(nb_counters[CTR_ICMP4_ECHO_REPLIED], 1);
    assert_int_equal(nb_counters[CTR_ICMP4_RX], 1);
}

static void test_echo_reply_odd_length_and_large(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt req;
    v4_echo(&req, 8, 1, 1, 5);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &req);
    v4_echo(&req, 8, 1, 2, 1472); /* a full 1500-byte datagram */
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &req);
    assert_int_equal(v4_count(ETH_P_IP), 2);
    const struct tn_frame *a = v4_nth(ETH_P_IP, 0), *b = v4_nth(ETH_P_IP, 1);
    v4_assert_ip_ok(a);
    v4_assert_l4_csum(a);
    assert_int_equal(a->len, V4_ETH + 20 + 13);
    v4_assert_ip_ok(b);
    v4_assert_l4_csum(b);
    assert_int_equal(b->len, V4_ETH + 1500);
    assert_memory_equal(V4_L4(b) + 8, req.b + 8, 1472);
}

static void test_echo_reply_waits_for_arp(void **state)
{
    (void)state;
    struct t_pkt req;
    v4_echo(&req, 8, 0x0a0a, 1, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &req);
    assert_int_equal(v4_count(ETH_P_IP), 0);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
    v4_rx_arp_reply(v4_peer, v4_peer_mac);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    assert_int_equal(V4_L4(v4_nth(ETH_P_IP, 0))[0], 0);
}

static void test_no_reply_to_broadcast_echo(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt req;
    v4_echo(&req, 8, 0x0b0b, 1, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_subnet_bcast, v4_bcast_mac, &req);
    rx_icmp(v4_peer, v4_peer_mac, v4_bcast, v4_bcast_mac, &req);
    static const uint8_t mc_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    rx_icmp(v4_peer, v4_peer_mac, v4_bcast, mc_mac, &req);
    assert_int_equal(nb_counters[CTR_ICMP4_RX], 3);
    assert_int_equal(nb_counters[CTR_ICMP4_ECHO_REPLIED], 0);
    assert_int_equal(tn_tx_count(), 0);
}

static void test_echo_to_broadcast_address_answered_from_ours(void **state)
{
    (void)state;
    /* a /25: the subnet broadcast is 198.18.1.127 (does not end in 255).
     * An echo to it in a unicast frame: if answered, never from the
     * broadcast address (RFC 1122 §3.2.2.6) */
    static const uint8_t mask25[4] = { 255, 255, 255, 128 };
    static const uint8_t bcast25[4] = { 198, 18, 1, 127 };
    v4_up_mask(mask25, v4_gw);
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt req;
    v4_echo(&req, 8, 0x0c0c, 1, 8);
    rx_icmp(v4_peer, v4_peer_mac, bcast25, v4_mac, &req);
    rx_icmp(v4_peer, v4_peer_mac, v4_bcast, v4_mac, &req);
    assert_int_equal(v4_count(ETH_P_IP), 2);
    for (unsigned i = 0; i < 2; i++) {
        const struct tn_frame *r = v4_nth(ETH_P_IP, i);
        v4_assert_ip_ok(r);
        assert_memory_equal(V4_IP(r) + 12, v4_ip, 4);
        assert_memory_equal(V4_IP(r) + 16, v4_peer, 4);
    }
}

static void test_unconfigured_echo_not_answered(void **state)
{
    (void)state;
    /* while DHCP runs, IPv4 takes unicast to any address, but we own none
     * yet: an echo to the address being offered is not answered from it */
    v4_up_unconfigured();
    static const uint8_t offered[4] = { 198, 18, 1, 77 };
    struct t_pkt req;
    v4_echo(&req, 8, 0x0e0e, 1, 8);
    rx_icmp(v4_gw, v4_gw_mac, offered, v4_mac, &req);
    assert_int_equal(nb_counters[CTR_ICMP4_RX], 1);
    assert_int_equal(v4_count(ETH_P_IP), 0);
    assert_int_equal(v4_count(ETH_P_ARP), 0);
}

static void test_bad_checksum_and_short(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    struct t_pkt req;
    v4_echo(&req, 8, 0x0d0d, 1, 8);
    req.b[9] ^= 0x40; /* payload changed, checksum not */
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &req);
    assert_int_equal(nb_counters[CTR_ICMP4_DROP_CSUM], 1);
    for (size_t n = 0; n < 8; n++) {
        struct t_pkt cut;
        v4_echo(&cut, 8, 0x0d0d, 2, 0);
        cut.len = n;
        rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &cut);
    }
    assert_int_equal(nb_counters[CTR_ICMP4_DROP_SHORT], 8);
    assert_int_equal(nb_counters[CTR_ICMP4_ECHO_REPLIED], 0);
    assert_int_equal(tn_tx_count(), 0);
}

static void test_other_types_ignored(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    static const uint8_t types[] = { 13 /* timestamp */, 5 /* redirect */, 11 /* time exceeded */,
                                     17 /* address mask */, 42 /* extended echo */ };
    for (unsigned i = 0; i < T_ARRAY_LEN(types); i++) {
        struct t_pkt m;
        v4_echo(&m, types[i], 1, 1, 28);
        rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &m);
    }
    assert_int_equal(nb_counters[CTR_ICMP4_RX], T_ARRAY_LEN(types));
    assert_int_equal(tn_tx_count(), 0);
}

/* ---------------------------------------------------------------- unreachable */

static struct udp_sock usock, usock2;

static void usock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                     const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)src, (void)sport, (void)dst, (void)data, (void)len;
}

/* Destination unreachable (code) from the router, quoting `quoted`. */
static void rx_unreach(uint8_t code, const uint8_t *quoted, size_t qlen)
{
    struct t_pkt m;
    m.len = 0;
    t_u8(&m, 3);
    t_u8(&m, code);
    t_be16(&m, 0);
    t_be32(&m, code == 4 ? 1400 : 0); /* next-hop MTU for "fragmentation needed" */
    t_put(&m, quoted, qlen);
    put16(m.b + 2, csum_fold(csum_add(0, m.b, m.len)));
    rx_icmp(v4_gw, v4_gw_mac, v4_ip, v4_mac, &m);
}

/* The header of a UDP datagram we sent (ihl_words 5 or more) + 8 bytes. */
static void our_udp(struct t_pkt *q, unsigned ihl_words, uint16_t sport, uint16_t dport)
{
    q->len = 0;
    t_u8(q, (uint8_t)(0x40 | ihl_words));
    t_u8(q, 0);
    t_be16(q, (uint16_t)(ihl_words * 4 + 8 + 20));
    t_be32(q, 0x00014000u);
    t_u8(q, 64);
    t_u8(q, NB_PROTO_UDP);
    t_be16(q, 0);
    t_put(q, v4_ip, 4);
    t_put(q, v4_remote, 4);
    t_zeros(q, (ihl_words - 5) * 4);
    t_be16(q, sport);
    t_be16(q, dport);
    t_be16(q, 28);
    t_be16(q, 0);
}

static void test_unreachable_reaches_udp(void **state)
{
    (void)state;
    assert_int_equal(udp_open(&usock, 4, 40000, usock_rx, NULL), NB_OK);
    assert_int_equal(udp_open(&usock2, 4, 40001, usock_rx, NULL), NB_OK);
    static const struct { uint8_t code; nb_err want; } cases[] = {
        { 0, NB_E_UNREACHABLE },  /* net */
        { 1, NB_E_UNREACHABLE },  /* host */
        { 2, NB_E_CONN_REFUSED }, /* protocol */
        { 3, NB_E_CONN_REFUSED }, /* port */
        { 4, NB_E_MSG_TOO_BIG },  /* fragmentation needed and DF set */
        { 10, NB_E_UNREACHABLE }, /* host administratively prohibited */
        { 13, NB_E_UNREACHABLE }, /* communication administratively prohibited */
    };
    struct t_pkt q;
    our_udp(&q, 5, 40000, 53);
    for (unsigned i = 0; i < T_ARRAY_LEN(cases); i++) {
        usock.icmp_error = NB_OK;
        rx_unreach(cases[i].code, q.b, q.len);
        assert_int_equal(usock.icmp_error, cases[i].want);
    }
    assert_int_equal(usock2.icmp_error, NB_OK); /* the other port heard nothing */
    assert_int_equal(nb_counters[CTR_ICMP4_UNREACH_RX], T_ARRAY_LEN(cases));
    /* the quoted header with options: ports found after IHL */
    usock.icmp_error = NB_OK;
    our_udp(&q, 7, 40001, 53);
    rx_unreach(3, q.b, q.len);
    assert_int_equal(usock2.icmp_error, NB_E_CONN_REFUSED);
    assert_int_equal(usock.icmp_error, NB_OK);
    /* more of the original than 8 bytes is fine */
    usock2.icmp_error = NB_OK;
    our_udp(&q, 5, 40001, 53);
    t_zeros(&q, 100);
    rx_unreach(3, q.b, q.len);
    assert_int_equal(usock2.icmp_error, NB_E_CONN_REFUSED);
    assert_int_equal(tn_tx_count(), 0); /* never an ICMP error about an ICMP error */
    udp_close(&usock);
    udp_close(&usock2);
}

static void test_unreachable_truncated_or_bogus_ignored(void **state)
{
    (void)state;
    assert_int_equal(udp_open(&usock, 4, 40000, usock_rx, NULL), NB_OK);
    struct t_pkt q;
    our_udp(&q, 5, 40000, 53);
    /* every cut short of IP header + 8 bytes */
    for (size_t n = 0; n < 28; n++)
        rx_unreach(3, q.b, n);
    /* IHL 6 but only 20 + 8 bytes: the ports would be past the end */
    our_udp(&q, 6, 40000, 53);
    rx_unreach(3, q.b, 31);
    /* not IPv4, or IHL below 5 */
    our_udp(&q, 5, 40000, 53);
    q.b[0] = 0x65;
    rx_unreach(3, q.b, q.len);
    q.b[0] = 0x44;
    rx_unreach(3, q.b, q.len);
    /* another transport */
    our_udp(&q, 5, 40000, 53);
    q.b[9] = 47;
    rx_unreach(3, q.b, q.len);
    assert_int_equal(usock.icmp_error, NB_OK);
    /* a bad ICMP checksum: not even looked at */
    our_udp(&q, 5, 40000, 53);
    struct t_pkt m;
    m.len = 0;
    t_u8(&m, 3);
    t_u8(&m, 3);
    t_be16(&m, 0x1234); /* wrong */
    t_be32(&m, 0);
    t_put(&m, q.b, q.len);
    rx_icmp(v4_gw, v4_gw_mac, v4_ip, v4_mac, &m);
    assert_int_equal(usock.icmp_error, NB_OK);
    assert_int_equal(nb_counters[CTR_ICMP4_DROP_CSUM], 1);
    udp_close(&usock);
}

static void test_unreachable_reaches_tcp(void **state)
{
    (void)state;
    static struct tcp_conn c;
    static uint8_t rxb[4096], txb[4096];
    v4_learn(v4_gw, v4_gw_mac);
    struct nb_ip dst = nb_ip_from(4, v4_remote);
    assert_int_equal(tcp_connect(&c, &dst, 80, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_OK);
    assert_int_equal(tcp_get_state(&c), TCP_SYN_SENT);
    const struct tn_frame *syn = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(syn);
    assert_int_equal(V4_IP(syn)[9], NB_PROTO_TCP);
    /* port unreachable quoting the SYN's header and first 8 bytes */
    rx_unreach(3, V4_IP(syn), 28);
    assert_int_equal(tcp_get_state(&c), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&c), NB_E_CONN_REFUSED);

    /* host unreachable: the reason is "unreachable" */
    tn_tx_clear();
    assert_int_equal(tcp_connect(&c, &dst, 81, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_OK);
    syn = v4_nth(ETH_P_IP, 0);
    assert_non_null(syn);
    /* a quote about another port pair first: not this connection */
    uint8_t q[28];
    memcpy(q, V4_IP(syn), 28);
    q[20] ^= 0x01;
    rx_unreach(1, q, 28);
    assert_int_equal(tcp_get_state(&c), TCP_SYN_SENT);
    rx_unreach(1, V4_IP(syn), 28);
    assert_int_equal(tcp_get_state(&c), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&c), NB_E_UNREACHABLE);
}

/* ---------------------------------------------------------------- echo client */

static void test_echo_send_exact(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    assert_int_equal(icmp4_echo_send(v4_peer, 0xbeef, 1, 16), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(f);
    v4_assert_l4_csum(f);
    assert_memory_equal(f->b, v4_peer_mac, 6);
    assert_memory_equal(V4_IP(f) + 12, v4_ip, 4);
    assert_memory_equal(V4_IP(f) + 16, v4_peer, 4);
    assert_int_equal(V4_IP(f)[9], NB_PROTO_ICMP4);
    const uint8_t *m = V4_L4(f);
    assert_int_equal(f->len, V4_ETH + 20 + 8 + 16);
    assert_int_equal(m[0], 8);
    assert_int_equal(m[1], 0);
    assert_int_equal(get16(m + 4), 0xbeef);
    assert_int_equal(get16(m + 6), 1);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(m[8 + i], i);
    /* the payload is capped at 1400 bytes */
    assert_int_equal(icmp4_echo_send(v4_peer, 0xbeef, 2, 5000), NB_OK);
    assert_int_equal(v4_nth(ETH_P_IP, 1)->len, V4_ETH + 20 + 8 + 1400);
    v4_assert_l4_csum(v4_nth(ETH_P_IP, 1));
    /* unconfigured: no source address */
    v4_up_unconfigured();
    assert_int_equal(icmp4_echo_send(v4_peer, 0xbeef, 3, 16), NB_E_NO_ADDRESS);
}

static void test_echo_answered(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    assert_int_equal(icmp4_echo_send(v4_peer, 0xcafe, 9, 8), NB_OK);
    assert_int_equal(icmp4_echo_answered(0xcafe, 9), 0);
    tn_advance_us(1500);
    struct t_pkt rep;
    /* not ours: another sequence number, another id, a bad checksum */
    v4_echo(&rep, 0, 0xcafe, 10, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    v4_echo(&rep, 0, 0xcaff, 9, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    v4_echo(&rep, 0, 0xcafe, 9, 8);
    rep.b[2] ^= 0xff;
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    assert_int_equal(icmp4_echo_answered(0xcafe, 9), 0);
    assert_int_equal(icmp4_echo_answered(0xcafe, 10), 0);
    /* the reply: RTT from the fake clock */
    v4_echo(&rep, 0, 0xcafe, 9, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    assert_int_equal(icmp4_echo_answered(0xcafe, 9), 1500);
    /* a duplicate later does not change it */
    tn_advance_us(5000);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    assert_int_equal(icmp4_echo_answered(0xcafe, 9), 1500);
    /* a reply in the same microsecond still counts as answered */
    assert_int_equal(icmp4_echo_send(v4_peer, 0xcafe, 11, 8), NB_OK);
    v4_echo(&rep, 0, 0xcafe, 11, 8);
    rx_icmp(v4_peer, v4_peer_mac, v4_ip, v4_mac, &rep);
    assert_true(icmp4_echo_answered(0xcafe, 11) > 0);
    assert_int_equal(v4_count(ETH_P_IP), 2); /* the two requests; replies are not answered */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_reply_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_reply_odd_length_and_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_reply_waits_for_arp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reply_to_broadcast_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_to_broadcast_address_answered_from_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfigured_echo_not_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_checksum_and_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_types_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_reaches_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_truncated_or_bogus_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_reaches_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_send_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_answered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
