/* net/icmp6.c: echo (both ways), checksum and length checks, errors handed
 * to the transport through the embedded packet (every truncation), Packet
 * Too Big and the path MTU, and the rules and rate limit for errors we send. */
#include "ip6util.h"
#include <stdio.h>

static char console[16384];
static struct udp_sock sock;

static void sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                    const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)src, (void)sport, (void)dst, (void)data, (void)len;
}

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    v6_up_with_router();
    tn_advance_ms(2000); /* a full error token bucket */
    tn_tx_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    host_console_capture(NULL, 0);
    return 0;
}

static void rx_icmp(const uint8_t src[16], const uint8_t dst[16], const uint8_t *dmac,
                    const struct t_pkt *m)
{
    struct t_pkt f;
    v6_icmp_frame(&f, dmac, v6_rtr_mac, src, dst, 64, m);
    tn_rx(f.b, f.len);
}

static void echo_body(struct t_pkt *m, uint8_t type, uint16_t id, uint16_t seq, size_t n)
{
    m->len = 0;
    t_u8(m, type);
    t_u8(m, 0);
    t_be16(m, 0);
    t_be16(m, id);
    t_be16(m, seq);
    for (size_t i = 0; i < n; i++)
        t_u8(m, (uint8_t)(i * 7));
}

/* The datagram we "sent": our global -> remote, UDP sport -> 9, with an
 * optional destination options header in between. */
static void our_udp(struct t_pkt *ip, uint16_t sport, int with_ext, size_t payload)
{
    ip->len = 0;
    t_be32(ip, 0x60000000u);
    t_be16(ip, (uint16_t)((with_ext ? 8 : 0) + 8 + payload));
    t_u8(ip, with_ext ? IP6_NH_DSTOPTS : NB_PROTO_UDP);
    t_u8(ip, 64);
    t_put(ip, v6_global, 16);
    t_put(ip, v6_remote, 16);
    if (with_ext) {
        t_u8(ip, NB_PROTO_UDP);
        t_u8(ip, 0);
        t_u8(ip, 1);
        t_u8(ip, 4);
        t_zeros(ip, 4);
    }
    t_be16(ip, sport);
    t_be16(ip, 9);
    t_be16(ip, (uint16_t)(8 + payload));
    t_be16(ip, 0x1234);
    t_zeros(ip, payload);
}

static void error_body(struct t_pkt *m, uint8_t type, uint8_t code, uint32_t param,
                       const struct t_pkt *invoking)
{
    m->len = 0;
    t_u8(m, type);
    t_u8(m, code);
    t_be16(m, 0);
    t_be32(m, param);
    t_put(m, invoking->b, invoking->len);
}

/* ---------------------------------------------------------------- echo */

