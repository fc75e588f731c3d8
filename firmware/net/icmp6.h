/*
 * ICMPv6 (RFC 4443): checksum always checked; echo answered; errors about
 * datagrams we sent handed to the transport (udp_icmp_error/tcp_icmp_error);
 * errors we send are rate-limited (token bucket, RFC 4443 §2.4 (f)); the
 * neighbour discovery types go to net/nd6.c.
 */
#ifndef NB_ICMP6_H
#define NB_ICMP6_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"

enum {
    ICMP6_DST_UNREACH = 1, ICMP6_PACKET_TOO_BIG = 2, ICMP6_TIME_EXCEEDED = 3,
    ICMP6_PARAM_PROBLEM = 4, ICMP6_ECHO_REQUEST = 128, ICMP6_ECHO_REPLY = 129,
    ICMP6_ND_RS = 133, ICMP6_ND_RA = 134, ICMP6_ND_NS = 135, ICMP6_ND_NA = 136,
    ICMP6_ND_REDIRECT = 137,
};
#define ICMP6_HLEN 8u
/* Errors we send: at most this many per second, with a burst of as many. */
#define ICMP6_ERR_RATE 10u

/* p->data at the ICMPv6 header; p->family/src/dst/hop_limit set. Consumes p. */
void icmp6_input(struct pkb *p);

/* Checksum and send an ICMPv6 message (p->data at the ICMPv6 header; the
 * checksum field is filled here). src NULL: select. Consumes p. */
nb_err icmp6_output(struct pkb *p, const uint8_t *src, const uint8_t dst[16], uint8_t hop_limit);
/* The same to an on-link neighbour (ip6_output_onlink). src required. */
nb_err icmp6_output_onlink(struct pkb *p, const uint8_t src[16], const uint8_t dst[16],
                           uint8_t hop_limit);

/* Send an error about a received packet (pkt: its IPv6 header, len bytes).
 * Not sent about ICMPv6 errors, to/from multicast or unspecified sources, or
 * to a multicast destination unless even_to_multicast (Packet Too Big, and
 * Parameter Problem code 2 for option types 10xxxxxx); rate-limited. */
void icmp6_send_error(uint8_t type, uint8_t code, uint32_t param, const uint8_t *pkt,
                      size_t len, int even_to_multicast);

/* A datagram of ours that will not arrive (pkt: its IPv6 header): tell the
 * transport the flow it belongs to (e.g. neighbour unreachable). */
void icmp6_report_local(const uint8_t *pkt, size_t len, nb_err why);

/* Echo client (nb-probe's ping6, diagnostics): send one request, then
 * icmp6_echo_answered gives the RTT in µs once the reply came (0 before). */
nb_err icmp6_echo_send(const uint8_t dst[16], uint16_t id, uint16_t seq, size_t payload_len);
uint64_t icmp6_echo_answered(uint16_t id, uint16_t seq);

/* The flow an ICMPv6 error is about: the invoking packet's header and the
 * first 8 bytes of its transport header, found through its (possibly
 * truncated) extension headers. Pure; for icmp6_input, tests and fuzzing. */
struct icmp6_flow {
    uint8_t src[16], dst[16];
    uint8_t proto;         /* 0 if the walk did not reach the upper layer */
    size_t l4_off;         /* its header's offset in the invoking packet */
    uint16_t sport, dport;
};
nb_err icmp6_parse_invoking(const uint8_t *p, size_t len, struct icmp6_flow *f);

#endif
