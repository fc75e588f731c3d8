/*
 * ARP (RFC 826) for IPv4 next hops.
 *
 * Cache entry states:
 *   FREE -> INCOMPLETE   a packet needs the MAC: request sent, packet queued
 *                        (up to ARP_QUEUE_MAX per entry: a DNS A and AAAA query,
 *                        or a SYN and a DHCP packet, often leave together)
 *   INCOMPLETE -> READY  a reply (or a request naming us) gives the MAC
 *   INCOMPLETE -> FREE   ARP_TRIES requests unanswered: queued packets dropped
 *   READY -> PROBE       ARP_LIFETIME passed since the MAC was last confirmed: a
 *                        unicast request to it, packets still go to it meanwhile
 *   PROBE -> READY       it answers          PROBE -> FREE   it stays silent
 *   READY -> VERIFY      someone claims the IP with a different MAC: the old
 *                        MAC is asked again (unicast) before anything changes
 *   VERIFY -> READY      the old MAC answers: the claim is refused, counted
 *   VERIFY -> READY'     the old MAC stays silent: the new MAC is taken, and
 *                        the console says so
 * An entry in use is never silently re-pointed: that is how ARP spoofing and
 * half-failed router failovers turn into a boot from the wrong place.
 */
#include "net/arp.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/timer.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/eth.h"
#include "net/netif.h"
#include <string.h>

#define ARP_ENTRIES 16u
#define ARP_TRIES 3u
#define ARP_RETRY_US 1000000u
#define ARP_LIFETIME_US (120u * 1000000u)
#define ARP_PKT_LEN 28u
#define ARP_QUEUE_MAX 4u

enum arp_state { ARP_FREE, ARP_INCOMPLETE, ARP_READY, ARP_VERIFY, ARP_PROBE };

struct arp_entry {
    enum arp_state state;
    uint8_t ip[4];
    uint8_t mac[6];
    uint8_t claimed_mac[6]; /* VERIFY: the MAC that wants to take over */
    unsigned tries;
    uint64_t confirmed_us;
    struct pkb *queued;     /* packets waiting for resolution, oldest first */
    unsigned nqueued;
    struct nb_timer timer;
};

static struct arp_entry cache[ARP_ENTRIES];
static uint8_t probe_ip[4];
static int probe_active, probe_conflict;

static struct arp_entry *entry_of(struct nb_timer *t)
{
    return (struct arp_entry *)((uint8_t *)t - offsetof(struct arp_entry, timer));
}

static void send_arp(uint16_t op, const uint8_t dst_mac[6], const uint8_t target_mac[6],
                     const uint8_t sender_ip[4], const uint8_t target_ip[4])
{
    struct netif *nif = net_if();
    struct pkb *p = pkb_alloc();
    if (!p)
        return;
    uint8_t *a = pkb_put(p, ARP_PKT_LEN);
    put16(a, 1);           /* Ethernet */
    put16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, nif->mac, 6);
    memcpy(a + 14, sender_ip, 4);
    memcpy(a + 18, target_mac, 6);
    memcpy(a + 24, target_ip, 4);
    if (op == 1)
        NB_COUNT(CTR_ARP_REQ_SENT);
    else
        NB_COUNT(CTR_ARP_REPLY_SENT);
    eth_output(p, dst_mac, ETH_P_ARP);
}

static void send_request(struct arp_entry *e, const uint8_t *dst_mac)
{
    static const uint8_t zero_mac[6];
    send_arp(1, dst_mac ? dst_mac : eth_broadcast, zero_mac, net_if()->ip4, e->ip);
}

static void drop_queue(struct arp_entry *e)
{
    while (e->queued) {
        struct pkb *q = e->queued;
        e->queued = q->next;
        NB_COUNT(CTR_ARP_QUEUE_DROP);
        pkb_free(q);
    }
    e->nqueued = 0;
}

static void entry_free(struct arp_entry *e)
{
    nb_timer_cancel(&e->timer);
    drop_queue(e);
    memset(e, 0, sizeof *e);
}

static void flush_queue(struct arp_entry *e)
{
    while (e->queued) {
        struct pkb *q = e->queued;
        e->queued = q->next;
        q->next = NULL;
        eth_output(q, e->mac, ETH_P_IP);
    }
    e->nqueued = 0;
}

