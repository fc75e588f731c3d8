/* core/log.c: console lines (prefix, warning, error), the ring buffer, and
 * truncation of long lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "platform/host/host.h"

/* core/log.c's sizes: a 16 KiB ring, 512-byte lines (at most 510
 * characters of text and prefix, the '\n', the NUL). */
#define RING 16384u
#define LINE_MAX_OUT 511u
#define PREFIX_LEN 11u /* "[   0.000] " */

static char cap[64 * 1024];

static int setup_each(void **state)
{
    (void)state;
    host_console_capture(cap, sizeof cap);
    return 0;
}

static int teardown_each(void **state)
{
    (void)state;
    host_console_capture(NULL, 0);
    return 0;
}

/* "[ssss.mmm] " with seconds right-aligned in 4 and 3 digits of ms. */
static void expect_prefix(const char *line, unsigned max_seconds)
{
    assert_true(strlen(line) >= PREFIX_LEN);
    assert_int_equal(line[0], '[');
    unsigned s = 0;
    int seen_digit = 0;
    for (int i = 1; i <= 4; i++) {
        if (line[i] == ' ') {
            assert_false(seen_digit);
            continue;
        }
        assert_true(line[i] >= '0' && line[i] <= '9');
        seen_digit = 1;
        s = s * 10 + (unsigned)(line[i] - '0');
    }
    assert_true(seen_digit);
    assert_true(s <= max_seconds);
    assert_int_equal(line[5], '.');
    for (int i = 6; i <= 8; i++)
        assert_true(line[i] >= '0' && line[i] <= '9');
    assert_memory_equal(line + 9, "] ", 2);
}

/* Runs first: nothing has been logged in this process. */
static void test_copy_empty(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'x', sizeof out);
    assert_int_equal(nb_log_copy(out, sizeof out), 0);
    assert_int_equal(out[0], 0);
    out[0] = 'x';
    assert_int_equal(nb_log_copy(out, 0), 0);
    assert_int_equal(out[0], 'x');
}

static void test_say_prefix(void **state)
{
    (void)state;
    nb_log_start();
    nb_say("hello %d from %s", 42, "nearboot");
    assert_int_equal(strlen(cap), PREFIX_LEN + strlen("hello 42 from nearboot\n"));
    expect_prefix(cap, 0); /* just started: "[   0.xxx] " */
    assert_memory_equal(cap, "[   0.", 6);
    assert_string_equal(cap + PREFIX_LEN, "hello 42 from nearboot\n");

    nb_say("second");
    const char *l2 = strchr(cap, '\n') + 1;
    expect_prefix(l2, 0);
    assert_string_equal(l2 + PREFIX_LEN, "second\n");

    nb_say("%s", "");
    const char *l3 = strchr(l2, '\n') + 1;
    expect_prefix(l3, 0);
    assert_string_equal(l3 + PREFIX_LEN, "\n");
}

static void test_warn(void **state)
{
    (void)state;
    nb_log_start();
    nb_warn("clock: %s", "not set");
    expect_prefix(cap, 0);
    assert_string_equal(cap + PREFIX_LEN, "warning: clock: not set\n");
}

static void test_fail_returns_error_and_says_why(void **state)
{
    (void)state;
    nb_log_start();
    assert_int_equal(nb_fail(NB_E_TIMEOUT, "tftp %s", "boot.efi"), NB_E_TIMEOUT);
    expect_prefix(cap, 0);
    assert_string_equal(cap + PREFIX_LEN,
                        "error: tftp boot.efi: deadline passed with no answer (NB_E_TIMEOUT)\n");

    host_console_capture(cap, sizeof cap);
    assert_int_equal(nb_fail(NB_E_CLOCK_BEFORE_FLOOR, "clock"), NB_E_CLOCK_BEFORE_FLOOR);
    assert_string_equal(cap + PREFIX_LEN,
                        "error: clock: the real-time clock is earlier than the trusted floor "
                        "(build time); set the clock (NB_E_CLOCK_BEFORE_FLOOR)\n");

    host_console_capture(cap, sizeof cap);
    assert_int_equal(nb_fail((nb_err)999, "odd"), (nb_err)999);
    assert_string_equal(cap + PREFIX_LEN, "error: odd: unknown error (NB_E_UNKNOWN)\n");
}

