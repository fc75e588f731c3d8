/*
 * TCP client (RFC 9293), poll-style: the caller owns the connection struct
 * and its buffers; tcp_send/tcp_recv never block, the loop (net/stack.h)
 * advances everything. Handshake with MSS, window scaling and SACK-permitted;
 * in-order delivery with out-of-order segments kept in the receive buffer
 * (and reported to the sender in SACK blocks); RTO per RFC 6298 with a floor;
 * fast retransmit on three duplicate ACKs with NewReno recovery; ISN per
 * RFC 9293 §3.4.1 (keyed hash of the 4-tuple, secret from the DRBG).
 *
 * Lifetime: a connection is linked into the stack from tcp_connect() until
 * its state is TCP_CLOSED; the caller keeps the struct and both buffers alive
 * until then. tcp_abort() always ends it at once (it is also the way to let
 * go of a connection sitting in TIME_WAIT).
 */
#ifndef NB_TCP_H
#define NB_TCP_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/timer.h"
#include "net/addr.h"

enum tcp_state {
    TCP_CLOSED, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2,
    TCP_CLOSING, TCP_TIME_WAIT, TCP_CLOSE_WAIT, TCP_LAST_ACK,
};

struct tcp_params {
    uint32_t connect_timeout_ms; /* whole connect attempt (default 10000) */
    uint32_t syn_retries;        /* SYN retransmissions (default 5) */
    uint32_t rto_min_ms;         /* RTO floor (default 200) */
    uint32_t rto_initial_ms;     /* RFC 6298 initial RTO (default 1000) */
    uint32_t idle_timeout_ms;    /* abort when nothing arrives for this long (0: none) */
    uint32_t data_retries;       /* retransmission timeouts in a row before giving up (default 12) */
    uint32_t time_wait_ms;       /* TIME_WAIT length (default 1000; 0: skip it) */
    uint32_t fin_wait2_ms;       /* wait for the peer's FIN after ours was acked (default 30000) */
    uint32_t delack_ms;          /* delayed-ACK timer (default 40; RFC 9293 allows up to 500) */
    uint32_t ack_burst_max;      /* in-order segments one ACK covers when they arrive in one
                                  * receive burst (default 16; 2: ACK every second segment) */
};

/* A receive buffer this large keeps a 1 Gbit/s, 50 ms path full (BDP 6.25 MB). */
#define TCP_RXBUF_WAN (8u << 20)

/* Implementation state lives in struct tcp_conn (net/tcp_conn.h is part of
 * this header so callers can allocate it); treat its fields as private. */
#include "net/tcp_conn.h"

void tcp_params_default(struct tcp_params *p);

/* Start connecting. rxbuf/txbuf: caller-owned buffers; the receive window
 * advertised is rxcap (window scaling makes up to 1 GiB expressible; larger
 * buffers are used up to 1 GiB). params NULL: defaults. Fails at once only
 * for bad arguments, no source address/route, or no randomness. */
nb_err tcp_connect(struct tcp_conn *c, const struct nb_ip *dst, uint16_t dport,
                   uint8_t *rxbuf, size_t rxcap, uint8_t *txbuf, size_t txcap,
                   const struct tcp_params *params);
enum tcp_state tcp_get_state(const struct tcp_conn *c);
const char *tcp_state_name(enum tcp_state s);
/* Why a connection ended abnormally (NB_OK while fine or after a clean close). */
nb_err tcp_get_error(const struct tcp_conn *c);
/* Queue up to len bytes (allowed from SYN_SENT on: they leave after the
 * handshake); returns how many were taken (0 when the buffer is full), or a
 * negative nb_err if the connection cannot send any more (closed, reset, or
 * tcp_close() was called). The value always fits a 32-bit long. */
long tcp_send(struct tcp_conn *c, const void *data, size_t len);
/* Free room in the send buffer. */
size_t tcp_send_space(const struct tcp_conn *c);
/* Bytes queued and not yet acknowledged (0: everything sent was acked). */
size_t tcp_send_pending(const struct tcp_conn *c);
/* Copy up to len in-order bytes; returns how many (0: none yet). Reading
 * opens the receive window (a window update goes out when it matters). */
size_t tcp_recv(struct tcp_conn *c, void *data, size_t len);
/* In-order bytes ready for tcp_recv. */
size_t tcp_recv_avail(const struct tcp_conn *c);
/* 1 when the peer sent FIN and every byte before it was read. */
int tcp_eof(const struct tcp_conn *c);
/* Graceful close (FIN after queued data) / abort (RST if synchronized). */
void tcp_close(struct tcp_conn *c);
void tcp_abort(struct tcp_conn *c);
/* Time from the first SYN to the SYN-ACK of this connection, microseconds
 * (0 if not connected yet). */
uint64_t tcp_connect_rtt_us(const struct tcp_conn *c);

/* What the connection did, for tools, logs and the hand-off record. */
struct tcp_info {
    enum tcp_state state;
    uint32_t srtt_us, rttvar_us, rto_us;
    uint32_t cwnd, ssthresh, snd_wnd, rcv_wnd, snd_mss;
    uint8_t snd_wscale, rcv_wscale, sack_ok, ws_ok;
    uint32_t timeouts, fast_retransmits, retransmitted_segs;
    uint32_t ooo_segs, dup_segs, ooo_dropped, ooo_ranges_max;
    uint64_t bytes_received, bytes_acked;
};
void tcp_get_info(const struct tcp_conn *c, struct tcp_info *out);

/* ------------------------------------------------------------ parsing
 * Exposed for the unit tests and the fuzzer. A parsed segment is a view into
 * the caller's bytes; options other than those below are skipped by length. */
enum {
    TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10, TCP_URG = 0x20,
};
#define TCP_HLEN 20u
#define TCP_SACK_MAX 4u /* blocks that fit in 40 option bytes next to NOP NOP */

struct tcp_seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;            /* raw window field */
    const uint8_t *payload;  /* after the header and options */
    size_t len;              /* payload bytes */
    /* options (has_* set only when present with a valid length) */
    uint8_t has_mss, has_wscale, sack_perm, has_ts, nsack;
    uint16_t mss;
    uint8_t wscale;          /* clamped to 14 (RFC 7323 §2.3) */
    uint32_t ts_val, ts_ecr;
    struct { uint32_t start, end; } sack[TCP_SACK_MAX];
};

/* Header and options of one segment of len bytes (no checksum check: the
 * caller has the pseudo-header). NB_E_TRUNCATED: shorter than its header;
 * NB_E_MALFORMED: data offset < 5, zero port, or an option length < 2;
 * NB_E_BAD_OPTION: an option runs past the header. */
nb_err tcp_parse(const uint8_t *seg, size_t len, struct tcp_seg *out);
/* The option walk alone (opt/len: the bytes between the fixed header and
 * the data offset). */
nb_err tcp_parse_options(const uint8_t *opt, size_t len, struct tcp_seg *out);

#endif
