/*
 * nearboot's mbedTLS configuration.
 *
 * One configuration for both targets (the UEFI image and the host build), so
 * that the host tests and fuzzers exercise exactly the code paths that run in
 * the firmware. Freestanding: no file system, no sockets, no libc time, no
 * platform entropy. Memory comes from a caller-owned arena
 * (MBEDTLS_MEMORY_BUFFER_ALLOC_C), randomness from nearboot's DRBG through
 * PSA's external-RNG hook, time from nearboot's trusted clock.
 *
 * Scope: TLS 1.3 + TLS 1.2 client (ECDHE only), X25519/P-256/P-384,
 * ECDSA and RSA (PKCS#1 v1.5 + PSS) verify, AES-GCM and ChaCha20-Poly1305,
 * SHA-256/384/512, X.509, PKCS#7 (detached CMS SignedData for manifests).
 */
#ifndef NB_MBEDTLS_CONFIG_H
#define NB_MBEDTLS_CONFIG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* nearboot functions that the macros below name (core/fmt.c, core/clock.c,
 * core/log.c). */
int nb_snprintf(char *buf, size_t size, const char *fmt, ...);
int nb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int64_t nb_mbedtls_time(int64_t *t);
void nb_fatal_exit(int status) __attribute__((noreturn));

/* --- platform ------------------------------------------------------------ */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_UDBL_DIVISION        /* no __udivti3 on the PE target */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO   nb_snprintf
#define MBEDTLS_PLATFORM_VSNPRINTF_MACRO  nb_vsnprintf
#define MBEDTLS_PLATFORM_EXIT_MACRO       nb_fatal_exit /* arena corruption */
#define MBEDTLS_PLATFORM_TIME_TYPE_MACRO  int64_t
#define MBEDTLS_PLATFORM_TIME_MACRO       nb_mbedtls_time
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_DEPRECATED_REMOVED

/* --- primitives ---------------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM          /* ~6x faster ECDSA verify under TCG */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* --- encodings and certificates ----------------------------------------- */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CRL_PARSE_C         /* required by PKCS7_C */
#define MBEDTLS_PKCS7_C

/* --- TLS client ---------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384  /* a peer may send full records */
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096   /* we only send requests */

#endif
