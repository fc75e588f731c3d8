/*
 * HTTP/1.1 client (RFC 9110, RFC 9112) for fetching boot files: GET only,
 * over any byte-stream transport (boot/xport.h: TCP now, TLS later).
 *
 * Three layers, each usable alone (tests and fuzzers drive the first two
 * directly):
 *   1. http_parser: an incremental response parser fed arbitrary slices of
 *      the byte stream. It parses the head into struct http_head, then frames
 *      the body (Content-Length, chunked, or until close) and hands body bytes
 *      to a sink as they come, without copying them.
 *   2. http_judge / http_redirect: pure decisions on a parsed head — is this
 *      the body we asked for (200, or 206 at our offset), a restart from 0
 *      (the server ignored Range), already complete (416 at our size), a
 *      redirect to follow, or an error.
 *   3. http_get: one GET with redirects, resume and keep-alive, driving a
 *      transport that a connection provider (boot/fetch.c) hands out.
 */
#ifndef NB_HTTP_H
#define NB_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include "boot/url.h"
#include "boot/xport.h"
#include "core/err.h"

/* ---------------------------------------------------------------- limits */
#define HTTP_LINE_MAX 8192u         /* one status or header line, without CRLF */
#define HTTP_HEAD_MAX 16384u        /* all head bytes of one response (1xx heads included) */
#define HTTP_CHUNK_LINE_MAX 1024u   /* chunk-size line with its extensions */
#define HTTP_TRAILER_MAX 8192u      /* the trailer section of a chunked body */
#define HTTP_SIZE_LIMIT (1ull << 53) /* larger lengths are refused as nonsense */
#define HTTP_SIZE_UNKNOWN UINT64_MAX
#define HTTP_ETAG_MAX 128u          /* longer entity tags are ignored (not used for If-Range) */
#define HTTP_DATE_MAX 40u
#define HTTP_VALIDATOR_MAX HTTP_ETAG_MAX
#define HTTP_REDIRECT_MAX 5u
#define HTTP_REQUEST_MAX (NB_URL_MAX + NB_URL_HOST_MAX + HTTP_VALIDATOR_MAX + 320u)

/* ---------------------------------------------------------------- the head */
enum http_head_flags {
    HTTP_H_LENGTH = 1u << 0,        /* Content-Length seen (content_length) */
    HTTP_H_CHUNKED = 1u << 1,       /* Transfer-Encoding: chunked */
    HTTP_H_CLOSE = 1u << 2,         /* Connection: close */
    HTTP_H_KEEP_ALIVE = 1u << 3,    /* Connection: keep-alive (HTTP/1.0) */
    HTTP_H_RANGE = 1u << 4,         /* Content-Range with a range (range_first..range_last) */
    HTTP_H_RANGE_TOTAL = 1u << 5,   /* Content-Range with a complete length (range_total) */
    HTTP_H_RANGE_BAD = 1u << 6,     /* Content-Range present but malformed or repeated */
    HTTP_H_LOCATION = 1u << 7,      /* location[] holds the Location value */
    HTTP_H_LOCATION_BAD = 1u << 8,  /* Location too long or repeated */
    HTTP_H_ETAG = 1u << 9,          /* etag[] holds a well-formed entity tag */
    HTTP_H_ETAG_WEAK = 1u << 10,    /* ... and it is weak (W/) */
    HTTP_H_LAST_MODIFIED = 1u << 11,/* last_modified_text[] and last_modified (IMF-fixdate) */
    HTTP_H_DATE = 1u << 12,         /* date (IMF-fixdate) */
    HTTP_H_ETAG_BAD = 1u << 13,     /* ETag repeated: none is used */
    HTTP_H_TE = 1u << 14,           /* a Transfer-Encoding field was seen */
};

struct http_head {
    unsigned version; /* 10 or 11 */
    unsigned status;  /* 100..599 */
    unsigned flags;   /* HTTP_H_* */
    uint64_t content_length;
    uint64_t range_first, range_last, range_total;
    int64_t last_modified, date; /* Unix seconds */
    char location[NB_URL_MAX + 1];
    char etag[HTTP_ETAG_MAX + 1];           /* with its quotes and W/ */
    char last_modified_text[HTTP_DATE_MAX + 1];
};

/* ---------------------------------------------------------------- parser */

/* Body bytes as they arrive. A non-OK return stops the parser with that error. */
typedef nb_err (*http_body_fn)(void *ctx, const uint8_t *p, size_t n);

