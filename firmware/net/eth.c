/*
 * Ethernet II (and 802.1Q tags on receive).
 *
 * Receive: frames shorter than the header are dropped; frames not addressed
 * to our MAC, broadcast or a multicast group are dropped (the NIC may be
 * promiscuous); one 802.1Q tag is understood — tagged frames are taken only
 * when the interface is on that VLAN, untagged ones only when it is not.
 * The payload goes to ARP, IPv4 or IPv6 with the header pulled.
 */
#include "net/eth.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/ip4.h"
#include "net/ip6.h"
#include "net/netif.h"
#include <string.h>

const uint8_t eth_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_ip6_multicast_mac(const uint8_t ip6[16], uint8_t mac[6])
{
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, ip6 + 12, 4);
}

void eth_input(struct pkb *p)
{
    struct netif *nif = net_if();
    NB_COUNT(CTR_ETH_RX);
    if (p->len < ETH_HLEN) {
        NB_COUNT(CTR_ETH_DROP_SHORT);
        goto drop;
    }
    const uint8_t *dst = p->data;
    int group = dst[0] & 1;
    if (!group && memcmp(dst, nif->mac, 6) != 0) {
        NB_COUNT(CTR_ETH_DROP_NOT_US);
        goto drop;
    }
    uint16_t type = get16(p->data + 12);
    size_t hlen = ETH_HLEN;
    uint16_t vlan = 0;
    if (type == ETH_P_8021Q) {
        if (p->len < ETH_HLEN + 4) {
            NB_COUNT(CTR_ETH_DROP_SHORT);
            goto drop;
        }
        vlan = get16(p->data + 14) & 0x0fffu;
        type = get16(p->data + 16);
        hlen += 4;
    }
    if (vlan != nif->vlan) {
        NB_COUNT(CTR_ETH_DROP_VLAN);
        goto drop;
    }
    p->nif = nif;
    p->l2_multicast = (uint8_t)group;
    pkb_pull(p, hlen);
    switch (type) {
    case ETH_P_ARP: arp_input(p); return;
    case ETH_P_IP: ip4_input(p); return;
    case ETH_P_IPV6: ip6_input(p); return;
    default: NB_COUNT(CTR_ETH_DROP_TYPE); break;
    }
drop:
    pkb_free(p);
}

nb_err eth_output(struct pkb *p, const uint8_t dst_mac[6], uint16_t ethertype)
{
    struct netif *nif = net_if();
    size_t hlen = ETH_HLEN + (nif->vlan ? 4u : 0u);
    uint8_t *h = pkb_push(p, hlen);
    if (!h) {
        pkb_free(p);
        return NB_E_NO_BUFFER;
    }
    memcpy(h, dst_mac, 6);
    memcpy(h + 6, nif->mac, 6);
    if (nif->vlan) {
        put16(h + 12, ETH_P_8021Q);
        put16(h + 14, nif->vlan);
        put16(h + 16, ethertype);
    } else {
        put16(h + 12, ethertype);
    }
    nb_err e = nif->dev->ops->tx(nif->dev, p->data, p->len);
    if (e == NB_OK)
        NB_COUNT(CTR_ETH_TX);
    else
        NB_COUNT(CTR_ETH_TX_ERR);
    pkb_free(p);
    return e;
}
