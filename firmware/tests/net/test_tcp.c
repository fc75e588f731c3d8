/* net/tcp.c: the parser (options, every truncation), and the connection
 * driven through the real stack on the test netdev (testnet.h) with a fake
 * clock: handshake, data in order / out of order / duplicate / overlapping,
 * SACK blocks, window scaling and updates, zero windows, RTO timing with
 * Karn and backoff, fast retransmit and NewReno, FIN and RST in the states
 * that meet them, RFC 5961 challenge ACKs, ICMP errors, connect timeouts. */
#include "testutil.h"
#include "testnet.h"
#include <stdio.h>
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip.h"
#include "net/stack.h"
#include "net/tcp.h"

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t our_ip[4] = { 198, 18, 0, 2 };
static const uint8_t peer_ip[4] = { 198, 18, 0, 1 };
static const uint8_t mask24[4] = { 255, 255, 255, 0 };
static const uint8_t no_gw[4] = { 0, 0, 0, 0 };

#define PISS 1000000u /* the peer's ISN */
#define PORT 80u

static struct tcp_conn C;
static uint8_t rxb[65536], txb[65536];
static uint32_t iss;            /* our ISN, from the captured SYN */
static struct tcp_params prm;

/* ---------------------------------------------------------------- frames */

/* Default SYN-ACK options: MSS 1460, WS 7, SACK-permitted. */
static const uint8_t opt_full[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };

static size_t build_seg(uint8_t *seg, const struct tcp_conn *c, uint32_t seq, uint32_t ack,
                        uint8_t flags, uint16_t wnd, const uint8_t *opt, size_t optlen,
                        const uint8_t *data, size_t len)
{
    size_t hlen = TCP_HLEN + ((optlen + 3) & ~(size_t)3);
    memset(seg, 0, hlen);
    put16(seg, c->rport);
    put16(seg + 2, c->lport);
    put32(seg + 4, seq);
    put32(seg + 8, ack);
    seg[12] = (uint8_t)((hlen / 4) << 4);
    seg[13] = flags;
    put16(seg + 14, wnd);
    if (optlen)
        memcpy(seg + TCP_HLEN, opt, optlen);
    if (len)
        memcpy(seg + hlen, data, len);
    struct nb_ip s = nb_ip_from(4, peer_ip), d = nb_ip_from(4, our_ip);
    put16(seg + 16, csum_transport(&s, &d, NB_PROTO_TCP, seg, hlen + len));
    return hlen + len;
}

static void rx_raw_tcp(const uint8_t *seg, size_t len)
{
    static uint8_t frame[2048];
    size_t n = tn_ip4_frame(frame, peer_mac, our_mac, peer_ip, our_ip, NB_PROTO_TCP, seg, len);
    tn_rx(frame, n);
}

static void peer_send_opt(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                          const uint8_t *opt, size_t optlen, const uint8_t *data, size_t len)
{
    static uint8_t seg[2048];
    rx_raw_tcp(seg, build_seg(seg, &C, seq, ack, flags, wnd, opt, optlen, data, len));
}

static void peer_send(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *data,
                      size_t len)
{
    peer_send_opt(seq, ack, flags, wnd, NULL, 0, data, len);
}

struct cap {
    struct tcp_seg s;
    uint8_t b[2048];
    size_t len;
};

/* The i-th captured TCP segment (0 if fewer were sent); checks its checksum. */
static int tcp_sent(unsigned i, struct cap *out)
{
    unsigned k = 0;
    for (unsigned f = 0; f < tn_tx_count(); f++) {
        size_t len;
        uint8_t src[4], dst[4];
        const uint8_t *seg = tn_ip4_payload(tn_tx(f), NB_PROTO_TCP, &len, src, dst);
        if (!seg)
            continue;
        if (k++ != i)
            continue;
        assert_memory_equal(src, our_ip, 4);
        assert_memory_equal(dst, peer_ip, 4);
        struct nb_ip s = nb_ip_from(4, src), d = nb_ip_from(4, dst);
        assert_int_equal(csum_transport(&s, &d, NB_PROTO_TCP, seg, len), 0);
        memcpy(out->b, seg, len);
        out->len = len;
        assert_int_equal(tcp_parse(out->b, len, &out->s), NB_OK);
        return 1;
    }
    return 0;
}

static unsigned n_tcp_sent(void)
{
    unsigned n = 0;
    struct cap c;
    while (tcp_sent(n, &c))
        n++;
    return n;
}

static struct cap last_cap;
static const struct tcp_seg *last_tcp(void)
{
    unsigned n = n_tcp_sent();
    assert_true(n > 0);
    tcp_sent(n - 1, &last_cap);
    return &last_cap.s;
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
    (void)state;
    tn_up(our_mac, 1500);
    net_ip4_configure(our_ip, mask24, no_gw);
    memset(nb_counters, 0, sizeof nb_counters);
    tcp_params_default(&prm);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tcp_abort(&C);
    return 0;
}

/* Connect and answer the ARP request; returns with our SYN captured. */
static void start_connect(size_t rxcap, size_t txcap)
{
    struct nb_ip dst = nb_ip_from(4, peer_ip);
    tn_tx_clear();
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, rxcap, txb, txcap, &prm), NB_OK);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    if (tn_is_arp_request(tn_tx(0), peer_ip)) { /* not when the ARP cache knows the peer */
        tn_tx_clear();
        tn_arp_reply(peer_ip, peer_mac, our_ip, our_mac);
    }
    const struct tcp_seg *syn = last_tcp();
    assert_int_equal(syn->flags, TCP_SYN);
    iss = syn->seq;
}

/* Full handshake after rtt_ms, with the peer's SYN-ACK options. */
static void establish_with(size_t rxcap, size_t txcap, const uint8_t *opt, size_t optlen,
                           uint16_t wnd, unsigned rtt_ms)
{
    start_connect(rxcap, txcap);
    tn_advance_ms(rtt_ms);
    tn_tx_clear();
    peer_send_opt(PISS, iss + 1, TCP_SYN | TCP_ACK, wnd, opt, optlen, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->flags, TCP_ACK);
    assert_int_equal(a->seq, iss + 1);
    assert_int_equal(a->ack, PISS + 1);
    tn_tx_clear();
}

static void establish(void) { establish_with(sizeof rxb, sizeof txb, opt_full, sizeof opt_full, 65535, 100); }

static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7 + (i >> 8)); }

static void fill_pattern(uint8_t *d, uint32_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = pattern(from + (uint32_t)i);
}

/* Peer data at stream offset off (0 = first byte after its SYN). */
static void peer_data(uint32_t off, size_t len, uint8_t extra_flags)
{
    static uint8_t d[1500];
    assert_true(len <= sizeof d);
    fill_pattern(d, off, len);
    peer_send(PISS + 1 + off, iss + 1, TCP_ACK | extra_flags, 65535, d, len);
}

