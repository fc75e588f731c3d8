/* net/dns.c: the response parser (crafted messages, every truncation,
 * hostile compression), the query builder and name validation, and the
 * parts of dns_resolve that need no network. */
#include "testutil.h"
#include <stdio.h>
#include "core/err.h"
#include "net/dns.h"
#include "platform/host/host.h"

#define ID 0x1234u
#define QNAME "www.nb.test"
#define FL_RESPONSE 0x8180u /* QR, RD, RA, NOERROR */
#define T_CNAME 5u
#define C_IN 1u
#define C_CH 3u
#define OFF_QNAME 12u /* where the question's name starts */

/* ---------------------------------------------------------------- builder */

static void d_hdr(struct t_pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an)
{
    p->len = 0;
    t_be16(p, id);
    t_be16(p, flags);
    t_be16(p, qd);
    t_be16(p, an);
    t_be16(p, 0);
    t_be16(p, 0);
}

/* Labels of a dotted text name (no compression), without the root. */
static void d_labels(struct t_pkt *p, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        t_u8(p, (uint8_t)n);
        t_put(p, name, n);
        name += n + (dot ? 1 : 0);
    }
}

static void d_name(struct t_pkt *p, const char *name)
{
    d_labels(p, name);
    t_u8(p, 0);
}

static void d_ptr(struct t_pkt *p, uint16_t off) { t_be16(p, (uint16_t)(0xc000u | off)); }

static void d_question(struct t_pkt *p, const char *name, uint16_t type, uint16_t cls)
{
    d_name(p, name);
    t_be16(p, type);
    t_be16(p, cls);
}

/* type, class, ttl, rdlength: the owner name is written by the caller. */
static void d_rr(struct t_pkt *p, uint16_t type, uint16_t cls, uint16_t rdlen)
{
    t_be16(p, type);
    t_be16(p, cls);
    t_be32(p, 300);
    t_be16(p, rdlen);
}

static void d_a(struct t_pkt *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    d_rr(p, DNS_TYPE_A, C_IN, 4);
    t_u8(p, a);
    t_u8(p, b);
    t_u8(p, c);
    t_u8(p, d);
}

static void d_aaaa(struct t_pkt *p, uint8_t last)
{
    static const uint8_t pre[14] = { 0xfd, 0x00, 0xb0, 0x07 };
    d_rr(p, DNS_TYPE_AAAA, C_IN, 16);
    t_put(p, pre, sizeof pre);
    t_u8(p, 0);
    t_u8(p, last);
}

/* A CNAME whose target is written uncompressed. */
static void d_cname(struct t_pkt *p, const char *target)
{
    size_t at = p->len;
    d_rr(p, T_CNAME, C_IN, 0);
    size_t start = p->len;
    d_name(p, target);
    size_t rdlen = p->len - start;
    p->b[at + 8] = (uint8_t)(rdlen >> 8);
    p->b[at + 9] = (uint8_t)rdlen;
}

/* The usual start: header and our question at offset 12. */
static void d_begin(struct t_pkt *p, uint16_t flags, uint16_t an, uint16_t qtype)
{
    d_hdr(p, ID, flags, 1, an);
    d_question(p, QNAME, qtype, C_IN);
}

/* ------------------------------------------------------------------ parse */

static nb_err parse_as(const struct t_pkt *p, uint16_t id, const char *qname, uint16_t qtype,
                       struct dns_result *r)
{
    uint8_t *c = t_dup(p->b, p->len);
    nb_err e = dns_parse_response(c, p->len, id, qname, qtype, r);
    free(c);
    return e;
}

static nb_err parse(const struct t_pkt *p, uint16_t qtype, struct dns_result *r)
{
    memset(r, 0, sizeof *r);
    return parse_as(p, ID, QNAME, qtype, r);
}

static void assert_ip4(const struct nb_ip *ip, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    struct nb_ip want = nb_ip4(a, b, c, d);
    assert_true(nb_ip_eq(ip, &want));
}

static void assert_ip6_last(const struct nb_ip *ip, uint8_t last)
{
    static const uint8_t pre[4] = { 0xfd, 0x00, 0xb0, 0x07 };
    assert_int_equal(ip->family, 6);
    assert_memory_equal(ip->a, pre, 4);
    assert_int_equal(ip->a[15], last);
}

