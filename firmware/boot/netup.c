/* Network bring-up for the first stage (boot/netup.h). */
#include "boot/netup.h"
#include "boot/dhcp4_msg.h"
#include "core/clock.h"
#include "core/log.h"
#include "net/dns.h"
#include "net/ip_text.h"
#include "net/nd6.h"
#include "net/netif.h"
#include "net/stack.h"
#include <string.h>

#define SLAAC_WAIT_MS 4000u  /* RS delay (<= 1 s) + DAD (1 s) + margin */

static int dhcp_done(void *ctx) { return dhcp4_done(ctx); }

struct v6_wait {
    uint8_t addr[16];
    int found;
};

static int slaac_done(void *ctx)
{
    struct v6_wait *w = ctx;
    struct nd6_addr_info a;
    if (nd6_global_addrs(&a, 1) == 1) {
        memcpy(w->addr, a.addr, 16);
        w->found = 1;
    }
    return w->found;
}

/* The firmware's cached ACK, as a lease to verify. */
static int lease_from_pxe(const struct nb_pxe_cache *pc, struct dhcp4_lease *l)
{
    struct dhcp4_msg m;
    static const uint8_t zero[4];
    if (!pc->found || pc->using_ipv6 || !pc->dhcp_ack.len ||
        dhcp4_parse(pc->dhcp_ack.data, pc->dhcp_ack.len, &m) != NB_OK ||
        memcmp(m.yiaddr, zero, 4) == 0)
        return 0;
    memset(l, 0, sizeof *l);
    memcpy(l->addr, m.yiaddr, 4);
    memcpy(l->mask, m.mask, 4);
    memcpy(l->router, m.router, 4);
    memcpy(l->server_id, (m.have & DHCP4_HAVE_SERVER_ID) ? m.server_id : m.siaddr, 4);
    memcpy(l->bootfile, m.bootfile, sizeof l->bootfile);
    return 1;
}

static nb_err run_dhcp4(struct dhcp4_client *c, uint64_t deadline_us, struct dhcp4_lease *out)
{
    nb_err e = net_run_until(dhcp_done, c, deadline_us);
    if (e == NB_OK)
        e = dhcp4_result(c, out);
    dhcp4_stop(c);
    return e;
}

static void say_v4(const struct dhcp4_lease *l, const char *how, uint64_t t0)
{
    char a[16], r[16], s[16];
    nb_ip4_text(a, sizeof a, l->addr);
    nb_ip4_text(r, sizeof r, l->router);
    nb_ip4_text(s, sizeof s, l->server_id);
    nb_say("net: v4 %s via %s from server %s (%s, %u ms)", a, r, s, how,
           (unsigned)((nb_now_us() - t0) / 1000u));
}

nb_err nb_netup(const struct nb_env *env, struct nb_netup *out)
{
    memset(out, 0, sizeof *out);
    if (!env->netdev)
        return nb_fail(NB_E_NO_NIC, "net: no network device");
    net_init(env->netdev);

    struct dhcp4_ident id = { .arch = env->arch };
    memcpy(id.mac, env->nic.mac, 6);
    struct dhcp4_params p;
    dhcp4_params_default(&p);
    static struct dhcp4_client c;
    struct dhcp4_lease known;
    uint64_t t0 = nb_now_us();
    nb_err e = NB_E_NOT_FOUND;

    if (lease_from_pxe(&env->pxe, &known)) {
        /* One short REQUEST round: the server either confirms or NAKs at once. */
        struct dhcp4_params quick = p;
        quick.max_tries = 2;
        quick.rt_initial_ms = 1000;
        e = dhcp4_start_reboot(&c, &id, &quick, &known);
        if (e == NB_OK)
            e = run_dhcp4(&c, t0 + 4000000u, &out->lease4);
        if (e == NB_OK) {
            out->v4_source = "pxe cache, verified by REQUEST";
        } else {
            nb_warn("net: the firmware's DHCP lease was not confirmed (%s); asking afresh",
                    nb_strerror(e));
        }
    }
    if (e != NB_OK) {
        uint64_t t1 = nb_now_us();
        e = dhcp4_start(&c, &id, &p);
        if (e == NB_OK)
            e = run_dhcp4(&c, t1 + 30000000u, &out->lease4);
        if (e == NB_OK)
            out->v4_source = "DHCPv4";
        else
            nb_warn("net: no IPv4 lease (%s)", nb_strerror(e));
    }
    if (e == NB_OK) {
        out->v4_up = 1;
        out->boot_info_us = out->lease4.obtained_us;
        say_v4(&out->lease4, out->v4_source, t0);
        struct nb_ip dns[3];
        for (unsigned i = 0; i < out->lease4.ndns; i++)
            dns[i] = nb_ip_from(4, out->lease4.dns[i]);
        if (out->lease4.ndns)
            dns_set_servers(dns, out->lease4.ndns);
    }

    struct v6_wait w = { { 0 }, 0 };
    if (net_run_until(slaac_done, &w, t0 + (uint64_t)SLAAC_WAIT_MS * 1000u) == NB_OK) {
        char a[NB_IP6_TEXT_MAX];
        nb_ip6_text(a, sizeof a, w.addr);
        memcpy(out->addr6, w.addr, 16);
        out->v6_up = 1;
        nb_say("net: v6 %s (SLAAC, %u ms)", a, (unsigned)((nb_now_us() - t0) / 1000u));
    } else {
        nb_say("net: v6 no global address within %u ms (no router advertisement?)", SLAAC_WAIT_MS);
    }
    return out->v4_up || out->v6_up ? NB_OK : NB_E_NO_ADDRESS;
}
