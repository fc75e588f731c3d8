/*
 * TLS client transport (boot/xport_tls.h): mbedTLS driven over an inner
 * byte-stream transport, poll style.
 *
 * Life of a connection:
 *   IDLE/CLOSED --open--> CONNECTING --inner ready--> HANDSHAKE --done--> OPEN --close--> CLOSED
 *                  |                        |                 |
 *                  +-- no anchors, clock ---+--- inner error, alert, certificate, deadline --> FAILED
 * The mbedTLS context is set up once per transport and reset for each
 * connection, so its record buffers (16 KiB in, 4 KiB out: a server may send
 * full-size records, we only send requests) are allocated once.
 *
 * Failures carry a specific error code (core/err_list.h, "tls" group) and a
 * sentence in t->why naming what failed: which certificate (its subject),
 * which alert (number and name), what the clock said, what to check.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* the received alert's code: no accessor in 3.6 */
#include "boot/xport_tls.h"
#include "boot/tls.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "mbedtls/asn1.h"
#include "mbedtls/oid.h"
#include "mbedtls/platform.h"
#include "mbedtls/x509.h"
#include "platform/platform.h"
#include <string.h>

/* ------------------------------------------------------------ trust */

static mbedtls_x509_crt trust;
static unsigned trust_n, trust_skipped;
static mbedtls_ssl_config conf;
static int conf_ready;
static unsigned conf_gen = 1; /* bumped whenever conf changes; contexts re-set up */

static unsigned chain_len(const mbedtls_x509_crt *c)
{
    unsigned n = 0;
    for (; c && c->raw.len; c = c->next)
        n++;
    return n;
}

/* A PEM bundle: mbedTLS wants it NUL-terminated, the configuration blob
 * is not. Returns the certificates that failed to parse, or < 0. */
static int parse_pem(mbedtls_x509_crt *out, const uint8_t *p, size_t len)
{
    uint8_t *copy = mbedtls_calloc(1, len + 1);
    if (!copy)
        return MBEDTLS_ERR_X509_ALLOC_FAILED;
    memcpy(copy, p, len);
    int r = mbedtls_x509_crt_parse(out, copy, len + 1);
    mbedtls_free(copy);
    return r;
}

/* Concatenated DER certificates: each is one SEQUENCE whose length says
 * where the next begins. A length that runs past the end, or a certificate
 * that does not parse, ends the walk (the rest cannot be framed reliably). */
