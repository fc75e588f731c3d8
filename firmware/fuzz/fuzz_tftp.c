/*
 * Fuzz target for boot/tftp.c. The first byte picks the mode:
 *
 *   even: the parsers alone — tftp_parse and tftp_parse_oack over the rest
 *         (the OACK as if every option had been asked for at its maximum),
 *         and tftp_parse_optlist (the lab's "blksize=N,windowsize=N").
 *   odd:  the state machine — a transfer started through the whole stack
 *         (a null netdev, fake clock, ARP answered), parameters from byte 1
 *         (window, block size, options, cap, restarts), then a script of
 *         operations: DATA with block numbers relative to the next one
 *         wanted, OACKs and ERRORs with fuzzed contents, raw datagrams from
 *         the server's TID, from another port or another address, time
 *         passing, ICMP errors.
 *
 * DATA the script sends carries pattern(file offset of the block it claims
 * to be), so a stale or duplicated block written into the file shows as a
 * wrong byte. Invariants (abort() on violation): the sink sees contiguous
 * offsets starting at 0, never more than the cap; every datagram we send is
 * a well-formed RRQ (to port 69), ACK or ERROR with a NUL-terminated
 * printable message; a finished transfer holds no socket and no timer; no
 * packet buffer leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/tftp.h"
#include "fuzz_peer4.h"

#define TID 40000u

static const uint8_t other_ip[4] = { 198, 18, 0, 3 };

static struct tftp T;

/* ---------------------------------------------------------------- what we send */

static void check_sent(const uint8_t *f, size_t len)
{
    if (len < 14 || get16(f + 12) != 0x0800)
        return; /* ARP */
    CHECK(len >= 14 + 20 + 8);
    const uint8_t *ip = f + 14, *udp = ip + 20;
    CHECK(ip[9] == NB_PROTO_UDP);
    size_t ulen = get16(udp + 4);
    CHECK(ulen >= 8 && 14 + 20 + ulen <= len);
    const uint8_t *p = udp + 8;
    size_t n = ulen - 8;
    CHECK(n >= 4);
    uint16_t op = get16(p);
    if (op == TFTP_OP_RRQ) {
        CHECK(get16(udp + 2) == TFTP_PORT && n <= TFTP_RRQ_MAX && p[n - 1] == 0);
    } else if (op == TFTP_OP_ACK) {
        CHECK(n == 4);
    } else {
        CHECK(op == TFTP_OP_ERROR && n >= 5 && p[n - 1] == 0);
        for (size_t i = 4; i < n - 1; i++)
            CHECK(p[i] >= 0x20 && p[i] < 0x7f);
    }
}

/* ---------------------------------------------------------------- frames in */

static void rx_udp(const uint8_t src[4], uint16_t sport, uint16_t dport, const uint8_t *d, size_t n)
{
    static uint8_t u[8 + 1472];
    if (n > 1472)
        n = 1472;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + n));
    put16(u + 6, 0);
    if (n)
        memcpy(u + 8, d, n);
    struct nb_ip s = nb_ip_from(4, src), dd = nb_ip_from(4, p4_our_ip);
    uint16_t c = csum_transport(&s, &dd, NB_PROTO_UDP, u, 8 + n);
    put16(u + 6, c ? c : 0xffff);
    p4_rx_ip4(src, NB_PROTO_UDP, u, 8 + n);
}

/* ---------------------------------------------------------------- the sink */

static uint8_t pattern(uint64_t off) { return (uint8_t)(off * 131u ^ (off >> 9)); }

static struct {
    uint64_t held;
    int check_bytes; /* the datagram being delivered came from op 0 */
} sink;

static nb_err sink_data(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (offset == 0)
        sink.held = 0;
    CHECK(offset == sink.held);
    CHECK(n <= T.blksize);
    CHECK(offset + n <= T.rq.cap);
    if (sink.check_bytes)
        for (size_t i = 0; i < n; i++)
            CHECK(p[i] == pattern(offset + i));
    sink.held = offset + n;
    return NB_OK;
}

static uint16_t lport(void) { return T.sock.lport; }
static uint16_t tid_for(uint8_t sel) { return (uint16_t)(sel & 1 ? TID + 1 : TID); }

static void op_data(struct rd *r, uint8_t sel)
{
    static uint8_t b[4 + 1500];
    int8_t delta = (int8_t)u8(r);
    uint8_t how = u8(r);
    uint64_t pos = (uint64_t)((int64_t)(T.next ? T.next : 1) + delta);
    unsigned blk = T.blksize ? T.blksize : 512;
    size_t len = how < 200 ? blk : how < 240 ? (size_t)(how - 200) * blk / 40u : blk + (how & 3);
    if (len > 1400)
        len = 1400;
    uint64_t off = pos ? (pos - 1) * blk : 0;
    put16(b, TFTP_OP_DATA);
    put16(b + 2, (uint16_t)pos);
    for (size_t i = 0; i < len; i++)
        b[4 + i] = pattern(off + i);
    sink.check_bytes = 1;
    rx_udp(p4_peer_ip, tid_for(sel), lport(), b, 4 + len);
    sink.check_bytes = 0;
}

static void op_bytes(struct rd *r, uint16_t op, const uint8_t src[4], uint16_t sport)
{
    uint8_t b[600];
    const uint8_t *d;
    size_t n = take(r, u8(r), &d);
    put16(b, op);
    memcpy(b + 2, d, n);
    rx_udp(src, sport, lport(), b, n + 2);
}

