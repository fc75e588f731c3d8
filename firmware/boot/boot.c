/* The boot after the network is up (boot/boot.h). */
#include "boot/boot.h"
#include "boot/fetch.h"
#include "boot/handoff.h"
#include "boot/initrd.h"
#include "boot/manifest.h"
#include "boot/race.h"
#include "boot/sites.h"
#include "boot/verify.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/fmt.h"
#include "core/log.h"
#include "net/ip_text.h"
#include "platform/platform.h"
#include <string.h>

#define MANIFEST_MAX (64u * 1024u)
#define ARTIFACTS_MAX_TOTAL (1024ull << 20) /* what we are willing to hold in memory */

struct artifact_buf {
    uint8_t *p;
    uint64_t size, have;         /* bytes held, in order from 0 */
    struct nb_artifact_check chk;
    const struct nb_artifact *spec; /* what chk checks against */
    int checking;
    int verified;                /* all size bytes held and their sha256 matched */
    uint64_t hash_us;            /* time inside the sha256 updates and the final compare */
    uint64_t transfer_us;        /* first request to the last byte, failovers included */
    char validator[NB_FETCH_VALIDATOR_MAX];
};

struct boot_run {
    const struct nb_config *cfg;
    const struct nb_netup *net;
    struct nb_candidates cands;
    unsigned order[NB_MAX_CANDIDATES], norder;
    struct nb_site_cache cache;
    struct nb_manifest m;
    unsigned manifest_order;     /* rank (index into order[]) of the site that served the manifest */
    struct artifact_buf art[NB_MANIFEST_MAX_ARTIFACTS];
    uint64_t t_start, t_race, t_manifest, t_transfer, t_verify, t_hash;
};

static unsigned ms(uint64_t us) { return (unsigned)(us / 1000u); }

/* "phase: NAME DUR ms at START s": the report script draws the waterfall
 * from these lines. */
void nb_phase(const char *name, uint64_t start_us, uint64_t end_us)
{
    uint64_t at = nb_log_time(start_us);
    nb_say("phase: %s %u ms at %u.%03u s", name, ms(end_us - start_us), (unsigned)(at / 1000000u),
           (unsigned)(at / 1000u % 1000u));
}

/* ---- candidates ------------------------------------------------------------- */

static void build_candidates(struct boot_run *r)
{
    const struct nb_netup *n = r->net;
    const struct nb_config *cfg = r->cfg;
    struct nb_candidates *l = &r->cands;
    l->n = 0;
    if (n->boot_url[0] && !nb_candidates_add(l, n->boot_url, SRC_DHCP_URL, 100))
        nb_say("boot: DHCP boot URL %s is not an https base URL; using the configured sites", n->boot_url);
    else if (!n->boot_url[0] && n->bootfile[0])
        nb_say("boot: DHCP gave a legacy boot file '%s' (TFTP): mapped to the configured sites", n->bootfile);
    for (unsigned i = 0; i < n->nsites; i++)
        nb_candidates_add(l, n->sites[i], SRC_DHCP_SITE, 100);
    for (unsigned i = 0; i < r->cache.nsigned; i++)
        nb_candidates_add(l, r->cache.signed_sites[i], SRC_SIGNED_LIST, 100);
    if (r->cache.last_good[0])
        nb_candidates_add(l, r->cache.last_good, SRC_LAST_GOOD, 100);
    for (unsigned i = 0; i < cfg->nsites; i++)
        nb_candidates_add(l, cfg->sites[i].url, SRC_CONFIG, cfg->sites[i].weight);
    for (unsigned i = 0; i < cfg->nboot_servers; i++) {
        char a[NB_IP6_TEXT_MAX], url[80];
        nb_ip_text(a, sizeof a, &cfg->boot_servers[i]);
        nb_snprintf(url, sizeof url, cfg->boot_servers[i].family == 6 ? "https://[%s]/" : "https://%s/", a);
        nb_candidates_add(l, url, SRC_HARDCODED, 50);
    }
    nb_candidates_apply_cache(l, &r->cache);
    for (unsigned i = 0; i < l->n; i++)
        nb_say("boot: candidate %s (%s%s)", l->c[i].base, nb_site_source_name(l->c[i].source),
               l->c[i].cached_rank ? ", ranked by the last boot" : "");
}

