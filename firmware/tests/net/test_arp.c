/* net/arp.c: replies (exact bytes), what is learned from whom, resolution
 * (queue of 4, oldest dropped; 3 requests 1 s apart, then drop + counter),
 * expiry, the conflict rule (a READY entry is re-pointed only after the old
 * MAC stayed silent through verification), the RFC 5227 probe API DHCP
 * uses, malformed packets, and cache exhaustion. Time is the fake clock. */
#include "ip4util.h"

static char console[16384];

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

/* An IPv4 packet (20 bytes; byte 1 = tag) handed to ARP for next hop. */
static nb_err out(const uint8_t hop[4], uint8_t tag)
{
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    uint8_t *d = pkb_put(p, 20);
    memset(d, 0, 20);
    d[0] = 0x45;
    d[1] = tag;
    return arp_output(p, hop);
}

/* The n-th IPv4 frame sent: its destination MAC and tag. */
static const uint8_t *ip_dst_mac(unsigned n)
{
    const struct tn_frame *f = v4_nth(ETH_P_IP, n);
    assert_non_null(f);
    return f->b;
}
static uint8_t ip_tag(unsigned n)
{
    const struct tn_frame *f = v4_nth(ETH_P_IP, n);
    assert_non_null(f);
    return f->b[V4_ETH + 1];
}

/* Where a packet to hop goes right now: 1 and *mac if sent at once, 0 if
 * it had to wait for resolution. The capture is cleared. */
static int sent_directly(const uint8_t hop[4], uint8_t mac[6])
{
    tn_tx_clear();
    assert_int_equal(out(hop, 0x77), NB_OK);
    int direct = v4_count(ETH_P_IP) == 1;
    if (direct)
        memcpy(mac, ip_dst_mac(0), 6);
    tn_tx_clear();
    return direct;
}

static void assert_goes_to(const uint8_t hop[4], const uint8_t want[6])
{
    uint8_t mac[6];
    assert_true(sent_directly(hop, mac));
    assert_memory_equal(mac, want, 6);
}

/* ---------------------------------------------------------------- replies */

static void test_request_for_us_gets_exact_reply(void **state)
{
    (void)state;
    v4_rx_arp_request(v4_peer, v4_peer_mac, v4_ip);
    assert_int_equal(tn_tx_count(), 1);
    static const uint8_t want[42] = {
        0x52, 0x54, 0x00, 0x00, 0x00, 0x32, /* to the asker */
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,             /* Ethernet/IPv4, reply */
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 198, 18, 1, 100, /* we are at our MAC */
        0x52, 0x54, 0x00, 0x00, 0x00, 0x32, 198, 18, 1, 50,  /* to the asker */
    };
    assert_int_equal(tn_tx(0)->len, sizeof want);
    assert_memory_equal(tn_tx(0)->b, want, sizeof want);
    assert_int_equal(nb_counters[CTR_ARP_RX], 1);
    assert_int_equal(nb_counters[CTR_ARP_REPLY_SENT], 1);

    /* padded to the Ethernet minimum (60 bytes), sent unicast: same reply */
    tn_tx_clear();
    struct t_pkt f;
    v4_arp_frame(&f, v4_mac, v4_gw_mac, 1, v4_gw_mac, v4_gw, v4_zero_mac, v4_ip);
    t_zeros(&f, 18);
    tn_rx(f.b, f.len);
    assert_int_equal(tn_tx_count(), 1);
    assert_memory_equal(tn_tx(0)->b, v4_gw_mac, 6);
    assert_memory_equal(tn_tx(0)->b + 32, v4_gw_mac, 6);
    assert_memory_equal(tn_tx(0)->b + 38, v4_gw, 4);
}

static void test_no_reply_for_others_or_replies(void **state)
{
    (void)state;
    static const uint8_t other_ip[4] = { 198, 18, 1, 77 };
    v4_rx_arp_request(v4_peer, v4_peer_mac, other_ip);
    v4_rx_arp_request(v4_peer, v4_peer_mac, v4_subnet_bcast);
    v4_rx_arp_reply(v4_peer, v4_peer_mac); /* a reply is never answered */
    assert_int_equal(v4_count(ETH_P_ARP), 0);
    assert_int_equal(nb_counters[CTR_ARP_REPLY_SENT], 0);
}