enum http_event {
    HTTP_EV_MORE, /* every byte given was consumed; feed more */
    HTTP_EV_HEAD, /* the head is complete (p->head); body bytes follow */
    HTTP_EV_DONE, /* the response is complete; later bytes are not its own */
};

enum http_framing { HTTP_FRAME_NONE, HTTP_FRAME_LENGTH, HTTP_FRAME_CHUNKED, HTTP_FRAME_CLOSE };

struct http_parser {
    int state;                  /* private: enum in http.c */
    struct http_head head;
    enum http_framing framing;  /* valid after HTTP_EV_HEAD */
    uint64_t body_bytes;        /* body bytes delivered so far */
    uint64_t body_cap;          /* more body than this: NB_E_HTTP_BODY_TOO_BIG */
    http_body_fn sink;          /* NULL: body bytes are discarded */
    void *sink_ctx;
    /* private */
    uint64_t remaining;         /* of the Content-Length body or of the current chunk */
    size_t line_len, head_bytes, chunk_line, trailer_bytes, trailer_line;
    nb_err error;               /* sticky once the parser failed */
    uint8_t seen_status, chunk_digits;
    char line[HTTP_LINE_MAX];
};

/* Start a response. body_cap bounds the body (HTTP_SIZE_LIMIT for none);
 * sink may be NULL and may be changed (like body_cap) after HTTP_EV_HEAD. */
void http_parser_init(struct http_parser *p, uint64_t body_cap, http_body_fn sink, void *ctx);

/* Feed len bytes. *used: how many were consumed (fewer than len only with
 * HTTP_EV_HEAD, HTTP_EV_DONE or an error). Interim 1xx responses (except
 * 101) are skipped. After HTTP_EV_HEAD call again with the rest, even with
 * len 0 (a body-less response then reports HTTP_EV_DONE). */
nb_err http_parser_feed(struct http_parser *p, const uint8_t *in, size_t len, size_t *used,
                        enum http_event *ev);

/* The stream ended. HTTP_EV_DONE for a body delimited by the close (or an
 * already complete response); NB_E_HTTP_TRUNCATED otherwise. */
nb_err http_parser_eof(struct http_parser *p, enum http_event *ev);

/* Nothing of a response has arrived yet (a reused connection that dies
 * here is retried on a fresh one). */
int http_parser_untouched(const struct http_parser *p);

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to Unix seconds; 0 on error. */
int http_parse_date(const char *s, size_t len, int64_t *out);

/* ---------------------------------------------------------------- requests */

/* "GET path HTTP/1.1" with Host, User-Agent nearboot/VERSION, Accept,
 * Accept-Encoding identity, Connection keep-alive; with offset > 0 also
 * "Range: bytes=offset-" and, when validator is not empty, "If-Range". */
nb_err http_build_request(char *buf, size_t size, const struct nb_url *u, uint64_t offset,
                          const char *validator, size_t *len);

/* The validator a later request can put in If-Range: a strong ETag, else a
 * Last-Modified that is at least one second older than the response's Date
 * (RFC 9110 §8.8.2.2, §13.1.5). "" when there is none. */
void http_validator(const struct http_head *h, char *out, size_t size);

/* ---------------------------------------------------------------- decisions */

enum http_verdict {
    HTTP_V_BODY,     /* the body holds the representation from `start` on */
    HTTP_V_COMPLETE, /* 416 at exactly our offset: we already hold everything */
    HTTP_V_RETRY_FULL, /* ask again without Range (416 past the end, 206 of another version) */
    HTTP_V_REDIRECT, /* follow head->location */
};

struct http_plan {
    enum http_verdict verdict;
    uint64_t start;  /* HTTP_V_BODY: offset of the first body byte (0 or the request's) */
    uint64_t length; /* body length if framed by length, else HTTP_SIZE_UNKNOWN */
    uint64_t total;  /* size of the whole representation, or HTTP_SIZE_UNKNOWN */
};

/* Judge a final response to a GET sent with `offset` (and the validator
 * `validator`, "" or NULL for none) against the size cap:
 *   200 -> BODY at 0 (with offset > 0: the server ignored Range or the
 *          validator changed; the caller discards what it held)
 *   206 -> BODY at offset; Content-Range must start exactly there, end at
 *          the end, agree with Content-Length; otherwise NB_E_HTTP_BAD_RANGE
 *   416 -> COMPLETE when "bytes * /total" equals offset, else RETRY_FULL
 *          (our partial data is longer than the file, or no size was given)
 *   301 302 303 307 308 -> REDIRECT (NB_E_HTTP_NO_LOCATION without one)
 *   anything else -> NB_E_HTTP_STATUS.
 * A representation larger than cap: NB_E_HTTP_BODY_TOO_BIG. */
