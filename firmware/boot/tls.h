/*
 * TLS client policy (mbedTLS glue): which versions, suites and groups
 * nearboot offers. One place, so the self-test, the HTTPS client and the
 * documentation agree. TLS 1.3 preferred, TLS 1.2 with ECDHE only (no
 * static-RSA key exchange), AES-GCM and ChaCha20-Poly1305, X25519 and P-256
 * (P-384 accepted for server keys), server certificates ECDSA or RSA.
 */
#ifndef NB_TLS_H
#define NB_TLS_H
#include "core/err.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

/* Fill conf with nearboot's client policy, trusting only ca (never NULL:
 * trust anchors come from the embedded config, never from the network). */
nb_err nb_tls_client_config(mbedtls_ssl_config *conf, mbedtls_x509_crt *ca);

#endif
