/* net/mld6.c: the solicited-node group is reported before DAD, queries are
 * answered within their Maximum Response Delay with every group we hold,
 * and invalid queries are ignored. */
#include "ip6util.h"
#include "net/mld6.h"

static const uint8_t all_mld_routers[16] = { 0xff, 0x02, [15] = 0x16 };

/* The MLDv2 report in a captured frame (after the hop-by-hop header), or NULL. */
static const uint8_t *report_of(const struct tn_frame *f)
{
    if (!v6_is_ip6(f) || V6_IP(f)[6] != IP6_NH_HOPOPTS || f->len < V6_ETH + 40 + 8 + 8)
        return NULL;
    const uint8_t *h = V6_L4(f);
    if (h[0] != NB_PROTO_ICMP6 || h[2] != 5 || h[3] != 2 || h[8] != 143)
        return NULL;
    return h + 8;
}

static int find_report(unsigned nth)
{
    for (unsigned i = 0; i < tn_tx_count(); i++)
        if (report_of(tn_tx(i)) && nth-- == 0)
            return (int)i;
    return -1;
}

static void assert_report(const struct tn_frame *f, const uint8_t src[16], uint8_t rec_type,
                          const uint8_t group[16])
{
    const uint8_t *m = report_of(f);
    assert_non_null(m);
    static const uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 0x16 };
    assert_memory_equal(f->b, mac, 6);
    assert_memory_equal(V6_DST(f), all_mld_routers, 16);
    assert_memory_equal(V6_SRC(f), src, 16);
    assert_int_equal(V6_IP(f)[7], 1);
    size_t mlen = get16(V6_IP(f) + 4) - 8;
    assert_int_equal(mlen, 8 + 20 * get16(m + 6));
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, all_mld_routers);
    assert_int_equal(csum_transport(&s, &d, NB_PROTO_ICMP6, m, mlen), 0);
    assert_int_equal(get16(m + 6), 1);
    assert_int_equal(m[8], rec_type);
    assert_memory_equal(m + 12, group, 16);
}

static void send_query(uint8_t hop, const uint8_t src[16], uint16_t max_resp, size_t len)
{
    struct t_pkt m, f;
    m.len = 0;
    t_u8(&m, 130);
    t_u8(&m, 0);
    t_be16(&m, 0);
    t_be16(&m, max_resp);
    t_be16(&m, 0);
    t_zeros(&m, 16); /* general query */
    t_zeros(&m, 4);  /* v2: flags, QQIC, number of sources */
    m.len = len;
    v6_icmp_frame(&f, v6_all_nodes_mac, v6_rtr_mac, src, ip6_all_nodes, hop, &m);
    tn_rx(f.b, f.len);
}

static void test_report_before_dad(void **state)
{
    (void)state;
    uint8_t snode[16] = V6_SNODE(v6_ll);
    v6_up();
    tn_advance_ms(0);
    int r = find_report(0), ns = v6_find_icmp(135, 0);
    assert_true(r >= 0 && ns >= 0);
    assert_true(r < ns);
    assert_report(tn_tx((unsigned)r), v6_unspec, 4, snode);
    /* a DHCPv6 address in another /64 with another interface id: its group */
    static const uint8_t dh[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, [13] = 0xab, [14] = 0xcd, [15] = 0xef };
    tn_advance_ms(1000);
    tn_tx_clear();
    assert_int_equal(nd6_addr_add(dh, 128, 100, 100), NB_OK);
    tn_advance_ms(0);
    uint8_t g2[16] = V6_SNODE(dh);
    r = find_report(0);
    assert_true(r >= 0);
    assert_report(tn_tx((unsigned)r), v6_ll, 4, g2); /* from the link-local now */
}

static void test_query_answered(void **state)
{
    (void)state;
    uint8_t snode[16] = V6_SNODE(v6_ll);
    v6_up_with_router(); /* link-local and SLAAC share the group */
    send_query(1, v6_rtr_ll, 1000, 28);
    assert_int_equal(find_report(0), -1);
    tn_advance_ms(1000);
    int r = find_report(0);
    assert_true(r >= 0);
    assert_report(tn_tx((unsigned)r), v6_ll, 2, snode);
    assert_int_equal(find_report(1), -1);
    /* an MLDv1 query (24 bytes) with no delay: answered at once */
    tn_tx_clear();
    send_query(1, v6_rtr_ll, 0, 24);
    tn_advance_ms(0);
    assert_true(find_report(0) >= 0);
    /* huge Maximum Response Code (exponential form): bounded */
    tn_tx_clear();
    send_query(1, v6_rtr_ll, 0xffff, 28);
    tn_advance_ms(MLD6_MAX_DELAY_MS);
    assert_true(find_report(0) >= 0);
}

static void test_query_ignored(void **state)
{
    (void)state;
    v6_up_with_router();
    send_query(255, v6_rtr_ll, 0, 28);        /* hop limit not 1 */
    send_query(1, v6_peer_global, 0, 28);     /* not from a link-local address */
    send_query(1, v6_rtr_ll, 0, 20);          /* truncated */
    tn_advance_ms(MLD6_MAX_DELAY_MS);
    assert_int_equal(find_report(0), -1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_before_dad),
        cmocka_unit_test(test_query_answered),
        cmocka_unit_test(test_query_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