static void enqueue(struct arp_entry *e, struct pkb *p)
{
    if (e->nqueued >= ARP_QUEUE_MAX) { /* drop the oldest: the newest carries the latest state */
        struct pkb *old = e->queued;
        e->queued = old->next;
        e->nqueued--;
        NB_COUNT(CTR_ARP_QUEUE_DROP);
        pkb_free(old);
    }
    p->next = NULL;
    struct pkb **tail = &e->queued;
    while (*tail)
        tail = &(*tail)->next;
    *tail = p;
    e->nqueued++;
}

static void entry_timer(struct nb_timer *t)
{
    struct arp_entry *e = entry_of(t);
    switch (e->state) {
    case ARP_INCOMPLETE:
        if (++e->tries >= ARP_TRIES) {
            NB_COUNT(CTR_ARP_RESOLVE_FAIL);
            entry_free(e);
            return;
        }
        send_request(e, NULL);
        nb_timer_arm(&e->timer, ARP_RETRY_US);
        break;
    case ARP_VERIFY:
        if (++e->tries >= ARP_TRIES) {
            nb_warn("arp: %u.%u.%u.%u moved to %02x:%02x:%02x:%02x:%02x:%02x (old MAC silent)",
                    e->ip[0], e->ip[1], e->ip[2], e->ip[3], e->claimed_mac[0], e->claimed_mac[1],
                    e->claimed_mac[2], e->claimed_mac[3], e->claimed_mac[4], e->claimed_mac[5]);
            memcpy(e->mac, e->claimed_mac, 6);
            e->state = ARP_READY;
            e->confirmed_us = nb_now_us();
            nb_timer_arm(&e->timer, ARP_LIFETIME_US);
            return;
        }
        send_request(e, e->mac);
        nb_timer_arm(&e->timer, ARP_RETRY_US);
        break;
    case ARP_READY: /* lifetime over: confirm the MAC without stopping traffic */
        e->state = ARP_PROBE;
        e->tries = 0;
        send_request(e, e->mac);
        nb_timer_arm(&e->timer, ARP_RETRY_US);
        break;
    case ARP_PROBE:
        if (++e->tries >= ARP_TRIES) {
            entry_free(e); /* gone: the next packet resolves afresh */
            return;
        }
        send_request(e, e->mac);
        nb_timer_arm(&e->timer, ARP_RETRY_US);
        break;
    default:
        break;
    }
}

static struct arp_entry *lookup(const uint8_t ip[4])
{
    for (unsigned i = 0; i < ARP_ENTRIES; i++)
        if (cache[i].state != ARP_FREE && memcmp(cache[i].ip, ip, 4) == 0)
            return &cache[i];
    return NULL;
}

static struct arp_entry *alloc_entry(const uint8_t ip[4])
{
    struct arp_entry *victim = NULL;
    for (unsigned i = 0; i < ARP_ENTRIES; i++) {
        if (cache[i].state == ARP_FREE) {
            victim = &cache[i];
            break;
        }
        if (cache[i].state == ARP_READY &&
            (!victim || cache[i].confirmed_us < victim->confirmed_us))
            victim = &cache[i];
    }
    if (!victim)
        return NULL; /* every entry is mid-resolution: the caller drops */
    entry_free(victim);
    memcpy(victim->ip, ip, 4);
    nb_timer_init(&victim->timer, entry_timer);
    return victim;
}

/* A sender (ip, mac) was seen in a valid ARP packet. */
static void learn(const uint8_t ip[4], const uint8_t mac[6], int create)
{
    struct arp_entry *e = lookup(ip);
    if (!e) {
        if (!create || !(e = alloc_entry(ip)))
            return;
        e->state = ARP_INCOMPLETE; /* completed just below */
    }
    if (e->state == ARP_INCOMPLETE || memcmp(e->mac, mac, 6) == 0) { /* also ends PROBE */
        memcpy(e->mac, mac, 6);
        e->state = ARP_READY;
        e->tries = 0;
        e->confirmed_us = nb_now_us();
        nb_timer_arm(&e->timer, ARP_LIFETIME_US);
        flush_queue(e);
        return;
    }
    if (e->state == ARP_VERIFY && memcmp(mac, e->claimed_mac, 6) == 0)
        return; /* the claimant again: the old MAC still has its chance */
    /* READY (or VERIFY) with a different MAC: verify the old one first. */
    NB_COUNT(CTR_ARP_CONFLICT);
    memcpy(e->claimed_mac, mac, 6);
    e->state = ARP_VERIFY;
    e->tries = 0;
    send_request(e, e->mac);
    nb_timer_arm(&e->timer, ARP_RETRY_US);
}

