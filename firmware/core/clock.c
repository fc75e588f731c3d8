/* Monotonic and trusted wall-clock time (core/clock.h). */
#include "core/clock.h"
#include "platform/platform.h"
#include "nb_version.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include <time.h>

static int64_t clock_floor = NB_BUILD_EPOCH;

uint64_t nb_now_us(void) { return plat_now_us(); }
uint64_t nb_now_ms(void) { return plat_now_us() / 1000u; }

int64_t nb_clock_floor(void) { return clock_floor; }

void nb_clock_raise_floor(int64_t t)
{
    if (t > clock_floor)
        clock_floor = t;
}

nb_err nb_trusted_time(int64_t *out)
{
    int64_t t;
    nb_err e = plat_wallclock(&t);
    if (e != NB_OK)
        return e;
    if (t < clock_floor)
        return NB_E_CLOCK_BEFORE_FLOOR;
    *out = t;
    return NB_OK;
}

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's civil algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t nb_unix_from_civil(int year, int month, int day, int hour, int minute, int second)
{
    return days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 +
           hour * 3600 + minute * 60 + second;
}

void nb_civil_from_unix(int64_t t, struct nb_civil *c)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    c->year = (int)y;
    c->month = (int)m;
    c->day = (int)d;
    c->hour = (int)(secs / 3600);
    c->minute = (int)(secs / 60 % 60);
    c->second = (int)(secs % 60);
    c->weekday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    c->yearday = (int)(days - days_from_civil(y, 1, 1));
}

/* mbedTLS hooks (MBEDTLS_PLATFORM_TIME_MACRO, MBEDTLS_PLATFORM_GMTIME_R_ALT).
 * A clock below the floor reads as 0 (1970): every certificate is then "not
 * yet valid", so TLS fails closed; the TLS layer checks nb_trusted_time first
 * to name the clock as the cause. */
int64_t nb_mbedtls_time(int64_t *out)
{
    int64_t t;
    if (nb_trusted_time(&t) != NB_OK)
        t = 0;
    if (out)
        *out = t;
    return t;
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    struct nb_civil c;
    nb_civil_from_unix(*tt, &c);
    *tm_buf = (struct tm){ .tm_sec = c.second, .tm_min = c.minute, .tm_hour = c.hour,
                           .tm_mday = c.day, .tm_mon = c.month - 1,
                           .tm_year = c.year - 1900, .tm_wday = c.weekday,
                           .tm_yday = c.yearday };
    return tm_buf;
}

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)nb_now_ms();
}
