/*
 * struct tcp_conn: one TCP connection's state, allocated by the caller
 * (part of net/tcp.h, which defines enum tcp_state and struct tcp_params
 * before including this; include net/tcp.h, not this file). Fields are
 * private to net/tcp.c.
 *
 * Buffers are rings owned by the caller:
 *   txbuf: bytes queued by tcp_send and not yet acknowledged. txbuf[tx_head]
 *          holds sequence number tx_seq; txlen bytes follow. A queued FIN
 *          has sequence number tx_seq + txlen.
 *   rxbuf: rxbuf[rx_head] holds sequence number rx_seq (the first byte the
 *          application has not read). [rx_seq, rcv_nxt) is in-order data
 *          ready for tcp_recv; out-of-order data sits at its own offset
 *          beyond rcv_nxt, in the same ring, up to rx_seq + rxcap. The
 *          ranges of it we hold are ooo[] (sorted, disjoint, not adjacent,
 *          all above rcv_nxt), at most TCP_OOO_MAX of them.
 * All sequence arithmetic is modulo 2^32; windows are below 2^30.
 */
#ifndef NB_TCP_CONN_H
#define NB_TCP_CONN_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/timer.h"
#include "net/addr.h"

/* Out-of-order ranges held per connection. Each loss or reordering in
 * flight opens one; with SACK the sender repairs them within about an RTT,
 * so the number grows with rate x RTT x loss. The lab's 50 ms RTT with 2%
 * loss and 2% reordering each way at ~100 Mbit/s peaked at 57; 128 leaves
 * room for faster paths. A segment that would need one more is dropped (and
 * will be retransmitted); scans over the ranges are linear, which at this
 * size costs less than copying the segment. 1.5 KiB per connection. */
#define TCP_OOO_MAX 128u

struct tcp_range {
    uint32_t start, end; /* [start, end) */
    uint32_t stamp;      /* when last extended: the newest goes first in SACK */
};

struct tcp_conn {
    struct tcp_conn *next; /* the stack's list of live connections */
    enum tcp_state state;
    nb_err error;          /* why it ended, NB_OK if cleanly */
    nb_err soft_error;     /* last ICMP report, kept for the timeout message */
    struct tcp_params params;
    struct nb_ip local, remote;
    uint16_t lport, rport;

    /* send sequence space (RFC 9293 §3.3.1), snd_max: highest ever sent */
    uint32_t iss, snd_una, snd_nxt, snd_max;
    uint32_t snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
    uint16_t peer_mss;      /* from the SYN-ACK, or the RFC 9293 default */
    uint8_t snd_wscale, rcv_wscale, ws_ok, sack_ok;
    uint8_t fin_queued;     /* tcp_close called: FIN follows the data */
    uint8_t fin_rcvd;       /* the peer's FIN is in sequence (rcv_nxt counts it) */
    uint8_t fin_ooo;        /* a FIN arrived ahead of a hole, at fin_ooo_seq */
    uint8_t in_recovery;    /* NewReno fast recovery (RFC 6582) */
    uint8_t rtt_timing;     /* rtt_seq is being timed (Karn: only new data) */
    uint8_t backoff;        /* RTO doublings since the last new ACK */
    uint8_t have_rtt;
    uint8_t syn_tries;
    uint32_t fin_ooo_seq;

    uint8_t *txbuf;
    size_t txcap, tx_head, txlen;
    uint32_t tx_seq;

    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we advertised */
    uint8_t *rxbuf;
    size_t rxcap, rx_head;
    uint32_t rx_seq;
    struct tcp_range ooo[TCP_OOO_MAX];
    unsigned n_ooo;
    uint32_t ooo_clock;
    unsigned unacked_segs;  /* in-order segments since our last ACK */

    /* RTO (RFC 6298), microseconds */
    uint32_t srtt, rttvar, rto;
    uint32_t rtt_seq;
    uint64_t rtt_start;
    unsigned retries;       /* consecutive timeouts */

    /* congestion control (RFC 5681, RFC 6582), bytes */
    uint32_t cwnd, ssthresh, recover, ca_acked;
    unsigned dupacks;

    uint64_t syn_first_us, connect_rtt_us;
    uint64_t oow_ack_us;    /* last rate-limited ACK (0: none yet) */

    /* statistics (tcp_get_info) */
    uint32_t st_timeouts, st_fast_rexmit, st_rexmit_segs, st_ooo, st_dup, st_ooo_drop, st_ooo_max;
    uint64_t st_rx_bytes, st_acked_bytes;

    struct nb_timer t_rtx;      /* SYN / data retransmission, zero-window probe */
    struct nb_timer t_delack;   /* delayed ACK */
    struct nb_timer t_deadline; /* connect timeout, idle timeout, FIN_WAIT_2, TIME_WAIT */
};

#endif
