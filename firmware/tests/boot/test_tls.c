/* boot/xport_tls.c: trust anchors (PEM, DER, bundles, garbage), the error
 * mapping (verify flags, alerts), names and IP SANs, and the transport
 * driven over a scripted inner transport: the clock check before anything
 * goes out, SNI for names and none for IP literals (read back from the
 * ClientHello on the wire), a fatal alert, a non-TLS answer, end of stream,
 * an inner error, and the handshake deadline. Full handshakes run against
 * nginx in qemu-tests/host/test-https.sh (the firmware's mbedTLS has no
 * server side to test against in-process). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/xport_tls.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/timer.h"
#include "nb_version.h"
#include "platform/host/host.h"
#include "mbedtls/x509.h"

#include "tls_vectors.h"

/* ================================================================ helpers */

static mbedtls_x509_crt *parse_one(const uint8_t *der, size_t len)
{
    mbedtls_x509_crt *c = calloc(1, sizeof *c);
    assert_non_null(c);
    mbedtls_x509_crt_init(c);
    assert_int_equal(mbedtls_x509_crt_parse_der(c, der, len), 0);
    return c;
}

static void free_one(mbedtls_x509_crt *c)
{
    mbedtls_x509_crt_free(c);
    free(c);
}

/* An exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    memcpy(d, p, n);
    return d;
}

static nb_err set_trust_copy(const void *p, size_t n)
{
    uint8_t *d = dup_bytes(p, n);
    nb_err e = nb_tls_set_trust(d, n);
    free(d);
    return e;
}

/* ================================================================ pure pieces */

static void test_alert_names(void **state)
{
    (void)state;
    assert_string_equal(nb_tls_alert_name(40), "handshake_failure");
    assert_string_equal(nb_tls_alert_name(48), "unknown_ca");
    assert_string_equal(nb_tls_alert_name(70), "protocol_version");
    assert_string_equal(nb_tls_alert_name(112), "unrecognized_name");
    assert_string_equal(nb_tls_alert_name(120), "no_application_protocol");
    assert_string_equal(nb_tls_alert_name(0), "close_notify");
    assert_string_equal(nb_tls_alert_name(255), "unknown");
    assert_string_equal(nb_tls_alert_name(-1), "unknown");
    assert_non_null(strstr(nb_tls_alert_hint(40), "static-RSA"));
    assert_string_equal(nb_tls_alert_hint(48), "");
    assert_string_equal(nb_tls_alert_hint(200), "");
}

static void test_verify_flags(void **state)
{
    (void)state;
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_NOT_TRUSTED), NB_E_TLS_CERT_UNTRUSTED);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_EXPIRED), NB_E_TLS_CERT_EXPIRED);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_FUTURE), NB_E_TLS_CERT_NOT_YET_VALID);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_CN_MISMATCH), NB_E_TLS_CERT_NAME);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_KEY_USAGE), NB_E_TLS_CERT_USAGE);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_EXT_KEY_USAGE), NB_E_TLS_CERT_USAGE);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_BAD_MD), NB_E_TLS_CERT_WEAK);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_BAD_KEY), NB_E_TLS_CERT_WEAK);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_REVOKED), NB_E_TLS_CERT_BAD);
    assert_int_equal(nb_tls_verify_error(0), NB_E_TLS_CERT_BAD);
    /* an unknown CA outranks everything; validity outranks the name */
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED |
                                         MBEDTLS_X509_BADCERT_CN_MISMATCH),
                     NB_E_TLS_CERT_UNTRUSTED);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_CN_MISMATCH),
                     NB_E_TLS_CERT_EXPIRED);
    assert_int_equal(nb_tls_verify_error(MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_BAD_MD),
                     NB_E_TLS_CERT_NAME);
}

