/*
 * MLDv2 listener (RFC 3810), minimal: we tell the link (and MLD-snooping
 * switches) which groups we listen to — the solicited-node group of each of
 * our addresses (RFC 4861 §7.2.1) — so neighbour solicitations for our
 * addresses reach us on switched networks that do not flood unknown
 * multicast. ff02::1 is never reported (RFC 3810 §6).
 */
#ifndef NB_MLD6_H
#define NB_MLD6_H
#include <stdint.h>
#include "core/pkb.h"

enum { MLD6_QUERY = 130, MLD6_REPORT_V2 = 143 };
#define MLD6_MAX_GROUPS 8u
/* A query's Maximum Response Delay is honoured up to this bound. */
#define MLD6_MAX_DELAY_MS 10000u

/* Forget any pending answer (ip6_start). */
void mld6_start(void);
/* We joined group: one unsolicited report (CHANGE_TO_EXCLUDE_MODE {}). */
void mld6_join(const uint8_t group[16]);
/* A query (ICMPv6 type 130, checksum already checked): answer with our
 * current state after a random delay within its Maximum Response Delay.
 * Does not consume p. */
void mld6_input(const struct pkb *p);

#endif