static int parse_der(mbedtls_x509_crt *out, const uint8_t *p, size_t len, unsigned *bad)
{
    size_t off = 0;
    while (off < len) {
        unsigned char *q = (unsigned char *)(uintptr_t)(p + off);
        const unsigned char *end = p + len;
        size_t body;
        if (mbedtls_asn1_get_tag(&q, end, &body, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
            (*bad)++;
            return 0;
        }
        size_t whole = (size_t)(q - (p + off)) + body;
        if (mbedtls_x509_crt_parse_der(out, p + off, whole) != 0) {
            (*bad)++;
            return 0;
        }
        off += whole;
    }
    return 0;
}

static int looks_pem(const uint8_t *p, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return len - i >= sizeof tag - 1 && memcmp(p + i, tag, sizeof tag - 1) == 0;
}

nb_err nb_tls_set_trust(const uint8_t *p, size_t len)
{
    mbedtls_x509_crt fresh;
    unsigned bad = 0;
    mbedtls_x509_crt_init(&fresh);
    if (len) {
        if (!p)
            return NB_E_INVALID;
        if (looks_pem(p, len)) {
            int r = parse_pem(&fresh, p, len);
            if (r == MBEDTLS_ERR_X509_ALLOC_FAILED) {
                mbedtls_x509_crt_free(&fresh);
                return NB_E_NO_MEMORY;
            }
            bad = r > 0 ? (unsigned)r : 0;
        } else {
            parse_der(&fresh, p, len, &bad);
        }
        if (chain_len(&fresh) == 0) {
            mbedtls_x509_crt_free(&fresh);
            return NB_E_TLS_BAD_TRUST;
        }
    }
    if (conf_ready) {
        mbedtls_ssl_config_free(&conf);
        conf_ready = 0;
    }
    mbedtls_x509_crt_free(&trust);
    trust = fresh; /* the list's head moves; its nodes stay where they are */
    trust_n = chain_len(&trust);
    trust_skipped = bad;
    conf_gen++;
    return NB_OK;
}

unsigned nb_tls_trust_count(unsigned *skipped)
{
    if (skipped)
        *skipped = trust_skipped;
    return trust_n;
}

static nb_err conf_get(void)
{
    if (conf_ready)
        return NB_OK;
    nb_err e = nb_tls_client_config(&conf, &trust);
    if (e != NB_OK) {
        mbedtls_ssl_config_free(&conf);
        return e;
    }
    conf_ready = 1;
    return NB_OK;
}

/* ------------------------------------------------------------ pure helpers */

int nb_tls_is_tls_error(nb_err e)
{
    return e >= NB_E_TLS_NO_TRUST && e <= NB_E_TLS_TRUNCATED;
}

nb_err nb_tls_verify_error(uint32_t f)
{
    if (f & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING))
        return NB_E_TLS_CERT_UNTRUSTED;
    if (f & MBEDTLS_X509_BADCERT_EXPIRED)
        return NB_E_TLS_CERT_EXPIRED;
    if (f & MBEDTLS_X509_BADCERT_FUTURE)
        return NB_E_TLS_CERT_NOT_YET_VALID;
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return NB_E_TLS_CERT_NAME;
    if (f & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
             MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
        return NB_E_TLS_CERT_USAGE;
    if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY))
        return NB_E_TLS_CERT_WEAK;
    return NB_E_TLS_CERT_BAD;
}

static const struct {
    uint8_t code;
    const char *name;
    const char *hint;
} alerts[] = {
    { 0, "close_notify", "" },
    { 10, "unexpected_message", "" },
    { 20, "bad_record_mac", "" },
    { 21, "decryption_failed", "" },
    { 22, "record_overflow", "" },
    { 30, "decompression_failure", "" },
    { 40, "handshake_failure",
      "usually no cipher suite, group or signature algorithm in common: nearboot offers TLS 1.3, and "
      "TLS 1.2 with ECDHE only (no static-RSA key exchange), AES-GCM or ChaCha20-Poly1305, X25519, "
      "P-256 or P-384" },
    { 41, "no_certificate", "" },
    { 42, "bad_certificate", "" },
    { 43, "unsupported_certificate", "" },
    { 44, "certificate_revoked", "" },
    { 45, "certificate_expired", "" },
    { 46, "certificate_unknown", "" },
    { 47, "illegal_parameter", "" },
    { 48, "unknown_ca", "" },
    { 49, "access_denied", "" },
    { 50, "decode_error", "" },
    { 51, "decrypt_error", "" },
    { 60, "export_restriction", "" },
    { 70, "protocol_version", "the server accepts neither TLS 1.3 nor TLS 1.2" },
    { 71, "insufficient_security",
      "the server wants ciphers nearboot does not offer (nearboot: ECDHE with AES-GCM or ChaCha20-Poly1305)" },
    { 80, "internal_error", "" },
    { 86, "inappropriate_fallback", "" },
    { 90, "user_canceled", "" },
    { 100, "no_renegotiation", "" },
    { 109, "missing_extension", "" },
    { 110, "unsupported_extension", "" },
    { 111, "certificate_unobtainable", "" },
    { 112, "unrecognized_name", "the server has no certificate for this name (SNI): check the URL's host" },
    { 113, "bad_certificate_status_response", "" },
    { 114, "bad_certificate_hash_value", "" },
    { 115, "unknown_psk_identity", "" },
    { 116, "certificate_required", "the server requires a client certificate, which nearboot does not send" },
    { 120, "no_application_protocol", "the server does not offer HTTP/1.1 over ALPN" },
};

