/*
 * Cryptographic power-on self-test: before nearboot trusts its crypto to
 * decide what to boot, it checks it on this very machine. SHA-256 known
 * answer; a detached CMS SignedData (the manifest signature format) parsed
 * and its ECDSA P-256 signature verified, then rejected with one flipped
 * message byte; and a TLS client built from nearboot's policy produces a
 * well-formed ClientHello (exercising PSA key generation on the DRBG).
 */
#ifndef NB_CRYPTO_SELFTEST_H
#define NB_CRYPTO_SELFTEST_H
#include "core/err.h"

/* On failure, *what names the failing check. */
nb_err nb_crypto_selftest(const char **what);

#endif