static void test_unconfigured_answers_nothing(void **state)
{
    (void)state;
    v4_up_unconfigured();
    v4_rx_arp_request(v4_peer, v4_peer_mac, v4_ip);
    v4_rx_arp_request(v4_peer, v4_peer_mac, v4_any);
    assert_int_equal(tn_tx_count(), 0);
}

static void test_probe_for_our_address_is_answered(void **state)
{
    (void)state;
    /* RFC 5227 probe (sender 0.0.0.0) for our address: we defend it */
    v4_rx_arp_request(v4_any, v4_other_mac, v4_ip);
    assert_int_equal(v4_count(ETH_P_ARP), 1);
    const struct tn_frame *r = v4_nth(ETH_P_ARP, 0);
    assert_int_equal(v4_arp_op(r), 2);
    assert_memory_equal(r->b, v4_other_mac, 6);
    assert_memory_equal(V4_ARP(r) + 14, v4_ip, 4);
    assert_memory_equal(V4_ARP(r) + 24, v4_any, 4);
    /* and 0.0.0.0 was not learned as a neighbour */
    uint8_t mac[6];
    assert_false(sent_directly(v4_any, mac));
}

/* ---------------------------------------------------------------- learning */

static void test_learns_from_request_naming_us(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    assert_goes_to(v4_peer, v4_peer_mac);
    assert_int_equal(v4_count_arp_requests(v4_peer), 0);
}

static void test_does_not_learn_from_strangers(void **state)
{
    (void)state;
    static const uint8_t other_ip[4] = { 198, 18, 1, 77 };
    /* a request not naming us, a reply to someone else, a gratuitous ARP:
     * none creates an entry (RFC 826: only "am I the target?" adds) */
    v4_rx_arp_request(v4_peer, v4_peer_mac, other_ip);
    struct t_pkt f;
    v4_arp_frame(&f, v4_bcast_mac, v4_gw_mac, 2, v4_gw_mac, v4_gw, v4_other_mac, other_ip);
    tn_rx(f.b, f.len);
    v4_rx_arp_request(other_ip, v4_other_mac, other_ip);
    uint8_t mac[6];
    assert_false(sent_directly(v4_peer, mac));
    assert_false(sent_directly(v4_gw, mac));
    assert_false(sent_directly(other_ip, mac));
}

static void test_our_own_address_is_never_learned(void **state)
{
    (void)state;
    /* another station claims our address (a gratuitous request, then a
     * reply): it is not put in the cache, so a packet to that address never
     * goes to the claimant's MAC; the claim is counted as a conflict */
    v4_rx_arp_request(v4_ip, v4_other_mac, v4_ip);
    struct t_pkt f;
    v4_arp_frame(&f, v4_mac, v4_other_mac, 2, v4_other_mac, v4_ip, v4_mac, v4_ip);
    tn_rx(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 2);
    uint8_t mac[6];
    assert_false(sent_directly(v4_ip, mac));
}

static void test_reply_naming_us_is_learned(void **state)
{
    (void)state;
    v4_rx_arp_reply(v4_gw, v4_gw_mac);
    assert_goes_to(v4_gw, v4_gw_mac);
}

/* ---------------------------------------------------------------- resolution */

