/* net/nd6.c: DAD, router solicitation timing, RA processing (validation,
 * SLAAC, lifetimes and the two-hour rule, MTU, RDNSS/DNSSL), NS/NA both
 * ways, the neighbour cache state machine, and the option parser with
 * zero-length, overrunning and truncated options. */
#include "ip6util.h"
#include <stdio.h>

static char console[16384];

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    host_console_capture(NULL, 0);
    return 0;
}

/* ---------------------------------------------------------------- start, DAD */

static void test_start_sends_dad_and_rs(void **state)
{
    (void)state;
    v6_up();
    tn_advance_ms(0);
    int i = v6_find_icmp(135, 0);
    assert_true(i >= 0);
    const struct tn_frame *f = tn_tx((unsigned)i);
    uint8_t snode[16] = V6_SNODE(v6_ll), mac[6];
    v6_snode_mac(v6_ll, mac);
    assert_memory_equal(f->b, mac, 6);
    assert_memory_equal(f->b + 6, v6_mac, 6);
    assert_memory_equal(V6_SRC(f), v6_unspec, 16);
    assert_memory_equal(V6_DST(f), snode, 16);
    assert_int_equal(V6_IP(f)[7], 255);
    assert_memory_equal(V6_L4(f) + 8, v6_ll, 16);
    /* the only option is our nonce: never an SLLA from :: */
    assert_int_equal(get16(V6_IP(f) + 4), 32);
    assert_int_equal(V6_L4(f)[24], 14);
    v6_assert_icmp_csum(f);
    /* RS from :: to ff02::2, no SLLA */
    i = v6_find_icmp(133, 0);
    assert_true(i >= 0);
    f = tn_tx((unsigned)i);
    assert_memory_equal(V6_SRC(f), v6_unspec, 16);
    assert_memory_equal(V6_DST(f), ip6_all_routers, 16);
    assert_int_equal(get16(V6_IP(f) + 4), 8);
    v6_assert_icmp_csum(f);
    /* tentative until a RetransTimer passed */
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_TENTATIVE);
    uint8_t ll[16];
    assert_int_equal(nd6_link_local(ll), 0);
    tn_advance_ms(999);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_TENTATIVE);
    tn_advance_ms(1);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_PREFERRED);
    assert_int_equal(nd6_link_local(ll), 1);
    assert_memory_equal(ll, v6_ll, 16);
    assert_non_null(strstr(console, "ip6: link-local fe80::5054:ff:fe12:3456 (DAD ok)"));
    assert_int_equal(v6_count_icmp(135), 1); /* DupAddrDetectTransmits = 1 */
}

static void test_start_delay_is_random_and_bounded(void **state)
{
    (void)state;
    struct nd6_params prm;
    nd6_params_default(&prm);
    unsigned seen_late = 0;
    for (int round = 0; round < 20; round++) {
        v6_up_params(&prm);
        tn_advance_ms(0);
        unsigned at = 0;
        while (v6_find_icmp(135, 0) < 0 && at <= 1000) {
            tn_advance_ms(10);
            at += 10;
        }
        /* MAX_RTR_SOLICITATION_DELAY: the delay is below 1000 ms, so the NS
         * has gone out by the poll at 1000 ms at the latest */
        assert_true(at <= 1000);
        assert_true(v6_find_icmp(135, 0) >= 0);
        assert_true(v6_find_icmp(133, 0) >= 0);
        seen_late += at > 0;
    }
    assert_true(seen_late > 0); /* not always immediate */
}

static void test_rs_timing_without_router(void **state)
{
    (void)state;
    v6_up();
    tn_advance_ms(0);
    assert_int_equal(v6_count_icmp(133), 1);
    tn_advance_ms(3999);
    assert_int_equal(v6_count_icmp(133), 1);
    tn_advance_ms(1);
    assert_int_equal(v6_count_icmp(133), 2);
    /* the second one comes from the link-local address, with an SLLA */
    const struct tn_frame *f = tn_tx((unsigned)v6_find_icmp(133, 1));
    assert_memory_equal(V6_SRC(f), v6_ll, 16);
    assert_int_equal(get16(V6_IP(f) + 4), 16);
    assert_int_equal(V6_L4(f)[8], 1);
    assert_memory_equal(V6_L4(f) + 10, v6_mac, 6);
    v6_assert_icmp_csum(f);
    tn_advance_ms(4000);
    assert_int_equal(v6_count_icmp(133), 3);
    tn_advance_ms(60000);
    assert_int_equal(v6_count_icmp(133), 3); /* MAX_RTR_SOLICITATIONS */
    assert_non_null(strstr(console, "no router answered 3 solicitations"));
    assert_int_equal(nd6_has_default_router(), 0);
    assert_int_equal(nd6_ra_flags(), 0);
}

static void test_rs_stops_after_ra(void **state)
{
    (void)state;
    struct t_pkt m;
    v6_up();
    tn_advance_ms(1100);
    v6_lab_ra(&m, 86400, 14400);
    v6_send_ra(&m);
    tn_advance_ms(20000);
    assert_int_equal(v6_count_icmp(133), 1);
}

