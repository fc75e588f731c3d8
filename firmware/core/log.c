/* Console lines with timestamps, mirrored into a ring buffer (core/log.h). */
#include "core/log.h"
#include "core/fmt.h"
#include "platform/platform.h"
#include <stdarg.h>
#include <stdint.h>

#define LOG_RING_SIZE 16384u
#define LINE_MAX_LEN 512u

static char ring[LOG_RING_SIZE];
static size_t ring_head;   /* total bytes ever written */
static uint64_t log_origin_us;

void nb_log_start(void)
{
    log_origin_us = plat_now_us();
}

uint64_t nb_log_time(uint64_t t)
{
    return t > log_origin_us ? t - log_origin_us : 0;
}

static void ring_append(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ring[(ring_head + i) % LOG_RING_SIZE] = s[i];
    ring_head += n;
}

size_t nb_log_copy(char *out, size_t size)
{
    if (!size)
        return 0;
    size_t have = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
    size_t n = have < size - 1 ? have : size - 1;
    size_t start = ring_head - n;
    for (size_t i = 0; i < n; i++)
        out[i] = ring[(start + i) % LOG_RING_SIZE];
    out[n] = 0;
    return n;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char line[LINE_MAX_LEN];
    uint64_t t = plat_now_us() - log_origin_us;
    int n = nb_snprintf(line, sizeof line, "[%4u.%03u] %s",
                        (unsigned)(t / 1000000u), (unsigned)(t / 1000u % 1000u), prefix);
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used >= sizeof line)
        used = sizeof line - 1;
    int m = nb_vsnprintf(line + used, sizeof line - used, fmt, ap);
    if (m > 0)
        used += (size_t)m < sizeof line - used ? (size_t)m : sizeof line - used - 1;
    if (used >= sizeof line - 1)
        used = sizeof line - 2;
    line[used++] = '\n';
    line[used] = 0;
    ring_append(line, used);
    plat_console_write(line, used);
}

void nb_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

void nb_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}

nb_err nb_fail(nb_err e, const char *fmt, ...)
{
    char what[LINE_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    nb_vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    nb_say("error: %s: %s (%s)", what, nb_strerror(e), nb_errname(e));
    return e;
}

void nb_fatal_exit(int status)
{
    nb_say("fatal: internal memory arena check failed (status %d); halting", status);
    plat_halt();
}
