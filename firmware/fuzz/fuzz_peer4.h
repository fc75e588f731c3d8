/*
 * Shared harness for the fuzz targets that script one IPv4 peer against a
 * protocol's state machine, fuzz_tcp and fuzz_tftp (header-only): the whole
 * stack on a null netdev (every frame we send goes to the target's own
 * check, p4_tx_hook), a fake clock the script advances, deterministic DRBG
 * seeding, frames from the peer (IPv4 around any layer-4 bytes, ARP
 * replies), and a reader that turns the fuzz input into bytes (zeros once
 * it runs out).
 *
 * Each run: p4_begin() (a fresh stack, 198.18.0.2/24 without a gateway, the
 * clock at its start), the target's script, p4_end() (ARP and its queue
 * flushed; abort() if a packet buffer leaked).
 */
#ifndef NB_FUZZ_PEER4_H
#define NB_FUZZ_PEER4_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/drbg.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "fuzz_clock.h"
#include "net/bytes.h"
#include "net/csum.h"
#include "net/eth.h"
#include "net/ip.h"
#include "net/netdev.h"
#include "net/stack.h"
#include "platform/host/host.h"

#define CHECK(x) do { if (!(x)) abort(); } while (0)

static const uint8_t p4_our_mac[6] = { 0x52, 0x54, 0, 0, 0, 1 }, p4_peer_mac[6] = { 0x52, 0x54, 0, 0, 0, 2 };
static const uint8_t p4_our_ip[4] = { 198, 18, 0, 2 }, p4_peer_ip[4] = { 198, 18, 0, 1 };
static const uint8_t p4_mask24[4] = { 255, 255, 255, 0 }, p4_no_gw[4] = { 0 };

/* ---------------------------------------------------------------- the link */

/* The target's check of every frame the stack sends. */
static void (*p4_tx_hook)(const uint8_t *frame, size_t len);

static nb_err p4_tx(struct netdev *d, const uint8_t *f, size_t len)
{
    (void)d;
    if (p4_tx_hook)
        p4_tx_hook(f, len);
    return NB_OK;
}
static int p4_rx(struct netdev *d, uint8_t *b, size_t cap) { (void)d, (void)b, (void)cap; return 0; }
static void p4_wait(struct netdev *d, uint64_t until) { (void)d, (void)until; }
static int p4_link(struct netdev *d) { (void)d; return 1; }
static const struct netdev_ops p4_ops = { p4_tx, p4_rx, p4_wait, p4_link };
static struct netdev p4_dev = { .ops = &p4_ops, .mac = { 0x52, 0x54, 0, 0, 0, 1 }, .mtu = 1500, .name = "fuzz" };

/* ---------------------------------------------------------------- time */

static uint64_t p4_now;

static void p4_advance_us(uint64_t us) { fuzz_advance_us(&p4_now, us); }

/* ---------------------------------------------------------------- frames from the peer */

/* A buffer that starts with an Ethernet header from the peer to us. */
static struct pkb *p4_frame(uint16_t ethertype)
{
    struct pkb *p = pkb_alloc();
    CHECK(p);
    memcpy(p->data, p4_our_mac, 6);
    memcpy(p->data + 6, p4_peer_mac, 6);
    put16(p->data + 12, ethertype);
    return p;
}

/* An IPv4 datagram from src to us carrying l4 (len bytes, at most 1480) as protocol proto. */
static void p4_rx_ip4(const uint8_t src[4], uint8_t proto, const uint8_t *l4, size_t len)
{
    struct pkb *p = p4_frame(ETH_P_IP);
    uint8_t *ip = p->data + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + len));
    ip[6] = 0x40, ip[8] = 64, ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, p4_our_ip, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    memcpy(ip + 20, l4, len);
    p->len = 34 + len;
    eth_input(p);
}

/* The ARP reply that gives ip the peer's MAC. */
static void p4_arp_answer(const uint8_t ip[4])
{
    struct pkb *p = p4_frame(ETH_P_ARP);
    uint8_t *a = p->data + 14;
    const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
    memcpy(a, hdr, 8);
    memcpy(a + 8, p4_peer_mac, 6);
    memcpy(a + 14, ip, 4);
    memcpy(a + 18, p4_our_mac, 6);
    memcpy(a + 24, p4_our_ip, 4);
    p->len = 42;
    eth_input(p);
}

/* ---------------------------------------------------------------- the input */

struct rd {
    const uint8_t *p;
    size_t n;
};
static inline uint8_t u8(struct rd *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}
static inline uint16_t u16(struct rd *r) { return (uint16_t)(u8(r) << 8 | u8(r)); }
/* Up to want bytes of the input, in place: how many there were. */
static inline size_t take(struct rd *r, size_t want, const uint8_t **out)
{
    size_t n = want < r->n ? want : r->n;
    *out = r->p;
    r->p += n;
    r->n -= n;
    return n;
}

/* ---------------------------------------------------------------- a run */

/* For LLVMFuzzerInitialize: the DRBG seeded from fixed bytes (reproducible runs). */
static void p4_init(const char *pers, size_t pers_len, const uint8_t seed[64])
{
    static char console[256];
    host_console_capture(console, sizeof console);
    host_fake_entropy(seed, 64);
    if (nb_drbg_init(pers, pers_len, NULL) != NB_OK)
        abort();
}

static unsigned p4_free_before;

static void p4_begin(void)
{
    static char console[256];
    host_console_capture(console, sizeof console);
    p4_free_before = pkb_pool_free_count();
    p4_now = 1000000000ull;
    host_fake_now_us(p4_now);
    net_init(&p4_dev);
    net_ip4_configure(p4_our_ip, p4_mask24, p4_no_gw);
}

static void p4_end(void)
{
    net_ip4_configure(p4_our_ip, p4_mask24, p4_no_gw); /* flush ARP and its queue */
    CHECK(pkb_pool_free_count() == p4_free_before);
}

#endif
