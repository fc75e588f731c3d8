/*
 * A test network for unit tests (header-only): a netdev whose tx captures
 * every frame the stack sends, synchronous injection of received frames,
 * and a fake monotonic clock that runs due timers as it advances.
 *
 *   tn_up(mac, mtu);                 DRBG seeded, fake clock at 1000 s, net_init
 *   tn_rx(frame, len);               one frame through eth_input, now
 *   tn_advance_ms(1500);             time passes; timers fire in order
 *   tn_tx_count(), tn_tx(i)          what the stack sent (tn_tx_clear())
 *
 * Generic on purpose (Ethernet only, no protocol knowledge): any net/ test
 * can use it. Include after testutil.h.
 */
#ifndef NB_TESTNET_H
#define NB_TESTNET_H
#include <stdint.h>
#include <string.h>
#include "core/clock.h"
#include "core/drbg.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "net/eth.h"
#include "net/netdev.h"
#include "net/stack.h"
#include "platform/host/host.h"

#define TN_MAX_FRAMES 128u
#define TN_START_US 1000000000ull /* 1000 s: never 0, which means "real clock" */

struct tn_frame {
    uint8_t b[PKB_DATA_MAX];
    size_t len;
};

static struct {
    struct netdev dev;
    struct tn_frame tx[TN_MAX_FRAMES];
    unsigned n_tx;      /* captured (at most TN_MAX_FRAMES) */
    unsigned n_tx_all;  /* sent, including those beyond the capture */
    uint64_t now_us;
} tn;

static nb_err tn_dev_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    tn.n_tx_all++;
    if (tn.n_tx < TN_MAX_FRAMES && len <= sizeof tn.tx[0].b) {
        memcpy(tn.tx[tn.n_tx].b, frame, len);
        tn.tx[tn.n_tx].len = len;
        tn.n_tx++;
    }
    return NB_OK;
}

static int tn_dev_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    (void)dev, (void)buf, (void)cap;
    return 0; /* frames come in through tn_rx */
}

static void tn_dev_wait(struct netdev *dev, uint64_t deadline_us)
{
    (void)dev, (void)deadline_us;
}

static int tn_dev_link(struct netdev *dev)
{
    (void)dev;
    return 1;
}

static const struct netdev_ops tn_ops = { tn_dev_tx, tn_dev_rx, tn_dev_wait, tn_dev_link };

static inline void tn_tx_clear(void)
{
    tn.n_tx = 0;
    tn.n_tx_all = 0;
}

static inline unsigned tn_tx_count(void) { return tn.n_tx; }
static inline const struct tn_frame *tn_tx(unsigned i) { return i < tn.n_tx ? &tn.tx[i] : NULL; }

static inline uint64_t tn_now_us(void) { return tn.now_us; }

static inline void tn_clock_set(uint64_t us)
{
    tn.now_us = us;
    host_fake_now_us(us);
}

/* Advance the fake clock to `target`, firing every timer at its own
 * deadline (so timers a callback arms are relative to the right now). */
static inline void tn_advance_us(uint64_t delta)
{
    uint64_t target = tn.now_us + delta;
    for (;;) {
        uint64_t next = nb_timers_next();
        if (next > target)
            break;
        if (next > tn.now_us)
            tn_clock_set(next);
        nb_timers_run(tn.now_us);
    }
    tn_clock_set(target);
    nb_timers_run(target);
}

static inline void tn_advance_ms(uint64_t ms) { tn_advance_us(ms * 1000u); }

/* Bring the stack up on the test netdev. Timers left armed by a previous
 * test are cancelled by the protocols' own start functions. */
static inline void tn_up(const uint8_t mac[6], unsigned mtu)
{
    static int seeded;
    if (!seeded) {
        assert_int_equal(nb_drbg_init("testnet", 7, NULL), NB_OK);
        seeded = 1;
    }
    if (!tn.now_us)
        tn_clock_set(TN_START_US);
    memset(&tn.dev, 0, sizeof tn.dev);
    tn.dev.ops = &tn_ops;
    memcpy(tn.dev.mac, mac, 6);
    tn.dev.mtu = mtu;
    tn.dev.name = "testnet";
    tn_tx_clear();
    assert_int_equal(net_init(&tn.dev), NB_OK);
}

/* One received frame (starting at the Ethernet header) through the stack. */
static inline void tn_rx(const uint8_t *frame, size_t len)
{
    struct pkb *p = pkb_alloc();
    assert_non_null(p);
    assert_true(len <= PKB_DATA_MAX);
    memcpy(p->data, frame, len);
    p->len = len;
    eth_input(p);
}


/* ---------------------------------------------------------------- IPv4
 * Frame builders and a captured-frame view for tests of protocols over
 * IPv4 (still no knowledge of any transport). */
#include "net/csum.h"

/* Ethernet + IPv4 (no options, DF, TTL 64) around payload; returns the frame
 * length. out must hold 34 + len bytes. */
static inline size_t tn_ip4_frame(uint8_t *out, const uint8_t src_mac[6], const uint8_t dst_mac[6],
                                  const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
                                  const uint8_t *payload, size_t len)
{
    uint8_t *ip = out + 14;
    memcpy(out, dst_mac, 6);
    memcpy(out + 6, src_mac, 6);
    out[12] = 0x08, out[13] = 0x00;
    size_t total = 20 + len;
    ip[0] = 0x45, ip[1] = 0;
    ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total;
    ip[4] = 0, ip[5] = 1, ip[6] = 0x40, ip[7] = 0;
    ip[8] = 64, ip[9] = proto, ip[10] = 0, ip[11] = 0;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint16_t c = csum_fold(csum_add(0, ip, 20));
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    if (len)
        memcpy(ip + 20, payload, len);
    return 14 + total;
}

/* An ARP reply telling us (our_ip/our_mac) that ip is at mac. */
static inline void tn_arp_reply(const uint8_t ip[4], const uint8_t mac[6], const uint8_t our_ip[4],
                                const uint8_t our_mac[6])
{
    uint8_t f[42];
    memcpy(f, our_mac, 6);
    memcpy(f + 6, mac, 6);
    f[12] = 0x08, f[13] = 0x06;
    uint8_t *a = f + 14;
    a[0] = 0, a[1] = 1, a[2] = 0x08, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = 2;
    memcpy(a + 8, mac, 6);
    memcpy(a + 14, ip, 4);
    memcpy(a + 18, our_mac, 6);
    memcpy(a + 24, our_ip, 4);
    tn_rx(f, sizeof f);
}

/* 1 if captured frame f is an ARP request for ip. */
static inline int tn_is_arp_request(const struct tn_frame *f, const uint8_t ip[4])
{
    return f && f->len >= 42 && f->b[12] == 0x08 && f->b[13] == 0x06 && f->b[21] == 1 &&
           memcmp(f->b + 38, ip, 4) == 0;
}

/* The IPv4 payload of captured frame f if it carries proto (NULL if not);
 * *len its length, src/dst (may be NULL) get the addresses. */
static inline const uint8_t *tn_ip4_payload(const struct tn_frame *f, uint8_t proto, size_t *len,
                                            uint8_t src[4], uint8_t dst[4])
{
    if (!f || f->len < 34 || f->b[12] != 0x08 || f->b[13] != 0x00)
        return NULL;
    const uint8_t *ip = f->b + 14;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total = (size_t)ip[2] << 8 | ip[3];
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || 14 + total > f->len || ip[9] != proto)
        return NULL;
    if (src)
        memcpy(src, ip + 12, 4);
    if (dst)
        memcpy(dst, ip + 16, 4);
    *len = total - ihl;
    return ip + ihl;
}

#endif