static void test_dad_conflict_by_na(void **state)
{
    (void)state;
    struct t_pkt m, f;
    v6_up();
    tn_advance_ms(1100);
    v6_lab_ra(&m, 86400, 14400);
    v6_send_ra(&m);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_TENTATIVE);
    tn_advance_ms(0);
    assert_true(v6_find_icmp(135, 1) >= 0); /* DAD NS for the SLAAC address */
    uint32_t before = v6_counter(CTR_ND6_DAD_CONFLICT);
    v6_na_body(&m, v6_global, V6_NA_O, v6_peer_mac);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_peer_mac, v6_global, ip6_all_nodes, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_DUPLICATE);
    assert_int_equal(v6_counter(CTR_ND6_DAD_CONFLICT), before + 1);
    assert_non_null(strstr(console, "error: ip6: SLAAC address fd00:b007:1:0:5054:ff:fe12:3456 is in use by 52:54:00:00:00:02"));
    assert_non_null(strstr(console, "duplicate address detected on the link"));
    tn_advance_ms(5000);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_DUPLICATE);
    struct nd6_addr_info g[4];
    assert_int_equal(nd6_global_addrs(g, 4), 0);
    uint8_t src[16];
    assert_int_equal(ip6_select_src(v6_remote, src), NB_E_NO_ADDRESS);
    /* a packet to it is not ours */
    uint8_t ping[8] = { 128, 0, 0, 0, 0, 1, 0, 1 };
    v6_icmp_csum(ping, 8, v6_rtr_ll, v6_global);
    v6_frame(&f, v6_mac, v6_rtr_mac, v6_rtr_ll, v6_global, 58, 64, ping, 8);
    tn_tx_clear();
    tn_rx(f.b, f.len);
    assert_int_equal(v6_count_icmp(129), 0);
    /* later RAs do not bring it back */
    v6_lab_ra(&m, 86400, 14400);
    v6_send_ra(&m);
    tn_advance_ms(2000);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_DUPLICATE);
}

static void test_dad_conflict_by_ns_and_own_loopback(void **state)
{
    (void)state;
    struct t_pkt m, f;
    uint8_t snode[16] = V6_SNODE(v6_ll), smac[6];
    v6_snode_mac(v6_ll, smac);
    v6_up();
    tn_advance_ms(0);
    /* our own DAD NS looped back (same nonce): not a conflict */
    const struct tn_frame *own = tn_tx((unsigned)v6_find_icmp(135, 0));
    tn_rx(own->b, own->len);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_TENTATIVE);
    /* a resolution NS (unicast source) for a tentative address: ignored */
    v6_ns_body(&m, v6_ll, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_ll, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_TENTATIVE);
    /* another node's DAD for the same address: conflict */
    v6_ns_body(&m, v6_ll, NULL);
    t_u8(&m, 14);
    t_u8(&m, 1);
    t_put(&m, "\1\2\3\4\5\6", 6);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_unspec, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_DUPLICATE);
    assert_non_null(strstr(console, "IPv6 disabled on this interface"));
    assert_non_null(strstr(console, "duplicate address detected on the link"));
    /* IPv6 is off: no more RS, nothing is ours */
    tn_tx_clear();
    tn_advance_ms(20000);
    assert_int_equal(v6_count_icmp(133), 0);
    assert_int_equal(nd6_dst_class(ip6_all_nodes), ND6_DST_OTHER);
    uint8_t ll[16];
    assert_int_equal(nd6_link_local(ll), 0);
}

static void test_dad_disabled_by_params(void **state)
{
    (void)state;
    struct nd6_params prm;
    nd6_params_default(&prm);
    prm.start_delay_max_ms = 0;
    prm.dad_transmits = 0;
    v6_up_params(&prm);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_PREFERRED);
    assert_non_null(strstr(console, "(no DAD)"));
    tn_advance_ms(0);
    assert_int_equal(v6_count_icmp(135), 0);
    nd6_params_default(&prm);
    nd6_set_params(&prm);
}

static void test_dad_two_transmits(void **state)
{
    (void)state;
    struct nd6_params prm;
    nd6_params_default(&prm);
    prm.start_delay_max_ms = 0;
    prm.dad_transmits = 2;
    v6_up_params(&prm);
    tn_advance_ms(1999);
    assert_int_equal(v6_count_icmp(135), 2);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_TENTATIVE);
    tn_advance_ms(1);
    assert_int_equal(nd6_addr_state(v6_ll), ND6_ADDR_PREFERRED);
    nd6_params_default(&prm);
    nd6_set_params(&prm);
}

/* ---------------------------------------------------------------- RA */

