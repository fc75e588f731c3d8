/* nb-probe commands for IPv6: ip6-up (wait for SLAAC/DAD and print the
 * result), ping6. */
#include "platform/host/probe/probe.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/log.h"
#include "net/addr.h"
#include "net/icmp6.h"
#include "net/ip6.h"
#include "net/ip_text.h"
#include "net/nd6.h"
#include "net/stack.h"
#include <stdlib.h>
#include <string.h>

struct up_wait {
    int want_global;
};

static int any_duplicate(void)
{
    struct nd6_addr_info a[ND6_MAX_ADDRS];
    unsigned n = nd6_addrs(a, ND6_MAX_ADDRS);
    for (unsigned i = 0; i < n; i++)
        if (a[i].state == ND6_ADDR_DUPLICATE)
            return 1;
    return 0;
}

/* Done when DAD has settled for every address (none tentative) and either
 * what was asked for is there or an address turned out duplicate. */
static int up_done(void *ctx)
{
    struct up_wait *w = ctx;
    uint8_t ll[16];
    struct nd6_addr_info a[ND6_MAX_ADDRS], g[1];
    unsigned n = nd6_addrs(a, ND6_MAX_ADDRS);
    for (unsigned i = 0; i < n; i++)
        if (a[i].state == ND6_ADDR_TENTATIVE)
            return 0;
    if (any_duplicate())
        return 1;
    if (!nd6_link_local(ll))
        return 0;
    return !w->want_global || nd6_global_addrs(g, 1) > 0;
}

static const char *state_name(enum nd6_addr_state s)
{
    switch (s) {
    case ND6_ADDR_TENTATIVE: return "tentative";
    case ND6_ADDR_PREFERRED: return "preferred";
    case ND6_ADDR_DEPRECATED: return "deprecated";
    case ND6_ADDR_DUPLICATE: return "duplicate";
    default: return "none";
    }
}

static const char *origin_name(enum nd6_addr_origin o)
{
    return o == ND6_ORIGIN_LINK_LOCAL ? "link-local" : o == ND6_ORIGIN_SLAAC ? "slaac" : "dhcp6";
}

/* ip6-up [SECONDS] [ll|global]: wait for the link-local address (and with
 * "global", a global one) to pass DAD; print what IPv6 learned. Status 1 on
 * timeout or when an address turned out duplicate (then after DAD of the
 * others settled, so the output shows what still works). */
int probe_cmd_ip6_up(int argc, char **argv)
{
    unsigned secs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10;
    struct up_wait w = { .want_global = argc > 2 && strcmp(argv[2], "global") == 0 };
    nb_err e = net_run_until(up_done, &w, nb_now_us() + (uint64_t)secs * 1000000u);
    char t[NB_IP6_TEXT_MAX];
    struct nd6_addr_info a[ND6_MAX_ADDRS];
    unsigned n = nd6_addrs(a, ND6_MAX_ADDRS);
    for (unsigned i = 0; i < n; i++) {
        nb_ip6_text(t, sizeof t, a[i].addr);
        nb_say("probe: ip6 address %s/%u %s %s preferred %u valid %u", t, a[i].prefix_len,
               origin_name(a[i].origin), state_name(a[i].state), a[i].preferred_s, a[i].valid_s);
    }
    uint8_t r[16];
    if (nd6_default_router(r)) {
        nb_ip6_text(t, sizeof t, r);
        unsigned f = nd6_ra_flags();
        nb_say("probe: ip6 router %s M=%u O=%u mtu %u", t, f & ND6_RA_MANAGED ? 1u : 0u,
               f & ND6_RA_OTHER ? 1u : 0u, ip6_mtu());
    }
    struct nb_ip dns[ND6_MAX_RDNSS];
    unsigned nd = nd6_dns_servers(dns, ND6_MAX_RDNSS);
    for (unsigned i = 0; i < nd; i++) {
        nb_ip6_text(t, sizeof t, dns[i].a);
        nb_say("probe: ip6 dns %s", t);
    }
    if (*nd6_dns_search())
        nb_say("probe: ip6 search %s", nd6_dns_search());
    if (any_duplicate()) {
        nb_say("probe: ip6-up: duplicate address");
        return 1;
    }
    if (e != NB_OK) {
        nb_say("probe: ip6-up: %s", nb_strerror(e));
        return 1;
    }
    nb_say("probe: ip6-up: ok");
    return 0;
}

struct echo_wait {
    uint16_t id, seq;
};

static int echo_done(void *ctx)
{
    struct echo_wait *w = ctx;
    return icmp6_echo_answered(w->id, w->seq) != 0;
}

/* ping6 ADDR [COUNT]: ICMPv6 echo. */
int probe_cmd_ping6(int argc, char **argv)
{
    struct nb_ip dst;
    if (argc < 2 || !nb_ip_parse(argv[1], &dst) || dst.family != 6)
        return 2;
    unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3;
    struct echo_wait w = { (uint16_t)nb_random_u32(), 0 };
    unsigned answered = 0;
    for (unsigned i = 0; i < count; i++) {
        w.seq = (uint16_t)(i + 1);
        uint64_t start = nb_now_us();
        nb_err e = icmp6_echo_send(dst.a, w.id, w.seq, 56);
        if (e == NB_OK)
            e = net_run_until(echo_done, &w, start + 2000000u);
        if (e == NB_OK) {
            uint64_t rtt = icmp6_echo_answered(w.id, w.seq);
            answered++;
            nb_say("probe: ping6 %s seq %u rtt %u.%03u ms", argv[1], w.seq, (unsigned)(rtt / 1000),
                   (unsigned)(rtt % 1000));
        } else {
            nb_say("probe: ping6 %s seq %u: %s", argv[1], w.seq, nb_strerror(e));
        }
        probe_serve_ms(100);
    }
    nb_say("probe: ping6 %s: %u/%u answered", argv[1], answered, count);
    return answered == count ? 0 : 1;
}
