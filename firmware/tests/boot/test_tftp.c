/* boot/tftp.c: packet building and parsing (OACK with unknown, repeated,
 * mixed-case and out-of-range options, missing NULs, ERROR with and without
 * a message), and the receive state machine driven through the real stack
 * on the test netdev (testnet.h) with a fake clock and crafted packets:
 * windows in order, gaps, duplicates and stale blocks, wrong TIDs, block
 * number rollover past 65535 with both wrap conventions, servers without
 * options, ERROR 8 retry, restarts after an ERROR, ICMP or silence
 * mid-transfer, caps, deadlines. */
#include "testutil.h"
#include "testnet.h"
#include <stdio.h>
#include "boot/fetch.h"
#include "boot/tftp.h"
#include "core/log.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip.h"
#include "net/netif.h"
#include "net/stack.h"

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t our_ip[4] = { 198, 18, 0, 2 };
static const uint8_t srv_ip[4] = { 198, 18, 0, 1 };
static const uint8_t other_ip[4] = { 198, 18, 0, 3 };
static const uint8_t mask24[4] = { 255, 255, 255, 0 };
static const uint8_t no_gw[4] = { 0, 0, 0, 0 };

#define TID 40000u   /* the server's port for the transfer */
#define TID2 40001u  /* another server port */

static struct tftp T;
static struct tftp_request RQ;
static char console[16384];

/* ---------------------------------------------------------------- the sink */

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 131u ^ (i >> 9)); }

static struct {
    uint64_t held;     /* bytes held (contiguous from 0) */
    unsigned calls;    /* data calls in the current attempt */
    unsigned starts;   /* offset 0 seen */
    unsigned bad;      /* wrong offset or wrong bytes */
    nb_err fail_at_call; /* return an error on this call (0: never) */
    unsigned progress_calls;
} sink;

static nb_err sink_data(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (offset == 0) {
        sink.held = 0;
        sink.calls = 0;
        sink.starts++;
    }
    sink.calls++;
    if (sink.fail_at_call && sink.calls == (unsigned)sink.fail_at_call)
        return NB_E_IO;
    if (offset != sink.held)
        sink.bad++;
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(offset + i)) {
            sink.bad++;
            break;
        }
    sink.held = offset + n;
    return NB_OK;
}

static void sink_progress(void *ctx, uint64_t have, uint64_t total)
{
    (void)ctx, (void)have, (void)total;
    sink.progress_calls++;
}

/* ---------------------------------------------------------------- frames */

static uint16_t our_port(void) { return T.sock.lport; }

/* A datagram from ip:sport to our current port. */
static void udp_from(const uint8_t ip[4], uint16_t sport, const uint8_t *p, size_t n)
{
    static uint8_t seg[2048], frame[2100];
    assert_true(n + 8 <= sizeof seg);
    put16(seg, sport);
    put16(seg + 2, our_port());
    put16(seg + 4, (uint16_t)(n + 8));
    put16(seg + 6, 0);
    if (n)
        memcpy(seg + 8, p, n);
    struct nb_ip s = nb_ip_from(4, ip), d = nb_ip_from(4, our_ip);
    uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, seg, n + 8);
    put16(seg + 6, c ? c : 0xffff);
    size_t fl = tn_ip4_frame(frame, srv_mac, our_mac, ip, our_ip, NB_PROTO_UDP, seg, n + 8);
    tn_rx(frame, fl);
}

static void srv_send(uint16_t sport, const uint8_t *p, size_t n) { udp_from(srv_ip, sport, p, n); }

/* DATA for wire number `block` carrying the file bytes at offset off. */
static void srv_data_at(uint16_t sport, uint16_t block, uint64_t off, size_t len)
{
    static uint8_t b[4 + 2048];
    assert_true(len <= 2048);
    put16(b, TFTP_OP_DATA);
    put16(b + 2, block);
    for (size_t i = 0; i < len; i++)
        b[4 + i] = pattern(off + i);
    srv_send(sport, b, 4 + len);
}

static void srv_error(uint16_t sport, uint16_t code, const char *msg)
{
    uint8_t b[128];
    size_t n = tftp_build_error(b, sizeof b, code, msg);
    srv_send(sport, b, n);
}

/* An OACK from the given option text ("blksize\0512\0..."), n bytes. */
static void srv_oack(uint16_t sport, const char *opts, size_t n)
{
    uint8_t b[512];
    assert_true(n + 2 <= sizeof b);
    put16(b, TFTP_OP_OACK);
    memcpy(b + 2, opts, n);
    srv_send(sport, b, n + 2);
}
#define OACK(sport, lit) srv_oack(sport, lit, sizeof(lit) - 1)

struct sent {
    uint8_t b[2048];
    size_t len;
    uint16_t sport, dport;
    uint8_t dst[4];
};

/* The i-th UDP datagram we sent since the last tn_tx_clear (0 if fewer). */
static int udp_sent(unsigned i, struct sent *out)
{
    unsigned k = 0;
    for (unsigned f = 0; f < tn_tx_count(); f++) {
        size_t len;
        uint8_t src[4], dst[4];
        const uint8_t *seg = tn_ip4_payload(tn_tx(f), NB_PROTO_UDP, &len, src, dst);
        if (!seg || k++ != i)
            continue;
        assert_memory_equal(src, our_ip, 4);
        struct nb_ip s = nb_ip_from(4, src), d = nb_ip_from(4, dst);
        assert_int_equal(csum_transport(&s, &d, NB_PROTO_UDP, seg, len), 0);
        assert_true(len >= 8 && get16(seg + 4) == len);
        out->sport = get16(seg);
        out->dport = get16(seg + 2);
        memcpy(out->dst, dst, 4);
        out->len = len - 8;
        memcpy(out->b, seg + 8, out->len);
        return 1;
    }
    return 0;
}

static unsigned n_udp_sent(void)
{
    struct sent s;
    unsigned n = 0;
    while (udp_sent(n, &s))
        n++;
    return n;
}

static struct sent last;
static const struct sent *last_sent(void)
{
    unsigned n = n_udp_sent();
    assert_true(n > 0);
    udp_sent(n - 1, &last);
    return &last;
}

/* The ACKs we sent since the last clear, in order (to port TID unless said). */
static unsigned acks_sent(uint16_t *blocks, unsigned max)
{
    struct sent s;
    unsigned n = 0;
    for (unsigned i = 0; udp_sent(i, &s); i++)
        if (s.len == 4 && get16(s.b) == TFTP_OP_ACK && n < max)
            blocks[n++] = get16(s.b + 2);
    return n;
}

static void expect_only_ack(uint16_t sport, uint16_t block)
{
    assert_int_equal(n_udp_sent(), 1);
    const struct sent *s = last_sent();
    assert_int_equal(s->len, 4);
    assert_int_equal(get16(s->b), TFTP_OP_ACK);
    assert_int_equal(get16(s->b + 2), block);
    assert_int_equal(s->dport, sport);
    assert_memory_equal(s->dst, srv_ip, 4);
    tn_tx_clear();
}

static void expect_error_sent(const uint8_t ip[4], uint16_t port, uint16_t code)
{
    const struct sent *s = last_sent();
    assert_true(s->len >= 5);
    assert_int_equal(get16(s->b), TFTP_OP_ERROR);
    assert_int_equal(get16(s->b + 2), code);
    assert_int_equal(s->dport, port);
    assert_memory_equal(s->dst, ip, 4);
}

