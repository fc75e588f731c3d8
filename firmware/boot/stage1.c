/* The first stage's flow for now: banner, DRBG, cached PXE facts, NIC,
 * NV store, ready. Later phases (DHCP, site race, fetch, verify, hand-off)
 * plug in after the NIC. */
#include "boot/stage1.h"
#include "boot/crypto_selftest.h"
#include "boot/dhcp4_msg.h"
#include "boot/dhcp6_msg.h"
#include "boot/fetch.h"
#include "boot/digest_sink.h"
#include "boot/boot.h"
#include "boot/config.h"
#include "boot/netup.h"
#include "boot/tftp.h"
#include "boot/url.h"
#include "boot/xport_tls.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/ip_text.h"
#include "nb_version.h"
#include "net/ip4.h"
#include "net/ip6.h"
#include "net/stack.h"
#include "platform/platform.h"
#include <string.h>

static const char *dhcp4_type_name(uint8_t t)
{
    static const char *const names[] = { "?", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
                                         "ACK", "NAK", "RELEASE", "INFORM" };
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static void say_dhcp4(const char *which, const struct nb_blob *b)
{
    struct dhcp4_msg m;
    char yi[16], srv[16];
    nb_err e = dhcp4_parse(b->data, b->len, &m);
    if (e != NB_OK) {
        nb_fail(e, "pxe cache: DHCPv4 %s packet ignored", which);
        return;
    }
    nb_ip4_text(yi, sizeof yi, m.yiaddr);
    nb_ip4_text(srv, sizeof srv, (m.have & DHCP4_HAVE_SERVER_ID) ? m.server_id : m.siaddr);
    nb_say("pxe cache: v4 %s %s: address %s server %s boot file '%s'%s%s", which,
           dhcp4_type_name(m.msg_type), yi, srv, m.bootfile,
           (m.have & DHCP4_HAVE_TFTP_SERVER) ? " tftp server " : "",
           (m.have & DHCP4_HAVE_TFTP_SERVER) ? m.tftp_server : "");
}

static void say_dhcp6(const char *which, const struct nb_blob *b)
{
    struct dhcp6_msg m;
    char addr[48] = "none";
    nb_err e = dhcp6_parse(b->data, b->len, 1, &m);
    if (e != NB_OK) {
        nb_fail(e, "pxe cache: DHCPv6 %s packet ignored", which);
        return;
    }
    if (m.have & DHCP6_HAVE_ADDR)
        nb_ip6_text(addr, sizeof addr, m.addr);
    char duid[2 * 16 + 4] = "none";
    if (m.have & DHCP6_HAVE_SERVER_ID) {
        size_t n = 0, show = m.server_id_len < 16 ? m.server_id_len : 16;
        for (size_t i = 0; i < show; i++)
            n += (size_t)nb_snprintf(duid + n, sizeof duid - n, "%02x", m.server_id[i]);
        if (show < m.server_id_len)
            nb_snprintf(duid + n, sizeof duid - n, "..");
    }
    nb_say("pxe cache: v6 %s: address %s server duid %s boot url '%s'", which, addr,
           duid, (m.have & DHCP6_HAVE_BOOTFILE_URL) ? m.bootfile_url : "");
}

static void say_pxe_cache(const struct nb_pxe_cache *pc)
{
    if (!pc->found) {
        nb_say("pxe cache: none (not PXE-booted, or the firmware kept no packets)");
        return;
    }
    const struct { const char *name; const struct nb_blob *b; } pkts[] = {
        { "dhcp-ack", &pc->dhcp_ack },
        { "proxy-offer", &pc->proxy_offer },
        { "pxe-reply", &pc->pxe_reply },
    };
    int any = 0;
    for (size_t i = 0; i < sizeof pkts / sizeof pkts[0]; i++) {
        if (!pkts[i].b->len)
            continue;
        any = 1;
        if (pc->using_ipv6)
            say_dhcp6(pkts[i].name, pkts[i].b);
        else
            say_dhcp4(pkts[i].name, pkts[i].b);
    }
    if (!any)
        nb_say("pxe cache: present, but no DHCP packets cached (%s)",
               pc->using_ipv6 ? "IPv6" : "IPv4");
}

static void say_entropy(unsigned src)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { NB_ENTROPY_RDSEED, "rdseed" }, { NB_ENTROPY_RDRAND, "rdrand" },
        { NB_ENTROPY_EFI_RNG, "efi-rng" }, { NB_ENTROPY_JITTER, "timer-jitter" },
        { NB_ENTROPY_OS, "os" },
    };
    char list[80] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (src & names[i].bit)
            n += (size_t)nb_snprintf(list + n, sizeof list - n, "%s%s", n ? "+" : "", names[i].name);
    nb_say("drbg: HMAC-DRBG-SHA256 self-test passed, seeded from %s", n ? list : "nothing");
}