static void test_resolution_request_exact_and_flush(void **state)
{
    (void)state;
    assert_int_equal(out(v4_peer, 1), NB_OK);
    assert_int_equal(out(v4_peer, 2), NB_OK);
    assert_int_equal(out(v4_peer, 3), NB_OK);
    assert_int_equal(v4_count(ETH_P_IP), 0); /* all waiting */
    assert_int_equal(v4_count(ETH_P_ARP), 1); /* one request, not one per packet */
    static const uint8_t want[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 198, 18, 1, 100,
        0, 0, 0, 0, 0, 0, 198, 18, 1, 50,
    };
    const struct tn_frame *r = v4_nth(ETH_P_ARP, 0);
    assert_int_equal(r->len, sizeof want);
    assert_memory_equal(r->b, want, sizeof want);
    assert_int_equal(nb_counters[CTR_ARP_REQ_SENT], 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE - 3); /* held by the entry */

    tn_tx_clear();
    v4_rx_arp_reply(v4_peer, v4_peer_mac);
    assert_int_equal(v4_count(ETH_P_IP), 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_memory_equal(ip_dst_mac(i), v4_peer_mac, 6);
        assert_int_equal(ip_tag(i), i + 1); /* in the order they were sent */
    }
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* resolved: no more requests, the next packet goes at once */
    tn_advance_ms(5000);
    assert_int_equal(v4_count_arp_requests(v4_peer), 0);
    assert_goes_to(v4_peer, v4_peer_mac);
}

/* Resolving ahead (the site race): one request, nothing queued, ready
 * once answered; for an off-link destination the gateway is what resolves. */
static void test_resolve_ahead(void **state)
{
    (void)state;
    static const uint8_t far[4] = { 198, 18, 254, 1 };
    assert_int_equal(ip4_next_hop_ready(far), 0);
    assert_int_equal(v4_count_arp_requests(v4_gw), 1);
    assert_int_equal(ip4_next_hop_ready(far), 0); /* still resolving: no second request */
    assert_int_equal(arp_resolve_ahead(v4_gw), 0);
    assert_int_equal(v4_count_arp_requests(v4_gw), 1);
    assert_int_equal(v4_count(ETH_P_IP), 0);
    v4_rx_arp_reply(v4_gw, v4_gw_mac);
    assert_int_equal(v4_count(ETH_P_IP), 0); /* nothing was queued */
    assert_int_equal(ip4_next_hop_ready(far), 1);
    assert_goes_to(v4_gw, v4_gw_mac);
    assert_int_equal(ip4_next_hop_ready(v4_subnet_bcast), 1); /* broadcast: nothing to resolve */
    tn_tx_clear();
    assert_int_equal(ip4_next_hop_ready(v4_peer), 0); /* on-link: the peer itself */
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
}

static void test_queue_keeps_newest_four(void **state)
{
    (void)state;
    for (uint8_t t = 1; t <= 6; t++)
        assert_int_equal(out(v4_peer, t), NB_OK);
    assert_int_equal(nb_counters[CTR_ARP_QUEUE_DROP], 2);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE - 4);
    tn_tx_clear();
    v4_rx_arp_reply(v4_peer, v4_peer_mac);
    assert_int_equal(v4_count(ETH_P_IP), 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(ip_tag(i), i + 3); /* 1 and 2, the oldest, were dropped */
}