static void run_script(struct rd *r)
{
    struct tftp_request rq;
    memset(&rq, 0, sizeof rq);
    memset(&sink, 0, sizeof sink);
    uint8_t cfg = u8(r);
    rq.server = nb_ip_from(4, p4_peer_ip);
    rq.file = "boot/nearboot.efi";
    tftp_params_default(&rq.params);
    static const uint16_t windows[4] = { 1, 4, 16, 64 };
    static const uint16_t blks[4] = { 0, 8, 512, 1000 };
    rq.params.windowsize = windows[cfg & 3];
    rq.params.blksize = blks[(cfg >> 2) & 3];
    rq.params.use_options = !(cfg & 0x10);
    rq.params.max_restarts = (cfg >> 5) & 3;
    rq.params.rollover = cfg & 0x80 ? 1 : -1;
    rq.params.retries = 2;
    rq.params.progress_ms = 1;
    rq.cap = (cfg & 0x40) ? 5000 : 1u << 20;
    rq.data = sink_data;

    if (tftp_start(&T, &rq) != NB_OK)
        abort(); /* the request itself is valid */
    p4_arp_answer(p4_peer_ip);
    p4_arp_answer(other_ip);
    unsigned ops = 0;
    while (r->n && !T.finished && ops++ < 4096) {
        uint8_t op = u8(r), sel = (uint8_t)(op >> 3);
        switch (op & 7) {
        case 0:
        case 1: op_data(r, sel); break;
        case 2: op_bytes(r, TFTP_OP_OACK, p4_peer_ip, tid_for(sel)); break;
        case 3: op_bytes(r, TFTP_OP_ERROR, p4_peer_ip, tid_for(sel)); break;
        case 4: op_bytes(r, u16(r), p4_peer_ip, tid_for(sel)); break;
        case 5: op_bytes(r, u16(r), sel & 1 ? other_ip : p4_peer_ip, sel & 2 ? TFTP_PORT : 12345); break;
        case 6: p4_advance_us((uint64_t)u8(r) * 50000u); break;
        default: {
            struct nb_ip l = nb_ip_from(4, p4_our_ip), rr = nb_ip_from(4, p4_peer_ip);
            udp_icmp_error(&l, &rr, lport(), tid_for(sel), sel & 2 ? NB_E_UNREACHABLE
                                                                   : NB_E_CONN_REFUSED);
            break;
        }
        }
        tftp_done(&T);
        CHECK(T.bytes <= T.rq.cap);
        if (T.finished)
            CHECK(!T.sock_open && !T.rto_timer.armed && !T.deadline_timer.armed);
    }
    if (!T.finished)
        tftp_abort(&T, NB_E_INVALID);
    CHECK(T.finished && !T.sock_open && !T.rto_timer.armed && !T.deadline_timer.armed);
    if (T.result == NB_OK)
        CHECK(sink.held == T.bytes);
}

/* ---------------------------------------------------------------- parsers */

static void parsers(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size for ASan */
    if (!copy)
        return;
    memcpy(copy, data, size);
    struct tftp_pkt k;
    if (tftp_parse(copy, size, &k) == NB_OK) {
        CHECK(k.op >= TFTP_OP_RRQ && k.op <= TFTP_OP_OACK);
        CHECK(k.data >= copy && k.data + k.len == copy + size);
        size_t m = strlen(k.msg);
        CHECK(m <= TFTP_ERRMSG_MAX);
        for (size_t i = 0; i < m; i++)
            CHECK(k.msg[i] >= 0x20 && k.msg[i] < 0x7f);
    }
    static const struct tftp_opts asked = {
        .flags = TFTP_OPT_BLKSIZE | TFTP_OPT_TSIZE | TFTP_OPT_TIMEOUT | TFTP_OPT_WINDOWSIZE |
                 TFTP_OPT_ROLLOVER,
        .blksize = TFTP_BLKSIZE_MAX, .windowsize = 65535, .timeout = 255,
    };
    struct tftp_opts g;
    if (tftp_parse_oack(copy, size, &asked, &g) == NB_OK) {
        CHECK(!(g.flags & ~asked.flags));
        CHECK(!(g.flags & TFTP_OPT_BLKSIZE) || (g.blksize >= 8 && g.blksize <= TFTP_BLKSIZE_MAX));
        CHECK(!(g.flags & TFTP_OPT_WINDOWSIZE) || g.windowsize >= 1);
        CHECK(!(g.flags & TFTP_OPT_TIMEOUT) || g.timeout >= 1);
        CHECK(!(g.flags & TFTP_OPT_ROLLOVER) || g.rollover <= 1);
    }
    /* the lab's option list: what it accepts, tftp_params_ask accepts */
    uint16_t bs, ws;
    size_t bad;
    if (tftp_parse_optlist((const char *)copy, size, &bs, &ws, &bad) == NB_OK) {
        struct tftp_params prm;
        tftp_params_default(&prm);
        CHECK(tftp_params_ask(&prm, bs, ws) == NB_OK && (bs || ws));
    } else {
        CHECK(bad <= size && bs == 0 && ws == 0);
    }
    free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const uint8_t seed[64] = { 7, 7, 7 };
    p4_init("fuzz_tftp", 9, seed);
    p4_tx_hook = check_sent;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        parsers(data + 1, size - 1);
        return 0;
    }
    p4_begin();
    struct rd r = { data + 1, size - 1 };
    run_script(&r);
    p4_end();
    return 0;
}
