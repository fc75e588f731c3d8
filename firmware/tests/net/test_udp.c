/* net/udp.c: delivery to the socket bound to the port (per family), the
 * length field against the datagram, checksums (zero accepted on IPv4 only),
 * no listener, ephemeral ports, ports in use, the datagram udp_sendto
 * builds (a computed 0 is sent as ffff), size limits, and ICMP errors
 * recorded on the socket. */
#include "ip4util.h"

static char console[8192];

static struct {
    unsigned n;
    struct udp_sock *sock;
    struct nb_ip src, dst;
    uint16_t sport;
    void *ctx;
    size_t len;
    uint8_t data[1600];
} seen;

static void record_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                      const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    seen.n++;
    seen.sock = s;
    seen.ctx = s->ctx;
    seen.src = *src;
    seen.dst = *dst;
    seen.sport = sport;
    seen.len = len;
    assert_true(len <= sizeof seen.data);
    memcpy(seen.data, data, len);
}

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    v4_up();
    memset(&seen, 0, sizeof seen);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    v4_assert_no_leak();
    host_console_capture(NULL, 0);
    return 0;
}

/* A UDP segment (raw bytes) from peer to us inside IPv4. */
static void rx_seg(const struct t_pkt *u)
{
    struct t_pkt ip;
    v4_packet(&ip, v4_peer, v4_ip, NB_PROTO_UDP, 64, u->b, u->len);
    v4_rx_packet(&ip, v4_mac, v4_peer_mac);
}

/* ---------------------------------------------------------------- input */

static void test_delivery_to_bound_socket(void **state)
{
    (void)state;
    static struct udp_sock a, b;
    int ctx_a, ctx_b;
    assert_int_equal(udp_open(&a, 4, 5000, record_rx, &ctx_a), NB_OK);
    assert_int_equal(udp_open(&b, 4, 5001, record_rx, &ctx_b), NB_OK);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 4321, 5001, "to b", 4);
    assert_int_equal(seen.n, 1);
    assert_ptr_equal(seen.sock, &b);
    assert_ptr_equal(seen.ctx, &ctx_b);
    assert_int_equal(seen.src.family, 4);
    assert_memory_equal(seen.src.a, v4_peer, 4);
    assert_memory_equal(seen.dst.a, v4_ip, 4);
    assert_int_equal(seen.sport, 4321);
    assert_int_equal(seen.len, 4);
    assert_memory_equal(seen.data, "to b", 4);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 4321, 5000, "", 0);
    assert_int_equal(seen.n, 2);
    assert_ptr_equal(seen.sock, &a);
    assert_int_equal(seen.len, 0);
    assert_int_equal(nb_counters[CTR_UDP_RX], 2);
    /* closed: no longer delivered */
    udp_close(&b);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 4321, 5001, "to b", 4);
    assert_int_equal(seen.n, 2);
    assert_int_equal(nb_counters[CTR_UDP_DROP_NO_PORT], 1);
    udp_close(&a);
    udp_close(&a); /* twice: harmless */
}

static void test_no_listener(void **state)
{
    (void)state;
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 4321, 7, "echo?", 5);
    assert_int_equal(nb_counters[CTR_UDP_DROP_NO_PORT], 1);
    assert_int_equal(tn_tx_count(), 0); /* silently: no ICMP port unreachable from a boot client */
}