/* ---------------------------------------------------------------- setup */

static int setup(void **state)
{
    (void)state;
    tn_up(our_mac, 1500);
    net_ip4_configure(our_ip, mask24, no_gw);
    memset(nb_counters, 0, sizeof nb_counters);
    memset(&sink, 0, sizeof sink);
    memset(&RQ, 0, sizeof RQ);
    RQ.server = nb_ip_from(4, srv_ip);
    RQ.file = "boot/nearboot.efi";
    tftp_params_default(&RQ.params);
    RQ.params.progress_ms = 0;
    RQ.cap = 1u << 30;
    RQ.data = sink_data;
    RQ.progress = sink_progress;
    console[0] = 0;
    host_console_capture(console, sizeof console);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!T.finished)
        tftp_abort(&T, NB_E_INVALID);
    host_console_capture(NULL, 0);
    return 0;
}

/* Start, answer the ARP request; returns the RRQ we sent (port 69). */
static const struct sent *start(void)
{
    tn_tx_clear();
    assert_int_equal(tftp_start(&T, &RQ), NB_OK);
    assert_false(T.finished);
    if (tn_is_arp_request(tn_tx(0), srv_ip)) {
        tn_tx_clear();
        tn_arp_reply(srv_ip, srv_mac, our_ip, our_mac);
    }
    const struct sent *s = last_sent();
    assert_int_equal(get16(s->b), TFTP_OP_RRQ);
    assert_int_equal(s->dport, TFTP_PORT);
    assert_int_equal(s->sport, our_port());
    assert_true(our_port() >= 49152u);
    tn_tx_clear();
    return s;
}

/* Start and accept an OACK granting blksize/windowsize (0: not in the OACK). */
static void start_oack(unsigned blksize, unsigned windowsize, uint64_t tsize)
{
    char o[128];
    size_t n = 0;
    start();
    if (blksize)
        n += (size_t)snprintf(o + n, sizeof o - n, "blksize%c%u%c", 0, blksize, 0);
    if (windowsize)
        n += (size_t)snprintf(o + n, sizeof o - n, "windowsize%c%u%c", 0, windowsize, 0);
    if (tsize)
        n += (size_t)snprintf(o + n, sizeof o - n, "tsize%c%llu%c", 0, (unsigned long long)tsize, 0);
    srv_oack(TID, o, n);
    assert_int_equal(T.server_tid, TID);
    expect_only_ack(TID, 0);
    assert_int_equal(T.blksize, blksize ? blksize : 512);
    assert_int_equal(T.windowsize, windowsize ? windowsize : 1);
}

/* ---------------------------------------------------------------- packets */

static void test_build_rrq(void **state)
{
    (void)state;
    uint8_t b[TFTP_RRQ_MAX];
    size_t n;
    struct tftp_opts o = { .flags = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT |
                                    TFTP_OPT_WINDOWSIZE,
                           .blksize = 1468, .windowsize = 16, .timeout = 1 };
    static const char want[] = "\0\1boot.efi\0octet\0blksize\0001468\0tsize\0000\0timeout\0001\0"
                               "windowsize\00016";
    assert_int_equal(tftp_build_rrq(b, sizeof b, "boot.efi", &o, &n), NB_OK);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, n);
    /* plain RFC 1350 */
    static const char plain[] = "\0\1a\0octet";
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a", NULL, &n), NB_OK);
    assert_int_equal(n, sizeof plain);
    assert_memory_equal(b, plain, n);
    /* rollover (tftpd-hpa) */
    struct tftp_opts r = { .flags = TFTP_OPT_ROLLOVER, .rollover = 1 };
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a", &r, &n), NB_OK);
    assert_memory_equal(b + n - 11, "rollover\0001", 11);
    /* file names */
    char longname[TFTP_FILE_MAX + 2];
    memset(longname, 'x', sizeof longname);
    longname[TFTP_FILE_MAX + 1] = 0;
    assert_int_equal(tftp_build_rrq(b, sizeof b, longname, NULL, &n), NB_E_TFTP_FILENAME);
    longname[TFTP_FILE_MAX] = 0;
    assert_int_equal(tftp_build_rrq(b, sizeof b, longname, NULL, &n), NB_OK);
    assert_int_equal(n, 2 + TFTP_FILE_MAX + 1 + 6);
    assert_int_equal(tftp_build_rrq(b, sizeof b, longname, &o, &n), NB_OK);
    assert_int_equal(tftp_build_rrq(b, sizeof b, "", NULL, &n), NB_E_TFTP_FILENAME);
    assert_int_equal(tftp_build_rrq(b, sizeof b, NULL, NULL, &n), NB_E_TFTP_FILENAME);
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a\nb", NULL, &n), NB_E_TFTP_FILENAME);
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a\x7f", NULL, &n), NB_E_TFTP_FILENAME);
    /* room */
    assert_int_equal(tftp_build_rrq(b, 10, "boot.efi", NULL, &n), NB_E_TOO_BIG);
    assert_int_equal(tftp_build_rrq(b, sizeof plain, "a", NULL, &n), NB_OK);
    assert_int_equal(tftp_build_rrq(b, sizeof plain - 1, "a", NULL, &n), NB_E_TOO_BIG);
    /* values out of range are refused before anything is sent */
    struct tftp_opts bad = o;
    bad.blksize = 7;
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a", &bad, &n), NB_E_INVALID);
    bad = o;
    bad.windowsize = 0;
    assert_int_equal(tftp_build_rrq(b, sizeof b, "a", &bad, &n), NB_E_INVALID);
}

static void test_build_ack_error(void **state)
{
    (void)state;
    uint8_t b[64];
    assert_int_equal(tftp_build_ack(b, 0xbeef), 4);
    assert_memory_equal(b, "\0\4\xbe\xef", 4);
    assert_int_equal(tftp_build_error(b, sizeof b, 5, "unknown transfer ID"), 5 + 19);
    assert_memory_equal(b, "\0\5\0\5unknown transfer ID\0", 24);
    assert_int_equal(tftp_build_error(b, 8, 1, "abcdefgh"), 8); /* cut to fit */
    assert_memory_equal(b, "\0\5\0\1abc\0", 8);
    assert_int_equal(tftp_build_error(b, 5, 0, NULL), 5);
    assert_int_equal(tftp_build_error(b, 4, 0, "x"), 0);
}