static void say_nic(const struct nb_nic *nic)
{
    if (nic->status != NB_OK) {
        nb_fail(nic->status, "nic: boot NIC not available");
        return;
    }
    nb_say("nic: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s (%s)", nic->mac[0],
           nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5], nic->mtu,
           nic->link < 0 ? "unknown" : nic->link ? "up" : "down", nic->access);
}

/* A small NV record, so every boot proves the store works. */
static void nv_boot_count(void)
{
    uint8_t v[4] = { 0 };
    size_t len = sizeof v;
    nb_err e = plat_nv_get("BootCount", v, &len);
    uint32_t count = 0;
    if (e == NB_OK && len == sizeof v)
        count = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
    else if (e != NB_OK && e != NB_E_NOT_FOUND)
        nb_warn("nv: BootCount unreadable (%s); starting again at 1", nb_strerror(e));
    count++;
    for (int i = 0; i < 4; i++)
        v[i] = (uint8_t)(count >> (8 * i));
    e = plat_nv_set("BootCount", v, sizeof v);
    if (e != NB_OK)
        nb_fail(e, "nv: could not store BootCount");
    else
        nb_say("nv: boot count %u", count);
}

/* TLS trust anchors come from the configuration only, never the network. */
static nb_err load_trust(const struct nb_config *cfg)
{
    if (!cfg->tls_ca_len) {
        nb_say("config: no TLS trust anchors: HTTPS sites will be refused");
        return NB_OK;
    }
    nb_tls_set_trust(cfg->tls_ca, cfg->tls_ca_len);
    unsigned skipped = 0, n = nb_tls_trust_count(&skipped);
    if (!n)
        return nb_fail(NB_E_CONFIG_INVALID, "config: tls-ca holds no certificate mbedTLS can parse");
    nb_say("config: %u TLS trust anchor(s)%s; code-signing root %s", n, skipped ? " (some skipped)" : "",
           cfg->code_ca_len ? "present" : "ABSENT: no release can be verified");
    return NB_OK;
}

/* The embedded configuration: defaults when the image carries none; an
 * invalid one refuses the boot, since half an operator's settings is worse
 * than none. */
static nb_err load_config(const struct nb_env *env, struct nb_config *cfg)
{
    char why[96] = "";
    nb_err e = env->config_blob ? nb_config_decode(env->config_blob, env->config_len, cfg, why, sizeof why)
                                : NB_E_NOT_FOUND;
    if (e == NB_E_NOT_FOUND) {
        nb_config_default(cfg);
        nb_say("config: built-in defaults (no embedded configuration)");
        return NB_OK;
    }
    if (e != NB_OK)
        return nb_fail(e, "config: field '%s'; refusing to boot", why);
    nb_say("config: %u site(s), %u DHCP fallback server(s), family %s, dhcp-timeout %u ms, min-serial %u",
           cfg->nsites, cfg->ndhcp_servers, nb_family_name(cfg->family), cfg->dhcp_timeout_ms,
           cfg->min_release_serial);
    return load_trust(cfg);
}

static int never(void *ctx)
{
    (void)ctx;
    return 0;
}

#define PROBE_FAMILY_WAIT_US 15000000ull

