/* Freestanding time.h for the firmware image: only the calendar type that
 * mbedTLS's X.509 validity checks use. The clock itself is nearboot's. */
#ifndef NB_LIBC_TIME_H
#define NB_LIBC_TIME_H
#include <stdint.h>
typedef int64_t time_t;
struct tm {
    int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
};
#endif
