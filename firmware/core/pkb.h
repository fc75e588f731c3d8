/*
 * Packet buffers. A fixed pool (no hidden allocation): every buffer has room
 * for one Ethernet frame plus headroom, so each layer can prepend its header
 * on transmit (pkb_push) and strip it on receive (pkb_pull) without copying.
 *
 * Receive path: the netdev fills a pkb with a frame; each layer validates
 * its own header completely, records what upper layers need in the pkb's
 * metadata (addresses, hop limit), pulls its header and hands the pkb up.
 * The layer that consumes a pkb frees it; a layer that drops one counts why.
 */
#ifndef NB_PKB_H
#define NB_PKB_H
#include <stddef.h>
#include <stdint.h>

#define PKB_HEADROOM 192u  /* Ethernet + VLAN + IPv6 + extension headers + TCP options */
#define PKB_DATA_MAX 2048u /* one frame up to MTU 2000 with VLAN tag; larger MTUs are clamped */
#define PKB_POOL_SIZE 512u

struct netif;

struct pkb {
    struct pkb *next;        /* owner's queue link */
    uint8_t *data;           /* first valid byte */
    size_t len;              /* valid bytes from data */
    struct netif *nif;       /* interface it arrived on / leaves by */
    /* Filled by the network layer on receive for the transports. */
    uint8_t family;          /* 4 or 6 */
    uint8_t src[16], dst[16];/* IPv4 uses the first 4 bytes */
    uint8_t hop_limit;       /* TTL / hop limit as received */
    uint8_t l2_multicast;    /* the frame was sent to a group/broadcast MAC */
    uint8_t storage[PKB_HEADROOM + PKB_DATA_MAX];
};

/* A buffer with the standard headroom and len 0; NULL when the pool is empty
 * (callers drop and count, they never wait for one). */
struct pkb *pkb_alloc(void);
void pkb_free(struct pkb *p);

/* Prepend n bytes (returns the new start), or NULL if there is no headroom. */
uint8_t *pkb_push(struct pkb *p, size_t n);
/* Strip n bytes from the front; the caller has checked len >= n. */
void pkb_pull(struct pkb *p, size_t n);
/* Append n bytes at the end (returns where to write), NULL if no room. */
uint8_t *pkb_put(struct pkb *p, size_t n);
/* Cut the valid data to n bytes (n <= len): e.g. Ethernet padding. */
void pkb_trim(struct pkb *p, size_t n);
/* Reset to empty with standard headroom. */
void pkb_reset(struct pkb *p);

/* Free buffers right now (for counters and tests). */
unsigned pkb_pool_free_count(void);

#endif