/* Every proper prefix of a valid message must fail without an address,
 * and the parser must never read past it (t_dup: ASan). */
static void assert_every_prefix_fails(const struct t_pkt *p, uint16_t qtype)
{
    for (size_t n = 0; n < p->len; n++) {
        struct dns_result r = { .n = 0 };
        uint8_t *c = t_dup(p->b, n);
        nb_err e = dns_parse_response(c, n, ID, QNAME, qtype, &r);
        free(c);
        assert_int_not_equal(e, NB_OK);
        assert_int_equal(r.n, 0);
    }
}

static void build_simple_a(struct t_pkt *p)
{
    d_begin(p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(p, OFF_QNAME);
    d_a(p, 198, 18, 0, 10);
}

static void test_simple_a(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    build_simple_a(&p);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 0, 10);
    assert_every_prefix_fails(&p, DNS_TYPE_A);
}

static void test_uncompressed_owner(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_name(&p, "WWW.NB.TEST");
    d_a(&p, 198, 18, 0, 11);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 0, 11);
}

static void test_several_a(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 3, DNS_TYPE_A);
    for (uint8_t i = 1; i <= 3; i++) {
        d_ptr(&p, OFF_QNAME);
        d_a(&p, 198, 18, 1, i);
    }
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_ip4(&r.addrs[i], 198, 18, 1, (uint8_t)(i + 1));
    assert_every_prefix_fails(&p, DNS_TYPE_A);
}

static void test_several_aaaa_appends(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_AAAA);
    d_ptr(&p, OFF_QNAME);
    d_aaaa(&p, 0x10);
    d_ptr(&p, OFF_QNAME);
    d_aaaa(&p, 0x11);
    assert_int_equal(parse(&p, DNS_TYPE_AAAA, &r), NB_OK);
    assert_int_equal(r.n, 2);
    assert_ip6_last(&r.addrs[0], 0x10);
    assert_ip6_last(&r.addrs[1], 0x11);
    assert_every_prefix_fails(&p, DNS_TYPE_AAAA);

    /* Then an A answer appends after them. */
    struct t_pkt a;
    d_begin(&a, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&a, OFF_QNAME);
    d_a(&a, 198, 18, 0, 1);
    d_ptr(&a, OFF_QNAME);
    d_a(&a, 198, 18, 0, 2);
    assert_int_equal(parse_as(&a, ID, QNAME, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 4);
    assert_ip6_last(&r.addrs[1], 0x11);
    assert_ip4(&r.addrs[2], 198, 18, 0, 1);
    assert_ip4(&r.addrs[3], 198, 18, 0, 2);
}

static void test_mixed_types_only_qtype_collected(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 3, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_aaaa(&p, 0x10); /* not what we asked: ignored */
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, 16, C_IN, 4); /* TXT */
    t_put(&p, "\003abc", 4);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 7);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 0, 7);
}

static void test_duplicates_and_capacity(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 22, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 2, 0);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 2, 0); /* duplicate */
    for (uint8_t i = 1; i <= 20; i++) {
        d_ptr(&p, OFF_QNAME);
        d_a(&p, 198, 18, 2, i);
    }
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, DNS_MAX_ADDRS);
    assert_ip4(&r.addrs[0], 198, 18, 2, 0);
    assert_ip4(&r.addrs[1], 198, 18, 2, 1);
    assert_ip4(&r.addrs[DNS_MAX_ADDRS - 1], 198, 18, 2, DNS_MAX_ADDRS - 1);
}

/* A real answer, captured from dnsmasq 2.90 (firmware/fuzz/make-seeds-dns.py
 * --dnsmasq): alias.nb.test A, a CNAME to www.nb.test and its two
 * addresses, the owner names compressed as dnsmasq does it. */
static const uint8_t dnsmasq_alias_a[] = {
    0x57, 0x5d, 0x85, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    0x05, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x02, 0x6e, 0x62, 0x04, 0x74, 0x65,
    0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x05, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x03, 0x77, 0x77, 0x77, 0x02,
    0x6e, 0x62, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0xc0, 0x2b, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc6, 0x12, 0x00, 0x0b,
    0xc0, 0x2b, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
    0xc6, 0x12, 0x00, 0x0a,
};

