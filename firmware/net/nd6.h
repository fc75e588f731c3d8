/*
 * Neighbour Discovery (RFC 4861) and stateless address autoconfiguration
 * (RFC 4862): our IPv6 addresses and their DAD, router solicitation and
 * advertisement processing, the on-link prefix and default router lists,
 * the neighbour cache, and what DHCPv6 and the boot policy need to know
 * (addresses, router presence, M/O flags, RA-learned DNS).
 *
 * Interface identifiers are modified EUI-64 from the MAC (RFC 4291 App. A):
 * stable, predictable by the lab and by operators (who key provisioning on
 * the MAC anyway), and the same for the link-local and every SLAAC address.
 */
#ifndef NB_ND6_H
#define NB_ND6_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/pkb.h"
#include "net/addr.h"

#define ND6_MAX_ADDRS 8u
#define ND6_MAX_ROUTERS 4u
#define ND6_MAX_PREFIXES 8u
#define ND6_MAX_NEIGH 16u
#define ND6_MAX_RDNSS 3u
#define ND6_DOMAIN_MAX 254u /* a domain name in text, with its NUL */
#define ND6_INFINITE 0xffffffffu

/* Timers and counts, RFC defaults; runtime-configurable (embedded config). */
struct nd6_params {
    uint32_t dad_transmits;        /* DupAddrDetectTransmits (1; 0: no DAD) */
    uint32_t retrans_ms;           /* RetransTimer until an RA sets it (1000) */
    uint32_t reachable_ms;         /* BaseReachableTime until an RA sets it (30000) */
    uint32_t rs_max;               /* MAX_RTR_SOLICITATIONS (3) */
    uint32_t rs_interval_ms;       /* RTR_SOLICITATION_INTERVAL (4000) */
    uint32_t start_delay_max_ms;   /* MAX_RTR_SOLICITATION_DELAY before first RS/DAD (1000) */
    uint32_t delay_first_probe_ms; /* DELAY_FIRST_PROBE_TIME (5000) */
    uint32_t max_multicast_solicit;/* NS for an INCOMPLETE entry (3) */
    uint32_t max_unicast_solicit;  /* NS in PROBE (3) */
};
void nd6_params_default(struct nd6_params *p);
/* Takes effect at the next nd6_start (ip6_start). */
void nd6_set_params(const struct nd6_params *p);

/* ---- addresses ---- */

enum nd6_addr_state {
    ND6_ADDR_NONE,       /* not ours */
    ND6_ADDR_TENTATIVE,  /* DAD running: not used as a source, packets to it dropped */
    ND6_ADDR_PREFERRED,
    ND6_ADDR_DEPRECATED, /* preferred lifetime over: kept for existing flows */
    ND6_ADDR_DUPLICATE,  /* DAD failed: never used */
};
enum nd6_addr_origin { ND6_ORIGIN_LINK_LOCAL, ND6_ORIGIN_SLAAC, ND6_ORIGIN_DHCP6 };

struct nd6_addr_info {
    uint8_t addr[16];
    uint8_t prefix_len;
    enum nd6_addr_state state;
    enum nd6_addr_origin origin;
    uint32_t preferred_s, valid_s; /* remaining seconds, ND6_INFINITE */
};

/* Start (or restart) on net_if(): forget everything, form the link-local
 * address and start DAD and router solicitation after a random delay. */
void nd6_start(void);

/* The link-local address once DAD passed: 1 and *out, else 0. */
int nd6_link_local(uint8_t out[16]);
/* Every address we hold (including tentative and duplicate ones). */
unsigned nd6_addrs(struct nd6_addr_info *out, unsigned max);
/* Usable (preferred or deprecated) non-link-local addresses, preferred first. */
unsigned nd6_global_addrs(struct nd6_addr_info *out, unsigned max);
enum nd6_addr_state nd6_addr_state(const uint8_t a[16]);
/* Add an address learned elsewhere (DHCPv6 IA_NA: prefix_len 128): it is
 * tentative until DAD passes; poll nd6_addr_state (DUPLICATE: decline it).
 * Adding an address we hold refreshes its lifetimes. */
