/*
 * UDP (RFC 768) over both families. Input checks the length field against
 * the datagram, the checksum (mandatory on IPv6; on IPv4 a zero checksum
 * means "none" per RFC 768, which we accept only because some DHCP relays
 * still send it), then hands the payload to the socket bound to the port.
 */
#include "net/udp.h"
#include "core/drbg.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/ip.h"
#include <string.h>

#define UDP_HLEN 8u
#define EPHEMERAL_LOW 49152u

static struct udp_sock *socks;

static struct udp_sock *find(uint16_t port, uint8_t family)
{
    for (struct udp_sock *s = socks; s; s = s->next)
        if (s->lport == port && (s->family == 0 || family == 0 || s->family == family))
            return s;
    return NULL;
}

nb_err udp_open(struct udp_sock *s, uint8_t family, uint16_t lport, udp_rx_fn rx, void *ctx)
{
    if (lport == 0) {
        unsigned tries = 0;
        do {
            lport = (uint16_t)(EPHEMERAL_LOW + nb_random_below(65536u - EPHEMERAL_LOW));
        } while (find(lport, family) && ++tries < 64);
    }
    if (find(lport, family))
        return NB_E_PORT_IN_USE;
    s->lport = lport;
    s->family = family;
    s->rx = rx;
    s->ctx = ctx;
    s->icmp_error = NB_OK;
    s->next = socks;
    socks = s;
    return NB_OK;
}

void udp_close(struct udp_sock *s)
{
    for (struct udp_sock **pp = &socks; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    s->next = NULL;
}

void udp_input(struct pkb *p)
{
    NB_COUNT(CTR_UDP_RX);
    if (p->len < UDP_HLEN) {
        NB_COUNT(CTR_UDP_DROP_SHORT);
        goto drop;
    }
    size_t ulen = get16(p->data + 4);
    if (ulen < UDP_HLEN || ulen > p->len) {
        NB_COUNT(CTR_UDP_DROP_SHORT);
        goto drop;
    }
    pkb_trim(p, ulen);
    struct nb_ip src = nb_ip_from(p->family, p->src), dst = nb_ip_from(p->family, p->dst);
    uint16_t csum = get16(p->data + 6);
    if (csum == 0 && p->family == 6) {
        NB_COUNT(CTR_UDP_DROP_NO_CSUM6);
        goto drop;
    }
    if (csum != 0 && csum_transport(&src, &dst, NB_PROTO_UDP, p->data, ulen) != 0) {
        NB_COUNT(CTR_UDP_DROP_CSUM);
        goto drop;
    }
    uint16_t sport = get16(p->data), dport = get16(p->data + 2);
    struct udp_sock *s = find(dport, p->family);
    if (!s) {
        NB_COUNT(CTR_UDP_DROP_NO_PORT);
        goto drop;
    }
    s->rx(s, &src, sport, &dst, p->data + UDP_HLEN, ulen - UDP_HLEN);
drop:
    pkb_free(p);
}

nb_err udp_sendto(struct udp_sock *s, const struct nb_ip *src, const struct nb_ip *dst,
                  uint16_t dport, const void *data, size_t len)
{
    struct nb_ip from;
    if (src) {
        from = *src;
    } else {
        nb_err e = ip_select_src(dst, &from);
        if (e != NB_OK)
            return e;
    }
    if (len > ip_max_payload(dst) - UDP_HLEN || len + UDP_HLEN > PKB_DATA_MAX)
        return NB_E_MSG_TOO_BIG;
    struct pkb *p = pkb_alloc();
    if (!p)
        return NB_E_NO_BUFFER;
    uint8_t *h = pkb_put(p, UDP_HLEN + len);
    put16(h, s->lport);
    put16(h + 2, dport);
    put16(h + 4, (uint16_t)(UDP_HLEN + len));
    put16(h + 6, 0);
    memcpy(h + UDP_HLEN, data, len);
    uint16_t c = csum_transport(&from, dst, NB_PROTO_UDP, h, UDP_HLEN + len);
    put16(h + 6, c ? c : 0xffff); /* 0 means "no checksum": send all ones */
    NB_COUNT(CTR_UDP_TX);
    return ip_output(p, NB_PROTO_UDP, &from, dst);
}

void udp_icmp_error(const struct nb_ip *local, const struct nb_ip *remote, uint16_t lport,
                    uint16_t rport, nb_err reason)
{
    (void)remote, (void)rport;
    struct udp_sock *s = find(lport, local->family);
    if (s)
        s->icmp_error = reason;
}
