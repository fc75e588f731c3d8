/* Network bring-up: the DHCPv4/DHCPv6 race and the IPv4 fallbacks
 * (boot/netup.h). */
#include "boot/netup.h"
#include "boot/dhcp4_msg.h"
#include "boot/dhcp6.h"
#include "boot/duid.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/dns.h"
#include "net/ip_text.h"
#include "net/nd6.h"
#include "net/netif.h"
#include "net/stack.h"
#include <string.h>

#define FALLBACK_TRY_MS 2000u   /* each fallback exchange: two 1 s rounds */
#define SLAAC_GRACE_MS 3000u    /* after DHCP, wait this long for a SLAAC address */

enum v4_phase { V4_OFF, V4_VERIFY, V4_DISCOVER, V4_DONE, V4_FAILED };

struct race {
    const struct nb_env *env;
    const struct nb_config *cfg;
    struct nb_netup *out;
    struct dhcp4_ident id4;
    enum v4_phase v4;
    struct dhcp4_client c4;
    int v6_running;
    struct dhcp6_client c6;
    struct dhcp6_config cfg6;
    enum { KNOWN_NONE, KNOWN_PXE, KNOWN_CACHE } known_kind; /* a lease to verify or fall back on */
    struct dhcp4_lease known;
};

static char ip4buf[4][NB_IP4_TEXT_MAX];
static const char *ip4(int slot, const uint8_t a[4])
{
    nb_ip4_text(ip4buf[slot], NB_IP4_TEXT_MAX, a);
    return ip4buf[slot];
}

static unsigned ms_since(uint64_t t) { return (unsigned)((nb_now_us() - t) / 1000u); }

/* ---- boot information ---------------------------------------------------- */

static int v4_boot_info(const struct dhcp4_lease *l) { return l->bootfile[0] || l->nsites; }
static int v6_boot_info(const struct dhcp6_lease *l) { return l->boot_url[0] || l->nsites; }

static void take_boot_info4(struct nb_netup *o, const struct dhcp4_lease *l, uint64_t when)
{
    if (o->boot_family || !v4_boot_info(l))
        return;
    o->boot_family = 4;
    o->boot_info_us = when;
    nb_snprintf(o->bootfile, sizeof o->bootfile, "%s", l->bootfile);
    if (strstr(l->bootfile, "://"))
        nb_snprintf(o->boot_url, sizeof o->boot_url, "%s", l->bootfile);
    for (unsigned i = 0; i < l->nsites && i < 4; i++)
        nb_snprintf(o->sites[o->nsites++], sizeof o->sites[0], "%s", l->sites[i]);
}

static void take_boot_info6(struct nb_netup *o, const struct dhcp6_lease *l)
{
    if (o->boot_family || !v6_boot_info(l))
        return;
    o->boot_family = 6;
    o->boot_info_us = l->acquired_us;
    nb_snprintf(o->boot_url, sizeof o->boot_url, "%s", l->boot_url);
    for (unsigned i = 0; i < l->nsites && i < 4; i++)
        nb_snprintf(o->sites[o->nsites++], sizeof o->sites[0], "%s", l->sites[i]);
}

/* ---- the race --------------------------------------------------------------- */

static void v4_bound(struct race *r, const char *how)
{
    struct nb_netup *o = r->out;
    if (dhcp4_result(&r->c4, &o->lease4) != NB_OK)
        return;
    o->v4_up = 1;
    nb_snprintf(o->v4_source, sizeof o->v4_source, "%s", how);
    nb_say("dhcp4: %s via %s from server %s (%s, %u ms)%s%s", ip4(0, o->lease4.addr),
           ip4(1, o->lease4.router), ip4(2, o->lease4.server_id), how, ms_since(o->start_us),
           o->lease4.bootfile[0] ? ", boot file " : "", o->lease4.bootfile);
    take_boot_info4(o, &o->lease4, o->lease4.obtained_us);
}