/* An address to send from to ip exists (a net_run_until predicate). */
static int have_source_for(void *ctx)
{
    const struct nb_ip *ip = ctx;
    uint8_t src[16];
    return ip->family == 6 ? ip6_select_src(ip->a, src) == NB_OK : ip4_select_src(ip->a, src) == NB_OK;
}

/* A probe URL with an IP literal of a family still configuring (IPv6 goes on
 * in the background once IPv4 is up: DAD, the DHCPv6 lease) waits for it a
 * while, as the boot itself would, instead of failing at once. */
static void wait_for_family(const char *url)
{
    struct nb_url u;
    if (nb_url_parse(url, strlen(url), &u) != NB_OK || !u.ip.family || have_source_for(&u.ip))
        return;
    uint64_t t0 = nb_now_us();
    net_run_until(have_source_for, &u.ip, t0 + PROBE_FAMILY_WAIT_US);
    nb_say("probe: waited %u ms for an IPv%u address", (unsigned)((nb_now_us() - t0) / 1000u),
           (unsigned)u.ip.family);
}

/* A probe URL's client-side fragment asks for TFTP options,
 * "tftp://host/file#blksize=512,windowsize=4" (tftp_parse_optlist), and is
 * cut off: a fragment never goes to the server. 0, with a console error,
 * when it cannot be honoured. */
static int probe_options(const char *url, char *base, size_t size, struct nb_fetch_req *req)
{
    size_t n = strnlen(url, size);
    const char *hash = memchr(url, '#', n);
    if (n == size) {
        nb_fail(NB_E_TOO_BIG, "probe: %.80s...: URL longer than %u bytes", url, (unsigned)size - 1);
        return 0;
    }
    memcpy(base, url, n + 1);
    if (!hash)
        return 1;
    base[hash - url] = 0;
    if (strncmp(url, "tftp://", 7) != 0) {
        nb_fail(NB_E_TFTP_BAD_OPTION, "probe: %s: options (#...) are for tftp:// URLs only", url);
        return 0;
    }
    size_t bad;
    const char *opts = hash + 1;
    if (tftp_parse_optlist(opts, strlen(opts), &req->tftp_blksize, &req->tftp_windowsize, &bad) != NB_OK) {
        nb_fail(NB_E_TFTP_BAD_OPTION, "probe: %s: TFTP options refused at \"%.24s\"", url, opts + bad);
        return 0;
    }
    return 1;
}

/* Fetch a URL and print the SHA-256 of what arrived (the lab's check of the
 * transfer paths); a transfer that restarted is hashed from its restart. */
static void probe_fetch(const char *url)
{
    static struct nb_digest_sink sink;
    static char base[NB_URL_MAX + 1];
    struct nb_fetch_req req;
    struct nb_fetch_result res;
    uint8_t digest[32];
    char hex[65];
    nb_fetch_req_init(&req);
    if (!probe_options(url, base, sizeof base, &req))
        return;
    req.url = base;
    req.deadline_us = nb_now_us() + 600000000ull;
    req.max_size = 1ull << 32;
    req.write = nb_digest_sink_write;
    req.ctx = &sink;
    nb_digest_sink_init(&sink);
    nb_err e = nb_fetch(&req, &res);
    nb_digest_sink_final(&sink, digest);
    if (e != NB_OK) {
        nb_fail(e, "probe: %s", url);
        return;
    }
    for (int i = 0; i < 32; i++)
        nb_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    nb_say("probe: %s: %llu bytes sha256 %s in %u ms", url, (unsigned long long)res.size, hex,
           (unsigned)(res.elapsed_us / 1000u));
}

/* Lab hooks: fetch a file and print its digest, then keep answering pings. */
static void run_lab_hooks(const struct nb_env *env)
{
    /* probe-url: one URL, or several separated by spaces */
    static char urls[sizeof env->probe_url];
    memcpy(urls, env->probe_url, sizeof urls);
    for (char *u = urls, *end; u && *u; u = end) {
        end = strchr(u, ' ');
        if (end)
            *end++ = 0;
        if (*u) {
            wait_for_family(u);
            probe_fetch(u);
        }
    }
    if (env->hold_ms) {
        nb_say("net: holding for %u ms (answering ping)", env->hold_ms);
        net_run_until(never, NULL, nb_now_us() + (uint64_t)env->hold_ms * 1000u);
    }
}