static void test_tls_error_range(void **state)
{
    (void)state;
    assert_true(nb_tls_is_tls_error(NB_E_TLS_NO_TRUST));
    assert_true(nb_tls_is_tls_error(NB_E_TLS_CLOCK_BEFORE_FLOOR));
    assert_true(nb_tls_is_tls_error(NB_E_TLS_ALERT));
    assert_true(nb_tls_is_tls_error(NB_E_TLS_TRUNCATED));
    assert_false(nb_tls_is_tls_error(NB_OK));
    assert_false(nb_tls_is_tls_error(NB_E_CONN_RESET));
    assert_false(nb_tls_is_tls_error(NB_E_CLOCK_BEFORE_FLOOR));
    /* every TLS error has its own sentence naming TLS */
    for (int e = NB_E_TLS_NO_TRUST; e <= NB_E_TLS_TRUNCATED; e++)
        assert_non_null(strstr(nb_strerror((nb_err)e), "TLS"));
    assert_non_null(strstr(nb_strerror(NB_E_TLS_CLOCK_BEFORE_FLOOR), "clock"));
}

static void test_ip_san(void **state)
{
    (void)state;
    mbedtls_x509_crt *leaf = parse_one(leaf_der, sizeof leaf_der);
    struct nb_ip a;
    assert_true(nb_ip_parse("198.18.254.1", &a));
    assert_true(nb_tls_cert_has_ip(leaf, &a));
    assert_true(nb_ip_parse("198.18.254.2", &a));
    assert_false(nb_tls_cert_has_ip(leaf, &a));
    assert_true(nb_ip_parse("fd00:b007:0:fffe::1", &a));
    assert_true(nb_tls_cert_has_ip(leaf, &a));
    assert_true(nb_ip_parse("fd00:b007:0:fffe::2", &a));
    assert_false(nb_tls_cert_has_ip(leaf, &a));
    /* the v4 address as a v4-mapped v6 address is another address */
    assert_true(nb_ip_parse("::ffff:198.18.254.1", &a));
    assert_false(nb_tls_cert_has_ip(leaf, &a));
    struct nb_ip none = { 0 };
    assert_false(nb_tls_cert_has_ip(leaf, &none));
    /* a certificate without SANs (the CA) names no address */
    mbedtls_x509_crt *ca = parse_one(ca_der, sizeof ca_der);
    assert_true(nb_ip_parse("198.18.254.1", &a));
    assert_false(nb_tls_cert_has_ip(ca, &a));
    free_one(ca);
    free_one(leaf);
}

