/*
 * Fuzz target for net/tcp.c. The first byte picks the mode:
 *
 *   even: the parser alone — tcp_parse over the rest (header, option walk).
 *   odd:  the state machine — a real connection through the whole stack
 *         (a null netdev, fake clock, ARP answered), driven into one of the
 *         nine states (byte 1), with a receive buffer size and SYN-ACK
 *         options from the input, then fed a script of operations:
 *         crafted segments (flags, sequence and ack offsets relative to
 *         where the connection is, window, options, payload), raw headers
 *         (any data offset and options; ports and checksum fixed so they
 *         reach the state machine), application reads/writes/close, time
 *         passing, ICMP errors.
 *
 * Peer data is always the function pattern(sequence number), so every byte
 * the application reads is checked against its stream position; after each
 * operation the connection's invariants are checked (ring bounds, ordered
 * out-of-order ranges, sequence order). A violation aborts: a finding. No
 * packet buffer may leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_peer4.h"
#include "net/tcp.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define PISS 0xfffff000u /* the peer's ISN: wraps 2^32 within the first 4 KiB */

static int last_tx_arp; /* the stack asked for the peer's MAC */

static void note_arp(const uint8_t *f, size_t len)
{
    if (len >= 42 && f[12] == 0x08 && f[13] == 0x06)
        last_tx_arp = 1;
}

static uint8_t pattern(uint32_t seq) { return (uint8_t)(seq * 131u + (seq >> 9)); }

/* ---------------------------------------------------------------- the connection */

static struct tcp_conn C;
static uint8_t rxbuf[1u << 20], txbuf[8192], tmp[1u << 16];
static uint32_t peer_nxt; /* the next sequence number the peer would send */

static void peer_seg(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *opt,
                     size_t optlen, size_t len)
{
    static uint8_t seg[1600];
    size_t hlen = 20 + ((optlen + 3) & ~(size_t)3);
    if (hlen > 60 || hlen + len > 1480)
        return;
    memset(seg, 0, hlen);
    put16(seg, C.rport);
    put16(seg + 2, C.lport);
    put32(seg + 4, seq);
    put32(seg + 8, ack);
    seg[12] = (uint8_t)((hlen / 4) << 4);
    seg[13] = flags;
    put16(seg + 14, wnd);
    if (optlen)
        memcpy(seg + 20, opt, optlen);
    uint32_t first = seq + ((flags & TCP_SYN) ? 1u : 0u); /* a SYN's data follows the SYN */
    for (size_t i = 0; i < len; i++)
        seg[hlen + i] = pattern(first + (uint32_t)i);
    struct nb_ip s = nb_ip_from(4, p4_peer_ip), d = nb_ip_from(4, p4_our_ip);
    put16(seg + 16, csum_transport(&s, &d, NB_PROTO_TCP, seg, hlen + len));
    p4_rx_ip4(p4_peer_ip, NB_PROTO_TCP, seg, hlen + len);
}

static void check_invariants(void)
{
    if (C.state == TCP_CLOSED && C.rxcap == 0)
        return;
    CHECK((uint32_t)(C.rcv_nxt - C.rx_seq) <= C.rxcap + 1);
    CHECK(tcp_recv_avail(&C) <= C.rxcap);
    CHECK(C.n_ooo <= TCP_OOO_MAX);
    for (unsigned i = 0; i < C.n_ooo; i++) {
        CHECK(SEQ_LT(C.rcv_nxt, C.ooo[i].start));
        CHECK(SEQ_LT(C.ooo[i].start, C.ooo[i].end));
        CHECK(SEQ_LEQ(C.ooo[i].end, C.rx_seq + (uint32_t)C.rxcap));
        if (i)
            CHECK(SEQ_LT(C.ooo[i - 1].end, C.ooo[i].start));
    }
    CHECK(C.txlen <= C.txcap);
    if (C.state != TCP_SYN_SENT && C.state != TCP_CLOSED) {
        CHECK(SEQ_LEQ(C.snd_una, C.snd_nxt));
        CHECK(SEQ_LEQ(C.snd_nxt, C.snd_max));
        CHECK(SEQ_LEQ(C.tx_seq, C.snd_una));
    }
}