static void expect_stream(uint32_t from, size_t len)
{
    static uint8_t got[65536];
    assert_true(len <= sizeof got);
    assert_int_equal(tcp_recv_avail(&C), len);
    assert_int_equal(tcp_recv(&C, got, len), len);
    for (size_t i = 0; i < len; i++)
        if (got[i] != pattern(from + (uint32_t)i))
            fail_msg("stream byte %zu: got %u want %u", from + i, got[i], pattern(from + (uint32_t)i));
}

/* ---------------------------------------------------------------- parser */

static void test_parse_options(void **state)
{
    (void)state;
    struct tcp_seg s;
    /* MSS, NOP, WS 9, SACK-perm, TS, SACK with 2 blocks, unknown kind 30 len 4, EOL */
    const uint8_t o[] = { 2, 4, 0x05, 0x78, 1, 3, 3, 9, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
                          5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40, 30, 4, 9, 9, 0, 77 };
    memset(&s, 0, sizeof s);
    uint8_t *h = t_dup(o, sizeof o);
    assert_int_equal(tcp_parse_options(h, sizeof o, &s), NB_OK);
    free(h);
    assert_true(s.has_mss);
    assert_int_equal(s.mss, 1400);
    assert_true(s.has_wscale);
    assert_int_equal(s.wscale, 9);
    assert_true(s.sack_perm);
    assert_true(s.has_ts);
    assert_int_equal(s.ts_val, 1);
    assert_int_equal(s.ts_ecr, 2);
    assert_int_equal(s.nsack, 2);
    assert_int_equal(s.sack[1].start, 30);
    assert_int_equal(s.sack[1].end, 40);

    /* window scale above 14 is clamped (RFC 7323 §2.3) */
    const uint8_t ws[] = { 3, 3, 200 };
    memset(&s, 0, sizeof s);
    assert_int_equal(tcp_parse_options(ws, sizeof ws, &s), NB_OK);
    assert_int_equal(s.wscale, 14);
    /* known kinds with wrong lengths are skipped, not believed */
    const uint8_t wrong[] = { 2, 3, 5, 3, 4, 1, 4, 4, 3, 0, 1 };
    memset(&s, 0, sizeof s);
    assert_int_equal(tcp_parse_options(wrong, sizeof wrong, &s), NB_OK);
    assert_false(s.has_mss);
    assert_false(s.has_wscale);
    assert_false(s.sack_perm);
    /* length below 2 is malformed */
    const uint8_t zero[] = { 1, 30, 0, 1, 1 };
    memset(&s, 0, sizeof s);
    assert_int_equal(tcp_parse_options(zero, sizeof zero, &s), NB_E_MALFORMED);
    const uint8_t one[] = { 2, 1, 1, 1 };
    assert_int_equal(tcp_parse_options(one, sizeof one, &s), NB_E_MALFORMED);
    /* past the end */
    const uint8_t over[] = { 1, 2, 4, 5 };
    assert_int_equal(tcp_parse_options(over, sizeof over, &s), NB_E_BAD_OPTION);
    const uint8_t kind_only[] = { 1, 1, 1, 2 };
    assert_int_equal(tcp_parse_options(kind_only, sizeof kind_only, &s), NB_E_BAD_OPTION);
    /* EOL ends the walk: garbage after it is not looked at */
    const uint8_t eol[] = { 0, 2, 0, 9 };
    assert_int_equal(tcp_parse_options(eol, sizeof eol, &s), NB_OK);
    /* SACK with more than 4 blocks in a (hostile) 40-byte space keeps 4 */
    uint8_t big[40] = { 5, 34 };
    memset(&s, 0, sizeof s);
    assert_int_equal(tcp_parse_options(big, 34, &s), NB_OK);
    assert_int_equal(s.nsack, 4);
    /* SACK of a length not 2+8n is ignored */
    const uint8_t bad_sack[] = { 5, 6, 0, 0, 0, 0 };
    memset(&s, 0, sizeof s);
    assert_int_equal(tcp_parse_options(bad_sack, sizeof bad_sack, &s), NB_OK);
    assert_int_equal(s.nsack, 0);
}

static void test_parse_header(void **state)
{
    (void)state;
    uint8_t seg[64];
    struct tcp_seg s;
    memset(seg, 0, sizeof seg);
    put16(seg, 80);
    put16(seg + 2, 50000);
    put32(seg + 4, 0x01020304);
    put32(seg + 8, 0x05060708);
    seg[12] = 8 << 4; /* 32-byte header */
    seg[13] = TCP_SYN | TCP_ACK | 0xc0; /* ECE/CWR bits are masked off */
    put16(seg + 14, 1234);
    memcpy(seg + 20, opt_full, sizeof opt_full);
    memcpy(seg + 32, "hello", 5);
    assert_int_equal(tcp_parse(seg, 37, &s), NB_OK);
    assert_int_equal(s.sport, 80);
    assert_int_equal(s.dport, 50000);
    assert_int_equal(s.seq, 0x01020304);
    assert_int_equal(s.ack, 0x05060708);
    assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(s.wnd, 1234);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.payload, "hello", 5);
    assert_int_equal(s.mss, 1460);
    assert_int_equal(s.wscale, 7);
    assert_true(s.sack_perm);

    /* every truncation: an exact-size copy, so ASan sees any over-read */
    for (size_t k = 0; k <= 37; k++) {
        uint8_t *c = t_dup(seg, k);
        nb_err e = tcp_parse(c, k, &s);
        if (k < 32)
            assert_int_equal(e, NB_E_TRUNCATED);
        else {
            assert_int_equal(e, NB_OK);
            assert_int_equal(s.len, k - 32);
        }
        free(c);
    }
    /* data offset below 5, or zero ports */
    seg[12] = 4 << 4;
    assert_int_equal(tcp_parse(seg, 37, &s), NB_E_MALFORMED);
    seg[12] = 15 << 4; /* 60-byte header in a 37-byte segment */
    assert_int_equal(tcp_parse(seg, 37, &s), NB_E_TRUNCATED);
    seg[12] = 5 << 4;
    put16(seg, 0);
    assert_int_equal(tcp_parse(seg, 37, &s), NB_E_MALFORMED);
}

/* ---------------------------------------------------------------- handshake */

