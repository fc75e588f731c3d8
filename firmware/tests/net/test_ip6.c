/* net/ip6.c: the header and extension-header parser (every truncation,
 * option actions by their high bits, hop-by-hop out of place, routing and
 * fragment headers, the header-count bound), local delivery and what is
 * refused, and output (next hop, multicast MACs, MTU, source selection). */
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

/* ---------------------------------------------------------------- builders */

/* An extension header of 8*units bytes: next header, length, then the given
 * option bytes, PadN-filled to the end. */
static void ext_hdr(struct t_pkt *p, uint8_t nh, unsigned units, const uint8_t *opts, size_t olen)
{
    size_t total = 8u * units;
    assert_true(olen + 2 <= total);
    t_u8(p, nh);
    t_u8(p, (uint8_t)(units - 1));
    t_put(p, opts, olen);
    size_t pad = total - 2 - olen;
    if (pad == 1) {
        t_u8(p, 0);
    } else if (pad >= 2) {
        t_u8(p, 1);
        t_u8(p, (uint8_t)(pad - 2));
        t_zeros(p, pad - 2);
    }
}

/* An IPv6 packet (no Ethernet) src -> dst: the extension headers in `ext`
 * (first next header `first`), then an ICMPv6 echo request whose checksum
 * is right for src/dst. */
static void ip_with_ext(struct t_pkt *ip, const uint8_t src[16], const uint8_t dst[16],
                        uint8_t first, const struct t_pkt *ext)
{
    uint8_t echo[12] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };
    v6_icmp_csum(echo, sizeof echo, src, dst);
    ip->len = 0;
    t_be32(ip, 0x60000000u);
    t_be16(ip, (uint16_t)(ext->len + sizeof echo));
    t_u8(ip, ext->len ? first : 58);
    t_u8(ip, 64);
    t_put(ip, src, 16);
    t_put(ip, dst, 16);
    t_put(ip, ext->b, ext->len);
    t_put(ip, echo, sizeof echo);
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

static enum ip6_verdict parse_copy(const struct t_pkt *ip, size_t n, struct ip6_parsed *v)
{
    uint8_t *c = t_dup(ip->b, n);
    enum ip6_verdict r = ip6_parse(c, n, v);
    free(c);
    return r;
}

/* The Parameter Problem we sent: its code and pointer. */
static void assert_param_problem(uint8_t code, uint32_t pointer)
{
    int i = v6_find_icmp(4, 0);
    assert_true(i >= 0);
    const struct tn_frame *f = tn_tx((unsigned)i);
    v6_assert_icmp_csum(f);
    assert_int_equal(V6_L4(f)[1], code);
    assert_int_equal(get32(V6_L4(f) + 4), pointer);
    assert_memory_equal(V6_DST(f), v6_remote, 16);
    assert_memory_equal(V6_SRC(f), v6_global, 16);
    /* the invoking packet follows */
    assert_memory_equal(V6_L4(f) + 8 + 24, v6_global, 16);
}

/* ---------------------------------------------------------------- parser */

