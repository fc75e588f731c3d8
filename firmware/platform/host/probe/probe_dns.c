/* nb-probe command: resolve (net/dns.c against real servers). */
#include "platform/host/probe/probe.h"
#include "core/err.h"
#include "core/log.h"
#include "net/addr.h"
#include "net/dns.h"
#include <stdlib.h>
#include <string.h>

/* resolve NAME [a|aaaa|both] [TIMEOUT_MS]: one line per address, then a
 * result line the tests grep: "probe: resolve NAME: ok N" or
 * "probe: resolve NAME: NB_E_...". */
int probe_cmd_resolve(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *name = argv[1];
    const char *which = argc > 2 ? argv[2] : "both";
    int want4 = strcmp(which, "aaaa") != 0, want6 = strcmp(which, "a") != 0;
    if (strcmp(which, "a") != 0 && strcmp(which, "aaaa") != 0 && strcmp(which, "both") != 0)
        return 2;
    uint32_t timeout_ms = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000u;
    struct dns_result r;
    nb_err e = dns_resolve(name, want4, want6, timeout_ms, &r);
    if (e != NB_OK) {
        nb_say("probe: resolve %s: %s", name, nb_errname(e));
        return 1;
    }
    for (unsigned i = 0; i < r.n; i++) {
        char t[48];
        nb_ip_text(t, sizeof t, &r.addrs[i]);
        nb_say("probe: resolve %s: address %s", name, t);
    }
    nb_say("probe: resolve %s: ok %u", name, r.n);
    return 0;
}