static void test_retries_then_drop(void **state)
{
    (void)state;
    assert_int_equal(out(v4_peer, 1), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
    tn_advance_ms(999);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
    tn_advance_ms(1);
    assert_int_equal(v4_count_arp_requests(v4_peer), 2);
    tn_advance_ms(1000);
    assert_int_equal(v4_count_arp_requests(v4_peer), 3);
    for (unsigned i = 0; i < 3; i++) /* every one broadcast */
        assert_memory_equal(v4_nth(ETH_P_ARP, i)->b, v4_bcast_mac, 6);
    assert_int_equal(nb_counters[CTR_ARP_RESOLVE_FAIL], 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE - 1);
    tn_advance_ms(1000); /* 3 s: given up, no fourth request */
    assert_int_equal(v4_count_arp_requests(v4_peer), 3);
    assert_int_equal(nb_counters[CTR_ARP_RESOLVE_FAIL], 1);
    assert_int_equal(nb_counters[CTR_ARP_QUEUE_DROP], 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE); /* the queued packet is gone */
    tn_advance_ms(10000);
    assert_int_equal(v4_count_arp_requests(v4_peer), 3);
    assert_int_equal(v4_count(ETH_P_IP), 0);
    /* the next packet starts a fresh resolution at once */
    tn_tx_clear();
    assert_int_equal(out(v4_peer, 2), NB_OK);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
}

static void test_entry_expiry_and_refresh(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    tn_advance_ms(119999);
    assert_goes_to(v4_peer, v4_peer_mac);
    tn_tx_clear();
    tn_advance_ms(1); /* 120 s after the last confirmation: PROBE, not forgotten */
    assert_int_equal(v4_count(ETH_P_ARP), 1);
    assert_memory_equal(v4_nth(ETH_P_ARP, 0)->b, v4_peer_mac, 6); /* unicast, to the MAC it had */
    assert_goes_to(v4_peer, v4_peer_mac); /* traffic keeps flowing meanwhile */
    v4_rx_arp_reply(v4_peer, v4_peer_mac); /* it answers: READY again for 120 s */
    tn_tx_clear();
    tn_advance_ms(119000);
    assert_goes_to(v4_peer, v4_peer_mac);
    assert_int_equal(v4_count(ETH_P_ARP), 0);
    /* confirmed again by a request from it (for anyone): lives on */
    static const uint8_t other_ip[4] = { 198, 18, 1, 77 };
    v4_rx_arp_request(v4_peer, v4_peer_mac, other_ip);
    tn_advance_ms(119000);
    assert_goes_to(v4_peer, v4_peer_mac);
    /* expiry with a silent peer: three unicast probes, then forgotten */
    tn_tx_clear();
    tn_advance_ms(1000 + 3000);
    assert_int_equal(v4_count(ETH_P_ARP), 3);
    uint8_t mac[6];
    assert_false(sent_directly(v4_peer, mac));
}

static void test_cache_full(void **state)
{
    (void)state;
    uint8_t ip[4] = { 198, 18, 1, 10 };
    for (unsigned i = 0; i < 16; i++) {
        ip[3] = (uint8_t)(10 + i);
        assert_int_equal(out(ip, (uint8_t)i), NB_OK);
    }
    assert_int_equal(v4_count(ETH_P_ARP), 16);
    /* every entry mid-resolution: the 17th packet is dropped and counted */
    ip[3] = 30;
    assert_int_equal(out(ip, 99), NB_E_NO_BUFFER);
    assert_int_equal(nb_counters[CTR_ARP_QUEUE_DROP], 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE - 16);
    /* resolve them all, .10 first (the least recently confirmed) */
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x01, 0x00 };
    for (unsigned i = 0; i < 16; i++) {
        ip[3] = (uint8_t)(10 + i);
        mac[5] = (uint8_t)i;
        v4_rx_arp_reply(ip, mac);
        tn_advance_ms(10);
    }
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    /* a 17th neighbour takes the oldest entry (.10); .11 is still known */
    ip[3] = 30;
    assert_false(sent_directly(ip, mac));
    ip[3] = 11;
    assert_true(sent_directly(ip, mac));
    assert_int_equal(mac[5], 1);
    ip[3] = 10;
    assert_false(sent_directly(ip, mac));
}

static void test_reconfigure_flushes(void **state)
{
    (void)state;
    assert_int_equal(out(v4_peer, 1), NB_OK);
    v4_learn(v4_gw, v4_gw_mac);
    net_ip4_configure(v4_ip, v4_mask24, v4_gw);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    tn_tx_clear();
    tn_advance_ms(5000); /* the pending entry's retries went with it */
    assert_int_equal(v4_count(ETH_P_ARP), 0);
    uint8_t mac[6];
    assert_false(sent_directly(v4_gw, mac));
}

/* ---------------------------------------------------------------- conflicts */

static int console_has(const char *s) { return strstr(console, s) != NULL; }

static void test_conflict_old_mac_answers(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    /* someone else claims the peer's address */
    struct t_pkt f;
    v4_arp_frame(&f, v4_mac, v4_other_mac, 2, v4_other_mac, v4_peer, v4_mac, v4_ip);
    tn_rx(f.b, f.len);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 1);
    /* not taken: the old MAC is asked, unicast */
    assert_int_equal(v4_count(ETH_P_ARP), 1);
    const struct tn_frame *r = v4_nth(ETH_P_ARP, 0);
    assert_int_equal(v4_arp_op(r), 1);
    assert_memory_equal(r->b, v4_peer_mac, 6);
    assert_memory_equal(V4_ARP(r) + 24, v4_peer, 4);
    assert_goes_to(v4_peer, v4_peer_mac);
    /* the old MAC answers: the claim is refused */
    tn_advance_ms(500);
    v4_rx_arp_reply(v4_peer, v4_peer_mac);
    tn_tx_clear();
    tn_advance_ms(5000);
    assert_int_equal(v4_count(ETH_P_ARP), 0); /* verification over */
    assert_goes_to(v4_peer, v4_peer_mac);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 1);
    assert_false(console_has("moved to"));
}

