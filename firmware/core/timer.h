/*
 * Timers: a sorted list of one-shot deadlines on the monotonic clock. Every
 * protocol's retransmission and every wait is a timer; the loop sleeps until
 * the earliest deadline or a packet, never in a busy loop.
 */
#ifndef NB_TIMER_H
#define NB_TIMER_H
#include <stdint.h>

struct nb_timer;
typedef void (*nb_timer_fn)(struct nb_timer *t);

struct nb_timer {
    struct nb_timer *next;
    uint64_t deadline_us;
    nb_timer_fn fn;
    int armed;
};

void nb_timer_init(struct nb_timer *t, nb_timer_fn fn);
/* (Re)arm to fire delay_us from now; re-arming moves an armed timer. */
void nb_timer_arm(struct nb_timer *t, uint64_t delay_us);
void nb_timer_arm_at(struct nb_timer *t, uint64_t deadline_us);
void nb_timer_cancel(struct nb_timer *t);
/* Fire every timer due at `now`; returns the next deadline (UINT64_MAX if
 * none). A callback may arm or cancel any timer, itself included. */
uint64_t nb_timers_run(uint64_t now);
uint64_t nb_timers_next(void);

#endif