static void test_ra_slaac_router_dns(void **state)
{
    (void)state;
    struct t_pkt m;
    v6_up();
    tn_advance_ms(1100);
    v6_ra_begin(&m, 61, 0xc0, 1800, 20000, 2000);
    v6_opt_lla(&m, 1, v6_rtr_mac);
    v6_opt_mtu(&m, 1400);
    v6_opt_pio(&m, v6_prefix, 64, V6_PIO_L | V6_PIO_A, 86400, 14400);
    v6_opt_rdnss(&m, v6_dns, 600);
    v6_opt_dnssl(&m, "\3lab\7example", 600);
    v6_send_ra(&m);
    assert_int_equal(nd6_ra_flags(), ND6_RA_SEEN | ND6_RA_MANAGED | ND6_RA_OTHER);
    assert_int_equal(nd6_has_default_router(), 1);
    uint8_t r[16];
    assert_int_equal(nd6_default_router(r), 1);
    assert_memory_equal(r, v6_rtr_ll, 16);
    assert_int_equal(nd6_cur_hop_limit(), 61);
    assert_int_equal(ip6_mtu(), 1400);
    struct nb_ip dns[4];
    assert_int_equal(nd6_dns_servers(dns, 4), 1);
    assert_int_equal(dns[0].family, 6);
    assert_memory_equal(dns[0].a, v6_dns, 16);
    assert_string_equal(nd6_dns_search(), "lab.example");
    assert_true(nd6_on_link(v6_peer_global));
    assert_false(nd6_on_link(v6_remote));
    assert_non_null(strstr(console, "ip6: router fe80::1 lifetime 1800 s (M=1 O=1"));
    /* the SLAAC address: tentative, DAD with RetransTimer from the RA (2 s) */
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_TENTATIVE);
    tn_advance_ms(1999);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_TENTATIVE);
    tn_advance_ms(1);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_PREFERRED);
    assert_non_null(strstr(console,
                           "ip6: prefix fd00:b007:1::/64 -> address fd00:b007:1:0:5054:ff:fe12:3456 (SLAAC, DAD ok)"));
    struct nd6_addr_info g[4];
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    assert_memory_equal(g[0].addr, v6_global, 16);
    assert_int_equal(g[0].origin, ND6_ORIGIN_SLAAC);
    assert_int_equal(g[0].valid_s, 86400 - 2);
    uint8_t src[16];
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK);
    assert_memory_equal(src, v6_global, 16);
    /* the RA is repeated: no new address, no new console line */
    char *mark = console + strlen(console);
    v6_send_ra(&m);
    tn_advance_ms(3000);
    assert_null(strstr(mark, "ip6: router"));
    struct nd6_addr_info all[ND6_MAX_ADDRS];
    assert_int_equal(nd6_addrs(all, ND6_MAX_ADDRS), 2);
}

static void test_ra_rejected(void **state)
{
    (void)state;
    struct t_pkt m, f;
    v6_up();
    tn_advance_ms(1100);
    v6_lab_ra(&m, 86400, 14400);
    /* from a global source */
    uint32_t c = v6_counter(CTR_ND6_RA_DROP_SRC);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, v6_peer_global, ip6_all_nodes, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_RA_DROP_SRC), c + 1);
    /* hop limit 254 */
    c = v6_counter(CTR_ND6_DROP_HOPLIMIT);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, v6_rtr_ll, ip6_all_nodes, 254, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_HOPLIMIT), c + 1);
    /* code 1 */
    struct t_pkt bad = m;
    bad.b[1] = 1;
    c = v6_counter(CTR_ND6_DROP_INVALID);
    v6_send_ra(&bad);
    assert_int_equal(v6_counter(CTR_ND6_DROP_INVALID), c + 1);
    /* bad checksum */
    c = v6_counter(CTR_ICMP6_DROP_CSUM);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, v6_rtr_ll, ip6_all_nodes, 255, &m);
    f.b[f.len - 1] ^= 1;
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ICMP6_DROP_CSUM), c + 1);
    /* a zero-length option after valid ones */
    bad = m;
    t_u8(&bad, 25);
    t_u8(&bad, 0);
    t_zeros(&bad, 6);
    c = v6_counter(CTR_ND6_DROP_OPTION);
    v6_send_ra(&bad);
    assert_int_equal(v6_counter(CTR_ND6_DROP_OPTION), c + 1);
    /* an option running past the end */
    bad = m;
    t_u8(&bad, 25);
    t_u8(&bad, 3);
    t_zeros(&bad, 6);
    v6_send_ra(&bad);
    assert_int_equal(v6_counter(CTR_ND6_DROP_OPTION), c + 2);
    /* every cut of the frame (the IPv6 payload length still says the whole
     * message): dropped by IPv6 before ND sees it */
    c = v6_counter(CTR_IP6_DROP_LEN);
    uint32_t ra_rx = v6_counter(CTR_ND6_RA_RX);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, v6_rtr_ll, ip6_all_nodes, 255, &m);
    for (size_t n = V6_ETH + 40; n < f.len; n++)
        tn_rx(f.b, n);
    assert_int_equal(v6_counter(CTR_IP6_DROP_LEN), c + (f.len - V6_ETH - 40));
    /* every truncation of the message itself (lengths consistent): only the
     * cuts at an option boundary are valid RAs (fixed part alone, + SLLA) */
    for (size_t n = 4; n < m.len; n++) {
        struct t_pkt cut = m;
        cut.len = n;
        v6_send_ra(&cut);
    }
    assert_int_equal(v6_counter(CTR_ND6_RA_RX), ra_rx + 2);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_NONE);
    /* and the whole one works */
    v6_send_ra(&m);
    assert_int_equal(nd6_has_default_router(), 1);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_TENTATIVE);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_ra_prefix_rules(void **state)
{
    (void)state;
    struct t_pkt m;
    static const uint8_t p48[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 2 };
    static const uint8_t p3[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 3 };
    static const uint8_t p4[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 4 };
    static const uint8_t ll_prefix[16] = { 0xfe, 0x80 };
    v6_up();
    tn_advance_ms(1100);
    v6_ra_begin(&m, 64, 0, 1800, 0, 0);
    v6_opt_pio(&m, p48, 48, V6_PIO_L | V6_PIO_A, 3600, 3600);   /* not /64: on-link only */
    v6_opt_pio(&m, p3, 64, V6_PIO_A, 3600, 7200);              /* preferred > valid: ignored */
    v6_opt_pio(&m, ll_prefix, 64, V6_PIO_L | V6_PIO_A, 3600, 3600); /* link-local: ignored */
    v6_opt_pio(&m, p4, 64, V6_PIO_A, 3600, 1800);              /* A without L */
    v6_send_ra(&m);
    tn_advance_ms(1100);
    struct nd6_addr_info g[4];
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    assert_memory_equal(g[0].addr, p4, 8);
    assert_non_null(strstr(console, "fd00:b007:2::/48 is not a /64"));
    /* on-link: the /48 yes, the A-only /64 no (its hosts are behind the router) */
    uint8_t in48[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 2, 0xab, 0xcd, [15] = 7 };
    uint8_t in4[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 4, [15] = 7 };
    assert_true(nd6_on_link(in48));
    assert_false(nd6_on_link(in4));
    assert_true(nd6_on_link(v6_peer_ll));
}

