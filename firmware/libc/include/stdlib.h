/* Freestanding stdlib.h for the firmware image. Allocation goes through
 * mbedTLS's platform hooks (an arena); nothing else here allocates. */
#ifndef NB_LIBC_STDLIB_H
#define NB_LIBC_STDLIB_H
#include <stddef.h>
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
void *calloc(size_t n, size_t size);
void free(void *p);
void abort(void) __attribute__((noreturn));
#endif