static void test_parse_full_chain_and_truncations(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    struct ip6_parsed v;
    static const uint8_t ra_opt[4] = { 5, 2, 0, 0 }; /* router alert: 00xxxxxx, skipped */
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_DSTOPTS, 1, ra_opt, sizeof ra_opt); /* hop-by-hop */
    ext_hdr(&ext, IP6_NH_ROUTING, 1, NULL, 0);                /* destination options */
    t_u8(&ext, IP6_NH_FRAGMENT);                              /* routing, segments left 0 */
    t_u8(&ext, 0);
    t_u8(&ext, 0);
    t_u8(&ext, 0);
    t_zeros(&ext, 4);
    t_u8(&ext, IP6_NH_DSTOPTS); /* atomic fragment (RFC 6946) */
    t_u8(&ext, 0);
    t_be16(&ext, 0);
    t_be32(&ext, 0x1234);
    ext_hdr(&ext, 58, 2, NULL, 0); /* destination options again, 16 bytes */
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_HOPOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DELIVER);
    assert_int_equal(v.proto, 58);
    assert_int_equal(v.off, 40 + 48);
    assert_int_equal(v.nh_off, 40 + 32);
    assert_int_equal(v.total_len, ip.len);
    assert_int_equal(v.hop_limit, 64);
    /* cut anywhere with the length field intact: short or bad length */
    for (size_t n = 0; n < ip.len; n++) {
        assert_int_equal(parse_copy(&ip, n, &v), IP6_DROP);
        assert_int_equal(v.reason, n < 40 ? CTR_IP6_DROP_SHORT : CTR_IP6_DROP_LEN);
    }
    /* cut with the length field following: only cuts at or after the
     * upper-layer header are delivered */
    for (size_t n = 40; n < ip.len; n++) {
        struct t_pkt cut = ip;
        cut.len = n;
        put16(cut.b + 4, (uint16_t)(n - 40));
        enum ip6_verdict r = parse_copy(&cut, n, &v);
        if (n >= 40 + 48)
            assert_int_equal(r, IP6_DELIVER);
        else
            assert_int_equal(r, IP6_DROP);
    }
    /* padding after the datagram is not part of it */
    struct t_pkt padded = ip;
    t_zeros(&padded, 30);
    assert_int_equal(parse_copy(&padded, padded.len, &v), IP6_DELIVER);
    assert_int_equal(v.total_len, ip.len);
}

static void test_parse_header_checks(void **state)
{
    (void)state;
    struct t_pkt ext = { .len = 0 }, ip;
    struct ip6_parsed v;
    ip_with_ext(&ip, v6_remote, v6_global, 58, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DELIVER);
    assert_int_equal(v.off, 40);
    struct t_pkt bad = ip;
    bad.b[0] = 0x40;
    assert_int_equal(parse_copy(&bad, bad.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_VERSION);
    bad = ip;
    put16(bad.b + 4, (uint16_t)(ip.len - 40 + 1));
    assert_int_equal(parse_copy(&bad, bad.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_LEN);
    bad = ip;
    memcpy(bad.b + 8, ip6_all_nodes, 16); /* multicast source */
    assert_int_equal(parse_copy(&bad, bad.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_SRC);
    assert_false(v.hdr_ok);
    bad = ip;
    memset(bad.b + 24, 0, 16);
    bad.b[39] = 1; /* ::1 from the wire */
    assert_int_equal(parse_copy(&bad, bad.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_SRC);
}

static void test_parse_option_actions(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    struct ip6_parsed v;
    static const struct {
        uint8_t type;
        enum ip6_verdict verdict;
        int even_mcast;
    } cases[] = {
        { 0x1e, IP6_DELIVER, 0 },       /* 00: skip */
        { 0x5e, IP6_DROP, 0 },          /* 01: discard */
        { 0x9e, IP6_PARAM_PROBLEM, 1 }, /* 10: discard, ICMP even to multicast */
        { 0xde, IP6_PARAM_PROBLEM, 0 }, /* 11: discard, ICMP unless multicast */
        { 0xc2, IP6_PARAM_PROBLEM, 0 }, /* jumbo payload: not for us */
    };
    for (size_t i = 0; i < T_ARRAY_LEN(cases); i++) {
        uint8_t opt[6] = { 1, 0, cases[i].type, 2, 0xaa, 0xbb }; /* PadN(0), then the option */
        ext.len = 0;
        ext_hdr(&ext, 58, 1, opt, sizeof opt);
        ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
        assert_int_equal(parse_copy(&ip, ip.len, &v), cases[i].verdict);
        if (cases[i].verdict == IP6_PARAM_PROBLEM) {
            assert_int_equal(v.icmp_code, 2);
            assert_int_equal(v.icmp_pointer, 40 + 2 + 2);
            assert_int_equal(v.icmp_even_to_multicast, cases[i].even_mcast);
        }
        if (cases[i].verdict != IP6_DELIVER)
            assert_int_equal(v.reason, CTR_IP6_DROP_OPTION);
    }
    /* an option running past its header */
    uint8_t over[4] = { 0x1e, 9, 0, 0 };
    ext.len = 0;
    ext_hdr(&ext, 58, 1, over, sizeof over);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_EXT);
    /* only Pad1 */
    ext.len = 0;
    t_u8(&ext, 58);
    t_u8(&ext, 0);
    t_zeros(&ext, 6);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DELIVER);
    /* a type byte as the last byte of the header: no room for its length */
    ext.len = 0;
    t_u8(&ext, 58);
    t_u8(&ext, 0);
    t_zeros(&ext, 5);
    t_u8(&ext, 0x1e);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DROP);
}

static void test_parse_hop_by_hop_position(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    struct ip6_parsed v;
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_HOPOPTS, 1, NULL, 0); /* dest opts naming hop-by-hop */
    ext_hdr(&ext, 58, 1, NULL, 0);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_PARAM_PROBLEM);
    assert_int_equal(v.icmp_code, 1);
    assert_int_equal(v.icmp_pointer, 40); /* the next header byte naming it */
    assert_int_equal(v.reason, CTR_IP6_DROP_HBH_POS);
    /* two hop-by-hop headers: the second is out of place */
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_HOPOPTS, 1, NULL, 0);
    ext_hdr(&ext, 58, 1, NULL, 0);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_HOPOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_PARAM_PROBLEM);
    assert_int_equal(v.icmp_pointer, 40);
}

