/* HMAC_DRBG-SHA256 seeded from platform entropy (core/drbg.h). */
#include "core/drbg.h"
#include "core/log.h"
#include "platform/platform.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "psa/crypto.h"
#include <string.h>

/* Entropy input per (re)seed: 48 bytes, well above the 32 that 256-bit
 * security strength needs; mbedTLS adds half as much again as the nonce at
 * instantiation (72 bytes in all). */
#define SEED_LEN 48u

static mbedtls_hmac_drbg_context drbg;
static int drbg_ready;

/* NIST CAVS 14.3 HMAC_DRBG no-reseed, SHA-256, 256+128 bits, count 0:
 * entropy||nonce, no personalization, no additional input, two generate
 * calls; the second 128-byte output must match. */
static const uint8_t kat_seed[SEED_LEN] = {
    0xca, 0x85, 0x19, 0x11, 0x34, 0x93, 0x84, 0xbf, 0xfe, 0x89, 0xde, 0x1c,
    0xbd, 0xc4, 0x6e, 0x68, 0x31, 0xe4, 0x4d, 0x34, 0xa4, 0xfb, 0x93, 0x5e,
    0xe2, 0x85, 0xdd, 0x14, 0xb7, 0x1a, 0x74, 0x88, 0x65, 0x9b, 0xa9, 0x6c,
    0x60, 0x1d, 0xc6, 0x9f, 0xc9, 0x02, 0x94, 0x08, 0x05, 0xec, 0x0c, 0xa8,
};
static const uint8_t kat_out[128] = {
    0xe5, 0x28, 0xe9, 0xab, 0xf2, 0xde, 0xce, 0x54, 0xd4, 0x7c, 0x7e, 0x75,
    0xe5, 0xfe, 0x30, 0x21, 0x49, 0xf8, 0x17, 0xea, 0x9f, 0xb4, 0xbe, 0xe6,
    0xf4, 0x19, 0x96, 0x97, 0xd0, 0x4d, 0x5b, 0x89, 0xd5, 0x4f, 0xbb, 0x97,
    0x8a, 0x15, 0xb5, 0xc4, 0x43, 0xc9, 0xec, 0x21, 0x03, 0x6d, 0x24, 0x60,
    0xb6, 0xf7, 0x3e, 0xba, 0xd0, 0xdc, 0x2a, 0xba, 0x6e, 0x62, 0x4a, 0xbf,
    0x07, 0x74, 0x5b, 0xc1, 0x07, 0x69, 0x4b, 0xb7, 0x54, 0x7b, 0xb0, 0x99,
    0x5f, 0x70, 0xde, 0x25, 0xd6, 0xb2, 0x9e, 0x2d, 0x30, 0x11, 0xbb, 0x19,
    0xd2, 0x76, 0x76, 0xc0, 0x71, 0x62, 0xc8, 0xb5, 0xcc, 0xde, 0x06, 0x68,
    0x96, 0x1d, 0xf8, 0x68, 0x03, 0x48, 0x2c, 0xb3, 0x7e, 0xd6, 0xd5, 0xc0,
    0xbb, 0x8d, 0x50, 0xcf, 0x1f, 0x50, 0xd4, 0x76, 0xaa, 0x04, 0x58, 0xbd,
    0xab, 0xa8, 0x06, 0xf4, 0x8b, 0xe9, 0xdc, 0xb8,
};

static const mbedtls_md_info_t *sha256_info(void)
{
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

nb_err nb_drbg_selftest(void)
{
    mbedtls_hmac_drbg_context kat;
    uint8_t out[sizeof kat_out];
    int ok;
    mbedtls_hmac_drbg_init(&kat);
    ok = mbedtls_hmac_drbg_seed_buf(&kat, sha256_info(), kat_seed, sizeof kat_seed) == 0 &&
         mbedtls_hmac_drbg_random(&kat, out, sizeof out) == 0 &&
         mbedtls_hmac_drbg_random(&kat, out, sizeof out) == 0 &&
         memcmp(out, kat_out, sizeof out) == 0;
    mbedtls_hmac_drbg_free(&kat);
    return ok ? NB_OK : NB_E_DRBG_SELFTEST;
}

static unsigned seed_sources;

/* mbedTLS entropy callback for seeding and reseeding. */
static int entropy_cb(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    unsigned used = 0;
    nb_err e = plat_entropy(buf, len, &used);
    seed_sources |= used;
    return e == NB_OK ? 0 : -1;
}

nb_err nb_drbg_init(const void *personal, size_t len, unsigned *sources)
{
    if (drbg_ready)
        mbedtls_hmac_drbg_free(&drbg);
    drbg_ready = 0;
    seed_sources = 0;
    mbedtls_hmac_drbg_init(&drbg);
    mbedtls_hmac_drbg_set_entropy_len(&drbg, SEED_LEN);
    if (mbedtls_hmac_drbg_seed(&drbg, sha256_info(), entropy_cb, NULL,
                               personal, len) != 0) {
        mbedtls_hmac_drbg_free(&drbg); /* the md context seeding allocated */
        return NB_E_ENTROPY;
    }
    drbg_ready = 1;
    if (sources)
        *sources = seed_sources;
    return NB_OK;
}

nb_err nb_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    if (!drbg_ready)
        return NB_E_DRBG;
    while (len) {
        size_t n = len < MBEDTLS_HMAC_DRBG_MAX_REQUEST ? len : MBEDTLS_HMAC_DRBG_MAX_REQUEST;
        if (mbedtls_hmac_drbg_random(&drbg, p, n) != 0)
            return NB_E_DRBG;
        p += n;
        len -= n;
    }
    return NB_OK;
}

uint32_t nb_random_u32(void)
{
    uint32_t v;
    if (nb_random(&v, sizeof v) != NB_OK)
        nb_fatal_exit(NB_E_DRBG); /* never hand out predictable numbers */
    return v;
}

uint32_t nb_random_below(uint32_t bound)
{
    uint32_t limit = (uint32_t)(0u - bound) % bound; /* 2^32 mod bound */
    uint32_t v;
    do
        v = nb_random_u32();
    while (v < limit);
    return v % bound;
}

int nb_drbg_mbedtls_rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return nb_random(out, len) == NB_OK ? 0 : -1;
}

/* PSA's RNG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG) is this DRBG. */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    (void)ctx;
    if (nb_random(output, output_size) != NB_OK)
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *output_length = output_size;
    return PSA_SUCCESS;
}
