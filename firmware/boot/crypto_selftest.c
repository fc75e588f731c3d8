/* Cryptographic power-on self-test (boot/crypto_selftest.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* PKCS#7 signer info has no accessors */
#include "boot/crypto_selftest.h"
#include "boot/tls.h"
#include "mbedtls/pkcs7.h"
#include "mbedtls/sha256.h"
#include <string.h>

#include "crypto/selftest_vectors.h"

static nb_err sha256_kat(void)
{
    static const uint8_t abc_digest[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    uint8_t d[32];
    if (mbedtls_sha256((const uint8_t *)"abc", 3, d, 0) != 0 || memcmp(d, abc_digest, 32) != 0)
        return NB_E_CRYPTO_SELFTEST;
    return NB_OK;
}

/* Verify the signer's signature over msg with the certificate carried in
 * the SignedData. No chain or time checks here: this tests the primitives,
 * the manifest verifier applies policy. */
static int cms_signature_ok(mbedtls_pkcs7 *p7, const uint8_t *msg, size_t len)
{
    uint8_t hash[32];
    const mbedtls_pkcs7_signed_data *sd = &p7->signed_data;
    if (sd->no_of_certs < 1 || sd->no_of_signers < 1)
        return 0;
    if (mbedtls_sha256(msg, len, hash, 0) != 0)
        return 0;
    return mbedtls_pk_verify((mbedtls_pk_context *)&sd->certs.pk, MBEDTLS_MD_SHA256, hash,
                             sizeof hash, sd->signers.sig.p, sd->signers.sig.len) == 0;
}

static nb_err cms_kat(void)
{
    mbedtls_pkcs7 p7;
    uint8_t msg[sizeof selftest_msg - 1];
    nb_err e = NB_E_CRYPTO_SELFTEST;
    memcpy(msg, selftest_msg, sizeof msg);
    mbedtls_pkcs7_init(&p7);
    if (mbedtls_pkcs7_parse_der(&p7, selftest_cms_der, sizeof selftest_cms_der) ==
            MBEDTLS_PKCS7_SIGNED_DATA &&
        cms_signature_ok(&p7, msg, sizeof msg)) {
        msg[0] ^= 1;
        if (!cms_signature_ok(&p7, msg, sizeof msg))
            e = NB_OK;
    }
    mbedtls_pkcs7_free(&p7);
    return e;
}

/* The TLS engine writes its ClientHello into this buffer and then finds
 * nothing to read. */
struct hello_capture {
    uint8_t buf[1024];
    size_t len;
};

static int capture_send(void *ctx, const unsigned char *p, size_t n)
{
    struct hello_capture *c = ctx;
    size_t room = sizeof c->buf - c->len;
    size_t take = n < room ? n : room;
    memcpy(c->buf + c->len, p, take);
    c->len += take;
    return (int)n;
}

static int nothing_to_read(void *ctx, unsigned char *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    return MBEDTLS_ERR_SSL_WANT_READ;
}

static nb_err tls_hello(void)
{
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_pkcs7 p7;
    static struct hello_capture cap;
    nb_err e = NB_E_CRYPTO_SELFTEST;

    cap.len = 0;
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_pkcs7_init(&p7);
    /* Trust the self-test certificate: any real anchor would do. */
    if (mbedtls_pkcs7_parse_der(&p7, selftest_cms_der, sizeof selftest_cms_der) < 0 ||
        mbedtls_x509_crt_parse_der(&ca, p7.signed_data.certs.raw.p, p7.signed_data.certs.raw.len) != 0 ||
        nb_tls_client_config(&conf, &ca) != NB_OK)
        goto out;
    if (mbedtls_ssl_setup(&ssl, &conf) != 0 || mbedtls_ssl_set_hostname(&ssl, "selftest.invalid") != 0)
        goto out;
    mbedtls_ssl_set_bio(&ssl, &cap, capture_send, nothing_to_read, NULL);
    if (mbedtls_ssl_handshake(&ssl) != MBEDTLS_ERR_SSL_WANT_READ)
        goto out;
    /* A handshake record (22) carrying a ClientHello (1) of the length
     * its record header announces. */
    if (cap.len > 9 && cap.buf[0] == 22 && cap.buf[5] == 1 &&
        (size_t)(cap.buf[3] << 8 | cap.buf[4]) + 5 == cap.len)
        e = NB_OK;
out:
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_pkcs7_free(&p7);
    return e;
}

nb_err nb_crypto_selftest(const char **what)
{
    static const struct { const char *name; nb_err (*run)(void); } checks[] = {
        { "sha256 known answer", sha256_kat },
        { "cms/ecdsa-p256 signature", cms_kat },
        { "tls client hello", tls_hello },
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        *what = checks[i].name;
        if (checks[i].run() != NB_OK)
            return NB_E_CRYPTO_SELFTEST;
    }
    *what = "all";
    return NB_OK;
}