static void test_parse_packets(void **state)
{
    (void)state;
    struct tftp_pkt k;
    uint8_t *p;
    /* DATA, ACK */
    static const uint8_t data[] = { 0, 3, 0x12, 0x34, 'h', 'i' };
    p = t_dup(data, sizeof data);
    assert_int_equal(tftp_parse(p, sizeof data, &k), NB_OK);
    assert_int_equal(k.op, TFTP_OP_DATA);
    assert_int_equal(k.block, 0x1234);
    assert_int_equal(k.len, 2);
    assert_memory_equal(k.data, "hi", 2);
    assert_int_equal(tftp_parse(p, 4, &k), NB_OK); /* empty last block */
    assert_int_equal(k.len, 0);
    assert_int_equal(tftp_parse(p, 3, &k), NB_E_TRUNCATED);
    assert_int_equal(tftp_parse(p, 1, &k), NB_E_TRUNCATED);
    assert_int_equal(tftp_parse(p, 0, &k), NB_E_TRUNCATED);
    free(p);
    static const uint8_t ack[] = { 0, 4, 0, 9 };
    p = t_dup(ack, sizeof ack);
    assert_int_equal(tftp_parse(p, 4, &k), NB_OK);
    assert_int_equal(k.op, TFTP_OP_ACK);
    assert_int_equal(k.block, 9);
    free(p);
    /* unknown opcodes */
    static const uint8_t bad0[] = { 0, 0, 0, 1 }, bad7[] = { 0, 7, 0, 1 }, badf[] = { 0xff, 0xff };
    assert_int_equal(tftp_parse(bad0, 4, &k), NB_E_MALFORMED);
    assert_int_equal(tftp_parse(bad7, 4, &k), NB_E_MALFORMED);
    assert_int_equal(tftp_parse(badf, 2, &k), NB_E_MALFORMED);
    /* requests are classified, not parsed */
    static const uint8_t rrq[] = { 0, 1, 'a', 0 };
    assert_int_equal(tftp_parse(rrq, 4, &k), NB_OK);
    assert_int_equal(k.op, TFTP_OP_RRQ);
}

static void test_parse_error(void **state)
{
    (void)state;
    struct tftp_pkt k;
    uint8_t *p;
    static const uint8_t with_msg[] = "\0\5\0\1File not found";
    p = t_dup(with_msg, sizeof with_msg); /* with its NUL */
    assert_int_equal(tftp_parse(p, sizeof with_msg, &k), NB_OK);
    assert_int_equal(k.op, TFTP_OP_ERROR);
    assert_int_equal(k.code, 1);
    assert_string_equal(k.msg, "File not found");
    /* the NUL missing: the message ends with the datagram */
    assert_int_equal(tftp_parse(p, sizeof with_msg - 1, &k), NB_OK);
    assert_string_equal(k.msg, "File not found");
    free(p);
    /* no message at all, or just its NUL */
    static const uint8_t bare[] = { 0, 5, 0, 8, 0 };
    p = t_dup(bare, 4);
    assert_int_equal(tftp_parse(p, 4, &k), NB_OK);
    assert_int_equal(k.code, 8);
    assert_string_equal(k.msg, "");
    free(p);
    assert_int_equal(tftp_parse(bare, 5, &k), NB_OK);
    assert_string_equal(k.msg, "");
    assert_int_equal(tftp_parse(bare, 3, &k), NB_E_TRUNCATED);
    /* control characters, escapes and high bytes are not console text */
    static const uint8_t nasty[] = { 0, 5, 0, 0, 'a', 0x1b, '[', '2', 'J', '\n', 0xc3, 0xa9, 'z', 0, 'h' };
    p = t_dup(nasty, sizeof nasty);
    assert_int_equal(tftp_parse(p, sizeof nasty, &k), NB_OK);
    assert_string_equal(k.msg, "a?[2J???z");
    free(p);
    /* an overlong message is cut at TFTP_ERRMSG_MAX */
    uint8_t big[1400];
    memset(big, 'm', sizeof big);
    big[0] = 0, big[1] = 5, big[2] = 0, big[3] = 2;
    p = t_dup(big, sizeof big);
    assert_int_equal(tftp_parse(p, sizeof big, &k), NB_OK);
    assert_int_equal(strlen(k.msg), TFTP_ERRMSG_MAX);
    free(p);
}

static const struct tftp_opts asked_all = {
    .flags = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_WINDOWSIZE,
    .blksize = 1468, .windowsize = 16, .timeout = 1,
};

static nb_err oack(const char *o, size_t n, struct tftp_opts *got)
{
    uint8_t *p = t_dup((const uint8_t *)o, n);
    nb_err e = tftp_parse_oack(p, n, &asked_all, got);
    free(p);
    return e;
}
#define OACK_P(lit, got) oack(lit, sizeof(lit) - 1, got)