/* ---- fetching ------------------------------------------------------------------ */

static void fetch_req(struct nb_fetch_req *q, const struct boot_run *r, const struct nb_candidate *c,
                      const char *url, uint64_t cap)
{
    nb_fetch_req_init(q);
    q->url = url;
    q->addr = c->best;
    q->connect_timeout_ms = r->cfg->connect_timeout_ms;
    q->tls_timeout_ms = r->cfg->tls_timeout_ms;
    q->idle_timeout_ms = r->cfg->idle_timeout_ms;
    q->deadline_us = r->t_start + (uint64_t)r->cfg->overall_timeout_ms * 1000u;
    q->max_size = cap;
}

static nb_err fetch_small(const struct boot_run *r, const struct nb_candidate *c, const char *leaf,
                          uint8_t *buf, size_t cap, size_t *len)
{
    char url[NB_SITE_URL_MAX + 32];
    struct nb_fetch_req q;
    struct nb_fetch_result res;
    nb_snprintf(url, sizeof url, "%s%s", c->base, leaf);
    fetch_req(&q, r, c, url, cap);
    q.buf = buf;
    q.buf_size = cap;
    nb_err e = nb_fetch(&q, &res);
    *len = (size_t)res.size;
    return e;
}

/* ---- manifest -------------------------------------------------------------------- */

static nb_err get_manifest(struct boot_run *r, struct nb_candidate *c)
{
    static uint8_t manifest[MANIFEST_MAX], sig[NB_SIG_MAX_LEN];
    size_t mlen = 0, slen = 0;
    uint64_t t0 = nb_now_us();
    nb_err e = fetch_small(r, c, "manifest", manifest, sizeof manifest, &mlen);
    if (e == NB_OK)
        e = fetch_small(r, c, "manifest.sig", sig, sizeof sig, &slen);
    if (e != NB_OK)
        return e;
    uint64_t t1 = nb_now_us();
    struct nb_release_policy pol;
    e = nb_release_policy_load(&pol, r->cfg);
    if (e != NB_OK)
        return nb_fail(e, "verify: cannot judge releases");
    static struct nb_release_report rep;
    e = nb_release_verify(manifest, mlen, sig, slen, &pol, &r->m, &rep);
    r->t_verify += nb_now_us() - t1;
    if (e != NB_OK) {
        if (rep.stage == NB_STAGE_MANIFEST && rep.manifest.line)
            return nb_fail(e, "verify: %smanifest line %u%s%s%s", c->base, rep.manifest.line,
                           rep.manifest.key ? " (" : "", rep.manifest.key ? rep.manifest.key : "",
                           rep.manifest.key ? ")" : "");
        if (rep.stage == NB_STAGE_POLICY) {
            char why[160];
            nb_policy_report_text(e, &rep.policy, why, sizeof why);
            return nb_fail(e, "verify: %smanifest: %s", c->base, why);
        }
        return nb_fail(e, "verify: %smanifest%s%s", c->base, rep.sig.signer[0] ? " signed by " : "",
                       rep.sig.signer);
    }
    nb_say("verify: %smanifest: release serial %llu, %u artifact(s), signed by %s (%s), in %u ms",
           c->base, (unsigned long long)r->m.serial, r->m.nartifacts, rep.sig.signer, rep.sig.key,
           ms(nb_now_us() - t1));
    r->t_manifest += t1 - t0;
    return NB_OK;
}

/* ---- artifacts -------------------------------------------------------------------- */

struct sink {
    struct artifact_buf *a;
};

/* Bytes at their offset: in order from what we hold; a server that could not
 * resume starts again at 0, and so does the hash. */
static nb_err sink_write(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    struct artifact_buf *a = ((struct sink *)ctx)->a;
    if (offset == 0 && a->have) {
        /* the server could not resume: start the hash (and the buffer) over */
        nb_artifact_check_final(&a->chk);
        nb_artifact_check_init(&a->chk, a->spec);
        a->have = 0;
    }
    if (!a->checking)
        return NB_E_INVALID;
    if (offset != a->have || n > a->size - a->have)
        return NB_E_ARTIFACT_TOO_LONG;
    memcpy(a->p + offset, p, n);
    a->have += n;
    uint64_t t0 = nb_now_us();
    nb_err e = nb_artifact_check_update(&a->chk, p, n);
    a->hash_us += nb_now_us() - t0;
    return e;
}

