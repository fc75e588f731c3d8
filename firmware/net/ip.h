/*
 * The network layer as transports see it: one call for either family.
 * Transports hand down a pkb whose data starts at their header; the network
 * layer prepends its own header, resolves the next hop and sends.
 */
#ifndef NB_IP_H
#define NB_IP_H
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"
#include "net/addr.h"

enum { NB_PROTO_ICMP4 = 1, NB_PROTO_TCP = 6, NB_PROTO_UDP = 17, NB_PROTO_ICMP6 = 58 };

/* Send p (freed in every case) to dst. src NULL: the stack picks the source
 * address for dst (and fails with NB_E_NO_ADDRESS if it has none). */
nb_err ip_output(struct pkb *p, uint8_t proto, const struct nb_ip *src, const struct nb_ip *dst);
/* The source address the stack would use toward dst. */
nb_err ip_select_src(const struct nb_ip *dst, struct nb_ip *src);
/* Largest transport segment (IP payload) that fits the path toward dst. */
unsigned ip_max_payload(const struct nb_ip *dst);

/* Transport hooks for ICMP/ICMPv6 errors about a datagram we sent: the
 * embedded header identifies the flow. */
void udp_icmp_error(const struct nb_ip *local, const struct nb_ip *remote, uint16_t lport,
                    uint16_t rport, nb_err reason);
void tcp_icmp_error(const struct nb_ip *local, const struct nb_ip *remote, uint16_t lport,
                    uint16_t rport, nb_err reason);

/* Transport input: p->data at the transport header, p->family/src/dst set. */
void udp_input(struct pkb *p);
void tcp_input(struct pkb *p);

#endif
