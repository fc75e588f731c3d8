/* nb-probe entry: options, interface bring-up, command dispatch (probe.h). */
#define _GNU_SOURCE
#include "platform/host/probe/probe.h"
#include "core/clock.h"
#include "boot/xport_tls.h"
#include "core/drbg.h"
#include "core/log.h"
#include "net/addr.h"
#include "net/counters.h"
#include "net/dns.h"
#include "net/netif.h"
#include "net/stack.h"
#include "platform/host/host.h"
#include "platform/host/netdev_host.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr,
            "usage: nb-probe --dev tap:NAME|if:NAME [--mac MAC] [--mtu N] [--ip4 ADDR/LEN]\n"
            "                [--gw4 ADDR] [--dns ADDR]... [--nv DIR] [--counters]\n"
            "                [--tls-ca FILE] [--clock UNIXSECONDS]\n"
            "                -- COMMAND ARGS [-- COMMAND ARGS]...\n"
            "commands:\n");
    for (const struct probe_cmd *c = probe_cmds; c->name; c++)
        fprintf(stderr, "  %-10s %s\n", c->name, c->usage);
    exit(2);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return 0;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return 0;
        mac[i] = (uint8_t)v[i];
    }
    return 1;
}

/* "a.b.c.d" or "a.b.c.d/len" (prefix NULL: no length allowed). */
static int parse_ip4(const char *s, uint8_t out[4], unsigned *prefix)
{
    unsigned a, b, c, d, p = 32;
    char tail;
    int n = sscanf(s, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &p, &tail);
    if (n < 4 || n == 6 || (n == 5 && !prefix) || a > 255 || b > 255 || c > 255 || d > 255 || p > 32)
        return 0;
    out[0] = (uint8_t)a, out[1] = (uint8_t)b, out[2] = (uint8_t)c, out[3] = (uint8_t)d;
    if (prefix)
        *prefix = p;
    return 1;
}

/* The TLS trust anchors from a file (PEM bundle or DER), as the firmware
 * takes them from its embedded configuration. */
static int load_tls_ca(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "nb-probe: cannot read %s\n", path);
        return 0;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "nb-probe: %s is larger than 1 MiB\n", path);
        return 0;
    }
    nb_err e = nb_tls_set_trust(buf, n);
    if (e != NB_OK) {
        nb_fail(e, "nb-probe: --tls-ca %s", path);
        return 0;
    }
    unsigned skipped, k = nb_tls_trust_count(&skipped);
    nb_say("probe: tls: %u trust anchor(s) from %s%s", k, path, skipped ? " (some did not parse)" : "");
    return 1;
}

static int never_done(void *ctx)
{
    (void)ctx;
    return 0;
}

void probe_serve_ms(unsigned ms)
{
    net_run_until(never_done, NULL, nb_now_us() + (uint64_t)ms * 1000u);
}

static int run_command(int argc, char **argv)
{
    for (const struct probe_cmd *c = probe_cmds; c->name; c++)
        if (strcmp(c->name, argv[0]) == 0)
            return c->run(argc, argv);
    fprintf(stderr, "nb-probe: unknown command '%s'\n", argv[0]);
    usage();
    return 2;
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *tls_ca = NULL;
    uint8_t mac[6], ip4[4] = { 0 }, gw4[4] = { 0 }, mask[4] = { 0 };
    int have_mac = 0, have_ip4 = 0, counters = 0;
    unsigned mtu = 0, prefix = 0;
    struct nb_ip dns[DNS_MAX_SERVERS];
    unsigned ndns = 0;
    int i = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--counters") == 0) {
            counters = 1;
            continue;
        }
        if (!val)
            usage();
        i++;
        if (strcmp(opt, "--dev") == 0)
            spec = val;
        else if (strcmp(opt, "--mac") == 0 && parse_mac(val, mac))
            have_mac = 1;
        else if (strcmp(opt, "--mtu") == 0)
            mtu = (unsigned)strtoul(val, NULL, 10);
        else if (strcmp(opt, "--ip4") == 0 && parse_ip4(val, ip4, &prefix))
            have_ip4 = 1;
        else if (strcmp(opt, "--gw4") == 0 && parse_ip4(val, gw4, NULL))
            ;
        else if (strcmp(opt, "--dns") == 0 && ndns < DNS_MAX_SERVERS && nb_ip_parse(val, &dns[ndns]))
            ndns++;
        else if (strcmp(opt, "--nv") == 0)
            host_nv_dir(val);
        else if (strcmp(opt, "--tls-ca") == 0)
            tls_ca = val;
        else if (strcmp(opt, "--clock") == 0 && strtoll(val, NULL, 10) > 0)
            host_fake_wallclock(strtoll(val, NULL, 10)); /* a wall clock for TLS tests */
        else {
            fprintf(stderr, "nb-probe: bad option %s %s\n", opt, val);
            usage();
        }
    }
    if (!spec || i >= argc)
        usage();

    nb_log_start();
    if (nb_drbg_init("nb-probe", 8, NULL) != NB_OK) {
        fprintf(stderr, "nb-probe: no entropy\n");
        return 1;
    }
    if (tls_ca && !load_tls_ca(tls_ca))
        return 1;
    static struct netdev dev;
    nb_err e = host_netdev_open(&dev, spec, have_mac ? mac : NULL);
    if (e != NB_OK) {
        nb_fail(e, "nb-probe: cannot open %s (root? does the interface exist?)", spec);
        return 1;
    }
    if (mtu)
        dev.mtu = mtu;
    net_init(&dev);
    if (have_ip4) {
        for (unsigned b = 0; b < prefix; b++)
            mask[b / 8] |= (uint8_t)(0x80u >> (b % 8));
        net_ip4_configure(ip4, mask, gw4);
    }
    if (ndns)
        dns_set_servers(dns, ndns);
    nb_say("probe: up on %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u", spec, dev.mac[0],
           dev.mac[1], dev.mac[2], dev.mac[3], dev.mac[4], dev.mac[5], net_if()->mtu);

    int status = 0;
    while (i < argc && status == 0) {
        int start = ++i; /* skip "--" */
        while (i < argc && strcmp(argv[i], "--") != 0)
            i++;
        if (i == start)
            continue;
        char *saved = argv[i < argc ? i : argc - 1];
        if (i < argc)
            argv[i] = NULL;
        status = run_command(i - start, argv + start);
        if (i < argc)
            argv[i] = saved;
    }
    if (counters)
        nb_counters_say();
    host_netdev_close(&dev);
    return status;
}
