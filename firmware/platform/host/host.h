/* Host (Linux process) platform extras for tests and host tools. */
#ifndef NB_HOST_H
#define NB_HOST_H
#include <stddef.h>
#include <stdint.h>

/* Console capture for tests: while set, console text is appended to buf
 * (NUL-terminated, truncated at size) instead of going to stdout. */
void host_console_capture(char *buf, size_t size);
/* Directory for the NV store (default: $NB_NV_DIR, else ./nv). */
void host_nv_dir(const char *dir);
/* Test hooks: a fixed wall clock (0 = use the real one), and a scripted
 * entropy source (NULL = getrandom). */
void host_fake_wallclock(int64_t unix_seconds);
void host_fake_entropy(const uint8_t *bytes, size_t len);
/* Test hook: a fixed monotonic clock in µs that tests advance themselves
 * (0 = use the real one). Timers then run with nb_timers_run(now). */
void host_fake_now_us(uint64_t us);
#endif
