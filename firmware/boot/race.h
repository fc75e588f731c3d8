/*
 * The site race (after RFC 8305, Happy Eyeballs v2): resolve every candidate
 * (A and AAAA), then start TCP connects to each site's first address of
 * each family — IPv6 first, families interleaved — one every stagger_ms, or
 * at once when the previous attempt finished. All attempts keep going; once
 * one has succeeded, the others get grace_ms more; anything still pending
 * then is cut off. Sites are ranked by their best measured connect time (a
 * tie goes to the higher configured weight); sites that did not answer in
 * time follow, then those that failed. The connections themselves are
 * closed: the fetch opens its own to the winning address.
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
};

/* Rank l's candidates; order[] receives candidate indices, best first
 * (failed ones too, last). Returns NB_OK if at least one site connected. */
nb_err nb_race(struct nb_candidates *l, const struct nb_race_params *p, unsigned order[NB_MAX_CANDIDATES],
               unsigned *norder);

#endif
