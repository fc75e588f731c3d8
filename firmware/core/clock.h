/*
 * Time. Monotonic time comes from the platform. Wall-clock time is needed for
 * certificate validity and manifest expiry, and is only trusted when it is not
 * earlier than a floor: the build time, raised by any newer time learned from
 * a verified source. A clock below the floor fails closed, and the error names
 * the clock (NB_E_CLOCK_BEFORE_FLOOR).
 */
#ifndef NB_CLOCK_H
#define NB_CLOCK_H
#include <stdint.h>
#include "core/err.h"

uint64_t nb_now_us(void);
uint64_t nb_now_ms(void);

/* The floor starts at the build time; raising it never lowers it. */
int64_t nb_clock_floor(void);
void nb_clock_raise_floor(int64_t unix_seconds);

/* The wall clock if it is at or above the floor; an error otherwise. */
nb_err nb_trusted_time(int64_t *unix_seconds);

/* Calendar conversion (UTC, proleptic Gregorian), valid for years 1970-9999. */
struct nb_civil {
    int year, month, day, hour, minute, second, weekday, yearday;
};
void nb_civil_from_unix(int64_t t, struct nb_civil *c);
int64_t nb_unix_from_civil(int year, int month, int day, int hour, int minute, int second);

#endif
