/* The hand-off record (boot/handoff.h). */
#include "boot/handoff.h"
#include "core/fmt.h"
#include "net/counters.h"
#include <stdarg.h>
#include <string.h>

static char text[NB_HANDOFF_MAX];
static size_t used;

void nb_handoff_reset(void)
{
    used = (size_t)nb_snprintf(text, sizeof text, "nearboot-handoff 1\n");
}

void nb_handoff_add(const char *key, const char *fmt, ...)
{
    char value[512];
    va_list ap;
    if (!used)
        nb_handoff_reset();
    va_start(ap, fmt);
    nb_vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    for (char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?'; /* one line per key, whatever a server put in a string */
    size_t need = strlen(key) + 1 + strlen(value) + 1;
    if (used + need >= sizeof text)
        return; /* full: later keys are dropped, never a partial line */
    used += (size_t)nb_snprintf(text + used, sizeof text - used, "%s %s\n", key, value);
}

void nb_handoff_add_counters(void)
{
    for (unsigned c = 0; c < NB_CTR__COUNT; c++)
        if (nb_counters[c])
            nb_handoff_add("counter", "%s %u", nb_counter_name((enum nb_counter)c), nb_counters[c]);
}

const char *nb_handoff_text(size_t *len)
{
    if (!used)
        nb_handoff_reset();
    *len = used;
    return text;
}
