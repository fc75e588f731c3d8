/* Freestanding stdio.h for the firmware image: formatting only, no streams. */
#ifndef NB_LIBC_STDIO_H
#define NB_LIBC_STDIO_H
#include <stddef.h>
#include <stdarg.h>
typedef struct nb_libc_file FILE;
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
#endif