static void test_lifetimes_and_two_hour_rule(void **state)
{
    (void)state;
    struct t_pkt m;
    struct nd6_addr_info g[4];
    v6_up();
    tn_advance_ms(1100);
    v6_lab_ra(&m, 3 * 3600, 1800);
    v6_send_ra(&m);
    tn_advance_ms(1000);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_PREFERRED);
    /* (e) 2: a short valid lifetime while more than two hours remain: 2 h */
    v6_lab_ra(&m, 60, 30);
    v6_send_ra(&m);
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    assert_int_equal(g[0].valid_s, 7200);
    assert_int_equal(g[0].preferred_s, 30);
    /* preferred lifetime over: deprecated, still usable, but not preferred */
    tn_advance_ms(30000);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_DEPRECATED);
    assert_non_null(strstr(console, "deprecated"));
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    uint8_t src[16];
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK);
    /* a DHCPv6 address now wins: preferred over deprecated */
    static const uint8_t dh[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [14] = 1, [15] = 0 };
    assert_int_equal(nd6_addr_add(dh, 128, 600, 900), NB_OK);
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK);
    assert_memory_equal(src, v6_global, 16); /* still tentative: not a candidate */
    tn_advance_ms(1000);
    assert_int_equal(nd6_addr_state(dh), ND6_ADDR_PREFERRED);
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK);
    assert_memory_equal(src, dh, 16);
    assert_non_null(strstr(console, "(DHCPv6, DAD ok)"));
    nd6_addr_remove(dh);
    assert_int_equal(nd6_addr_state(dh), ND6_ADDR_NONE);
    /* (e) 3: at most two hours remain and the RA says less: ignored */
    tn_advance_ms(6000ull * 1000u); /* 7200 - 30 - 1 - 6000 s left */
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    uint32_t left = g[0].valid_s;
    assert_true(left < 7200);
    v6_lab_ra(&m, 100, 0);
    v6_send_ra(&m);
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    assert_int_equal(g[0].valid_s, left);
    /* (e) 1: longer than what remains: taken */
    v6_lab_ra(&m, left + 50, 0);
    v6_send_ra(&m);
    assert_int_equal(nd6_global_addrs(g, 4), 1);
    assert_int_equal(g[0].valid_s, left + 50);
    /* valid lifetime over: gone (the router expired meanwhile too) */
    tn_advance_ms((uint64_t)(left + 51) * 1000u);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_NONE);
    assert_non_null(strstr(console, "expired"));
}

static void test_router_lifetime(void **state)
{
    (void)state;
    struct t_pkt m;
    v6_up();
    tn_advance_ms(1100);
    v6_ra_begin(&m, 64, 0, 30, 0, 0);
    v6_send_ra(&m);
    assert_int_equal(nd6_has_default_router(), 1);
    tn_advance_ms(29000);
    assert_int_equal(nd6_has_default_router(), 1);
    tn_advance_ms(1000);
    assert_int_equal(nd6_has_default_router(), 0);
    v6_send_ra(&m);
    assert_int_equal(nd6_has_default_router(), 1);
    v6_ra_begin(&m, 64, 0, 0, 0, 0); /* lifetime 0: no longer a default router */
    v6_send_ra(&m);
    assert_int_equal(nd6_has_default_router(), 0);
    assert_non_null(strstr(console, "withdrawn"));
    assert_int_equal(nd6_ra_flags(), ND6_RA_SEEN);
}