static void test_parse_routing_fragment_none(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    struct ip6_parsed v;
    /* type 0 with segments left: never processed */
    ext.len = 0;
    t_u8(&ext, 58);
    t_u8(&ext, 2);
    t_u8(&ext, 0);  /* type 0 */
    t_u8(&ext, 1);  /* segments left */
    t_zeros(&ext, 4 + 16);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_ROUTING, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_PARAM_PROBLEM);
    assert_int_equal(v.icmp_code, 0);
    assert_int_equal(v.icmp_pointer, 42);
    assert_int_equal(v.reason, CTR_IP6_DROP_ROUTING);
    /* segment routing header (type 4) with segments left: the same */
    ext.b[2] = 4;
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_ROUTING, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_PARAM_PROBLEM);
    /* segments left 0: ignored */
    ext.b[3] = 0;
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_ROUTING, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DELIVER);
    /* a real fragment (M set, or an offset): dropped */
    ext.len = 0;
    t_u8(&ext, 58);
    t_u8(&ext, 0);
    t_be16(&ext, 1); /* M */
    t_be32(&ext, 7);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_FRAGMENT, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_FRAG);
    ext.b[2] = 0;
    ext.b[3] = 8; /* offset 1 */
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_FRAGMENT, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_FRAG);
    /* no next header */
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_NONE, 1, NULL, 0);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    assert_int_equal(parse_copy(&ip, ip.len, &v), IP6_DROP);
    assert_int_equal(v.reason, CTR_IP6_DROP_NO_NEXT);
}

static void test_parse_header_count_bound(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    struct ip6_parsed v;
    for (unsigned k = 1; k <= IP6_MAX_EXT_HDRS + 1; k++) {
        ext.len = 0;
        for (unsigned i = 0; i < k; i++)
            ext_hdr(&ext, i + 1 < k ? IP6_NH_DSTOPTS : 58, 1, NULL, 0);
        ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
        enum ip6_verdict r = parse_copy(&ip, ip.len, &v);
        if (k <= IP6_MAX_EXT_HDRS) {
            assert_int_equal(r, IP6_DELIVER);
        } else {
            assert_int_equal(r, IP6_DROP);
            assert_int_equal(v.reason, CTR_IP6_DROP_EXT_LIMIT);
        }
    }
}

/* ---------------------------------------------------------------- input */

static void test_input_delivers_through_ext_headers(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    v6_up_with_router();
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_DSTOPTS, 1, NULL, 0);
    ext_hdr(&ext, 58, 1, NULL, 0);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_HOPOPTS, &ext);
    rx_ip(&ip, v6_mac);
    int i = v6_find_icmp(129, 0);
    assert_true(i >= 0);
    assert_memory_equal(V6_DST(tn_tx((unsigned)i)), v6_remote, 16);
    /* with Ethernet padding after the datagram: the reply is not padded */
    struct t_pkt f;
    ext.len = 0;
    ip_with_ext(&ip, v6_remote, v6_global, 58, &ext);
    f.len = 0;
    t_put(&f, v6_mac, 6);
    t_put(&f, v6_rtr_mac, 6);
    t_be16(&f, 0x86dd);
    t_put(&f, ip.b, ip.len);
    t_zeros(&f, 20);
    tn_tx_clear();
    tn_rx(f.b, f.len);
    i = v6_find_icmp(129, 0);
    assert_true(i >= 0);
    assert_int_equal(get16(V6_IP(tn_tx((unsigned)i)) + 4), 12);
    assert_int_equal(tn_tx((unsigned)i)->len, V6_ETH + 40 + 12);
    v6_assert_icmp_csum(tn_tx((unsigned)i));
}

