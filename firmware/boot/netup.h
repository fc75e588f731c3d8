/*
 * Bring the network up for the boot: the stack on the NIC, IPv4 from the
 * platform's PXE ACK (verified with an INIT-REBOOT REQUEST) or a fresh DHCPv4
 * exchange, IPv6 link-local and SLAAC from router advertisements. Every step
 * says on the console what it tried, how long it took, and why it moved on.
 */
#ifndef NB_NETUP_H
#define NB_NETUP_H
#include <stdint.h>
#include "boot/dhcp4.h"
#include "boot/stage1.h"
#include "core/err.h"

struct nb_netup {
    int v4_up;
    struct dhcp4_lease lease4;
    const char *v4_source;     /* "pxe cache (verified)", "dhcp" */
    int v6_up;
    uint8_t addr6[16];
    uint64_t boot_info_us;     /* monotonic time boot information was known (0: none) */
};

nb_err nb_netup(const struct nb_env *env, struct nb_netup *out);

#endif