const char *nb_tls_alert_name(int alert)
{
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
        if (alerts[i].code == alert)
            return alerts[i].name;
    return "unknown";
}

const char *nb_tls_alert_hint(int alert)
{
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
        if (alerts[i].code == alert)
            return alerts[i].hint;
    return "";
}

static unsigned san_type(const mbedtls_x509_sequence *s)
{
    return (unsigned)(s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK);
}

int nb_tls_cert_has_ip(const mbedtls_x509_crt *crt, const struct nb_ip *ip)
{
    size_t want = ip->family == 4 ? 4 : ip->family == 6 ? 16 : 0;
    if (!want || !mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME))
        return 0;
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next)
        if (san_type(s) == MBEDTLS_X509_SAN_IP_ADDRESS && s->buf.len == want &&
            memcmp(s->buf.p, ip->a, want) == 0)
            return 1;
    return 0;
}

/* Append "sep"+text to out (NUL-terminated, size bytes); 0 when it no longer fits. */
static int append(char *out, size_t size, const char *sep, const char *text, size_t tlen)
{
    size_t have = strlen(out), slen = strlen(sep);
    if (have + slen + tlen + 1 > size)
        return 0;
    memcpy(out + have, sep, slen);
    memcpy(out + have + slen, text, tlen);
    out[have + slen + tlen] = 0;
    return 1;
}

void nb_tls_cert_names(const mbedtls_x509_crt *crt, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = 0;
    if (!mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME))
        return;
    const char *sep = "";
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next) {
        char item[NB_TLS_HOST_MAX + 8];
        size_t n = 0;
        if (san_type(s) == MBEDTLS_X509_SAN_DNS_NAME) {
            size_t l = s->buf.len < NB_TLS_HOST_MAX ? s->buf.len : NB_TLS_HOST_MAX;
            memcpy(item, "DNS:", 4);
            for (size_t i = 0; i < l; i++) /* printable ASCII only: this is peer data */
                item[4 + i] = s->buf.p[i] >= 0x20 && s->buf.p[i] < 0x7f ? (char)s->buf.p[i] : '?';
            n = 4 + l;
        } else if (san_type(s) == MBEDTLS_X509_SAN_IP_ADDRESS &&
                   (s->buf.len == 4 || s->buf.len == 16)) {
            struct nb_ip ip = { .family = s->buf.len == 4 ? 4 : 6 };
            memcpy(ip.a, s->buf.p, s->buf.len);
            memcpy(item, "IP:", 3);
            nb_ip_text(item + 3, (unsigned)(sizeof item - 3), &ip);
            n = strlen(item);
        } else {
            continue;
        }
        if (!append(out, size, sep, item, n)) {
            if (!append(out, size, sep, "...", 3) && size > 4)
                memcpy(out + size - 4, "...", 4);
            return;
        }
        sep = ", ";
    }
}

static void fmt_time(char *out, size_t size, int64_t t)
{
    struct nb_civil c;
    nb_civil_from_unix(t, &c);
    nb_snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
}