static void test_conflict_old_mac_silent(void **state)
{
    (void)state;
    v4_learn(v4_peer, v4_peer_mac);
    tn_advance_ms(1000);
    /* a gratuitous ARP from another MAC for the peer's address */
    v4_rx_arp_request(v4_peer, v4_other_mac, v4_peer);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 1);
    assert_int_equal(v4_count_arp_requests(v4_peer), 1);
    tn_advance_ms(1000);
    assert_int_equal(v4_count_arp_requests(v4_peer), 2);
    tn_advance_ms(500);
    /* the claimant again: the old MAC keeps its chance, the count goes on */
    v4_rx_arp_request(v4_peer, v4_other_mac, v4_peer);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 1);
    tn_advance_ms(500);
    assert_int_equal(v4_count_arp_requests(v4_peer), 3);
    for (unsigned i = 0; i < 3; i++) { /* every verification went to the old MAC */
        const struct tn_frame *r = v4_nth(ETH_P_ARP, i);
        assert_memory_equal(r->b, v4_peer_mac, 6);
    }
    tn_advance_ms(999);
    assert_goes_to(v4_peer, v4_peer_mac); /* still the old one */
    tn_advance_ms(1);                     /* 3 s: three tries unanswered */
    assert_goes_to(v4_peer, v4_other_mac);
    assert_true(console_has("arp: 198.18.1.50 moved to 52:54:00:00:00:99 (old MAC silent)"));
    tn_tx_clear();
    tn_advance_ms(5000);
    assert_int_equal(v4_count(ETH_P_ARP), 0);
}

static void test_conflict_third_claimant_restarts(void **state)
{
    (void)state;
    static const uint8_t third_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x33 };
    v4_learn(v4_peer, v4_peer_mac);
    v4_rx_arp_request(v4_peer, v4_other_mac, v4_peer);
    tn_advance_ms(500);
    v4_rx_arp_request(v4_peer, third_mac, v4_peer);
    assert_int_equal(nb_counters[CTR_ARP_CONFLICT], 2);
    tn_advance_ms(2999); /* 3 s after the second claim, less 1 ms */
    assert_goes_to(v4_peer, v4_peer_mac);
    tn_advance_ms(1);
    assert_goes_to(v4_peer, third_mac); /* the latest claimant */
}

/* ---------------------------------------------------------------- probe API */

