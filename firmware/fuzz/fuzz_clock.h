/*
 * The fake clock of the fuzz harnesses (fuzz_net4.h, fuzz_net6.h,
 * fuzz_peer4.h; header-only).
 */
#ifndef NB_FUZZ_CLOCK_H
#define NB_FUZZ_CLOCK_H
#include <stdint.h>
#include "core/timer.h"
#include "platform/host/host.h"

/* Moves *now on by us µs, running every timer that falls due on the way at
 * its own time (as a real clock would), then the clock stops at the end. */
static inline void fuzz_advance_us(uint64_t *now, uint64_t us)
{
    uint64_t target = *now + us;
    for (;;) {
        uint64_t next = nb_timers_next();
        if (next > target)
            break;
        if (next > *now)
            *now = next;
        host_fake_now_us(*now);
        nb_timers_run(*now);
    }
    *now = target;
    host_fake_now_us(*now);
    nb_timers_run(*now);
}

#endif