static void test_echo_reply(void **state)
{
    (void)state;
    struct t_pkt m;
    echo_body(&m, 128, 0xbeef, 7, 56);
    rx_icmp(v6_remote, v6_global, v6_mac, &m);
    int i = v6_find_icmp(129, 0);
    assert_true(i >= 0);
    const struct tn_frame *f = tn_tx((unsigned)i);
    assert_memory_equal(f->b, v6_rtr_mac, 6); /* off-link: via the router */
    assert_memory_equal(V6_SRC(f), v6_global, 16);
    assert_memory_equal(V6_DST(f), v6_remote, 16);
    assert_int_equal(get16(V6_IP(f) + 4), m.len);
    assert_int_equal(get16(V6_L4(f) + 4), 0xbeef);
    assert_int_equal(get16(V6_L4(f) + 6), 7);
    assert_memory_equal(V6_L4(f) + 8, m.b + 8, 56);
    v6_assert_icmp_csum(f);
    /* to ff02::1 from a link-local peer: answered from our link-local */
    tn_tx_clear();
    rx_icmp(v6_peer_ll, ip6_all_nodes, v6_all_nodes_mac, &m);
    tn_advance_ms(0);
    /* the peer is resolved first (NS), the reply waits */
    assert_int_equal(v6_count_icmp(135), 1);
    struct t_pkt na, fr;
    v6_na_body(&na, v6_peer_ll, V6_NA_S | V6_NA_O, v6_peer_mac);
    v6_icmp_frame(&fr, v6_mac, v6_peer_mac, v6_peer_ll, v6_ll, 255, &na);
    tn_rx(fr.b, fr.len);
    i = v6_find_icmp(129, 0);
    assert_true(i >= 0);
    f = tn_tx((unsigned)i);
    assert_memory_equal(f->b, v6_peer_mac, 6);
    assert_memory_equal(V6_SRC(f), v6_ll, 16);
    v6_assert_icmp_csum(f);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_bad_messages_dropped(void **state)
{
    (void)state;
    struct t_pkt m, f;
    echo_body(&m, 128, 1, 1, 8);
    /* bad checksum */
    uint32_t c = v6_counter(CTR_ICMP6_DROP_CSUM);
    v6_icmp_frame(&f, v6_mac, v6_rtr_mac, v6_remote, v6_global, 64, &m);
    f.b[f.len - 1] ^= 0x40;
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ICMP6_DROP_CSUM), c + 1);
    /* zero checksum is not "none" for ICMPv6 */
    v6_icmp_frame(&f, v6_mac, v6_rtr_mac, v6_remote, v6_global, 64, &m);
    f.b[V6_ETH + 42] = f.b[V6_ETH + 43] = 0;
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ICMP6_DROP_CSUM), c + 2);
    /* every truncation of an echo request: below 8 bytes nothing is sent */
    c = v6_counter(CTR_ICMP6_DROP_SHORT);
    for (size_t n = 0; n < 8; n++) {
        uint8_t b[8] = { 128, 0, 0, 0, 0, 1, 0, 1 };
        if (n >= 4)
            v6_icmp_csum(b, n, v6_remote, v6_global);
        v6_frame(&f, v6_mac, v6_rtr_mac, v6_remote, v6_global, 58, 64, b, n);
        tn_rx(f.b, f.len);
    }
    assert_int_equal(v6_counter(CTR_ICMP6_DROP_SHORT), c + 8);
    assert_int_equal(tn_tx_count(), 0);
    /* unknown informational type: dropped quietly */
    echo_body(&m, 200, 1, 1, 0);
    rx_icmp(v6_remote, v6_global, v6_mac, &m);
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_echo_client(void **state)
{
    (void)state;
    struct t_pkt m;
    assert_int_equal(icmp6_echo_send(v6_remote, 0x4242, 3, 32), NB_OK);
    int i = v6_find_icmp(128, 0);
    assert_true(i >= 0);
    const struct tn_frame *f = tn_tx((unsigned)i);
    assert_int_equal(get16(V6_IP(f) + 4), 40);
    v6_assert_icmp_csum(f);
    assert_int_equal(icmp6_echo_answered(0x4242, 3), 0);
    tn_advance_ms(5);
    echo_body(&m, 129, 0x4242, 3, 32);
    rx_icmp(v6_remote, v6_global, v6_mac, &m);
    assert_int_equal(icmp6_echo_answered(0x4242, 3), 5000);
    assert_int_equal(icmp6_echo_answered(0x4242, 4), 0);
}

/* ---------------------------------------------------------------- errors in */

static void test_errors_reach_the_transport(void **state)
{
    (void)state;
    struct t_pkt inv, m;
    assert_int_equal(udp_open(&sock, 6, 0, sock_rx, NULL), NB_OK);
    static const struct {
        uint8_t type, code;
        nb_err want;
    } cases[] = {
        { 1, 4, NB_E_CONN_REFUSED }, { 1, 0, NB_E_UNREACHABLE }, { 1, 3, NB_E_UNREACHABLE },
        { 3, 0, NB_E_UNREACHABLE },  { 4, 0, NB_E_UNREACHABLE },
    };
    for (size_t i = 0; i < T_ARRAY_LEN(cases); i++) {
        for (int ext = 0; ext < 2; ext++) {
            sock.icmp_error = NB_OK;
            our_udp(&inv, sock.lport, ext, 20);
            error_body(&m, cases[i].type, cases[i].code, 0, &inv);
            rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
            assert_int_equal(sock.icmp_error, cases[i].want);
        }
    }
    /* about a datagram that was not ours: ignored */
    sock.icmp_error = NB_OK;
    our_udp(&inv, sock.lport, 0, 20);
    memcpy(inv.b + 8, v6_peer_global, 16);
    error_body(&m, 1, 4, 0, &inv);
    rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
    assert_int_equal(sock.icmp_error, NB_OK);
    /* every truncation of the invoking packet: only those that still hold
     * both ports are delivered */
    our_udp(&inv, sock.lport, 1, 20);
    for (size_t n = 0; n < inv.len; n++) {
        struct t_pkt cut = inv;
        cut.len = n;
        sock.icmp_error = NB_OK;
        error_body(&m, 1, 4, 0, &cut);
        rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
        assert_int_equal(sock.icmp_error, n >= 40 + 8 + 4 ? NB_E_CONN_REFUSED : NB_OK);
    }
    /* an error shorter than its own header */
    uint32_t c = v6_counter(CTR_ICMP6_DROP_SHORT);
    m.len = 6;
    rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
    assert_int_equal(v6_counter(CTR_ICMP6_DROP_SHORT), c + 1);
    udp_close(&sock);
}

