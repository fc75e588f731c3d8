/* core/drbg.c: self-test, unseeded failure, a deterministic stream from
 * scripted entropy (checked against an independently seeded mbedTLS
 * HMAC_DRBG), nb_random_below, and the mbedTLS/PSA RNG hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "core/drbg.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "platform/host/host.h"
#include "platform/platform.h"
#include "psa/crypto.h"

/* nb_drbg_init asks mbedTLS for entropy_len = 48 bytes of entropy plus a
 * nonce of entropy_len / 2 = 24 bytes (two calls to the entropy source;
 * the host's scripted source hands out the first `len` bytes each time). */
#define ENTROPY_LEN 48u
#define NONCE_LEN 24u

static uint8_t entropy_a[64], entropy_b[64];
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + 37 * i);
}

/* What nb_drbg_init(personal) must produce from the scripted entropy e. */
static void ref_seed(mbedtls_hmac_drbg_context *ref, const uint8_t *e, const void *personal,
                     size_t plen)
{
    uint8_t material[ENTROPY_LEN + NONCE_LEN + 64];
    assert_true(plen <= 64);
    memcpy(material, e, ENTROPY_LEN);
    memcpy(material + ENTROPY_LEN, e, NONCE_LEN);
    if (plen)
        memcpy(material + ENTROPY_LEN + NONCE_LEN, personal, plen);
    mbedtls_hmac_drbg_init(ref);
    assert_int_equal(mbedtls_hmac_drbg_seed_buf(ref, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                                                material, ENTROPY_LEN + NONCE_LEN + plen),
                     0);
}

/* Reference output, split into requests exactly as nb_random splits them. */
static void ref_random(mbedtls_hmac_drbg_context *ref, uint8_t *out, size_t len)
{
    while (len) {
        size_t n = len < MBEDTLS_HMAC_DRBG_MAX_REQUEST ? len : MBEDTLS_HMAC_DRBG_MAX_REQUEST;
        assert_int_equal(mbedtls_hmac_drbg_random(ref, out, n), 0);
        out += n;
        len -= n;
    }
}

static int setup(void **state)
{
    (void)state;
    fill(entropy_a, sizeof entropy_a, 0x11);
    fill(entropy_b, sizeof entropy_b, 0x12);
    return 0;
}

/* Runs first: nothing has seeded the DRBG yet. */
static void test_unseeded_fails(void **state)
{
    (void)state;
    uint8_t buf[16] = { 0 }, zero[16] = { 0 };
    size_t olen = 99;
    assert_int_equal(nb_random(buf, sizeof buf), NB_E_DRBG);
    assert_int_equal(nb_drbg_mbedtls_rng(NULL, buf, sizeof buf), -1);
    assert_int_equal(mbedtls_psa_external_get_random(NULL, buf, sizeof buf, &olen),
                     PSA_ERROR_INSUFFICIENT_ENTROPY);
    assert_int_equal(olen, 99);
    assert_memory_equal(buf, zero, sizeof buf);
}

static void test_selftest_passes(void **state)
{
    (void)state;
    assert_int_equal(nb_drbg_selftest(), NB_OK);
    assert_int_equal(nb_drbg_selftest(), NB_OK); /* repeatable, no state */
}

static void test_deterministic_stream(void **state)
{
    (void)state;
    mbedtls_hmac_drbg_context ref;
    uint8_t got[3000], want[3000];
    unsigned sources = 0;

    host_fake_entropy(entropy_a, sizeof entropy_a);
    assert_int_equal(nb_drbg_init(mac, sizeof mac, &sources), NB_OK);
    assert_int_equal(sources, NB_ENTROPY_OS);
    ref_seed(&ref, entropy_a, mac, sizeof mac);

    /* small, odd-sized, and longer-than-one-request reads */
    static const size_t sizes[] = { 1, 7, 32, 1024, 1025, 3000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memset(got, 0, sizeof got);
        assert_int_equal(nb_random(got, sizes[i]), NB_OK);
        ref_random(&ref, want, sizes[i]);
        assert_memory_equal(got, want, sizes[i]);
    }
    assert_int_equal(nb_random(got, 0), NB_OK);

    /* mbedTLS's f_rng continues the same stream */
    assert_int_equal(nb_drbg_mbedtls_rng(NULL, got, 48), 0);
    ref_random(&ref, want, 48);
    assert_memory_equal(got, want, 48);
    mbedtls_hmac_drbg_free(&ref);
    host_fake_entropy(NULL, 0);
}

