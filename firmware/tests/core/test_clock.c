/* core/clock.c: calendar conversion against the host's gmtime_r/timegm,
 * the trusted-time floor, and the mbedTLS time hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "mbedtls/platform_util.h"
#include "nb_version.h"
#include "platform/host/host.h"

static void expect_same_as_gmtime(int64_t t)
{
    struct nb_civil c;
    struct tm tm;
    time_t tt = (time_t)t;
    assert_non_null(gmtime_r(&tt, &tm));
    nb_civil_from_unix(t, &c);
    if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
        c.hour != tm.tm_hour || c.minute != tm.tm_min || c.second != tm.tm_sec ||
        c.weekday != tm.tm_wday || c.yearday != tm.tm_yday) {
        print_error("t=%lld: nb %04d-%02d-%02d %02d:%02d:%02d wd %d yd %d, "
                    "libc %04d-%02d-%02d %02d:%02d:%02d wd %d yd %d\n",
                    (long long)t, c.year, c.month, c.day, c.hour, c.minute, c.second,
                    c.weekday, c.yearday, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday);
        fail();
    }
    /* and back */
    assert_int_equal(nb_unix_from_civil(c.year, c.month, c.day, c.hour, c.minute, c.second), t);
    assert_int_equal((int64_t)timegm(&tm), t);
}

/* Every day from 1970 to 2400, each at a different time of day. */
static void test_every_day_1970_2400(void **state)
{
    (void)state;
    int64_t end = nb_unix_from_civil(2401, 1, 1, 0, 0, 0);
    assert_int_equal(end, 13601088000LL);
    int64_t n = 0;
    for (int64_t day = 0; day * 86400 < end; day++, n++) {
        int64_t tod = (day * 7919) % 86400;
        expect_same_as_gmtime(day * 86400 + tod);
    }
    assert_int_equal(n, 157420); /* 431 years, 105 leap days */
    expect_same_as_gmtime(0);
    expect_same_as_gmtime(end - 1);
}

/* The whole documented range, sparser. */
static void test_range_to_9999(void **state)
{
    (void)state;
    int64_t end = nb_unix_from_civil(10000, 1, 1, 0, 0, 0);
    for (int64_t t = 0; t < end; t += 97 * 86400 + 3607)
        expect_same_as_gmtime(t);
    expect_same_as_gmtime(253402300799LL); /* 9999-12-31T23:59:59Z */
    /* The algorithm is also right just before 1970 (not needed, but cheap). */
    expect_same_as_gmtime(-1);
    expect_same_as_gmtime(-86400);
    expect_same_as_gmtime(-86401);
}

