/*
 * ICMPv6 (RFC 4443).
 *
 * Receive: at least the 4-byte header, then the checksum over the IPv6
 * pseudo-header (mandatory, a bad one drops the message), then by type:
 *   echo request       answered from the address it was sent to (from our
 *                      selected unicast address if it went to a group)
 *   echo reply         matched against the requests icmp6_echo_send made
 *   errors 1-4         the invoking packet (our own datagram, truncated) is
 *                      walked through its extension headers to its transport
 *                      ports and the transport is told (udp/tcp_icmp_error);
 *                      Packet Too Big also lowers the path MTU (RFC 8201)
 *   130 (MLD query)    answered by net/mld6.c
 *   133-137            neighbour discovery (net/nd6.c)
 *   anything else      counted and dropped
 * Send errors: never about an ICMPv6 error or a redirect, never to an
 * unspecified or multicast source, not to a multicast destination except
 * Packet Too Big and Parameter Problem for an option type 10xxxxxx;
 * a token bucket (ICMP6_ERR_RATE per second) bounds them; the message
 * carries as much of the invoking packet as fits in the minimum MTU.
 */
#include "net/icmp6.h"
#include "core/clock.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/echo.h"
#include "net/ip.h"
#include "net/ip6.h"
#include "net/mld6.h"
#include "net/nd6.h"
#include <string.h>

/* ---------------------------------------------------------------- output */

static uint16_t checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *m, size_t len)
{
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, dst);
    return csum_transport(&s, &d, NB_PROTO_ICMP6, m, len);
}

static void fill_checksum(struct pkb *p, const uint8_t src[16], const uint8_t dst[16])
{
    put16(p->data + 2, 0);
    put16(p->data + 2, checksum(src, dst, p->data, p->len));
}

nb_err icmp6_output(struct pkb *p, const uint8_t *src, const uint8_t dst[16], uint8_t hop_limit)
{
    uint8_t s[16], d[16];
    memcpy(d, dst, 16);
    if (src) {
        memcpy(s, src, 16);
    } else {
        nb_err e = ip6_select_src(d, s);
        if (e != NB_OK) {
            pkb_free(p);
            return e;
        }
    }
    if (p->len < 4) {
        pkb_free(p);
        return NB_E_INVALID;
    }
    fill_checksum(p, s, d);
    return ip6_output(p, NB_PROTO_ICMP6, s, d, hop_limit);
}

nb_err icmp6_output_onlink(struct pkb *p, const uint8_t src[16], const uint8_t dst[16],
                           uint8_t hop_limit)
{
    uint8_t s[16], d[16];
    memcpy(s, src, 16);
    memcpy(d, dst, 16);
    if (p->len < 4) {
        pkb_free(p);
        return NB_E_INVALID;
    }
    fill_checksum(p, s, d);
    return ip6_output_onlink(p, NB_PROTO_ICMP6, s, d, hop_limit);
}

/* ---------------------------------------------------------------- errors */

nb_err icmp6_parse_invoking(const uint8_t *p, size_t len, struct icmp6_flow *f)
{
    memset(f, 0, sizeof *f);
    if (len < IP6_HLEN)
        return NB_E_TRUNCATED;
    if ((p[0] >> 4) != 6)
        return NB_E_MALFORMED;
    memcpy(f->src, p + 8, 16);
    memcpy(f->dst, p + 24, 16);
    uint8_t nh = p[6];
    size_t off = IP6_HLEN;
    for (unsigned n = 0;; n++) {
        size_t hlen;
        switch (nh) {
        case IP6_NH_HOPOPTS:
        case IP6_NH_DSTOPTS:
        case IP6_NH_ROUTING:
            if (len - off < 2)
                return NB_E_TRUNCATED;
            hlen = ((size_t)p[off + 1] + 1u) * 8u;
            break;
        case IP6_NH_FRAGMENT:
            if (len - off < 8)
                return NB_E_TRUNCATED;
            if (get16(p + off + 2) & 0xfff8u)
                return NB_E_UNSUPPORTED; /* not the first fragment: no ports */
            hlen = 8;
            break;
        case 51: /* AH: length in 4-byte units, minus 2 */
            if (len - off < 2)
                return NB_E_TRUNCATED;
            hlen = ((size_t)p[off + 1] + 2u) * 4u;
            break;
        case IP6_NH_NONE:
            return NB_E_UNSUPPORTED;
        default:
            f->proto = nh;
            f->l4_off = off;
            if (len - off < 4)
                return NB_E_TRUNCATED;
            f->sport = get16(p + off);
            f->dport = get16(p + off + 2);
            return NB_OK;
        }
        if (n >= IP6_MAX_EXT_HDRS)
            return NB_E_MALFORMED;
        if (hlen > len - off)
            return NB_E_TRUNCATED;
        nh = p[off];
        off += hlen;
    }
}