static void check_restart(struct artifact_buf *a, const struct nb_artifact *spec)
{
    if (!a->checking) {
        nb_artifact_check_init(&a->chk, spec);
        a->spec = spec;
        a->checking = 1;
    }
}

/* One artifact, from the sites in rank order starting at *site, resuming at
 * the held offset after every failure. On success *site is the site that
 * completed it. */
static nb_err get_artifact(struct boot_run *r, unsigned k, unsigned *site, uint32_t *other_release)
{
    const struct nb_artifact *spec = &r->m.artifacts[k];
    struct artifact_buf *a = &r->art[k];
    struct sink sk = { a };
    uint64_t t0 = nb_now_us();
    nb_err last = NB_E_NOT_FOUND;
    unsigned prev = *site;
    for (unsigned i = *site; i < r->norder; i++) {
        struct nb_candidate *c = &r->cands.c[r->order[i]];
        if (c->failed != NB_OK || (*other_release & (1u << i)))
            continue;
        /* A validator (ETag, Last-Modified) belongs to one server's copy: on
         * another site it would only turn the resume into a full restart. The
         * manifest's sha256 is the end-to-end check across sites. */
        if (i != prev)
            a->validator[0] = 0;
        prev = i;
        char url[NB_SITE_URL_MAX + NB_MANIFEST_PATH_MAX + 2];
        struct nb_fetch_req q;
        struct nb_fetch_result res;
        nb_snprintf(url, sizeof url, "%s%s", c->base, spec->path);
        check_restart(a, spec);
        fetch_req(&q, r, c, url, spec->size);
        q.offset = a->have;
        q.validator = a->validator;
        q.write = sink_write;
        q.ctx = &sk;
        if (a->have)
            nb_say("boot: resuming %s at byte %llu of %llu from %s", spec->path,
                   (unsigned long long)a->have, (unsigned long long)spec->size, c->base);
        last = nb_fetch(&q, &res);
        memcpy(a->validator, res.validator, sizeof a->validator);
        if (last == NB_OK && a->have == spec->size) {
            uint64_t t_final = nb_now_us();
            last = nb_artifact_check_final(&a->chk);
            a->hash_us += nb_now_us() - t_final;
            a->checking = 0;
            if (last == NB_OK) {
                *site = i;
                a->verified = 1;
                a->transfer_us = nb_now_us() - t0;
                r->t_transfer += a->transfer_us;
                r->t_hash += a->hash_us;
                return NB_OK;
            }
            /* All bytes arrived but they are not the release's: start over
             * elsewhere. */
            nb_fail(last, "verify: %s from %s", spec->path, c->base);
            a->have = 0;
        } else if (last == NB_E_ARTIFACT_TOO_LONG || last == NB_E_ARTIFACT_SHA256) {
            nb_fail(last, "verify: %s from %s", spec->path, c->base);
            nb_artifact_check_final(&a->chk);
            a->checking = 0;
            a->have = 0;
        }
        if (last == NB_E_ARTIFACT_SHA256 || last == NB_E_ARTIFACT_TOO_LONG ||
            last == NB_E_HTTP_BODY_TOO_BIG || (last == NB_E_ARTIFACT_TRUNCATED && a->have == 0)) {
            /* Wrong bytes. From the site whose manifest we verified, that site
             * serves a tampered release; from another site, it may just serve
             * another release: skip it for this manifest, but let its own
             * manifest have its turn. */
            if (i == r->manifest_order)
                c->failed = last;
            else
                *other_release |= 1u << i;
            continue;
        } else if (last == NB_OK) {
            /* The server said it was done, but we hold fewer bytes than the manifest says. */
            last = NB_E_ARTIFACT_TRUNCATED;
            c->failed = last;
            nb_warn("boot: %s from %s ended at byte %llu of %llu; failing over", spec->path, c->base,
                    (unsigned long long)a->have, (unsigned long long)spec->size);
        } else {
            nb_warn("boot: %s from %s stopped at byte %llu of %llu (%s); failing over", spec->path,
                    c->base, (unsigned long long)a->have, (unsigned long long)spec->size, nb_strerror(last));
        }
        c->failed = last;
    }
    if (a->checking) {
        nb_artifact_check_final(&a->chk);
        a->checking = 0;
    }
    return last == NB_OK ? NB_E_ARTIFACT_TRUNCATED : last;
}