/* Advance the IPv4 side one decision; called from the loop's predicate. */
static void v4_step(struct race *r)
{
    if ((r->v4 != V4_VERIFY && r->v4 != V4_DISCOVER) || !dhcp4_done(&r->c4))
        return;
    int ok = r->c4.state == DHCP4_BOUND;
    if (ok) {
        v4_bound(r, r->v4 == V4_VERIFY ? "firmware lease confirmed by INIT-REBOOT" : "DHCPv4");
        dhcp4_stop(&r->c4);
        r->v4 = V4_DONE;
        return;
    }
    dhcp4_stop(&r->c4);
    if (r->v4 == V4_VERIFY) {
        nb_say("dhcp4: the firmware's lease %s was not confirmed (%s); DISCOVER",
               ip4(0, r->known.addr), r->c4.why[0] ? r->c4.why : nb_strerror(r->c4.error));
        struct dhcp4_params p;
        dhcp4_params_default(&p);
        if (dhcp4_start(&r->c4, &r->id4, &p) == NB_OK) {
            r->v4 = V4_DISCOVER;
            return;
        }
    }
    r->v4 = V4_FAILED;
}

static int race_done(void *ctx)
{
    struct race *r = ctx;
    v4_step(r);
    if (r->v6_running && dhcp6_done(&r->c6)) {
        const struct dhcp6_lease *l = dhcp6_lease(&r->c6);
        if (dhcp6_result(&r->c6) == NB_OK && l) {
            take_boot_info6(r->out, l);
        }
    }
    if (r->out->boot_family)
        return 1;
    int v4_over = r->v4 == V4_OFF || r->v4 == V4_DONE || r->v4 == V4_FAILED;
    int v6_over = !r->v6_running || dhcp6_done(&r->c6);
    return v4_over && v6_over;
}

static void start_v6(struct race *r)
{
    struct nb_sysid sid = { .has_uuid = r->env->have_uuid };
    memcpy(sid.mac, r->env->nic.mac, 6);
    memcpy(sid.uuid, r->env->uuid, 16);
    dhcp6_config_default(&r->cfg6, &sid);
    nb_err e = dhcp6_start(&r->c6, &r->cfg6);
    if (e == NB_OK)
        r->v6_running = 1;
    else
        nb_warn("dhcp6: not started (%s)", nb_strerror(e));
}

static void start_v4(struct race *r)
{
    struct dhcp4_params p;
    dhcp4_params_default(&p);
    if (r->known_kind == KNOWN_PXE) {
        /* The firmware's ACK: one quick INIT-REBOOT round confirms it. The
         * firmware used this address on this link moments ago, so the
         * RFC 5227 conflict check is kept short. */
        p.max_tries = 2;
        p.rt_initial_ms = 1000;
        p.probe_wait_ms = 50;
        if (dhcp4_start_reboot(&r->c4, &r->id4, &p, &r->known) == NB_OK) {
            r->v4 = V4_VERIFY;
            return;
        }
    }
    r->v4 = dhcp4_start(&r->c4, &r->id4, &p) == NB_OK ? V4_DISCOVER : V4_FAILED;
}

/* ---- IPv4 fallbacks ------------------------------------------------------------ */

static int dhcp4_client_done(void *ctx) { return dhcp4_done(ctx); }

static int try_exchange(struct race *r, const char *what, uint64_t deadline)
{
    nb_err e = net_run_until(dhcp4_client_done, &r->c4, deadline);
    int ok = e == NB_OK && r->c4.state == DHCP4_BOUND;
    if (ok)
        v4_bound(r, what);
    else
        nb_say("dhcp4: %s: no answer", what);
    dhcp4_stop(&r->c4);
    return ok;
}

