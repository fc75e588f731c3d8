/* boot/digest_sink.c: the probe's digest follows a transfer's restarts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "boot/digest_sink.h"

static uint8_t file[5000];

static void sha256_of(const uint8_t *p, size_t n, uint8_t out[32])
{
    assert_int_equal(mbedtls_sha256(p, n, out, 0), 0);
}

/* Feed file[from, to) in pieces of `step` bytes. */
static nb_err feed(struct nb_digest_sink *s, size_t from, size_t to, size_t step)
{
    for (size_t o = from; o < to; o += step) {
        size_t n = to - o < step ? to - o : step;
        nb_err e = nb_digest_sink_write(s, o, file + o, n);
        if (e != NB_OK)
            return e;
    }
    return NB_OK;
}

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 7u + (i >> 8));
    return 0;
}

static void test_in_order(void **state)
{
    (void)state;
    struct nb_digest_sink s;
    uint8_t got[32], want[32];
    nb_digest_sink_init(&s);
    assert_int_equal(feed(&s, 0, sizeof file, 1468), NB_OK);
    nb_digest_sink_final(&s, got);
    sha256_of(file, sizeof file, want);
    assert_memory_equal(got, want, 32);
    assert_int_equal(s.starts, 1);
}

/* A TFTP restart: the first attempt ends mid-file, the second starts at 0
 * with other piece sizes (another server, another blksize) and completes. */
static void test_restart_from_zero(void **state)
{
    (void)state;
    struct nb_digest_sink s;
    uint8_t got[32], want[32];
    nb_digest_sink_init(&s);
    assert_int_equal(feed(&s, 0, 2936, 1468), NB_OK);
    assert_int_equal(feed(&s, 0, 1024, 512), NB_OK);   /* and a second restart */
    assert_int_equal(feed(&s, 0, sizeof file, 512), NB_OK);
    nb_digest_sink_final(&s, got);
    sha256_of(file, sizeof file, want);
    assert_memory_equal(got, want, 32);
    assert_int_equal(s.starts, 3);
    assert_int_equal(s.held, sizeof file);
}

/* Holes and repeats are refused: the digest never covers them. */
static void test_gaps_and_repeats(void **state)
{
    (void)state;
    struct nb_digest_sink s;
    uint8_t d[32];
    nb_digest_sink_init(&s);
    assert_int_equal(feed(&s, 0, 1000, 500), NB_OK);
    assert_int_equal(nb_digest_sink_write(&s, 1500, file + 1500, 10), NB_E_INVALID);
    assert_int_equal(nb_digest_sink_write(&s, 500, file + 500, 10), NB_E_INVALID);
    assert_int_equal(s.held, 1000);
    nb_digest_sink_final(&s, d);
    /* a write that does not start at 0 is refused as the first one too */
    nb_digest_sink_init(&s);
    assert_int_equal(nb_digest_sink_write(&s, 1, file + 1, 10), NB_E_INVALID);
    nb_digest_sink_final(&s, d);
}

/* An empty file: offset 0 with no bytes, possibly twice (a restart). */
static void test_empty(void **state)
{
    (void)state;
    struct nb_digest_sink s;
    uint8_t got[32], want[32];
    nb_digest_sink_init(&s);
    assert_int_equal(nb_digest_sink_write(&s, 0, NULL, 0), NB_OK);
    assert_int_equal(nb_digest_sink_write(&s, 0, NULL, 0), NB_OK);
    nb_digest_sink_final(&s, got);
    sha256_of(file, 0, want);
    assert_memory_equal(got, want, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_restart_from_zero),
        cmocka_unit_test(test_gaps_and_repeats),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