static void test_cert_names(void **state)
{
    (void)state;
    mbedtls_x509_crt *leaf = parse_one(leaf_der, sizeof leaf_der);
    char out[200];
    nb_tls_cert_names(leaf, out, sizeof out);
    assert_string_equal(out, "DNS:boot.nearboot.test, IP:198.18.254.1, IP:fd00:b007:0:fffe::1");
    char small[30];
    nb_tls_cert_names(leaf, small, sizeof small);
    assert_string_equal(small, "DNS:boot.nearboot.test, ...");
    char mid[40]; /* no room left for ", ...": the end is cut instead */
    nb_tls_cert_names(leaf, mid, sizeof mid);
    assert_string_equal(mid, "DNS:boot.nearboot.test, IP:198.18.25...");
    char tiny[8];
    nb_tls_cert_names(leaf, tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
    free_one(leaf);
}

/* What mbedTLS 3.6 itself does with an IP literal as the expected name: it
 * matches iPAddress SANs from the text. (The transport does not rely on
 * it: that path would also send the literal as SNI.) */
static void test_mbedtls_ip_literal_name(void **state)
{
    (void)state;
    mbedtls_x509_crt *leaf = parse_one(leaf_der, sizeof leaf_der);
    mbedtls_x509_crt *ca = parse_one(ca_der, sizeof ca_der);
    uint32_t flags = 0;
    assert_int_equal(mbedtls_x509_crt_verify(leaf, ca, NULL, "198.18.254.1", &flags, NULL, NULL), 0);
    assert_int_equal(flags, 0);
    assert_int_equal(mbedtls_x509_crt_verify(leaf, ca, NULL, "fd00:b007:0:fffe::1", &flags, NULL, NULL), 0);
    assert_int_not_equal(mbedtls_x509_crt_verify(leaf, ca, NULL, "198.18.254.2", &flags, NULL, NULL), 0);
    assert_true(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_int_equal(mbedtls_x509_crt_verify(leaf, ca, NULL, "BOOT.nearboot.test", &flags, NULL, NULL), 0);
    assert_int_not_equal(mbedtls_x509_crt_verify(leaf, ca, NULL, "x.nearboot.test", &flags, NULL, NULL), 0);
    free_one(ca);
    free_one(leaf);
}

static void test_explain(void **state)
{
    (void)state;
    struct nb_tls_peer p;
    char out[NB_TLS_WHY_MAX];
    memset(&p, 0, sizeof p);
    p.alert = 40;
    nb_tls_explain(NB_E_TLS_ALERT, &p, "h", out, sizeof out);
    assert_non_null(strstr(out, "fatal alert 40 (handshake_failure)"));
    p.have_leaf = 1;
    strcpy(p.subject, "CN=x");
    strcpy(p.top_issuer, "CN=Other CA");
    strcpy(p.names, "DNS:a.test");
    p.not_before = nb_unix_from_civil(2020, 1, 1, 0, 0, 0);
    p.not_after = nb_unix_from_civil(2021, 1, 1, 0, 0, 0);
    p.now = nb_unix_from_civil(2030, 6, 1, 12, 0, 0);
    nb_tls_explain(NB_E_TLS_CERT_EXPIRED, &p, "h", out, sizeof out);
    assert_string_equal(out, "certificate \"CN=x\" expired 2021-01-01 00:00:00 UTC; the clock reads "
                             "2030-06-01 12:00:00 UTC");
    nb_tls_explain(NB_E_TLS_CERT_NOT_YET_VALID, &p, "h", out, sizeof out);
    assert_non_null(strstr(out, "valid only from 2020-01-01 00:00:00 UTC"));
    nb_tls_explain(NB_E_TLS_CERT_NAME, &p, "b.test", out, sizeof out);
    assert_string_equal(out, "certificate \"CN=x\" is for DNS:a.test, not b.test");
    nb_tls_explain(NB_E_TLS_CERT_UNTRUSTED, &p, "h", out, sizeof out);
    assert_non_null(strstr(out, "issued by \"CN=Other CA\", which is not among the"));
    char tiny[16];
    nb_tls_explain(NB_E_TLS_CERT_NAME, &p, "b.test", tiny, sizeof tiny);
    assert_true(strlen(tiny) < sizeof tiny);
}

/* ================================================================ trust anchors */

static void test_trust_pem_bundle(void **state)
{
    (void)state;
    char bundle[4096];
    unsigned skipped = 9;
    snprintf(bundle, sizeof bundle, "\n%s%s", ca_pem, leaf_pem);
    assert_int_equal(set_trust_copy(bundle, strlen(bundle)), NB_OK); /* not NUL-terminated */
    assert_int_equal(nb_tls_trust_count(&skipped), 2);
    assert_int_equal(skipped, 0);
    /* one certificate that does not parse is skipped and counted */
    char broken[sizeof leaf_pem];
    memcpy(broken, leaf_pem, sizeof leaf_pem);
    broken[100] = broken[100] == 'A' ? 'B' : 'A';
    broken[101] = '*';
    snprintf(bundle, sizeof bundle, "%s%s", broken, ca_pem);
    assert_int_equal(set_trust_copy(bundle, strlen(bundle)), NB_OK);
    assert_int_equal(nb_tls_trust_count(&skipped), 1);
    assert_int_equal(skipped, 1);
}

static void test_trust_der(void **state)
{
    (void)state;
    assert_int_equal(set_trust_copy(ca_der, sizeof ca_der), NB_OK);
    assert_int_equal(nb_tls_trust_count(NULL), 1);
    uint8_t two[sizeof ca_der + sizeof leaf_der];
    memcpy(two, ca_der, sizeof ca_der);
    memcpy(two + sizeof ca_der, leaf_der, sizeof leaf_der);
    assert_int_equal(set_trust_copy(two, sizeof two), NB_OK);
    assert_int_equal(nb_tls_trust_count(NULL), 2);
    /* a truncated second certificate: the first one stays, the rest is counted as bad */
    unsigned skipped;
    assert_int_equal(set_trust_copy(two, sizeof two - 10), NB_OK);
    assert_int_equal(nb_tls_trust_count(&skipped), 1);
    assert_int_equal(skipped, 1);
}

static void test_trust_garbage(void **state)
{
    (void)state;
    assert_int_equal(set_trust_copy(ca_der, sizeof ca_der), NB_OK);
    static const char *const bad[] = {
        "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "\x30\x82\xff\xff", "\x30", "\x30\x03\x02\x01\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(set_trust_copy(bad[i], strlen(bad[i])), NB_E_TLS_BAD_TRUST);
        assert_int_equal(nb_tls_trust_count(NULL), 1); /* the anchors in use stay */
    }
    /* every truncation of a DER certificate */
    for (size_t n = 1; n < sizeof ca_der; n++)
        assert_int_equal(set_trust_copy(ca_der, n), NB_E_TLS_BAD_TRUST);
    assert_int_equal(nb_tls_set_trust(NULL, 5), NB_E_INVALID);
    assert_int_equal(nb_tls_set_trust(NULL, 0), NB_OK);
    assert_int_equal(nb_tls_trust_count(NULL), 0);
}

/* ================================================================ the transport */

/* A scripted inner transport: what the client sends is captured, what it
 * receives comes from a script, then "nothing yet", or end/error. */
struct pipe {
    struct nb_xport base;
    int opens, closes, up;
    uint8_t out[8192];
    size_t out_len;
    const uint8_t *in;
    size_t in_len, in_pos;
    nb_err after_in; /* NB_OK: then nothing more; else returned once the script is read */
};

static struct pipe *pipe_of(struct nb_xport *x) { return (struct pipe *)x; }

static nb_err p_open(struct nb_xport *x, const struct nb_ip *ip, uint16_t port, const char *host)
{
    (void)ip, (void)port, (void)host;
    pipe_of(x)->opens++;
    return NB_OK;
}

static nb_err p_opened(struct nb_xport *x, int *ready)
{
    *ready = pipe_of(x)->up;
    return NB_OK;
}

static nb_err p_send(struct nb_xport *x, const void *p, size_t n, size_t *taken)
{
    struct pipe *pp = pipe_of(x);
    size_t room = sizeof pp->out - pp->out_len;
    *taken = n < room ? n : room;
    memcpy(pp->out + pp->out_len, p, *taken);
    pp->out_len += *taken;
    return NB_OK;
}

static nb_err p_recv(struct nb_xport *x, void *p, size_t n, size_t *got)
{
    struct pipe *pp = pipe_of(x);
    size_t left = pp->in_len - pp->in_pos;
    *got = n < left ? n : left;
    if (*got)
        memcpy(p, pp->in + pp->in_pos, *got);
    pp->in_pos += *got;
    if (!*got && pp->after_in != NB_OK)
        return pp->after_in;
    return NB_OK;
}

static void p_close(struct nb_xport *x) { pipe_of(x)->closes++; }

static nb_err p_wait(struct nb_xport *x, int (*done)(void *), void *ctx, uint64_t deadline_us)
{
    (void)x;
    (void)deadline_us;
    return done(ctx) ? NB_OK : NB_E_TIMEOUT;
}

static const struct nb_xport_ops pipe_ops = { "pipe", p_open, p_opened, p_send, p_recv, p_close, p_wait };

static struct pipe pp;
static struct nb_xport_tls tls;
#define T0 1000000000ull

static int setup(void **state)
{
    (void)state;
    static int seeded;
    if (!seeded) {
        assert_int_equal(nb_drbg_init("test-tls", 8, NULL), NB_OK);
        seeded = 1;
    }
    memset(&pp, 0, sizeof pp);
    pp.base.ops = &pipe_ops;
    pp.up = 1;
    host_fake_now_us(T0);
    host_fake_wallclock(NB_BUILD_EPOCH + 86400);
    assert_int_equal(set_trust_copy(ca_der, sizeof ca_der), NB_OK);
    nb_xport_tls_init(&tls, &pp.base, 2000);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nb_xport_tls_free(&tls);
    assert_int_equal(nb_timers_next(), UINT64_MAX); /* nothing left armed */
    host_fake_now_us(0);
    host_fake_wallclock(0);
    return 0;
}

static const struct nb_ip ip_any = { 4, { 198, 18, 254, 1 } };

/* The ClientHello the client sent: find extension `type`; returns its data
 * length, or -1 if absent. Bounded walk over the captured record. */
static int hello_ext(const uint8_t *p, size_t n, unsigned type, const uint8_t **data)
{
    assert_true(n > 9);
    assert_int_equal(p[0], 22); /* handshake record */
    assert_int_equal(p[5], 1);  /* ClientHello */
    size_t rec = (size_t)p[3] << 8 | p[4];
    assert_true(rec + 5 <= n);
    size_t end = 5 + rec, i = 9 + 2 + 32; /* record + handshake headers, version, random */
    assert_true(i < end);
    i += 1 + p[i];                             /* session id */
    assert_true(i + 2 <= end);
    i += 2 + ((size_t)p[i] << 8 | p[i + 1]);   /* cipher suites */
    assert_true(i < end);
    i += 1 + p[i];                             /* compression methods */
    assert_true(i + 2 <= end);
    size_t ext_end = i + 2 + ((size_t)p[i] << 8 | p[i + 1]);
    assert_true(ext_end <= end);
    for (i += 2; i + 4 <= ext_end;) {
        unsigned t = (unsigned)p[i] << 8 | p[i + 1];
        size_t l = (size_t)p[i + 2] << 8 | p[i + 3];
        assert_true(i + 4 + l <= ext_end);
        if (t == type) {
            *data = p + i + 4;
            return (int)l;
        }
        i += 4 + l;
    }
    return -1;
}

static nb_err open_and_step(const char *host, int *ready)
{
    nb_err e = tls.base.ops->open(&tls.base, &ip_any, 443, host);
    if (e != NB_OK)
        return e;
    return tls.base.ops->opened(&tls.base, ready);
}

static void test_sni_for_a_name(void **state)
{
    (void)state;
    int ready = 1;
    assert_int_equal(open_and_step("boot.nearboot.test.", &ready), NB_OK);
    assert_int_equal(ready, 0);
    assert_int_equal(pp.opens, 1);
    const uint8_t *d;
    int l = hello_ext(pp.out, pp.out_len, 0 /* server_name */, &d);
    static const char name[] = "boot.nearboot.test"; /* the trailing dot dropped */
    assert_int_equal(l, 5 + (int)strlen(name));
    assert_int_equal(d[2], 0); /* host_name */
    assert_memory_equal(d + 5, name, strlen(name));
    /* TLS 1.3 offered (supported_versions) with 1.2, and ALPN http/1.1 */
    assert_true(hello_ext(pp.out, pp.out_len, 43, &d) >= 5);
    l = hello_ext(pp.out, pp.out_len, 16, &d);
    assert_int_equal(l, 2 + 1 + 8);
    assert_memory_equal(d + 3, "http/1.1", 8);
    /* the handshake deadline is a timer, so the loop wakes for it */
    assert_int_equal(nb_timers_next(), T0 + 2000000u);
}

static void test_no_sni_for_ip_literals(void **state)
{
    (void)state;
    static const char *const lits[] = { "198.18.254.1", "fd00:b007:0:fffe::1" };
    for (size_t i = 0; i < 2; i++) {
        int ready = 1;
        pp.out_len = 0;
        assert_int_equal(open_and_step(lits[i], &ready), NB_OK);
        assert_int_equal(ready, 0);
        const uint8_t *d;
        assert_int_equal(hello_ext(pp.out, pp.out_len, 0, &d), -1);
        assert_true(tls.ip_literal);
        tls.base.ops->close(&tls.base);
    }
}

static void test_clock_before_floor(void **state)
{
    (void)state;
    host_fake_wallclock(NB_BUILD_EPOCH - 3600);
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_TLS_CLOCK_BEFORE_FLOOR);
    assert_int_equal(pp.opens, 0); /* nothing went out */
    assert_int_equal(pp.out_len, 0);
    assert_non_null(strstr(nb_xport_tls_why(&tls), "the clock reads "));
    assert_non_null(strstr(nb_xport_tls_why(&tls), "before the trusted floor"));
    /* the failure sticks */
    assert_int_equal(tls.base.ops->opened(&tls.base, &ready), NB_E_TLS_CLOCK_BEFORE_FLOOR);
    tls.base.ops->close(&tls.base);
    assert_int_equal(pp.closes, 0);
    /* a good clock again: it proceeds */
    host_fake_wallclock(NB_BUILD_EPOCH + 1);
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_OK);
    assert_int_equal(pp.opens, 1);
}