static void v4_fallbacks(struct race *r)
{
    struct dhcp4_params p;
    dhcp4_params_default(&p);
    p.rt_initial_ms = 1000;
    p.rt_jitter_ms = 0;
    p.max_tries = 2;
    char what[96];

    if (r->known_kind == KNOWN_NONE) {
        nb_say("dhcp4: no answer to broadcast DHCP and no cached lease: IPv4 stays down");
        return;
    }
    nb_say("dhcp4: no answer to broadcast DHCP within %u ms; falling back on the %s (%s via %s)",
           r->cfg->dhcp_timeout_ms, r->known_kind == KNOWN_PXE ? "firmware PXE ACK" : "lease cache",
           ip4(0, r->known.addr), ip4(1, r->known.router));

    /* 1. INIT-REBOOT with the cached address (skipped for the firmware's ACK:
     *    the first attempt already was exactly that). */
    if (r->known_kind == KNOWN_CACHE &&
        dhcp4_start_reboot(&r->c4, &r->id4, &p, &r->known) == NB_OK &&
        try_exchange(r, "INIT-REBOOT with the cached lease", nb_now_us() + FALLBACK_TRY_MS * 1000ull))
        return;

    /* 2. Unicast REQUEST through the cached router: the cached server id,
     *    then every hard-coded server. */
    net_ip4_configure(r->known.addr, r->known.mask, r->known.router);
    uint8_t servers[1 + NB_CFG_MAX_FALLBACK][4];
    const char *kinds[1 + NB_CFG_MAX_FALLBACK];
    unsigned n = 0;
    static const uint8_t zero[4];
    if (memcmp(r->known.server_id, zero, 4) != 0) {
        memcpy(servers[n], r->known.server_id, 4);
        kinds[n++] = "cached server";
    }
    for (unsigned i = 0; i < r->cfg->ndhcp_servers; i++) {
        if (r->cfg->dhcp_servers[i].family != 4)
            continue;
        if (n && memcmp(servers[0], r->cfg->dhcp_servers[i].a, 4) == 0)
            continue;
        memcpy(servers[n], r->cfg->dhcp_servers[i].a, 4);
        kinds[n++] = "hard-coded server";
    }
    for (unsigned i = 0; i < n; i++) {
        nb_snprintf(what, sizeof what, "unicast REQUEST to %s %s via %s", kinds[i], ip4(0, servers[i]),
                    ip4(1, r->known.router));
        nb_say("dhcp4: %s", what);
        if (dhcp4_start_unicast(&r->c4, &r->id4, &p, &r->known, servers[i]) == NB_OK &&
            try_exchange(r, what, nb_now_us() + FALLBACK_TRY_MS * 1000ull))
            return;
    }

    /* 3. The cached lease itself, while valid. */
    int64_t now = 0;
    uint32_t left = 0;
    if (nb_trusted_time(&now) == NB_OK && r->known_kind == KNOWN_CACHE) {
        struct nb_lease_cache c;
        if (lease_cache_load(&c) == NB_OK)
            left = lease_cache_v4_left(&c, now);
    }
    if (left) {
        r->out->lease4 = r->known;
        r->out->v4_up = 1;
        r->out->v4_from_cache = 1;
        nb_snprintf(r->out->v4_source, sizeof r->out->v4_source, "cached lease (no server answered)");
        nb_say("dhcp4: no server answered; using the cached lease %s via %s (valid %u s more)",
               ip4(0, r->known.addr), ip4(1, r->known.router), left);
        take_boot_info4(r->out, &r->known, nb_now_us());
        return;
    }
    nb_say("dhcp4: no server answered and no valid cached lease: IPv4 stays down");
    memset(r->known.addr, 0, 4);
    uint8_t none[4] = { 0 };
    net_ip4_configure(none, none, none);
    net_if()->ip4_up = 0;
}

/* ---- lease cache --------------------------------------------------------------- */

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
    l->lease_s = m.lease_s;
    /* proxyDHCP: the boot file came in the firmware's proxy offer or its
     * port-4011 reply, not in the ACK */
    const struct nb_blob *more[2] = { &pc->pxe_reply, &pc->proxy_offer };
    for (int i = 0; i < 2 && !l->bootfile[0]; i++) {
        struct dhcp4_msg p;
        if (more[i]->len && dhcp4_parse(more[i]->data, more[i]->len, &p) == NB_OK &&
            (p.have & DHCP4_HAVE_BOOTFILE)) {
            memcpy(l->bootfile, p.bootfile, sizeof l->bootfile);
            l->boot_from_proxy = 1;
            memcpy(l->proxy_server, (p.have & DHCP4_HAVE_SERVER_ID) ? p.server_id : p.siaddr, 4);
        }
    }
    return 1;
}