static void tell_transport(const struct icmp6_flow *f, nb_err why)
{
    struct nb_ip local = nb_ip_from(6, f->src), remote = nb_ip_from(6, f->dst);
    if (f->proto == NB_PROTO_TCP)
        tcp_icmp_error(&local, &remote, f->sport, f->dport, why);
    else if (f->proto == NB_PROTO_UDP)
        udp_icmp_error(&local, &remote, f->sport, f->dport, why);
}

void icmp6_report_local(const uint8_t *pkt, size_t len, nb_err why)
{
    struct icmp6_flow f;
    if (icmp6_parse_invoking(pkt, len, &f) == NB_OK)
        tell_transport(&f, why);
}

static nb_err error_reason(uint8_t type, uint8_t code)
{
    switch (type) {
    case ICMP6_DST_UNREACH:
        return code == 4 ? NB_E_CONN_REFUSED : NB_E_UNREACHABLE; /* 4: port unreachable */
    case ICMP6_PACKET_TOO_BIG:
        return NB_E_MSG_TOO_BIG;
    default: /* time exceeded, parameter problem */
        return NB_E_UNREACHABLE;
    }
}

static void error_input(const uint8_t *m, size_t len)
{
    struct icmp6_flow f;
    NB_COUNT(CTR_ICMP6_ERROR_RX);
    if (len < ICMP6_HLEN) {
        NB_COUNT(CTR_ICMP6_DROP_SHORT);
        return;
    }
    if (icmp6_parse_invoking(m + ICMP6_HLEN, len - ICMP6_HLEN, &f) != NB_OK)
        return;
    /* Only about datagrams we could have sent. */
    enum nd6_addr_state st = nd6_addr_state(f.src);
    if (st != ND6_ADDR_PREFERRED && st != ND6_ADDR_DEPRECATED)
        return;
    if (m[0] == ICMP6_PACKET_TOO_BIG)
        ip6_path_mtu_report(get32(m + 4));
    tell_transport(&f, error_reason(m[0], m[1]));
}

/* Token bucket: ICMP6_ERR_RATE tokens a second, at most ICMP6_ERR_RATE held. */
static uint64_t bucket_stamp_us;
static unsigned bucket_tokens = ICMP6_ERR_RATE;

static int bucket_take(void)
{
    const uint64_t per_token = 1000000u / ICMP6_ERR_RATE;
    uint64_t now = nb_now_us(), elapsed = now - bucket_stamp_us;
    if (elapsed >= per_token) {
        uint64_t t = bucket_tokens + elapsed / per_token;
        bucket_tokens = t > ICMP6_ERR_RATE ? ICMP6_ERR_RATE : (unsigned)t;
        bucket_stamp_us = now;
    }
    if (!bucket_tokens)
        return 0;
    bucket_tokens--;
    return 1;
}

void icmp6_send_error(uint8_t type, uint8_t code, uint32_t param, const uint8_t *pkt,
                      size_t len, int even_to_multicast)
{
    if (len < IP6_HLEN)
        return;
    const uint8_t *isrc = pkt + 8, *idst = pkt + 24;
    if (ip6_is_unspecified(isrc) || ip6_is_multicast(isrc))
        return;
    if (ip6_is_multicast(idst) && !even_to_multicast && type != ICMP6_PACKET_TOO_BIG)
        return;
    struct icmp6_flow f;
    nb_err pe = icmp6_parse_invoking(pkt, len, &f);
    if (f.proto == NB_PROTO_ICMP6 && (pe == NB_OK || pe == NB_E_TRUNCATED)) {
        /* Never about an error or a redirect; unknown: assume it was one. */
        if (f.l4_off >= len || pkt[f.l4_off] < 128 || pkt[f.l4_off] == ICMP6_ND_REDIRECT)
            return;
    }
    if (!bucket_take()) {
        NB_COUNT(CTR_ICMP6_ERROR_RATELIMITED);
        return;
    }
    uint8_t src[16], dst[16];
    memcpy(dst, isrc, 16);
    enum nd6_addr_state st = nd6_addr_state(idst);
    if (st == ND6_ADDR_PREFERRED || st == ND6_ADDR_DEPRECATED)
        memcpy(src, idst, 16);
    else if (ip6_select_src(dst, src) != NB_OK)
        return;
    size_t body = IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN;
    if (body > len)
        body = len;
    struct pkb *p = pkb_alloc();
    if (!p)
        return;
    uint8_t *m = pkb_put(p, ICMP6_HLEN + body);
    if (!m) {
        pkb_free(p);
        return;
    }
    m[0] = type;
    m[1] = code;
    put16(m + 2, 0);
    put32(m + 4, param);
    memcpy(m + ICMP6_HLEN, pkt, body);
    NB_COUNT(CTR_ICMP6_ERROR_SENT);
    icmp6_output(p, src, dst, 0);
}

