/* TLS client policy (boot/tls.h). */
#include "boot/tls.h"
#include "core/drbg.h"
#include "psa/crypto.h"

/* ChaCha20-Poly1305 first: the image has no AES instructions (no AESNI_C;
 * the firmware is built -mgeneral-regs-only), and in software it is ~2x
 * faster than AES-GCM (mbedTLS 3.6, -O2, 16 KiB records: 209 vs 97 MB/s)
 * and constant-time, where table-driven AES is not. Servers that follow the
 * client's order (nginx/OpenSSL by default) pick it. */
static const int client_suites[] = {
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

static const uint16_t client_groups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};

static const char *alpn[] = { "http/1.1", NULL };

nb_err nb_tls_client_config(mbedtls_ssl_config *conf, mbedtls_x509_crt *ca)
{
    if (!ca)
        return NB_E_INVALID;
    if (psa_crypto_init() != PSA_SUCCESS)
        return NB_E_TLS_SETUP;
    mbedtls_ssl_config_init(conf);
    if (mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return NB_E_TLS_SETUP;
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(conf, client_suites);
    mbedtls_ssl_conf_groups(conf, client_groups);
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(conf, ca, NULL);
    mbedtls_ssl_conf_rng(conf, nb_drbg_mbedtls_rng, NULL);
    if (mbedtls_ssl_conf_alpn_protocols(conf, alpn) != 0)
        return NB_E_TLS_SETUP;
    return NB_OK;
}