static void update_cache(const struct nb_netup *o, const struct dhcp6_client *c6, int v6_running,
                         struct nb_lease_cache *cache)
{
    int64_t now = 0;
    int changed = 0;
    nb_trusted_time(&now);
    if (o->v4_up && !o->v4_from_cache) { /* a server confirmed it: refresh the cache */
        struct dhcp4_lease l = o->lease4;
        l.ack_len = 0;
        /* A server confirmed it: its validity starts now (one small NV write
         * per boot with working DHCP keeps the fallback honest). */
        changed = 1;
        cache->have4 = 1;
        cache->v4 = l;
        cache->v4_obtained = now;
    }
    const struct dhcp6_lease *l6 = v6_running ? dhcp6_lease(c6) : NULL;
    if (l6 && dhcp6_result(c6) == NB_OK && l6->stateful) {
        struct nb_lease6_cached *x = &cache->v6;
        changed |= !cache->have6 || memcmp(x->addr, l6->addr, 16) || strcmp(x->boot_url, l6->boot_url);
        cache->have6 = 1;
        memcpy(x->addr, l6->addr, 16);
        memcpy(x->server_addr, l6->server_addr, 16);
        memcpy(x->server_id, l6->server_id, l6->server_id_len);
        x->server_id_len = l6->server_id_len;
        x->ndns = l6->ndns < 3 ? l6->ndns : 3;
        memcpy(x->dns, l6->dns, 16 * x->ndns);
        x->valid_s = l6->valid_s;
        nb_snprintf(x->boot_url, sizeof x->boot_url, "%s", l6->boot_url);
        x->nsites = 0;
        for (unsigned i = 0; i < l6->nsites && i < LEASE6_SITES; i++)
            nb_snprintf(x->sites[x->nsites++], LEASE6_URL_MAX, "%s", l6->sites[i]);
        cache->v6_obtained = now;
    }
    if (!changed)
        return;
    nb_err e = lease_cache_store(cache);
    if (e != NB_OK)
        nb_warn("dhcp: lease cache not written (%s)", nb_strerror(e));
}

/* ---- entry ---------------------------------------------------------------------- */

struct v6_wait {
    uint8_t addr[16];
    int found;
};

static int global6_done(void *ctx)
{
    struct v6_wait *w = ctx;
    struct nd6_addr_info a;
    if (nd6_global_addrs(&a, 1) == 1) {
        memcpy(w->addr, a.addr, 16);
        w->found = 1;
    }
    return w->found;
}