static void test_no_trust(void **state)
{
    (void)state;
    assert_int_equal(nb_tls_set_trust(NULL, 0), NB_OK);
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_TLS_NO_TRUST);
    assert_int_equal(pp.opens, 0);
}

static void test_inner_not_up_yet(void **state)
{
    (void)state;
    pp.up = 0;
    int ready = 1;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_OK);
    assert_int_equal(ready, 0);
    assert_int_equal(pp.out_len, 0); /* no ClientHello before the connection is up */
    pp.up = 1;
    assert_int_equal(tls.base.ops->opened(&tls.base, &ready), NB_OK);
    assert_true(pp.out_len > 0);
}

static void test_fatal_alert(void **state)
{
    (void)state;
    static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 }; /* fatal handshake_failure */
    pp.in = alert;
    pp.in_len = sizeof alert;
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_TLS_ALERT);
    assert_int_equal(tls.peer.alert, 40);
    assert_non_null(strstr(nb_xport_tls_why(&tls), "fatal alert 40 (handshake_failure)"));
    tls.base.ops->close(&tls.base);
    assert_int_equal(pp.closes, 1);
}

static void test_not_tls(void **state)
{
    (void)state;
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    pp.in = (const uint8_t *)http;
    pp.in_len = sizeof http - 1;
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_TLS_HANDSHAKE);
    assert_non_null(strstr(nb_xport_tls_why(&tls), "not TLS"));
}