static void test_handshake(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    const struct tcp_seg *syn = last_tcp();
    assert_true(C.lport >= 49152);
    assert_int_equal(syn->dport, PORT);
    assert_true(syn->has_mss);
    assert_int_equal(syn->mss, 1460);
    assert_true(syn->has_wscale);
    assert_int_equal(syn->wscale, 1); /* 65536 bytes: one more than 16 bits */
    assert_true(syn->sack_perm);
    assert_int_equal(syn->wnd, 65535);
    assert_int_equal(tcp_connect_rtt_us(&C), 0);
    tn_advance_ms(30);
    peer_send_opt(PISS, iss + 1, TCP_SYN | TCP_ACK, 29200, opt_full, sizeof opt_full, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    assert_int_equal(tcp_connect_rtt_us(&C), 30000);
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->flags, TCP_ACK);
    assert_int_equal(a->ack, PISS + 1);
    assert_int_equal(a->seq, iss + 1);
    assert_int_equal(a->len, 0);
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_true(i.sack_ok);
    assert_true(i.ws_ok);
    assert_int_equal(i.snd_wscale, 7);
    assert_int_equal(i.snd_wnd, 29200); /* a SYN's window is not scaled */
    assert_int_equal(i.snd_mss, 1460);
    assert_int_equal(i.srtt_us, 30000); /* first sample: SRTT = R */
    assert_int_equal(i.rto_us, 200000); /* 30 + 4*15 = 90 ms: the 200 ms floor */
    assert_int_equal(nb_counters[CTR_TCP_CONN_OPEN], 1);
}

static void test_handshake_no_options(void **state)
{
    (void)state;
    establish_with(sizeof rxb, sizeof txb, NULL, 0, 8192, 10);
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_false(i.sack_ok);
    assert_false(i.ws_ok);
    assert_int_equal(i.snd_mss, 536); /* RFC 9293 default */
    assert_int_equal(i.rcv_wscale, 0);
    /* no SACK blocks are sent to a peer that did not allow them */
    peer_data(1000, 100, 0);
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->nsack, 0);
    assert_int_equal(a->ack, PISS + 1);
}

static void test_isn_and_ports_differ(void **state)
{
    (void)state;
    uint32_t isns[4];
    uint16_t ports[4];
    for (int k = 0; k < 4; k++) {
        start_connect(sizeof rxb, sizeof txb);
        isns[k] = iss;
        ports[k] = C.lport;
        tcp_abort(&C);
        tn_advance_ms(1);
    }
    int same_isn = 0, same_port = 0;
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++) {
            same_isn += isns[a] == isns[b];
            same_port += ports[a] == ports[b];
        }
    assert_int_equal(same_isn, 0);
    assert_true(same_port <= 1); /* random in 16384 ports: a repeat is possible, rare */
}

static void test_window_scaling_big_buffer(void **state)
{
    (void)state;
    size_t cap = TCP_RXBUF_WAN;
    uint8_t *big = malloc(cap);
    assert_non_null(big);
    struct nb_ip dst = nb_ip_from(4, peer_ip);
    tn_tx_clear();
    assert_int_equal(tcp_connect(&C, &dst, PORT, big, cap, txb, sizeof txb, &prm), NB_OK);
    tn_tx_clear();
    tn_arp_reply(peer_ip, peer_mac, our_ip, our_mac);
    const struct tcp_seg *syn = last_tcp();
    iss = syn->seq;
    assert_int_equal(syn->wscale, 8); /* 8 MiB >> 8 = 32768 fits 16 bits */
    assert_int_equal(syn->wnd, 65535);
    tn_tx_clear();
    peer_send_opt(PISS, iss + 1, TCP_SYN | TCP_ACK, 65535, opt_full, sizeof opt_full, NULL, 0);
    const struct tcp_seg *a = last_tcp();
    /* the first ACK opens the whole buffer: >= 4 MiB */
    assert_int_equal(a->wnd, 32768);
    assert_true(((uint32_t)a->wnd << 8) >= (4u << 20));
    /* the peer's scale applies to its later windows */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 100, NULL, 0);
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_int_equal(i.snd_wnd, 100u << 7);
    /* data consumes window in scaled units (rounded down, never shrinking) */
    tn_tx_clear();
    for (uint32_t k = 0; k < 4; k++)
        peer_data(k * 1460, 1460, 0);
    tn_advance_us(0); /* end of the burst: its ACK */
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 4 * 1460);
    uint32_t edge = a->ack + ((uint32_t)a->wnd << 8);
    assert_true(edge >= PISS + 1 + cap - 255);
    assert_true(edge <= PISS + 1 + cap + 255);
    tcp_abort(&C);
    free(big);
}

/* ---------------------------------------------------------------- receive */

static void test_rx_in_order_delayed_ack(void **state)
{
    (void)state;
    establish();
    peer_data(0, 1000, 0);
    assert_int_equal(n_tcp_sent(), 0); /* one segment: ACK delayed */
    assert_true(C.t_delack.armed);
    tn_advance_ms(39);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_ms(1); /* 40 ms */
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 1000);
    tn_tx_clear();
    /* two segments: the ACK goes at the end of the receive burst (when the
     * loop runs timers), covering both */
    peer_data(1000, 1000, 0);
    assert_int_equal(n_tcp_sent(), 0);
    peer_data(2000, 1460, TCP_PSH);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_us(0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 3460);
    assert_false(C.t_delack.armed);
    /* a long burst: at most ack_burst_max (16) segments per ACK */
    tn_tx_clear();
    for (uint32_t k = 0; k < 20; k++)
        peer_data(3460 + k * 100, 100, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 3460 + 1600);
    tn_advance_us(0);
    assert_int_equal(n_tcp_sent(), 2);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 3460 + 2000);
    expect_stream(0, 5460);
    /* ack_burst_max 2: strictly every second segment */
    C.params.ack_burst_max = 2;
    tn_tx_clear();
    peer_data(5460, 100, 0);
    assert_int_equal(n_tcp_sent(), 0);
    peer_data(5560, 100, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 5660);
    expect_stream(5460, 200);
    assert_int_equal(tcp_recv(&C, rxb, 10), 0);
    assert_false(tcp_eof(&C));
}

