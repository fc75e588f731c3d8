/* boot/race.c: the ranking of measured sites, with and without a family
 * preference (the network half of the race is exercised in the QEMU lab:
 * scenarios 40, 42, 49, 53). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "boot/race.h"

/* A candidate that answered over family fam in rtt_us (0: not measured). */
static void site(struct nb_candidates *l, const char *base, int fam, uint64_t rtt_us, uint8_t weight, nb_err failed)
{
    struct nb_candidate *c = &l->c[l->n++];
    memset(c, 0, sizeof *c);
    strcpy(c->base, base);
    c->weight = weight;
    c->rtt_us = rtt_us;
    c->failed = failed;
    if (rtt_us)
        c->best = fam == 4 ? nb_ip4(198, 18, 254, 1) : (struct nb_ip){ .family = 6, .a = { 0xfd, 0x00, 0xb0, 0x07 } };
}

static void expect_order(const struct nb_candidates *l, int prefer, const unsigned *want, unsigned nwant)
{
    unsigned order[NB_MAX_CANDIDATES], n = 99;
    nb_race_rank(l, prefer, order, &n);
    assert_int_equal(n, nwant);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(order[i], want[i]);
}

static struct nb_candidates mixed(void)
{
    static struct nb_candidates l;
    memset(&l, 0, sizeof l);
    site(&l, "https://a6/", 6, 9000, 0, NB_OK);              /* 0: v6, 9 ms */
    site(&l, "https://failed/", 0, 0, 0, NB_E_CONN_REFUSED); /* 1: refused */
    site(&l, "https://b4/", 4, 2000, 0, NB_OK);              /* 2: v4, 2 ms */
    site(&l, "https://slow/", 0, 0, 0, NB_OK);               /* 3: no answer in time */
    site(&l, "https://c6/", 6, 2000, 0, NB_OK);              /* 4: v6, 2 ms */
    site(&l, "https://d4/", 4, 40000, 0, NB_OK);             /* 5: v4, 40 ms */
    return l;
}

static void test_race_nearest_whatever_family(void **state)
{
    (void)state;
    struct nb_candidates l = mixed();
    /* by time (a tie keeps the candidate order), then unmeasured, then failed */
    expect_order(&l, 0, (unsigned[]){ 2, 4, 0, 5, 3, 1 }, 6);
}

static void test_race_v4_first(void **state)
{
    (void)state;
    struct nb_candidates l = mixed();
    /* sites reached over IPv4 first (nearest first), then over IPv6, then the rest */
    expect_order(&l, 4, (unsigned[]){ 2, 5, 4, 0, 3, 1 }, 6);
}

static void test_race_v6_first(void **state)
{
    (void)state;
    struct nb_candidates l = mixed();
    expect_order(&l, 6, (unsigned[]){ 4, 0, 2, 5, 3, 1 }, 6);
}

static void test_race_weight_breaks_ties(void **state)
{
    (void)state;
    static struct nb_candidates l;
    memset(&l, 0, sizeof l);
    site(&l, "https://light/", 4, 5000, 1, NB_OK);
    site(&l, "https://heavy/", 4, 5000, 9, NB_OK);
    site(&l, "https://fast/", 4, 4999, 0, NB_OK);
    expect_order(&l, 0, (unsigned[]){ 2, 1, 0 }, 3);
}

static void test_race_nothing_measured(void **state)
{
    (void)state;
    static struct nb_candidates l;
    memset(&l, 0, sizeof l);
    expect_order(&l, 0, NULL, 0);
    site(&l, "https://x/", 0, 0, 0, NB_E_CONN_TIMEOUT);
    site(&l, "https://y/", 0, 0, 0, NB_OK);
    expect_order(&l, 6, (unsigned[]){ 1, 0 }, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_race_nearest_whatever_family),
        cmocka_unit_test(test_race_v4_first),
        cmocka_unit_test(test_race_v6_first),
        cmocka_unit_test(test_race_weight_breaks_ties),
        cmocka_unit_test(test_race_nothing_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