static void test_dnsmasq_capture(void **state)
{
    (void)state;
    struct dns_result r = { .n = 0 };
    size_t len = sizeof dnsmasq_alias_a;
    uint8_t *c = t_dup(dnsmasq_alias_a, len);
    assert_int_equal(dns_parse_response(c, len, 0x575d, "alias.nb.test", DNS_TYPE_A, &r), NB_OK);
    free(c);
    assert_int_equal(r.n, 2);
    assert_ip4(&r.addrs[0], 198, 18, 0, 11);
    assert_ip4(&r.addrs[1], 198, 18, 0, 10);
    for (size_t n = 0; n < len; n++) {
        struct dns_result t = { .n = 0 };
        c = t_dup(dnsmasq_alias_a, n);
        assert_int_not_equal(dns_parse_response(c, n, 0x575d, "alias.nb.test", DNS_TYPE_A, &t),
                             NB_OK);
        free(c);
        assert_int_equal(t.n, 0);
    }
    /* Every single-byte corruption is either still a clean parse or refused:
     * never an address of the wrong family, never more than were sent. */
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            struct dns_result t = { .n = 0 };
            c = t_dup(dnsmasq_alias_a, len);
            c[i] ^= (uint8_t)(1u << bit);
            nb_err e = dns_parse_response(c, len, 0x575d, "alias.nb.test", DNS_TYPE_A, &t);
            free(c);
            assert_true(t.n <= 2);
            assert_true(e == NB_OK ? t.n >= 1 : t.n == 0);
            for (unsigned k = 0; k < t.n; k++)
                assert_int_equal(t.addrs[k].family, 4);
        }
    }
}

/* ------------------------------------------------------------------ CNAME */

static void test_cname_chain(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 5, DNS_TYPE_A);
    /* Out of order on purpose: the address first, then the chain. */
    d_name(&p, "real.nb.test");
    d_a(&p, 198, 18, 3, 1);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 66, 66); /* owned by a name the chain leaves: ignored */
    d_ptr(&p, OFF_QNAME);
    d_cname(&p, "alias.nb.test");
    d_name(&p, "ALIAS.nb.test");
    d_cname(&p, "real.NB.test");
    d_name(&p, "real.nb.test");
    d_a(&p, 198, 18, 3, 2);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 2);
    assert_ip4(&r.addrs[0], 198, 18, 3, 1);
    assert_ip4(&r.addrs[1], 198, 18, 3, 2);
    assert_every_prefix_fails(&p, DNS_TYPE_A);
}

static void test_cname_compressed_target(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_AAAA);
    d_ptr(&p, OFF_QNAME);
    size_t at = p.len;
    d_rr(&p, T_CNAME, C_IN, 8);
    size_t target = p.len; /* "other" + pointer to "nb.test" in the question */
    d_labels(&p, "other");
    d_ptr(&p, OFF_QNAME + 4);
    assert_int_equal(p.len - (at + 10), 8);
    d_ptr(&p, (uint16_t)target); /* owner: other.nb.test, via two jumps */
    d_aaaa(&p, 0x42);
    assert_int_equal(parse(&p, DNS_TYPE_AAAA, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip6_last(&r.addrs[0], 0x42);
    assert_every_prefix_fails(&p, DNS_TYPE_AAAA);
}

static void test_cname_without_address_is_no_data(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_cname(&p, "elsewhere.example");
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_NO_DATA);
    assert_int_equal(r.n, 0);
}

/* A chain of `hops` CNAMEs from the question name, then an A record. */
static nb_err chain_of(unsigned hops, struct dns_result *r)
{
    struct t_pkt p;
    char from[32], to[32];
    d_begin(&p, FL_RESPONSE, (uint16_t)(hops + 1), DNS_TYPE_A);
    for (unsigned i = 0; i < hops; i++) {
        snprintf(from, sizeof from, "c%u.nb.test", i);
        snprintf(to, sizeof to, "c%u.nb.test", i + 1);
        if (i == 0)
            d_ptr(&p, OFF_QNAME);
        else
            d_name(&p, from);
        d_cname(&p, to);
    }
    snprintf(to, sizeof to, "c%u.nb.test", hops);
    d_name(&p, hops ? to : QNAME);
    d_a(&p, 198, 18, 4, 1);
    return parse(&p, DNS_TYPE_A, r);
}