static void test_length_field(void **state)
{
    (void)state;
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 4, 5000, record_rx, NULL), NB_OK);
    struct t_pkt u;
    /* shorter than the header */
    for (size_t n = 0; n < 8; n++) {
        v4_udp(&u, v4_peer, v4_ip, 4321, 5000, NULL, 0);
        u.len = n;
        rx_seg(&u);
    }
    assert_int_equal(nb_counters[CTR_UDP_DROP_SHORT], 8);
    /* length field below 8, and beyond the datagram */
    static const uint16_t bad_len[] = { 0, 7, 13, 0xffff };
    for (unsigned i = 0; i < T_ARRAY_LEN(bad_len); i++) {
        v4_udp(&u, v4_peer, v4_ip, 4321, 5000, "abcd", 4);
        put16(u.b + 4, bad_len[i]);
        rx_seg(&u);
    }
    assert_int_equal(nb_counters[CTR_UDP_DROP_SHORT], 8 + T_ARRAY_LEN(bad_len));
    assert_int_equal(seen.n, 0);
    /* shorter than what IP carries: the rest is not part of the datagram
     * (the checksum covers only the length field's bytes) */
    v4_udp(&u, v4_peer, v4_ip, 4321, 5000, "abcd", 4);
    t_put(&u, "junk", 4);
    rx_seg(&u);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.len, 4);
    assert_memory_equal(seen.data, "abcd", 4);
    assert_int_equal(nb_counters[CTR_UDP_DROP_CSUM], 0);
    udp_close(&s);
}

static void test_checksum_v4(void **state)
{
    (void)state;
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 4, 5000, record_rx, NULL), NB_OK);
    struct t_pkt u;
    v4_udp(&u, v4_peer, v4_ip, 4321, 5000, "checked", 7);
    u.b[9] ^= 0x01;
    rx_seg(&u);
    assert_int_equal(nb_counters[CTR_UDP_DROP_CSUM], 1);
    assert_int_equal(seen.n, 0);
    /* the pseudo-header counts: the right bytes from another source fail */
    v4_udp(&u, v4_gw, v4_ip, 4321, 5000, "checked", 7);
    rx_seg(&u);
    assert_int_equal(nb_counters[CTR_UDP_DROP_CSUM], 2);
    /* zero: "no checksum" on IPv4 (RFC 768), accepted */
    v4_udp(&u, v4_peer, v4_ip, 4321, 5000, "unchecked", 9);
    put16(u.b + 6, 0);
    u.b[9] ^= 0x01; /* and nothing is verified */
    rx_seg(&u);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.data[1], 'n' ^ 0x01);
    udp_close(&s);
}

/* A datagram straight into udp_input as IPv6 would hand it up. */
static void rx_v6(const uint8_t *seg, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    memcpy(pkb_put(p, len), seg, len);
    p->family = 6;
    memcpy(p->src, src, 16);
    memcpy(p->dst, dst, 16);
    udp_input(p);
}

static void test_checksum_v6(void **state)
{
    (void)state;
    static const uint8_t s6[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [15] = 1 };
    static const uint8_t d6[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [15] = 2 };
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 6, 546, record_rx, NULL), NB_OK);
    uint8_t seg[12] = { 0x02, 0x23, 0x02, 0x22, 0, 12, 0, 0, 'v', 's', 'i', 'x' };
    struct nb_ip a = nb_ip_from(6, s6), b = nb_ip_from(6, d6);
    uint16_t c = csum_transport(&a, &b, NB_PROTO_UDP, seg, sizeof seg);
    /* zero: refused on IPv6 (RFC 8200 §8.1) */
    rx_v6(seg, sizeof seg, s6, d6);
    assert_int_equal(nb_counters[CTR_UDP_DROP_NO_CSUM6], 1);
    assert_int_equal(seen.n, 0);
    /* wrong */
    put16(seg + 6, (uint16_t)(c ^ 0x8000));
    rx_v6(seg, sizeof seg, s6, d6);
    assert_int_equal(nb_counters[CTR_UDP_DROP_CSUM], 1);
    /* right */
    put16(seg + 6, c);
    rx_v6(seg, sizeof seg, s6, d6);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.src.family, 6);
    assert_memory_equal(seen.src.a, s6, 16);
    assert_memory_equal(seen.dst.a, d6, 16);
    assert_int_equal(seen.sport, 547);
    assert_memory_equal(seen.data, "vsix", 4);
    udp_close(&s);
}