static void test_parse_oack(void **state)
{
    (void)state;
    struct tftp_opts g;
    /* everything, with an unknown option in the middle, mixed case */
    assert_int_equal(OACK_P("BlkSize\0001024\0x-vendor\0whatever\0TSIZE\00012345678901\0"
                            "timeout\0003\0WindowSize\0008\0", &g), NB_OK);
    assert_int_equal(g.flags, asked_all.flags);
    assert_int_equal(g.blksize, 1024);
    assert_int_equal(g.windowsize, 8);
    assert_int_equal(g.timeout, 3);
    assert_int_equal(g.tsize, 12345678901ull);
    /* a subset (dnsmasq: blksize and tsize only) */
    assert_int_equal(OACK_P("blksize\0001468\0tsize\0009\0", &g), NB_OK);
    assert_int_equal(g.flags, TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE);
    /* nothing at all */
    assert_int_equal(oack("", 0, &g), NB_OK);
    assert_int_equal(g.flags, 0);
    /* only unknown options */
    assert_int_equal(OACK_P("utimeout\000100000\0", &g), NB_OK);
    assert_int_equal(g.flags, 0);
    /* limits: equal to what we asked is fine, more is not */
    assert_int_equal(OACK_P("blksize\0001468\0windowsize\00016\0", &g), NB_OK);
    assert_int_equal(OACK_P("blksize\0001469\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\0008\0", &g), NB_OK);
    assert_int_equal(OACK_P("blksize\0007\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\00065464\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("windowsize\00017\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("windowsize\0000\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("timeout\0000\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("timeout\000256\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("timeout\000255\0", &g), NB_OK);
    assert_int_equal(OACK_P("tsize\00018446744073709551615\0", &g), NB_OK);
    assert_int_equal(g.tsize, UINT64_MAX);
    assert_int_equal(OACK_P("tsize\00018446744073709551616\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("tsize\000000000000000000000001\0", &g), NB_E_TFTP_BAD_OACK);
    /* not decimal */
    assert_int_equal(OACK_P("blksize\000512x\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\000+512\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\000 512\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\000-1\0", &g), NB_E_TFTP_BAD_OACK);
    assert_int_equal(OACK_P("blksize\0000x200\0", &g), NB_E_TFTP_BAD_OACK);
    /* repeated, even in another case */
    assert_int_equal(OACK_P("blksize\000512\0BLKSIZE\000512\0", &g), NB_E_TFTP_BAD_OACK);
    /* known but not asked for */
    struct tftp_opts only_blk = { .flags = TFTP_OPT_BLKSIZE, .blksize = 1468 };
    static const char ws[] = "blksize\000512\0windowsize\0004\0";
    assert_int_equal(tftp_parse_oack((const uint8_t *)ws, sizeof ws - 1, &only_blk, &g),
                     NB_E_TFTP_BAD_OACK);
    static const char ro[] = "rollover\0002\0";
    struct tftp_opts with_ro = { .flags = TFTP_OPT_ROLLOVER };
    assert_int_equal(tftp_parse_oack((const uint8_t *)ro, sizeof ro - 1, &with_ro, &g),
                     NB_E_TFTP_BAD_OACK);
    static const char ro1[] = "ROLLOVER\0001\0";
    assert_int_equal(tftp_parse_oack((const uint8_t *)ro1, sizeof ro1 - 1, &with_ro, &g), NB_OK);
    assert_int_equal(g.rollover, 1);
    /* syntax: missing NULs, a name without a value, empty strings */
    assert_int_equal(OACK_P("blksize\000512", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("blksize", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("blksize\0", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("blksize\0\0", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("\000512\0", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("\0", &g), NB_E_MALFORMED);
    assert_int_equal(OACK_P("x-unknown\0", &g), NB_E_MALFORMED);
    /* a long OACK of unknown options is walked, bounded by its length */
    static char many[1400];
    size_t n = 0;
    while (n + 8 <= sizeof many) {
        memcpy(many + n, "xx\0yyy\0", 7);
        n += 7;
    }
    assert_int_equal(oack(many, n, &g), NB_OK);
    assert_int_equal(oack(many, n - 1, &g), NB_E_MALFORMED);
}

/* ---------------------------------------------------------------- transfers */

static void test_rrq_asks_path_blksize(void **state)
{
    (void)state;
    const struct sent *s = start();
    static const char want[] = "\0\1boot/nearboot.efi\0octet\0blksize\0001468\0tsize\0000\0"
                               "timeout\0001\0windowsize\00016";
    assert_int_equal(s->len, sizeof want);
    assert_memory_equal(s->b, want, sizeof want);
    tftp_abort(&T, NB_E_INVALID);
    /* a smaller MTU lowers it; a larger blksize asked for is cut to the path */
    net_if()->mtu = 1280;
    RQ.params.blksize = 9000;
    RQ.params.windowsize = 1;
    RQ.params.timeout_s = 0;
    RQ.params.ask_tsize = 0;
    s = start();
    static const char small[] = "\0\1boot/nearboot.efi\0octet\0blksize\0001248";
    assert_int_equal(s->len, sizeof small);
    assert_memory_equal(s->b, small, sizeof small);
    tftp_abort(&T, NB_E_INVALID);
    RQ.params.blksize = 512;
    s = start();
    assert_memory_equal(s->b + s->len - 12, "blksize\000512", 12);
}

static void test_windowed_in_order(void **state)
{
    (void)state;
    const uint64_t size = 1024 * 10 + 100;
    start_oack(1024, 4, size);
    assert_int_equal(T.tsize, size);
    /* a window: only its last block is ACKed */
    for (unsigned b = 1; b <= 3; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 1024u, 1024);
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 4, 3 * 1024, 1024);
    expect_only_ack(TID, 4);
    for (unsigned b = 5; b <= 8; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 1024u, 1024);
    expect_only_ack(TID, 8);
    srv_data_at(TID, 9, 8 * 1024, 1024);
    srv_data_at(TID, 10, 9 * 1024, 1024);
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 11, 10 * 1024, 100); /* short: the last block, ACKed at once */
    expect_only_ack(TID, 11);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, size);
    assert_int_equal(sink.calls, 11);
    assert_int_equal(sink.bad, 0);
    assert_int_equal(sink.starts, 1);
    assert_int_equal(T.bytes, size);
    assert_true(sink.progress_calls >= 3);
    assert_int_equal(nb_counters[CTR_TFTP_DATA_IN_ORDER], 11);
    /* late packets after the end go nowhere: the socket is closed */
    srv_data_at(TID, 11, 10 * 1024, 100);
    assert_int_equal(n_udp_sent(), 0);
}

static void test_gap_acks_last_in_order_once(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 512);
    srv_data_at(TID, 3, 1024, 512); /* 2 lost */
    expect_only_ack(TID, 1);
    assert_int_equal(nb_counters[CTR_TFTP_GAP_ACK_SENT], 1);
    srv_data_at(TID, 4, 1536, 512); /* the rest of that window: dropped, no more ACKs */
    assert_int_equal(n_udp_sent(), 0);
    assert_int_equal(sink.calls, 1);
    /* the server resends a window from 2 */
    for (unsigned b = 2; b <= 4; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 512u, 512);
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 5, 4 * 512, 512);
    expect_only_ack(TID, 5); /* the window that started at 2 ended at 5 */
    /* a second gap gets its own single ACK */
    srv_data_at(TID, 7, 6 * 512, 512);
    srv_data_at(TID, 8, 7 * 512, 512);
    expect_only_ack(TID, 5);
    srv_data_at(TID, 6, 5 * 512, 10);
    expect_only_ack(TID, 6);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 5 * 512 + 10);
    assert_int_equal(sink.bad, 0);
}

static void test_duplicates_and_stale_never_rewrite(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    for (unsigned b = 1; b <= 4; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 512u, 512);
    expect_only_ack(TID, 4);
    /* our ACK was lost: the server resends the window; its last block gets
     * the ACK again, nothing reaches the sink */
    for (unsigned b = 1; b <= 3; b++)
        srv_data_at(TID, (uint16_t)b, 0xdead, 512); /* wrong bytes: must never be used */
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 4, 0xdead, 512);
    expect_only_ack(TID, 4);
    assert_int_equal(sink.calls, 4);
    srv_data_at(TID, 5, 4 * 512, 512);
    srv_data_at(TID, 6, 5 * 512, 512);
    srv_data_at(TID, 5, 0xdead, 512); /* a duplicate inside the window: dropped silently */
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 2, 0xdead, 512); /* very stale */
    assert_int_equal(n_udp_sent(), 0);
    assert_int_equal(sink.calls, 6);
    assert_int_equal(sink.bad, 0);
    assert_int_equal(nb_counters[CTR_TFTP_DROP_STALE], 6);
    /* oversize DATA (more than blksize) is dropped */
    srv_data_at(TID, 7, 6 * 512, 513);
    assert_int_equal(nb_counters[CTR_TFTP_DROP_OVERSIZE], 1);
    assert_int_equal(sink.calls, 6);
    srv_data_at(TID, 7, 6 * 512, 0);
    assert_true(T.finished);
    assert_int_equal(sink.held, 6 * 512);
    assert_int_equal(sink.bad, 0);
}

static void test_lockstep_duplicate_reacked(void **state)
{
    (void)state;
    RQ.params.windowsize = 1;
    start_oack(512, 0, 0);
    srv_data_at(TID, 1, 0, 512);
    expect_only_ack(TID, 1);
    srv_data_at(TID, 1, 0xdead, 512); /* our ACK 1 was lost */
    expect_only_ack(TID, 1);
    srv_data_at(TID, 2, 512, 3);
    expect_only_ack(TID, 2);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 515);
    assert_int_equal(sink.bad, 0);
}

static void test_wrong_tid_gets_error5(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 512);
    /* the same server, another port (say a second session from a resent RRQ) */
    srv_data_at(TID2, 2, 512, 512);
    assert_int_equal(n_udp_sent(), 1);
    expect_error_sent(srv_ip, TID2, TFTP_EC_UNKNOWN_TID);
    tn_tx_clear();
    /* another address entirely */
    udp_from(other_ip, TID, (const uint8_t *)"\0\3\0\2xx", 6);
    if (tn_is_arp_request(tn_tx(0), other_ip)) {
        tn_tx_clear();
        tn_arp_reply(other_ip, srv_mac, our_ip, our_mac);
    }
    expect_error_sent(other_ip, TID, TFTP_EC_UNKNOWN_TID);
    tn_tx_clear();
    /* an ERROR from another TID is not answered and does not end anything */
    srv_error(TID2, 5, "unknown transfer ID");
    OACK(TID2, "blksize\000512\0");
    assert_int_equal(n_udp_sent(), 1); /* only for the OACK */
    tn_tx_clear();
    assert_false(T.finished);
    assert_int_equal(sink.calls, 1);
    assert_int_equal(nb_counters[CTR_TFTP_DROP_TID], 4);
    /* the real server carries on */
    for (unsigned b = 2; b <= 4; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 512u, 512);
    expect_only_ack(TID, 4);
    srv_data_at(TID, 5, 4 * 512, 1);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 4 * 512 + 1);
    assert_int_equal(sink.bad, 0);
    assert_int_equal(T.restarts, 0);
}

