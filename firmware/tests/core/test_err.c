/* core/err.c: every code has a sentence and a name; out of range is safe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "core/err.h"

/* The list itself, expanded here a second time, so the test walks exactly
 * the codes err_list.h declares. */
static const struct {
    nb_err code;
    const char *name;
    const char *sentence;
} all[] = {
#define NB_ERR(code, sentence) { code, #code, sentence },
#include "core/err_list.h"
#undef NB_ERR
};

static void test_every_code_has_sentence_and_name(void **state)
{
    (void)state;
    assert_int_equal(sizeof all / sizeof all[0], NB_E__COUNT);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        nb_err e = all[i].code;
        assert_int_equal(e, i); /* codes are dense from 0 */
        const char *s = nb_strerror(e), *n = nb_errname(e);
        assert_non_null(s);
        assert_non_null(n);
        assert_true(strlen(s) > 0);
        assert_string_equal(s, all[i].sentence);
        assert_string_equal(n, all[i].name);
        if (e == NB_OK)
            assert_string_equal(n, "NB_OK");
        else
            assert_memory_equal(n, "NB_E_", 5);
        /* Sentences are console text: printable ASCII, no trailing period. */
        for (const char *c = s; *c; c++)
            assert_true(*c >= 0x20 && *c < 0x7f);
        assert_true(s[strlen(s) - 1] != '.');
    }
}

static void test_names_and_sentences_unique(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NB_E__COUNT; i++)
        for (unsigned j = i + 1; j < NB_E__COUNT; j++) {
            assert_string_not_equal(nb_errname((nb_err)i), nb_errname((nb_err)j));
            assert_string_not_equal(nb_strerror((nb_err)i), nb_strerror((nb_err)j));
        }
}

static void test_known_values(void **state)
{
    (void)state;
    assert_string_equal(nb_strerror(NB_OK), "success");
    assert_string_equal(nb_errname(NB_E_TIMEOUT), "NB_E_TIMEOUT");
    assert_string_equal(nb_strerror(NB_E_TIMEOUT), "deadline passed with no answer");
    assert_string_equal(nb_errname(NB_E_CLOCK_BEFORE_FLOOR), "NB_E_CLOCK_BEFORE_FLOOR");
}

static void test_out_of_range(void **state)
{
    (void)state;
    const int bad[] = { NB_E__COUNT, NB_E__COUNT + 1, 1000, 0x7fffffff, -1, -1000 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nb_err e = (nb_err)bad[i];
        assert_string_equal(nb_strerror(e), "unknown error");
        assert_string_equal(nb_errname(e), "NB_E_UNKNOWN");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_sentence_and_name),
        cmocka_unit_test(test_names_and_sentences_unique),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