static void test_families_share_a_port_number(void **state)
{
    (void)state;
    static struct udp_sock s4, s6, both;
    assert_int_equal(udp_open(&s4, 4, 6000, record_rx, NULL), NB_OK);
    assert_int_equal(udp_open(&s6, 6, 6000, record_rx, NULL), NB_OK); /* separate spaces */
    assert_int_equal(udp_open(&both, 0, 6000, record_rx, NULL), NB_E_PORT_IN_USE);
    assert_int_equal(udp_open(&both, 4, 6000, record_rx, NULL), NB_E_PORT_IN_USE);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 1, 6000, "x", 1);
    assert_ptr_equal(seen.sock, &s4);
    udp_close(&s4);
    udp_close(&s6);
    /* a socket for both families takes the port in each */
    assert_int_equal(udp_open(&both, 0, 6000, record_rx, NULL), NB_OK);
    assert_int_equal(udp_open(&s4, 4, 6000, record_rx, NULL), NB_E_PORT_IN_USE);
    assert_int_equal(udp_open(&s6, 6, 6000, record_rx, NULL), NB_E_PORT_IN_USE);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 1, 6000, "y", 1);
    assert_ptr_equal(seen.sock, &both);
    assert_int_equal(seen.n, 2);
    udp_close(&both);
    /* closed: the port is free again */
    assert_int_equal(udp_open(&s4, 4, 6000, record_rx, NULL), NB_OK);
    udp_close(&s4);
}

static void test_ephemeral_ports(void **state)
{
    (void)state;
    enum { N = 300 };
    static struct udp_sock s[N];
    for (unsigned i = 0; i < N; i++) {
        assert_int_equal(udp_open(&s[i], 4, 0, record_rx, NULL), NB_OK);
        assert_true(s[i].lport >= 49152);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(s[i].lport, s[j].lport);
    }
    /* not all alike: spread over the range */
    unsigned lo = 65535, hi = 0;
    for (unsigned i = 0; i < N; i++) {
        lo = s[i].lport < lo ? s[i].lport : lo;
        hi = s[i].lport > hi ? s[i].lport : hi;
    }
    assert_true(hi - lo > 8000);
    /* each one receives */
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 1, s[N - 1].lport, "e", 1);
    assert_ptr_equal(seen.sock, &s[N - 1]);
    for (unsigned i = 0; i < N; i++)
        udp_close(&s[i]);
}

static void test_port_in_use(void **state)
{
    (void)state;
    static struct udp_sock a, b;
    assert_int_equal(udp_open(&a, 4, 68, record_rx, NULL), NB_OK);
    assert_int_equal(udp_open(&b, 4, 68, record_rx, NULL), NB_E_PORT_IN_USE);
    udp_close(&a);
}

/* A socket whose callback closes itself and opens another on the same port. */
static struct udp_sock self_a, self_b;
static void close_self(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                       const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    record_rx(s, src, sport, dst, data, len);
    udp_close(s);
    assert_int_equal(udp_open(&self_b, 4, 7000, record_rx, NULL), NB_OK);
}

static void test_callback_may_close(void **state)
{
    (void)state;
    assert_int_equal(udp_open(&self_a, 4, 7000, close_self, NULL), NB_OK);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 1, 7000, "1", 1);
    v4_rx_udp(v4_peer, v4_peer_mac, v4_ip, 1, 7000, "2", 1);
    assert_int_equal(seen.n, 2);
    assert_ptr_equal(seen.sock, &self_b);
    udp_close(&self_b);
}

/* ---------------------------------------------------------------- output */

