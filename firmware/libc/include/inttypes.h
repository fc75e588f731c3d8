/* Freestanding inttypes.h (LLP64 PE target: 64-bit is long long). */
#ifndef NB_LIBC_INTTYPES_H
#define NB_LIBC_INTTYPES_H
#include <stdint.h>
#define PRId64 "lld"
#define PRIu64 "llu"
#define PRIx64 "llx"
#define PRId32 "d"
#define PRIu32 "u"
#define PRIx32 "x"
#endif