static void first_bytes(const uint8_t *entropy, const void *pers, size_t plen, uint8_t out[32])
{
    host_fake_entropy(entropy, 64);
    assert_int_equal(nb_drbg_init(pers, plen, NULL), NB_OK); /* sources may be NULL */
    assert_int_equal(nb_random(out, 32), NB_OK);
    host_fake_entropy(NULL, 0);
}

static void test_reinit_restarts_and_inputs_matter(void **state)
{
    (void)state;
    uint8_t a1[32], a2[32], b[32], p[32], none[32], want[32];
    static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
    first_bytes(entropy_a, mac, sizeof mac, a1);
    first_bytes(entropy_a, mac, sizeof mac, a2);
    first_bytes(entropy_b, mac, sizeof mac, b);
    first_bytes(entropy_a, other_mac, sizeof other_mac, p);
    first_bytes(entropy_a, NULL, 0, none);
    assert_memory_equal(a1, a2, 32);
    assert_memory_not_equal(a1, b, 32);
    assert_memory_not_equal(a1, p, 32);
    assert_memory_not_equal(a1, none, 32);

    mbedtls_hmac_drbg_context ref;
    ref_seed(&ref, entropy_a, NULL, 0);
    ref_random(&ref, want, 32);
    assert_memory_equal(none, want, 32);
    mbedtls_hmac_drbg_free(&ref);
}

static void test_short_entropy_fails_and_unseeds(void **state)
{
    (void)state;
    uint8_t buf[8];
    host_fake_entropy(entropy_a, sizeof entropy_a);
    assert_int_equal(nb_drbg_init(mac, sizeof mac, NULL), NB_OK);
    assert_int_equal(nb_random(buf, sizeof buf), NB_OK);

    /* One byte less than a seed: init fails, and the old state is gone. */
    host_fake_entropy(entropy_a, ENTROPY_LEN - 1);
    unsigned sources = 0x55;
    assert_int_equal(nb_drbg_init(mac, sizeof mac, &sources), NB_E_ENTROPY);
    assert_int_equal(sources, 0x55);
    assert_int_equal(nb_random(buf, sizeof buf), NB_E_DRBG);
    assert_int_equal(nb_drbg_mbedtls_rng(NULL, buf, sizeof buf), -1);

    /* Exactly ENTROPY_LEN is enough (the nonce is a shorter request). */
    host_fake_entropy(entropy_a, ENTROPY_LEN);
    assert_int_equal(nb_drbg_init(mac, sizeof mac, NULL), NB_OK);
    assert_int_equal(nb_random(buf, sizeof buf), NB_OK);
    host_fake_entropy(NULL, 0);
}

static void test_real_entropy_seeds(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    unsigned sources = 0;
    host_fake_entropy(NULL, 0); /* getrandom() */
    assert_int_equal(nb_drbg_init(NULL, 0, &sources), NB_OK);
    assert_int_equal(sources, NB_ENTROPY_OS);
    assert_int_equal(nb_random(a, sizeof a), NB_OK);
    assert_int_equal(nb_random(b, sizeof b), NB_OK);
    assert_memory_not_equal(a, b, sizeof a);
}

static uint32_t ref_u32(mbedtls_hmac_drbg_context *ref)
{
    uint32_t v;
    ref_random(ref, (uint8_t *)&v, sizeof v);
    return v;
}