static void test_known_dates(void **state)
{
    (void)state;
    struct nb_civil c;
    assert_int_equal(nb_unix_from_civil(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(nb_unix_from_civil(2000, 2, 29, 0, 0, 0), 951782400LL);
    assert_int_equal(nb_unix_from_civil(2038, 1, 19, 3, 14, 8), 2147483648LL);
    assert_int_equal(nb_unix_from_civil(2100, 2, 28, 0, 0, 0), 4107456000LL);
    assert_int_equal(nb_unix_from_civil(2100, 3, 1, 0, 0, 0), 4107542400LL); /* no 2100-02-29 */
    assert_int_equal(nb_unix_from_civil(2400, 2, 29, 0, 0, 0), 13574563200LL);
    assert_int_equal(nb_unix_from_civil(9999, 12, 31, 23, 59, 59), 253402300799LL);

    nb_civil_from_unix(0, &c);
    assert_int_equal(c.year, 1970);
    assert_int_equal(c.month, 1);
    assert_int_equal(c.day, 1);
    assert_int_equal(c.weekday, 4); /* Thursday */
    assert_int_equal(c.yearday, 0);

    nb_civil_from_unix(951782400LL + 12 * 3600 + 34 * 60 + 56, &c); /* 2000-02-29T12:34:56 */
    assert_int_equal(c.year, 2000);
    assert_int_equal(c.month, 2);
    assert_int_equal(c.day, 29);
    assert_int_equal(c.hour, 12);
    assert_int_equal(c.minute, 34);
    assert_int_equal(c.second, 56);
    assert_int_equal(c.weekday, 2); /* Tuesday */
    assert_int_equal(c.yearday, 59);

    nb_civil_from_unix(4107542400LL - 1, &c); /* the second before 2100-03-01 */
    assert_int_equal(c.month, 2);
    assert_int_equal(c.day, 28);
    assert_int_equal(c.hour, 23);
    assert_int_equal(c.second, 59);
    nb_civil_from_unix(4107542400LL, &c);
    assert_int_equal(c.year, 2100);
    assert_int_equal(c.month, 3);
    assert_int_equal(c.day, 1);
    assert_int_equal(c.weekday, 1); /* Monday */
    assert_int_equal(c.yearday, 59);
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static void test_leap_years(void **state)
{
    (void)state;
    int leap_count = 0;
    for (int y = 1970; y <= 2400; y++) {
        struct nb_civil c;
        nb_civil_from_unix(nb_unix_from_civil(y, 12, 31, 23, 59, 59), &c);
        assert_int_equal(c.year, y);
        assert_int_equal(c.yearday, is_leap(y) ? 365 : 364);
        int64_t feb28 = nb_unix_from_civil(y, 2, 28, 0, 0, 0);
        nb_civil_from_unix(feb28 + 86400, &c);
        assert_int_equal(c.month, is_leap(y) ? 2 : 3);
        assert_int_equal(c.day, is_leap(y) ? 29 : 1);
        leap_count += is_leap(y);
    }
    assert_int_equal(leap_count, 105);
}

/* ------------------------------------------------------------ trusted time */

static void test_floor_starts_at_build_time(void **state)
{
    (void)state;
    assert_int_equal(nb_clock_floor(), NB_BUILD_EPOCH);
}

static void test_trusted_time_below_at_above_floor(void **state)
{
    (void)state;
    int64_t t = 12345;
    host_fake_wallclock(NB_BUILD_EPOCH - 1);
    assert_int_equal(nb_trusted_time(&t), NB_E_CLOCK_BEFORE_FLOOR);
    assert_int_equal(t, 12345); /* untouched on failure */
    host_fake_wallclock(1); /* 1970: a dead RTC battery */
    assert_int_equal(nb_trusted_time(&t), NB_E_CLOCK_BEFORE_FLOOR);

    host_fake_wallclock(NB_BUILD_EPOCH);
    assert_int_equal(nb_trusted_time(&t), NB_OK);
    assert_int_equal(t, NB_BUILD_EPOCH);
    host_fake_wallclock(NB_BUILD_EPOCH + 86400);
    assert_int_equal(nb_trusted_time(&t), NB_OK);
    assert_int_equal(t, NB_BUILD_EPOCH + 86400);
    host_fake_wallclock(0);
}

static void test_mbedtls_time_fails_closed(void **state)
{
    (void)state;
    int64_t t = -1;
    host_fake_wallclock(NB_BUILD_EPOCH - 3600);
    assert_int_equal(nb_mbedtls_time(&t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(nb_mbedtls_time(NULL), 0);
    host_fake_wallclock(NB_BUILD_EPOCH + 3600);
    assert_int_equal(nb_mbedtls_time(&t), NB_BUILD_EPOCH + 3600);
    assert_int_equal(t, NB_BUILD_EPOCH + 3600);
    assert_int_equal(nb_mbedtls_time(NULL), NB_BUILD_EPOCH + 3600);
    host_fake_wallclock(0);
}

/* Runs last: it moves the floor for the rest of the process. */
static void test_raise_floor_never_lowers(void **state)
{
    (void)state;
    int64_t base = NB_BUILD_EPOCH, t;
    nb_clock_raise_floor(base - 1000);
    assert_int_equal(nb_clock_floor(), base);
    nb_clock_raise_floor(0);
    nb_clock_raise_floor(-1);
    assert_int_equal(nb_clock_floor(), base);
    nb_clock_raise_floor(base + 100);
    assert_int_equal(nb_clock_floor(), base + 100);
    nb_clock_raise_floor(base + 50);
    assert_int_equal(nb_clock_floor(), base + 100);
    nb_clock_raise_floor(base + 100);
    assert_int_equal(nb_clock_floor(), base + 100);

    host_fake_wallclock(base + 50); /* was fine before the floor moved */
    assert_int_equal(nb_trusted_time(&t), NB_E_CLOCK_BEFORE_FLOOR);
    host_fake_wallclock(base + 100);
    assert_int_equal(nb_trusted_time(&t), NB_OK);
    assert_int_equal(t, base + 100);
    host_fake_wallclock(0);
}

/* -------------------------------------------------------- mbedTLS gmtime */

static void test_mbedtls_gmtime_r(void **state)
{
    (void)state;
    static const int64_t samples[] = {
        0, 951782400LL + 45296, 2147483647LL, 2147483648LL, 4107542399LL, 4107542400LL,
        NB_BUILD_EPOCH, 253402300799LL,
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        mbedtls_time_t tt = samples[i];
        time_t host_t = (time_t)samples[i];
        struct tm mine, want;
        memset(&mine, 0x5a, sizeof mine);
        assert_ptr_equal(mbedtls_platform_gmtime_r(&tt, &mine), &mine);
        assert_non_null(gmtime_r(&host_t, &want));
        assert_int_equal(mine.tm_year, want.tm_year);
        assert_int_equal(mine.tm_mon, want.tm_mon);
        assert_int_equal(mine.tm_mday, want.tm_mday);
        assert_int_equal(mine.tm_hour, want.tm_hour);
        assert_int_equal(mine.tm_min, want.tm_min);
        assert_int_equal(mine.tm_sec, want.tm_sec);
        assert_int_equal(mine.tm_wday, want.tm_wday);
        assert_int_equal(mine.tm_yday, want.tm_yday);
        assert_int_equal(mine.tm_isdst, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_day_1970_2400),
        cmocka_unit_test(test_range_to_9999),
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_mbedtls_gmtime_r),
        cmocka_unit_test(test_floor_starts_at_build_time),
        cmocka_unit_test(test_trusted_time_below_at_above_floor),
        cmocka_unit_test(test_mbedtls_time_fails_closed),
        cmocka_unit_test(test_raise_floor_never_lowers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