static void test_probe_and_conflict_seen(void **state)
{
    (void)state;
    v4_up_unconfigured(); /* as during DHCP */
    static const uint8_t offered[4] = { 198, 18, 1, 100 };
    static const uint8_t other_ip[4] = { 198, 18, 1, 77 };
    assert_int_equal(arp_probe(offered), NB_OK);
    static const uint8_t want[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0, 0, 0, /* sender IP 0.0.0.0 */
        0, 0, 0, 0, 0, 0, 198, 18, 1, 100,
    };
    assert_int_equal(tn_tx_count(), 1);
    assert_memory_equal(tn_tx(0)->b, want, sizeof want);
    assert_false(arp_conflict_seen(offered));
    /* someone asking who has it, and an answer about another address:
     * no conflict */
    v4_rx_arp_request(v4_peer, v4_peer_mac, offered);
    struct t_pkt f;
    v4_arp_frame(&f, v4_mac, v4_other_mac, 2, v4_other_mac, other_ip, v4_mac, v4_any);
    tn_rx(f.b, f.len);
    assert_false(arp_conflict_seen(offered));
    /* our own probe, looped back by a switch: not a conflict */
    tn_rx(tn_tx(0)->b, tn_tx(0)->len);
    assert_false(arp_conflict_seen(offered));
    /* the holder answers the probe */
    v4_arp_frame(&f, v4_mac, v4_other_mac, 2, v4_other_mac, offered, v4_mac, v4_any);
    tn_rx(f.b, f.len);
    assert_true(arp_conflict_seen(offered));
    assert_false(arp_conflict_seen(other_ip)); /* only for the probed address */
    /* a new probe starts clean */
    tn_tx_clear();
    assert_int_equal(arp_probe(offered), NB_OK);
    assert_false(arp_conflict_seen(offered));
    /* another host probing the same address at the same time (RFC 5227 §2.1.1) */
    v4_rx_arp_request(v4_any, v4_other_mac, offered);
    assert_true(arp_conflict_seen(offered));
    /* an announcement (gratuitous request) by a holder */
    assert_int_equal(arp_probe(offered), NB_OK);
    v4_rx_arp_request(offered, v4_other_mac, offered);
    assert_true(arp_conflict_seen(offered));
    /* nothing was answered while unconfigured */
    for (unsigned i = 0; i < tn_tx_count(); i++)
        if (v4_frame_type(tn_tx(i)) == ETH_P_ARP)
            assert_int_equal(v4_arp_op(tn_tx(i)), 1);
    /* configuring the address ends the probe */
    net_ip4_configure(offered, v4_mask24, v4_gw);
    assert_false(arp_conflict_seen(offered));
}

/* ---------------------------------------------------------------- malformed */

static void test_malformed_dropped(void **state)
{
    (void)state;
    struct t_pkt good;
    v4_arp_frame(&good, v4_bcast_mac, v4_peer_mac, 1, v4_peer_mac, v4_peer, v4_zero_mac, v4_ip);
    struct { size_t off; uint8_t v[6]; size_t n; } bad[] = {
        { 14, { 0x00, 0x06 }, 2 },        /* htype IEEE 802 */
        { 16, { 0x86, 0xdd }, 2 },        /* ptype IPv6 */
        { 18, { 8 }, 1 },                 /* hlen */
        { 19, { 16 }, 1 },                /* plen */
        { 20, { 0x00, 0x00 }, 2 },        /* op 0 */
        { 20, { 0x00, 0x03 }, 2 },        /* op 3 (RARP request) */
        { 22, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, 6 }, /* multicast sender */
        { 22, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 6 }, /* broadcast sender */
        { 22, { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, 6 }, /* our own MAC */
    };
    for (unsigned i = 0; i < T_ARRAY_LEN(bad); i++) {
        struct t_pkt f = good;
        memcpy(f.b + bad[i].off, bad[i].v, bad[i].n);
        tn_rx(f.b, f.len);
        assert_int_equal(nb_counters[CTR_ARP_DROP_MALFORMED], i + 1);
    }
    /* one byte short of an ARP packet, at exact size (ASan) */
    uint8_t *c = t_dup(good.b, good.len - 1);
    tn_rx(c, good.len - 1);
    free(c);
    assert_int_equal(nb_counters[CTR_ARP_DROP_MALFORMED], T_ARRAY_LEN(bad) + 1);
    assert_int_equal(tn_tx_count(), 0); /* nothing answered */
    uint8_t mac[6];
    assert_false(sent_directly(v4_peer, mac)); /* nothing learned */
    /* and the good one is answered */
    tn_rx(good.b, good.len);
    assert_int_equal(v4_count(ETH_P_ARP), 1);
    assert_int_equal(v4_arp_op(v4_nth(ETH_P_ARP, 0)), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_for_us_gets_exact_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reply_for_others_or_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfigured_answers_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_for_our_address_is_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learns_from_request_naming_us, setup, teardown),
        cmocka_unit_test_setup_teardown(test_does_not_learn_from_strangers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_our_own_address_is_never_learned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_naming_us_is_learned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolution_request_exact_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_keeps_newest_four, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_then_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_expiry_and_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconfigure_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_old_mac_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_old_mac_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_third_claimant_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_and_conflict_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_dropped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
