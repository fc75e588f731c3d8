/*
 * DNS stub resolver (RFC 1035, RFC 3596): A and AAAA over UDP, several
 * servers, random query id and source port per query; an answer must come
 * from the queried server and port, echo the question, and is parsed with
 * bounded compression pointers (backwards only) and a bounded CNAME chain.
 * Returns every address, so the site race sees all candidates.
 */
#ifndef NB_DNS_H
#define NB_DNS_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "net/addr.h"

#define DNS_MAX_SERVERS 4u
#define DNS_MAX_ADDRS 16u

#define DNS_TYPE_A 1u
#define DNS_TYPE_AAAA 28u
/* Header (12) + the longest name in wire form (255) + qtype + qclass. */
#define DNS_QUERY_MAX 271u

/* Replace the server list (DHCPv4 option 6, DHCPv6 option 23, RA RDNSS). */
void dns_set_servers(const struct nb_ip *servers, unsigned n);
/* Add one server if not already known. */
void dns_add_server(const struct nb_ip *server);

struct dns_result {
    struct nb_ip addrs[DNS_MAX_ADDRS];
    unsigned n;
};

/* Resolve name: want4/want6 select A and/or AAAA (queried in parallel).
 * Blocks in the stack's loop until answered or timeout_ms passes. An IP
 * literal of a wanted family is returned as is, without a query. With both
 * families wanted, the addresses are interleaved IPv6 first (RFC 8305 §4);
 * one family answering is success. */
nb_err dns_resolve(const char *name, int want4, int want6, uint32_t timeout_ms,
                   struct dns_result *out);

/* The response parser, exposed for tests and fuzzing: parse one DNS message
 * answering (qname, qtype) with query id `id`, appending addresses to out
 * (nothing is appended unless the whole answer section is well formed).
 * NB_OK: the answer holds at least one address (duplicates of addresses
 * already in out, and any beyond DNS_MAX_ADDRS, are not appended);
 * NB_E_DNS_NO_DATA: a clean answer without one;
 * NB_E_DNS_BAD_REPLY: not an answer to this question (wrong id, QR=0, other
 * opcode, question mismatch); NB_E_DNS_NXDOMAIN/SERVFAIL/REFUSED/RCODE: the
 * server's verdict; NB_E_DNS_TRUNCATED: TC=1; NB_E_DNS_CNAME_LOOP;
 * NB_E_TRUNCATED/NB_E_MALFORMED/NB_E_DNS_BAD_POINTER: broken message. */
nb_err dns_parse_response(const uint8_t *msg, size_t len, uint16_t id, const char *qname,
                          uint16_t qtype, struct dns_result *out);

/* Build a query (RD set, one question, class IN) for the text name, which is
 * validated first (NB_E_DNS_BAD_NAME): labels of 1..63 letters, digits,
 * '-' or '_', at most 253 characters, one trailing dot allowed. */
nb_err dns_build_query(uint8_t *buf, size_t size, uint16_t id, const char *name,
                       uint16_t qtype, size_t *len);

#endif
