/* The network layer for transports: dispatch by family (net/ip.h). */
#include "net/ip.h"
#include "net/counters.h"
#include "net/ip4.h"
#include "net/ip6.h"
#include "net/netif.h"

nb_err ip_output(struct pkb *p, uint8_t proto, const struct nb_ip *src, const struct nb_ip *dst)
{
    if (dst->family == 4) /* ip4_output refuses broadcast and multicast sources itself */
        return ip4_output(p, proto, src ? src->a : NULL, dst->a, 0);
    if (dst->family == 6) {
        if (src && src->a[0] == 0xff) {
            /* A multicast address is never a source (RFC 4291 §2.7): a
             * transport answering a segment sent to a group must not. */
            NB_COUNT(CTR_IP6_TX_BAD_SRC);
            pkb_free(p);
            return NB_E_INVALID;
        }
        return ip6_output(p, proto, src ? src->a : NULL, dst->a, 0);
    }
    pkb_free(p);
    return NB_E_INVALID;
}

nb_err ip_select_src(const struct nb_ip *dst, struct nb_ip *src)
{
    src->family = dst->family;
    if (dst->family == 4)
        return ip4_select_src(dst->a, src->a);
    if (dst->family == 6)
        return ip6_select_src(dst->a, src->a);
    return NB_E_INVALID;
}

unsigned ip_max_payload(const struct nb_ip *dst)
{
    if (dst->family == 6)
        return ip6_mtu() - 40u;
    return net_if()->mtu - 20u;
}
