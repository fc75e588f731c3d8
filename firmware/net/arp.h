/*
 * ARP (RFC 826) for IPv4 next hops. A small cache with expiry; requests are
 * retried on a timer; packets waiting for resolution are queued (up to four
 * per entry, the oldest dropped first). An entry in use is never silently
 * replaced by a different MAC: the conflict is counted and the old MAC is
 * asked again; only if it stays silent is the new one taken (arp.c).
 */
#ifndef NB_ARP_H
#define NB_ARP_H
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"

void arp_input(struct pkb *p);
/* Send p (an IPv4 packet, data at the IP header) to next_hop, resolving its
 * MAC first if needed. Consumes p. */
nb_err arp_output(struct pkb *p, const uint8_t next_hop[4]);
/* Is next_hop's MAC known (1)? If not, start resolving it (0): a caller that
 * times a round trip (the site race) waits for this before its first packet,
 * so the time measures the path, not ARP. */
int arp_resolve_ahead(const uint8_t next_hop[4]);
/* Announce / probe helpers for DHCP's address conflict check (RFC 5227). */
nb_err arp_probe(const uint8_t ip[4]);
/* 1 if someone other than us answered for ip since the last arp_probe. */
int arp_conflict_seen(const uint8_t ip[4]);
/* Forget everything (interface reconfigured). */
void arp_flush(void);

#endif