static void test_cname_chain_bound(void **state)
{
    (void)state;
    struct dns_result r;
    assert_int_equal(chain_of(0, &r), NB_OK);
    assert_int_equal(chain_of(8, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 4, 1);
    assert_int_equal(chain_of(9, &r), NB_E_DNS_CNAME_LOOP);
    assert_int_equal(r.n, 0);
}

static void test_cname_loop(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 3, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_cname(&p, "b.nb.test");
    d_name(&p, "b.nb.test");
    d_cname(&p, QNAME);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 5, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_CNAME_LOOP);
    assert_int_equal(r.n, 0);

    /* A CNAME to itself. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_cname(&p, QNAME);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_CNAME_LOOP);
}

static void test_cname_rdata_mismatch(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    /* rdlength one longer than the name: a byte left over. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, T_CNAME, C_IN, 4);
    d_ptr(&p, OFF_QNAME);
    t_u8(&p, 0);
    t_u8(&p, 0);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_MALFORMED);
    /* rdlength shorter than the name: the name may not run past it. */
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, T_CNAME, C_IN, 3);
    d_name(&p, "x.nb.test");
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 1, 2, 3, 4);
    assert_int_not_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 0);
}

/* ------------------------------------------------------------ compression */

static void test_pointer_forward_rejected(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    size_t owner = p.len;
    d_ptr(&p, (uint16_t)(owner + 2 + 10 + 4)); /* to a name after the record */
    d_a(&p, 198, 18, 0, 1);
    d_name(&p, QNAME);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);
    assert_int_equal(r.n, 0);
}

static void test_pointer_to_itself(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, (uint16_t)p.len);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);

    /* A label, then a pointer back to that label: a loop without a jump
     * "forward", refused because it points into its own run of labels. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    size_t start = p.len;
    d_labels(&p, "www");
    d_ptr(&p, (uint16_t)start);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);
}

static void test_pointer_loop(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    /* Two names pointing at each other: X = "a" + pointer to Y, Y = "b" +
     * pointer to X. X's pointer is a forward one. */
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    size_t x = p.len;
    t_u8(&p, 1);
    t_u8(&p, 'a');
    d_ptr(&p, (uint16_t)(x + 4));
    t_u8(&p, 1); /* Y = x + 4 */
    t_u8(&p, 'b');
    d_ptr(&p, (uint16_t)x);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);

    /* A loop made only of pointers that each point before themselves: the
     * owner jumps back to P, P jumps back to R, the labels at R run forward
     * into P again. Refused at P's second use: its target R is not before
     * the run of labels (starting at R) that it ends. */
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, 99, C_IN, 6);
    size_t rr = p.len;
    d_labels(&p, "abc");           /* R: 3 abc */
    d_ptr(&p, (uint16_t)rr);       /* P = R + 4: pointer to R */
    d_ptr(&p, (uint16_t)(rr + 4)); /* the A record's owner: pointer to P */
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);
}

static void test_pointer_out_of_bounds(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, 0x3fff);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);

    /* Into the header. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, 4);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);

    /* A pointer cut in half by the end of the message. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    t_u8(&p, 0xc0);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_TRUNCATED);

    /* The question itself compressed: nothing before it to point at. */
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    d_ptr(&p, 12);
    t_be16(&p, DNS_TYPE_A);
    t_be16(&p, C_IN);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_POINTER);
}

/* n pointers, each to the one before, the first to the question name; the
 * A record's owner points at the last: n + 1 jumps. */
static nb_err jumps(unsigned n, struct dns_result *r)
{
    struct t_pkt p;
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, 99, C_IN, (uint16_t)(2 * n));
    size_t prev = OFF_QNAME;
    for (unsigned i = 0; i < n; i++) {
        size_t here = p.len;
        d_ptr(&p, (uint16_t)prev);
        prev = here;
    }
    d_ptr(&p, (uint16_t)prev);
    d_a(&p, 198, 18, 6, 1);
    return parse(&p, DNS_TYPE_A, r);
}

static void test_pointer_jump_bound(void **state)
{
    (void)state;
    struct dns_result r;
    assert_int_equal(jumps(15, &r), NB_OK); /* 16 jumps */
    assert_int_equal(r.n, 1);
    assert_int_equal(jumps(16, &r), NB_E_DNS_BAD_POINTER); /* 17 */
    assert_int_equal(r.n, 0);
}

/* --------------------------------------------------------- labels, lengths */

