/* nb-probe command: dhcp6 (boot/dhcp6.c against real servers). */
#include "platform/host/probe/probe.h"
#include "boot/dhcp6.h"
#include "boot/duid.h"
#include "core/clock.h"
#include "core/log.h"
#include "net/ip_text.h"
#include "net/nd6.h"
#include "net/netif.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_uuid(const char *s, uint8_t out[16])
{
    unsigned n = 0;
    for (; *s && n < 32; s++) {
        if (*s == '-')
            continue;
        unsigned v;
        if (*s >= '0' && *s <= '9')
            v = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            v = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            v = (unsigned)(*s - 'A' + 10);
        else
            return 0;
        if (n % 2 == 0)
            out[n / 2] = (uint8_t)(v << 4);
        else
            out[n / 2] |= (uint8_t)v;
        n++;
    }
    return n == 32 && !*s;
}

static uint32_t num(const char *s) { return (uint32_t)strtoul(s, NULL, 10); }

/* dhcp6 [--stateless|--stateful] [--timeout S] [--uuid UUID] [--no-rapid-commit]
 *       [--max-delay MS] [--irt MS] [--mrt MS] [--ra-wait MS] [--no-apply]
 * Lines the tests grep: "probe: dhcp6: KEY VALUE", then
 * "probe: dhcp6: ok stateful|stateless MS" or "probe: dhcp6: NB_E_...". */
int probe_cmd_dhcp6(int argc, char **argv)
{
    static struct dhcp6_client c;
    struct nb_sysid id;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, net_if()->mac, 6);
    uint32_t timeout_s = 30;
    const char *uuid = NULL;
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--uuid") == 0 && i + 1 < argc)
            uuid = argv[++i];
    if (uuid) {
        if (!parse_uuid(uuid, id.uuid)) {
            nb_say("probe: dhcp6: bad --uuid %s", uuid);
            return 2;
        }
        id.has_uuid = 1;
    }
    struct dhcp6_config cfg;
    dhcp6_config_default(&cfg, &id);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--stateless") == 0)
            cfg.mode = DHCP6_MODE_STATELESS;
        else if (strcmp(a, "--stateful") == 0)
            cfg.mode = DHCP6_MODE_STATEFUL;
        else if (strcmp(a, "--no-rapid-commit") == 0)
            cfg.rapid_commit = 0;
        else if (strcmp(a, "--no-apply") == 0)
            cfg.apply = 0;
        else if (!v)
            return 2;
        else if (strcmp(a, "--uuid") == 0)
            i++;
        else if (strcmp(a, "--timeout") == 0)
            timeout_s = num(v), i++;
        else if (strcmp(a, "--max-delay") == 0)
            cfg.t[DHCP6_T_SOLICIT].max_delay_ms = cfg.t[DHCP6_T_INFOREQ].max_delay_ms = num(v), i++;
        else if (strcmp(a, "--irt") == 0)
            cfg.t[DHCP6_T_SOLICIT].irt_ms = cfg.t[DHCP6_T_INFOREQ].irt_ms = num(v), i++;
        else if (strcmp(a, "--mrt") == 0)
            cfg.t[DHCP6_T_SOLICIT].mrt_ms = cfg.t[DHCP6_T_INFOREQ].mrt_ms = num(v), i++;
        else if (strcmp(a, "--ra-wait") == 0)
            cfg.ra_wait_ms = num(v), i++;
        else
            return 2;
    }

    char t[2 * DUID_MAX + 1], a[NB_IP6_TEXT_MAX];
    duid_text(t, sizeof t, cfg.duid.b, cfg.duid.len);
    nb_say("probe: dhcp6: duid %s", t);
    nb_say("probe: dhcp6: iaid 0x%08x", (unsigned)cfg.iaid);
    nb_err e = dhcp6_run(&c, &cfg, timeout_s * 1000u);
    if (e != NB_OK) {
        nb_say("probe: dhcp6: %s", nb_errname(e));
        return 1;
    }
    const struct dhcp6_lease *l = dhcp6_lease(&c);
    if (l->stateful) {
        nb_ip6_text(a, sizeof a, l->addr);
        nb_say("probe: dhcp6: address %s", a);
        nb_say("probe: dhcp6: lifetimes preferred %u valid %u t1 %u t2 %u", (unsigned)l->preferred_s,
               (unsigned)l->valid_s, (unsigned)l->t1_s, (unsigned)l->t2_s);
        enum nd6_addr_state st = nd6_addr_state(l->addr);
        nb_say("probe: dhcp6: address-state %s",
               st == ND6_ADDR_PREFERRED    ? "preferred"
               : st == ND6_ADDR_DEPRECATED ? "deprecated"
               : st == ND6_ADDR_TENTATIVE  ? "tentative"
               : st == ND6_ADDR_DUPLICATE  ? "duplicate"
                                           : "none");
        nb_say("probe: dhcp6: rapid-commit %s", l->rapid_commit ? "yes" : "no");
    }
    duid_text(t, sizeof t, l->server_id, l->server_id_len);
    nb_say("probe: dhcp6: server-duid %s", t);
    nb_ip6_text(a, sizeof a, l->server_addr);
    nb_say("probe: dhcp6: server-addr %s", a);
    nb_say("probe: dhcp6: preference %u", (unsigned)l->preference);
    for (unsigned k = 0; k < l->ndns; k++) {
        nb_ip6_text(a, sizeof a, l->dns[k]);
        nb_say("probe: dhcp6: dns %s", a);
    }
    for (unsigned k = 0; k < l->ndomains; k++)
        nb_say("probe: dhcp6: domain %s", l->domains[k]);
    if (l->boot_url[0])
        nb_say("probe: dhcp6: boot-url %s", l->boot_url);
    for (unsigned k = 0; k < l->nparams; k++)
        nb_say("probe: dhcp6: boot-param %s", l->boot_params[k]);
    for (unsigned k = 0; k < l->nsites; k++)
        nb_say("probe: dhcp6: site %s", l->sites[k]);
    nb_say("probe: dhcp6: ok %s %u", l->stateful ? "stateful" : "stateless",
           (unsigned)((l->acquired_us - l->started_us) / 1000u));
    return 0;
}