void nb_tls_explain(nb_err e, const struct nb_tls_peer *pr, const char *host, char *out, size_t size)
{
    char a[40], b[40];
    const char *subj = pr->have_leaf ? pr->subject : "(none received)";
    if (!size)
        return;
    out[0] = 0;
    switch (e) {
    case NB_E_TLS_CERT_UNTRUSTED:
        nb_snprintf(out, size,
                    "certificate \"%s\" was issued by \"%s\", which is not among the %u trusted CA "
                    "certificate(s)",
                    subj, pr->top_issuer[0] ? pr->top_issuer : "?", trust_n);
        break;
    case NB_E_TLS_CERT_EXPIRED:
        fmt_time(a, sizeof a, pr->not_after);
        fmt_time(b, sizeof b, pr->now);
        nb_snprintf(out, size,
                    "certificate \"%s\" expired %s; the clock reads %s", subj, a, b);
        break;
    case NB_E_TLS_CERT_NOT_YET_VALID:
        fmt_time(a, sizeof a, pr->not_before);
        fmt_time(b, sizeof b, pr->now);
        nb_snprintf(out, size,
                    "certificate \"%s\" is valid only from %s; the clock reads %s",
                    subj, a, b);
        break;
    case NB_E_TLS_CERT_NAME:
        nb_snprintf(out, size, "certificate \"%s\" is for %s, not %s", subj,
                    pr->names[0] ? pr->names : "no subjectAltName", host);
        break;
    case NB_E_TLS_CERT_USAGE:
    case NB_E_TLS_CERT_WEAK:
    case NB_E_TLS_CERT_BAD:
        nb_snprintf(out, size, "certificate \"%s\" (verify flags 0x%x)", subj, (unsigned)pr->flags);
        break;
    case NB_E_TLS_ALERT: {
        const char *hint = nb_tls_alert_hint(pr->alert);
        nb_snprintf(out, size, "the server sent fatal alert %d (%s)%s%s", pr->alert,
                    nb_tls_alert_name(pr->alert), hint[0] ? ": " : "", hint);
        break;
    }
    default:
        break;
    }
}

/* ------------------------------------------------------------ the transport */

static struct nb_xport_tls *tls_of(struct nb_xport *x) { return (struct nb_xport_tls *)x; }

/* BIO: the inner transport's send/recv; "nothing now" is WANT_*; an inner
 * error is kept in io_err (reported instead of mbedTLS' generic code). */
