/*
 * IPv4 (RFC 791, RFC 1122 host requirements).
 *
 * Input validates the whole header before anything else looks at it:
 * version 4, IHL >= 5 and within the packet, total length within the packet
 * (Ethernet padding trimmed), header checksum, no fragments (MF set or a
 * non-zero offset: dropped and counted — every protocol here sizes its
 * datagrams to the MTU, and reassembly is a classic attack surface), a
 * source that is not multicast/broadcast, a destination that is ours (our
 * address, limited broadcast, the subnet broadcast, or — while unconfigured —
 * anything, so DHCP replies to the offered address reach us). IP options are
 * skipped by IHL. Then the transport gets a clean view.
 */
#include "net/ip4.h"
#include "core/drbg.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/eth.h"
#include "net/ip.h"
#include "net/netif.h"
#include <string.h>

#define IP4_DEFAULT_TTL 64u

static uint16_t ip_id;

static int is_limited_broadcast(const uint8_t a[4])
{
    return a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
}

static int is_subnet_broadcast(const struct netif *nif, const uint8_t a[4])
{
    if (!nif->ip4_up)
        return 0;
    if (~get32(nif->mask4) <= 1u)
        return 0; /* /31 (RFC 3021) and /32: every address is a host, none a broadcast */
    for (int i = 0; i < 4; i++)
        if ((a[i] & nif->mask4[i]) != (nif->ip4[i] & nif->mask4[i]) ||
            (a[i] | nif->mask4[i]) != 0xff)
            return 0;
    return 1;
}

static int on_link(const struct netif *nif, const uint8_t a[4])
{
    for (int i = 0; i < 4; i++)
        if ((a[i] & nif->mask4[i]) != (nif->ip4[i] & nif->mask4[i]))
            return 0;
    return 1;
}

static int for_us(const struct netif *nif, const uint8_t dst[4])
{
    if (is_limited_broadcast(dst) || is_subnet_broadcast(nif, dst))
        return 1;
    if (!nif->ip4_up)
        return (dst[0] & 0xf0) != 0xe0; /* unconfigured: unicast to any (DHCP) */
    return memcmp(dst, nif->ip4, 4) == 0;
}

void ip4_input(struct pkb *p)
{
    struct netif *nif = net_if();
    NB_COUNT(CTR_IP4_RX);
    if (p->len < IP4_HLEN) {
        NB_COUNT(CTR_IP4_DROP_SHORT);
        goto drop;
    }
    const uint8_t *h = p->data;
    size_t ihl = (size_t)(h[0] & 0x0f) * 4;
    if ((h[0] >> 4) != 4 || ihl < IP4_HLEN || ihl > p->len) {
        NB_COUNT(CTR_IP4_DROP_VERSION);
        goto drop;
    }
    size_t total = get16(h + 2);
    if (total < ihl || total > p->len) {
        NB_COUNT(CTR_IP4_DROP_LEN);
        goto drop;
    }
    if (csum_fold(csum_add(0, h, ihl)) != 0) {
        NB_COUNT(CTR_IP4_DROP_CSUM);
        goto drop;
    }
    if (get16(h + 6) & 0x3fffu) { /* MF or a fragment offset */
        NB_COUNT(CTR_IP4_DROP_FRAG);
        goto drop;
    }
    const uint8_t *src = h + 12, *dst = h + 16;
    if ((src[0] & 0xf0) == 0xe0 || is_limited_broadcast(src) || is_subnet_broadcast(nif, src)) {
        NB_COUNT(CTR_IP4_DROP_SRC);
        goto drop;
    }
    if (!for_us(nif, dst)) {
        NB_COUNT(CTR_IP4_DROP_NOT_US);
        goto drop;
    }
    pkb_trim(p, total);
    p->family = 4;
    memcpy(p->src, src, 4);
    memcpy(p->dst, dst, 4);
    p->hop_limit = h[8];
    uint8_t proto = h[9];
    pkb_pull(p, ihl);
    switch (proto) {
    case NB_PROTO_ICMP4: icmp4_input(p); return;
    case NB_PROTO_UDP: udp_input(p); return;
    case NB_PROTO_TCP: tcp_input(p); return;
    default: NB_COUNT(CTR_IP4_DROP_PROTO); break;
    }
drop:
    pkb_free(p);
}