static void test_rx_out_of_order_sack(void **state)
{
    (void)state;
    establish();
    /* segments 1 and 3 missing: 0, 2, 4 arrive */
    peer_data(0, 1000, 0);
    tn_tx_clear();
    peer_data(2000, 1000, 0);
    /* out of order: an immediate duplicate ACK with a SACK block */
    assert_int_equal(n_tcp_sent(), 1);
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 1000);
    assert_int_equal(a->nsack, 1);
    assert_int_equal(a->sack[0].start, PISS + 1 + 2000);
    assert_int_equal(a->sack[0].end, PISS + 1 + 3000);
    tn_tx_clear();
    peer_data(4000, 1000, 0);
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 1000);
    assert_int_equal(a->nsack, 2);
    /* the newest range first (RFC 2018 §4) */
    assert_int_equal(a->sack[0].start, PISS + 1 + 4000);
    assert_int_equal(a->sack[1].start, PISS + 1 + 2000);
    assert_int_equal(tcp_recv_avail(&C), 1000);
    /* fill the first hole: ACK at once up to the second hole */
    tn_tx_clear();
    peer_data(1000, 1000, 0);
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 3000);
    assert_int_equal(a->nsack, 1);
    assert_int_equal(a->sack[0].start, PISS + 1 + 4000);
    /* and the second */
    tn_tx_clear();
    peer_data(3000, 1000, 0);
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 5000);
    assert_int_equal(a->nsack, 0);
    expect_stream(0, 5000);
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_int_equal(i.ooo_segs, 2);
    assert_int_equal(i.ooo_ranges_max, 2);
}

static void test_rx_duplicate_and_overlap(void **state)
{
    (void)state;
    establish();
    peer_data(0, 1000, 0);
    tn_tx_clear();
    /* an exact duplicate: ACK at once, no new data */
    peer_data(0, 1000, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 1000);
    assert_int_equal(tcp_recv_avail(&C), 1000);
    assert_int_equal(nb_counters[CTR_TCP_RX_DUP], 1);
    /* overlapping old and new: only the new part is added */
    peer_data(500, 1000, 0);
    assert_int_equal(tcp_recv_avail(&C), 1500);
    /* out-of-order pieces that overlap each other and then the hole */
    peer_data(3000, 500, 0);
    peer_data(3300, 700, 0);  /* overlaps [3000,3500) */
    peer_data(2800, 300, 0);  /* extends it down */
    assert_int_equal(C.n_ooo, 1);
    assert_int_equal(C.ooo[0].start, PISS + 1 + 2800);
    assert_int_equal(C.ooo[0].end, PISS + 1 + 4000);
    peer_data(1400, 1500, 0); /* overlaps old data and the range */
    assert_int_equal(C.n_ooo, 0);
    expect_stream(0, 4000);
    /* a segment entirely below rcv_nxt with some bytes differing must not
     * change delivered data (it is already read) */
    peer_data(100, 100, 0);
    assert_int_equal(tcp_recv_avail(&C), 0);
}

static void test_rx_ooo_ranges_bounded(void **state)
{
    (void)state;
    establish();
    /* TCP_OOO_MAX separate ranges, then one more: dropped and counted */
    for (uint32_t k = 0; k < TCP_OOO_MAX; k++)
        peer_data(1000 + k * 200, 100, 0);
    assert_int_equal(C.n_ooo, TCP_OOO_MAX);
    peer_data(1000 + TCP_OOO_MAX * 200, 100, 0);
    assert_int_equal(C.n_ooo, TCP_OOO_MAX);
    assert_int_equal(nb_counters[CTR_TCP_DROP_OOO_FULL], 1);
    /* but one adjacent to a range extends it */
    tn_tx_clear();
    peer_data(1100, 50, 0);
    assert_int_equal(C.n_ooo, TCP_OOO_MAX);
    assert_int_equal(C.ooo[0].end, PISS + 1 + 1150);
    /* SACK carries at most 4 blocks */
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->nsack, TCP_SACK_MAX);
    assert_int_equal(a->sack[0].start, PISS + 1 + 1000);
    /* filling the first hole releases exactly the first range */
    peer_data(0, 1000, 0);
    assert_int_equal(tcp_recv_avail(&C), 1150);
    assert_int_equal(C.n_ooo, TCP_OOO_MAX - 1);
}

static void test_rx_window_limits(void **state)
{
    (void)state;
    /* a 4000-byte buffer: no scaling, the window is the free space */
    establish_with(4000, sizeof txb, opt_full, sizeof opt_full, 65535, 10);
    peer_data(0, 1460, 0);
    peer_data(1460, 1460, 0);
    tn_advance_us(0);
    const struct tcp_seg *a = last_tcp();
    assert_int_equal(a->wnd, 4000 - 2920);
    /* data past the buffer is cut off (and ACKed at once) */
    tn_tx_clear();
    peer_data(2920, 1460, 0);
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 4000);
    assert_int_equal(a->wnd, 0);
    assert_int_equal(nb_counters[CTR_TCP_DROP_RCV_WINDOW], 1);
    /* a zero-window probe is answered with the zero window, data refused */
    tn_tx_clear();
    peer_data(4000, 1, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 4000);
    assert_int_equal(last_tcp()->wnd, 0);
    /* reading a little does not reopen the window (receiver SWS avoidance) */
    tn_tx_clear();
    uint8_t tmp[4000];
    assert_int_equal(tcp_recv(&C, tmp, 100), 100);
    assert_int_equal(n_tcp_sent(), 0);
    /* reading more than an MSS sends a window update */
    assert_int_equal(tcp_recv(&C, tmp, 1900), 1900);
    assert_int_equal(n_tcp_sent(), 1);
    a = last_tcp();
    assert_int_equal(a->ack, PISS + 1 + 4000);
    assert_int_equal(a->wnd, 2000);
    /* data beyond the advertised window but inside the buffer is kept */
    assert_int_equal(tcp_recv(&C, tmp, 2000), 2000);
    peer_data(4000, 1460, 0);
    peer_data(5460, 1460, 0);
    peer_data(6920, 1080, 0);
    assert_int_equal(tcp_recv_avail(&C), 4000);
}

/* ---------------------------------------------------------------- FIN */

static void test_fin_passive_close(void **state)
{
    (void)state;
    establish();
    peer_data(0, 500, 0);
    tn_tx_clear();
    peer_send(PISS + 1 + 500, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSE_WAIT);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 501); /* FIN ACKed at once */
    assert_false(tcp_eof(&C));
    expect_stream(0, 500);
    assert_true(tcp_eof(&C));
    /* the peer's retransmitted FIN is ACKed again */
    tn_tx_clear();
    peer_send(PISS + 1 + 500, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 501);
    /* we may still send, then close */
    assert_int_equal(tcp_send(&C, "bye", 3), 3);
    tn_tx_clear();
    tcp_close(&C);
    assert_int_equal(tcp_get_state(&C), TCP_LAST_ACK);
    assert_true(tcp_send(&C, "x", 1) < 0);
    const struct tcp_seg *f = last_tcp();
    assert_true(f->flags & TCP_FIN);
    /* the FIN rides on the queued data if it has not gone yet; either way it is at iss+1+3 */
    assert_int_equal(f->seq + f->len, iss + 1 + 3);
    peer_send(PISS + 1 + 501, iss + 1 + 4, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_OK);
}