nb_err http_judge(const struct http_head *h, uint64_t offset, const char *validator,
                  uint64_t cap, struct http_plan *out);

/* Where a redirect leads: head->location resolved against cur, refused when
 * it leaves https for anything else (NB_E_HTTP_REDIRECT_INSECURE) or goes to
 * a scheme HTTP cannot fetch (NB_E_URL_SCHEME). */
nb_err http_redirect(const struct nb_url *cur, const struct http_head *h, struct nb_url *next);

/* ---------------------------------------------------------------- client */

/* Connections come from a provider (boot/fetch.c): it resolves names,
 * connects over TCP or TLS by scheme, and may keep connections open. */
struct http_conn_provider {
    /* A connected transport to u's origin; *reused = 1 when it has served a
     * request before. Errors name the layer (DNS, connect, TLS). */
    nb_err (*get)(void *ctx, const struct nb_url *u, uint64_t deadline_us, struct nb_xport **x,
                  int *reused);
    /* The client is done with x; keep = 1: it may serve another request. */
    void (*put)(void *ctx, struct nb_xport *x, int keep);
    void *ctx;
};

/* Body bytes at their offset in the representation. After a restart (the
 * server ignored Range) offsets begin again at 0. */
typedef nb_err (*http_data_fn)(void *ctx, uint64_t offset, const uint8_t *p, size_t n);
/* have: bytes of the representation held (offset + received); total may be
 * HTTP_SIZE_UNKNOWN. */
typedef void (*http_progress_fn)(void *ctx, uint64_t have, uint64_t total);

struct http_get {
    /* in */
    struct nb_url url;           /* out: the final URL after redirects */
    uint64_t offset;             /* resume: the caller holds [0, offset) */
    char validator[HTTP_VALIDATOR_MAX + 1]; /* in: If-Range value ("" none); out: for a later resume */
    uint64_t cap;                /* the largest representation accepted */
    uint64_t deadline_us;        /* the whole GET, redirects included */
    uint32_t idle_ms;            /* no byte for this long: NB_E_HTTP_IDLE (0: none) */
    unsigned max_redirects;      /* 0: HTTP_REDIRECT_MAX */
    http_data_fn data;
    http_progress_fn progress;   /* may be NULL */
    void *ctx;                   /* for data and progress */
    /* out */
    unsigned status;             /* the last status received (0: none) */
    unsigned version;            /* of the last response: 10 or 11 */
    unsigned redirects;
    int restarted;               /* offset > 0 but the body came from 0 */
    int complete_already;        /* 416 at our offset: nothing was sent */
    int reused;                  /* the final request went over a kept-alive connection */
    uint64_t start;              /* offset of the first body byte delivered */
    uint64_t received;           /* body bytes delivered */
    uint64_t total;              /* representation size if known (else HTTP_SIZE_UNKNOWN) */
};

/* Buffers of one client (large: keep it static or on the heap). */
struct http_client {
    struct http_parser parser;
    uint8_t rx[16384];
    char req[HTTP_REQUEST_MAX];
    struct nb_url next;
    size_t rx_off, rx_len;       /* unparsed bytes in rx */
};

/* Whether e is an HTTP error that means the server answered badly: malformed or
 * unacceptable framing, an unexpected status, a redirect or a range we cannot use.
 * The other NB_E_HTTP_* codes are the transfer breaking (NB_E_HTTP_TRUNCATED,
 * NB_E_HTTP_IDLE), the deadline (NB_E_HTTP_DEADLINE) or our own size cap
 * (NB_E_HTTP_BODY_TOO_BIG). */
int http_is_protocol_error(nb_err e);

/* Set the defaults in g (zeroed url, cap HTTP_SIZE_LIMIT, no deadline). */
void http_get_init(struct http_get *g);
/* Run the GET. Errors name the layer: NB_E_HTTP_* for HTTP, the provider's
 * DNS/connect/TLS errors, NB_E_HTTP_DEADLINE, NB_E_HTTP_IDLE, or what the
 * data callback returned. */
nb_err http_get_run(struct http_client *c, struct http_get *g, const struct http_conn_provider *cp);

#endif
