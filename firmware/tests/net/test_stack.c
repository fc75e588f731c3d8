/* net/stack.c: bring-up (MTU clamped to what a pkb holds), IPv4
 * configuration, the poll loop's receive burst bound, device errors and an
 * exhausted pool, and net_run_until: NB_OK when done, NB_E_TIMEOUT at the
 * deadline, sleeping in the netdev until the next timer or the deadline.
 *
 * The netdev here is scripted: frames become readable at given (fake)
 * times, and wait() "sleeps" by moving the fake clock to the wake-up time
 * or the next frame's arrival, whichever is first. */
#include "testutil.h"
#include "core/clock.h"
#include "core/drbg.h"
#include "core/pkb.h"
#include "core/timer.h"
#include "net/arp.h"
#include "net/bytes.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/ip.h"
#include "net/netif.h"
#include "net/stack.h"
#include "net/udp.h"
#include "platform/host/host.h"

#define SD_MAX 256u
#define SD_FRAME 64u

static struct {
    struct netdev dev;
    uint8_t frame[SD_MAX][SD_FRAME];
    size_t len[SD_MAX];
    uint64_t at[SD_MAX]; /* readable from this time on */
    unsigned head, n;
    unsigned rx_calls, wait_calls, tx_calls;
    int rx_error;        /* rx returns -1 while set */
    uint64_t now;
    uint64_t last_wait;  /* the deadline of the last wait() */
} sd;

static void sd_clock(uint64_t t)
{
    sd.now = t;
    host_fake_now_us(t);
}

static nb_err sd_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev, (void)frame, (void)len;
    sd.tx_calls++;
    return NB_OK;
}

static int sd_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    (void)dev;
    sd.rx_calls++;
    if (sd.rx_error)
        return -1;
    if (sd.head == sd.n || sd.at[sd.head] > sd.now)
        return 0;
    size_t len = sd.len[sd.head];
    assert_true(len <= cap);
    memcpy(buf, sd.frame[sd.head], len);
    sd.head++;
    return (int)len;
}

static void sd_wait(struct netdev *dev, uint64_t deadline)
{
    (void)dev;
    sd.wait_calls++;
    sd.last_wait = deadline;
    assert_true(deadline > sd.now); /* never asked to sleep into the past */
    uint64_t wake = deadline;
    if (sd.head < sd.n && sd.at[sd.head] < wake)
        wake = sd.at[sd.head] > sd.now ? sd.at[sd.head] : sd.now;
    sd_clock(wake);
}

static int sd_link(struct netdev *dev)
{
    (void)dev;
    return 1;
}

static const struct netdev_ops sd_ops = { sd_tx, sd_rx, sd_wait, sd_link };

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t our_ip[4] = { 198, 18, 1, 100 };
static const uint8_t mask24[4] = { 255, 255, 255, 0 };
static const uint8_t gw[4] = { 198, 18, 1, 1 };
static const uint8_t peer[4] = { 198, 18, 1, 50 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x32 };

/* Queue an ARP request from the peer for 198.18.1.77 (not us: dropped
 * quietly after Ethernet and ARP counted it), readable at `at`. */
static void queue_arp(uint64_t at)
{
    assert_true(sd.n < SD_MAX);
    uint8_t *f = sd.frame[sd.n];
    memset(f, 0, SD_FRAME);
    memset(f, 0xff, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, 0x0806);
    static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
    memcpy(f + 14, hdr, 8);
    memcpy(f + 22, peer_mac, 6);
    memcpy(f + 28, peer, 4);
    f[41] = 77, f[40] = 1, f[39] = 18, f[38] = 198;
    sd.len[sd.n] = 60;
    sd.at[sd.n] = at;
    sd.n++;
}

