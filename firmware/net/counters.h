/*
 * Per-layer counters, drops by reason (as lwIP does): readable at run time,
 * printed by the host tools and copied into the hand-off record, so an
 * operator can see what the network did during a boot.
 */
#ifndef NB_COUNTERS_H
#define NB_COUNTERS_H
#include <stdint.h>

enum nb_counter {
#define NB_CTR(name, text) name,
#include "net/counters_list.h"
#undef NB_CTR
    NB_CTR__COUNT
};

extern uint32_t nb_counters[NB_CTR__COUNT];
#define NB_COUNT(c) (nb_counters[c]++)

const char *nb_counter_name(enum nb_counter c);
/* One console line per non-zero counter. */
void nb_counters_say(void);

#endif