static void test_sendto_builds_datagram(void **state)
{
    (void)state;
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 4, 5353, record_rx, NULL), NB_OK);
    v4_learn(v4_peer, v4_peer_mac);
    struct nb_ip dst = nb_ip_from(4, v4_peer);
    assert_int_equal(udp_sendto(&s, NULL, &dst, 53, "query", 5), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(f);
    v4_assert_l4_csum(f);
    assert_int_equal(V4_IP(f)[9], NB_PROTO_UDP);
    assert_memory_equal(V4_IP(f) + 12, v4_ip, 4);
    assert_memory_equal(V4_IP(f) + 16, v4_peer, 4);
    const uint8_t *u = V4_L4(f);
    struct t_pkt want;
    v4_udp(&want, v4_ip, v4_peer, 5353, 53, "query", 5);
    assert_int_equal(f->len, V4_ETH + 20 + want.len);
    assert_memory_equal(u, want.b, want.len);
    assert_int_equal(nb_counters[CTR_UDP_TX], 1);
    udp_close(&s);
}

static void test_sendto_zero_checksum_sent_as_ffff(void **state)
{
    (void)state;
    static struct udp_sock s;
    assert_int_equal(udp_open(&s, 4, 5353, record_rx, NULL), NB_OK);
    v4_learn(v4_peer, v4_peer_mac);
    /* choose the payload word so that the checksum computes to 0: with the
     * word 0 the checksum is c, and a word equal to c cancels it */
    struct nb_ip src = nb_ip_from(4, v4_ip), dst = nb_ip_from(4, v4_peer);
    uint8_t seg[10] = { 0x14, 0xe9, 0, 53, 0, 10, 0, 0, 0, 0 };
    uint16_t c = csum_transport(&src, &dst, NB_PROTO_UDP, seg, sizeof seg);
    uint8_t data[2] = { (uint8_t)(c >> 8), (uint8_t)c };
    memcpy(seg + 8, data, 2);
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, seg, sizeof seg), 0);
    assert_int_equal(udp_sendto(&s, NULL, &dst, 53, data, 2), NB_OK);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    assert_non_null(f);
    assert_int_equal(get16(V4_L4(f) + 6), 0xffff);
    v4_assert_l4_csum(f); /* ffff verifies as well as 0 would have */
    /* and such a datagram is accepted on receipt */
    static struct udp_sock r;
    assert_int_equal(udp_open(&r, 4, 53, record_rx, NULL), NB_OK);
    struct t_pkt ip;
    v4_packet(&ip, v4_peer, v4_ip, NB_PROTO_UDP, 64, V4_L4(f), 10); /* same pseudo-header sum */
    v4_rx_packet(&ip, v4_mac, v4_peer_mac);
    assert_int_equal(seen.n, 1);
    assert_ptr_equal(seen.sock, &r);
    udp_close(&r);
    udp_close(&s);
}

static void test_sendto_dhcp_style_and_errors(void **state)
{
    (void)state;
    static struct udp_sock s;
    v4_up_unconfigured();
    assert_int_equal(udp_open(&s, 4, 68, record_rx, NULL), NB_OK);
    struct nb_ip any = nb_ip4(0, 0, 0, 0), bcast = nb_ip4(255, 255, 255, 255);
    struct nb_ip peer = nb_ip_from(4, v4_peer);
    /* no address yet: only with an explicit source */
    assert_int_equal(udp_sendto(&s, NULL, &peer, 67, "x", 1), NB_E_NO_ADDRESS);
    assert_int_equal(udp_sendto(&s, &any, &bcast, 67, "discover", 8), NB_OK);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    v4_assert_ip_ok(f);
    v4_assert_l4_csum(f); /* over the pseudo-header with 0.0.0.0 */
    assert_memory_equal(f->b, v4_bcast_mac, 6);
    assert_int_equal(get16(V4_L4(f)), 68);
    assert_int_equal(get16(V4_L4(f) + 2), 67);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* a family the stack does not know */
    struct nb_ip none = { 0 };
    assert_int_equal(udp_sendto(&s, &any, &none, 67, "x", 1), NB_E_INVALID);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    udp_close(&s);
}

