/*
 * TLS as a byte-stream transport (boot/xport.h): HTTPS's transport, over an
 * inner transport (TCP in boot/fetch.c, a scripted pipe in the unit tests),
 * with mbedTLS and the client policy of boot/tls.h (TLS 1.3 preferred, 1.2
 * with ECDHE only).
 *
 * open() checks, before anything goes on the wire, that there are trust
 * anchors and that the clock is trustworthy (nb_trusted_time: a clock below
 * the floor fails with NB_E_TLS_CLOCK_BEFORE_FLOOR, never proceeds), then
 * opens the inner transport. opened() steps the inner connect, then the
 * handshake (mbedTLS' BIO callbacks call the inner send/recv; "nothing yet"
 * is WANT_READ/WANT_WRITE), under a handshake deadline that is armed as a
 * timer so the loop wakes for it. send/recv are mbedtls_ssl_write/read;
 * close sends close_notify; wait is the inner transport's wait.
 *
 * Names: a DNS name goes out as SNI and is checked against the
 * certificate's DNS names (mbedTLS' check, wildcards as RFC 6125). An IP
 * literal is not sent as SNI (RFC 6066 §3 forbids literals there) and is
 * checked here against the certificate's iPAddress SANs only (RFC 9525 §6.2):
 * mbedTLS 3.6 would match the literal's text too, but only if it is also the
 * SNI, and it would accept a DNS SAN or a CN spelling the address.
 *
 * Trust anchors come from the embedded configuration (nb_tls_set_trust),
 * parsed once, never from the network.
 */
#ifndef NB_XPORT_TLS_H
#define NB_XPORT_TLS_H
#include <stddef.h>
#include <stdint.h>
#include "boot/xport.h"
#include "core/err.h"
#include "core/timer.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "net/addr.h"

#define NB_TLS_HANDSHAKE_TIMEOUT_MS 10000u
#define NB_TLS_HOST_MAX 253u
#define NB_TLS_WHY_MAX 400u

/* What the last handshake learned about the server, for the console line
 * of a failure. */
struct nb_tls_peer {
    int alert;            /* fatal alert received from the server; -1: none */
    uint32_t flags;       /* mbedTLS certificate verify flags (MBEDTLS_X509_BADCERT_*) */
    int have_leaf;        /* the fields below are set */
    char subject[160];    /* the server certificate's subject DN */
    char top_issuer[160]; /* issuer of the last certificate of the chain as verified */
    char names[200];      /* its DNS and IP subjectAltNames */
    int64_t not_before, not_after, now;
    unsigned chain_len;
};

enum nb_tls_state { NB_TLS_IDLE, NB_TLS_CONNECTING, NB_TLS_HANDSHAKE, NB_TLS_OPEN, NB_TLS_FAILED,
                    NB_TLS_CLOSED };

struct nb_xport_tls {
    struct nb_xport base;
    struct nb_xport *inner;
    mbedtls_ssl_context ssl;
    int inner_open;         /* inner->open succeeded and close has not been called */
    int ssl_ready;          /* ssl was set up (with configuration generation ssl_gen) */
    unsigned ssl_gen;
    enum nb_tls_state state;
    uint32_t hs_timeout_ms;
    uint64_t hs_deadline_us;
    struct nb_timer hs_timer; /* wakes the loop at the handshake deadline */
    char host[NB_TLS_HOST_MAX + 1];
    int ip_literal;
    struct nb_ip ip;        /* the literal's address */
    nb_err io_err;          /* an error of the inner transport, seen by a BIO callback */
    nb_err err;             /* why the connection failed (sticky) */
    int peer_closed;        /* close_notify received (or the end before any answer) */
    size_t rx_since_send;   /* application bytes read since the last write */
    struct nb_tls_peer peer;
    char why[NB_TLS_WHY_MAX]; /* after a failure: the specifics, one sentence */
};

/* hs_timeout_ms 0: NB_TLS_HANDSHAKE_TIMEOUT_MS. inner must outlive t. */
void nb_xport_tls_init(struct nb_xport_tls *t, struct nb_xport *inner, uint32_t hs_timeout_ms);
void nb_xport_tls_set_timeout(struct nb_xport_tls *t, uint32_t hs_timeout_ms);
/* Close and release the mbedTLS context (t may be initialized again). */
void nb_xport_tls_free(struct nb_xport_tls *t);
/* After a failure: what exactly went wrong and what to check ("" if the
 * error code says it all, e.g. a TCP failure). */
const char *nb_xport_tls_why(const struct nb_xport_tls *t);
/* After the handshake: "TLSv1.3 TLS1-3-AES-128-GCM-SHA256" ("" before). */
void nb_xport_tls_describe(const struct nb_xport_tls *t, char *out, size_t size);

/* Trust anchors: one CA bundle, PEM (one or more certificates) or DER (one
 * or more concatenated certificates), parsed once and used by every
 * connection opened afterwards. Certificates that do not parse are skipped
 * (counted); none at all is NB_E_TLS_BAD_TRUST. len 0 clears the anchors
 * (HTTPS then fails with NB_E_TLS_NO_TRUST). Call it before connecting. */
nb_err nb_tls_set_trust(const uint8_t *p, size_t len);
/* Anchors in use; *skipped (may be NULL): certificates that did not parse. */
unsigned nb_tls_trust_count(unsigned *skipped);

/* ---- the pieces, exposed for the unit tests ---- */

/* Is e one of the TLS layer's errors (NB_E_TLS_*)? */
int nb_tls_is_tls_error(nb_err e);
/* The error for a set of certificate verify flags: an unknown CA first,
 * then validity, name, usage, algorithms; NB_E_TLS_CERT_BAD otherwise. */
nb_err nb_tls_verify_error(uint32_t flags);
/* "handshake_failure" for 40, ...; "unknown" for codes no RFC assigns. */
const char *nb_tls_alert_name(int alert);
/* What an alert usually means for a client like nearboot ("" if nothing useful). */
const char *nb_tls_alert_hint(int alert);
/* 1 if crt has an iPAddress subjectAltName equal to ip. */
int nb_tls_cert_has_ip(const mbedtls_x509_crt *crt, const struct nb_ip *ip);
/* "DNS:a, DNS:b, IP:198.18.0.1" from crt's subjectAltNames (truncated with "..."). */
void nb_tls_cert_names(const mbedtls_x509_crt *crt, char *out, size_t size);
/* The why-sentence for a failure e given what the handshake learned. */
void nb_tls_explain(nb_err e, const struct nb_tls_peer *peer, const char *host, char *out,
                    size_t size);

#endif