static void test_packet_too_big(void **state)
{
    (void)state;
    struct t_pkt inv, m;
    assert_int_equal(udp_open(&sock, 6, 0, sock_rx, NULL), NB_OK);
    assert_int_equal(ip6_mtu(), 1500);
    our_udp(&inv, sock.lport, 0, 1400);
    inv.len = 1232; /* as much as fits a minimum MTU */
    error_body(&m, 2, 0, 1400, &inv);
    rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
    assert_int_equal(sock.icmp_error, NB_E_MSG_TOO_BIG);
    assert_int_equal(ip6_mtu(), 1400);
    struct nb_ip dst = nb_ip_from(6, v6_remote);
    assert_int_equal(ip_max_payload(&dst), 1360);
    /* larger than now: no change; below the minimum: 1280 */
    error_body(&m, 2, 0, 1450, &inv);
    rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
    assert_int_equal(ip6_mtu(), 1400);
    error_body(&m, 2, 0, 600, &inv);
    rx_icmp(v6_rtr_ll, v6_global, v6_mac, &m);
    assert_int_equal(ip6_mtu(), 1280);
    /* the learned value ages out (RFC 8201: after at least 5 minutes) */
    tn_advance_ms((uint64_t)IP6_PMTU_AGE_S * 1000u);
    assert_int_equal(ip6_mtu(), 1500);
    udp_close(&sock);
}

static void test_parse_invoking(void **state)
{
    (void)state;
    struct t_pkt inv;
    struct icmp6_flow fl;
    our_udp(&inv, 40000, 1, 8);
    for (size_t n = 0; n <= inv.len; n++) {
        uint8_t *c = t_dup(inv.b, n);
        nb_err e = icmp6_parse_invoking(c, n, &fl);
        free(c);
        if (n < 40 + 8 + 4) {
            assert_int_not_equal(e, NB_OK);
        } else {
            assert_int_equal(e, NB_OK);
            assert_int_equal(fl.proto, NB_PROTO_UDP);
            assert_int_equal(fl.sport, 40000);
            assert_int_equal(fl.dport, 9);
            assert_int_equal(fl.l4_off, 48);
            assert_memory_equal(fl.src, v6_global, 16);
            assert_memory_equal(fl.dst, v6_remote, 16);
        }
    }
    /* not IPv6 */
    inv.b[0] = 0x45;
    assert_int_equal(icmp6_parse_invoking(inv.b, inv.len, &fl), NB_E_MALFORMED);
    /* a later fragment has no ports */
    our_udp(&inv, 40000, 0, 8);
    inv.b[6] = IP6_NH_FRAGMENT;
    uint8_t frag[8] = { NB_PROTO_UDP, 0, 0, 8, 0, 0, 0, 1 };
    memmove(inv.b + 48, inv.b + 40, inv.len - 40);
    memcpy(inv.b + 40, frag, 8);
    inv.len += 8;
    assert_int_equal(icmp6_parse_invoking(inv.b, inv.len, &fl), NB_E_UNSUPPORTED);
    /* a chain of headers longer than the bound */
    struct t_pkt chain;
    chain.len = 0;
    t_be32(&chain, 0x60000000u);
    t_be16(&chain, 0);
    t_u8(&chain, IP6_NH_DSTOPTS);
    t_u8(&chain, 64);
    t_zeros(&chain, 32);
    for (unsigned i = 0; i < IP6_MAX_EXT_HDRS + 1; i++) {
        t_u8(&chain, IP6_NH_DSTOPTS);
        t_u8(&chain, 0);
        t_zeros(&chain, 6);
    }
    assert_int_equal(icmp6_parse_invoking(chain.b, chain.len, &fl), NB_E_MALFORMED);
}