nb_err nb_netup(const struct nb_env *env, const struct nb_config *cfg, struct nb_netup *out)
{
    static struct race r;
    static struct nb_lease_cache cache;
    /* A second run (the boot loop starting over): the last run's clients may
     * still have timers armed; stop them before their state is wiped. */
    if (r.v6_running)
        dhcp6_stop(&r.c6);
    if (r.v4 == V4_VERIFY || r.v4 == V4_DISCOVER)
        dhcp4_stop(&r.c4);
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    if (!env->netdev)
        return nb_fail(NB_E_NO_NIC, "net: no network device");
    net_init(env->netdev);
    r.env = env;
    r.cfg = cfg;
    r.out = out;
    r.id4.arch = env->arch;
    memcpy(r.id4.mac, env->nic.mac, 6);
    r.id4.have_uuid = env->have_uuid;
    memcpy(r.id4.uuid, env->uuid, 16);

    nb_err ce = lease_cache_load(&cache);
    if (ce == NB_E_MALFORMED)
        nb_warn("dhcp: the lease cache in NV storage is corrupt; ignored (rewritten after this boot)");
    if (lease_from_pxe(&env->pxe, &r.known)) {
        r.known_kind = KNOWN_PXE;
    } else if (ce == NB_OK && cache.have4) {
        r.known_kind = KNOWN_CACHE;
        r.known = cache.v4;
    }

    out->start_us = nb_now_us();
    int want4 = cfg->family != NB_FAM_V6_ONLY, want6 = cfg->family != NB_FAM_V4_ONLY;
    if (want4)
        start_v4(&r);
    if (want6)
        start_v6(&r);
    if (r.v4 == V4_VERIFY)
        nb_say("dhcp: verifying the firmware's lease %s (INIT-REBOOT)%s", ip4(0, r.known.addr),
               want6 ? "; DHCPv6 in parallel" : "");
    else
        nb_say("dhcp: %s%s%s", want4 ? "DHCPv4 DISCOVER" : "", want4 && want6 ? " and " : "",
               want6 ? "DHCPv6 (following the router's M/O flags)" : "");

    net_run_until(race_done, &r, out->start_us + (uint64_t)cfg->dhcp_timeout_ms * 1000u);
    v4_step(&r);
    if (out->boot_family)
        nb_say("dhcp: boot information from DHCPv%d in %u ms: %s", out->boot_family,
               (unsigned)((out->boot_info_us - out->start_us) / 1000u),
               out->boot_url[0] ? out->boot_url : out->bootfile[0] ? out->bootfile : out->sites[0]);

    /* The loser keeps running in the background (its timers ride on every
     * later loop); only a v4 side that is still stuck gets the fallbacks. */
    if (want4 && !out->v4_up && !out->boot_family) {
        if (r.v4 == V4_VERIFY || r.v4 == V4_DISCOVER)
            dhcp4_stop(&r.c4);
        v4_fallbacks(&r);
    }
    if (want6 && r.v6_running && !out->boot_family && ce == NB_OK && cache.have6) {
        int64_t now;
        uint32_t left = nb_trusted_time(&now) == NB_OK ? lease_cache_v6_left(&cache, now) : 0;
        if (left && (cache.v6.boot_url[0] || cache.v6.nsites)) {
            struct dhcp6_lease l = { 0 };
            nb_snprintf(l.boot_url, sizeof l.boot_url, "%s", cache.v6.boot_url);
            for (unsigned i = 0; i < cache.v6.nsites; i++)
                nb_snprintf(l.sites[l.nsites++], sizeof l.sites[0], "%s", cache.v6.sites[i]);
            l.acquired_us = nb_now_us();
            take_boot_info6(out, &l);
            nb_say("dhcp6: no answer; using the cached boot information (valid %u s more)", left);
        }
    }

    /* A global IPv6 address now, or soon: with IPv4 up the boot does not wait
     * for it (SLAAC and DHCPv6 go on in the background); without IPv4 it
     * waits up to SLAAC_GRACE_MS. */
    struct v6_wait w = { { 0 }, 0 };
    uint64_t v6_deadline = out->v4_up ? nb_now_us() : nb_now_us() + SLAAC_GRACE_MS * 1000ull;
    if (want6 && net_run_until(global6_done, &w, v6_deadline) == NB_OK) {
        char a[NB_IP6_TEXT_MAX];
        nb_ip6_text(a, sizeof a, w.addr);
        memcpy(out->addr6, w.addr, 16);
        out->v6_up = 1;
        nb_snprintf(out->v6_source, sizeof out->v6_source, "%s",
                    r.v6_running && dhcp6_lease(&r.c6) && dhcp6_lease(&r.c6)->stateful ? "DHCPv6/SLAAC" : "SLAAC");
        nb_say("net: v6 %s (%s)", a, out->v6_source);
    } else if (want6 && out->v4_up) {
        nb_say("net: v6 not up yet; continuing over IPv4 (IPv6 keeps configuring in the background)");
    } else if (want6) {
        nb_say("net: v6 no global address (no router advertisement with a usable prefix, no DHCPv6 lease)");
    }

    if (out->v4_up && out->lease4.ndns) {
        struct nb_ip dns[3];
        for (unsigned i = 0; i < out->lease4.ndns && i < 3; i++)
            dns[i] = nb_ip_from(4, out->lease4.dns[i]);
        for (unsigned i = 0; i < out->lease4.ndns && i < 3; i++)
            dns_add_server(&dns[i]);
    }
    update_cache(out, &r.c6, r.v6_running, &cache);
    return out->v4_up || out->v6_up ? NB_OK : NB_E_NO_ADDRESS;
}