static void free_artifacts(struct boot_run *r)
{
    for (unsigned k = 0; k < NB_MANIFEST_MAX_ARTIFACTS; k++) {
        struct artifact_buf *a = &r->art[k];
        if (a->checking)
            nb_artifact_check_final(&a->chk);
        if (a->p)
            plat_free(a->p, (size_t)a->size);
        memset(a, 0, sizeof *a);
    }
}

/* The hash runs on each piece as it arrives, so its cost hides inside the
 * transfer; this line says how much of the transfer it was. */
static void say_verified(const struct nb_artifact *spec, const struct artifact_buf *a)
{
    uint64_t us = a->hash_us ? a->hash_us : 1;
    uint64_t mbps10 = a->size * 10u / us; /* bytes per us = MB/s */
    nb_say("verify: %s %llu bytes sha256 ok, hashed in %u ms (%llu.%llu MB/s) during a %u ms transfer",
           spec->path, (unsigned long long)spec->size, ms(a->hash_us), (unsigned long long)(mbps10 / 10u),
           (unsigned long long)(mbps10 % 10u), ms(a->transfer_us));
}

static nb_err get_artifacts(struct boot_run *r, unsigned *site)
{
    uint64_t total = 0;
    for (unsigned k = 0; k < r->m.nartifacts; k++)
        total += r->m.artifacts[k].size;
    if (total > ARTIFACTS_MAX_TOTAL)
        return nb_fail(NB_E_NO_MEMORY, "boot: release of %llu bytes is larger than nearboot holds",
                       (unsigned long long)total);
    for (unsigned k = 0; k < r->m.nartifacts; k++) {
        struct artifact_buf *a = &r->art[k];
        a->size = r->m.artifacts[k].size;
        a->p = plat_alloc(a->size ? (size_t)a->size : 1);
        if (!a->p)
            return nb_fail(NB_E_NO_MEMORY, "boot: %llu bytes for %s", (unsigned long long)a->size,
                           r->m.artifacts[k].path);
    }
    uint32_t other_release = 0;
    for (unsigned k = 0; k < r->m.nartifacts; k++) {
        nb_err e = get_artifact(r, k, site, &other_release);
        if (e != NB_OK)
            return nb_fail(e, "boot: no site could deliver %s", r->m.artifacts[k].path);
        say_verified(&r->m.artifacts[k], &r->art[k]);
    }
    return NB_OK;
}

/* ---- after verification ------------------------------------------------------------ */

static void remember(struct boot_run *r, const struct nb_candidate *served)
{
    struct nb_site_cache *sc = &r->cache;
    int64_t now = 0;
    nb_trusted_time(&now);
    nb_snprintf(sc->last_good, sizeof sc->last_good, "%s", served->base);
    sc->nsigned = 0;
    for (unsigned i = 0; i < r->m.nsites && i < 8; i++)
        nb_snprintf(sc->signed_sites[sc->nsigned++], NB_SITE_URL_MAX, "%s", r->m.sites[i]);
    sc->nranked = 0;
    /* The whole ranking, unanswered sites too (time 0): the next race then
     * knows not to wait for them (boot/race.h, patience). */
    for (unsigned i = 0; i < r->norder && sc->nranked < NB_MAX_CANDIDATES; i++) {
        const struct nb_candidate *c = &r->cands.c[r->order[i]];
        nb_snprintf(sc->ranked[sc->nranked], NB_SITE_URL_MAX, "%s", c->base);
        sc->ranked_rtt_us[sc->nranked++] = c->rtt_us > 0xffffffffu ? 0xffffffffu : (uint32_t)c->rtt_us;
    }
    sc->ranked_at = now;
    nb_err e = nb_site_cache_store(sc);
    if (e != NB_OK)
        nb_warn("boot: site cache not written (%s)", nb_strerror(e));
    e = nb_release_commit(r->m.serial);
    if (e != NB_OK)
        nb_warn("boot: release serial %llu not stored (%s): anti-rollback keeps the old floor",
                (unsigned long long)r->m.serial, nb_strerror(e));
}

