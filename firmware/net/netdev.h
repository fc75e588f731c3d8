/*
 * A network device: sends and receives whole Ethernet frames. Implemented by
 * platform/uefi (SNP, polled, opened exclusively) and platform/host (TAP or
 * AF_PACKET). The stack never blocks inside a netdev except in wait().
 */
#ifndef NB_NETDEV_H
#define NB_NETDEV_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

struct netdev;

struct netdev_ops {
    /* Queue one frame (starting with the Ethernet header) for sending. */
    nb_err (*tx)(struct netdev *dev, const uint8_t *frame, size_t len);
    /* Take one received frame into buf: its length, 0 if none is waiting,
     * or -1 on a device error. Frames longer than cap are dropped. */
    int (*rx)(struct netdev *dev, uint8_t *buf, size_t cap);
    /* Sleep until a frame may be waiting or deadline_us (monotonic) passes. */
    void (*wait)(struct netdev *dev, uint64_t deadline_us);
    /* 1 link up, 0 down, -1 unknown. */
    int (*link)(struct netdev *dev);
};

struct netdev {
    const struct netdev_ops *ops;
    void *priv;
    uint8_t mac[6];
    unsigned mtu; /* largest IP datagram the link carries (1500 on Ethernet) */
    const char *name;
};

#endif
