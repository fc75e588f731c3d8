/*
 * The hand-off record: what the second stage (and the operator reading its
 * logs) should know about how it got there — which site and address served
 * it, over which family, the DHCP lease, the release serial, each phase's
 * timing, and what the network did (counters). Plain text, one
 * "key value" per line, first line "nearboot-handoff 1"; on UEFI it is
 * installed as a configuration table under NB_HANDOFF_GUID and the most
 * important keys are also appended to the load options as nearboot.KEY=VALUE.
 */
#ifndef NB_HANDOFF_H
#define NB_HANDOFF_H
#include <stddef.h>
#include <stdint.h>

#define NB_HANDOFF_MAX 8192u

/* {4e42b007-4861-4e44-8f5f-6f6666000001}: the configuration table. */
#define NB_HANDOFF_GUID_INIT                                                                \
    { 0x4e42b007, 0x4861, 0x4e44, { 0x8f, 0x5f, 0x6f, 0x66, 0x66, 0x00, 0x00, 0x01 } }

void nb_handoff_reset(void);
/* Add a line "key value"; values are cleaned to printable ASCII. */
void nb_handoff_add(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add every non-zero network counter as "counter NAME N". */
void nb_handoff_add_counters(void);
const char *nb_handoff_text(size_t *len);

#endif