static void test_fin_active_close(void **state)
{
    (void)state;
    prm.time_wait_ms = 500;
    establish();
    tcp_close(&C);
    assert_int_equal(tcp_get_state(&C), TCP_FIN_WAIT_1);
    const struct tcp_seg *f = last_tcp();
    assert_int_equal(f->flags, TCP_FIN | TCP_ACK);
    assert_int_equal(f->seq, iss + 1);
    peer_send(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_FIN_WAIT_2);
    /* half-closed: the peer may still send data */
    peer_data(0, 300, 0);
    peer_send(PISS + 1 + 300, iss + 2, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_TIME_WAIT);
    expect_stream(0, 300);
    assert_true(tcp_eof(&C));
    tn_advance_ms(499);
    assert_int_equal(tcp_get_state(&C), TCP_TIME_WAIT);
    tn_advance_ms(1);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_OK);
}

static void test_fin_simultaneous_close(void **state)
{
    (void)state;
    prm.time_wait_ms = 0; /* skip TIME_WAIT */
    establish();
    tcp_close(&C);
    /* the peer's FIN crosses ours: CLOSING */
    peer_send(PISS + 1, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSING);
    peer_send(PISS + 2, iss + 2, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED); /* TIME_WAIT skipped */
}

static void test_fin_out_of_order(void **state)
{
    (void)state;
    establish();
    peer_data(1000, 500, TCP_FIN); /* data + FIN ahead of a hole */
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    peer_data(0, 1000, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSE_WAIT);
    assert_int_equal(last_tcp()->ack, PISS + 1 + 1501);
    expect_stream(0, 1500);
    assert_true(tcp_eof(&C));
}

static void test_fin_wait2_timeout(void **state)
{
    (void)state;
    prm.fin_wait2_ms = 2000;
    establish();
    tcp_close(&C);
    peer_send(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_FIN_WAIT_2);
    tn_advance_ms(2000);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
}

/* ---------------------------------------------------------------- RST */

