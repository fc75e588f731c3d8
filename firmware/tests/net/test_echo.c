/* net/echo.c: the ring of echo requests in flight behind ICMPv4's and
 * ICMPv6's ping — round-trip times from the clock, only the first matching
 * reply counts, replies nobody asked for are ignored, and the ninth request
 * takes the oldest slot. (test_icmp4 and test_icmp6 check the same through
 * the protocols.) */
#include "testutil.h"
#include "net/echo.h"
#include "platform/host/host.h"

static uint64_t now_us;
static void clock_at(uint64_t us) { host_fake_now_us(now_us = us); }
static void clock_on(uint64_t us) { clock_at(now_us + us); }

static void test_rtt_of_the_first_reply(void **state)
{
    (void)state;
    struct echo_ring r = { 0 };
    clock_at(1000000);
    echo_ring_sent(&r, 0xcafe, 9);
    assert_int_equal(echo_ring_rtt(&r, 0xcafe, 9), 0);
    clock_on(1500);
    echo_ring_reply(&r, 0xcafe, 9);
    assert_int_equal(echo_ring_rtt(&r, 0xcafe, 9), 1500);
    clock_on(5000); /* a duplicate later changes nothing */
    echo_ring_reply(&r, 0xcafe, 9);
    assert_int_equal(echo_ring_rtt(&r, 0xcafe, 9), 1500);
}

static void test_reply_in_the_same_microsecond(void **state)
{
    (void)state;
    struct echo_ring r = { 0 };
    clock_at(2000000);
    echo_ring_sent(&r, 1, 1);
    echo_ring_reply(&r, 1, 1);
    assert_int_equal(echo_ring_rtt(&r, 1, 1), 1); /* answered, at the smallest time */
}

static void test_replies_nobody_asked_for(void **state)
{
    (void)state;
    struct echo_ring r = { 0 };
    clock_at(3000000);
    echo_ring_reply(&r, 0, 0); /* an empty ring's zeroed slots are not requests */
    assert_int_equal(echo_ring_rtt(&r, 0, 0), 0);
    echo_ring_sent(&r, 0x4242, 3);
    clock_on(700);
    echo_ring_reply(&r, 0x4242, 4);
    echo_ring_reply(&r, 0x4243, 3);
    assert_int_equal(echo_ring_rtt(&r, 0x4242, 3), 0);
    assert_int_equal(echo_ring_rtt(&r, 0x4242, 4), 0);
    assert_int_equal(echo_ring_rtt(&r, 0x4243, 3), 0);
}

static void test_newest_request_takes_the_oldest_slot(void **state)
{
    (void)state;
    struct echo_ring r = { 0 };
    clock_at(4000000);
    for (uint16_t seq = 1; seq <= ECHO_RING_SLOTS + 1; seq++)
        echo_ring_sent(&r, 7, seq);
    clock_on(250);
    for (uint16_t seq = 1; seq <= ECHO_RING_SLOTS + 1; seq++)
        echo_ring_reply(&r, 7, seq);
    assert_int_equal(echo_ring_rtt(&r, 7, 1), 0); /* forgotten */
    for (uint16_t seq = 2; seq <= ECHO_RING_SLOTS + 1; seq++)
        assert_int_equal(echo_ring_rtt(&r, 7, seq), 250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtt_of_the_first_reply),
        cmocka_unit_test(test_reply_in_the_same_microsecond),
        cmocka_unit_test(test_replies_nobody_asked_for),
        cmocka_unit_test(test_newest_request_takes_the_oldest_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
