/* core/timer.c: the sorted timer list — firing order (ties in arming
 * order), only what is due, re-arming moves a timer, cancel, callbacks that
 * arm/cancel timers, nb_timers_next, and nb_timer_arm relative to the
 * (fake) monotonic clock. */
#include "testutil.h"
#include "core/clock.h"
#include "core/timer.h"
#include "platform/host/host.h"

#define T0 5000000000ull /* a fake "now" (never 0: 0 means the real clock) */

static char fired[64];
static unsigned nfired;
static struct nb_timer ta, tb, tc, td;
static uint64_t fired_at[64];
static uint64_t run_now; /* the now handed to nb_timers_run */

static char name_of(struct nb_timer *t)
{
    return t == &ta ? 'a' : t == &tb ? 'b' : t == &tc ? 'c' : t == &td ? 'd' : '?';
}

static void record(struct nb_timer *t)
{
    assert_true(nfired < sizeof fired - 1);
    assert_int_equal(t->armed, 0); /* disarmed before its callback runs */
    fired_at[nfired] = t->deadline_us;
    fired[nfired++] = name_of(t);
    fired[nfired] = 0;
}

static int setup(void **state)
{
    (void)state;
    /* drain anything a previous test left armed */
    nb_timer_cancel(&ta), nb_timer_cancel(&tb), nb_timer_cancel(&tc), nb_timer_cancel(&td);
    assert_int_equal(nb_timers_next(), UINT64_MAX);
    nb_timer_init(&ta, record);
    nb_timer_init(&tb, record);
    nb_timer_init(&tc, record);
    nb_timer_init(&td, record);
    nfired = 0;
    fired[0] = 0;
    host_fake_now_us(T0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nb_timer_cancel(&ta), nb_timer_cancel(&tb), nb_timer_cancel(&tc), nb_timer_cancel(&td);
    host_fake_now_us(0);
    return 0;
}

static void test_init_and_empty(void **state)
{
    (void)state;
    assert_int_equal(ta.armed, 0);
    assert_ptr_equal(ta.fn, record);
    assert_int_equal(nb_timers_next(), UINT64_MAX);
    assert_int_equal(nb_timers_run(T0 + 1000000000ull), UINT64_MAX);
    assert_int_equal(nfired, 0);
}

static void test_order_and_only_due(void **state)
{
    (void)state;
    nb_timer_arm_at(&tc, T0 + 300);
    nb_timer_arm_at(&ta, T0 + 100);
    nb_timer_arm_at(&tb, T0 + 200);
    assert_true(ta.armed && tb.armed && tc.armed);
    assert_int_equal(nb_timers_next(), T0 + 100);
    /* not yet due: nothing fires, the next deadline comes back */
    assert_int_equal(nb_timers_run(T0 + 99), T0 + 100);
    assert_int_equal(nfired, 0);
    /* exactly at the deadline: due */
    assert_int_equal(nb_timers_run(T0 + 100), T0 + 200);
    assert_string_equal(fired, "a");
    assert_int_equal(nb_timers_run(T0 + 1000), UINT64_MAX);
    assert_string_equal(fired, "abc");
    assert_int_equal(fired_at[1], T0 + 200);
    assert_int_equal(fired_at[2], T0 + 300);
    assert_false(ta.armed || tb.armed || tc.armed);
    /* fired timers are one-shot */
    assert_int_equal(nb_timers_run(T0 + 2000), UINT64_MAX);
    assert_int_equal(nfired, 3);
}

static void test_equal_deadlines_fire_in_arming_order(void **state)
{
    (void)state;
    nb_timer_arm_at(&tb, T0 + 50);
    nb_timer_arm_at(&td, T0 + 50);
    nb_timer_arm_at(&ta, T0 + 50);
    nb_timer_arm_at(&tc, T0 + 10);
    nb_timers_run(T0 + 50);
    assert_string_equal(fired, "cbda");
}

static void test_rearm_moves(void **state)
{
    (void)state;
    nb_timer_arm_at(&ta, T0 + 100);
    nb_timer_arm_at(&tb, T0 + 200);
    nb_timer_arm_at(&ta, T0 + 300); /* later: b is now first */
    assert_int_equal(nb_timers_next(), T0 + 200);
    nb_timers_run(T0 + 250);
    assert_string_equal(fired, "b");
    nb_timer_arm_at(&tb, T0 + 400);
    nb_timer_arm_at(&tb, T0 + 260); /* earlier again */
    assert_int_equal(nb_timers_next(), T0 + 260);
    nb_timers_run(T0 + 1000);
    assert_string_equal(fired, "bba"); /* each fired once: no duplicate list entries */
    assert_int_equal(fired_at[1], T0 + 260);
    /* re-arming the same deadline many times leaves one entry */
    for (int i = 0; i < 10; i++)
        nb_timer_arm_at(&tc, T0 + 2000);
    nb_timers_run(T0 + 3000);
    assert_string_equal(fired, "bbac");
}

static void test_arm_relative_to_now(void **state)
{
    (void)state;
    nb_timer_arm(&ta, 1500);
    assert_int_equal(ta.deadline_us, T0 + 1500);
    host_fake_now_us(T0 + 1000);
    nb_timer_arm(&tb, 100); /* T0 + 1100: before a */
    assert_int_equal(nb_timers_next(), T0 + 1100);
    nb_timer_arm(&tb, 0); /* due now */
    assert_int_equal(nb_timers_run(nb_now_us()), T0 + 1500);
    assert_string_equal(fired, "b");
}

static void test_cancel(void **state)
{
    (void)state;
    nb_timer_arm_at(&ta, T0 + 100);
    nb_timer_arm_at(&tb, T0 + 200);
    nb_timer_arm_at(&tc, T0 + 300);
    nb_timer_cancel(&tb); /* from the middle */
    assert_false(tb.armed);
    assert_null(tb.next);
    nb_timer_cancel(&tb); /* twice: no-op */
    nb_timer_cancel(&td); /* never armed: no-op */
    nb_timer_cancel(&ta); /* the head */
    assert_int_equal(nb_timers_next(), T0 + 300);
    nb_timer_cancel(&tc); /* the last */
    assert_int_equal(nb_timers_next(), UINT64_MAX);
    nb_timers_run(T0 + 1000);
    assert_int_equal(nfired, 0);
    /* a cancelled timer can be armed again */
    nb_timer_arm_at(&tb, T0 + 10);
    nb_timers_run(T0 + 1000);
    assert_string_equal(fired, "b");
}

/* ---- callbacks that touch the list ---- */

static int chain_left;

static void chain_fn(struct nb_timer *t)
{
    record(t);
    if (chain_left-- > 0)
        nb_timer_arm_at(t, t->deadline_us + 100); /* re-arm itself, later */
}

static void arm_other_due(struct nb_timer *t)
{
    record(t);
    nb_timer_arm_at(&tc, run_now);          /* due in this same run */
    nb_timer_arm_at(&td, run_now + 1);      /* not due yet */
}

static void cancel_other(struct nb_timer *t)
{
    record(t);
    nb_timer_cancel(&tb); /* b was due in this run too */
}

static void test_callbacks_arm_and_cancel(void **state)
{
    (void)state;
    /* a periodic timer: it re-arms itself; each run fires what is due only */
    nb_timer_init(&ta, chain_fn);
    chain_left = 5;
    nb_timer_arm_at(&ta, T0 + 100);
    assert_int_equal(nb_timers_run(T0 + 250), T0 + 300);
    assert_string_equal(fired, "aa");
    assert_int_equal(nb_timers_run(T0 + 10000), UINT64_MAX);
    assert_string_equal(fired, "aaaaaa");
    assert_int_equal(fired_at[5], T0 + 600);

    /* a callback arming another timer already due: it fires in the same run */
    nfired = 0, fired[0] = 0;
    nb_timer_init(&ta, arm_other_due);
    run_now = T0 + 20000;
    nb_timer_arm_at(&ta, T0 + 15000);
    assert_int_equal(nb_timers_run(run_now), run_now + 1);
    assert_string_equal(fired, "ac");
    assert_true(td.armed);
    nb_timers_run(run_now + 1);
    assert_string_equal(fired, "acd");

    /* a callback cancelling another due timer: that one does not fire */
    nfired = 0, fired[0] = 0;
    nb_timer_init(&ta, cancel_other);
    nb_timer_arm_at(&ta, T0 + 30000);
    nb_timer_arm_at(&tb, T0 + 30001);
    nb_timer_arm_at(&tc, T0 + 30002);
    assert_int_equal(nb_timers_run(T0 + 40000), UINT64_MAX);
    assert_string_equal(fired, "ac");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_only_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_deadlines_fire_in_arming_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rearm_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arm_relative_to_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_arm_and_cancel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