static void test_input_param_problems(void **state)
{
    (void)state;
    struct t_pkt ext, ip;
    v6_up_with_router();
    /* option 11xxxxxx to us: Parameter Problem code 2 at the option */
    uint8_t opt[2] = { 0xde, 0 };
    ext.len = 0;
    ext_hdr(&ext, 58, 1, opt, sizeof opt);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    uint32_t c = v6_counter(CTR_IP6_DROP_OPTION);
    rx_ip(&ip, v6_mac);
    assert_int_equal(v6_counter(CTR_IP6_DROP_OPTION), c + 1);
    assert_param_problem(2, 42);
    assert_int_equal(v6_count_icmp(129), 0);
    /* the same to ff02::1: silence */
    tn_tx_clear();
    ip_with_ext(&ip, v6_remote, ip6_all_nodes, IP6_NH_DSTOPTS, &ext);
    rx_ip(&ip, v6_all_nodes_mac);
    assert_int_equal(tn_tx_count(), 0);
    /* 10xxxxxx to ff02::1: answered */
    opt[0] = 0x9e;
    ext.len = 0;
    ext_hdr(&ext, 58, 1, opt, sizeof opt);
    ip_with_ext(&ip, v6_remote, ip6_all_nodes, IP6_NH_DSTOPTS, &ext);
    rx_ip(&ip, v6_all_nodes_mac);
    assert_int_equal(v6_count_icmp(4), 1);
    /* 01xxxxxx: silently dropped */
    tn_tx_clear();
    opt[0] = 0x5e;
    ext.len = 0;
    ext_hdr(&ext, 58, 1, opt, sizeof opt);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    rx_ip(&ip, v6_mac);
    assert_int_equal(tn_tx_count(), 0);
    /* hop-by-hop out of place */
    tn_tx_clear();
    ext.len = 0;
    ext_hdr(&ext, IP6_NH_HOPOPTS, 1, NULL, 0);
    ext_hdr(&ext, 58, 1, NULL, 0);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_DSTOPTS, &ext);
    rx_ip(&ip, v6_mac);
    assert_param_problem(1, 40);
    /* an unknown upper layer: code 1 at the next header field */
    tn_advance_ms(1000);
    tn_tx_clear();
    ext.len = 0;
    ip_with_ext(&ip, v6_remote, v6_global, 58, &ext);
    ip.b[6] = 253;
    c = v6_counter(CTR_IP6_DROP_PROTO);
    rx_ip(&ip, v6_mac);
    assert_int_equal(v6_counter(CTR_IP6_DROP_PROTO), c + 1);
    assert_param_problem(1, 6);
    /* routing header with segments left */
    tn_tx_clear();
    ext.len = 0;
    t_u8(&ext, 58);
    t_u8(&ext, 0);
    t_u8(&ext, 0);
    t_u8(&ext, 1);
    t_zeros(&ext, 4);
    ip_with_ext(&ip, v6_remote, v6_global, IP6_NH_ROUTING, &ext);
    rx_ip(&ip, v6_mac);
    assert_param_problem(0, 42);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_input_not_ours(void **state)
{
    (void)state;
    struct t_pkt ext = { .len = 0 }, ip;
    v6_up_with_router();
    uint32_t c = v6_counter(CTR_IP6_DROP_NOT_US);
    /* another unicast address, even with a bad next header: no answer */
    ip_with_ext(&ip, v6_remote, v6_peer_global, 58, &ext);
    ip.b[6] = 253;
    rx_ip(&ip, v6_mac);
    /* a group we are not in */
    static const uint8_t group[16] = { 0xff, 0x02, [15] = 0x16 };
    ip_with_ext(&ip, v6_remote, group, 58, &ext);
    rx_ip(&ip, v6_all_nodes_mac);
    assert_int_equal(v6_counter(CTR_IP6_DROP_NOT_US), c + 2);
    assert_int_equal(tn_tx_count(), 0);
    /* our solicited-node group is ours */
    uint8_t snode[16] = V6_SNODE(v6_global);
    assert_int_equal(nd6_dst_class(snode), ND6_DST_OURS);
    assert_int_equal(nd6_dst_class(ip6_all_nodes), ND6_DST_OURS);
    assert_int_equal(nd6_dst_class(v6_ll), ND6_DST_OURS);
    assert_int_equal(nd6_dst_class(ip6_all_routers), ND6_DST_OTHER);
}

