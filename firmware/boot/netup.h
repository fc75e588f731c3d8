/*
 * Bring the network up for the boot (issue "DHCP that survives a broken
 * relay"). DHCPv4 and DHCPv6 run in parallel in one loop; the boot takes
 * whichever delivers boot information first and keeps the other family's
 * addresses. When broadcast DHCP gets no answer within dhcp_timeout_ms, the
 * IPv4 side walks its fallbacks, each announced on the console:
 *   1. INIT-REBOOT with the cached lease's address;
 *   2. unicast REQUEST (ciaddr set, through the cached router) to the cached
 *      server id, then to each hard-coded DHCP server of the configuration;
 *   3. the cached lease itself, while it is still valid.
 * The "cached lease" is the NV lease cache, else the platform's PXE ACK.
 */
#ifndef NB_NETUP_H
#define NB_NETUP_H
#include <stdint.h>
#include "boot/config.h"
#include "boot/dhcp4.h"
#include "boot/lease_cache.h"
#include "boot/stage1.h"
#include "core/err.h"

struct nb_netup {
    int v4_up;
    struct dhcp4_lease lease4;
    char v4_source[64];         /* how IPv4 was configured, for the console and hand-off */
    int v4_from_cache;          /* no server answered: running on the cached lease */
    int v6_up;                  /* a global IPv6 address is usable */
    uint8_t addr6[16];
    char v6_source[64];
    /* Boot information: the first family to deliver it wins. */
    int boot_family;            /* 4, 6, or 0 (none: the configuration's sites apply) */
    char boot_url[256];         /* DHCPv6 59, or a URL-shaped DHCPv4 boot file */
    char bootfile[256];         /* DHCPv4 boot file (may be a plain TFTP path) */
    char sites[4][256];         /* DHCP-provided site URLs (option 224 / vendor 17) */
    unsigned nsites;
    uint64_t start_us;          /* first DHCP packet */
    uint64_t boot_info_us;      /* boot information known (0: never) */
};

nb_err nb_netup(const struct nb_env *env, const struct nb_config *cfg, struct nb_netup *out);

#endif
