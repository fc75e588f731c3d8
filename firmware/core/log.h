/*
 * Console and log. Every line goes to the platform console (ConOut and
 * serial, or stdout on the host) and into an in-memory ring that later goes
 * into the hand-off record. Lines carry the time since start:
 *   [   1.234] dhcp4: ACK 198.18.1.100 from 198.18.255.69 (0.21 s)
 */
#ifndef NB_LOG_H
#define NB_LOG_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* One console line (a '\n' is appended). */
void nb_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An error line: "error: <what>: <sentence of e>", and returns e so callers
 * can write `return nb_fail(e, "tftp %s", path);`. */
nb_err nb_fail(nb_err e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A warning line: "warning: <what>". */
void nb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Everything said so far (oldest text dropped when the ring is full). */
size_t nb_log_copy(char *out, size_t size);

/* Reset the log's time origin (called once at entry). */
void nb_log_start(void);
/* Microseconds from the log's origin to monotonic time t: the same clock as
 * the "[   s.mmm]" line prefix. */
uint64_t nb_log_time(uint64_t t);

/* Called by mbedTLS's memory arena on corruption: says so and halts. */
void nb_fatal_exit(int status) __attribute__((noreturn));

#endif