static void test_rst_refused(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    /* a RST without ACK, or with a wrong ACK, is not believed in SYN_SENT */
    peer_send(0, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    peer_send(0, iss + 5, TCP_RST | TCP_ACK, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    peer_send(0, iss, TCP_RST | TCP_ACK, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    /* the kernel's answer for a closed port: at once */
    peer_send(0, iss + 1, TCP_RST | TCP_ACK, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_REFUSED);
    assert_int_equal(nb_counters[CTR_TCP_CONN_REFUSED], 1);
    assert_false(C.t_rtx.armed);
    assert_false(C.t_deadline.armed);
}

static void test_syn_sent_bad_ack_gets_rst(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    tn_tx_clear();
    peer_send(PISS, iss + 77, TCP_SYN | TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    const struct tcp_seg *r = last_tcp();
    assert_int_equal(r->flags, TCP_RST);
    assert_int_equal(r->seq, iss + 77);
    /* a bare SYN (simultaneous open) is dropped */
    peer_send(PISS, 0, TCP_SYN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
}

static void test_rst_in_window_rfc5961(void **state)
{
    (void)state;
    establish();
    /* in the window but not at RCV.NXT: challenge ACK, connection stays */
    tn_tx_clear();
    peer_send(PISS + 1 + 100, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->flags, TCP_ACK);
    assert_int_equal(last_tcp()->ack, PISS + 1);
    assert_int_equal(nb_counters[CTR_TCP_CHALLENGE_ACK], 1);
    /* outside the window: silently dropped */
    tn_tx_clear();
    peer_send(PISS + 1 + 200000, 0, TCP_RST, 0, NULL, 0);
    peer_send(PISS - 10, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(n_tcp_sent(), 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    /* a second challenge right away is suppressed (RFC 5961 §7) ... */
    tn_tx_clear();
    peer_send(PISS + 1 + 300, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(n_tcp_sent(), 0);
    assert_int_equal(nb_counters[CTR_TCP_ACK_RATELIMITED], 1);
    /* ... but not 500 ms later: a SYN in a synchronized state gets its
     * challenge ACK (RFC 5961 §4) */
    tn_advance_ms(500);
    peer_send_opt(PISS + 50, 0, TCP_SYN, 65535, opt_full, sizeof opt_full, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 1);
    /* exactly at RCV.NXT: reset */
    peer_send(PISS + 1, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_RESET);
    assert_true(tcp_send(&C, "x", 1) == -(long)NB_E_CONN_RESET);
}

static void test_rst_in_other_states(void **state)
{
    (void)state;
    /* CLOSE_WAIT */
    establish();
    peer_send(PISS + 1, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSE_WAIT);
    peer_send(PISS + 2, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_RESET);
    /* FIN_WAIT_1 */
    establish();
    tcp_close(&C);
    peer_send(PISS + 1, iss + 1, TCP_ACK | TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    /* TIME_WAIT: a RST just ends it, no error */
    establish();
    tcp_close(&C);
    peer_send(PISS + 1, iss + 2, TCP_ACK | TCP_FIN, 65535, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_TIME_WAIT);
    peer_send(PISS + 2, 0, TCP_RST, 0, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_OK);
}

static void test_abort_sends_rst(void **state)
{
    (void)state;
    establish();
    tn_tx_clear();
    tcp_abort(&C);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    const struct tcp_seg *r = last_tcp();
    assert_int_equal(r->flags, TCP_RST);
    assert_int_equal(r->seq, iss + 1);
    /* late segments for it now get a RST from the no-connection path */
    tn_tx_clear();
    peer_data(0, 10, 0);
    r = last_tcp();
    assert_int_equal(r->flags, TCP_RST);
    assert_int_equal(r->seq, iss + 1);
    assert_int_equal(nb_counters[CTR_TCP_DROP_NO_CONN], 1);
}

static void test_no_connection_rst(void **state)
{
    (void)state;
    uint8_t seg[64];
    struct tcp_conn fake = { .lport = 40000, .rport = 1234 };
    tn_tx_clear();
    /* a SYN to a port nobody has: RST+ACK of SEQ+1 */
    size_t n = build_seg(seg, &fake, 5000, 0, TCP_SYN, 100, NULL, 0, NULL, 0);
    rx_raw_tcp(seg, n);
    assert_true(tn_is_arp_request(tn_tx(0), peer_ip)); /* the RST waits for ARP */
    tn_tx_clear();
    tn_arp_reply(peer_ip, peer_mac, our_ip, our_mac);
    const struct tcp_seg *r = last_tcp();
    assert_int_equal(r->flags, TCP_RST | TCP_ACK);
    assert_int_equal(r->seq, 0);
    assert_int_equal(r->ack, 5001);
    assert_int_equal(r->sport, 40000);
    assert_int_equal(r->dport, 1234);
    /* a RST is never answered */
    tn_tx_clear();
    n = build_seg(seg, &fake, 5000, 0, TCP_RST, 100, NULL, 0, NULL, 0);
    rx_raw_tcp(seg, n);
    assert_int_equal(n_tcp_sent(), 0);
}

/* ---------------------------------------------------------------- validation */

static void test_bad_segments_dropped(void **state)
{
    (void)state;
    establish();
    uint8_t seg[128];
    uint8_t d[10] = "0123456789";
    size_t n = build_seg(seg, &C, PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0, d, 10);
    seg[n - 1] ^= 1; /* checksum now wrong */
    rx_raw_tcp(seg, n);
    assert_int_equal(nb_counters[CTR_TCP_DROP_CSUM], 1);
    assert_int_equal(tcp_recv_avail(&C), 0);
    /* an option with length 0 (checksum right): dropped as malformed */
    const uint8_t bad_opt[] = { 1, 1, 30, 0 };
    n = build_seg(seg, &C, PISS + 1, iss + 1, TCP_ACK, 65535, bad_opt, sizeof bad_opt, d, 10);
    rx_raw_tcp(seg, n);
    assert_int_equal(nb_counters[CTR_TCP_DROP_MALFORMED], 1);
    /* an option running past the header */
    const uint8_t over[] = { 1, 1, 30, 9 };
    n = build_seg(seg, &C, PISS + 1, iss + 1, TCP_ACK, 65535, over, sizeof over, d, 10);
    rx_raw_tcp(seg, n);
    assert_int_equal(nb_counters[CTR_TCP_DROP_BAD_OPTION], 1);
    /* unknown options are skipped: the data is taken */
    const uint8_t unk[] = { 99, 4, 1, 2 };
    n = build_seg(seg, &C, PISS + 1, iss + 1, TCP_ACK, 65535, unk, sizeof unk, d, 10);
    rx_raw_tcp(seg, n);
    assert_int_equal(tcp_recv_avail(&C), 10);
    /* every IP-level truncation of a valid segment: dropped, nothing changes */
    const uint8_t opt[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
    n = build_seg(seg, &C, PISS + 11, iss + 1, TCP_ACK, 65535, opt, sizeof opt, d, 10);
    for (size_t k = 0; k < n; k++)
        rx_raw_tcp(seg, k);
    assert_int_equal(tcp_recv_avail(&C), 10);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    /* a segment without ACK is dropped in a synchronized state */
    n = build_seg(seg, &C, PISS + 11, 0, 0, 65535, NULL, 0, d, 10);
    rx_raw_tcp(seg, n);
    assert_int_equal(tcp_recv_avail(&C), 10);
    /* an ACK of something never sent: ACK back, segment dropped */
    tn_tx_clear();
    n = build_seg(seg, &C, PISS + 11, iss + 1000, TCP_ACK, 65535, NULL, 0, d, 10);
    rx_raw_tcp(seg, n);
    assert_int_equal(tcp_recv_avail(&C), 10);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->ack, PISS + 11);
    /* an old sequence number (keepalive style): ACK back (after the
     * rate limit's gap: the ACK above used it) */
    tn_advance_ms(500);
    tn_tx_clear();
    n = build_seg(seg, &C, PISS + 10, iss + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
    rx_raw_tcp(seg, n);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
}

/* ---------------------------------------------------------------- send */

static uint8_t sendbuf[20000];

static void test_send_segments_and_iw(void **state)
{
    (void)state;
    establish();
    fill_pattern(sendbuf, 0, sizeof sendbuf);
    assert_int_equal(tcp_send(&C, sendbuf, 10000), 10000);
    /* initial window (RFC 5681): min(4*MSS, max(2*MSS, 4380)) = 4380 = 3 segments */
    assert_int_equal(n_tcp_sent(), 3);
    struct cap s;
    uint32_t seq = iss + 1;
    for (unsigned k = 0; k < 3; k++) {
        tcp_sent(k, &s);
        assert_int_equal(s.s.seq, seq);
        assert_int_equal(s.s.len, 1460);
        assert_int_equal(s.s.ack, PISS + 1);
        assert_memory_equal(s.s.payload, sendbuf + (seq - iss - 1), s.s.len);
        seq += (uint32_t)s.s.len;
    }
    /* ACK of two segments: slow start (+1 MSS per ACK) lets 3 more out */
    tn_tx_clear();
    peer_send(PISS + 1, iss + 1 + 2920, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(n_tcp_sent(), 3);
    /* the rest, then an ACK of everything */
    tn_tx_clear();
    peer_send(PISS + 1, iss + 1 + 7300, TCP_ACK, 65535, NULL, 0);
    unsigned n = n_tcp_sent();
    assert_true(n >= 1);
    tcp_sent(n - 1, &s);
    assert_int_equal(s.s.seq + s.s.len, iss + 1 + 10000);
    assert_true(s.s.flags & TCP_PSH);
    peer_send(PISS + 1, iss + 1 + 10000, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(tcp_send_pending(&C), 0);
    assert_false(C.t_rtx.armed);
    /* the send buffer is bounded */
    assert_int_equal(tcp_send(&C, sendbuf, sizeof sendbuf), sizeof sendbuf);
    assert_int_equal(tcp_send_space(&C), sizeof txb - sizeof sendbuf);
}

static void test_send_before_established(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    assert_int_equal(tcp_send(&C, "GET / HTTP/1.0\r\n\r\n", 18), 18);
    tn_tx_clear();
    peer_send_opt(PISS, iss + 1, TCP_SYN | TCP_ACK, 65535, opt_full, sizeof opt_full, NULL, 0);
    /* the queued request leaves with the ACK of the SYN-ACK */
    const struct tcp_seg *d = last_tcp();
    assert_int_equal(d->len, 18);
    assert_int_equal(d->seq, iss + 1);
    assert_int_equal(d->ack, PISS + 1);
    assert_true(d->flags & TCP_PSH);
}

static void test_rto_timing_karn_backoff(void **state)
{
    (void)state;
    establish(); /* SYN-ACK after 100 ms: SRTT 100, RTTVAR 50, RTO 300 ms */
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_int_equal(i.rto_us, 300000);
    assert_int_equal(tcp_send(&C, "abcd", 4), 4);
    assert_int_equal(n_tcp_sent(), 1);
    tn_tx_clear();
    tn_advance_ms(299);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_ms(1);
    assert_int_equal(n_tcp_sent(), 1); /* first retransmission at RTO */
    assert_int_equal(last_tcp()->seq, iss + 1);
    assert_int_equal(last_tcp()->len, 4);
    tn_tx_clear();
    tn_advance_ms(599);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_ms(1);
    assert_int_equal(n_tcp_sent(), 1); /* backed off to 600 ms */
    tn_tx_clear();
    tn_advance_ms(1200);
    assert_int_equal(n_tcp_sent(), 1); /* 1.2 s */
    /* the ACK of a retransmitted segment gives no RTT sample (Karn) */
    tn_advance_ms(50);
    peer_send(PISS + 1, iss + 5, TCP_ACK, 65535, NULL, 0);
    tcp_get_info(&C, &i);
    assert_int_equal(i.srtt_us, 100000);
    assert_int_equal(i.timeouts, 3);
    assert_false(C.t_rtx.armed);
    /* new data is timed again, and the backoff is gone */
    tn_tx_clear();
    assert_int_equal(tcp_send(&C, "efgh", 4), 4);
    tn_advance_ms(20);
    peer_send(PISS + 1, iss + 9, TCP_ACK, 65535, NULL, 0);
    tcp_get_info(&C, &i);
    /* SRTT = 7/8*100 + 1/8*20 = 90; RTTVAR = 3/4*50 + 1/4*80 = 57.5 */
    assert_int_equal(i.srtt_us, 90000);
    assert_int_equal(i.rttvar_us, 57500);
    assert_int_equal(i.rto_us, 90000 + 4 * 57500);
}

static void test_rto_gives_up(void **state)
{
    (void)state;
    prm.data_retries = 3;
    establish();
    assert_int_equal(tcp_send(&C, "abcd", 4), 4);
    tn_advance_ms(300 + 600 + 1200 + 2400 - 1);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    tn_tx_clear();
    tn_advance_ms(1);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_TIMEOUT);
    assert_int_equal(last_tcp()->flags, TCP_RST);
}

static void test_fast_retransmit_newreno(void **state)
{
    (void)state;
    establish();
    fill_pattern(sendbuf, 0, sizeof sendbuf);
    /* open cwnd: nine segments, each ACKed: slow start gives 4380 + 9 MSS */
    for (uint32_t k = 1; k <= 9; k++) {
        tcp_send(&C, sendbuf, 1460);
        peer_send(PISS + 1, iss + 1 + 1460 * k, TCP_ACK, 65535, NULL, 0);
    }
    tn_tx_clear();
    tcp_send(&C, sendbuf, 1460 * 8);
    assert_int_equal(n_tcp_sent(), 8);
    uint32_t base = iss + 1 + 1460 * 9;
    /* segment 0 and 3 lost: dup ACKs for 1, 2 */
    tn_tx_clear();
    peer_send(PISS + 1, base, TCP_ACK, 65535, NULL, 0);
    peer_send(PISS + 1, base, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(n_tcp_sent(), 0);
    peer_send(PISS + 1, base, TCP_ACK, 65535, NULL, 0);
    /* third duplicate: fast retransmit of the first unacked segment */
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->seq, base);
    assert_int_equal(last_tcp()->len, 1460);
    assert_int_equal(nb_counters[CTR_TCP_FAST_RETRANSMIT], 1);
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_int_equal(i.ssthresh, 1460 * 8 / 2);
    /* partial ACK (up to the second hole): retransmit it at once */
    tn_tx_clear();
    peer_send(PISS + 1, base + 1460 * 3, TCP_ACK, 65535, NULL, 0);
    assert_true(n_tcp_sent() >= 1);
    struct cap s;
    tcp_sent(0, &s);
    assert_int_equal(s.s.seq, base + 1460 * 3);
    /* full ACK: recovery ends, cwnd = ssthresh (or flight + MSS) */
    peer_send(PISS + 1, base + 1460 * 8, TCP_ACK, 65535, NULL, 0);
    tcp_get_info(&C, &i);
    assert_false(C.in_recovery);
    assert_true(i.cwnd <= i.ssthresh);
    assert_int_equal(i.fast_retransmits, 1);
    assert_false(C.t_rtx.armed);
}

static void test_limited_transmit(void **state)
{
    (void)state;
    establish();
    fill_pattern(sendbuf, 0, sizeof sendbuf);
    /* the initial window holds 3 segments; 10 are queued */
    assert_int_equal(tcp_send(&C, sendbuf, 1460 * 10), 1460 * 10);
    assert_int_equal(n_tcp_sent(), 3);
    tn_tx_clear();
    /* each of the first two duplicate ACKs lets one new segment out (RFC 3042) */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0); /* a window update (now scaled): not a duplicate */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->seq, iss + 1 + 1460 * 3);
    peer_send(PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(n_tcp_sent(), 2);
    assert_int_equal(last_tcp()->seq, iss + 1 + 1460 * 4);
    /* the third: fast retransmit of the first segment */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0);
    assert_int_equal(last_tcp()->seq, iss + 1);
    assert_int_equal(nb_counters[CTR_TCP_FAST_RETRANSMIT], 1);
}

static void test_zero_window_probe(void **state)
{
    (void)state;
    establish();
    /* the peer closes its window */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 0, NULL, 0);
    tn_tx_clear();
    assert_int_equal(tcp_send(&C, "hello", 5), 5);
    assert_int_equal(n_tcp_sent(), 0);
    assert_true(C.t_rtx.armed);
    tn_advance_ms(300);
    /* a probe: an ACK with an old sequence number, no data */
    assert_int_equal(n_tcp_sent(), 1);
    const struct tcp_seg *p = last_tcp();
    assert_int_equal(p->seq, iss);
    assert_int_equal(p->len, 0);
    assert_int_equal(nb_counters[CTR_TCP_WINDOW_PROBE], 1);
    /* still zero: the probes back off */
    peer_send(PISS + 1, iss + 1, TCP_ACK, 0, NULL, 0);
    tn_tx_clear();
    tn_advance_ms(599);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_ms(1);
    assert_int_equal(n_tcp_sent(), 1);
    /* the window opens (window update: same seq and ack): data goes */
    tn_tx_clear();
    peer_send(PISS + 1, iss + 1, TCP_ACK, 100, NULL, 0);
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->len, 5);
}

static void test_persist_never_gives_up_and_idle_timeout(void **state)
{
    (void)state;
    prm.idle_timeout_ms = 5000;
    establish();
    peer_data(0, 10, 0);
    tn_advance_ms(4999);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    peer_data(10, 10, 0); /* progress restarts the idle timer */
    tn_advance_ms(4999);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    tn_tx_clear();
    tn_advance_ms(1);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_TIMEOUT);
    assert_int_equal(last_tcp()->flags, TCP_RST);
    expect_stream(0, 20); /* what arrived stays readable */
}

/* ---------------------------------------------------------------- connect failures */

static void test_syn_retries_and_timeout(void **state)
{
    (void)state;
    prm.connect_timeout_ms = 60000;
    prm.syn_retries = 2;
    start_connect(sizeof rxb, sizeof txb);
    tn_tx_clear();
    tn_advance_ms(999);
    assert_int_equal(n_tcp_sent(), 0);
    tn_advance_ms(1); /* 1 s */
    assert_int_equal(n_tcp_sent(), 1);
    assert_int_equal(last_tcp()->flags, TCP_SYN);
    assert_int_equal(last_tcp()->seq, iss);
    tn_advance_ms(2000); /* 3 s */
    assert_int_equal(n_tcp_sent(), 2);
    tn_advance_ms(3999);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    tn_advance_ms(1); /* 7 s: the third timeout ends it */
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_TIMEOUT);
    assert_int_equal(n_tcp_sent(), 2);
}

static void test_connect_timeout(void **state)
{
    (void)state;
    prm.connect_timeout_ms = 2500;
    start_connect(sizeof rxb, sizeof txb);
    tn_advance_ms(2499);
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    tn_advance_ms(1);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_TIMEOUT);
}

static void test_syn_retransmitted_then_answered(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    tn_advance_ms(1000); /* one SYN retransmission */
    tn_advance_ms(100);
    peer_send_opt(PISS, iss + 1, TCP_SYN | TCP_ACK, 65535, opt_full, sizeof opt_full, NULL, 0);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
    assert_int_equal(tcp_connect_rtt_us(&C), 1100000); /* from the first SYN */
    struct tcp_info i;
    tcp_get_info(&C, &i);
    assert_int_equal(i.srtt_us, 0);     /* Karn: no sample from a retransmitted SYN */
    assert_int_equal(i.rto_us, 3000000); /* RFC 6298 (5.7) */
}

static void test_icmp_unreachable_fails_fast(void **state)
{
    (void)state;
    start_connect(sizeof rxb, sizeof txb);
    /* ICMP port unreachable quoting our SYN's IP header + 8 bytes */
    struct cap syn;
    tcp_sent(0, &syn);
    uint8_t icmp[8 + 20 + 8] = { 3, 3 };
    uint8_t *q = icmp + 8;
    q[0] = 0x45;
    put16(q + 2, 20 + 32);
    q[8] = 64;
    q[9] = NB_PROTO_TCP;
    memcpy(q + 12, our_ip, 4);
    memcpy(q + 16, peer_ip, 4);
    memcpy(q + 20, syn.b, 8);
    put16(icmp + 2, csum_fold(csum_add(0, icmp, sizeof icmp)));
    uint8_t frame[128];
    size_t n = tn_ip4_frame(frame, peer_mac, our_mac, peer_ip, our_ip, NB_PROTO_ICMP4, icmp, sizeof icmp);
    tn_rx(frame, n);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_CONN_REFUSED);
    /* host unreachable, reported directly */
    start_connect(sizeof rxb, sizeof txb);
    struct nb_ip l = nb_ip_from(4, our_ip), r = nb_ip_from(4, peer_ip);
    tcp_icmp_error(&l, &r, (uint16_t)(C.lport + 1), PORT, NB_E_UNREACHABLE); /* another flow */
    assert_int_equal(tcp_get_state(&C), TCP_SYN_SENT);
    tcp_icmp_error(&l, &r, C.lport, PORT, NB_E_UNREACHABLE);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_E_UNREACHABLE);
    /* in a synchronized state an ICMP error does not kill the connection */
    establish();
    tcp_icmp_error(&l, &r, C.lport, PORT, NB_E_CONN_REFUSED);
    assert_int_equal(tcp_get_state(&C), TCP_ESTABLISHED);
}

static void test_connect_bad_args(void **state)
{
    (void)state;
    struct nb_ip dst = nb_ip_from(4, peer_ip), none = { 0 };
    assert_int_equal(tcp_connect(&C, &none, PORT, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_E_INVALID);
    assert_int_equal(tcp_connect(&C, &dst, 0, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_E_INVALID);
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, 0, txb, sizeof txb, NULL), NB_E_INVALID);
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, sizeof rxb, NULL, 10, NULL), NB_E_INVALID);
    /* a live connection cannot be reused */
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_OK);
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_E_INVALID);
    tcp_abort(&C);
    /* closing in SYN_SENT just forgets it */
    assert_int_equal(tcp_connect(&C, &dst, PORT, rxb, sizeof rxb, txb, sizeof txb, NULL), NB_OK);
    tcp_close(&C);
    assert_int_equal(tcp_get_state(&C), TCP_CLOSED);
    assert_int_equal(tcp_get_error(&C), NB_OK);
}