nb_err nd6_addr_add(const uint8_t a[16], uint8_t prefix_len, uint32_t preferred_s,
                    uint32_t valid_s);
void nd6_addr_remove(const uint8_t a[16]);

/* ---- routers and RA-learned configuration ---- */

int nd6_has_default_router(void);
/* The router to send off-link traffic to (a reachable one first): 1 and *out. */
int nd6_default_router(uint8_t out[16]);
enum { ND6_RA_SEEN = 1u, ND6_RA_MANAGED = 2u, ND6_RA_OTHER = 4u };
/* ND6_RA_* bits from the latest RA (0: no RA yet). For DHCPv6. */
unsigned nd6_ra_flags(void);
/* RDNSS servers (RFC 8106) still within their lifetime. */
unsigned nd6_dns_servers(struct nb_ip *out, unsigned max);
/* The first DNSSL search domain ("" if none). */
const char *nd6_dns_search(void);

/* ---- for ip6.c ---- */

enum nd6_dst { ND6_DST_OTHER, ND6_DST_OURS, ND6_DST_TENTATIVE };
/* Is a received packet's destination ours: one of our unicast addresses, the
 * all-nodes group, or the solicited-node group of one of our addresses? */
enum nd6_dst nd6_dst_class(const uint8_t dst[16]);
/* Destination on-link: link-local, or inside an on-link (L) prefix. */
int nd6_on_link(const uint8_t a[16]);
/* Send p (data at the IPv6 header) to the neighbour next_hop, resolving its
 * MAC first if needed (one packet queued per entry). Consumes p. */
nb_err nd6_output(struct pkb *p, const uint8_t next_hop[16]);
/* Is next_hop's link-layer address known (1)? If not, start resolving it
 * (0). See arp_resolve_ahead. */
int nd6_resolve_ahead(const uint8_t next_hop[16]);
uint8_t nd6_cur_hop_limit(void); /* RA Cur Hop Limit, 0 if none */
unsigned nd6_link_mtu(void);     /* RA MTU option, 0 if none */

/* ICMPv6 types 133..137 after icmp6_input checked the checksum: p->data at
 * the ICMPv6 header; p->src/dst/hop_limit set. Consumes p. */
void nd6_input(struct pkb *p);

/* ---- the option parser: pure, for nd6_input, tests and fuzzing ---- */

#define ND6_MAX_PIO 4u /* prefix options taken from one RA; more are ignored */

struct nd6_pio {
    uint8_t prefix_len;
    uint8_t on_link, autonomous;
    uint32_t valid_s, preferred_s;
    const uint8_t *prefix; /* 16 bytes inside the packet */
};

struct nd6_opts {
    const uint8_t *slla, *tlla;  /* 6 bytes each, NULL if absent */
    const uint8_t *nonce;        /* RFC 7527 nonce (nonce_len bytes) */
    size_t nonce_len;
    uint32_t mtu;                /* 0 if absent */
    struct nd6_pio pio[ND6_MAX_PIO];
    unsigned n_pio;
    unsigned pio_ignored;        /* beyond ND6_MAX_PIO */
    const uint8_t *rdnss;        /* addresses, 16 bytes each */
    unsigned n_rdnss;
    uint32_t rdnss_lifetime;
    const uint8_t *dnssl;        /* the domain names field */
    size_t dnssl_len;
    uint32_t dnssl_lifetime;
};

/* Walk the options of an ND message (p: the options area). Every option
 * must have a non-zero length that fits; known options must have their
 * fixed sizes. NB_E_BAD_OPTION / NB_E_MALFORMED drop the whole message. */
nb_err nd6_parse_opts(const uint8_t *p, size_t len, struct nd6_opts *o);
/* The first domain of a DNSSL names field (RFC 8106 §5.2: uncompressed
 * labels, zero padding) as dotted text. */
nb_err nd6_dnssl_first(const uint8_t *p, size_t len, char *out, size_t size);

#endif