static void test_reply_from_other_address_before_lock(void **state)
{
    (void)state;
    start();
    udp_from(other_ip, TID, (const uint8_t *)"\0\6blksize\000512\0", 14);
    assert_int_equal(T.server_tid, 0);
    assert_int_equal(nb_counters[CTR_TFTP_DROP_SOURCE], 1);
    assert_int_equal(n_udp_sent(), 0);
    /* a DATA that is not block 1 does not lock either */
    srv_data_at(TID, 2, 512, 512);
    assert_int_equal(T.server_tid, 0);
    OACK(TID, "blksize\000512\0");
    assert_int_equal(T.server_tid, TID);
}

static void test_duplicate_oack_reacked(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    OACK(TID, "blksize\000512\0windowsize\0004\0");
    expect_only_ack(TID, 0);
    srv_data_at(TID, 1, 0, 512);
    OACK(TID, "blksize\000512\0windowsize\0004\0"); /* too late now: dropped */
    assert_int_equal(n_udp_sent(), 0);
}

static void test_server_without_options(void **state)
{
    (void)state;
    start();
    srv_data_at(TID, 1, 0, 512); /* DATA straight away: 512-byte lock-step */
    expect_only_ack(TID, 1);
    assert_int_equal(T.blksize, 512);
    assert_int_equal(T.windowsize, 1);
    assert_false(T.options_acked);
    srv_data_at(TID, 2, 512, 512);
    expect_only_ack(TID, 2);
    srv_data_at(TID, 3, 1024, 600); /* larger than 512: not ours */
    assert_int_equal(n_udp_sent(), 0);
    srv_data_at(TID, 3, 1024, 20);
    expect_only_ack(TID, 3);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 1044);
    assert_int_equal(sink.bad, 0);
}

static void test_error8_retries_without_options(void **state)
{
    (void)state;
    start();
    uint16_t first_port = our_port();
    srv_error(TID, TFTP_EC_OPTIONS, "options not supported");
    assert_false(T.finished);
    assert_true(T.options_refused);
    const struct sent *s = last_sent();
    static const char plain[] = "\0\1boot/nearboot.efi\0octet";
    assert_int_equal(s->len, sizeof plain);
    assert_memory_equal(s->b, plain, sizeof plain);
    assert_int_equal(s->dport, TFTP_PORT);
    assert_int_not_equal(our_port(), first_port); /* a fresh TID */
    tn_tx_clear();
    srv_data_at(TID2, 1, 0, 100);
    expect_only_ack(TID2, 1);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 100);
    assert_non_null(strstr(console, "refused the options (ERROR 8 \"options not supported\")"));
    /* only once: ERROR 8 to the plain request is final */
    setup(state);
    start();
    srv_error(TID, TFTP_EC_OPTIONS, "");
    tn_tx_clear();
    srv_error(TID, TFTP_EC_OPTIONS, "no");
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_OPTIONS_REFUSED);
    assert_int_equal(n_udp_sent(), 0);
}

static void test_request_errors_are_final(void **state)
{
    (void)state;
    start();
    srv_error(TID, TFTP_EC_NOT_FOUND, "File not found");
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_NOT_FOUND);
    assert_int_equal(T.server_error, 1);
    assert_string_equal(T.server_msg, "File not found");
    assert_int_equal(n_udp_sent(), 0); /* an ERROR is never answered */
    setup(state);
    start();
    srv_error(TID, TFTP_EC_ACCESS, "Permission denied");
    assert_int_equal(T.result, NB_E_TFTP_ACCESS);
    setup(state);
    start();
    srv_error(TID, 0, "");
    assert_int_equal(T.result, NB_E_TFTP_SERVER_ERROR);
}

static void test_bad_oack_refused(void **state)
{
    (void)state;
    start();
    OACK(TID, "blksize\0002000\0"); /* more than we asked */
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_BAD_OACK);
    expect_error_sent(srv_ip, TID, TFTP_EC_OPTIONS);
    setup(state);
    start();
    OACK(TID, "windowsize\00032\0");
    assert_int_equal(T.result, NB_E_TFTP_BAD_OACK);
    expect_error_sent(srv_ip, TID, TFTP_EC_OPTIONS);
    setup(state);
    start();
    OACK(TID, "blksize\000512"); /* missing NUL */
    assert_int_equal(T.result, NB_E_TFTP_BAD_OACK);
    /* tsize over the cap: refused before any data */
    setup(state);
    RQ.cap = 1000;
    start();
    OACK(TID, "tsize\0001001\0");
    assert_int_equal(T.result, NB_E_TFTP_TOO_BIG);
    expect_error_sent(srv_ip, TID, TFTP_EC_OPTIONS);
    assert_int_equal(sink.calls, 0);
    setup(state);
    RQ.cap = 1000;
    start();
    OACK(TID, "tsize\0001000\0blksize\000512\0");
    assert_false(T.finished);
    /* an OACK to a plain request */
    setup(state);
    RQ.params.use_options = 0;
    start();
    OACK(TID, "blksize\000512\0");
    assert_int_equal(T.result, NB_E_TFTP_PROTOCOL);
}

static void test_cap_enforced_on_data(void **state)
{
    (void)state;
    RQ.cap = 1000;
    start_oack(512, 4, 0); /* no tsize: the cap is checked as data arrives */
    srv_data_at(TID, 1, 0, 512);
    srv_data_at(TID, 2, 512, 512);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_TOO_BIG);
    expect_error_sent(srv_ip, TID, TFTP_EC_DISK_FULL);
    assert_int_equal(sink.held, 512);
    /* exactly the cap is fine */
    setup(state);
    RQ.cap = 1000;
    start_oack(500, 4, 0);
    srv_data_at(TID, 1, 0, 500);
    srv_data_at(TID, 2, 500, 500);
    srv_data_at(TID, 3, 1000, 0);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 1000);
}

static void test_empty_file_and_exact_multiple(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 0);
    expect_only_ack(TID, 1);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.starts, 1); /* the sink saw offset 0 */
    assert_int_equal(sink.held, 0);
    setup(state);
    start_oack(512, 2, 1024);
    srv_data_at(TID, 1, 0, 512);
    srv_data_at(TID, 2, 512, 512);
    expect_only_ack(TID, 2);
    assert_false(T.finished);
    srv_data_at(TID, 3, 1024, 0);
    expect_only_ack(TID, 3);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 1024);
}

static void test_sink_error_aborts(void **state)
{
    (void)state;
    sink.fail_at_call = 2;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 512);
    srv_data_at(TID, 2, 512, 512);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_IO);
    expect_error_sent(srv_ip, TID, TFTP_EC_UNDEFINED);
}