/* DHCP, then a boot attempt over every candidate; when everything failed,
 * a jittered exponential backoff and DHCP again — forever in production,
 * max_attempts times when a lab asks. */
static nb_err boot_loop(const struct nb_env *env, const struct nb_config *cfg, uint64_t t0)
{
    static struct nb_netup net;
    nb_err e = NB_OK;
    for (unsigned attempt = 0;; attempt++) {
        uint64_t t_dhcp = nb_now_us();
        e = nb_netup(env, cfg, &net);
        nb_phase("dhcp", t_dhcp, nb_now_us());
        if (attempt == 0) {
            if (e == NB_OK)
                run_lab_hooks(env);
            nb_say("nearboot: ready (%u ms)", (unsigned)((nb_now_us() - t0) / 1000u));
        }
        if (e == NB_OK) {
            e = nb_boot_attempt(env, cfg, &net);
            if (e == NB_OK)
                return NB_OK;
        }
        if (env->max_attempts && attempt + 1 >= env->max_attempts) {
            nb_say("nearboot: giving up after %u attempt%s", attempt + 1, attempt ? "s" : "");
            return e;
        }
        uint32_t wait = nb_boot_backoff_ms(attempt);
        nb_say("boot: attempt %u failed; starting over from DHCP in %u.%03u s (backoff)", attempt + 1,
               wait / 1000u, wait % 1000u);
        net_run_until(never, NULL, nb_now_us() + (uint64_t)wait * 1000u);
    }
}

nb_err nb_stage1(const struct nb_env *env)
{
    uint64_t t0 = nb_now_us();
    nb_say("nearboot %s (build %s, %s) on %s", NB_VERSION, NB_BUILD_ID, NB_BUILD_DATE, env->platform);

    nb_err e = nb_drbg_selftest();
    if (e != NB_OK)
        return nb_fail(e, "drbg: refusing to run without a working DRBG");
    unsigned sources = 0;
    e = nb_drbg_init(env->nic.mac, sizeof env->nic.mac, &sources);
    if (e != NB_OK)
        return nb_fail(e, "drbg: could not seed; check that the platform has RDRAND, "
                          "EFI_RNG_PROTOCOL (QEMU: -device virtio-rng-pci) or a timer");
    say_entropy(sources);

    const char *what;
    uint64_t t_post = nb_now_us();
    e = nb_crypto_selftest(&what);
    if (e != NB_OK)
        return nb_fail(e, "crypto: %s; refusing to verify or boot anything", what);
    nb_say("crypto: self-test passed (sha256, cms/ecdsa-p256, tls client hello) in %u ms",
           (unsigned)((nb_now_us() - t_post) / 1000u));

    int64_t now;
    e = nb_trusted_time(&now);
    if (e == NB_OK) {
        struct nb_civil c;
        nb_civil_from_unix(now, &c);
        nb_say("clock: %04d-%02d-%02dT%02d:%02d:%02dZ (floor %lld)", c.year, c.month, c.day,
               c.hour, c.minute, c.second, (long long)nb_clock_floor());
    } else {
        nb_warn("clock: %s; TLS and manifest expiry checks will refuse to run", nb_strerror(e));
    }

    static struct nb_config cfg;
    e = load_config(env, &cfg);
    if (e != NB_OK)
        return e;
    say_pxe_cache(&env->pxe);
    say_nic(&env->nic);
    nv_boot_count();
    if (env->nic.status != NB_OK || !env->netdev) {
        nb_say("nearboot: ready (%u ms), but without a network interface nothing can be booted",
               (unsigned)((nb_now_us() - t0) / 1000u));
        return env->nic.status != NB_OK ? env->nic.status : NB_E_NO_NIC;
    }
    return boot_loop(env, &cfg, t0);
}
