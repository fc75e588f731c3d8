/*
 * The DRBG: HMAC_DRBG (NIST SP 800-90A) with SHA-256, from mbedTLS, seeded
 * from the platform's entropy sources. Everything random in nearboot comes
 * from here: DHCP xids, DNS ids, ephemeral ports, TCP ISN secrets, TLS.
 */
#ifndef NB_DRBG_H
#define NB_DRBG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* Known-answer test against a NIST CAVP vector. Run before seeding. */
nb_err nb_drbg_selftest(void);

/* Seed from plat_entropy; *sources receives the NB_ENTROPY_* bits used.
 * personal/len: optional personalization (e.g. the NIC's MAC). */
nb_err nb_drbg_init(const void *personal, size_t len, unsigned *sources);

/* Random bytes. Fails (never returns predictable bytes) if not seeded. */
nb_err nb_random(void *buf, size_t len);
uint32_t nb_random_u32(void);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint32_t nb_random_below(uint32_t bound);

/* The f_rng callback shape mbedTLS wants (ctx unused). */
int nb_drbg_mbedtls_rng(void *ctx, unsigned char *out, size_t len);

#endif