static void build_handoff(const struct boot_run *r, const struct nb_candidate *c, char *opts, size_t optsz)
{
    char a[NB_IP6_TEXT_MAX] = "";
    const struct nb_netup *n = r->net;
    uint64_t now = nb_now_us();
    nb_handoff_reset();
    nb_handoff_add("site", "%s", c->base);
    if (c->best.family)
        nb_ip_text(a, sizeof a, &c->best);
    nb_handoff_add("address", "%s", a);
    nb_handoff_add("family", "%u", c->best.family);
    nb_handoff_add("source", "%s", nb_site_source_name(c->source));
    nb_handoff_add("serial", "%llu", (unsigned long long)r->m.serial);
    nb_handoff_add("entry", "%s", r->m.artifacts[0].path);
    if (r->m.initrd)
        nb_handoff_add("initrd", "%s", r->m.artifacts[r->m.initrd].path);
    /* Further artifacts stay in memory, verified: the second stage finds
     * them here (path, size, address). */
    for (unsigned k = 1; k < r->m.nartifacts; k++)
        nb_handoff_add("artifact", "%s %llu 0x%llx", r->m.artifacts[k].path,
                       (unsigned long long)r->m.artifacts[k].size, (unsigned long long)(uintptr_t)r->art[k].p);
    for (unsigned i = 0; i < r->norder; i++) {
        const struct nb_candidate *x = &r->cands.c[r->order[i]];
        nb_handoff_add("rank", "%u %s %llu", i + 1, x->base, (unsigned long long)x->rtt_us);
    }
    if (n->v4_up) {
        char ip[16], gw[16], srv[16];
        nb_ip4_text(ip, sizeof ip, n->lease4.addr);
        nb_ip4_text(gw, sizeof gw, n->lease4.router);
        nb_ip4_text(srv, sizeof srv, n->lease4.server_id);
        nb_handoff_add("lease4", "%s router %s server %s lease %u (%s)", ip, gw, srv, n->lease4.lease_s,
                       n->v4_source);
    }
    if (n->v6_up) {
        char ip6[NB_IP6_TEXT_MAX];
        nb_ip6_text(ip6, sizeof ip6, n->addr6);
        nb_handoff_add("addr6", "%s (%s)", ip6, n->v6_source);
    }
    nb_handoff_add("time.dhcp_ms", "%u", n->boot_info_us ? ms(n->boot_info_us - n->start_us) : 0);
    nb_handoff_add("time.race_ms", "%u", ms(r->t_race));
    nb_handoff_add("time.manifest_ms", "%u", ms(r->t_manifest));
    nb_handoff_add("time.verify_ms", "%u", ms(r->t_verify));
    nb_handoff_add("time.transfer_ms", "%u", ms(r->t_transfer));
    nb_handoff_add("time.hash_ms", "%u", ms(r->t_hash));
    nb_handoff_add("time.total_ms", "%u", ms(nb_log_time(now)));
    nb_handoff_add_counters();
    size_t used = (size_t)nb_snprintf(opts, optsz, "%s%snearboot.site=%s nearboot.serial=%llu",
                                      r->m.has_options ? r->m.options : "", r->m.has_options ? " " : "",
                                      c->base, (unsigned long long)r->m.serial);
    if (used >= optsz)
        opts[optsz - 1] = 0;
}

/* The entry's initrd: the manifest's initrd artifact, only as verified. */
static nb_err pick_initrd(const struct boot_run *r, struct nb_initrd *rd)
{
    const uint8_t *held[NB_MANIFEST_MAX_ARTIFACTS];
    uint64_t held_len[NB_MANIFEST_MAX_ARTIFACTS];
    for (unsigned k = 0; k < NB_MANIFEST_MAX_ARTIFACTS; k++) {
        held[k] = r->art[k].verified ? r->art[k].p : NULL;
        held_len[k] = r->art[k].verified ? r->art[k].have : 0;
    }
    nb_err e = nb_initrd_select(&r->m, held, held_len, rd);
    if (e != NB_OK)
        return nb_fail(e, "boot: the initrd %s is not held verified; not handing over",
                       r->m.artifacts[r->m.initrd].path);
    if (rd->p)
        nb_say("boot: initrd %s (%llu bytes, verified) offered to %s", rd->path, (unsigned long long)rd->len,
               r->m.artifacts[0].path);
    return NB_OK;
}

