/*
 * printf-style formatting with no libc: the same code formats console lines
 * in the firmware and on the host, and backs mbedTLS's snprintf.
 * Conversions: d i u x X o c s p %, flags '-' '0' '+' ' ', width and
 * precision (numbers or '*'), length modifiers hh h l ll z j t.
 * Always NUL-terminates when size > 0; returns the length the full output
 * would have had (C99 semantics), or -1 on a bad format string.
 */
#ifndef NB_FMT_H
#define NB_FMT_H
#include <stdarg.h>
#include <stddef.h>

int nb_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int nb_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