static void test_mtu_option_bounds(void **state)
{
    (void)state;
    struct t_pkt m;
    v6_up();
    tn_advance_ms(1100);
    v6_ra_begin(&m, 64, 0, 1800, 0, 0);
    v6_opt_mtu(&m, 1279);
    v6_send_ra(&m);
    assert_int_equal(ip6_mtu(), 1500);
    v6_ra_begin(&m, 64, 0, 1800, 0, 0);
    v6_opt_mtu(&m, 9000);
    v6_send_ra(&m);
    assert_int_equal(ip6_mtu(), 1500);
    v6_ra_begin(&m, 64, 0, 1800, 0, 0);
    v6_opt_mtu(&m, 1280);
    v6_send_ra(&m);
    assert_int_equal(ip6_mtu(), 1280);
}

/* ---------------------------------------------------------------- NS / NA */

static void test_answers_ns(void **state)
{
    (void)state;
    struct t_pkt m, f;
    uint8_t snode[16] = V6_SNODE(v6_global), smac[6];
    v6_snode_mac(v6_global, smac);
    v6_up_with_router();
    /* address resolution from a peer: unicast NA, S and O, TLLA */
    v6_ns_body(&m, v6_global, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 255, &m);
    tn_rx(f.b, f.len);
    int i = v6_find_icmp(136, 0);
    assert_true(i >= 0);
    const struct tn_frame *na = tn_tx((unsigned)i);
    assert_memory_equal(na->b, v6_peer_mac, 6); /* learned from the SLLA */
    assert_memory_equal(V6_SRC(na), v6_global, 16);
    assert_memory_equal(V6_DST(na), v6_peer_global, 16);
    assert_int_equal(V6_IP(na)[7], 255);
    assert_int_equal(V6_L4(na)[4], V6_NA_S | V6_NA_O);
    assert_memory_equal(V6_L4(na) + 8, v6_global, 16);
    assert_int_equal(V6_L4(na)[24], 2);
    assert_memory_equal(V6_L4(na) + 26, v6_mac, 6);
    v6_assert_icmp_csum(na);
    /* DAD from another node for our (valid) address: defended to ff02::1 */
    tn_tx_clear();
    v6_ns_body(&m, v6_global, NULL);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_unspec, snode, 255, &m);
    tn_rx(f.b, f.len);
    i = v6_find_icmp(136, 0);
    assert_true(i >= 0);
    na = tn_tx((unsigned)i);
    assert_memory_equal(V6_DST(na), ip6_all_nodes, 16);
    assert_memory_equal(na->b, v6_all_nodes_mac, 6);
    assert_int_equal(V6_L4(na)[4], V6_NA_O);
    assert_int_equal(nd6_addr_state(v6_global), ND6_ADDR_PREFERRED);
    /* NS for an address that is not ours: silence */
    tn_tx_clear();
    v6_ns_body(&m, v6_remote, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(tn_tx_count(), 0);
}

static void test_ns_invalid(void **state)
{
    (void)state;
    struct t_pkt m, f;
    uint8_t snode[16] = V6_SNODE(v6_global), smac[6];
    v6_snode_mac(v6_global, smac);
    v6_up_with_router();
    /* from :: with an SLLA */
    uint32_t c = v6_counter(CTR_ND6_DROP_INVALID);
    v6_ns_body(&m, v6_global, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_unspec, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_INVALID), c + 1);
    /* from :: to a unicast destination */
    v6_ns_body(&m, v6_global, NULL);
    v6_icmp_frame(&f, v6_mac, v6_peer_mac, v6_unspec, v6_global, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_INVALID), c + 2);
    /* multicast target */
    v6_ns_body(&m, ip6_all_nodes, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_INVALID), c + 3);
    /* hop limit 64 */
    c = v6_counter(CTR_ND6_DROP_HOPLIMIT);
    v6_ns_body(&m, v6_global, v6_peer_mac);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 64, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_HOPLIMIT), c + 1);
    /* zero-length option */
    c = v6_counter(CTR_ND6_DROP_OPTION);
    v6_ns_body(&m, v6_global, NULL);
    t_u8(&m, 1);
    t_u8(&m, 0);
    t_zeros(&m, 6);
    v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_ND6_DROP_OPTION), c + 1);
    /* every truncation of a valid NS */
    v6_ns_body(&m, v6_global, v6_peer_mac);
    for (size_t n = 4; n < m.len; n++) {
        struct t_pkt cut = m;
        cut.len = n;
        v6_icmp_frame(&f, smac, v6_peer_mac, v6_peer_global, snode, 255, &cut);
        tn_rx(f.b, f.len);
    }
    /* the cut right after the target is a valid NS without SLLA: its NA
     * waits for the asker's address to resolve, which never happens */
    assert_int_equal(v6_count_icmp(136), 0);
    assert_int_equal(v6_count_icmp(135), 1);
    tn_advance_ms(3000);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

/* ---------------------------------------------------------------- neighbour cache */

static struct udp_sock sock;
static void sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                    const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)src, (void)sport, (void)dst, (void)data, (void)len;
}