static void test_label_types(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    static const uint8_t bad[] = { 0x40, 0x7f, 0x80, 0xbf };
    for (size_t i = 0; i < T_ARRAY_LEN(bad); i++) {
        d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
        t_u8(&p, bad[i]);
        t_zeros(&p, 70);
        t_u8(&p, 0);
        d_a(&p, 198, 18, 0, 1);
        assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_MALFORMED);
    }
    /* 63 is the longest label. */
    char l63[64];
    memset(l63, 'x', 63);
    l63[63] = 0;
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_name(&p, l63);
    d_a(&p, 198, 18, 0, 2);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 0, 1);
}

/* A 193-byte name (three 63-byte labels) sits in a dummy record; the A
 * record's owner is one more label of `first` bytes and a pointer to it. */
static nb_err long_name(unsigned first, struct dns_result *r)
{
    struct t_pkt p;
    char l63[64];
    memset(l63, 'y', 63);
    l63[63] = 0;
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, 99, C_IN, 193);
    size_t tail = p.len;
    for (int i = 0; i < 3; i++)
        d_labels(&p, l63);
    t_u8(&p, 0);
    assert_int_equal(p.len - tail, 193);
    t_u8(&p, (uint8_t)first);
    for (unsigned i = 0; i < first; i++)
        t_u8(&p, 'z');
    d_ptr(&p, (uint16_t)tail);
    d_a(&p, 198, 18, 0, 1);
    return parse(&p, DNS_TYPE_A, r);
}

static void test_name_length_bound(void **state)
{
    (void)state;
    struct dns_result r;
    assert_int_equal(long_name(61, &r), NB_E_DNS_NO_DATA); /* 62 + 193 = 255 */
    assert_int_equal(long_name(62, &r), NB_E_MALFORMED);   /* 256 */
    assert_int_equal(long_name(63, &r), NB_E_MALFORMED);

    /* Uncompressed: four 63-byte labels. */
    struct t_pkt p;
    char l63[64];
    memset(l63, 'q', 63);
    l63[63] = 0;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    for (int i = 0; i < 4; i++)
        d_labels(&p, l63);
    t_u8(&p, 0);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_MALFORMED);
}

static void test_rdlength(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, DNS_TYPE_A, C_IN, 5);
    t_put(&p, "\xc6\x12\x00\x01\x00", 5);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_MALFORMED);

    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_AAAA);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, DNS_TYPE_AAAA, C_IN, 4);
    t_put(&p, "\xc6\x12\x00\x01", 4);
    assert_int_equal(parse(&p, DNS_TYPE_AAAA, &r), NB_E_MALFORMED);

    /* A good record before a broken one: nothing is appended. */
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 1);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, DNS_TYPE_A, C_IN, 3);
    t_put(&p, "\xc6\x12\x00", 3);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_MALFORMED);
    assert_int_equal(r.n, 0);

    /* rdlength past the end. */
    d_begin(&p, FL_RESPONSE, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, DNS_TYPE_A, C_IN, 4);
    t_put(&p, "\xc6\x12", 2);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_TRUNCATED);

    /* More records announced than present. */
    build_simple_a(&p);
    p.b[7] = 2;
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_TRUNCATED);
    assert_int_equal(r.n, 0);
}

static void test_class_ch_and_other_owner_ignored(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE, 3, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_rr(&p, DNS_TYPE_A, C_CH, 4);
    t_put(&p, "\x0a\x00\x00\x01", 4);
    d_name(&p, "evil.nb.test");
    d_a(&p, 10, 0, 0, 2);
    d_name(&p, "www.nb.test.evil");
    d_a(&p, 10, 0, 0, 3);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_NO_DATA);
    assert_int_equal(r.n, 0);

    /* A CNAME of class CH is not followed either. */
    d_begin(&p, FL_RESPONSE, 2, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    size_t at = p.len;
    d_cname(&p, "evil.nb.test");
    p.b[at + 3] = C_CH;
    d_name(&p, "evil.nb.test");
    d_a(&p, 10, 0, 0, 2);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_NO_DATA);
}

/* --------------------------------------------------------- header, question */

static void test_header_mismatch(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    build_simple_a(&p);
    assert_int_equal(parse_as(&p, ID + 1, QNAME, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);

    build_simple_a(&p);
    p.b[2] &= 0x7f; /* QR=0: a query, not an answer */
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);

    build_simple_a(&p);
    p.b[2] |= 0x10; /* opcode 2 (STATUS) */
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);

    build_simple_a(&p);
    p.b[5] = 0; /* no question */
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    p.b[5] = 2; /* two questions */
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    assert_int_equal(r.n, 0);
}

