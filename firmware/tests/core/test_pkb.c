/* core/pkb.c: the packet buffer pool — headroom and tailroom bounds of
 * push/put, pull/trim, reset of the metadata, exhaustion (NULL, never a
 * wait) and the free count. */
#include "testutil.h"
#include "core/pkb.h"

static void test_alloc_layout(void **state)
{
    (void)state;
    unsigned before = pkb_pool_free_count();
    assert_int_equal(before, PKB_POOL_SIZE);
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    assert_int_equal(pkb_pool_free_count(), before - 1);
    assert_ptr_equal(p->data, p->storage + PKB_HEADROOM);
    assert_int_equal(p->len, 0);
    assert_null(p->next);
    assert_null(p->nif);
    assert_int_equal(sizeof p->storage, PKB_HEADROOM + PKB_DATA_MAX);
    pkb_free(p);
    assert_int_equal(pkb_pool_free_count(), before);
}

static void test_push_bounds(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    uint8_t *w = pkb_put(p, 10);
    assert_non_null(w);
    memset(w, 0xaa, 10);
    uint8_t *h = pkb_push(p, 14);
    assert_ptr_equal(h, p->storage + PKB_HEADROOM - 14);
    assert_ptr_equal(p->data, h);
    assert_int_equal(p->len, 24);
    assert_int_equal(p->data[14], 0xaa); /* the payload stays where it was */
    /* all the rest of the headroom, exactly */
    h = pkb_push(p, PKB_HEADROOM - 14);
    assert_ptr_equal(h, p->storage);
    assert_int_equal(p->len, PKB_HEADROOM + 10);
    /* one more byte: NULL, and nothing changed */
    assert_null(pkb_push(p, 1));
    assert_ptr_equal(p->data, p->storage);
    assert_int_equal(p->len, PKB_HEADROOM + 10);
    pkb_free(p);

    p = pkb_alloc();
    assert_null(pkb_push(p, PKB_HEADROOM + 1)); /* more than the headroom at once */
    assert_ptr_equal(p->data, p->storage + PKB_HEADROOM);
    assert_int_equal(p->len, 0);
    assert_null(pkb_push(p, (size_t)-1)); /* no wrap-around */
    assert_int_equal(p->len, 0);
    pkb_free(p);
}

static void test_put_bounds(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    assert_non_null(pkb_put(p, PKB_DATA_MAX - 1));
    uint8_t *w = pkb_put(p, 1);
    assert_ptr_equal(w, p->storage + sizeof p->storage - 1);
    assert_int_equal(p->len, PKB_DATA_MAX);
    assert_null(pkb_put(p, 1));
    assert_int_equal(p->len, PKB_DATA_MAX);
    pkb_free(p);

    p = pkb_alloc();
    assert_null(pkb_put(p, PKB_DATA_MAX + 1));
    assert_int_equal(p->len, 0);
    assert_null(pkb_put(p, (size_t)-1));
    assert_int_equal(p->len, 0);
    /* room at the end is what the storage leaves after data+len: pulling
     * moves data forward and so uses up tailroom, pushing gives none back */
    assert_non_null(pkb_put(p, 100));
    pkb_pull(p, 40);
    assert_int_equal(p->len, 60);
    assert_ptr_equal(p->data, p->storage + PKB_HEADROOM + 40);
    assert_null(pkb_put(p, PKB_DATA_MAX - 100 + 1));
    assert_non_null(pkb_put(p, PKB_DATA_MAX - 100));
    assert_int_equal(p->len, 60 + PKB_DATA_MAX - 100);
    assert_non_null(pkb_push(p, 40 + PKB_HEADROOM));
    assert_null(pkb_put(p, 1));
    assert_int_equal(p->len, sizeof p->storage);
    pkb_free(p);
}

static void test_pull_trim(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    uint8_t *w = pkb_put(p, 60);
    for (int i = 0; i < 60; i++)
        w[i] = (uint8_t)i;
    pkb_pull(p, 14);
    assert_int_equal(p->len, 46);
    assert_int_equal(p->data[0], 14);
    pkb_pull(p, 46);
    assert_int_equal(p->len, 0);
    pkb_reset(p);
    w = pkb_put(p, 60);
    for (int i = 0; i < 60; i++)
        w[i] = (uint8_t)i;
    /* trim cuts (Ethernet padding), never extends */
    pkb_trim(p, 46);
    assert_int_equal(p->len, 46);
    pkb_trim(p, 46);
    assert_int_equal(p->len, 46);
    pkb_trim(p, 100);
    assert_int_equal(p->len, 46);
    pkb_trim(p, 0);
    assert_int_equal(p->len, 0);
    assert_ptr_equal(p->data, p->storage + PKB_HEADROOM);
    pkb_free(p);
}

static void test_reset_clears_metadata(void **state)
{
    (void)state;
    struct pkb *p = pkb_alloc();
    pkb_put(p, 30);
    pkb_pull(p, 10);
    p->family = 6;
    p->hop_limit = 255;
    p->l2_multicast = 1;
    memset(p->src, 0xab, sizeof p->src);
    memset(p->dst, 0xcd, sizeof p->dst);
    p->nif = (struct netif *)p; /* any non-NULL */
    p->next = p;
    pkb_reset(p);
    static const uint8_t zero[16];
    assert_ptr_equal(p->data, p->storage + PKB_HEADROOM);
    assert_int_equal(p->len, 0);
    assert_int_equal(p->family, 0);
    assert_int_equal(p->hop_limit, 0);
    assert_int_equal(p->l2_multicast, 0);
    assert_memory_equal(p->src, zero, 16);
    assert_memory_equal(p->dst, zero, 16);
    assert_null(p->nif);
    assert_null(p->next);
    pkb_free(p);
    /* a buffer that comes back from the pool is reset too */
    struct pkb *q = pkb_alloc();
    assert_ptr_equal(q, p); /* LIFO: the one just freed */
    assert_int_equal(q->family, 0);
    assert_int_equal(q->len, 0);
    pkb_free(q);
}

static void test_exhaustion_and_free_count(void **state)
{
    (void)state;
    static struct pkb *all[PKB_POOL_SIZE];
    unsigned start = pkb_pool_free_count();
    assert_int_equal(start, PKB_POOL_SIZE);
    for (unsigned i = 0; i < PKB_POOL_SIZE; i++) {
        all[i] = pkb_alloc();
        assert_non_null(all[i]);
        assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE - 1 - i);
        for (unsigned j = 0; j < i; j++)
            assert_ptr_not_equal(all[j], all[i]); /* every buffer is handed out once */
    }
    assert_null(pkb_alloc());
    assert_null(pkb_alloc());
    assert_int_equal(pkb_pool_free_count(), 0);
    pkb_free(all[7]);
    assert_int_equal(pkb_pool_free_count(), 1);
    struct pkb *again = pkb_alloc();
    assert_ptr_equal(again, all[7]);
    assert_null(pkb_alloc());
    pkb_free(NULL); /* a no-op, not a free buffer */
    assert_int_equal(pkb_pool_free_count(), 0);
    for (unsigned i = 0; i < PKB_POOL_SIZE; i++)
        pkb_free(all[i]);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_layout),
        cmocka_unit_test(test_push_bounds),
        cmocka_unit_test(test_put_bounds),
        cmocka_unit_test(test_pull_trim),
        cmocka_unit_test(test_reset_clears_metadata),
        cmocka_unit_test(test_exhaustion_and_free_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
