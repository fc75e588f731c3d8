/*
 * Where to boot from: the candidate list. Built in a fixed order, each entry
 * remembering where it came from, deduplicated by URL:
 *   1. the boot URL from DHCPv6 / DHCPv4 / proxyDHCP (an https:// base URL);
 *   2. site URLs carried by DHCP (option 224 / vendor option 17);
 *   3. the signed site list cached from the last verified release;
 *   4. the cached last-good site;
 *   5. the sites of the embedded configuration;
 *   6. the hard-coded boot servers (https://ADDRESS/).
 * A DHCP boot file that is a plain TFTP path (a legacy PXE answer, or the
 * name nearboot itself was loaded by) is not a candidate: it maps to the
 * configured sites, never to an unsigned download.
 *
 * The site cache (NV "SiteCache", a sealed TLV record) keeps the last-good
 * site, the last ranking with each site's connect time and when it was
 * measured, and the signed site list of the last verified release.
 */
#ifndef NB_SITES_H
#define NB_SITES_H
#include <stdint.h>
#include "boot/config.h"
#include "core/err.h"
#include "net/addr.h"

#define NB_MAX_CANDIDATES 16u
#define NB_SITE_URL_MAX 256u
#define NB_SITE_ADDRS 4u

enum nb_site_source {
    SRC_DHCP_URL, SRC_DHCP_SITE, SRC_SIGNED_LIST, SRC_LAST_GOOD, SRC_CONFIG, SRC_HARDCODED,
};

struct nb_candidate {
    char base[NB_SITE_URL_MAX];       /* release base URL, ends with '/' */
    enum nb_site_source source;
    uint8_t weight;
    struct nb_ip addrs[NB_SITE_ADDRS]; /* resolved, v6 and v4 interleaved */
    unsigned naddrs;
    uint64_t rtt_us;                  /* best connect time in the race (0: none) */
    struct nb_ip best;                /* the address that won for this site */
    uint64_t cached_rtt_us;           /* from the last boot's ranking (0: it did not answer then) */
    unsigned cached_rank;             /* 1-based place in the last boot's ranking, 0: not in it */
    nb_err failed;                    /* why this site was given up (NB_OK: usable) */
};

struct nb_candidates {
    struct nb_candidate c[NB_MAX_CANDIDATES];
    unsigned n;
};

struct nb_site_cache {
    char last_good[NB_SITE_URL_MAX];
    char signed_sites[8][NB_SITE_URL_MAX];
    unsigned nsigned;
    char ranked[NB_MAX_CANDIDATES][NB_SITE_URL_MAX];
    uint32_t ranked_rtt_us[NB_MAX_CANDIDATES];
    unsigned nranked;
    int64_t ranked_at;                /* trusted Unix time of the ranking (0: unknown) */
};

const char *nb_site_source_name(enum nb_site_source s);
/* Normalise a URL into a release base ("https://h/p/" — a trailing
 * "manifest" is dropped, a missing '/' added). 0 if not an https URL. */
int nb_site_base(const char *url, char *out, size_t size);
/* Add a candidate unless already present; 0 if not usable or full. */
int nb_candidates_add(struct nb_candidates *l, const char *url, enum nb_site_source src, uint8_t weight);
/* Reorder by the cached ranking (sites measured fastest last time first,
 * within a stable order otherwise). */
void nb_candidates_apply_cache(struct nb_candidates *l, const struct nb_site_cache *sc);

size_t nb_site_cache_encode(const struct nb_site_cache *sc, uint8_t *buf, size_t cap);
nb_err nb_site_cache_decode(const uint8_t *buf, size_t len, struct nb_site_cache *out);
nb_err nb_site_cache_load(struct nb_site_cache *sc);
nb_err nb_site_cache_store(const struct nb_site_cache *sc);

#endif
