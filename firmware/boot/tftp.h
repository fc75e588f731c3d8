/*
 * TFTP client (RFC 1350) for fetching boot files: read requests in octet
 * mode with the option extension (RFC 2347) for blksize (RFC 2348), tsize
 * and timeout (RFC 2349) and windowsize (RFC 7440), over either IP family.
 *
 * Two layers, each usable alone:
 *   1. Packet building and parsing (tftp_build_*, tftp_parse*): pure
 *      functions over (pointer, length), for the client, the unit tests and
 *      the fuzzer.
 *   2. One transfer (struct tftp): a state machine driven by received
 *      datagrams and timers in the stack's loop. tftp_start sends the request
 *      and returns; tftp_get starts, waits with net_run_until and prints the
 *      transfer's console line.
 *
 * Data goes to a sink as it arrives, in order and exactly once per attempt,
 * with the same callback shapes as the HTTP client (boot/http.h
 * http_data_fn, http_progress_fn), so one fetch layer can hash and cap both.
 * TFTP cannot resume: when a server loses the session mid-transfer (an
 * anycast route moved to a site that never saw our request), the transfer
 * starts again from block 1 and the sink sees offset 0 again.
 */
#ifndef NB_TFTP_H
#define NB_TFTP_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/timer.h"
#include "net/addr.h"
#include "net/udp.h"

#define TFTP_PORT 69u
#define TFTP_FILE_MAX 255u      /* file name bytes in a request */
#define TFTP_RRQ_MAX 512u       /* a whole request: old servers read 512 bytes */
#define TFTP_BLKSIZE_DEFAULT 512u
#define TFTP_BLKSIZE_MIN 8u     /* RFC 2348 */
#define TFTP_BLKSIZE_MAX 65464u /* RFC 2348 */
#define TFTP_WINDOW_MAX 64u     /* what we ever ask for (RFC 7440 allows 65535) */
#define TFTP_ERRMSG_MAX 100u    /* a server's error text, sanitized, without NUL */
#define TFTP_SIZE_UNKNOWN UINT64_MAX

enum tftp_opcode {
    TFTP_OP_RRQ = 1, TFTP_OP_WRQ = 2, TFTP_OP_DATA = 3, TFTP_OP_ACK = 4, TFTP_OP_ERROR = 5,
    TFTP_OP_OACK = 6,
};

/* Error codes on the wire (RFC 1350, 2347). */
enum tftp_error_code {
    TFTP_EC_UNDEFINED = 0, TFTP_EC_NOT_FOUND = 1, TFTP_EC_ACCESS = 2, TFTP_EC_DISK_FULL = 3,
    TFTP_EC_ILLEGAL_OP = 4, TFTP_EC_UNKNOWN_TID = 5, TFTP_EC_EXISTS = 6, TFTP_EC_NO_USER = 7,
    TFTP_EC_OPTIONS = 8,
};

/* ---------------------------------------------------------------- packets */

/* Options of a request, and what an OACK acknowledged. */
enum tftp_opt_flags {
    TFTP_OPT_BLKSIZE = 1u << 0,
    TFTP_OPT_TSIZE = 1u << 1,
    TFTP_OPT_TIMEOUT = 1u << 2,
    TFTP_OPT_WINDOWSIZE = 1u << 3,
    TFTP_OPT_ROLLOVER = 1u << 4, /* tftpd-hpa's block-number wrap value (0 or 1); not an RFC */
};

struct tftp_opts {
    unsigned flags;      /* TFTP_OPT_*: present in the request / acknowledged */
    uint16_t blksize;    /* 8..65464 */
    uint16_t windowsize; /* 1..65535 */
    uint8_t timeout;     /* seconds, 1..255 */
    uint8_t rollover;    /* 0 or 1 */
    uint64_t tsize;      /* the request always says 0 */
};

/* A received packet, validated as far as its opcode allows on its own. */
struct tftp_pkt {
    uint16_t op;                     /* TFTP_OP_* */
    uint16_t block;                  /* DATA, ACK */
    uint16_t code;                   /* ERROR */
    const uint8_t *data;             /* DATA payload, or OACK option bytes */
    size_t len;                      /* their length */
    char msg[TFTP_ERRMSG_MAX + 1];   /* ERROR: printable ASCII only, NUL-terminated */
};