static void test_eof_in_handshake(void **state)
{
    (void)state;
    pp.after_in = NB_E_CONN_CLOSED;
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_TLS_HANDSHAKE);
    assert_non_null(strstr(nb_xport_tls_why(&tls), "closed the connection during the handshake"));
}

static void test_inner_error(void **state)
{
    (void)state;
    pp.after_in = NB_E_CONN_RESET;
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_E_CONN_RESET);
    assert_false(nb_tls_is_tls_error(NB_E_CONN_RESET)); /* fetch.c: the connect layer's */
}

static void test_handshake_deadline(void **state)
{
    (void)state;
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_OK);
    host_fake_now_us(T0 + 1999999u);
    assert_int_equal(tls.base.ops->opened(&tls.base, &ready), NB_OK);
    assert_int_equal(ready, 0);
    host_fake_now_us(T0 + 2000000u);
    assert_int_equal(tls.base.ops->opened(&tls.base, &ready), NB_E_TLS_HANDSHAKE_TIMEOUT);
    assert_non_null(strstr(nb_xport_tls_why(&tls), "within 2000 ms"));
    assert_int_equal(nb_timers_next(), UINT64_MAX);
}

static void test_io_before_open(void **state)
{
    (void)state;
    uint8_t b[4];
    size_t n = 9;
    assert_int_equal(tls.base.ops->recv(&tls.base, b, sizeof b, &n), NB_E_CONN_CLOSED);
    assert_int_equal(n, 0);
    assert_int_equal(tls.base.ops->send(&tls.base, b, sizeof b, &n), NB_E_CONN_CLOSED);
    int ready;
    assert_int_equal(open_and_step("boot.nearboot.test", &ready), NB_OK);
    /* handshaking: no application data either way */
    assert_int_equal(tls.base.ops->send(&tls.base, b, sizeof b, &n), NB_E_CONN_CLOSED);
    tls.base.ops->close(&tls.base);
    assert_int_equal(pp.closes, 1);
    tls.base.ops->close(&tls.base); /* twice is harmless */
    assert_int_equal(pp.closes, 1);
}

static void test_bad_host(void **state)
{
    (void)state;
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(tls.base.ops->open(&tls.base, &ip_any, 443, longname), NB_E_INVALID);
    assert_int_equal(tls.base.ops->open(&tls.base, &ip_any, 443, ""), NB_E_INVALID);
    assert_int_equal(tls.base.ops->open(&tls.base, &ip_any, 443, "."), NB_E_INVALID);
    assert_int_equal(pp.opens, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_names),
        cmocka_unit_test(test_verify_flags),
        cmocka_unit_test(test_tls_error_range),
        cmocka_unit_test(test_ip_san),
        cmocka_unit_test(test_cert_names),
        cmocka_unit_test(test_mbedtls_ip_literal_name),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_trust_pem_bundle),
        cmocka_unit_test(test_trust_der),
        cmocka_unit_test(test_trust_garbage),
        cmocka_unit_test_setup_teardown(test_sni_for_a_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_sni_for_ip_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_before_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_trust, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inner_not_up_yet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fatal_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eof_in_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inner_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_before_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_host, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
