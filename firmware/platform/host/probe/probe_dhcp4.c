/* nb-probe command: dhcp4 — run the DHCPv4 client and print the lease. */
#include "platform/host/probe/probe.h"
#include "boot/dhcp4.h"
#include "core/clock.h"
#include "core/log.h"
#include "net/ip_text.h"
#include "net/netif.h"
#include "net/stack.h"
#include <stdlib.h>
#include <string.h>

static int client_done(void *ctx) { return dhcp4_done(ctx); }

int probe_cmd_dhcp4(int argc, char **argv)
{
    struct dhcp4_params p;
    struct dhcp4_ident id = { .arch = 0x0007 };
    unsigned timeout_s = 30;
    dhcp4_params_default(&p);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--timeout") == 0)
            timeout_s = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rt") == 0)
            p.rt_initial_ms = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--tries") == 0)
            p.max_tries = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else
            return 2;
    }
    memcpy(id.mac, net_if()->mac, 6);
    static struct dhcp4_client c;
    uint64_t t0 = nb_now_us();
    nb_err e = dhcp4_start(&c, &id, &p);
    if (e == NB_OK)
        e = net_run_until(client_done, &c, t0 + (uint64_t)timeout_s * 1000000u);
    struct dhcp4_lease l;
    if (e == NB_OK)
        e = dhcp4_result(&c, &l);
    dhcp4_stop(&c);
    if (e != NB_OK) {
        nb_fail(e, "probe: dhcp4");
        return 1;
    }
    char a[16], m[16], r[16], s[16];
    nb_ip4_text(a, sizeof a, l.addr);
    nb_ip4_text(m, sizeof m, l.mask);
    nb_ip4_text(r, sizeof r, l.router);
    nb_ip4_text(s, sizeof s, l.server_id);
    nb_say("probe: dhcp4 lease %s mask %s router %s server %s lease %u s bootfile '%s'%s in %u ms",
           a, m, r, s, l.lease_s, l.bootfile, l.boot_from_proxy ? " (proxyDHCP)" : "",
           (unsigned)((l.obtained_us - c.first_tx_us) / 1000u));
    for (unsigned i = 0; i < l.nsites; i++)
        nb_say("probe: dhcp4 site %s", l.sites[i]);
    return 0;
}