/* RRQ for file in octet mode with the options in ask (NULL or flags 0: a
 * plain RFC 1350 request). NB_E_TFTP_FILENAME: empty, longer than
 * TFTP_FILE_MAX or with a control character; NB_E_TOO_BIG: over size or
 * TFTP_RRQ_MAX. */
nb_err tftp_build_rrq(uint8_t *buf, size_t size, const char *file, const struct tftp_opts *ask,
                      size_t *len);
/* ACK of block (4 bytes). */
size_t tftp_build_ack(uint8_t buf[4], uint16_t block);
/* ERROR with code and message (cut to fit size); 0 if size < 5. */
size_t tftp_build_error(uint8_t *buf, size_t size, uint16_t code, const char *msg);

/* Classify one datagram. DATA/ACK need 4 bytes, ERROR 4 (the message may be
 * absent or lack its NUL; it is cut at TFTP_ERRMSG_MAX and every byte that
 * is not printable ASCII becomes '?'), OACK 2 (its options are checked by
 * tftp_parse_oack). RRQ/WRQ are classified, not parsed. NB_E_TRUNCATED:
 * too short; NB_E_MALFORMED: unknown opcode. */
nb_err tftp_parse(const uint8_t *p, size_t len, struct tftp_pkt *out);

/* The options of an OACK (the bytes after the opcode) against what we
 * asked. Names are case-insensitive; unknown names are ignored; a known
 * option we did not ask for, a repeated option, a value that is not a
 * decimal number, a blksize outside 8..asked, a windowsize outside
 * 1..asked, a timeout outside 1..255 or a rollover other than 0/1 is
 * NB_E_TFTP_BAD_OACK; a string without its NUL or an empty name/value is
 * NB_E_MALFORMED. */
nb_err tftp_parse_oack(const uint8_t *p, size_t len, const struct tftp_opts *asked,
                       struct tftp_opts *got);

/* ---------------------------------------------------------------- transfers */

/* Sink for file bytes: offset is the byte's position in the file. Offset 0
 * always comes first (with n = 0 for an empty file) and comes again after a
 * restart: the sink then discards what it held. A non-OK return aborts the
 * transfer with that error (the server gets ERROR 0). Same shape as
 * http_data_fn. */
typedef nb_err (*tftp_data_fn)(void *ctx, uint64_t offset, const uint8_t *p, size_t n);
/* have: bytes received in order; total: the tsize the server announced, or
 * TFTP_SIZE_UNKNOWN. Same shape as http_progress_fn. */
typedef void (*tftp_progress_fn)(void *ctx, uint64_t have, uint64_t total);

/* Runtime parameters (embedded config); tftp_params_default gives the RFC
 * defaults. Zero values mean "the default" where noted. */
struct tftp_params {
    uint16_t port;           /* server port (69) */
    uint16_t blksize;        /* asked for; 0: the largest that fits the path MTU
                              * (1468 on 1500-byte Ethernet over IPv4, 1448 over
                              * IPv6); larger values are cut to the path MTU */
    uint16_t windowsize;     /* asked for, 1..TFTP_WINDOW_MAX; 1: lock-step (16) */
    uint8_t timeout_s;       /* timeout option asked for (1 s); 0: not asked */
    uint8_t use_options;     /* 0: plain RFC 1350 request (512-byte blocks) */
    uint8_t ask_tsize;       /* tsize 0 in the request (1) */
    int8_t rollover;         /* -1: not asked (default); 0/1: ask tftpd-hpa to wrap there */
    uint32_t rto_ms;         /* first retransmission timeout (1000) */
    uint32_t rto_max_ms;     /* backoff doubles up to this (4000) */
    unsigned retries;        /* retransmissions before the server counts as gone (5) */
    unsigned max_restarts;   /* restarts from block 1 after a lost session (3) */
    uint32_t restart_delay_ms; /* pause before a restart (100) */
    uint32_t deadline_ms;    /* the whole transfer, restarts included (300000) */
    uint32_t progress_ms;    /* console progress line interval (5000); 0: none */
};

void tftp_params_default(struct tftp_params *p);

/* Ask for blksize and windowsize instead of the defaults (0 keeps one):
 * blksize TFTP_BLKSIZE_MIN..TFTP_BLKSIZE_MAX (still cut to the path MTU),
 * windowsize 1..TFTP_WINDOW_MAX (1: lock-step; the option is then not
 * sent). NB_E_TFTP_BAD_OPTION outside those ranges, and p is unchanged. */
