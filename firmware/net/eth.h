/* Ethernet II framing, with 802.1Q tags understood on receive. */
#ifndef NB_ETH_H
#define NB_ETH_H
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"

#define ETH_HLEN 14u
#define ETH_P_IP 0x0800u
#define ETH_P_ARP 0x0806u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_8021Q 0x8100u

extern const uint8_t eth_broadcast[6];

/* A received frame (p->data at the Ethernet header): validated, demultiplexed
 * to ARP/IPv4/IPv6, or dropped and counted. Consumes p. */
void eth_input(struct pkb *p);
/* Prepend the Ethernet header and transmit. Consumes p. */
nb_err eth_output(struct pkb *p, const uint8_t dst_mac[6], uint16_t ethertype);
/* Multicast MAC for an IPv6 group (33:33 + low 32 bits, RFC 2464). */
void eth_ip6_multicast_mac(const uint8_t ip6[16], uint8_t mac[6]);

#endif