/* ---------------------------------------------------------------- echo */

/* Echo requests we sent and their replies (the probe's ping). */
static struct echo_ring echoes;

nb_err icmp6_echo_send(const uint8_t dst[16], uint16_t id, uint16_t seq, size_t payload_len)
{
    if (payload_len > IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN)
        payload_len = IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN;
    struct pkb *p = pkb_alloc();
    if (!p)
        return NB_E_NO_BUFFER;
    uint8_t *m = pkb_put(p, ICMP6_HLEN + payload_len);
    m[0] = ICMP6_ECHO_REQUEST;
    m[1] = 0;
    put16(m + 2, 0);
    put16(m + 4, id);
    put16(m + 6, seq);
    for (size_t i = 0; i < payload_len; i++)
        m[ICMP6_HLEN + i] = (uint8_t)i;
    echo_ring_sent(&echoes, id, seq);
    return icmp6_output(p, NULL, dst, 0);
}

uint64_t icmp6_echo_answered(uint16_t id, uint16_t seq)
{
    return echo_ring_rtt(&echoes, id, seq);
}

static void echo_reply(struct pkb *p)
{
    uint8_t src[16], dst[16];
    const uint8_t *from = NULL;
    memcpy(dst, p->src, 16);
    if (!ip6_is_multicast(p->dst)) {
        memcpy(src, p->dst, 16);
        from = src;
    }
    p->data[0] = ICMP6_ECHO_REPLY;
    p->data[1] = 0;
    NB_COUNT(CTR_ICMP6_ECHO_REPLIED);
    icmp6_output(p, from, dst, 0); /* reuses the buffer: the headers are rebuilt below */
}

/* ---------------------------------------------------------------- input */

void icmp6_input(struct pkb *p)
{
    NB_COUNT(CTR_ICMP6_RX);
    if (p->len < 4) {
        NB_COUNT(CTR_ICMP6_DROP_SHORT);
        goto drop;
    }
    if (checksum(p->src, p->dst, p->data, p->len) != 0) {
        NB_COUNT(CTR_ICMP6_DROP_CSUM);
        goto drop;
    }
    uint8_t type = p->data[0];
    switch (type) {
    case ICMP6_ECHO_REQUEST:
        if (p->len < ICMP6_HLEN || ip6_is_unspecified(p->src)) {
            NB_COUNT(CTR_ICMP6_DROP_SHORT);
            goto drop;
        }
        echo_reply(p);
        return;
    case ICMP6_ECHO_REPLY:
        if (p->len >= ICMP6_HLEN)
            echo_ring_reply(&echoes, get16(p->data + 4), get16(p->data + 6));
        break;
    case ICMP6_DST_UNREACH:
    case ICMP6_PACKET_TOO_BIG:
    case ICMP6_TIME_EXCEEDED:
    case ICMP6_PARAM_PROBLEM:
        error_input(p->data, p->len);
        break;
    case MLD6_QUERY:
        mld6_input(p);
        break;
    case ICMP6_ND_RS:
    case ICMP6_ND_RA:
    case ICMP6_ND_NS:
    case ICMP6_ND_NA:
    case ICMP6_ND_REDIRECT:
        nd6_input(p);
        return;
    default:
        NB_COUNT(CTR_ICMP6_DROP_TYPE);
        break;
    }
drop:
    pkb_free(p);
}
