/* Candidate sites and the site cache (boot/sites.h). */
#include "boot/sites.h"
#include "boot/url.h"
#include "core/fmt.h"
#include "core/tlv.h"
#include "platform/platform.h"
#include <string.h>

#define SITE_CACHE_NV "SiteCache"
#define SITE_CACHE_MAX 8192u
static const char sc_magic[4] = { 'N', 'B', 'S', 'C' };
enum { T_LAST_GOOD = 1, T_SIGNED, T_RANKED, T_RANKED_AT };

const char *nb_site_source_name(enum nb_site_source s)
{
    static const char *const names[] = { "dhcp boot url", "dhcp site list", "signed site list",
                                         "last good", "configuration", "hard-coded server" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int nb_site_base(const char *url, char *out, size_t size)
{
    static struct nb_url u; /* large: off the stack */
    size_t len = strnlen(url, NB_SITE_URL_MAX);
    if (len >= NB_SITE_URL_MAX || nb_url_parse(url, len, &u) != NB_OK || u.scheme != NB_URL_HTTPS)
        return 0;
    char *q = strchr(u.path, '?');
    if (q)
        *q = 0; /* a base has no query */
    size_t plen = strlen(u.path);
    static const char leaf[] = "manifest";
    if (plen >= sizeof leaf - 1 && strcmp(u.path + plen - (sizeof leaf - 1), leaf) == 0 &&
        u.path[plen - sizeof leaf] == '/')
        u.path[plen - (sizeof leaf - 1)] = 0;
    else if (plen == 0 || u.path[plen - 1] != '/') {
        if (plen + 2 > sizeof u.path)
            return 0;
        u.path[plen] = '/';
        u.path[plen + 1] = 0;
    }
    size_t n = nb_url_text(&u, out, size);
    return n > 0 && n < size;
}

int nb_candidates_add(struct nb_candidates *l, const char *url, enum nb_site_source src, uint8_t weight)
{
    char base[NB_SITE_URL_MAX];
    if (!url || !url[0] || !nb_site_base(url, base, sizeof base))
        return 0;
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->c[i].base, base) == 0)
            return 0; /* the first source to name it keeps it */
    if (l->n >= NB_MAX_CANDIDATES)
        return 0;
    struct nb_candidate *c = &l->c[l->n++];
    memset(c, 0, sizeof *c);
    memcpy(c->base, base, sizeof c->base);
    c->source = src;
    c->weight = weight;
    return 1;
}

void nb_candidates_apply_cache(struct nb_candidates *l, const struct nb_site_cache *sc)
{
    /* Stable: walk the cached ranking, pulling each known site to the front
     * in ranking order; sites the cache does not know keep their order. */
    unsigned front = 0;
    for (unsigned r = 0; r < sc->nranked; r++) {
        for (unsigned i = front; i < l->n; i++) {
            if (strcmp(l->c[i].base, sc->ranked[r]) != 0)
                continue;
            struct nb_candidate tmp = l->c[i];
            tmp.cached_rtt_us = sc->ranked_rtt_us[r];
            tmp.cached_rank = r + 1;
            memmove(&l->c[front + 1], &l->c[front], (i - front) * sizeof l->c[0]);
            l->c[front++] = tmp;
            break;
        }
    }
}

size_t nb_site_cache_encode(const struct nb_site_cache *sc, uint8_t *buf, size_t cap)
{
    struct tlv_writer w;
    tlv_begin(&w, buf, cap);
    if (sc->last_good[0])
        tlv_put_str(&w, T_LAST_GOOD, sc->last_good);
    for (unsigned i = 0; i < sc->nsigned && i < 8; i++)
        tlv_put_str(&w, T_SIGNED, sc->signed_sites[i]);
    for (unsigned i = 0; i < sc->nranked && i < NB_MAX_CANDIDATES; i++) {
        uint8_t b[4 + NB_SITE_URL_MAX];
        size_t n = strlen(sc->ranked[i]);
        uint32_t rtt = sc->ranked_rtt_us[i];
        b[0] = (uint8_t)(rtt >> 24), b[1] = (uint8_t)(rtt >> 16), b[2] = (uint8_t)(rtt >> 8), b[3] = (uint8_t)rtt;
        memcpy(b + 4, sc->ranked[i], n);
        tlv_put(&w, T_RANKED, b, 4 + n);
    }
    tlv_put_u64(&w, T_RANKED_AT, (uint64_t)sc->ranked_at);
    return tlv_seal(&w, sc_magic, 1);
}

nb_err nb_site_cache_decode(const uint8_t *buf, size_t len, struct nb_site_cache *sc)
{
    struct tlv_reader r;
    uint8_t version, tag;
    const uint8_t *v;
    size_t vlen;
    uint64_t at;
    memset(sc, 0, sizeof *sc);
    nb_err e = tlv_open(&r, buf, len, sc_magic, &version);
    if (e != NB_OK)
        return e;
    int more, ok = version == 1;
    while (ok && (more = tlv_next(&r, &tag, &v, &vlen)) > 0) {
        switch (tag) {
        case T_LAST_GOOD: ok = tlv_str(v, vlen, sc->last_good, sizeof sc->last_good); break;
        case T_SIGNED:
            if (sc->nsigned < 8)
                ok = tlv_str(v, vlen, sc->signed_sites[sc->nsigned++], NB_SITE_URL_MAX);
            break;
        case T_RANKED:
            if (vlen < 5) {
                ok = 0;
            } else if (sc->nranked < NB_MAX_CANDIDATES) {
                sc->ranked_rtt_us[sc->nranked] = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
                                                 (uint32_t)v[2] << 8 | v[3];
                ok = tlv_str(v + 4, vlen - 4, sc->ranked[sc->nranked++], NB_SITE_URL_MAX);
            }
            break;
        case T_RANKED_AT:
            ok = tlv_u64(v, vlen, &at);
            sc->ranked_at = (int64_t)at;
            break;
        default: break;
        }
    }
    if (!ok || more < 0) {
        memset(sc, 0, sizeof *sc);
        return NB_E_MALFORMED;
    }
    return NB_OK;
}

nb_err nb_site_cache_load(struct nb_site_cache *sc)
{
    static uint8_t buf[SITE_CACHE_MAX];
    size_t len = sizeof buf;
    nb_err e = plat_nv_get(SITE_CACHE_NV, buf, &len);
    if (e != NB_OK) {
        memset(sc, 0, sizeof *sc);
        return e == NB_E_TOO_BIG ? NB_E_MALFORMED : e;
    }
    return nb_site_cache_decode(buf, len, sc);
}

nb_err nb_site_cache_store(const struct nb_site_cache *sc)
{
    static uint8_t buf[SITE_CACHE_MAX];
    size_t n = nb_site_cache_encode(sc, buf, sizeof buf);
    return n ? plat_nv_set(SITE_CACHE_NV, buf, n) : NB_E_TOO_BIG;
}
