/* Counters (net/counters.h). */
#include "net/counters.h"
#include "core/log.h"

uint32_t nb_counters[NB_CTR__COUNT];

static const char *const counter_names[] = {
#define NB_CTR(name, text) [name] = text,
#include "net/counters_list.h"
#undef NB_CTR
};

const char *nb_counter_name(enum nb_counter c)
{
    return (unsigned)c < NB_CTR__COUNT ? counter_names[c] : "?";
}

void nb_counters_say(void)
{
    for (unsigned c = 0; c < NB_CTR__COUNT; c++)
        if (nb_counters[c])
            nb_say("counter %s %u", counter_names[c], nb_counters[c]);
}