static int bio_send(void *ctx, const unsigned char *p, size_t n)
{
    struct nb_xport_tls *t = ctx;
    size_t taken = 0;
    if (n > 0x7fffffffu)
        n = 0x7fffffffu;
    nb_err e = t->inner->ops->send(t->inner, p, n, &taken);
    if (e != NB_OK) {
        t->io_err = e;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    return taken ? (int)taken : MBEDTLS_ERR_SSL_WANT_WRITE;
}

static int bio_recv(void *ctx, unsigned char *p, size_t n)
{
    struct nb_xport_tls *t = ctx;
    size_t got = 0;
    if (n > 0x7fffffffu)
        n = 0x7fffffffu;
    nb_err e = t->inner->ops->recv(t->inner, p, n, &got);
    if (e == NB_E_CONN_CLOSED)
        return 0; /* end of stream: mbedTLS says CONN_EOF */
    if (e != NB_OK) {
        t->io_err = e;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    return got ? (int)got : MBEDTLS_ERR_SSL_WANT_READ;
}

static int64_t unix_of(const mbedtls_x509_time *t)
{
    return nb_unix_from_civil(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* Certificate verify callback: called for each certificate of the chain,
 * from the top down to the server's own (depth 0). Records what the
 * console line will need, and checks an IP literal against iPAddress SANs. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct nb_xport_tls *t = ctx;
    struct nb_tls_peer *pr = &t->peer;
    if (!pr->chain_len) {
        pr->chain_len = (unsigned)depth + 1;
        if (mbedtls_x509_dn_gets(pr->top_issuer, sizeof pr->top_issuer, &crt->issuer) < 0)
            pr->top_issuer[0] = 0;
    }
    if (depth != 0)
        return 0;
    if (t->ip_literal && !nb_tls_cert_has_ip(crt, &t->ip))
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    if (mbedtls_x509_dn_gets(pr->subject, sizeof pr->subject, &crt->subject) < 0)
        pr->subject[0] = 0;
    nb_tls_cert_names(crt, pr->names, sizeof pr->names);
    pr->not_before = unix_of(&crt->valid_from);
    pr->not_after = unix_of(&crt->valid_to);
    pr->have_leaf = 1;
    return 0;
}

static void hs_timer_fired(struct nb_timer *tm)
{
    (void)tm; /* only wakes the loop: opened() sees the deadline passed */
}

static nb_err fail(struct nb_xport_tls *t, nb_err e)
{
    t->err = e;
    t->state = NB_TLS_FAILED;
    nb_timer_cancel(&t->hs_timer);
    if (!t->why[0])
        nb_tls_explain(e, &t->peer, t->host, t->why, sizeof t->why);
    return e;
}

/* An mbedTLS error from the handshake or a record operation, as nb_err. */
static nb_err map_ssl_error(struct nb_xport_tls *t, int r, int handshake)
{
    if (t->io_err != NB_OK)
        return t->io_err;
    switch (r) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
    case MBEDTLS_ERR_SSL_BAD_CERTIFICATE:
        t->peer.flags = mbedtls_ssl_get_verify_result(&t->ssl);
        return nb_tls_verify_error(t->peer.flags);
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        t->peer.alert = t->ssl.in_msg ? t->ssl.in_msg[1] : -1;
        return NB_E_TLS_ALERT;
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
        return NB_E_TLS_VERSION;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
        return NB_E_NO_MEMORY;
    case 0:
    case MBEDTLS_ERR_SSL_CONN_EOF:
        if (handshake) {
            nb_snprintf(t->why, sizeof t->why, "the server closed the connection during the handshake");
            return NB_E_TLS_HANDSHAKE;
        }
        return NB_E_TLS_TRUNCATED;
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
        if (handshake) {
            nb_snprintf(t->why, sizeof t->why, "the server's answer is not TLS (is this an https port?)");
            return NB_E_TLS_HANDSHAKE;
        }
        return NB_E_TLS_RECORD;
    case MBEDTLS_ERR_SSL_INVALID_MAC:
    case MBEDTLS_ERR_SSL_DECODE_ERROR:
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
        if (!handshake)
            return NB_E_TLS_RECORD;
        /* fall through */
    default:
        nb_snprintf(t->why, sizeof t->why, "mbedTLS error -0x%04x during the %s", (unsigned)-r,
                    handshake ? "handshake" : "transfer");
        return handshake ? NB_E_TLS_HANDSHAKE : NB_E_TLS_RECORD;
    }
}

static nb_err x_open(struct nb_xport *x, const struct nb_ip *ip, uint16_t port, const char *host)
{
    struct nb_xport_tls *t = tls_of(x);
    x->ops->close(x); /* a previous connection */
    t->state = NB_TLS_IDLE;
    t->err = t->io_err = NB_OK;
    t->peer_closed = 0;
    t->rx_since_send = 0;
    t->why[0] = 0;
    memset(&t->peer, 0, sizeof t->peer);
    t->peer.alert = -1;

    size_t hl = host ? strlen(host) : 0;
    if (hl && host[hl - 1] == '.')
        hl--; /* "boot.example." names the same host; SNI and certificates spell it without */
    if (!hl || hl > NB_TLS_HOST_MAX)
        return NB_E_INVALID;
    memcpy(t->host, host, hl);
    t->host[hl] = 0;
    t->ip_literal = nb_ip_parse(t->host, &t->ip);

    /* Before anything goes out: something to trust, and a clock to check
     * certificates with. A clock below the floor never proceeds. */
    if (trust_n == 0) {
        nb_snprintf(t->why, sizeof t->why, "set the TLS CA bundle in the configuration (nearboot-config)");
        return fail(t, NB_E_TLS_NO_TRUST);
    }
    int64_t now;
    nb_err e = nb_trusted_time(&now);
    if (e == NB_E_CLOCK_BEFORE_FLOOR) {
        char a[40], b[40];
        int64_t raw = 0;
        nb_err pe = plat_wallclock(&raw);
        fmt_time(a, sizeof a, raw);
        fmt_time(b, sizeof b, nb_clock_floor());
        nb_snprintf(t->why, sizeof t->why,
                    "the clock reads %s, before the trusted floor %s", 
                    pe == NB_OK ? a : "?", b);
        return fail(t, NB_E_TLS_CLOCK_BEFORE_FLOOR);
    }
    if (e != NB_OK) {
        nb_snprintf(t->why, sizeof t->why, "%s", nb_strerror(e));
        return fail(t, NB_E_TLS_NO_CLOCK);
    }
    t->peer.now = now;

    if ((e = conf_get()) != NB_OK)
        return fail(t, e);
    if (t->ssl_ready && t->ssl_gen != conf_gen) {
        mbedtls_ssl_free(&t->ssl);
        t->ssl_ready = 0;
    }
    int r;
    if (!t->ssl_ready) {
        mbedtls_ssl_init(&t->ssl);
        r = mbedtls_ssl_setup(&t->ssl, &conf);
        if (r != 0) {
            mbedtls_ssl_free(&t->ssl);
            return fail(t, r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? NB_E_NO_MEMORY : NB_E_TLS_SETUP);
        }
        t->ssl_ready = 1;
        t->ssl_gen = conf_gen;
    } else if ((r = mbedtls_ssl_session_reset(&t->ssl)) != 0) {
        return fail(t, r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? NB_E_NO_MEMORY : NB_E_TLS_SETUP);
    }
    /* A name: SNI and mbedTLS' name check. A literal: neither (RFC 6066
     * forbids it as SNI); verify_cb checks the iPAddress SANs. */
    r = mbedtls_ssl_set_hostname(&t->ssl, t->ip_literal ? NULL : t->host);
    if (r != 0)
        return fail(t, r == MBEDTLS_ERR_SSL_ALLOC_FAILED ? NB_E_NO_MEMORY : NB_E_TLS_SETUP);
    mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);

    e = t->inner->ops->open(t->inner, ip, port, t->host);
    if (e != NB_OK)
        return fail(t, e);
    t->inner_open = 1;
    t->state = NB_TLS_CONNECTING;
    return NB_OK;
}

static nb_err step_handshake(struct nb_xport_tls *t, int *ready)
{
    int r = mbedtls_ssl_handshake(&t->ssl);
    if (r == 0) {
        nb_timer_cancel(&t->hs_timer);
        t->state = NB_TLS_OPEN;
        *ready = 1;
        return NB_OK;
    }
    if ((r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) && t->io_err == NB_OK) {
        if (nb_now_us() >= t->hs_deadline_us) {
            nb_snprintf(t->why, sizeof t->why, "no complete handshake within %u ms (does the server "
                        "speak TLS on this port?)", (unsigned)t->hs_timeout_ms);
            return fail(t, NB_E_TLS_HANDSHAKE_TIMEOUT);
        }
        return NB_OK;
    }
    return fail(t, map_ssl_error(t, r, 1));
}

static nb_err x_opened(struct nb_xport *x, int *ready)
{
    struct nb_xport_tls *t = tls_of(x);
    *ready = 0;
    switch (t->state) {
    case NB_TLS_OPEN:
        *ready = 1;
        return NB_OK;
    case NB_TLS_CONNECTING: {
        int up = 0;
        nb_err e = t->inner->ops->opened(t->inner, &up);
        if (e != NB_OK)
            return fail(t, e);
        if (!up)
            return NB_OK;
        t->state = NB_TLS_HANDSHAKE;
        t->hs_deadline_us = nb_now_us() + (uint64_t)t->hs_timeout_ms * 1000u;
        nb_timer_arm_at(&t->hs_timer, t->hs_deadline_us);
        return step_handshake(t, ready);
    }
    case NB_TLS_HANDSHAKE:
        return step_handshake(t, ready);
    case NB_TLS_FAILED:
        return t->err;
    default:
        return NB_E_CONN_CLOSED;
    }
}

static nb_err x_send(struct nb_xport *x, const void *p, size_t n, size_t *taken)
{
    struct nb_xport_tls *t = tls_of(x);
    *taken = 0;
    if (t->state != NB_TLS_OPEN)
        return t->state == NB_TLS_FAILED ? t->err : NB_E_CONN_CLOSED;
    if (!n)
        return NB_OK;
    int r = mbedtls_ssl_write(&t->ssl, p, n);
    if (r > 0) {
        *taken = (size_t)r;
        t->rx_since_send = 0;
        return NB_OK;
    }
    if ((r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ) && t->io_err == NB_OK)
        return NB_OK;
    return fail(t, map_ssl_error(t, r, 0));
}

static nb_err x_recv(struct nb_xport *x, void *p, size_t n, size_t *got)
{
    struct nb_xport_tls *t = tls_of(x);
    *got = 0;
    if (t->peer_closed)
        return NB_E_CONN_CLOSED;
    if (t->state != NB_TLS_OPEN)
        return t->state == NB_TLS_FAILED ? t->err : NB_E_CONN_CLOSED;
    if (!n)
        return NB_OK;
    int r = mbedtls_ssl_read(&t->ssl, p, n);
    if (r > 0) {
        *got = (size_t)r;
        t->rx_since_send += (size_t)r;
        return NB_OK;
    }
    if ((r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) && t->io_err == NB_OK)
        return NB_OK;
    if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        t->peer_closed = 1;
        return NB_E_CONN_CLOSED;
    }
    if ((r == 0 || r == MBEDTLS_ERR_SSL_CONN_EOF) && t->io_err == NB_OK && t->rx_since_send == 0) {
        /* The stream ended before any byte answered our last request: a
         * kept-alive connection the server dropped (often without
         * close_notify). Nothing can have been truncated; say "closed", so
         * HTTP may retry on a new connection. */
        t->peer_closed = 1;
        return NB_E_CONN_CLOSED;
    }
    return fail(t, map_ssl_error(t, r, 0));
}

