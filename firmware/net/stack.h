/*
 * The stack's one poll loop. Single-threaded: every protocol is a state
 * machine advanced by received frames (net_poll) and timers. Waiting means
 * sleeping in the netdev until a frame or the next timer deadline.
 */
#ifndef NB_STACK_H
#define NB_STACK_H
#include <stdint.h>
#include "core/err.h"
#include "net/netdev.h"

/* Bring the stack up on dev (IPv6 link-local and router solicitation start
 * here; IPv4 waits for a configuration). */
nb_err net_init(struct netdev *dev);

/* Take every waiting frame (bounded per call) through the stack and run due
 * timers. Never blocks. */
void net_poll(void);

/* Poll until done(ctx) returns non-zero (NB_OK) or deadline_us passes
 * (NB_E_TIMEOUT), sleeping between events. */
nb_err net_run_until(int (*done)(void *ctx), void *ctx, uint64_t deadline_us);

/* Configure IPv4 (addresses as 4-byte arrays; gw may be 0.0.0.0). */
void net_ip4_configure(const uint8_t addr[4], const uint8_t mask[4], const uint8_t gw[4]);

#endif
