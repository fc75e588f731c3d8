/* Timer list (core/timer.h). Few timers are armed at once (tens), so a
 * sorted singly linked list is simpler than a heap and fast enough. */
#include "core/timer.h"
#include "core/clock.h"
#include <stddef.h>

static struct nb_timer *armed_list;

void nb_timer_init(struct nb_timer *t, nb_timer_fn fn)
{
    t->next = NULL;
    t->deadline_us = 0;
    t->fn = fn;
    t->armed = 0;
}

void nb_timer_cancel(struct nb_timer *t)
{
    if (!t->armed)
        return;
    for (struct nb_timer **pp = &armed_list; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = 0;
}

void nb_timer_arm_at(struct nb_timer *t, uint64_t deadline_us)
{
    nb_timer_cancel(t);
    t->deadline_us = deadline_us;
    struct nb_timer **pp = &armed_list;
    while (*pp && (*pp)->deadline_us <= deadline_us)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = 1;
}

void nb_timer_arm(struct nb_timer *t, uint64_t delay_us)
{
    nb_timer_arm_at(t, nb_now_us() + delay_us);
}

uint64_t nb_timers_run(uint64_t now)
{
    while (armed_list && armed_list->deadline_us <= now) {
        struct nb_timer *t = armed_list;
        armed_list = t->next;
        t->next = NULL;
        t->armed = 0;
        t->fn(t);
    }
    return nb_timers_next();
}

uint64_t nb_timers_next(void)
{
    return armed_list ? armed_list->deadline_us : UINT64_MAX;
}
