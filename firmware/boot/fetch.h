/*
 * Fetch a URL into memory: the one interface the boot policy uses for every
 * transfer, whatever the scheme (http://, https:// over boot/xport_tls;
 * tftp:// through boot/tftp).
 *
 * A fetch has a deadline for the whole transfer, a connect timeout per
 * address tried, an idle timeout, a size cap, progress reporting and a byte
 * offset to resume from. The caller holds bytes [0, offset) of the file
 * from an earlier, interrupted attempt (possibly against another site) and
 * passes the validator that attempt returned; HTTP then asks for the rest
 * with Range/If-Range. When the server cannot resume (it ignores Range, or
 * the file changed), the data starts again at offset 0, result.restarted
 * says so, and whatever the caller held is to be discarded. Nothing is
 * trusted because it arrived: the caller verifies the bytes (signature,
 * sha256) after the fetch.
 *
 * Console: one line per transfer — URL, server address, protocol, size,
 * time, throughput — and for long transfers a progress line now and then
 * (full lines only: this goes to ConOut and serial). Failures name the layer
 * (URL, DNS, connect, TLS, HTTP status N, deadline) in result.layer and on
 * the console; a TLS failure's line says what TLS found (the alert and its
 * name, the certificate's subject and what to check, the clock). Trust
 * anchors for https come from nb_tls_set_trust (boot/xport_tls.h).
 */
#ifndef NB_FETCH_H
#define NB_FETCH_H
#include <stddef.h>
#include <stdint.h>
#include "boot/url.h"
#include "core/err.h"
#include "net/addr.h"

#define NB_FETCH_SIZE_UNKNOWN UINT64_MAX
#define NB_FETCH_VALIDATOR_MAX 128u

/* Bytes of the file at their offset. Offsets rise contiguously from the
 * request's offset, except after a restart, when they begin again at 0. */
typedef nb_err (*nb_fetch_write_fn)(void *ctx, uint64_t offset, const uint8_t *p, size_t n);
/* have: bytes of the file held so far; total: NB_FETCH_SIZE_UNKNOWN if unknown. */
typedef void (*nb_fetch_progress_fn)(void *ctx, uint64_t have, uint64_t total);

struct nb_fetch_req {
    const char *url;
    struct nb_ip addr;           /* connect here for the URL's own host (family 0: resolve) */
    uint64_t deadline_us;        /* nb_now_us() time by which everything is over */
    uint32_t connect_timeout_ms; /* per address tried (default 5000) */
    uint32_t idle_timeout_ms;    /* no byte for this long fails the transfer (default 15000) */
    uint32_t dns_timeout_ms;     /* (default 5000) */
    uint32_t tls_timeout_ms;     /* https: the handshake, after the TCP connect (default 10000) */
    uint64_t max_size;           /* the largest file accepted */
    uint64_t offset;             /* resume: [0, offset) is held already */
    const char *validator;       /* from the interrupted attempt's result; NULL or "" for none */
    /* Where the bytes go: buf (byte k of the file to buf[k]; the cap is then
     * also buf_size), or write() when buf is NULL. */
    uint8_t *buf;
    size_t buf_size;
    nb_fetch_write_fn write;
    nb_fetch_progress_fn progress; /* NULL: the console progress line */
    void *ctx;                     /* for write and progress */
    int quiet;                     /* no console lines (the error code still says it all) */
    /* tftp:// only: the options asked for (boot/tftp.h tftp_params_ask); 0: the
     * defaults (the largest blksize for the path MTU, windowsize 16). blksize
     * 8..65464, cut to the path MTU; windowsize 1..TFTP_WINDOW_MAX, 1 being
     * lock-step. Outside: NB_E_TFTP_BAD_OPTION, nothing sent. */
    uint16_t tftp_blksize, tftp_windowsize;
};

/* Which layer a failure belongs to: what the policy fails over on. */
enum nb_fetch_layer {
    NB_FETCH_OK = 0,
    NB_FETCH_L_URL,      /* the URL itself (or a redirect's) */
    NB_FETCH_L_DNS,
    NB_FETCH_L_CONNECT,  /* no address answered */
    NB_FETCH_L_TLS,
    NB_FETCH_L_PROTOCOL, /* HTTP status, framing, TFTP error: the server answered badly */
    NB_FETCH_L_TRANSFER, /* the connection broke or went silent mid-transfer */
    NB_FETCH_L_DEADLINE,
    NB_FETCH_L_LOCAL,    /* size cap, write callback, out of memory */
};

struct nb_fetch_result {
    enum nb_fetch_layer layer;
    uint64_t size;        /* bytes of the file held at the end: offset + received (after a restart: received) */
    uint64_t total;       /* the file's size if the server said, else NB_FETCH_SIZE_UNKNOWN */
    uint64_t received;    /* bytes transferred by this call */
    int restarted;        /* the server could not resume: the data began again at 0 */
    int complete_already; /* [0, offset) was the whole file */
    unsigned status;      /* last HTTP status (0: none) */
    unsigned version;     /* of the last HTTP response: 10 or 11 */
    unsigned redirects;
    int reused;           /* went over a kept-alive connection */
    char validator[NB_FETCH_VALIDATOR_MAX + 1]; /* pass back with offset to resume */
    struct nb_ip server;  /* the address that sent the data (family 0: none reached) */
    uint16_t port;
    const char *protocol; /* "http", "https", "tftp" */
    char tls[64];         /* https: "TLSv1.3 TLS1-3-AES-128-GCM-SHA256" */
    uint64_t elapsed_us;
    struct nb_url final;  /* after redirects */
};

/* Defaults: no deadline, max_size 2^53, the timeouts above. */
void nb_fetch_req_init(struct nb_fetch_req *r);

/* Fetch req->url. On success result->size bytes are held (for buf: in
 * buf[0..size)). Errors as documented by http.h and the lower layers;
 * result->layer sorts them. */
nb_err nb_fetch(const struct nb_fetch_req *req, struct nb_fetch_result *result);

/* Close kept-alive connections (before handing over to the next stage). */
void nb_fetch_close_all(void);

/* The TCP receive buffer (the window) for later connections; 0 restores the
 * default (2 MiB). Takes effect once no connection is kept. */
void nb_fetch_set_rxbuf(size_t bytes);

/* TCP statistics of the last connection used (for tools and the hand-off
 * record); 0 if there was none. */
struct tcp_info;
int nb_fetch_tcp_info(struct tcp_info *out);

/* The console progress line, shared by every protocol:
 *   "http: [#####.....] 42% 6.7/16.0 MiB 12.3 MB/s" (or "http: 6.7 MiB 12.3 MB/s"
 * when the size is unknown). At most one line per 500 ms and 256 KiB, none
 * during the first 500 ms, so short transfers print none. */
struct nb_progress {
    const char *tag;
    uint64_t start_us, last_us, last_bytes, base;
    unsigned lines;
};
void nb_progress_start(struct nb_progress *p, const char *tag, uint64_t base);
void nb_progress_update(struct nb_progress *p, uint64_t have, uint64_t total);
/* "12.3 MB/s"-style rate and "6.7 MiB"-style size into out. */
void nb_fmt_rate(char *out, size_t size, uint64_t bytes, uint64_t us);
void nb_fmt_size(char *out, size_t size, uint64_t bytes);

#endif