nb_err tftp_params_ask(struct tftp_params *p, unsigned blksize, unsigned windowsize);

/* A client-side option list, "blksize=512,windowsize=4": either key or
 * both, in any order, each at most once, values decimal without sign or
 * leading zero, within the ranges of tftp_params_ask; at most
 * TFTP_OPTLIST_MAX bytes. Sets *blksize and *windowsize (0: not given).
 * NB_E_TFTP_BAD_OPTION otherwise, with *bad the offset of the item at
 * fault (an unknown key, a bad number, a repeat, an empty item). */
#define TFTP_OPTLIST_MAX 64u
nb_err tftp_parse_optlist(const char *s, size_t len, uint16_t *blksize, uint16_t *windowsize,
                          size_t *bad);

struct tftp_request {
    struct nb_ip server;
    const char *file;        /* copied by tftp_start */
    struct tftp_params params;
    uint64_t cap;            /* largest file accepted (checked against tsize too) */
    tftp_data_fn data;
    tftp_progress_fn progress; /* may be NULL */
    void *ctx;
};

/* One transfer. Caller-owned (it holds the UDP socket and timers while
 * running); fields after `private` are the state machine's. */
struct tftp {
    /* out: what happened, readable during and after the transfer */
    nb_err result;           /* NB_OK once done; the failure otherwise */
    int finished;            /* done or failed */
    uint64_t bytes;          /* delivered in order in the current attempt */
    uint64_t tsize;          /* announced by the server, or TFTP_SIZE_UNKNOWN */
    uint16_t blksize;        /* negotiated */
    uint16_t windowsize;     /* negotiated */
    uint16_t server_tid;     /* the server's port of the current attempt (0: none yet) */
    uint8_t options_acked;   /* the server answered with an OACK */
    uint8_t options_refused; /* ERROR 8 made us ask again without options */
    unsigned restarts;
    unsigned retransmits;
    uint64_t start_us, end_us;
    uint16_t server_error;   /* the last ERROR code received */
    char server_msg[TFTP_ERRMSG_MAX + 1];
    char why[TFTP_ERRMSG_MAX + 48]; /* what ended the last attempt ("ERROR 5 \"...\"") */
    /* private */
    struct tftp_request rq;
    char file[TFTP_FILE_MAX + 1];
    int state;
    struct udp_sock sock;
    int sock_open;
    struct nb_timer rto_timer, deadline_timer;
    struct tftp_opts asked;
    int sent_options;
    uint64_t next;           /* position (from 1) of the next block wanted */
    unsigned wrap;           /* block numbering after 65535: unknown, to 0, to 1 */
    unsigned wrap_votes;     /* sightings of block 1 where block 0 may be due */
    unsigned ack_epoch, vote_epoch;
    unsigned in_window;      /* in-order blocks since our last ACK */
    int gap_acked;           /* an ACK for a gap was sent; wait for the resend */
    uint16_t gap_ahead;      /* how far ahead the latest out-of-order block was */
    unsigned tries;          /* retransmissions since the last progress */
    nb_err request_icmp;     /* an ICMP error about a restart's RRQ (retried) */
    uint32_t rto_ms;
    uint64_t last_progress_us;
};

/* Start a transfer: checks the request, opens a socket on a random port and
 * sends the RRQ. Errors here are immediate (bad file name, no route). */
nb_err tftp_start(struct tftp *t, const struct tftp_request *rq);
/* 1 when the transfer is done or failed (a net_run_until predicate; it also
 * picks up ICMP errors about our datagrams). */
int tftp_done(void *t);
/* Stop a running transfer with result `why` (the server gets ERROR 0),
 * close the socket. */
void tftp_abort(struct tftp *t, nb_err why);

/* Start, run the loop until done, close; prints one console line for the
 * transfer (server, file, size, blksize/windowsize, time, throughput) or the
 * error, and a progress line now and then on long transfers. */
nb_err tftp_get(struct tftp *t, const struct tftp_request *rq);

/* The state machine's entry for one datagram, as the UDP socket calls it
 * (exposed for the fuzzer, which feeds packet sequences without a network). */
void tftp_input(struct tftp *t, const struct nb_ip *src, uint16_t sport, const uint8_t *data,
                size_t len);

#endif
