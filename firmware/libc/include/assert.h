/* Freestanding assert.h: assertions are compiled out of the firmware image;
 * the host build (real libc, sanitizers) keeps them. */
#ifndef NB_LIBC_ASSERT_H
#define NB_LIBC_ASSERT_H
#define assert(x) ((void)0)
#define static_assert _Static_assert
#endif
