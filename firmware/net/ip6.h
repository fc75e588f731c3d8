/*
 * IPv6 (RFC 8200): header validation, the extension-header walk, and output
 * with source selection (RFC 6724, simplified). Neighbour discovery and
 * SLAAC live in net/nd6.c, ICMPv6 in net/icmp6.c.
 */
#ifndef NB_IP6_H
#define NB_IP6_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"
#include "net/counters.h"

#define IP6_HLEN 40u
#define IP6_MIN_MTU 1280u
#define IP6_DEFAULT_HOP_LIMIT 64u
/* Extension headers walked before we give up on a packet: a real packet to
 * a host has at most hop-by-hop, destination options, routing, fragment,
 * destination options (RFC 8200 §4.1); 8 leaves room without letting a
 * packet made of empty headers cost more than a bounded walk. */
#define IP6_MAX_EXT_HDRS 8u

enum {
    IP6_NH_HOPOPTS = 0, IP6_NH_ROUTING = 43, IP6_NH_FRAGMENT = 44, IP6_NH_NONE = 59,
    IP6_NH_DSTOPTS = 60,
};

/* p->data at the IPv6 header. Consumes p. */
void ip6_input(struct pkb *p);
/* Is the link-layer next hop toward dst known? If not, start resolving it
 * (1 also when there is nothing to resolve). See ip4_next_hop_ready. */
int ip6_next_hop_ready(const uint8_t dst[16]);

/* Prepend an IPv6 header and send. src NULL: select; hop_limit 0: default.
 * Consumes p. */
nb_err ip6_output(struct pkb *p, uint8_t next_header, const uint8_t *src, const uint8_t dst[16],
                  uint8_t hop_limit);
/* The same to an on-link destination, whatever the prefix list says: the
 * destination is its own next hop (neighbour discovery answers the node
 * that asked, which is on the link by definition). src required. */
nb_err ip6_output_onlink(struct pkb *p, uint8_t next_header, const uint8_t src[16],
                         const uint8_t dst[16], uint8_t hop_limit);
nb_err ip6_select_src(const uint8_t dst[16], uint8_t src[16]);
/* The link MTU for IPv6: the interface's, lowered by an RA MTU option. */
unsigned ip6_mtu(void);
/* A Packet Too Big about one of our datagrams: lower the path MTU for every
 * destination (one interface, a handful of peers: a per-destination cache
 * buys nothing) to max(mtu, 1280) for IP6_PMTU_AGE_S, then try the link MTU
 * again (RFC 8201 §4). */
#define IP6_PMTU_AGE_S 600u
void ip6_path_mtu_report(uint32_t mtu);
/* Start IPv6 on the interface: link-local address, DAD, router solicitation. */
void ip6_start(void);

/* ---- the receive-side parser: pure, for ip6_input, tests and fuzzing ---- */

enum ip6_verdict {
    IP6_DELIVER,       /* upper-layer header at off, protocol proto */
    IP6_DROP,          /* drop silently, count `reason` */
    IP6_PARAM_PROBLEM, /* drop, count `reason`, answer ICMPv6 Parameter Problem */
};

struct ip6_parsed {
    enum ip6_verdict verdict;
    enum nb_counter reason;  /* the drop counter when not delivered */
    int hdr_ok;              /* the fixed header is valid: src/dst/total_len usable */
    size_t total_len;        /* IP6_HLEN + payload length (<= the length given) */
    const uint8_t *src, *dst;
    uint8_t hop_limit;
    uint8_t proto;           /* upper-layer protocol */
    size_t off;              /* its header's offset from the IPv6 header */
    size_t nh_off;           /* offset of the Next Header byte that named proto */
    /* for IP6_PARAM_PROBLEM (RFC 4443 §3.4) */
    uint8_t icmp_code;       /* 0 bad field, 1 unknown next header, 2 unknown option */
    uint32_t icmp_pointer;   /* offset of the offending byte */
    int icmp_even_to_multicast; /* option type 10xxxxxx: answer a multicast dst too */
};

/* Validate the fixed header (version, payload length within len, source not
 * multicast) and walk the extension headers (at most IP6_MAX_EXT_HDRS).
 * Never reads outside p[0..len). Does not look at whose destination it is. */
enum ip6_verdict ip6_parse(const uint8_t *p, size_t len, struct ip6_parsed *out);

/* Address classification helpers. */
static inline int ip6_is_multicast(const uint8_t a[16]) { return a[0] == 0xff; }
static inline int ip6_is_link_local(const uint8_t a[16])
{
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}
int ip6_is_unspecified(const uint8_t a[16]);
/* Solicited-node multicast group ff02::1:ffXX:XXXX of a unicast address. */
void ip6_solicited_node(const uint8_t a[16], uint8_t group[16]);

extern const uint8_t ip6_all_nodes[16];   /* ff02::1 */
extern const uint8_t ip6_all_routers[16]; /* ff02::2 */

#endif