static void test_input_tentative_and_unspecified(void **state)
{
    (void)state;
    struct t_pkt ext = { .len = 0 }, ip;
    v6_up();
    assert_int_equal(nd6_dst_class(v6_ll), ND6_DST_TENTATIVE);
    uint32_t c = v6_counter(CTR_IP6_DROP_TENTATIVE);
    ip_with_ext(&ip, v6_peer_ll, v6_ll, 58, &ext); /* echo request */
    rx_ip(&ip, v6_mac);
    assert_int_equal(v6_counter(CTR_IP6_DROP_TENTATIVE), c + 1);
    assert_int_equal(v6_count_icmp(129), 0);
    tn_advance_ms(1000);
    assert_int_equal(nd6_dst_class(v6_ll), ND6_DST_OURS);
    /* UDP from :: is refused (only DAD may use ::) */
    uint8_t udp[8] = { 0, 9, 0, 9, 0, 8, 0, 0 };
    struct t_pkt f;
    c = v6_counter(CTR_IP6_DROP_SRC);
    v6_frame(&f, v6_mac, v6_peer_mac, v6_unspec, v6_ll, NB_PROTO_UDP, 64, udp, sizeof udp);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_IP6_DROP_SRC), c + 1);
}

static struct udp_sock usock;
static struct nb_ip got_src, got_dst;
static size_t got_len;
static uint16_t got_sport;
static void usock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                     const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)data;
    got_src = *src;
    got_dst = *dst;
    got_sport = sport;
    got_len = len;
}

static void test_input_delivers_udp_and_tcp(void **state)
{
    (void)state;
    struct t_pkt f, seg;
    v6_up_with_router();
    assert_int_equal(udp_open(&usock, 6, 4011, usock_rx, NULL), NB_OK);
    /* UDP through a destination options header, in a padded frame */
    seg.len = 0;
    t_u8(&seg, 17); /* dest opts -> UDP */
    t_u8(&seg, 0);
    t_zeros(&seg, 6);
    t_be16(&seg, 547);
    t_be16(&seg, 4011);
    t_be16(&seg, 8 + 5);
    t_be16(&seg, 0);
    t_put(&seg, "hello", 5);
    struct nb_ip s = nb_ip_from(6, v6_remote), d = nb_ip_from(6, v6_global);
    uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, seg.b + 8, 13);
    put16(seg.b + 8 + 6, c ? c : 0xffff);
    v6_frame(&f, v6_mac, v6_rtr_mac, v6_remote, v6_global, IP6_NH_DSTOPTS, 64, seg.b, seg.len);
    t_zeros(&f, 16);
    got_len = 0;
    tn_rx(f.b, f.len);
    assert_int_equal(got_len, 5);
    assert_int_equal(got_sport, 547);
    assert_int_equal(got_src.family, 6);
    assert_memory_equal(got_src.a, v6_remote, 16);
    assert_memory_equal(got_dst.a, v6_global, 16);
    udp_close(&usock);
    /* TCP reaches tcp_input */
    uint32_t before = v6_counter(CTR_TCP_RX);
    uint8_t syn[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };
    s = nb_ip_from(6, v6_remote);
    put16(syn + 16, csum_transport(&s, &d, NB_PROTO_TCP, syn, sizeof syn));
    v6_frame(&f, v6_mac, v6_rtr_mac, v6_remote, v6_global, NB_PROTO_TCP, 64, syn, sizeof syn);
    tn_rx(f.b, f.len);
    assert_int_equal(v6_counter(CTR_TCP_RX), before + 1);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