/* ---- timers */

static void test_rrq_retransmits_then_times_out(void **state)
{
    (void)state;
    RQ.params.retries = 3;
    start();
    uint16_t port = our_port();
    /* 1 s, then 2 s, 4 s (rto_max), 4 s */
    tn_advance_ms(999);
    assert_int_equal(n_udp_sent(), 0);
    tn_advance_ms(1);
    assert_int_equal(n_udp_sent(), 1);
    assert_int_equal(get16(last_sent()->b), TFTP_OP_RRQ);
    assert_int_equal(last_sent()->sport, port); /* same TID for a resend */
    tn_tx_clear();
    tn_advance_ms(1999);
    assert_int_equal(n_udp_sent(), 0);
    tn_advance_ms(1);
    assert_int_equal(n_udp_sent(), 1);
    tn_advance_ms(4000);
    assert_int_equal(n_udp_sent(), 2);
    assert_false(T.finished);
    tn_advance_ms(4000);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_TIMEOUT);
    assert_int_equal(T.retransmits, 3);
}

static void test_silence_mid_transfer_reacks_then_restarts(void **state)
{
    (void)state;
    RQ.params.retries = 2;
    start_oack(512, 4, 0);
    for (unsigned b = 1; b <= 5; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 512u, 512);
    expect_only_ack(TID, 4);
    /* block 6..8 never come: after 1 s we ACK 5 (the last in order) */
    tn_advance_ms(1000);
    expect_only_ack(TID, 5);
    tn_advance_ms(2000);
    expect_only_ack(TID, 5);
    uint16_t port = our_port();
    tn_advance_ms(4000); /* retries used up: the session is lost */
    assert_false(T.finished);
    assert_non_null(strstr(console, "tftp: server at 198.18.0.1 lost the session at block 5 "
                                    "(no answer to 2 retransmissions); restarting (1/3)"));
    assert_int_equal(n_udp_sent(), 0);
    tn_advance_ms(RQ.params.restart_delay_ms);
    const struct sent *s = last_sent();
    assert_int_equal(get16(s->b), TFTP_OP_RRQ);
    assert_int_equal(s->dport, TFTP_PORT);
    assert_int_not_equal(s->sport, port);
    tn_tx_clear();
    OACK(TID2, "blksize\000512\0");
    expect_only_ack(TID2, 0);
    srv_data_at(TID2, 1, 0, 512);
    srv_data_at(TID2, 2, 512, 7);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.starts, 2);
    assert_int_equal(sink.held, 519);
    assert_int_equal(sink.bad, 0);
    assert_int_equal(T.restarts, 1);
}

static void test_restart_after_error_mid_transfer(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    for (unsigned b = 1; b <= 8; b++)
        srv_data_at(TID, (uint16_t)b, (b - 1) * 512u, 512);
    tn_tx_clear();
    /* the anycast route moved: the new site knows nothing of TID */
    srv_error(TID, TFTP_EC_UNKNOWN_TID, "Unknown transfer ID");
    assert_false(T.finished);
    assert_int_equal(n_udp_sent(), 0); /* ERRORs are not answered */
    assert_non_null(strstr(console, "tftp: server at 198.18.0.1 lost the session at block 8 "
                                    "(ERROR 5 \"Unknown transfer ID\"); restarting (1/3)"));
    /* packets for the old session now go nowhere */
    srv_data_at(TID, 9, 8 * 512, 512);
    assert_int_equal(n_udp_sent(), 0);
    tn_advance_ms(RQ.params.restart_delay_ms);
    assert_int_equal(get16(last_sent()->b), TFTP_OP_RRQ);
    tn_tx_clear();
    OACK(TID2, "blksize\000512\0windowsize\0004\0");
    expect_only_ack(TID2, 0);
    for (unsigned b = 1; b <= 4; b++)
        srv_data_at(TID2, (uint16_t)b, (b - 1) * 512u, 512);
    expect_only_ack(TID2, 4);
    srv_data_at(TID2, 5, 4 * 512, 1);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(T.restarts, 1);
    assert_int_equal(sink.starts, 2);
    assert_int_equal(sink.held, 4 * 512 + 1);
    assert_int_equal(sink.bad, 0);
}

static void test_restarts_are_bounded(void **state)
{
    (void)state;
    RQ.params.max_restarts = 2;
    start_oack(512, 4, 0);
    for (unsigned i = 0; i < 2; i++) {
        srv_data_at((uint16_t)(TID + i), 1, 0, 512);
        srv_error((uint16_t)(TID + i), 0, "session lost");
        assert_false(T.finished);
        tn_advance_ms(RQ.params.restart_delay_ms);
        tn_tx_clear();
        OACK((uint16_t)(TID + i + 1), "blksize\000512\0windowsize\0004\0");
    }
    srv_error(TID + 2, TFTP_EC_UNKNOWN_TID, "");
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_TOO_MANY_RESTARTS);
    assert_int_equal(T.restarts, 2);
    assert_non_null(strstr(console, "restarting (2/2)"));
    assert_non_null(strstr(console, "no restarts left"));
    /* none allowed: the loss itself is the error */
    setup(state);
    RQ.params.max_restarts = 0;
    start_oack(512, 4, 0);
    srv_error(TID, TFTP_EC_UNKNOWN_TID, "");
    assert_int_equal(T.result, NB_E_TFTP_UNKNOWN_TID);
}

static void test_icmp_unreachable_mid_transfer_restarts(void **state)
{
    (void)state;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 512);
    struct nb_ip l = nb_ip_from(4, our_ip), r = nb_ip_from(4, srv_ip);
    udp_icmp_error(&l, &r, our_port(), TID, NB_E_CONN_REFUSED);
    assert_int_equal(tftp_done(&T), 0);
    assert_non_null(strstr(console, "lost the session at block 1 (ICMP: "));
    tn_advance_ms(RQ.params.restart_delay_ms);
    assert_int_equal(get16(last_sent()->b), TFTP_OP_RRQ);
    /* the restart's request meets ICMP too (the new server is not up yet):
     * it is retried on schedule, not final */
    tn_tx_clear();
    udp_icmp_error(&l, &r, our_port(), TFTP_PORT, NB_E_CONN_REFUSED);
    assert_int_equal(tftp_done(&T), 0);
    tn_advance_ms(1000);
    assert_int_equal(get16(last_sent()->b), TFTP_OP_RRQ);
    tn_tx_clear();
    OACK(TID2, "blksize\000512\0");
    expect_only_ack(TID2, 0);
    srv_data_at(TID2, 1, 0, 5);
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, 5);
    /* ... and if nothing ever answers, the ICMP error is the verdict */
    setup(state);
    RQ.params.retries = 1;
    start_oack(512, 4, 0);
    l = nb_ip_from(4, our_ip);
    udp_icmp_error(&l, &r, our_port(), TID, NB_E_CONN_REFUSED);
    tftp_done(&T);
    tn_advance_ms(RQ.params.restart_delay_ms);
    udp_icmp_error(&l, &r, our_port(), TFTP_PORT, NB_E_CONN_REFUSED);
    assert_int_equal(tftp_done(&T), 0);
    tn_advance_ms(1000 + 2000);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_CONN_REFUSED);
    /* in the first request an ICMP error is final at once */
    setup(state);
    start();
    l = nb_ip_from(4, our_ip);
    udp_icmp_error(&l, &r, our_port(), TFTP_PORT, NB_E_CONN_REFUSED);
    assert_int_equal(tftp_done(&T), 1);
    assert_int_equal(T.result, NB_E_CONN_REFUSED);
}