static uint32_t read_pos; /* stream offset of the next byte the app reads */

static void app_read(size_t n)
{
    if (n > sizeof tmp)
        n = sizeof tmp;
    size_t got = tcp_recv(&C, tmp, n);
    CHECK(got <= n);
    for (size_t i = 0; i < got; i++)
        CHECK(tmp[i] == pattern(C.irs + 1 + read_pos + (uint32_t)i));
    read_pos += (uint32_t)got;
}

static void run_state_machine(struct rd *r)
{
    uint8_t target = u8(r) % 9;
    static const size_t caps[4] = { 1000, 4096, 65536, sizeof rxbuf };
    uint8_t cfg = u8(r);
    struct tcp_params prm;
    tcp_params_default(&prm);
    prm.time_wait_ms = (cfg & 0x10) ? 0 : 1000;
    prm.idle_timeout_ms = (cfg & 0x20) ? 3000 : 0;
    prm.data_retries = 4;
    prm.ack_burst_max = (cfg & 0x40) ? 2 : 16;
    struct nb_ip dst = nb_ip_from(4, p4_peer_ip);
    read_pos = 0;
    last_tx_arp = 0;
    if (tcp_connect(&C, &dst, 80, rxbuf, caps[cfg & 3], txbuf, (cfg & 4) ? 0 : sizeof txbuf,
                    &prm) != NB_OK)
        abort();
    if (last_tx_arp)
        p4_arp_answer(p4_peer_ip);
    uint32_t iss = C.iss;
    peer_nxt = PISS;
    if (target != TCP_SYN_SENT) {
        uint8_t opt[40];
        size_t optlen = u8(r) % 41;
        for (size_t i = 0; i < optlen; i++)
            opt[i] = u8(r);
        uint16_t wnd = u16(r);
        peer_seg(PISS, iss + 1, TCP_SYN | TCP_ACK, wnd, opt, optlen, 0);
        peer_nxt = PISS + 1;
    }
    if (C.state == TCP_ESTABLISHED) {
        switch (target) {
        case TCP_FIN_WAIT_1: tcp_close(&C); break;
        case TCP_FIN_WAIT_2: tcp_close(&C); peer_seg(peer_nxt, iss + 2, TCP_ACK, 65535, NULL, 0, 0); break;
        case TCP_CLOSING: tcp_close(&C); peer_seg(peer_nxt, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0, 0); peer_nxt++; break;
        case TCP_TIME_WAIT:
            tcp_close(&C);
            peer_seg(peer_nxt, iss + 2, TCP_ACK | TCP_FIN, 65535, NULL, 0, 0);
            peer_nxt++;
            break;
        case TCP_CLOSE_WAIT: peer_seg(peer_nxt, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0, 0); peer_nxt++; break;
        case TCP_LAST_ACK:
            peer_seg(peer_nxt, iss + 1, TCP_ACK | TCP_FIN, 65535, NULL, 0, 0);
            peer_nxt++;
            tcp_close(&C);
            break;
        default: break;
        }
    }
    check_invariants();
    int trace = getenv("FUZZ_TCP_TRACE") != NULL; /* for checking seeds */
    if (trace)
        fprintf(stderr, "fuzz_tcp: target %s reached %s\n", tcp_state_name((enum tcp_state)target),
                tcp_state_name(C.state));

    for (unsigned steps = 0; r->n && steps < 256; steps++) {
        uint8_t op = u8(r);
        switch (op % 8) {
        case 0: case 1: { /* a segment relative to where the connection is */
            uint8_t flags = u8(r);
            int32_t dseq = (int16_t)u16(r), dack = (int16_t)u16(r);
            if (op & 0x80)
                dseq *= 1024; /* reach far into (and past) big windows */
            uint16_t wnd = u16(r);
            uint8_t opt[40];
            size_t optlen = (op >> 3) & 1 ? u8(r) % 41 : 0;
            for (size_t i = 0; i < optlen; i++)
                opt[i] = u8(r);
            size_t len = (op >> 4) & 1 ? u16(r) % 1461 : 0;
            uint32_t base = C.state == TCP_SYN_SENT ? PISS : C.rcv_nxt;
            peer_seg(base + (uint32_t)dseq, C.snd_una + (uint32_t)dack, flags & 0x3f, wnd, opt, optlen, len);
            break;
        }
        case 2: { /* a raw header: any data offset and options */
            static uint8_t seg[1600];
            size_t hlen = 20 + u8(r) % 41, len = u16(r) % 600;
            for (size_t i = 0; i < hlen; i++)
                seg[i] = u8(r);
            put16(seg, C.rport);
            put16(seg + 2, C.lport);
            if (u8(r) & 1)
                put32(seg + 4, C.rcv_nxt + (uint32_t)(int16_t)u16(r));
            if (u8(r) & 1)
                put32(seg + 8, C.snd_una + (uint32_t)(int8_t)u8(r));
            uint32_t seq = get32(seg + 4) + ((seg[13] & TCP_SYN) ? 1u : 0u);
            size_t doff = (size_t)(seg[12] >> 4) * 4;
            /* whatever lies past the data offset is peer data: the pattern */
            for (size_t j = doff >= 20 ? doff : hlen + len; j < hlen + len; j++)
                seg[j] = pattern(seq + (uint32_t)(j - doff));
            for (size_t i = 0; i < len; i++)
                if (doff > hlen + i)
                    seg[hlen + i] = u8(r);
            put16(seg + 16, 0);
            struct nb_ip s = nb_ip_from(4, p4_peer_ip), d = nb_ip_from(4, p4_our_ip);
            put16(seg + 16, csum_transport(&s, &d, NB_PROTO_TCP, seg, hlen + len));
            p4_rx_ip4(p4_peer_ip, NB_PROTO_TCP, seg, hlen + len);
            break;
        }
        case 3: app_read(u16(r)); break;
        case 4: {
            size_t n = u16(r) % 3000;
            memset(tmp, 'q', n);
            long got = tcp_send(&C, tmp, n);
            CHECK(got <= (long)n);
            break;
        }
        case 5: p4_advance_us((uint64_t)u16(r) * 100); break;
        case 6:
            if (op & 0x40)
                tcp_close(&C);
            else if (op & 0x20)
                tcp_abort(&C);
            else
                p4_advance_us((uint64_t)u8(r) * 1000000);
            break;
        case 7: {
            static const nb_err why[4] = { NB_E_CONN_REFUSED, NB_E_UNREACHABLE, NB_E_MSG_TOO_BIG, NB_E_CONN_REFUSED };
            struct nb_ip l = nb_ip_from(4, p4_our_ip), rm = nb_ip_from(4, p4_peer_ip);
            tcp_icmp_error(&l, &rm, C.lport, C.rport, why[u8(r) & 3]);
            break;
        }
        }
        check_invariants();
        if (C.state == TCP_CLOSED)
            break;
    }
    app_read(sizeof tmp);
    if (trace)
        fprintf(stderr, "fuzz_tcp: ended in %s, read %u bytes, error %s\n", tcp_state_name(C.state),
                read_pos, nb_errname(C.error));
    tcp_abort(&C);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const uint8_t seed[64] = { 1, 2, 3 };
    p4_init("fuzz_tcp", 8, seed);
    p4_tx_hook = note_arp;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        struct tcp_seg s;
        uint8_t *copy = malloc(size - 1 ? size - 1 : 1); /* exact size for ASan */
        if (!copy)
            return 0;
        memcpy(copy, data + 1, size - 1);
        if (tcp_parse(copy, size - 1, &s) == NB_OK) {
            CHECK(s.payload >= copy + 20 && s.payload + s.len == copy + size - 1);
            CHECK(s.nsack <= TCP_SACK_MAX);
            CHECK(!s.has_wscale || s.wscale <= 14);
        }
        free(copy);
        return 0;
    }
    p4_begin();
    struct rd r = { data + 1, size - 1 };
    run_state_machine(&r);
    p4_end();
    return 0;
}