static void test_two_connections(void **state)
{
    (void)state;
    static struct tcp_conn c2;
    static uint8_t rx2[4096];
    establish();
    struct nb_ip dst = nb_ip_from(4, peer_ip);
    assert_int_equal(tcp_connect(&c2, &dst, 443, rx2, sizeof rx2, NULL, 0, NULL), NB_OK);
    assert_true(c2.lport != C.lport);
    peer_data(0, 100, 0);
    assert_int_equal(tcp_recv_avail(&C), 100);
    assert_int_equal(tcp_recv_avail(&c2), 0);
    tcp_abort(&c2);
    /* no send buffer: tcp_send takes nothing */
    assert_int_equal(tcp_send(&c2, "x", 1), -(long)NB_E_CONN_CLOSED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_options),
        cmocka_unit_test(test_parse_header),
        T(test_handshake),
        T(test_handshake_no_options),
        T(test_isn_and_ports_differ),
        T(test_window_scaling_big_buffer),
        T(test_rx_in_order_delayed_ack),
        T(test_rx_out_of_order_sack),
        T(test_rx_duplicate_and_overlap),
        T(test_rx_ooo_ranges_bounded),
        T(test_rx_window_limits),
        T(test_fin_passive_close),
        T(test_fin_active_close),
        T(test_fin_simultaneous_close),
        T(test_fin_out_of_order),
        T(test_fin_wait2_timeout),
        T(test_rst_refused),
        T(test_syn_sent_bad_ack_gets_rst),
        T(test_rst_in_window_rfc5961),
        T(test_rst_in_other_states),
        T(test_abort_sends_rst),
        T(test_no_connection_rst),
        T(test_bad_segments_dropped),
        T(test_send_segments_and_iw),
        T(test_send_before_established),
        T(test_rto_timing_karn_backoff),
        T(test_rto_gives_up),
        T(test_fast_retransmit_newreno),
        T(test_limited_transmit),
        T(test_zero_window_probe),
        T(test_persist_never_gives_up_and_idle_timeout),
        T(test_syn_retries_and_timeout),
        T(test_connect_timeout),
        T(test_syn_retransmitted_then_answered),
        T(test_icmp_unreachable_fails_fast),
        T(test_connect_bad_args),
        T(test_two_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
