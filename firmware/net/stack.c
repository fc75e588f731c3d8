/*
 * The poll loop and the interface (net/stack.h, net/netif.h).
 *
 * net_poll takes at most RX_BURST frames per call so timers cannot starve
 * under a flood, then runs the timers that are due. net_run_until sleeps in
 * the netdev between events: until the earliest timer, the caller's
 * deadline, or a frame — whichever comes first.
 */
#include "net/stack.h"
#include "core/clock.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "net/arp.h"
#include "net/eth.h"
#include "net/ip6.h"
#include "net/netif.h"
#include <string.h>

#define RX_BURST 64u

static struct netif the_if;

struct netif *net_if(void) { return &the_if; }

nb_err net_init(struct netdev *dev)
{
    memset(&the_if, 0, sizeof the_if);
    the_if.dev = dev;
    memcpy(the_if.mac, dev->mac, 6);
    the_if.mtu = dev->mtu;
    if (the_if.mtu < 1280 || the_if.mtu > PKB_DATA_MAX - 18)
        the_if.mtu = the_if.mtu < 1280 ? 1280 : PKB_DATA_MAX - 18;
    ip6_start();
    return NB_OK;
}

void net_ip4_configure(const uint8_t addr[4], const uint8_t mask[4], const uint8_t gw[4])
{
    memcpy(the_if.ip4, addr, 4);
    memcpy(the_if.mask4, mask, 4);
    memcpy(the_if.gw4, gw, 4);
    the_if.ip4_up = 1;
    arp_flush();
}

void net_poll(void)
{
    struct netdev *dev = the_if.dev;
    for (unsigned i = 0; dev && i < RX_BURST; i++) {
        struct pkb *p = pkb_alloc();
        if (!p)
            break; /* every buffer is held: let the holders drain first */
        int n = dev->ops->rx(dev, p->data, PKB_DATA_MAX);
        if (n <= 0) {
            pkb_free(p);
            break;
        }
        p->len = (size_t)n;
        eth_input(p);
    }
    nb_timers_run(nb_now_us());
}

nb_err net_run_until(int (*done)(void *ctx), void *ctx, uint64_t deadline_us)
{
    for (;;) {
        net_poll();
        if (done(ctx))
            return NB_OK;
        uint64_t now = nb_now_us();
        if (now >= deadline_us)
            return NB_E_TIMEOUT;
        uint64_t wake = nb_timers_next();
        if (wake > deadline_us)
            wake = deadline_us;
        if (wake > now && the_if.dev)
            the_if.dev->ops->wait(the_if.dev, wake);
    }
}