/* Queue a UDP datagram from the peer to us, port 7777, readable at `at`. */
static void queue_udp(uint64_t at)
{
    assert_true(sd.n < SD_MAX);
    uint8_t *f = sd.frame[sd.n];
    memcpy(f, our_mac, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    static const uint8_t h[12] = { 0x45, 0, 0, 30, 0, 1, 0x40, 0, 64, 17, 0, 0 };
    memcpy(ip, h, 12);
    memcpy(ip + 12, peer, 4);
    memcpy(ip + 16, our_ip, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    uint8_t *u = ip + 20;
    put16(u, 1111);
    put16(u + 2, 7777);
    put16(u + 4, 10);
    put16(u + 6, 0);
    u[8] = 'h', u[9] = 'i';
    struct nb_ip s = nb_ip_from(4, peer), d = nb_ip_from(4, our_ip);
    put16(u + 6, csum_transport(&s, &d, NB_PROTO_UDP, u, 10));
    sd.len[sd.n] = 14 + 30;
    sd.at[sd.n] = at;
    sd.n++;
}

static void sd_up(unsigned mtu)
{
    static int seeded;
    if (!seeded) {
        assert_int_equal(nb_drbg_init("test-stack", 10, NULL), NB_OK);
        seeded = 1;
    }
    memset(&sd.dev, 0, sizeof sd.dev);
    sd.dev.ops = &sd_ops;
    memcpy(sd.dev.mac, our_mac, 6);
    sd.dev.mtu = mtu;
    sd.dev.name = "scripted";
    sd.head = sd.n = 0;
    sd.rx_calls = sd.wait_calls = sd.tx_calls = 0;
    sd.rx_error = 0;
    assert_int_equal(net_init(&sd.dev), NB_OK);
}

static char console[8192];

static int setup(void **state)
{
    (void)state;
    host_console_capture(console, sizeof console);
    if (!sd.now)
        sd_clock(1000000000ull);
    sd_up(1500);
    net_ip4_configure(our_ip, mask24, gw);
    memset(nb_counters, 0, sizeof nb_counters);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arp_flush();
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    host_console_capture(NULL, 0);
    return 0;
}

/* ---------------------------------------------------------------- bring-up */

static void test_init_and_mtu_clamp(void **state)
{
    (void)state;
    static const struct { unsigned dev, want; } m[] = {
        { 1500, 1500 }, { 1280, 1280 }, { 1279, 1280 }, { 576, 1280 }, { 0, 1280 },
        { 2030, 2030 }, { 2031, 2030 }, { 9000, 2030 },
    };
    for (unsigned i = 0; i < T_ARRAY_LEN(m); i++) {
        sd_up(m[i].dev);
        assert_int_equal(net_if()->mtu, m[i].want);
        /* the largest frame the MTU allows (+ Ethernet and a VLAN tag) fits a pkb */
        assert_true(net_if()->mtu + 18 <= PKB_DATA_MAX);
    }
    assert_ptr_equal(net_if()->dev, &sd.dev);
    assert_memory_equal(net_if()->mac, our_mac, 6);
    assert_int_equal(net_if()->ip4_up, 0);
    assert_int_equal(net_if()->vlan, 0);
}

static void test_ip4_configure(void **state)
{
    (void)state;
    sd_up(1500);
    assert_int_equal(net_if()->ip4_up, 0);
    net_ip4_configure(our_ip, mask24, gw);
    assert_int_equal(net_if()->ip4_up, 1);
    assert_memory_equal(net_if()->ip4, our_ip, 4);
    assert_memory_equal(net_if()->mask4, mask24, 4);
    assert_memory_equal(net_if()->gw4, gw, 4);
    struct nb_ip d = nb_ip4(198, 18, 1, 1), s;
    assert_int_equal(ip_select_src(&d, &s), NB_OK);
    assert_memory_equal(s.a, our_ip, 4);
}

/* ---------------------------------------------------------------- net_poll */

static void test_rx_burst_bound(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 100; i++)
        queue_arp(0);
    net_poll();
    assert_int_equal(nb_counters[CTR_ETH_RX], 64);
    assert_int_equal(nb_counters[CTR_ARP_RX], 64);
    assert_int_equal(sd.rx_calls, 64); /* it stopped at the bound, not at an empty queue */
    assert_int_equal(sd.head, 64);
    net_poll();
    assert_int_equal(nb_counters[CTR_ETH_RX], 100);
    assert_int_equal(sd.rx_calls, 64 + 37); /* 36 frames and the empty read */
    net_poll();
    assert_int_equal(nb_counters[CTR_ETH_RX], 100);
    assert_int_equal(sd.tx_calls, 0); /* nothing here was for us */
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
}

static unsigned fired;
static void count_fire(struct nb_timer *t)
{
    (void)t;
    fired++;
}

static void test_poll_runs_due_timers_after_a_burst(void **state)
{
    (void)state;
    static struct nb_timer t, later;
    nb_timer_init(&t, count_fire);
    nb_timer_init(&later, count_fire);
    fired = 0;
    nb_timer_arm(&t, 0);
    nb_timer_arm(&later, 1);
    for (unsigned i = 0; i < 200; i++)
        queue_arp(0);
    net_poll(); /* a flood does not starve the timers */
    assert_int_equal(nb_counters[CTR_ETH_RX], 64);
    assert_int_equal(fired, 1);
    sd_clock(sd.now + 1);
    net_poll();
    assert_int_equal(fired, 2);
}

static void test_poll_device_error_and_empty_pool(void **state)
{
    (void)state;
    queue_arp(0);
    sd.rx_error = 1;
    net_poll();
    assert_int_equal(sd.rx_calls, 1);
    assert_int_equal(nb_counters[CTR_ETH_RX], 0);
    assert_int_equal(pkb_pool_free_count(), PKB_POOL_SIZE);
    sd.rx_error = 0;
    /* every buffer held elsewhere: frames wait in the device */
    static struct pkb *held[PKB_POOL_SIZE];
    for (unsigned i = 0; i < PKB_POOL_SIZE; i++)
        held[i] = pkb_alloc();
    assert_null(pkb_alloc());
    sd.rx_calls = 0;
    net_poll();
    assert_int_equal(sd.rx_calls, 0);
    assert_int_equal(sd.head, 0);
    for (unsigned i = 0; i < PKB_POOL_SIZE; i++)
        pkb_free(held[i]);
    net_poll();
    assert_int_equal(nb_counters[CTR_ETH_RX], 1);
}

/* ---------------------------------------------------------------- net_run_until */

static unsigned done_calls, done_at;
static int done_after_calls(void *ctx)
{
    (void)ctx;
    return ++done_calls >= done_at;
}

static int never(void *ctx)
{
    (void)ctx;
    done_calls++;
    return 0;
}

static struct udp_sock sock;
static unsigned got;
static void sock_rx(struct udp_sock *s, const struct nb_ip *src, uint16_t sport,
                    const struct nb_ip *dst, const uint8_t *data, size_t len)
{
    (void)s, (void)src, (void)sport, (void)dst, (void)data, (void)len;
    got++;
}
static int got_one(void *ctx)
{
    (void)ctx;
    return got > 0;
}

static void test_run_until_done(void **state)
{
    (void)state;
    /* done at once: one poll, no sleep */
    done_calls = 0, done_at = 1;
    assert_int_equal(net_run_until(done_after_calls, NULL, sd.now + 1000000), NB_OK);
    assert_int_equal(done_calls, 1);
    assert_int_equal(sd.wait_calls, 0);
    /* done when a frame arrives at +300 ms: returns then, not at the deadline */
    assert_int_equal(udp_open(&sock, 4, 7777, sock_rx, NULL), NB_OK);
    got = 0;
    uint64_t t0 = sd.now;
    queue_udp(t0 + 300000);
    assert_int_equal(net_run_until(got_one, NULL, t0 + 5000000), NB_OK);
    assert_int_equal(got, 1);
    assert_int_equal(sd.now, t0 + 300000);
    assert_true(sd.wait_calls >= 1);
    udp_close(&sock);
}

static void test_run_until_timeout(void **state)
{
    (void)state;
    static struct nb_timer before, after;
    nb_timer_init(&before, count_fire);
    nb_timer_init(&after, count_fire);
    fired = 0;
    uint64_t t0 = sd.now;
    nb_timer_arm(&before, 500000);
    nb_timer_arm(&after, 2000000);
    done_calls = 0;
    sd.wait_calls = 0;
    assert_int_equal(net_run_until(never, NULL, t0 + 1000000), NB_E_TIMEOUT);
    assert_int_equal(sd.now, t0 + 1000000); /* at the deadline, not later */
    assert_int_equal(fired, 1);             /* the timer before the deadline ran */
    assert_true(after.armed);
    assert_int_equal(sd.last_wait, t0 + 1000000); /* the last sleep ended at the deadline */
    assert_true(done_calls >= 2);
    /* bounded work: no busy loop (IPv6 start-up timers and ours wake it a
     * handful of times in a second, not thousands) */
    assert_true(sd.wait_calls < 20);
    nb_timer_cancel(&after);
    /* a deadline already passed: one poll, no sleep */
    sd.wait_calls = 0;
    done_calls = 0;
    assert_int_equal(net_run_until(never, NULL, sd.now - 1), NB_E_TIMEOUT);
    assert_int_equal(done_calls, 1);
    assert_int_equal(sd.wait_calls, 0);
    done_calls = 0, done_at = 1;
    assert_int_equal(net_run_until(done_after_calls, NULL, sd.now - 1), NB_OK);
}

static void test_run_until_sleeps_to_next_timer(void **state)
{
    (void)state;
    /* with a timer armed before the deadline, the sleep ends at the timer */
    static struct nb_timer t;
    nb_timer_init(&t, count_fire);
    fired = 0;
    /* let IPv6 start-up settle so our timer is the only early one */
    done_calls = 0;
    net_run_until(never, NULL, sd.now + 10000000);
    uint64_t t0 = sd.now;
    assert_true(nb_timers_next() > t0 + 1000000); /* nothing else due in the next second */
    nb_timer_arm(&t, 250000);
    sd.wait_calls = 0;
    done_calls = 0;
    done_at = 2; /* done on the poll after the first sleep */
    assert_int_equal(net_run_until(done_after_calls, NULL, t0 + 1000000), NB_OK);
    assert_int_equal(sd.wait_calls, 1);
    assert_int_equal(sd.last_wait, t0 + 250000);
    assert_int_equal(sd.now, t0 + 250000);
    assert_int_equal(fired, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_and_mtu_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip4_configure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_burst_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_runs_due_timers_after_a_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_device_error_and_empty_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_until_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_until_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_until_sleeps_to_next_timer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