static void say_n_chars(size_t n, char c)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = 0;
    host_console_capture(cap, sizeof cap);
    nb_say("%s", s);
    free(s);
}

static void test_long_lines_truncated(void **state)
{
    (void)state;
    /* Fits exactly: 11 + 499 characters, '\n'. */
    say_n_chars(LINE_MAX_OUT - 1 - PREFIX_LEN, 'a');
    assert_int_equal(strlen(cap), LINE_MAX_OUT);
    assert_int_equal(cap[LINE_MAX_OUT - 1], '\n');
    assert_int_equal(strspn(cap + PREFIX_LEN, "a"), LINE_MAX_OUT - 1 - PREFIX_LEN);

    /* One more, and much more: cut to the same length, '\n' kept. */
    static const size_t longer[] = { LINE_MAX_OUT - PREFIX_LEN, 512, 513, 2000, 100000 };
    for (size_t i = 0; i < sizeof longer / sizeof longer[0]; i++) {
        say_n_chars(longer[i], 'b');
        assert_int_equal(strlen(cap), LINE_MAX_OUT);
        assert_int_equal(cap[LINE_MAX_OUT - 1], '\n');
        assert_int_equal(strspn(cap + PREFIX_LEN, "b"), LINE_MAX_OUT - 1 - PREFIX_LEN);
        expect_prefix(cap, 9999);
    }

    /* nb_fail with a long "what": cut, still one well-formed line */
    char what[1000];
    memset(what, 'w', sizeof what - 1);
    what[sizeof what - 1] = 0;
    host_console_capture(cap, sizeof cap);
    assert_int_equal(nb_fail(NB_E_IO, "%s", what), NB_E_IO);
    assert_int_equal(strlen(cap), LINE_MAX_OUT);
    assert_memory_equal(cap + PREFIX_LEN, "error: www", 10);
    assert_int_equal(cap[LINE_MAX_OUT - 1], '\n');
    assert_ptr_equal(strchr(cap, '\n'), cap + LINE_MAX_OUT - 1); /* one line */

    /* nb_warn's prefix counts against the same budget */
    host_console_capture(cap, sizeof cap);
    nb_warn("%s", what);
    assert_int_equal(strlen(cap), LINE_MAX_OUT);
    assert_memory_equal(cap + PREFIX_LEN, "warning: www", 12);
}

/* The ring keeps the newest RING bytes, exactly what went to the console. */
static void test_ring_keeps_newest(void **state)
{
    (void)state;
    nb_log_start();
    for (int i = 0; i < 1200; i++)
        nb_say("ring line %04d: %.*s", i, i % 37, "abcdefghijklmnopqrstuvwxyz0123456789-");
    size_t total = strlen(cap);
    assert_true(total > 2 * RING);
    assert_true(total < sizeof cap - 1); /* the capture itself did not overflow */

    static char out[RING + 100];
    memset(out, 'x', sizeof out);
    assert_int_equal(nb_log_copy(out, sizeof out), RING);
    assert_int_equal(out[RING], 0);
    assert_memory_equal(out, cap + total - RING, RING);
    assert_true(strstr(out, "ring line 1199: abcdefghijklmno\n") != NULL);
    assert_null(strstr(out, "ring line 0000"));

    /* Exactly RING + 1: the whole ring. */
    memset(out, 'x', sizeof out);
    assert_int_equal(nb_log_copy(out, RING + 1), RING);
    assert_memory_equal(out, cap + total - RING, RING);

    /* A small buffer gets the newest size - 1 bytes. */
    char small[100];
    assert_int_equal(nb_log_copy(small, sizeof small), 99);
    assert_int_equal(small[99], 0);
    assert_memory_equal(small, cap + total - 99, 99);
    char one[1] = { 'x' };
    assert_int_equal(nb_log_copy(one, 1), 0);
    assert_int_equal(one[0], 0);

    /* And it keeps going after wrapping many times. */
    host_console_capture(cap, sizeof cap);
    nb_say("after the wrap");
    assert_int_equal(nb_log_copy(small, sizeof small), 99);
    assert_int_equal(strcmp(small + 99 - strlen(cap), cap), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_empty, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_say_prefix, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_warn, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_fail_returns_error_and_says_why, setup_each,
                                        teardown_each),
        cmocka_unit_test_setup_teardown(test_long_lines_truncated, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_ring_keeps_newest, setup_each, teardown_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