nb_err ip4_select_src(const uint8_t dst[4], uint8_t src[4])
{
    struct netif *nif = net_if();
    (void)dst;
    if (!nif->ip4_up)
        return NB_E_NO_ADDRESS;
    memcpy(src, nif->ip4, 4);
    return NB_OK;
}


/* A destination whose MAC follows from the address itself (broadcast, or an
 * RFC 1112 multicast group): 1 and *mac; 0 for unicast, which needs ARP. */
static int mapped_mac(const struct netif *nif, const uint8_t dst[4], uint8_t mac[6])
{
    if (is_limited_broadcast(dst) || is_subnet_broadcast(nif, dst)) {
        memcpy(mac, eth_broadcast, 6);
        return 1;
    }
    if ((dst[0] & 0xf0) != 0xe0)
        return 0;
    const uint8_t group[6] = { 0x01, 0x00, 0x5e, (uint8_t)(dst[1] & 0x7f), dst[2], dst[3] };
    memcpy(mac, group, 6);
    return 1;
}

/* The unicast next hop for dst: dst itself on-link, else the gateway; NULL
 * when there is no route. */
static const uint8_t *next_hop(const struct netif *nif, const uint8_t dst[4])
{
    static const uint8_t zero[4];
    if (!nif->ip4_up)
        return NULL;
    if (on_link(nif, dst))
        return dst;
    return memcmp(nif->gw4, zero, 4) == 0 ? NULL : nif->gw4;
}
nb_err ip4_output(struct pkb *p, uint8_t proto, const uint8_t *src, const uint8_t dst[4], uint8_t ttl)
{
    struct netif *nif = net_if();
    uint8_t s[4];
    if (src) {
        memcpy(s, src, 4);
    } else if (ip4_select_src(dst, s) != NB_OK) {
        NB_COUNT(CTR_IP4_TX_NOROUTE);
        pkb_free(p);
        return NB_E_NO_ADDRESS;
    }
    if ((s[0] & 0xf0) == 0xe0 || is_limited_broadcast(s) || is_subnet_broadcast(nif, s)) {
        /* RFC 1122 §3.2.1.3: never a source. A transport answering a packet
         * sent to a broadcast address (a TCP RST) must not answer from it. */
        NB_COUNT(CTR_IP4_TX_BAD_SRC);
        pkb_free(p);
        return NB_E_INVALID;
    }
    if (dst[0] == 0) {
        /* 0.0.0.0/8 is "this host on this network": only ever a source
         * (RFC 1122 §3.2.1.3), as when a peer answers from 0.0.0.0. */
        NB_COUNT(CTR_IP4_TX_NOROUTE);
        pkb_free(p);
        return NB_E_NO_ROUTE;
    }
    size_t total = p->len + IP4_HLEN;
    if (total > nif->mtu || total > 0xffff) {
        pkb_free(p);
        return NB_E_MSG_TOO_BIG;
    }
    uint8_t *h = pkb_push(p, IP4_HLEN);
    if (!h) {
        pkb_free(p);
        return NB_E_NO_BUFFER;
    }
    if (!ip_id)
        ip_id = (uint16_t)nb_random_u32();
    h[0] = 0x45;
    h[1] = 0;
    put16(h + 2, (uint16_t)total);
    put16(h + 4, ip_id++);
    put16(h + 6, 0x4000); /* DF: we size datagrams to the MTU */
    h[8] = ttl ? ttl : IP4_DEFAULT_TTL;
    h[9] = proto;
    put16(h + 10, 0);
    memcpy(h + 12, s, 4);
    memcpy(h + 16, dst, 4);
    put16(h + 10, csum_fold(csum_add(0, h, IP4_HLEN)));
    NB_COUNT(CTR_IP4_TX);

    uint8_t mac[6];
    if (mapped_mac(nif, dst, mac))
        return eth_output(p, mac, ETH_P_IP);
    const uint8_t *hop = next_hop(nif, dst);
    if (!hop) {
        NB_COUNT(CTR_IP4_TX_NOROUTE);
        pkb_free(p);
        return NB_E_NO_ROUTE;
    }
    return arp_output(p, hop);
}

int ip4_next_hop_ready(const uint8_t dst[4])
{
    struct netif *nif = net_if();
    uint8_t mac[6];
    if (mapped_mac(nif, dst, mac))
        return 1;
    const uint8_t *hop = next_hop(nif, dst);
    return !hop || arp_resolve_ahead(hop); /* no route: nothing to wait for, sending fails at once */
}
