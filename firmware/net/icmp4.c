/*
 * ICMPv4 (RFC 792): echo replies, and destination-unreachable delivered to
 * the transport so that a refused or unreachable connect fails at once
 * instead of waiting for its timeout. Other types are counted and dropped.
 */
#include "core/err.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/echo.h"
#include "net/ip.h"
#include "net/ip4.h"
#include <string.h>

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_HLEN 8u

/* Echo requests we sent and their replies (the probe's ping). */
static struct echo_ring echoes;

nb_err icmp4_echo_send(const uint8_t dst[4], uint16_t id, uint16_t seq, size_t payload_len)
{
    struct pkb *p = pkb_alloc();
    if (!p)
        return NB_E_NO_BUFFER;
    if (payload_len > 1400)
        payload_len = 1400;
    uint8_t *h = pkb_put(p, ICMP_HLEN + payload_len);
    h[0] = ICMP_ECHO;
    h[1] = 0;
    put16(h + 2, 0);
    put16(h + 4, id);
    put16(h + 6, seq);
    for (size_t i = 0; i < payload_len; i++)
        h[ICMP_HLEN + i] = (uint8_t)i;
    put16(h + 2, csum_fold(csum_add(0, h, ICMP_HLEN + payload_len)));
    echo_ring_sent(&echoes, id, seq);
    return ip4_output(p, NB_PROTO_ICMP4, NULL, dst, 0);
}

uint64_t icmp4_echo_answered(uint16_t id, uint16_t seq)
{
    return echo_ring_rtt(&echoes, id, seq);
}

static nb_err unreach_reason(uint8_t code)
{
    switch (code) {
    case 2: /* protocol unreachable */
    case 3: /* port unreachable */
        return NB_E_CONN_REFUSED;
    case 4: /* fragmentation needed: we set DF and size to the MTU */
        return NB_E_MSG_TOO_BIG;
    default:
        return NB_E_UNREACHABLE;
    }
}

/* The original datagram's IPv4 header plus 8 bytes: enough for both ports. */
static void deliver_unreach(const uint8_t *d, size_t len, uint8_t code)
{
    if (len < IP4_HLEN)
        return;
    size_t ihl = (size_t)(d[0] & 0x0f) * 4;
    if ((d[0] >> 4) != 4 || ihl < IP4_HLEN || len < ihl + 8)
        return;
    struct nb_ip local = nb_ip_from(4, d + 12), remote = nb_ip_from(4, d + 16);
    uint16_t lport = get16(d + ihl), rport = get16(d + ihl + 2);
    nb_err why = unreach_reason(code);
    if (d[9] == NB_PROTO_TCP)
        tcp_icmp_error(&local, &remote, lport, rport, why);
    else if (d[9] == NB_PROTO_UDP)
        udp_icmp_error(&local, &remote, lport, rport, why);
}

static void echo_reply(struct pkb *p)
{
    uint8_t dst[4];
    memcpy(dst, p->src, 4);
    p->data[0] = ICMP_ECHO_REPLY;
    put16(p->data + 2, 0);
    put16(p->data + 2, csum_fold(csum_add(0, p->data, p->len)));
    NB_COUNT(CTR_ICMP4_ECHO_REPLIED);
    /* From the interface address: IPv4 input took the request as ours, so
     * it was sent to that address or to a broadcast one (the limited or the
     * subnet broadcast, which need not end in .255), and a reply never
     * comes from a broadcast address (RFC 1122 §3.2.2.6). Unconfigured, we
     * have no address to answer from. Reuse the buffer: strip nothing, the
     * IP header is rebuilt below it. */
    ip4_output(p, NB_PROTO_ICMP4, NULL, dst, 0);
}

void icmp4_input(struct pkb *p)
{
    NB_COUNT(CTR_ICMP4_RX);
    if (p->len < ICMP_HLEN) {
        NB_COUNT(CTR_ICMP4_DROP_SHORT);
        pkb_free(p);
        return;
    }
    if (csum_fold(csum_add(0, p->data, p->len)) != 0) {
        NB_COUNT(CTR_ICMP4_DROP_CSUM);
        pkb_free(p);
        return;
    }
    switch (p->data[0]) {
    case ICMP_ECHO:
        if (p->l2_multicast) /* no replies to broadcast pings (RFC 1122 allows silence) */
            break;
        echo_reply(p);
        return;
    case ICMP_ECHO_REPLY:
        echo_ring_reply(&echoes, get16(p->data + 4), get16(p->data + 6));
        break;
    case ICMP_UNREACH:
        NB_COUNT(CTR_ICMP4_UNREACH_RX);
        deliver_unreach(p->data + ICMP_HLEN, p->len - ICMP_HLEN, p->data[1]);
        break;
    default:
        break;
    }
    pkb_free(p);
}
