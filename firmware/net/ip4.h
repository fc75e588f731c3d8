/* IPv4 (RFC 791): header validation, local delivery, and output. Fragments
 * are dropped and counted: every protocol here sizes datagrams to the MTU. */
#ifndef NB_IP4_H
#define NB_IP4_H
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"

#define IP4_HLEN 20u

/* p->data at the IPv4 header. Consumes p. */
void ip4_input(struct pkb *p);
/* Prepend an IPv4 header and send to dst via ARP (or broadcast). src NULL:
 * the interface address. Consumes p. */
nb_err ip4_output(struct pkb *p, uint8_t proto, const uint8_t *src, const uint8_t dst[4], uint8_t ttl);
nb_err ip4_select_src(const uint8_t dst[4], uint8_t src[4]);
/* Is the link-layer next hop toward dst known? If not, start resolving it
 * (1 also when there is nothing to resolve). */
int ip4_next_hop_ready(const uint8_t dst[4]);
/* The ICMPv4 layer (net/icmp4.c): p->data at the ICMP header. */
void icmp4_input(struct pkb *p);
/* Echo request to dst (for reachability checks and the probe tool); replies
 * are remembered by (id, seq) until icmp4_echo_answered() is asked. */
nb_err icmp4_echo_send(const uint8_t dst[4], uint16_t id, uint16_t seq, size_t payload_len);
/* Round-trip time in microseconds of the reply to (id, seq), or 0 if none. */
uint64_t icmp4_echo_answered(uint16_t id, uint16_t seq);

#endif