static void test_resolution_fails_after_three_ns(void **state)
{
    (void)state;
    v6_up_with_router();
    assert_int_equal(udp_open(&sock, 6, 0, sock_rx, NULL), NB_OK);
    struct nb_ip dst = nb_ip_from(6, v6_peer_global);
    uint32_t fails = v6_counter(CTR_ND6_RESOLVE_FAIL), qd = v6_counter(CTR_ND6_QUEUE_DROP);
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "a", 1), NB_OK);
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "b", 1), NB_OK); /* queued behind "a" */
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "c", 1), NB_OK);
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "d", 1), NB_OK);
    assert_int_equal(v6_counter(CTR_ND6_QUEUE_DROP), qd); /* four fit */
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "e", 1), NB_OK); /* drops "a", the oldest */
    assert_int_equal(v6_counter(CTR_ND6_QUEUE_DROP), qd + 1);
    assert_int_equal(v6_count_icmp(135), 1);
    const struct tn_frame *ns = tn_tx((unsigned)v6_find_icmp(135, 0));
    uint8_t snode[16] = V6_SNODE(v6_peer_global);
    assert_memory_equal(V6_DST(ns), snode, 16);
    assert_memory_equal(V6_SRC(ns), v6_global, 16);
    assert_int_equal(V6_L4(ns)[24], 1); /* SLLA */
    tn_advance_ms(1000);
    assert_int_equal(v6_count_icmp(135), 2);
    tn_advance_ms(1000);
    assert_int_equal(v6_count_icmp(135), 3);
    assert_int_equal(v6_counter(CTR_ND6_RESOLVE_FAIL), fails);
    tn_advance_ms(1000);
    assert_int_equal(v6_count_icmp(135), 3);
    assert_int_equal(v6_counter(CTR_ND6_RESOLVE_FAIL), fails + 1);
    assert_int_equal(sock.icmp_error, NB_E_NEIGHBOR_UNREACHABLE);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    udp_close(&sock);
}

static void test_neighbour_states(void **state)
{
    (void)state;
    struct t_pkt m, f;
    v6_up_with_router();
    assert_int_equal(udp_open(&sock, 6, 0, sock_rx, NULL), NB_OK);
    struct nb_ip dst = nb_ip_from(6, v6_peer_global);
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "a", 1), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    /* solicited NA: REACHABLE, queued datagram leaves to the peer's MAC */
    v6_na_body(&m, v6_peer_global, V6_NA_S | V6_NA_O, v6_peer_mac);
    v6_icmp_frame(&f, v6_mac, v6_peer_mac, v6_peer_global, v6_global, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(tn_tx_count(), 2);
    const struct tn_frame *u = tn_tx(1);
    assert_memory_equal(u->b, v6_peer_mac, 6);
    assert_int_equal(V6_IP(u)[6], NB_PROTO_UDP);
    /* REACHABLE sends without asking */
    tn_tx_clear();
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "b", 1), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    /* after ReachableTime (<= 1.5 x 30 s) STALE; a send moves to DELAY, then
     * PROBE sends a unicast NS after 5 s */
    tn_advance_ms(45000);
    tn_tx_clear();
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "c", 1), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    tn_advance_ms(4999);
    assert_int_equal(v6_count_icmp(135), 0);
    tn_advance_ms(1);
    assert_int_equal(v6_count_icmp(135), 1);
    const struct tn_frame *ns = tn_tx((unsigned)v6_find_icmp(135, 0));
    assert_memory_equal(ns->b, v6_peer_mac, 6);
    assert_memory_equal(V6_DST(ns), v6_peer_global, 16);
    /* an unsolicited NA without O and another MAC does not move the entry */
    static const uint8_t other_mac[6] = { 0x52, 0x54, 0, 0, 0, 0x99 };
    v6_na_body(&m, v6_peer_global, 0, other_mac);
    v6_icmp_frame(&f, v6_mac, other_mac, v6_peer_global, v6_global, 255, &m);
    tn_rx(f.b, f.len);
    tn_tx_clear();
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "d", 1), NB_OK);
    assert_memory_equal(tn_tx(0)->b, v6_peer_mac, 6);
    /* no answer to the probes: after 3 the entry goes, the next send asks
     * again by multicast */
    tn_advance_ms(3000);
    assert_int_equal(v6_count_icmp(135), 2);
    tn_tx_clear();
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "e", 1), NB_OK);
    assert_int_equal(v6_count_icmp(135), 1);
    uint8_t snode[16] = V6_SNODE(v6_peer_global);
    assert_memory_equal(V6_DST(tn_tx((unsigned)v6_find_icmp(135, 0))), snode, 16);
    /* an NA with O and a new MAC answers it */
    v6_na_body(&m, v6_peer_global, V6_NA_S | V6_NA_O, other_mac);
    v6_icmp_frame(&f, v6_mac, other_mac, v6_peer_global, v6_global, 255, &m);
    tn_rx(f.b, f.len);
    assert_memory_equal(tn_tx(tn_tx_count() - 1)->b, other_mac, 6);
    udp_close(&sock);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_offlink_via_router(void **state)
{
    (void)state;
    v6_up_with_router();
    assert_int_equal(udp_open(&sock, 6, 0, sock_rx, NULL), NB_OK);
    struct nb_ip dst = nb_ip_from(6, v6_remote);
    assert_int_equal(udp_sendto(&sock, NULL, &dst, 9, "x", 1), NB_OK);
    /* the router's MAC came with its RA (STALE): sent at once */
    assert_int_equal(tn_tx_count(), 1);
    assert_memory_equal(tn_tx(0)->b, v6_rtr_mac, 6);
    assert_memory_equal(V6_DST(tn_tx(0)), v6_remote, 16);
    assert_memory_equal(V6_SRC(tn_tx(0)), v6_global, 16);
    assert_int_equal(V6_IP(tn_tx(0))[7], 64);
    udp_close(&sock);
}