/* ---------------------------------------------------------------- output */

static void test_output_multicast_and_errors(void **state)
{
    (void)state;
    v6_up();
    tn_advance_ms(1000);
    tn_tx_clear();
    static const uint8_t dhcp[16] = { 0xff, 0x02, [13] = 1, [15] = 2 }; /* ff02::1:2 */
    struct pkb *p = pkb_alloc();
    memset(pkb_put(p, 8), 0, 8);
    assert_int_equal(ip6_output(p, NB_PROTO_UDP, NULL, dhcp, 0), NB_OK);
    assert_int_equal(tn_tx_count(), 1);
    const struct tn_frame *f = tn_tx(0);
    static const uint8_t mmac[6] = { 0x33, 0x33, 0, 1, 0, 2 };
    assert_memory_equal(f->b, mmac, 6);
    assert_memory_equal(V6_SRC(f), v6_ll, 16);
    assert_int_equal(V6_IP(f)[7], 1); /* multicast default hop limit */
    assert_int_equal(V6_IP(f)[0] >> 4, 6);
    /* no global address, no router: a global destination has no source */
    p = pkb_alloc();
    pkb_put(p, 8);
    assert_int_equal(ip6_output(p, NB_PROTO_UDP, NULL, v6_remote, 0), NB_E_NO_ADDRESS);
    /* with an explicit source but no router: no route */
    p = pkb_alloc();
    pkb_put(p, 8);
    assert_int_equal(ip6_output(p, NB_PROTO_UDP, v6_global, v6_remote, 0), NB_E_NO_ROUTE);
    /* larger than the MTU */
    p = pkb_alloc();
    pkb_put(p, 1500 - 40 + 1);
    assert_int_equal(ip6_output(p, NB_PROTO_UDP, NULL, dhcp, 0), NB_E_MSG_TOO_BIG);
    p = pkb_alloc();
    pkb_put(p, 1500 - 40);
    assert_int_equal(ip6_output(p, NB_PROTO_UDP, NULL, dhcp, 0), NB_OK);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static void test_source_selection(void **state)
{
    (void)state;
    uint8_t src[16];
    v6_up_with_router();
    assert_int_equal(ip6_select_src(v6_peer_ll, src), NB_OK);
    assert_memory_equal(src, v6_ll, 16);
    assert_int_equal(ip6_select_src(ip6_all_nodes, src), NB_OK);
    assert_memory_equal(src, v6_ll, 16);
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK);
    assert_memory_equal(src, v6_global, 16);
    static const uint8_t site_group[16] = { 0xff, 0x05, [15] = 3 };
    assert_int_equal(ip6_select_src(site_group, src), NB_OK);
    assert_memory_equal(src, v6_global, 16);
    assert_int_equal(ip6_select_src(v6_unspec, src), NB_E_INVALID);
    /* same address wins (rule 1); longest prefix among equals (rule 8) */
    static const uint8_t other[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 9, [15] = 0x77 };
    assert_int_equal(nd6_addr_add(other, 128, 600, 600), NB_OK);
    tn_advance_ms(1000);
    assert_int_equal(ip6_select_src(other, src), NB_OK);
    assert_memory_equal(src, other, 16);
    assert_int_equal(ip6_select_src(v6_remote, src), NB_OK); /* fd00:b007:9::9 */
    assert_memory_equal(src, other, 16);
    assert_int_equal(ip6_select_src(v6_peer_global, src), NB_OK);
    assert_memory_equal(src, v6_global, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full_chain_and_truncations),
        cmocka_unit_test(test_parse_header_checks),
        cmocka_unit_test(test_parse_option_actions),
        cmocka_unit_test(test_parse_hop_by_hop_position),
        cmocka_unit_test(test_parse_routing_fragment_none),
        cmocka_unit_test(test_parse_header_count_bound),
        cmocka_unit_test_setup_teardown(test_input_delivers_through_ext_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_param_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_delivers_udp_and_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_tentative_and_unspecified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_multicast_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_selection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