static void test_question_mismatch(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    build_simple_a(&p);
    assert_int_equal(parse(&p, DNS_TYPE_AAAA, &r), NB_E_DNS_BAD_REPLY); /* type */
    memset(&r, 0, sizeof r);
    assert_int_equal(parse_as(&p, ID, "www.nb.tes", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    assert_int_equal(parse_as(&p, ID, "ww.nb.test", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    assert_int_equal(parse_as(&p, ID, "www.nb.test.x", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    assert_int_equal(parse_as(&p, ID, "www.nb", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    assert_int_equal(r.n, 0);

    /* Case does not matter, nor a trailing dot on our side. */
    assert_int_equal(parse_as(&p, ID, "WWW.Nb.TeSt", DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(parse_as(&p, ID, "www.nb.test.", DNS_TYPE_A, &r), NB_OK);
    d_hdr(&p, ID, FL_RESPONSE, 1, 1);
    d_question(&p, "wWw.NB.tEST", DNS_TYPE_A, C_IN);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 9);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_ip4(&r.addrs[0], 198, 18, 0, 9);

    /* The class must be IN. */
    d_hdr(&p, ID, FL_RESPONSE, 1, 1);
    d_question(&p, "www.nb.test", DNS_TYPE_A, C_CH);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 9);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    /* Only letters fold: a naive "| 0x20" would take CR for '-' and DEL
     * for '_'. */
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    d_question(&p, "a\rb.nb.test", DNS_TYPE_A, C_IN);
    assert_int_equal(parse_as(&p, ID, "a-b.nb.test", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    d_question(&p, "\x7fx.nb.test", DNS_TYPE_A, C_IN);
    assert_int_equal(parse_as(&p, ID, "_x.nb.test", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    d_question(&p, "_X.nb.test", DNS_TYPE_A, C_IN);
    assert_int_equal(parse_as(&p, ID, "_x.NB.test", DNS_TYPE_A, &r), NB_E_DNS_NO_DATA);
    /* Label boundaries count: "ab.c" is not "a.bc" (same length on the wire). */
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    d_question(&p, "a.bc", DNS_TYPE_A, C_IN);
    assert_int_equal(parse_as(&p, ID, "ab.c", DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
}

static void test_rcodes(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    static const struct {
        uint16_t rcode;
        nb_err want;
    } cases[] = {
        { 1, NB_E_DNS_RCODE },    { 2, NB_E_DNS_SERVFAIL }, { 3, NB_E_DNS_NXDOMAIN },
        { 4, NB_E_DNS_RCODE },    { 5, NB_E_DNS_REFUSED },  { 9, NB_E_DNS_RCODE },
    };
    for (size_t i = 0; i < T_ARRAY_LEN(cases); i++) {
        d_begin(&p, (uint16_t)(FL_RESPONSE | cases[i].rcode), 0, DNS_TYPE_A);
        assert_int_equal(parse(&p, DNS_TYPE_A, &r), cases[i].want);
        /* An error code wins over any records that came with it. */
        d_begin(&p, (uint16_t)(FL_RESPONSE | cases[i].rcode), 1, DNS_TYPE_A);
        d_ptr(&p, OFF_QNAME);
        d_a(&p, 198, 18, 0, 1);
        assert_int_equal(parse(&p, DNS_TYPE_A, &r), cases[i].want);
        assert_int_equal(r.n, 0);
    }
    /* NOERROR without records: no data. */
    d_begin(&p, FL_RESPONSE, 0, DNS_TYPE_AAAA);
    assert_int_equal(parse(&p, DNS_TYPE_AAAA, &r), NB_E_DNS_NO_DATA);
    /* NXDOMAIN with a question from someone else is still not ours. */
    d_hdr(&p, ID, FL_RESPONSE | 3, 1, 0);
    d_question(&p, "other.nb.test", DNS_TYPE_A, C_IN);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_BAD_REPLY);
}

static void test_truncated_flag(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    d_begin(&p, FL_RESPONSE | 0x0200, 1, DNS_TYPE_A);
    d_ptr(&p, OFF_QNAME);
    d_a(&p, 198, 18, 0, 1);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_DNS_TRUNCATED);
    assert_int_equal(r.n, 0);
}

static void test_short_and_empty(void **state)
{
    (void)state;
    struct dns_result r = { .n = 0 };
    uint8_t one = 0;
    assert_int_equal(dns_parse_response(&one, 0, ID, QNAME, DNS_TYPE_A, &r), NB_E_TRUNCATED);
    struct t_pkt p;
    d_hdr(&p, ID, FL_RESPONSE, 1, 0);
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_E_TRUNCATED);
    /* Our own arguments are checked too. */
    build_simple_a(&p);
    assert_int_equal(parse_as(&p, ID, QNAME, 16, &r), NB_E_INVALID);
    assert_int_equal(parse_as(&p, ID, "bad..name", DNS_TYPE_A, &r), NB_E_DNS_BAD_NAME);
}

/* The authority and additional sections are not read at all. */
static void test_other_sections_ignored(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dns_result r;
    build_simple_a(&p);
    p.b[9] = 5;  /* NSCOUNT: records that are not there */
    p.b[11] = 7; /* ARCOUNT */
    assert_int_equal(parse(&p, DNS_TYPE_A, &r), NB_OK);
    assert_int_equal(r.n, 1);
}

/* ------------------------------------------------------------ the builder */

static void test_build_query(void **state)
{
    (void)state;
    uint8_t q[DNS_QUERY_MAX];
    size_t len = 0;
    static const uint8_t want[] = {
        0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        3, 'w', 'w', 'W', 2, 'n', 'b', 4, 't', 'e', 's', 't', 0,
        0x00, 0x1c, 0x00, 0x01,
    };
    assert_int_equal(dns_build_query(q, sizeof q, 0xbeef, "wwW.nb.test", DNS_TYPE_AAAA, &len),
                     NB_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(q, want, sizeof want);
    assert_int_equal(dns_build_query(q, sizeof q, 0xbeef, "wwW.nb.test.", DNS_TYPE_AAAA, &len),
                     NB_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(q, want, sizeof want);
    /* Too small a buffer, at every size. */
    for (size_t n = 0; n < sizeof want; n++) {
        uint8_t *c = malloc(n ? n : 1);
        assert_int_equal(dns_build_query(c, n, 1, "wwW.nb.test", DNS_TYPE_AAAA, &len),
                         NB_E_TOO_BIG);
        free(c);
    }
}

static nb_err check_name(const char *name)
{
    uint8_t q[DNS_QUERY_MAX];
    size_t len;
    return dns_build_query(q, sizeof q, 1, name, DNS_TYPE_A, &len);
}

static void test_name_validation(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a", "boot", "www.nb.test", "www.nb.test.", "_http._tcp.nb.test", "a-b.c_d.E9",
        "0.1", "xn--bcher-kva.example",
    };
    static const char *const bad[] = {
        "", ".", "..", "a..b", ".a", "a.b..", "a b", "a/b", "a\tb", "host:80",
        "a\xc3\xa4", "[fd00::1]", "a.b\n", "*.nb.test", "a@b",
    };
    for (size_t i = 0; i < T_ARRAY_LEN(good); i++)
        assert_int_equal(check_name(good[i]), NB_OK);
    for (size_t i = 0; i < T_ARRAY_LEN(bad); i++)
        assert_int_equal(check_name(bad[i]), NB_E_DNS_BAD_NAME);

    char name[300];
    /* Labels: 63 fine, 64 not. */
    memset(name, 'l', 64);
    name[64] = 0;
    assert_int_equal(check_name(name), NB_E_DNS_BAD_NAME);
    name[63] = 0;
    assert_int_equal(check_name(name), NB_OK);
    /* Total: 253 characters fine (254 with the final dot), 254 not. */
    memset(name, 0, sizeof name);
    for (size_t i = 0; i < 253; i++)
        name[i] = (i % 50 == 49) ? '.' : 'n';
    assert_int_equal(strlen(name), 253);
    assert_int_equal(check_name(name), NB_OK);
    name[253] = '.';
    assert_int_equal(check_name(name), NB_OK);
    name[253] = 'n';
    assert_int_equal(check_name(name), NB_E_DNS_BAD_NAME);
    name[254] = '.';
    assert_int_equal(check_name(name), NB_E_DNS_BAD_NAME);
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    assert_int_equal(check_name(name), NB_E_DNS_BAD_NAME);

    /* A query for the longest name parses back as its own question. */
    uint8_t q[DNS_QUERY_MAX];
    size_t len;
    memset(name, 0, sizeof name);
    for (size_t i = 0; i < 253; i++)
        name[i] = (i % 64 == 63) ? '.' : 'm';
    assert_int_equal(dns_build_query(q, sizeof q, ID, name, DNS_TYPE_A, &len), NB_OK);
    assert_int_equal(len, DNS_QUERY_MAX);
    q[2] |= 0x80; /* make it an (empty) answer */
    struct dns_result r = { .n = 0 };
    assert_int_equal(dns_parse_response(q, len, ID, name, DNS_TYPE_A, &r), NB_E_DNS_NO_DATA);
}

/* ------------------------------------------------- dns_resolve, offline */

static void test_resolve_offline(void **state)
{
    (void)state;
    static char console[4096];
    struct dns_result r;
    host_console_capture(console, sizeof console);

    /* Literals need no server and no network. */
    dns_set_servers(NULL, 0);
    assert_int_equal(dns_resolve("198.18.0.1", 1, 1, 100, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_ip4(&r.addrs[0], 198, 18, 0, 1);
    assert_int_equal(dns_resolve("fd00:b007::1", 0, 1, 100, &r), NB_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.addrs[0].family, 6);
    assert_int_equal(dns_resolve("fd00:b007::1", 1, 0, 100, &r), NB_E_DNS_NO_DATA);
    assert_int_equal(r.n, 0);

    assert_int_equal(dns_resolve("www.nb.test", 1, 1, 100, &r), NB_E_DNS_NO_SERVER);
    assert_non_null(strstr(console, "no server configured"));
    assert_int_equal(dns_resolve("bad name", 1, 0, 100, &r), NB_E_DNS_BAD_NAME);
    assert_int_equal(dns_resolve("www.nb.test", 0, 0, 100, &r), NB_E_INVALID);

    /* The server list: duplicates and unset entries dropped, bounded. */
    struct nb_ip list[6] = { nb_ip4(198, 18, 0, 53), nb_ip4(198, 18, 0, 53), { .family = 0 },
                             nb_ip4(198, 18, 0, 54), nb_ip4(198, 18, 0, 55),
                             nb_ip4(198, 18, 0, 56) };
    dns_set_servers(list, 6);
    struct nb_ip extra = nb_ip4(198, 18, 0, 57);
    dns_add_server(&extra); /* full: ignored, no crash */
    dns_set_servers(NULL, 0);
    host_console_capture(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_a),
        cmocka_unit_test(test_uncompressed_owner),
        cmocka_unit_test(test_several_a),
        cmocka_unit_test(test_several_aaaa_appends),
        cmocka_unit_test(test_mixed_types_only_qtype_collected),
        cmocka_unit_test(test_duplicates_and_capacity),
        cmocka_unit_test(test_dnsmasq_capture),
        cmocka_unit_test(test_cname_chain),
        cmocka_unit_test(test_cname_compressed_target),
        cmocka_unit_test(test_cname_without_address_is_no_data),
        cmocka_unit_test(test_cname_chain_bound),
        cmocka_unit_test(test_cname_loop),
        cmocka_unit_test(test_cname_rdata_mismatch),
        cmocka_unit_test(test_pointer_forward_rejected),
        cmocka_unit_test(test_pointer_to_itself),
        cmocka_unit_test(test_pointer_loop),
        cmocka_unit_test(test_pointer_out_of_bounds),
        cmocka_unit_test(test_pointer_jump_bound),
        cmocka_unit_test(test_label_types),
        cmocka_unit_test(test_name_length_bound),
        cmocka_unit_test(test_rdlength),
        cmocka_unit_test(test_class_ch_and_other_owner_ignored),
        cmocka_unit_test(test_header_mismatch),
        cmocka_unit_test(test_question_mismatch),
        cmocka_unit_test(test_rcodes),
        cmocka_unit_test(test_truncated_flag),
        cmocka_unit_test(test_short_and_empty),
        cmocka_unit_test(test_other_sections_ignored),
        cmocka_unit_test(test_build_query),
        cmocka_unit_test(test_name_validation),
        cmocka_unit_test(test_resolve_offline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
