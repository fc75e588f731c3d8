/*
 * The platform interface: the only calls core/, net/ and boot/ make into
 * the environment they run in. Implemented once for UEFI (platform/uefi) and
 * once for a Linux process (platform/host). Nothing above this header knows
 * which one it got.
 */
#ifndef NB_PLATFORM_H
#define NB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* Monotonic time in microseconds since an arbitrary origin. Never goes back. */
uint64_t plat_now_us(void);

/* Wall-clock time from the platform's real-time clock, in seconds since the
 * Unix epoch; NB_E_CLOCK if there is no usable clock. Not trusted by itself:
 * core/clock.c applies the floor. */
nb_err plat_wallclock(int64_t *unix_seconds);

/* Write console text (UTF-8/ASCII, '\n' line ends) to every operator sink. */
void plat_console_write(const char *s, size_t len);

/* Entropy sources, each reported by bit so the console can say which seeded
 * the DRBG. plat_entropy fills buf completely or fails. */
enum {
    NB_ENTROPY_RDSEED = 1u << 0,
    NB_ENTROPY_RDRAND = 1u << 1,
    NB_ENTROPY_EFI_RNG = 1u << 2,
    NB_ENTROPY_JITTER = 1u << 3,
    NB_ENTROPY_OS = 1u << 4,
};
nb_err plat_entropy(uint8_t *buf, size_t len, unsigned *sources_used);

/* Small persistent key/value store (EFI variables, or a directory on the
 * host). plat_nv_get sets *len to the stored size; NB_E_NOT_FOUND if absent,
 * NB_E_TOO_BIG if it does not fit in the caller's buffer. */
nb_err plat_nv_get(const char *name, void *buf, size_t *len);
nb_err plat_nv_set(const char *name, const void *buf, size_t len);

/* Large buffers (second-stage artifacts), zeroed; NULL when the platform
 * has no memory that large. plat_free takes the size plat_alloc was given. */
void *plat_alloc(size_t bytes);
void plat_free(void *p, size_t bytes);

/* Hand over to the verified second stage: exactly these in-memory bytes
 * (never re-read), its verified initrd (NULL: none; on UEFI served through
 * LoadFile2 for as long as the stage runs), its load options (text), and
 * the hand-off record for it.
 * Returns only if the hand-over failed (e.g. NB_E_SECUREBOOT_REFUSED when
 * Secure Boot rejects the image) or, on a platform where the second stage
 * returns, with its exit status mapped to an error. */
nb_err plat_chainload(const uint8_t *image, size_t len, const uint8_t *initrd, size_t initrd_len,
                      const char *options, const uint8_t *handoff, size_t handoff_len);

/* Load the verified second stage (exactly these bytes) without starting it, so
 * the caller learns whether the firmware accepts it (NB_E_SECUREBOOT_REFUSED,
 * NB_E_LOAD_IMAGE) before it records anything as booted; plat_chainload on the
 * same buffer then starts the loaded image (NB_E_INVALID without this step). */
nb_err plat_load_image(const uint8_t *image, size_t len);

/* Stop for good after a fatal error: no return. */
void plat_halt(void) __attribute__((noreturn));

#endif
