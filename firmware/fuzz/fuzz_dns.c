/* libFuzzer target: net/dns.c (dns_parse_response, and dns_build_query on
 * the same bytes read as a text name).
 *
 * The input is parsed as a reply to each of the seed corpus's questions
 * (A and AAAA for three names), with the query id taken from the message
 * itself so the fuzzer gets past the header. Invariants: at most
 * DNS_MAX_ADDRS addresses, of the family asked for, nothing appended on
 * failure, NB_OK only with an address in hand. A name the builder accepts
 * must make a query that parses back as its own (empty) answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/dns.h"

static const char *const qnames[] = { "www.nb.test", "alias.nb.test", "many.nb.test" };

static void parse_as(const uint8_t *data, size_t size, uint16_t id, const char *qname,
                     uint16_t qtype)
{
    struct dns_result r;
    memset(&r, 0xa5, sizeof r);
    r.n = 0;
    nb_err e = dns_parse_response(data, size, id, qname, qtype, &r);
    if (r.n > DNS_MAX_ADDRS)
        abort();
    if (e != NB_OK && r.n != 0)
        abort();
    if (e == NB_OK && r.n == 0)
        abort();
    for (unsigned i = 0; i < r.n; i++)
        if (r.addrs[i].family != (qtype == DNS_TYPE_A ? 4 : 6))
            abort();
}

static void build_from_text(const uint8_t *data, size_t size)
{
    char name[300];
    uint8_t q[DNS_QUERY_MAX];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1, len = 0;
    memcpy(name, data, n);
    name[n] = 0;
    if (dns_build_query(q, sizeof q, 0x4242, name, DNS_TYPE_AAAA, &len) != NB_OK)
        return;
    if (len < 12 + 2 + 4 || len > DNS_QUERY_MAX)
        abort();
    q[2] |= 0x80; /* QR: an answer without records */
    struct dns_result r = { .n = 0 };
    if (dns_parse_response(q, len, 0x4242, name, DNS_TYPE_AAAA, &r) != NB_E_DNS_NO_DATA)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
    for (size_t i = 0; i < sizeof qnames / sizeof qnames[0]; i++) {
        parse_as(data, size, id, qnames[i], DNS_TYPE_A);
        parse_as(data, size, id, qnames[i], DNS_TYPE_AAAA);
    }
    build_from_text(data, size);
    return 0;
}