static void x_close(struct nb_xport *x)
{
    struct nb_xport_tls *t = tls_of(x);
    nb_timer_cancel(&t->hs_timer);
    if (t->state == NB_TLS_OPEN && !t->peer_closed)
        (void)mbedtls_ssl_close_notify(&t->ssl); /* best effort: TCP's FIN follows */
    if (t->inner_open)
        t->inner->ops->close(t->inner);
    t->inner_open = 0;
    if (t->state != NB_TLS_IDLE)
        t->state = NB_TLS_CLOSED; /* t->err and t->why stay for the caller's message */
}

static nb_err x_wait(struct nb_xport *x, int (*done)(void *), void *ctx, uint64_t deadline_us)
{
    struct nb_xport_tls *t = tls_of(x);
    return t->inner->ops->wait(t->inner, done, ctx, deadline_us);
}

static const struct nb_xport_ops tls_ops = {
    .name = "tls",
    .open = x_open,
    .opened = x_opened,
    .send = x_send,
    .recv = x_recv,
    .close = x_close,
    .wait = x_wait,
};

void nb_xport_tls_init(struct nb_xport_tls *t, struct nb_xport *inner, uint32_t hs_timeout_ms)
{
    memset(t, 0, sizeof *t);
    t->base.ops = &tls_ops;
    t->inner = inner;
    t->hs_timeout_ms = hs_timeout_ms ? hs_timeout_ms : NB_TLS_HANDSHAKE_TIMEOUT_MS;
    t->peer.alert = -1;
    nb_timer_init(&t->hs_timer, hs_timer_fired);
}

void nb_xport_tls_set_timeout(struct nb_xport_tls *t, uint32_t hs_timeout_ms)
{
    t->hs_timeout_ms = hs_timeout_ms ? hs_timeout_ms : NB_TLS_HANDSHAKE_TIMEOUT_MS;
}

void nb_xport_tls_free(struct nb_xport_tls *t)
{
    x_close(&t->base);
    if (t->ssl_ready)
        mbedtls_ssl_free(&t->ssl);
    t->ssl_ready = 0;
}

const char *nb_xport_tls_why(const struct nb_xport_tls *t) { return t->why; }

void nb_xport_tls_describe(const struct nb_xport_tls *t, char *out, size_t size)
{
    if (!size)
        return;
    out[0] = 0;
    if (t->state != NB_TLS_OPEN)
        return;
    nb_snprintf(out, size, "%s %s", mbedtls_ssl_get_version(&t->ssl),
                mbedtls_ssl_get_ciphersuite(&t->ssl));
}
