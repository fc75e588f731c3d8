/*
 * The network interface: one netdev plus the addresses the stack holds on
 * it. nearboot boots from one NIC, so there is one interface (net_if());
 * functions still take it explicitly where that keeps layering clear.
 */
#ifndef NB_NETIF_H
#define NB_NETIF_H
#include <stdint.h>
#include "net/netdev.h"

struct netif {
    struct netdev *dev;
    uint8_t mac[6];
    unsigned mtu;            /* IP MTU of the link */
    uint16_t vlan;           /* 0: untagged; else only frames of this VLAN id */
    /* IPv4 configuration (from DHCPv4, the PXE cache, or a cached lease). */
    int ip4_up;
    uint8_t ip4[4], mask4[4], gw4[4];
};

struct netif *net_if(void);

#endif