/* ---------------------------------------------------------------- errors out */

static void unknown_proto_pkt(struct t_pkt *ip, const uint8_t dst[16], size_t payload)
{
    ip->len = 0;
    t_be32(ip, 0x60000000u);
    t_be16(ip, (uint16_t)payload);
    t_u8(ip, 253);
    t_u8(ip, 64);
    t_put(ip, v6_remote, 16);
    t_put(ip, dst, 16);
    for (size_t i = 0; i < payload; i++)
        t_u8(ip, (uint8_t)i);
}

static void rx_ip(const struct t_pkt *ip, const uint8_t dmac[6])
{
    struct t_pkt f;
    f.len = 0;
    t_put(&f, dmac, 6);
    t_put(&f, v6_rtr_mac, 6);
    t_be16(&f, 0x86dd);
    t_put(&f, ip->b, ip->len);
    tn_rx(f.b, f.len);
}

static void test_error_size_and_rate_limit(void **state)
{
    (void)state;
    struct t_pkt ip;
    /* a big invoking packet: the error is cut to the minimum MTU */
    unknown_proto_pkt(&ip, v6_global, 1400);
    rx_ip(&ip, v6_mac);
    int i = v6_find_icmp(4, 0);
    assert_true(i >= 0);
    const struct tn_frame *f = tn_tx((unsigned)i);
    assert_int_equal(f->len, V6_ETH + 1280);
    assert_int_equal(get16(V6_IP(f) + 4), 1240);
    v6_assert_icmp_csum(f);
    assert_memory_equal(V6_L4(f) + 8, ip.b, 1232);
    /* a burst: ICMP6_ERR_RATE answered, the rest counted */
    tn_tx_clear();
    uint32_t limited = v6_counter(CTR_ICMP6_ERROR_RATELIMITED);
    unknown_proto_pkt(&ip, v6_global, 8);
    for (int k = 0; k < 30; k++)
        rx_ip(&ip, v6_mac);
    assert_int_equal(v6_count_icmp(4), ICMP6_ERR_RATE - 1);
    assert_int_equal(v6_counter(CTR_ICMP6_ERROR_RATELIMITED), limited + 30 - (ICMP6_ERR_RATE - 1));
    /* tokens come back with time */
    tn_advance_ms(1000);
    tn_tx_clear();
    for (int k = 0; k < 30; k++)
        rx_ip(&ip, v6_mac);
    assert_int_equal(v6_count_icmp(4), ICMP6_ERR_RATE);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_no_error_about_errors(void **state)
{
    (void)state;
    struct t_pkt inv, m, ip;
    /* an ICMPv6 error inside a destination options header with an option
     * that asks for Parameter Problem: dropped without answer */
    our_udp(&inv, 40000, 0, 8);
    error_body(&m, 1, 4, 0, &inv);
    v6_icmp_csum(m.b, m.len, v6_remote, v6_global);
    ip.len = 0;
    t_be32(&ip, 0x60000000u);
    t_be16(&ip, (uint16_t)(8 + m.len));
    t_u8(&ip, IP6_NH_DSTOPTS);
    t_u8(&ip, 64);
    t_put(&ip, v6_remote, 16);
    t_put(&ip, v6_global, 16);
    static const uint8_t dst_opts[8] = { 58, 0, 0xde, 0, 1, 2, 0, 0 };
    t_put(&ip, dst_opts, 8);
    t_put(&ip, m.b, m.len);
    rx_ip(&ip, v6_mac);
    assert_int_equal(tn_tx_count(), 0);
    /* the same carrying an echo request is answered with an error */
    echo_body(&m, 128, 1, 1, 8);
    ip.len = 40 + 8;
    t_put(&ip, m.b, m.len);
    put16(ip.b + 4, (uint16_t)(8 + m.len));
    rx_ip(&ip, v6_mac);
    assert_int_equal(v6_count_icmp(4), 1);
    /* nothing to a source we cannot answer: :: */
    tn_tx_clear();
    unknown_proto_pkt(&ip, v6_global, 8);
    memset(ip.b + 8, 0, 16);
    rx_ip(&ip, v6_mac);
    assert_int_equal(tn_tx_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_messages_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_reach_the_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packet_too_big, setup, teardown),
        cmocka_unit_test(test_parse_invoking),
        cmocka_unit_test_setup_teardown(test_error_size_and_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_error_about_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