static void test_sendto_too_big(void **state)
{
    (void)state;
    static struct udp_sock s;
    static uint8_t big[2100];
    assert_int_equal(udp_open(&s, 4, 5000, record_rx, NULL), NB_OK);
    struct nb_ip bcast = nb_ip4(255, 255, 255, 255);
    assert_int_equal(udp_sendto(&s, NULL, &bcast, 9, big, 1472), NB_OK); /* 1500 exactly */
    assert_int_equal(v4_nth(ETH_P_IP, 0)->len, V4_ETH + 1500);
    assert_int_equal(udp_sendto(&s, NULL, &bcast, 9, big, 1473), NB_E_MSG_TOO_BIG);
    assert_int_equal(udp_sendto(&s, NULL, &bcast, 9, big, sizeof big), NB_E_MSG_TOO_BIG);
    assert_int_equal(v4_count(ETH_P_IP), 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* the largest link the stack takes (MTU clamped to 2030) */
    udp_close(&s);
    tn_up(v4_mac, 9000);
    net_ip4_configure(v4_ip, v4_mask24, v4_gw);
    tn_tx_clear();
    assert_int_equal(udp_open(&s, 4, 5000, record_rx, NULL), NB_OK);
    assert_int_equal(udp_sendto(&s, NULL, &bcast, 9, big, 2030 - 28), NB_OK);
    assert_int_equal(udp_sendto(&s, NULL, &bcast, 9, big, 2030 - 27), NB_E_MSG_TOO_BIG);
    assert_int_equal(v4_nth(ETH_P_IP, 0)->len, V4_ETH + 2030);
    udp_close(&s);
}

static void test_icmp_error_recorded(void **state)
{
    (void)state;
    static struct udp_sock s, other;
    assert_int_equal(udp_open(&s, 4, 0, record_rx, NULL), NB_OK);
    assert_int_equal(udp_open(&other, 6, s.lport, record_rx, NULL), NB_OK);
    struct nb_ip local = nb_ip_from(4, v4_ip), remote = nb_ip_from(4, v4_remote);
    assert_int_equal(s.icmp_error, NB_OK);
    udp_icmp_error(&local, &remote, s.lport, 53, NB_E_CONN_REFUSED);
    assert_int_equal(s.icmp_error, NB_E_CONN_REFUSED);
    assert_int_equal(other.icmp_error, NB_OK); /* the IPv6 socket on that number: not it */
    udp_icmp_error(&local, &remote, (uint16_t)(s.lport ^ 1), 53, NB_E_UNREACHABLE);
    assert_int_equal(s.icmp_error, NB_E_CONN_REFUSED);
    /* and through the wire: a port unreachable quoting our datagram */
    s.icmp_error = NB_OK;
    v4_learn(v4_gw, v4_gw_mac);
    assert_int_equal(udp_sendto(&s, NULL, &remote, 53, "q", 1), NB_OK);
    const struct tn_frame *f = v4_nth(ETH_P_IP, 0);
    assert_non_null(f);
    struct t_pkt m;
    m.len = 0;
    t_u8(&m, 3);
    t_u8(&m, 3);
    t_be16(&m, 0);
    t_be32(&m, 0);
    t_put(&m, V4_IP(f), 28);
    put16(m.b + 2, csum_fold(csum_add(0, m.b, m.len)));
    struct t_pkt ip;
    v4_packet(&ip, v4_remote, v4_ip, NB_PROTO_ICMP4, 60, m.b, m.len);
    v4_rx_packet(&ip, v4_mac, v4_gw_mac);
    assert_int_equal(s.icmp_error, NB_E_CONN_REFUSED);
    /* reopening clears it */
    udp_close(&s);
    assert_int_equal(udp_open(&s, 4, 0, record_rx, NULL), NB_OK);
    assert_int_equal(s.icmp_error, NB_OK);
    udp_close(&s);
    udp_close(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivery_to_bound_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_length_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checksum_v4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checksum_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_families_share_a_port_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_may_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sendto_builds_datagram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sendto_zero_checksum_sent_as_ffff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sendto_dhcp_style_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sendto_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_error_recorded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