static void test_deadline(void **state)
{
    (void)state;
    RQ.params.deadline_ms = 2500;
    RQ.params.rto_ms = 100000; /* no retransmission gets in the way */
    RQ.params.rto_max_ms = 100000;
    start_oack(512, 4, 0);
    srv_data_at(TID, 1, 0, 512);
    tn_advance_ms(2499);
    assert_false(T.finished);
    tn_advance_ms(1);
    assert_true(T.finished);
    assert_int_equal(T.result, NB_E_TFTP_DEADLINE);
    expect_error_sent(srv_ip, TID, TFTP_EC_UNDEFINED);
}

/* ---- a simulated windowed server, for long transfers */

struct sim {
    uint64_t blocks;      /* the file: this many full blocks plus a short last one */
    unsigned blksize, window;
    int wrap_to_1;
    uint64_t base;        /* the last position the client ACKed */
    unsigned drop_every;  /* drop every n-th DATA sent (0: none) */
    unsigned long sent;
    unsigned rounds;
};

static uint16_t sim_wire(const struct sim *s, uint64_t pos)
{
    if (pos < 65536u || !s->wrap_to_1)
        return (uint16_t)pos;
    return (uint16_t)((pos - 1u) % 65535u + 1u);
}

/* Send windows and follow the client's ACKs until it ACKs the last block. */
static void sim_run(struct sim *s, uint16_t tid)
{
    uint64_t last = s->blocks + 1; /* the short block */
    uint64_t off_last = s->blocks * s->blksize;
    while (!T.finished) {
        assert_true(++s->rounds < 200000u);
        tn_tx_clear();
        for (uint64_t p = s->base + 1; p <= s->base + s->window && p <= last; p++) {
            s->sent++;
            if (s->drop_every && s->sent % s->drop_every == 0)
                continue;
            uint64_t off = (p - 1) * s->blksize;
            srv_data_at(tid, sim_wire(s, p), off, p == last ? 3u : s->blksize);
            if (T.finished)
                break;
        }
        uint16_t acks[64];
        unsigned n = acks_sent(acks, 64);
        if (T.finished)
            break;
        if (n == 0) {
            tn_advance_ms(T.rto_ms); /* let the client's timer speak */
            n = acks_sent(acks, 64);
        }
        assert_true(n > 0);
        /* the server acts on the newest ACK: its position near base */
        uint16_t a = acks[n - 1];
        uint64_t found = UINT64_MAX;
        for (uint64_t p = s->base; p <= s->base + s->window && p <= last; p++)
            if (sim_wire(s, p) == a)
                found = p;
        assert_true(found != UINT64_MAX);
        s->base = found;
    }
    (void)off_last;
    assert_int_equal(T.result, NB_OK);
    assert_int_equal(sink.held, off_last + 3);
    assert_int_equal(sink.bad, 0);
}

static void rollover(unsigned window, int wrap_to_1, unsigned drop_every)
{
    RQ.params.windowsize = (uint16_t)(window > 1 ? window : 1);
    struct sim s = { .blocks = 65535u + 300u, .blksize = 8, .window = window,
                     .wrap_to_1 = wrap_to_1, .drop_every = drop_every };
    start_oack(8, window > 1 ? window : 0, 0);
    sim_run(&s, TID);
    assert_int_equal(sink.calls, s.blocks + 1);
    assert_int_equal(sink.starts, 1);
}

static void test_rollover_wrap_to_0_windowed(void **state)
{
    (void)state;
    rollover(16, 0, 0);
}

static void test_rollover_wrap_to_1_windowed(void **state)
{
    (void)state;
    rollover(16, 1, 0);
    /* block 1 where 0 was due: treated as a gap until seen three times */
    assert_true(nb_counters[CTR_TFTP_GAP_ACK_SENT] >= 2);
}

static void test_rollover_wrap_to_0_lockstep(void **state)
{
    (void)state;
    rollover(1, 0, 0);
}

static void test_rollover_wrap_to_1_lockstep(void **state)
{
    (void)state;
    rollover(1, 1, 0);
    assert_int_equal(nb_counters[CTR_TFTP_GAP_ACK_SENT], 0);
}

static void test_rollover_with_losses(void **state)
{
    (void)state;
    rollover(16, 0, 97);
    assert_true(nb_counters[CTR_TFTP_GAP_ACK_SENT] > 100);
    setup(state);
    rollover(16, 1, 89);
}

static void test_block0_lost_at_wrap_is_not_misread(void **state)
{
    (void)state;
    /* wrap to 0 with block 0 (position 65536) lost exactly twice: the
     * client must not take block 1 for position 65536 */
    RQ.params.windowsize = 4;
    start_oack(8, 4, 0);
    struct sim s = { .blocks = 65535u + 8u, .blksize = 8, .window = 4 };
    /* run up to the wrap by hand: windows of 4 from 1 */
    for (uint64_t p = 1; p <= 65535u; p++)
        srv_data_at(TID, (uint16_t)p, (p - 1) * 8u, 8);
    tn_tx_clear();
    for (unsigned round = 0; round < 2; round++) {
        srv_data_at(TID, 1, 65536u * 8u, 8); /* position 65537, 0 lost */
        uint16_t acks[8];
        assert_int_equal(acks_sent(acks, 8), 1);
        assert_int_equal(acks[0], 65535);
        tn_tx_clear();
    }
    assert_int_equal(sink.held, 65535u * 8u);
    s.base = 65535u;
    sim_run(&s, TID);
}

/* ---------------------------------------------------------------- tftp_get */

static void test_get_start_errors(void **state)
{
    (void)state;
    RQ.file = "";
    assert_int_equal(tftp_get(&T, &RQ), NB_E_TFTP_FILENAME);
    assert_true(T.finished);
    RQ.file = "ok";
    RQ.data = NULL;
    assert_int_equal(tftp_start(&T, &RQ), NB_E_INVALID);
    assert_non_null(strstr(console, "error: tftp 198.18.0.1 : "));
}

/* Per-request options (fetch's tftp_blksize/windowsize): the ranges, and a
 * value out of range leaves the parameters as they were. */