void arp_input(struct pkb *p)
{
    struct netif *nif = net_if();
    NB_COUNT(CTR_ARP_RX);
    if (p->len < ARP_PKT_LEN || get16(p->data) != 1 || get16(p->data + 2) != ETH_P_IP ||
        p->data[4] != 6 || p->data[5] != 4) {
        NB_COUNT(CTR_ARP_DROP_MALFORMED);
        pkb_free(p);
        return;
    }
    const uint8_t *a = p->data;
    uint16_t op = get16(a + 6);
    const uint8_t *smac = a + 8, *sip = a + 14, *tip = a + 24;
    static const uint8_t zero_ip[4];
    if ((op != 1 && op != 2) || (smac[0] & 1) || memcmp(smac, nif->mac, 6) == 0) {
        NB_COUNT(CTR_ARP_DROP_MALFORMED);
        pkb_free(p);
        return;
    }
    if (probe_active && memcmp(sip, probe_ip, 4) == 0)
        probe_conflict = 1; /* someone uses (or claims) the address we probe */
    if (probe_active && op == 1 && memcmp(sip, zero_ip, 4) == 0 && memcmp(tip, probe_ip, 4) == 0)
        probe_conflict = 1; /* someone else probes the same address */
    if (nif->ip4_up && memcmp(sip, nif->ip4, 4) == 0) {
        /* Another station claims our address (RFC 5227 §2.4): counted, never
         * believed — a cache entry for it would hand that station our own
         * traffic. */
        NB_COUNT(CTR_ARP_CONFLICT);
        pkb_free(p);
        return;
    }
    int for_us = nif->ip4_up && memcmp(tip, nif->ip4, 4) == 0;
    if (memcmp(sip, zero_ip, 4) != 0)
        learn(sip, smac, for_us);
    if (op == 1 && for_us)
        send_arp(2, smac, smac, nif->ip4, sip);
    pkb_free(p);
}

/* A new INCOMPLETE entry for ip with its first request out, or NULL when
 * every entry is mid-resolution. */
static struct arp_entry *start_resolution(const uint8_t ip[4])
{
    struct arp_entry *e = alloc_entry(ip);
    if (!e)
        return NULL;
    e->state = ARP_INCOMPLETE;
    send_request(e, NULL);
    nb_timer_arm(&e->timer, ARP_RETRY_US);
    return e;
}

nb_err arp_output(struct pkb *p, const uint8_t next_hop[4])
{
    struct arp_entry *e = lookup(next_hop);
    if (e && e->state != ARP_INCOMPLETE)
        return eth_output(p, e->mac, ETH_P_IP); /* READY, VERIFY, PROBE: the MAC we have */
    if (!e && !(e = start_resolution(next_hop))) {
        NB_COUNT(CTR_ARP_QUEUE_DROP);
        pkb_free(p);
        return NB_E_NO_BUFFER;
    }
    enqueue(e, p);
    return NB_OK;
}

int arp_resolve_ahead(const uint8_t ip[4])
{
    struct arp_entry *e = lookup(ip);
    if (e)
        return e->state != ARP_INCOMPLETE;
    start_resolution(ip);
    return 0;
}

nb_err arp_probe(const uint8_t ip[4])
{
    static const uint8_t zero_mac[6], zero_ip[4];
    memcpy(probe_ip, ip, 4);
    probe_active = 1;
    probe_conflict = 0;
    send_arp(1, eth_broadcast, zero_mac, zero_ip, ip);
    return NB_OK;
}

int arp_conflict_seen(const uint8_t ip[4])
{
    return probe_active && memcmp(ip, probe_ip, 4) == 0 && probe_conflict;
}

void arp_flush(void)
{
    for (unsigned i = 0; i < ARP_ENTRIES; i++)
        if (cache[i].state != ARP_FREE)
            entry_free(&cache[i]);
    probe_active = 0;
}