/* ---- the attempt ---------------------------------------------------------------------- */

nb_err nb_boot_attempt(const struct nb_env *env, const struct nb_config *cfg, const struct nb_netup *net)
{
    static struct boot_run r;
    (void)env;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.net = net;
    r.t_start = nb_now_us();
    if (nb_site_cache_load(&r.cache) == NB_E_MALFORMED)
        nb_warn("boot: the site cache in NV storage is corrupt; ignored (rewritten after this boot)");
    build_candidates(&r);
    if (!r.cands.n)
        return nb_fail(NB_E_NOT_FOUND, "boot: no boot source (DHCP gave no https:// boot URL and the "
                                       "embedded configuration has no sites; see nearboot-config)");

    struct nb_race_params rp = {
        .stagger_ms = cfg->race_stagger_ms, .connect_timeout_ms = cfg->connect_timeout_ms,
        .grace_ms = 2 * cfg->race_stagger_ms + 100, .dns_timeout_ms = 2000,
        .want4 = cfg->family != NB_FAM_V6_ONLY && net->v4_up, .want6 = cfg->family != NB_FAM_V4_ONLY && net->v6_up,
        .prefer = cfg->family == NB_FAM_V4_FIRST ? 4 : cfg->family == NB_FAM_V6_FIRST ? 6 : 0,
    };
    uint64_t t_race = nb_now_us();
    nb_err e = nb_race(&r.cands, &rp, r.order, &r.norder);
    r.t_race = nb_now_us() - t_race;
    nb_phase("race", t_race, nb_now_us());
    if (e != NB_OK)
        return nb_fail(e, "boot: no candidate site answered the connection race");

    for (unsigned i = 0; i < r.norder; i++) {
        struct nb_candidate *c = &r.cands.c[r.order[i]];
        if (c->failed != NB_OK)
            continue;
        uint64_t t_m = nb_now_us();
        e = get_manifest(&r, c);
        nb_phase("manifest", t_m, nb_now_us());
        if (e != NB_OK) {
            c->failed = e;
            continue;
        }
        unsigned site = i;
        r.manifest_order = i;
        uint64_t t_a = nb_now_us();
        e = get_artifacts(&r, &site);
        nb_phase("transfer", t_a, nb_now_us());
        if (e != NB_OK) {
            free_artifacts(&r);
            c->failed = c->failed != NB_OK ? c->failed : e;
            continue;
        }
        struct nb_candidate *served = &r.cands.c[r.order[site]];
        static char opts[1024];
        build_handoff(&r, served, opts, sizeof opts);
        size_t hlen;
        const char *h = nb_handoff_text(&hlen);
        nb_say("boot: handing over to %s (release %llu from %s) after %u ms", r.m.artifacts[0].path,
               (unsigned long long)r.m.serial, served->base, ms(nb_log_time(nb_now_us())));
        uint64_t t_h = nb_now_us();
        nb_phase("handoff", t_h, t_h);
        nb_fetch_close_all();
        struct nb_initrd rd;
        e = pick_initrd(&r, &rd);
        if (e == NB_OK)
            e = plat_load_image(r.art[0].p, (size_t)r.art[0].size);
        if (e == NB_OK) {
            /* only a release the firmware accepted becomes last-good and the anti-rollback floor: a
             * release Secure Boot refuses must not lock out the older, signed one at the next site */
            remember(&r, served);
            e = plat_chainload(r.art[0].p, (size_t)r.art[0].size, rd.p, (size_t)rd.len, opts,
                               (const uint8_t *)h, hlen);
        }
        if (e == NB_OK)
            return NB_OK;
        nb_fail(e, "boot: %s from %s", r.m.artifacts[0].path, served->base);
        free_artifacts(&r);
        c->failed = e;
    }
    return nb_fail(NB_E_NOT_FOUND, "boot: every candidate site failed (see the errors above)");
}

uint32_t nb_boot_backoff_ms(unsigned attempt)
{
    uint32_t base = 1000u << (attempt < 6 ? attempt : 6);
    if (base > 60000u)
        base = 60000u;
    return base / 2 + nb_random_below(base); /* [0.5, 1.5) x base */
}
