/*
 * The lease cache: what DHCP last gave this machine, per family, kept in NV
 * storage (a sealed TLV record, core/tlv.h) so that a boot whose DHCP is
 * broken (relay down, servers gone) can still reach its boot servers:
 * INIT-REBOOT with the cached address, a unicast REQUEST to the cached
 * server through the cached router, or — as the last resort — the cached
 * lease itself while it is valid. A corrupt record is ignored, said so, and
 * rewritten at the next successful boot.
 */
#ifndef NB_LEASE_CACHE_H
#define NB_LEASE_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include "boot/dhcp4.h"
#include "core/err.h"

#define LEASE_CACHE_MAX 2048u
#define LEASE6_URL_MAX 256u
#define LEASE6_SITES 4u

struct nb_lease6_cached {
    uint8_t addr[16];
    uint8_t server_addr[16];   /* where the Reply came from (server or relay) */
    uint8_t server_id[130];
    size_t server_id_len;
    uint8_t dns[3][16];
    unsigned ndns;
    uint32_t valid_s;
    char boot_url[LEASE6_URL_MAX];
    char sites[LEASE6_SITES][LEASE6_URL_MAX];
    unsigned nsites;
};

struct nb_lease_cache {
    int have4;
    struct dhcp4_lease v4;     /* ack[] is not cached */
    int64_t v4_obtained;       /* trusted Unix time of the ACK, 0 if unknown */
    int have6;
    struct nb_lease6_cached v6;
    int64_t v6_obtained;
};

size_t lease_cache_encode(const struct nb_lease_cache *c, uint8_t *buf, size_t cap);
/* NB_E_MALFORMED for a corrupt record, NB_E_NOT_FOUND for another magic. */
nb_err lease_cache_decode(const uint8_t *buf, size_t len, struct nb_lease_cache *out);
/* NV: load (NB_E_NOT_FOUND if there is none) and store. */
nb_err lease_cache_load(struct nb_lease_cache *c);
nb_err lease_cache_store(const struct nb_lease_cache *c);
/* Seconds a cached lease remains valid at `now` (trusted Unix time); 0 if
 * expired or unknowable (no trusted clock, or no time recorded). */
uint32_t lease_cache_v4_left(const struct nb_lease_cache *c, int64_t now);
uint32_t lease_cache_v6_left(const struct nb_lease_cache *c, int64_t now);

#endif