/* The rejection sampler, step by step against the reference stream. */
static void test_random_below_exact(void **state)
{
    (void)state;
    mbedtls_hmac_drbg_context ref;
    host_fake_entropy(entropy_b, sizeof entropy_b);
    assert_int_equal(nb_drbg_init(mac, sizeof mac, NULL), NB_OK);
    ref_seed(&ref, entropy_b, mac, sizeof mac);

    static const uint32_t bounds[] = { 1, 2, 3, 6, 7, 10, 1000, 65537, 0x80000000u,
                                       0x80000001u, 0xfffffffeu, 0xffffffffu };
    unsigned rejected = 0;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
            uint32_t bound = bounds[i];
            uint64_t limit = ((uint64_t)1 << 32) % bound;
            uint32_t v;
            while ((v = ref_u32(&ref)) < limit)
                rejected++;
            uint32_t got = nb_random_below(bound);
            assert_true(got < bound);
            assert_int_equal(got, v % bound);
        }
    }
    /* bound 0x80000001 rejects almost half of all draws; make sure the loop
     * above really went through the rejection path. */
    assert_true(rejected > 50);
    mbedtls_hmac_drbg_free(&ref);
    host_fake_entropy(NULL, 0);
}

static void test_random_below_uniform(void **state)
{
    (void)state;
    enum { BINS = 6, N = 30000 };
    unsigned count[BINS] = { 0 };
    host_fake_entropy(entropy_a, sizeof entropy_a);
    assert_int_equal(nb_drbg_init(mac, sizeof mac, NULL), NB_OK);
    for (int i = 0; i < N; i++) {
        uint32_t v = nb_random_below(BINS);
        assert_true(v < BINS);
        count[v]++;
    }
    /* Deterministic stream, so no flakiness: chi-square with 5 degrees of
     * freedom under 20.5 (p = 0.001) and every bin within 5%. */
    double chi2 = 0;
    for (int b = 0; b < BINS; b++) {
        double d = (double)count[b] - N / BINS;
        chi2 += d * d / (N / BINS);
        assert_true(count[b] > N / BINS * 95 / 100 && count[b] < N / BINS * 105 / 100);
    }
    assert_true(chi2 < 20.5);

    /* bound 1: always 0; a large bound still covers the top half */
    int high = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(nb_random_below(1), 0);
        high += nb_random_below(0xc0000000u) >= 0x60000000u;
    }
    assert_true(high > 400 && high < 600);
    host_fake_entropy(NULL, 0);
}

static void test_psa_uses_drbg(void **state)
{
    (void)state;
    mbedtls_hmac_drbg_context ref;
    uint8_t got[64], want[64];
    size_t olen = 0;
    host_fake_entropy(entropy_b, sizeof entropy_b);
    assert_int_equal(nb_drbg_init(NULL, 0, NULL), NB_OK);
    ref_seed(&ref, entropy_b, NULL, 0);

    assert_int_equal(mbedtls_psa_external_get_random(NULL, got, 40, &olen), PSA_SUCCESS);
    assert_int_equal(olen, 40);
    ref_random(&ref, want, 40);
    assert_memory_equal(got, want, 40);

    /* through the PSA API itself */
    assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
    assert_int_equal(psa_generate_random(got, sizeof got), PSA_SUCCESS);
    ref_random(&ref, want, sizeof want);
    assert_memory_equal(got, want, sizeof got);
    mbedtls_psa_crypto_free();
    mbedtls_hmac_drbg_free(&ref);
    host_fake_entropy(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unseeded_fails),
        cmocka_unit_test(test_selftest_passes),
        cmocka_unit_test(test_deterministic_stream),
        cmocka_unit_test(test_reinit_restarts_and_inputs_matter),
        cmocka_unit_test(test_short_entropy_fails_and_unseeds),
        cmocka_unit_test(test_real_entropy_seeds),
        cmocka_unit_test(test_random_below_exact),
        cmocka_unit_test(test_random_below_uniform),
        cmocka_unit_test(test_psa_uses_drbg),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
