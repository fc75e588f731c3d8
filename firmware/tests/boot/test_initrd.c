/* boot/initrd.c: which verified buffer is the entry's initrd, and the
 * query-then-copy reads the platform serves it with (LoadFile2 on UEFI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "boot/initrd.h"

#define H64 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define HEAD "nearboot-manifest 1\nserial 1\nnot-after 2030-01-01T00:00:00Z\nentry vmlinuz 8 " H64 "\n"

static struct nb_manifest m;
static uint8_t bytes[3][8];
static const uint8_t *held[NB_MANIFEST_MAX_ARTIFACTS];
static uint64_t held_len[NB_MANIFEST_MAX_ARTIFACTS];

static void parse(const char *s)
{
    assert_int_equal(nb_manifest_parse((const uint8_t *)s, strlen(s), &m, NULL), NB_OK);
    memset(held, 0, sizeof held);
    memset(held_len, 0, sizeof held_len);
    for (unsigned k = 0; k < m.nartifacts; k++) {
        memset(bytes[k], 'a' + (int)k, sizeof bytes[k]);
        held[k] = bytes[k];
        held_len[k] = m.artifacts[k].size;
    }
}

static void test_select(void **state)
{
    (void)state;
    struct nb_initrd rd;
    /* no initrd line: nothing is offered, however many artifacts */
    parse(HEAD "artifact initrd.img 8 " H64 "\n");
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_OK);
    assert_null(rd.p);
    /* the initrd line's artifact, not the entry, not another artifact */
    parse(HEAD "artifact extra 4 " H64 "\ninitrd initrd.img 8 " H64 "\n");
    assert_int_equal(m.initrd, 2);
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_OK);
    assert_ptr_equal(rd.p, bytes[2]);
    assert_int_equal(rd.len, 8);
    assert_string_equal(rd.path, "initrd.img");
    /* not verified, or not whole: refused, nothing handed out */
    held[2] = NULL;
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_E_INVALID);
    assert_null(rd.p);
    held[2] = bytes[2];
    held_len[2] = 7;
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_E_INVALID);
    assert_null(rd.p);
    /* a manifest value the parser never makes is refused too */
    held_len[2] = 8;
    m.initrd = m.nartifacts;
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_E_INVALID);
}

static void test_read(void **state)
{
    (void)state;
    struct nb_initrd rd;
    uint8_t out[16];
    uint64_t size;
    parse(HEAD "initrd initrd.img 8 " H64 "\n");
    assert_int_equal(nb_initrd_select(&m, held, held_len, &rd), NB_OK);
    /* the size query: no buffer */
    size = 0;
    assert_int_equal(nb_initrd_read(&rd, NULL, &size), NB_E_TOO_BIG);
    assert_int_equal(size, 8);
    size = 100;
    assert_int_equal(nb_initrd_read(&rd, NULL, &size), NB_E_TOO_BIG);
    assert_int_equal(size, 8);
    /* one byte short: nothing copied, the size said */
    memset(out, 0xee, sizeof out);
    size = 7;
    assert_int_equal(nb_initrd_read(&rd, out, &size), NB_E_TOO_BIG);
    assert_int_equal(size, 8);
    assert_int_equal(out[0], 0xee);
    /* exactly enough, and more than enough: the whole initrd, the size exact */
    size = 8;
    assert_int_equal(nb_initrd_read(&rd, out, &size), NB_OK);
    assert_int_equal(size, 8);
    assert_memory_equal(out, bytes[1], 8);
    memset(out, 0xee, sizeof out);
    size = sizeof out;
    assert_int_equal(nb_initrd_read(&rd, out, &size), NB_OK);
    assert_int_equal(size, 8);
    assert_memory_equal(out, bytes[1], 8);
    assert_int_equal(out[8], 0xee);
    /* no initrd: not found */
    memset(&rd, 0, sizeof rd);
    size = sizeof out;
    assert_int_equal(nb_initrd_read(&rd, out, &size), NB_E_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