/* Resolving ahead (the site race): the router learned from its RA is ready
 * at once; an on-link peer gets one NS, nothing queued, ready after the NA. */
static void test_resolve_ahead(void **state)
{
    (void)state;
    struct t_pkt m, f;
    v6_up_with_router();
    tn_tx_clear();
    assert_int_equal(ip6_next_hop_ready(v6_remote), 1); /* via the router: its MAC came with the RA */
    assert_int_equal(tn_tx_count(), 0);
    assert_int_equal(ip6_next_hop_ready(v6_peer_global), 0);
    assert_int_equal(ip6_next_hop_ready(v6_peer_global), 0); /* still resolving: no second NS */
    assert_int_equal(v6_count_icmp(135), 1);
    assert_int_equal(tn_tx_count(), 1); /* the NS only */
    v6_na_body(&m, v6_peer_global, V6_NA_S | V6_NA_O, v6_peer_mac);
    v6_icmp_frame(&f, v6_mac, v6_peer_mac, v6_peer_global, v6_global, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(tn_tx_count(), 1); /* nothing was queued */
    assert_int_equal(ip6_next_hop_ready(v6_peer_global), 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_dhcp6_address_dad_conflict(void **state)
{
    (void)state;
    struct t_pkt m, f;
    static const uint8_t dh[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [14] = 1, [15] = 0 };
    v6_up_with_router();
    assert_int_equal(nd6_addr_add(dh, 128, 100, 50), NB_E_INVALID); /* preferred > valid */
    assert_int_equal(nd6_addr_add(v6_peer_ll, 128, 100, 100), NB_E_INVALID);
    assert_int_equal(nd6_addr_add(dh, 128, 1800, 3600), NB_OK);
    assert_int_equal(nd6_addr_state(dh), ND6_ADDR_TENTATIVE);
    tn_advance_ms(0);
    assert_true(v6_find_icmp(135, 0) >= 0);
    v6_na_body(&m, dh, V6_NA_O, v6_peer_mac);
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_peer_mac, dh, ip6_all_nodes, 255, &m);
    tn_rx(f.b, f.len);
    assert_int_equal(nd6_addr_state(dh), ND6_ADDR_DUPLICATE);
    assert_non_null(strstr(console, "DHCPv6 address fd00:b007:1::100 is in use by 52:54:00:00:00:02"));
    assert_int_equal(nd6_addr_add(dh, 128, 1800, 3600), NB_E_DAD_CONFLICT);
}

static void test_addr_table_full(void **state)
{
    (void)state;
    v6_up_with_router();
    unsigned added = 0;
    nb_err e = NB_OK;
    for (unsigned i = 0; i < ND6_MAX_ADDRS + 2 && e == NB_OK; i++) {
        uint8_t a[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [14] = 2, [15] = (uint8_t)i };
        e = nd6_addr_add(a, 128, 100, 100);
        added += e == NB_OK;
    }
    assert_int_equal(e, NB_E_NO_MEMORY);
    assert_int_equal(added, ND6_MAX_ADDRS - 2); /* link-local and SLAAC hold two */
}

/* ---------------------------------------------------------------- option parser */

static void test_parse_opts(void **state)
{
    (void)state;
    struct t_pkt m;
    struct nd6_opts o;
    m.len = 0;
    v6_opt_lla(&m, 1, v6_rtr_mac);
    v6_opt_mtu(&m, 1400);
    v6_opt_pio(&m, v6_prefix, 64, V6_PIO_L | V6_PIO_A, 100, 50);
    v6_opt_rdnss(&m, v6_dns, 300);
    v6_opt_dnssl(&m, "\3lab\7example", 300);
    t_u8(&m, 200); /* unknown: skipped */
    t_u8(&m, 1);
    t_zeros(&m, 6);
    uint8_t *c = t_dup(m.b, m.len);
    assert_int_equal(nd6_parse_opts(c, m.len, &o), NB_OK);
    assert_non_null(o.slla);
    assert_memory_equal(o.slla, v6_rtr_mac, 6);
    assert_null(o.tlla);
    assert_int_equal(o.mtu, 1400);
    assert_int_equal(o.n_pio, 1);
    assert_int_equal(o.pio[0].prefix_len, 64);
    assert_true(o.pio[0].on_link && o.pio[0].autonomous);
    assert_int_equal(o.pio[0].valid_s, 100);
    assert_int_equal(o.pio[0].preferred_s, 50);
    assert_int_equal(o.n_rdnss, 1);
    assert_int_equal(o.rdnss_lifetime, 300);
    char name[ND6_DOMAIN_MAX];
    assert_int_equal(nd6_dnssl_first(o.dnssl, o.dnssl_len, name, sizeof name), NB_OK);
    assert_string_equal(name, "lab.example");
    free(c);
    /* every truncation: an error or a clean shorter walk, never a read past */
    for (size_t n = 0; n < m.len; n++) {
        uint8_t *d = t_dup(m.b, n);
        nb_err e = nd6_parse_opts(d, n, &o);
        assert_true(e == NB_OK ? n % 8 == 0 : 1);
        free(d);
    }
}

static void test_parse_opts_bad(void **state)
{
    (void)state;
    struct nd6_opts o;
    static const uint8_t zero_len[8] = { 1, 0, 1, 2, 3, 4, 5, 6 };
    assert_int_equal(nd6_parse_opts(zero_len, 8, &o), NB_E_BAD_OPTION);
    static const uint8_t unknown_zero[8] = { 99, 0 };
    assert_int_equal(nd6_parse_opts(unknown_zero, 8, &o), NB_E_BAD_OPTION);
    static const uint8_t overrun[8] = { 1, 2, 1, 2, 3, 4, 5, 6 };
    assert_int_equal(nd6_parse_opts(overrun, 8, &o), NB_E_BAD_OPTION);
    static const uint8_t one_byte[1] = { 1 };
    assert_int_equal(nd6_parse_opts(one_byte, 1, &o), NB_E_BAD_OPTION);
    static const uint8_t lla16[16] = { 1, 2 };
    assert_int_equal(nd6_parse_opts(lla16, 16, &o), NB_E_MALFORMED);
    uint8_t pio_short[24] = { 3, 3 };
    assert_int_equal(nd6_parse_opts(pio_short, 24, &o), NB_E_MALFORMED);
    uint8_t pio_len[32] = { 3, 4, 129 };
    assert_int_equal(nd6_parse_opts(pio_len, 32, &o), NB_E_MALFORMED);
    uint8_t rdnss_even[32] = { 25, 4 };
    assert_int_equal(nd6_parse_opts(rdnss_even, 32, &o), NB_E_MALFORMED);
    uint8_t rdnss_empty[8] = { 25, 1 };
    assert_int_equal(nd6_parse_opts(rdnss_empty, 8, &o), NB_E_MALFORMED);
    uint8_t dnssl_short[8] = { 31, 1 };
    assert_int_equal(nd6_parse_opts(dnssl_short, 8, &o), NB_E_MALFORMED);
    uint8_t mtu_long[16] = { 5, 2 };
    assert_int_equal(nd6_parse_opts(mtu_long, 16, &o), NB_E_MALFORMED);
    assert_int_equal(nd6_parse_opts(NULL, 0, &o), NB_OK);
    /* more prefix options than we take */
    uint8_t many[32 * (ND6_MAX_PIO + 2)];
    memset(many, 0, sizeof many);
    for (unsigned i = 0; i < ND6_MAX_PIO + 2; i++) {
        many[32 * i] = 3;
        many[32 * i + 1] = 4;
        many[32 * i + 2] = 64;
    }
    assert_int_equal(nd6_parse_opts(many, sizeof many, &o), NB_OK);
    assert_int_equal(o.n_pio, ND6_MAX_PIO);
    assert_int_equal(o.pio_ignored, 2);
}

static void test_dnssl_names(void **state)
{
    (void)state;
    char out[ND6_DOMAIN_MAX];
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\3abc\0\0\0", 8, out, sizeof out), NB_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\0\0\0\0", 4, out, sizeof out), NB_E_NOT_FOUND);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\3abc", 4, out, sizeof out), NB_E_TRUNCATED);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\5abc", 4, out, sizeof out), NB_E_TRUNCATED);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\xc0\x0c", 2, out, sizeof out), NB_E_MALFORMED);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\3a b\0", 5, out, sizeof out), NB_E_MALFORMED);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\3abc\0", 5, out, 3), NB_E_TOO_BIG);
    assert_int_equal(nd6_dnssl_first((const uint8_t *)"\3abc\0", 5, out, 4), NB_OK);
    /* a name of many maximal labels stays within the buffer */
    uint8_t big[300];
    size_t n = 0;
    while (n + 64 < sizeof big - 1) {
        big[n++] = 63;
        memset(big + n, 'a', 63);
        n += 63;
    }
    big[n++] = 0;
    assert_int_equal(nd6_dnssl_first(big, n, out, sizeof out), NB_E_TOO_BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_sends_dad_and_rs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_delay_is_random_and_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rs_timing_without_router, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rs_stops_after_ra, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dad_conflict_by_na, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dad_conflict_by_ns_and_own_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dad_disabled_by_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dad_two_transmits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ra_slaac_router_dns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ra_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ra_prefix_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifetimes_and_two_hour_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_lifetime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtu_option_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_ns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ns_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution_fails_after_three_ns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neighbour_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offlink_via_router, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dhcp6_address_dad_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addr_table_full, setup, teardown),
        cmocka_unit_test(test_parse_opts),
        cmocka_unit_test(test_parse_opts_bad),
        cmocka_unit_test(test_dnssl_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