static void test_params_ask(void **state)
{
    (void)state;
    struct tftp_params p, d;
    tftp_params_default(&d);
    p = d;
    assert_int_equal(tftp_params_ask(&p, 0, 0), NB_OK);
    assert_memory_equal(&p, &d, sizeof p);
    assert_int_equal(tftp_params_ask(&p, 512, 4), NB_OK);
    assert_int_equal(p.blksize, 512);
    assert_int_equal(p.windowsize, 4);
    assert_int_equal(tftp_params_ask(&p, TFTP_BLKSIZE_MIN, 1), NB_OK);
    assert_int_equal(tftp_params_ask(&p, TFTP_BLKSIZE_MAX, TFTP_WINDOW_MAX), NB_OK);
    assert_int_equal(p.blksize, TFTP_BLKSIZE_MAX);
    assert_int_equal(p.windowsize, TFTP_WINDOW_MAX);
    static const unsigned bad[][2] = { { TFTP_BLKSIZE_MIN - 1, 0 }, { TFTP_BLKSIZE_MAX + 1, 0 }, { 65536, 0 },
                                       { 0, TFTP_WINDOW_MAX + 1 }, { 512, 65535 }, { 1, 4 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = d;
        assert_int_equal(tftp_params_ask(&p, bad[i][0], bad[i][1]), NB_E_TFTP_BAD_OPTION);
        assert_memory_equal(&p, &d, sizeof p);
    }
}

static void test_parse_optlist(void **state)
{
    (void)state;
    static const struct { const char *s; uint16_t blksize, windowsize; } good[] = {
        { "blksize=512,windowsize=4", 512, 4 }, { "windowsize=16", 0, 16 }, { "blksize=1468", 1468, 0 },
        { "WindowSize=1,BLKSIZE=8", 8, 1 }, { "blksize=65464,windowsize=64", 65464, 64 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint16_t b = 1, w = 1;
        size_t bad = 99;
        assert_int_equal(tftp_parse_optlist(good[i].s, strlen(good[i].s), &b, &w, &bad), NB_OK);
        assert_int_equal(b, good[i].blksize);
        assert_int_equal(w, good[i].windowsize);
    }
    /* each with the offset of the item at fault */
    static const struct { const char *s; size_t bad; } refused[] = {
        { "", 0 }, { "blksize", 0 }, { "blksize=", 0 }, { "=512", 0 }, { "blksize=0512", 0 },
        { "blksize=+512", 0 }, { "blksize=-1", 0 }, { "blksize= 512", 0 }, { "blksize=512 ", 0 },
        { "blksize=0", 0 }, { "blksize=7", 0 }, { "blksize=65465", 0 }, { "blksize=99999999999999999999999", 0 },
        { "windowsize=65", 0 }, { "windowsize=0", 0 }, { "tsize=0", 0 }, { "blk=512", 0 },
        { ",blksize=512", 0 }, { "blksize=512,", 12 }, { "blksize=512,,windowsize=4", 12 },
        { "blksize=512,blksize=1468", 12 }, { "windowsize=4,timeout=1", 13 }, { "blksize=512;windowsize=4", 0 },
        { "blksize=512,windowsize=4=4", 12 },
        { "blksize=512,windowsize=4,blksize=512,windowsize=4,blksize=512,windowsize=", 0 }, /* 73 bytes */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        uint16_t b = 1, w = 1;
        size_t bad = 99;
        assert_int_equal(tftp_parse_optlist(refused[i].s, strlen(refused[i].s), &b, &w, &bad),
                         NB_E_TFTP_BAD_OPTION);
        assert_int_equal(bad, refused[i].bad);
        assert_int_equal(b, 0);
        assert_int_equal(w, 0);
    }
    /* bounded by the length given, not by a NUL */
    uint16_t b, w;
    size_t bad;
    assert_int_equal(tftp_parse_optlist("blksize=512XYZ", 11, &b, &w, &bad), NB_OK);
    assert_int_equal(b, 512);
}

/* The options asked for go on the wire as asked: windowsize 1 is lock-step
 * without the option; the blksize asked is still cut to the path MTU. */
static void test_asked_options_on_the_wire(void **state)
{
    (void)state;
    assert_int_equal(tftp_params_ask(&RQ.params, 512, 4), NB_OK);
    const struct sent *s = start();
    static const char w4[] = "\0\1boot/nearboot.efi\0octet\0blksize\000512\0tsize\0000\0"
                             "timeout\0001\0windowsize\0004";
    assert_int_equal(s->len, sizeof w4);
    assert_memory_equal(s->b, w4, sizeof w4);
    tftp_abort(&T, NB_E_INVALID);
    assert_int_equal(tftp_params_ask(&RQ.params, 1468, 1), NB_OK);
    s = start();
    static const char w1[] = "\0\1boot/nearboot.efi\0octet\0blksize\0001468\0tsize\0000\0timeout\0001";
    assert_int_equal(s->len, sizeof w1);
    assert_memory_equal(s->b, w1, sizeof w1);
    tftp_abort(&T, NB_E_INVALID);
    assert_int_equal(tftp_params_ask(&RQ.params, 9000, 16), NB_OK);
    s = start();
    static const char w16[] = "\0\1boot/nearboot.efi\0octet\0blksize\0001468\0tsize\0000\0"
                              "timeout\0001\0windowsize\00016";
    assert_int_equal(s->len, sizeof w16);
    assert_memory_equal(s->b, w16, sizeof w16);
}

/* nb_fetch refuses options out of range before sending anything. */
static void test_fetch_refuses_bad_options(void **state)
{
    (void)state;
    static const uint16_t bad[][2] = { { 7, 0 }, { 65465, 0 }, { 0, TFTP_WINDOW_MAX + 1 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct nb_fetch_req req;
        struct nb_fetch_result res;
        nb_fetch_req_init(&req);
        req.url = "tftp://198.18.0.1/f1m";
        req.write = NULL;
        req.buf = (uint8_t[16]){ 0 };
        req.buf_size = 16;
        req.tftp_blksize = bad[i][0];
        req.tftp_windowsize = bad[i][1];
        tn_tx_clear();
        console[0] = 0;
        assert_int_equal(nb_fetch(&req, &res), NB_E_TFTP_BAD_OPTION);
        assert_int_equal(res.layer, NB_FETCH_L_LOCAL);
        assert_int_equal(tn_tx_count(), 0);
        assert_non_null(strstr(console, "error: tftp: tftp://198.18.0.1/f1m: blksize "));
        assert_non_null(strstr(console, "(NB_E_TFTP_BAD_OPTION)"));
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_rrq),
        cmocka_unit_test(test_build_ack_error),
        cmocka_unit_test(test_parse_packets),
        cmocka_unit_test(test_parse_error),
        cmocka_unit_test(test_parse_oack),
        cmocka_unit_test(test_params_ask),
        cmocka_unit_test(test_parse_optlist),
        T(test_asked_options_on_the_wire),
        T(test_fetch_refuses_bad_options),
        T(test_rrq_asks_path_blksize),
        T(test_windowed_in_order),
        T(test_gap_acks_last_in_order_once),
        T(test_duplicates_and_stale_never_rewrite),
        T(test_lockstep_duplicate_reacked),
        T(test_wrong_tid_gets_error5),
        T(test_reply_from_other_address_before_lock),
        T(test_duplicate_oack_reacked),
        T(test_server_without_options),
        T(test_error8_retries_without_options),
        T(test_request_errors_are_final),
        T(test_bad_oack_refused),
        T(test_cap_enforced_on_data),
        T(test_empty_file_and_exact_multiple),
        T(test_sink_error_aborts),
        T(test_rrq_retransmits_then_times_out),
        T(test_silence_mid_transfer_reacks_then_restarts),
        T(test_restart_after_error_mid_transfer),
        T(test_restarts_are_bounded),
        T(test_icmp_unreachable_mid_transfer_restarts),
        T(test_deadline),
        T(test_rollover_wrap_to_0_windowed),
        T(test_rollover_wrap_to_1_windowed),
        T(test_rollover_wrap_to_0_lockstep),
        T(test_rollover_wrap_to_1_lockstep),
        T(test_rollover_with_losses),
        T(test_block0_lost_at_wrap_is_not_misread),
        T(test_get_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
