/*
 * Byte-stream transports for the application protocols: plain TCP now
 * (boot/xport_tcp.c), TLS over TCP later. HTTP talks only to this table, so
 * the same client code runs over either, and over a scripted transport in
 * the unit tests.
 *
 * Everything is non-blocking and poll-driven: open starts a connection,
 * opened advances it (a TLS transport runs its handshake steps there),
 * send/recv move what they can now. Waiting is the transport's wait op: it
 * runs the stack's loop (net_run_until) until the caller's predicate holds,
 * so a predicate that calls recv/opened is how a caller sleeps until
 * progress — never a busy spin.
 */
#ifndef NB_XPORT_H
#define NB_XPORT_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "net/addr.h"

struct nb_xport;

struct nb_xport_ops {
    const char *name; /* "tcp", "tls": console lines say which */
    /* Start connecting to ip:port. host is the URL's host text: a TLS
     * transport sends it as SNI and checks the certificate against it (or the
     * IP SAN for a literal); TCP ignores it. */
    nb_err (*open)(struct nb_xport *x, const struct nb_ip *ip, uint16_t port, const char *host);
    /* Advance connection setup. NB_OK with *ready = 1: data can flow; NB_OK
     * with *ready = 0: not yet; an error: the attempt failed (refused, reset,
     * timed out, TLS alert, certificate...). */
    nb_err (*opened)(struct nb_xport *x, int *ready);
    /* Queue up to n bytes; *taken says how many (0: no room now). */
    nb_err (*send)(struct nb_xport *x, const void *p, size_t n, size_t *taken);
    /* Up to n received bytes; *got = 0: nothing yet. NB_E_CONN_CLOSED: the
     * peer ended the stream cleanly and every byte was read; other errors:
     * the connection broke (reset, timeout, TLS record error...). */
    nb_err (*recv)(struct nb_xport *x, void *p, size_t n, size_t *got);
    /* Graceful close; the transport may be opened again afterwards. */
    void (*close)(struct nb_xport *x);
    /* Run the loop until done(ctx) or deadline_us (NB_E_TIMEOUT). */
    nb_err (*wait)(struct nb_xport *x, int (*done)(void *ctx), void *ctx, uint64_t deadline_us);
};

/* Embedded as the first member of each implementation's struct. */
struct nb_xport {
    const struct nb_xport_ops *ops;
};

/* open, then wait until opened says ready or fails, or the deadline. */
nb_err nb_xport_connect(struct nb_xport *x, const struct nb_ip *ip, uint16_t port,
                        const char *host, uint64_t deadline_us);

#endif
