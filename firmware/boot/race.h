/*
 * The site race (after RFC 8305, Happy Eyeballs v2): resolve every candidate
 * (A and AAAA), then start TCP connects to each site's first address of
 * each family — IPv6 first, families interleaved — one every stagger_ms, or
 * at once when the previous attempt finished. All attempts keep going; once
 * one has succeeded, the race ends as soon as every other attempt has
 * either answered or is slow: pending longer than the winner's time (it can
 * no longer rank first) and than its own patience — stagger_ms (RFC 8305
 * calls an attempt that outlives it slow), or, with a cached ranking from
 * the last boot, about twice that site's cached time (a short floor for a
 * site that did not answer last time) — and at most grace_ms after the
 * first success; anything still pending then is cut off (its site stays a
 * failover target, unmeasured). Sites are ranked by their
 * best measured connect time (a tie goes to the higher configured weight);
 * sites that did not answer in time follow, then those that failed. The
 * connections themselves are closed: the fetch opens its own to the winning
 * address.
 *
 * A family preference (config: v6-first / v4-first) changes three things:
 * every site's preferred-family attempt starts before any other-family one;
 * a site that answered on its preferred-family address uses that address
 * even if the other was faster; and sites reached over the preferred family
 * rank ahead of those reached only over the other (by time within each).
 * "race" has no preference: the nearest address wins, whatever its family.
 */
#ifndef NB_RACE_H
#define NB_RACE_H
#include <stdint.h>
#include "boot/sites.h"
#include "core/err.h"

struct nb_race_params {
    uint32_t stagger_ms;         /* RFC 8305 connection attempt delay (250) */
    uint32_t connect_timeout_ms; /* the whole race's ceiling (3000) */
    uint32_t grace_ms;           /* after the first success (500) */
    uint32_t dns_timeout_ms;     /* per name (2000) */
    int want4, want6;
    int prefer;                  /* 0: none (race), 4 or 6: that family first */
};

/* The ranking alone (no network), for the race and its tests: order[]
 * receives l's candidate indices, best first, as described above. */
void nb_race_rank(const struct nb_candidates *l, int prefer, unsigned order[NB_MAX_CANDIDATES], unsigned *norder);

/* Rank l's candidates; order[] receives candidate indices, best first
 * (failed ones too, last). Returns NB_OK if at least one site connected. */
nb_err nb_race(struct nb_candidates *l, const struct nb_race_params *p, unsigned order[NB_MAX_CANDIDATES],
               unsigned *norder);

#endif
