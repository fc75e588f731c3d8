/* boot/dhcp6.c and boot/duid.c: the DHCPv6 client on the test network
 * (fake clock, captured frames), its message builder byte by byte, the
 * RFC 8415 §15 retransmission arithmetic, and the DUID/IAID. */
#include "testutil.h"
#include "testnet.h"
#include "boot/arch.h"
#include "boot/dhcp6.h"
#include "boot/dhcp6_msg.h"
#include "boot/duid.h"
#include "core/drbg.h"
#include "net/counters.h"
#include "net/csum.h"
#include "net/ip.h"
#include "net/nd6.h"
#include "platform/platform.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t our_ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                    0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
static const uint8_t all_dhcp[16] = { 0xff, 0x02, [13] = 1, [15] = 2 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t srv_ll[16] = { 0xfe, 0x80, [15] = 2 };
static const uint8_t srv2_ll[16] = { 0xfe, 0x80, [15] = 3 };
static const uint8_t duid_a[10] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xaa, 0xaa, 0xaa };
static const uint8_t duid_b[10] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xbb, 0xbb, 0xbb };
static const uint8_t addr_a[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x23 };
static const uint8_t addr_b[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x01, 0x23 };
static const uint8_t dns1[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 0, 0xff, 0xff, [15] = 0x53 };
#define OUR_IAID 0x00123456u /* the last four bytes of mac */
#define URL "tftp://[fd00:b007:0:ffff::69]/nearboot.efi"

static struct dhcp6_client client;

/* ---------------------------------------------------------------- frames */

static void rx_ip6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hop,
                   const uint8_t *payload, size_t len)
{
    static uint8_t f[PKB_DATA_MAX];
    assert_true(14 + 40 + len <= sizeof f);
    if (dst[0] == 0xff) {
        f[0] = f[1] = 0x33;
        memcpy(f + 2, dst + 12, 4);
    } else {
        memcpy(f, mac, 6);
    }
    memcpy(f + 6, srv_mac, 6);
    f[12] = 0x86, f[13] = 0xdd;
    uint8_t *ip = f + 14;
    ip[0] = 0x60, ip[1] = ip[2] = ip[3] = 0;
    ip[4] = (uint8_t)(len >> 8), ip[5] = (uint8_t)len;
    ip[6] = nh, ip[7] = hop;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    memcpy(ip + 40, payload, len);
    tn_rx(f, 14 + 40 + len);
}

/* A UDP datagram from src:sport to our link-local port 546. */
static void rx_udp_from(const uint8_t src[16], uint16_t sport, const uint8_t *data, size_t len)
{
    static uint8_t u[PKB_DATA_MAX];
    assert_true(8 + len <= sizeof u);
    u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport;
    u[2] = 0x02, u[3] = 0x22; /* 546 */
    u[4] = (uint8_t)((8 + len) >> 8), u[5] = (uint8_t)(8 + len);
    u[6] = u[7] = 0;
    memcpy(u + 8, data, len);
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, our_ll);
    uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, u, 8 + len);
    c = c ? c : 0xffff;
    u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
    rx_ip6(src, our_ll, NB_PROTO_UDP, 64, u, 8 + len);
}

static void rx_dhcp(const struct t_pkt *p) { rx_udp_from(srv_ll, 547, p->b, p->len); }

static void rx_icmp6(const uint8_t src[16], const uint8_t dst[16], uint8_t *m, size_t len)
{
    struct nb_ip s = nb_ip_from(6, src), d = nb_ip_from(6, dst);
    m[2] = m[3] = 0;
    uint16_t c = csum_transport(&s, &d, NB_PROTO_ICMP6, m, len);
    m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
    rx_ip6(src, dst, NB_PROTO_ICMP6, 255, m, len);
}

/* A router advertisement from fe80::2 with the M (0x80) / O (0x40) flags. */
static void rx_ra(uint8_t flags)
{
    uint8_t m[16] = { 134, 0, 0, 0, 64, flags, 0x07, 0x08 };
    rx_icmp6(srv_ll, all_nodes, m, sizeof m);
}

/* A neighbour advertisement claiming target (DAD conflict if it is ours). */
static void rx_na_claim(const uint8_t target[16])
{
    uint8_t m[32] = { 136, 0, 0, 0, 0x20 };
    memcpy(m + 8, target, 16);
    m[24] = 2, m[25] = 1;
    memcpy(m + 26, srv_mac, 6);
    rx_icmp6(srv_ll, all_nodes, m, sizeof m);
}

/* The DHCPv6 payload of captured frame i if it is one of ours (UDP 546 ->
 * ff02::1:2 547 from our link-local, hop limit 1), else NULL. */
static const uint8_t *sent_msg(unsigned i, size_t *len)
{
    const struct tn_frame *f = tn_tx(i);
    if (!f || f->len < 14 + 40 + 8 || f->b[12] != 0x86 || f->b[13] != 0xdd)
        return NULL;
    const uint8_t *ip = f->b + 14, *u = ip + 40;
    if (ip[6] != NB_PROTO_UDP || u[0] != 0x02 || u[1] != 0x22 || u[2] != 0x02 || u[3] != 0x23)
        return NULL;
    static const uint8_t mmac[6] = { 0x33, 0x33, 0, 1, 0, 2 };
    assert_memory_equal(f->b, mmac, 6);
    assert_memory_equal(ip + 8, our_ll, 16);
    assert_memory_equal(ip + 24, all_dhcp, 16);
    assert_int_equal(ip[7], 1);
    size_t ulen = (size_t)u[4] << 8 | u[5];
    assert_true(ulen >= 8 && 14 + 40 + ulen <= f->len);
    *len = ulen - 8;
    return u + 8;
}

static unsigned count_sent(uint8_t type)
{
    unsigned n = 0;
    size_t len;
    for (unsigned i = 0; i < tn_tx_count(); i++) {
        const uint8_t *m = sent_msg(i, &len);
        if (m && len >= 4 && m[0] == type)
            n++;
    }
    return n;
}

/* The last message of type sent, copied into out (0 if none). */
static int last_sent(uint8_t type, struct t_pkt *out)
{
    size_t len;
    int found = 0;
    for (unsigned i = 0; i < tn_tx_count(); i++) {
        const uint8_t *m = sent_msg(i, &len);
        if (m && len >= 4 && m[0] == type) {
            memcpy(out->b, m, len);
            out->len = len;
            found = 1;
        }
    }
    return found;
}

static uint32_t xid_of(const struct t_pkt *m)
{
    return (uint32_t)m->b[1] << 16 | (uint32_t)m->b[2] << 8 | m->b[3];
}

/* A top-level option of a message we sent (n-th of that code, from 0). */
static const uint8_t *find_opt(const struct t_pkt *m, uint16_t code, unsigned nth, size_t *olen)
{
    size_t pos = 4;
    while (pos + 4 <= m->len) {
        uint16_t c = (uint16_t)(m->b[pos] << 8 | m->b[pos + 1]);
        size_t l = (size_t)m->b[pos + 2] << 8 | m->b[pos + 3];
        assert_true(pos + 4 + l <= m->len);
        if (c == code && nth-- == 0) {
            *olen = l;
            return m->b + pos + 4;
        }
        pos += 4 + l;
    }
    assert_int_equal(pos, m->len);
    return NULL;
}

static uint16_t elapsed_of(const struct t_pkt *m)
{
    size_t l;
    const uint8_t *e = find_opt(m, DHCP6_OPT_ELAPSED_TIME, 0, &l);
    assert_non_null(e);
    assert_int_equal(l, 2);
    return (uint16_t)(e[0] << 8 | e[1]);
}

/* ---------------------------------------------------------------- server messages */

static void put_ia(struct t_pkt *p, uint32_t iaid, const uint8_t *addr, uint16_t status)
{
    size_t ia = t6_open(p, DHCP6_OPT_IA_NA);
    t_be32(p, iaid);
    t_be32(p, 300);
    t_be32(p, 480);
    if (addr) {
        size_t a = t6_open(p, DHCP6_OPT_IAADDR);
        t_put(p, addr, 16);
        t_be32(p, 500);
        t_be32(p, 600);
        t6_close(p, a);
    }
    if (status)
        t6_status(p, status, status == 2 ? "no addresses" : "failure");
    t6_close(p, ia);
}

struct srv {
    uint8_t type;
    uint32_t xid;
    const uint8_t *duid;     /* server DUID; NULL: none */
    const uint8_t *addr;     /* NULL: IA without address */
    uint32_t iaid;
    int preference;          /* -1: none */
    uint16_t status, ia_status;
    int rapid, with_ia, bad_client_id, with_options;
    uint32_t sol_max_rt;
};

static void build_srv(struct t_pkt *p, const struct srv *s)
{
    t6_begin(p, s->type, s->xid);
    if (s->bad_client_id)
        t6_opt(p, 1, duid_b, sizeof duid_b);
    else
        t6_opt(p, 1, client.cfg.duid.b, client.cfg.duid.len);
    if (s->duid)
        t6_opt(p, 2, s->duid, 10);
    if (s->with_ia)
        put_ia(p, s->iaid, s->addr, s->ia_status);
    if (s->status)
        t6_status(p, s->status, "message status");
    if (s->preference >= 0) {
        uint8_t pref = (uint8_t)s->preference;
        t6_opt(p, 7, &pref, 1);
    }
    if (s->rapid)
        t6_opt(p, 14, NULL, 0);
    if (s->sol_max_rt) {
        uint8_t v[4] = { (uint8_t)(s->sol_max_rt >> 24), (uint8_t)(s->sol_max_rt >> 16),
                         (uint8_t)(s->sol_max_rt >> 8), (uint8_t)s->sol_max_rt };
        t6_opt(p, 82, v, 4);
    }
    if (s->with_options) {
        t6_opt(p, 23, dns1, 16);
        t6_opt(p, 24, "\3lab\10nearboot\4test\0", 19);
        t6_opt(p, 59, URL, strlen(URL));
        t6_opt(p, 60, "\0\15console=ttyS0", 15);
        size_t v = t6_open(p, 17);
        t_be32(p, DHCP6_NB_ENTERPRISE);
        t6_opt(p, 1, "https://a.nearboot.test/", 24);
        t6_close(p, v);
    }
}

static struct srv advertise(uint32_t xid, const uint8_t *duid, const uint8_t *addr, int pref)
{
    struct srv s = { DHCP6_ADVERTISE, xid, duid, addr, OUR_IAID, pref, 0, 0, 0, 1, 0, 0, 0 };
    return s;
}

static struct srv reply(uint32_t xid, const uint8_t *duid, const uint8_t *addr)
{
    struct srv s = { DHCP6_REPLY, xid, duid, addr, OUR_IAID, -1, 0, 0, 0, 1, 0, 1, 0 };
    return s;
}

static void send_srv(const struct srv *s)
{
    struct t_pkt p;
    build_srv(&p, s);
    rx_dhcp(&p);
}

static void send_srv_from(const struct srv *s, const uint8_t src[16])
{
    struct t_pkt p;
    build_srv(&p, s);
    rx_udp_from(src, 547, p.b, p.len);
}

/* ---------------------------------------------------------------- set-up */

static void cfg_for_test(struct dhcp6_config *cfg, enum dhcp6_mode mode)
{
    struct nb_sysid id;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, mac, 6);
    dhcp6_config_default(cfg, &id);
    cfg->mode = mode;
    cfg->t[DHCP6_T_SOLICIT].max_delay_ms = 0;
    cfg->t[DHCP6_T_INFOREQ].max_delay_ms = 0;
    cfg->rapid_commit = 0;
}

/* Stack up, link-local through DAD, frames cleared. */
static void net_up(void)
{
    tn_up(mac, 1500);
    tn_advance_ms(2500);
    uint8_t ll[16];
    assert_true(nd6_link_local(ll));
    assert_memory_equal(ll, our_ll, 16);
    tn_tx_clear();
    memset(nb_counters, 0, sizeof nb_counters);
}

static void start(const struct dhcp6_config *cfg)
{
    assert_int_equal(dhcp6_start(&client, cfg), NB_OK);
}

/* Advance to the next timer (whatever it is) and run it. */
static void step(void)
{
    uint64_t next = nb_timers_next();
    assert_true(next != UINT64_MAX);
    tn_advance_us(next > tn_now_us() ? next - tn_now_us() : 0);
}

/* Run timers until the count-th message of type went out; its time. */
static uint64_t until_sent(uint8_t type, unsigned count, uint64_t limit_ms)
{
    uint64_t limit = tn_now_us() + limit_ms * 1000u;
    while (count_sent(type) < count) {
        assert_true(nb_timers_next() <= limit);
        step();
    }
    return tn_now_us();
}

static int teardown(void **state)
{
    (void)state;
    dhcp6_stop(&client);
    return 0;
}

/* ---------------------------------------------------------------- builder */

static void test_build_solicit_bytes(void **state)
{
    (void)state;
    static const uint16_t oro[] = { 23, 24, 59, 60, 82, 17 };
    struct dhcp6_tx t = {
        .msg_type = DHCP6_SOLICIT, .xid = 0x123456, .client_id = duid_a,
        .client_id_len = sizeof duid_a, .elapsed_cs = 105, .oro = oro, .noro = 6,
        .with_ia = 1, .iaid = 0x00b00701, .rapid_commit = 1, .with_pxe = 1, .arch = 7,
        .undi_major = 3, .undi_minor = 16, .vendor_class = "nearboot",
        .user_class = "nearboot", .with_nb_vendor_opts = 1,
    };
    static const uint8_t want[] = {
        1, 0x12, 0x34, 0x56,
        0, 1, 0, 10, 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xaa, 0xaa, 0xaa, /* client id */
        0, 8, 0, 2, 0, 105,                                          /* elapsed 1.05 s */
        0, 6, 0, 12, 0, 23, 0, 24, 0, 59, 0, 60, 0, 82, 0, 17,       /* ORO */
        0, 3, 0, 12, 0x00, 0xb0, 0x07, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, /* IA_NA */
        0, 14, 0, 0,                                                 /* rapid commit */
        0, 61, 0, 2, 0, 7,                                           /* arch */
        0, 62, 0, 3, 1, 3, 16,                                       /* NII 3.16 */
        0, 16, 0, 38, 0, 0, 1, 0x57, 0, 32,                          /* vendor class 343 */
        'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', ':', 'A', 'r', 'c', 'h', ':', '0',
        '0', '0', '0', '7', ':', 'U', 'N', 'D', 'I', ':', '0', '0', '3', '0', '1', '6',
        0, 16, 0, 14, 0, 0, 0x7e, 0xd9, 0, 8,                        /* vendor class 32473 */
        'n', 'e', 'a', 'r', 'b', 'o', 'o', 't',
        0, 15, 0, 10, 0, 8, 'n', 'e', 'a', 'r', 'b', 'o', 'o', 't',  /* user class */
        0, 17, 0, 4, 0, 0, 0x7e, 0xd9,                               /* vendor opts */
    };
    uint8_t buf[512];
    size_t len;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);

    /* exactly fits; one byte short */
    assert_int_equal(dhcp6_build(&t, buf, sizeof want, &len), NB_OK);
    for (size_t n = 0; n < sizeof want; n++)
        assert_int_equal(dhcp6_build(&t, buf, n, &len), NB_E_TOO_BIG);

    /* arm64: the architecture shows in 61 and in the PXE class */
    t.arch = 0x000b;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_OK);
    assert_memory_equal(buf + 64, "\x00\x0b", 2);
    assert_memory_equal(buf + 83, "PXEClient:Arch:00011:UNDI:003016", 32);
}

static void test_build_request_decline_inforeq(void **state)
{
    (void)state;
    static const uint16_t oro[] = { 23 };
    struct dhcp6_tx t = {
        .msg_type = DHCP6_REQUEST, .xid = 0xabcdef, .client_id = duid_a,
        .client_id_len = sizeof duid_a, .server_id = duid_b, .server_id_len = sizeof duid_b,
        .elapsed_cs = 0xffff, .oro = oro, .noro = 1, .with_ia = 1, .iaid = 7, .ia_addr = addr_a,
    };
    static const uint8_t head[] = {
        3, 0xab, 0xcd, 0xef,
        0, 1, 0, 10, 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xaa, 0xaa, 0xaa,
        0, 2, 0, 10, 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xbb, 0xbb, 0xbb,
        0, 8, 0, 2, 0xff, 0xff,
        0, 6, 0, 2, 0, 23,
        0, 3, 0, 40, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 5, 0, 24,
    };
    uint8_t buf[512];
    size_t len;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_OK);
    assert_int_equal(len, sizeof head + 16 + 8);
    assert_memory_equal(buf, head, sizeof head);
    assert_memory_equal(buf + sizeof head, addr_a, 16);
    assert_memory_equal(buf + sizeof head + 16, "\0\0\0\0\0\0\0\0", 8);

    /* bad inputs */
    t.client_id_len = 1;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_E_INVALID);
    t.client_id_len = 131;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_E_INVALID);
    t.client_id_len = sizeof duid_a;
    t.server_id_len = 0;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_E_INVALID);
    t.server_id = NULL;
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    t.user_class = big;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_E_INVALID);
    big[255] = 0;
    assert_int_equal(dhcp6_build(&t, buf, sizeof buf, &len), NB_OK);

    /* what we build, our parser reads back */
    struct dhcp6_msg m;
    assert_int_equal(dhcp6_parse(buf, len, 0, &m), NB_OK);
    assert_int_equal(m.msg_type, DHCP6_REQUEST);
    assert_int_equal(m.xid, 0xabcdef);
    assert_int_equal(m.client_id_len, sizeof duid_a);
    assert_int_equal(m.nia, 1);
    assert_int_equal(m.ia[0].iaid, 7);
}

/* ---------------------------------------------------------------- arithmetic */

static void test_rt_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(dhcp6_rt_initial(1000, 0), 1000);
    assert_int_equal(dhcp6_rt_initial(1000, 1), 1001);
    assert_int_equal(dhcp6_rt_initial(1000, 100), 1100);
    assert_int_equal(dhcp6_rt_initial(1000, -100), 900);
    assert_int_equal(dhcp6_rt_initial(5, 1), 6);   /* strictly above even when RAND*IRT < 1 ms */
    assert_int_equal(dhcp6_rt_initial(0, -100), 1);
    assert_int_equal(dhcp6_rt_next(1000, 0, 0), 2000);
    assert_int_equal(dhcp6_rt_next(1000, 0, 100), 2100);
    assert_int_equal(dhcp6_rt_next(1000, 0, -100), 1900);
    assert_int_equal(dhcp6_rt_next(40000, 60000, 0), 60000);   /* 80 s > MRT */
    assert_int_equal(dhcp6_rt_next(40000, 60000, 100), 66000); /* MRT + RAND*MRT */
    assert_int_equal(dhcp6_rt_next(40000, 60000, -100), 54000);
    assert_int_equal(dhcp6_rt_next(3000000000u, 0, 100), UINT32_MAX);

    assert_int_equal(dhcp6_elapsed_cs(5000000, 5000000), 0);
    assert_int_equal(dhcp6_elapsed_cs(5000000, 4000000), 0);
    assert_int_equal(dhcp6_elapsed_cs(5000000, 6050000), 105);
    assert_int_equal(dhcp6_elapsed_cs(0, 655350000), 0xffff);
    assert_int_equal(dhcp6_elapsed_cs(0, 655359999), 0xffff);
    assert_int_equal(dhcp6_elapsed_cs(0, 3600000000ull), 0xffff);
}

/* RAND from a DRBG seeded with fixed bytes: the same schedule every run,
 * every value inside its RFC band, RAND > 0 whenever asked. */
static void test_rt_from_seeded_drbg(void **state)
{
    (void)state;
    uint8_t seed[64];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(i * 7 + 1);
    uint32_t first[2][8];
    for (int run = 0; run < 2; run++) {
        host_fake_entropy(seed, sizeof seed);
        assert_int_equal(nb_drbg_init("dhcp6", 5, NULL), NB_OK);
        for (int k = 0; k < 8; k++)
            first[run][k] = dhcp6_rt_initial(1000, dhcp6_rand_pm(1));
        int seen_neg = 0, seen_pos = 0;
        for (int i = 0; i < 20000; i++) {
            int32_t r = dhcp6_rand_pm(1);
            assert_true(r >= 1 && r <= 100);
            uint32_t rt = dhcp6_rt_initial(1000, r);
            assert_true(rt > 1000 && rt <= 1100);
            r = dhcp6_rand_pm(0);
            assert_true(r >= -100 && r <= 100);
            seen_neg |= r < 0, seen_pos |= r > 0;
            uint32_t prev = 1000 + (uint32_t)i % 50000;
            rt = dhcp6_rt_next(prev, 0, r);
            assert_true(rt * 10ull >= prev * 19ull && rt * 10ull <= prev * 21ull);
            rt = dhcp6_rt_next(prev, 30000, r);
            if (prev * 21ull <= 300000ull)
                assert_true(rt * 10ull >= prev * 19ull && rt * 10ull <= prev * 21ull);
            else
                assert_true(rt >= 27000 && rt <= 33000);
        }
        assert_true(seen_neg && seen_pos);
    }
    host_fake_entropy(NULL, 0);
    assert_memory_equal(first[0], first[1], sizeof first[0]);
}

static void test_advertise_better(void **state)
{
    (void)state;
    static struct dhcp6_msg a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_false(dhcp6_advertise_better(&a, &b)); /* a tie keeps the earlier */
    a.have = DHCP6_HAVE_PREFERENCE;
    a.preference = 1;
    assert_true(dhcp6_advertise_better(&a, &b));
    assert_false(dhcp6_advertise_better(&b, &a));
    b.preference = 200; /* without the option the preference is 0 (§21.8) */
    assert_true(dhcp6_advertise_better(&a, &b));
    b.have = DHCP6_HAVE_PREFERENCE | DHCP6_HAVE_BOOTFILE_URL;
    assert_false(dhcp6_advertise_better(&a, &b));
    b.preference = 1; /* same preference: the one with a boot URL */
    assert_true(dhcp6_advertise_better(&b, &a));
    assert_false(dhcp6_advertise_better(&a, &b));
    a.have |= DHCP6_HAVE_BOOTFILE_URL;
    a.nsites = 1; /* both URLs: then our site list */
    assert_true(dhcp6_advertise_better(&a, &b));
    assert_false(dhcp6_advertise_better(&b, &a));
}

/* ---------------------------------------------------------------- DUID, IAID */

static void test_duid_ll_uuid_iaid(void **state)
{
    (void)state;
    struct nb_sysid id;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, mac, 6);
    struct duid d1, d2;
    duid_make(&id, &d1);
    static const uint8_t ll[] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    assert_int_equal(d1.len, sizeof ll);
    assert_memory_equal(d1.b, ll, sizeof ll);
    assert_true(duid_valid(d1.b, d1.len));
    duid_make(&id, &d2);
    assert_memory_equal(&d1, &d2, sizeof d1);
    assert_int_equal(duid_iaid(mac), OUR_IAID);
    static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0xb0, 0x07, 0x01 };
    assert_int_equal(duid_iaid(other), 0x00b00701u);

    static const uint8_t uuid[16] = { 0x8f, 0x0d, 0x4f, 0x3e, 0x1b, 0x2c, 0x4d, 0x5e,
                                      0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    id.has_uuid = 1;
    memcpy(id.uuid, uuid, 16);
    duid_make(&id, &d1);
    assert_int_equal(d1.len, 18);
    assert_memory_equal(d1.b, "\x00\x04", 2);
    assert_memory_equal(d1.b + 2, uuid, 16);
    assert_true(duid_valid(d1.b, d1.len));

    /* SMBIOS: 2.6+ keeps the first three fields little-endian */
    static const uint8_t raw[16] = { 0x3e, 0x4f, 0x0d, 0x8f, 0x2c, 0x1b, 0x5e, 0x4d,
                                     0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
    uint8_t out[16];
    assert_true(duid_uuid_from_smbios(raw, 2, 6, out));
    assert_memory_equal(out, uuid, 16);
    assert_true(duid_uuid_from_smbios(raw, 3, 0, out));
    assert_memory_equal(out, uuid, 16);
    assert_true(duid_uuid_from_smbios(raw, 2, 5, out));
    assert_memory_equal(out, raw, 16);
    uint8_t none[16];
    memset(none, 0, sizeof none);
    memset(out, 0x77, sizeof out);
    assert_false(duid_uuid_from_smbios(none, 3, 0, out));
    memset(none, 0xff, sizeof none);
    assert_false(duid_uuid_from_smbios(none, 3, 0, out));
    assert_int_equal(out[0], 0x77);

    /* duid_valid */
    assert_false(duid_valid(d1.b, 17));
    assert_false(duid_valid((const uint8_t *)"\x00\x03\x00\x01", 4));
    assert_true(duid_valid((const uint8_t *)"\x00\x03\x00\x01\x01", 5));
    assert_false(duid_valid((const uint8_t *)"\x00\x05\x00\x01\x01", 5));
    assert_false(duid_valid((const uint8_t *)"\x00\x00\x00\x01\x01", 5));
    assert_true(duid_valid((const uint8_t *)"\x00\x02\x00\x00\x01\x57\x01", 7));
    assert_false(duid_valid((const uint8_t *)"\x00\x02\x00\x00\x01\x57", 6));
    assert_true(duid_valid((const uint8_t *)"\x00\x01\x00\x01\x00\x00\x00\x00\x01", 9));

    /* text */
    char t[64];
    duid_text(t, sizeof t, ll, sizeof ll);
    assert_string_equal(t, "00030001525400123456");
    duid_text(t, 21, ll, sizeof ll);
    assert_string_equal(t, "00030001525400123456");
    duid_text(t, 20, ll, sizeof ll);
    assert_string_equal(t, "0003000152540012..");
    duid_text(t, 3, ll, sizeof ll);
    assert_string_equal(t, "..");
    duid_text(t, 1, ll, sizeof ll);
    assert_string_equal(t, "");
}

/* The NV store of this test binary: a fresh directory (main). */
static char nv_dir[] = "/tmp/nb-test-dhcp6-XXXXXX";

static void test_duid_nv_pin(void **state)
{
    (void)state;
    const char *dir = nv_dir;
    struct nb_sysid id;
    memset(&id, 0, sizeof id);
    memcpy(id.mac, mac, 6);
    struct duid d;
    int pinned = 1;
    duid_get(&id, &d, &pinned);
    assert_false(pinned);
    assert_int_equal(d.len, 10);
    static const uint8_t llt[] = { 0, 1, 0, 1, 0x2c, 0x6b, 0x1e, 0x00, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    assert_int_equal(plat_nv_set(DUID_NV_NAME, llt, sizeof llt), NB_OK);
    duid_get(&id, &d, &pinned);
    assert_true(pinned);
    assert_int_equal(d.len, sizeof llt);
    assert_memory_equal(d.b, llt, sizeof llt);
    /* a pinned value that is not a DUID is ignored */
    assert_int_equal(plat_nv_set(DUID_NV_NAME, "\x00\x09zz", 4), NB_OK);
    duid_get(&id, &d, &pinned);
    assert_false(pinned);
    assert_int_equal(d.len, 10);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, DUID_NV_NAME);
    unlink(path);
}

static void test_config_default(void **state)
{
    (void)state;
    struct dhcp6_config a, b;
    cfg_for_test(&a, DHCP6_MODE_AUTO);
    cfg_for_test(&b, DHCP6_MODE_AUTO);
    assert_int_equal(a.iaid, OUR_IAID);
    assert_int_equal(a.duid.len, b.duid.len);
    assert_memory_equal(a.duid.b, b.duid.b, a.duid.len);
    assert_int_equal(a.arch, NB_CLIENT_ARCH);
    assert_int_equal(a.undi_major, 3);
    assert_int_equal(a.undi_minor, 16);
    struct nb_sysid id = { .has_uuid = 0 };
    memcpy(id.mac, mac, 6);
    dhcp6_config_default(&a, &id);
    assert_int_equal(a.t[DHCP6_T_SOLICIT].max_delay_ms, 1000);
    assert_int_equal(a.t[DHCP6_T_SOLICIT].irt_ms, 1000);
    assert_int_equal(a.t[DHCP6_T_SOLICIT].mrt_ms, DHCP6_BOOT_MAX_RT_MS);
    assert_int_equal(a.t[DHCP6_T_REQUEST].irt_ms, 1000);
    assert_int_equal(a.t[DHCP6_T_REQUEST].mrt_ms, 30000);
    assert_int_equal(a.t[DHCP6_T_REQUEST].mrc, 10);
    assert_int_equal(a.t[DHCP6_T_INFOREQ].max_delay_ms, 1000);
    assert_int_equal(a.t[DHCP6_T_DECLINE].mrc, 4);
    assert_true(a.rapid_commit);
    assert_int_equal(a.mode, DHCP6_MODE_AUTO);
}

/* ---------------------------------------------------------------- the client */

/* SOLICIT, two ADVERTISEs within the first RT: the higher preference wins
 * at the end of the first RT; REQUEST to it (retransmitted with the
 * elapsed time), REPLY, bound, the address goes to nd6 and passes DAD. */
static void test_stateful_selection_and_request(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    assert_int_equal(count_sent(DHCP6_SOLICIT), 1);
    struct t_pkt sol;
    assert_true(last_sent(DHCP6_SOLICIT, &sol));
    uint64_t t_sol = tn_now_us();
    assert_int_equal(elapsed_of(&sol), 0);
    size_t l;
    const uint8_t *o = find_opt(&sol, DHCP6_OPT_CLIENTID, 0, &l);
    assert_non_null(o);
    assert_int_equal(l, 10);
    assert_memory_equal(o, "\x00\x03\x00\x01\x52\x54\x00\x12\x34\x56", 10);
    o = find_opt(&sol, DHCP6_OPT_IA_NA, 0, &l);
    assert_non_null(o);
    assert_int_equal(l, 12);
    assert_memory_equal(o, "\x00\x12\x34\x56\0\0\0\0\0\0\0\0", 12);
    assert_null(find_opt(&sol, DHCP6_OPT_RAPID_COMMIT, 0, &l)); /* off in this test */
    assert_null(find_opt(&sol, DHCP6_OPT_SERVERID, 0, &l));
    o = find_opt(&sol, DHCP6_OPT_ORO, 0, &l);
    assert_non_null(o);
    assert_int_equal(l, 12);
    assert_memory_equal(o, "\x00\x17\x00\x18\x00\x3b\x00\x3c\x00\x52\x00\x11", 12);
    assert_non_null(find_opt(&sol, DHCP6_OPT_CLIENT_ARCH, 0, &l));
    assert_non_null(find_opt(&sol, DHCP6_OPT_NII, 0, &l));
    assert_non_null(find_opt(&sol, DHCP6_OPT_VENDOR_CLASS, 1, &l));
    uint32_t xid = xid_of(&sol);

    tn_advance_ms(100);
    struct srv a = advertise(xid, duid_a, addr_a, 0);
    send_srv(&a);
    struct srv b = advertise(xid, duid_b, addr_b, 10);
    send_srv_from(&b, srv2_ll);
    a.preference = 5;
    send_srv(&a);
    /* still collecting: nothing sent yet */
    assert_int_equal(count_sent(DHCP6_REQUEST), 0);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    uint64_t t_req = until_sent(DHCP6_REQUEST, 1, 1200);
    assert_true(t_req - t_sol > 1000000u && t_req - t_sol <= 1100000u); /* the first RT */
    assert_int_equal(count_sent(DHCP6_SOLICIT), 1);
    struct t_pkt req;
    assert_true(last_sent(DHCP6_REQUEST, &req));
    assert_int_equal(elapsed_of(&req), 0);
    o = find_opt(&req, DHCP6_OPT_SERVERID, 0, &l);
    assert_non_null(o);
    assert_memory_equal(o, duid_b, 10);
    o = find_opt(&req, DHCP6_OPT_IA_NA, 0, &l);
    assert_int_equal(l, 40);
    assert_memory_equal(o + 16, addr_b, 16);
    uint32_t rxid = xid_of(&req);
    assert_int_not_equal(rxid, xid);

    /* no reply: retransmitted with RT in [0.9, 1.1] s and the elapsed time */
    uint64_t t_req2 = until_sent(DHCP6_REQUEST, 2, 1200);
    assert_true(t_req2 - t_req >= 900000u && t_req2 - t_req <= 1100000u);
    assert_true(last_sent(DHCP6_REQUEST, &req));
    assert_int_equal(xid_of(&req), rxid);
    assert_int_equal(elapsed_of(&req), (t_req2 - t_req) / 10000u);

    /* a REPLY from the other server, or to the old xid, is not ours */
    struct srv r = reply(rxid, duid_a, addr_a);
    send_srv(&r);
    r = reply(xid, duid_b, addr_b);
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_REQUEST);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_SERVER_ID], 1);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_XID], 1);

    tn_advance_ms(20);
    r = reply(rxid, duid_b, addr_b);
    send_srv_from(&r, srv2_ll);
    assert_int_equal(client.state, DHCP6_S_BOUND);
    assert_true(dhcp6_done(&client));
    assert_int_equal(dhcp6_result(&client), NB_OK);
    const struct dhcp6_lease *ls = dhcp6_lease(&client);
    assert_true(ls->stateful);
    assert_false(ls->rapid_commit);
    assert_memory_equal(ls->addr, addr_b, 16);
    assert_int_equal(ls->iaid, OUR_IAID);
    assert_int_equal(ls->t1_s, 300);
    assert_int_equal(ls->t2_s, 480);
    assert_int_equal(ls->preferred_s, 500);
    assert_int_equal(ls->valid_s, 600);
    assert_int_equal(ls->server_id_len, 10);
    assert_memory_equal(ls->server_id, duid_b, 10);
    assert_memory_equal(ls->server_addr, srv2_ll, 16);
    assert_int_equal(ls->ndns, 1);
    assert_memory_equal(ls->dns[0], dns1, 16);
    assert_int_equal(ls->ndomains, 1);
    assert_string_equal(ls->domains[0], "lab.nearboot.test");
    assert_string_equal(ls->boot_url, URL);
    assert_int_equal(ls->nparams, 1);
    assert_string_equal(ls->boot_params[0], "console=ttyS0");
    assert_int_equal(ls->nsites, 1);
    assert_string_equal(ls->sites[0], "https://a.nearboot.test/");
    assert_int_equal(ls->acquired_us, tn_now_us());
    assert_int_equal(ls->acquired_us - ls->started_us, tn_now_us() - client.start_us);

    /* the address: tentative, then preferred after DAD; nothing more sent */
    assert_int_equal(nd6_addr_state(addr_b), ND6_ADDR_TENTATIVE);
    unsigned before = count_sent(DHCP6_REQUEST) + count_sent(DHCP6_SOLICIT);
    tn_advance_ms(3000);
    assert_int_equal(nd6_addr_state(addr_b), ND6_ADDR_PREFERRED);
    assert_int_equal(count_sent(DHCP6_REQUEST) + count_sent(DHCP6_SOLICIT), before);
    assert_int_equal(count_sent(DHCP6_DECLINE), 0);
    assert_int_equal(client.state, DHCP6_S_BOUND);
    assert_int_equal(nb_counters[CTR_DHCP6_RX_ADVERTISE], 3);
}

/* Preference 255: REQUEST at once, without waiting for the first RT. */
static void test_preference_255(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    struct t_pkt sol;
    assert_true(last_sent(DHCP6_SOLICIT, &sol));
    tn_advance_ms(50);
    struct srv a = advertise(xid_of(&sol), duid_a, addr_a, 255);
    send_srv(&a);
    assert_int_equal(client.state, DHCP6_S_REQUEST);
    assert_int_equal(count_sent(DHCP6_REQUEST), 1);
}

/* After the first RT, the first valid ADVERTISE is taken at once; ones
 * without an address for us are ignored (but their SOL_MAX_RT counts). */
static void test_advertise_after_first_rt_and_noaddrs(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    struct t_pkt sol;
    assert_true(last_sent(DHCP6_SOLICIT, &sol));
    uint32_t xid = xid_of(&sol);
    /* NoAddrsAvail in the IA, and at message level; another IAID only */
    struct srv n = advertise(xid, duid_a, NULL, 0);
    n.ia_status = DHCP6_STATUS_NO_ADDRS_AVAIL;
    n.sol_max_rt = 120;
    send_srv(&n);
    n = advertise(xid, duid_a, addr_a, 0);
    n.status = DHCP6_STATUS_NO_ADDRS_AVAIL;
    send_srv(&n);
    n = advertise(xid, duid_a, addr_a, 0);
    n.iaid = 0x99;
    send_srv(&n);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_NO_ADDRS], 3);
    assert_int_equal(client.last_err, NB_E_DHCP6_NO_ADDRS);
    assert_int_equal(client.sol_mrt_ms, 120000);
    until_sent(DHCP6_SOLICIT, 2, 1200);
    assert_int_equal(client.state, DHCP6_S_SOLICIT); /* nothing to choose at the first RT */
    tn_advance_ms(10);
    struct srv a = advertise(xid, duid_a, addr_a, 0);
    send_srv(&a);
    assert_int_equal(client.state, DHCP6_S_REQUEST);
    assert_int_equal(count_sent(DHCP6_REQUEST), 1);
}

/* Rapid Commit: option 14 in SOLICIT; a REPLY with it binds; without it, a
 * REPLY to SOLICIT is dropped. */
static void test_rapid_commit(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    cfg.rapid_commit = 1;
    start(&cfg);
    struct t_pkt sol;
    assert_true(last_sent(DHCP6_SOLICIT, &sol));
    size_t l;
    assert_non_null(find_opt(&sol, DHCP6_OPT_RAPID_COMMIT, 0, &l));
    assert_int_equal(l, 0);
    struct srv r = reply(xid_of(&sol), duid_a, addr_a);
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_NO_RAPID], 1);
    r.rapid = 1;
    r.ia_status = DHCP6_STATUS_NO_ADDRS_AVAIL; /* a failed one: keep soliciting */
    r.addr = NULL;
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    r.ia_status = 0;
    r.addr = addr_a;
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_BOUND);
    assert_true(dhcp6_lease(&client)->rapid_commit);
    assert_memory_equal(dhcp6_lease(&client)->addr, addr_a, 16);
    assert_int_equal(count_sent(DHCP6_REQUEST), 0);
}

/* REQUEST answered with NoAddrsAvail / NotOnLink: start over (new xid);
 * UnspecFail: keep retransmitting the same REQUEST. */
static void request_with_reply_status(uint16_t status, uint16_t ia_status, int restarts)
{
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    struct t_pkt m;
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    uint32_t sxid = xid_of(&m);
    struct srv a = advertise(sxid, duid_a, addr_a, 255);
    send_srv(&a);
    assert_true(last_sent(DHCP6_REQUEST, &m));
    struct srv r = reply(xid_of(&m), duid_a, ia_status ? NULL : addr_a);
    r.status = status;
    r.ia_status = ia_status;
    send_srv(&r);
    if (restarts) {
        assert_int_equal(client.state, DHCP6_S_SOLICIT);
        assert_int_equal(count_sent(DHCP6_SOLICIT), 2);
        assert_true(last_sent(DHCP6_SOLICIT, &m));
        assert_int_not_equal(xid_of(&m), sxid);
        assert_int_equal(client.restarts, 1);
        assert_int_equal(nb_counters[CTR_DHCP6_RESTART], 1);
    } else {
        assert_int_equal(client.state, DHCP6_S_REQUEST);
        until_sent(DHCP6_REQUEST, 2, 1200);
        assert_int_equal(count_sent(DHCP6_SOLICIT), 1);
    }
    assert_int_equal(nb_counters[CTR_DHCP6_STATUS_FAIL], 1);
}

static void test_reply_status_codes(void **state)
{
    (void)state;
    request_with_reply_status(0, DHCP6_STATUS_NO_ADDRS_AVAIL, 1);
    assert_int_equal(client.last_err, NB_E_DHCP6_NO_ADDRS);
    request_with_reply_status(0, DHCP6_STATUS_NOT_ON_LINK, 1);
    assert_int_equal(client.last_err, NB_E_DHCP6_NOT_ON_LINK);
    request_with_reply_status(DHCP6_STATUS_NO_ADDRS_AVAIL, 0, 1);
    assert_int_equal(client.last_err, NB_E_DHCP6_NO_ADDRS);
    request_with_reply_status(DHCP6_STATUS_UNSPEC_FAIL, 0, 0);
    assert_int_equal(client.last_err, NB_E_DHCP6_STATUS);
    request_with_reply_status(DHCP6_STATUS_USE_MULTICAST, 0, 0);
}

/* REQUEST without an answer: REQ_MAX_RC (10) transmissions, RTs doubling
 * within the RFC band up to REQ_MAX_RT (30 s), then start over. */
static void test_request_mrc(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    struct t_pkt m;
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    struct srv a = advertise(xid_of(&m), duid_a, addr_a, 255);
    send_srv(&a);
    uint64_t t[11];
    t[1] = tn_now_us();
    for (unsigned k = 2; k <= 10; k++)
        t[k] = until_sent(DHCP6_REQUEST, k, 40000);
    for (unsigned k = 2; k <= 10; k++) {
        uint64_t rt = t[k] - t[k - 1];
        if (k == 2) {
            assert_true(rt >= 900000u && rt <= 1100000u);
        } else {
            uint64_t prev = t[k - 1] - t[k - 2];
            if (prev * 21 / 10 <= 30000000u)
                assert_true(rt * 10 >= prev * 19 - 10000 && rt * 10 <= prev * 21 + 10000);
            else
                assert_true(rt >= 27000000u && rt <= 33000000u);
        }
    }
    assert_int_equal(client.state, DHCP6_S_REQUEST);
    /* after the 10th RT: give up on this server, SOLICIT again (no delay) */
    until_sent(DHCP6_SOLICIT, 2, 40000);
    assert_int_equal(count_sent(DHCP6_REQUEST), 10);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    assert_int_equal(client.last_err, NB_E_DHCP6_NO_REPLY);
}

/* SOLICIT schedule on the wire: the random first delay within
 * SOL_MAX_DELAY, the first RT strictly above IRT (within 1.1 IRT), then
 * 2*RT +/- 10 % up to MRT, then MRT +/- 10 %; elapsed time follows. */
static void test_solicit_schedule(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    cfg.t[DHCP6_T_SOLICIT].max_delay_ms = 1000;
    cfg.t[DHCP6_T_SOLICIT].mrt_ms = 20000;
    uint64_t t0 = tn_now_us();
    start(&cfg);
    assert_int_equal(count_sent(DHCP6_SOLICIT), 0); /* the random delay first */
    uint64_t t[12];
    t[1] = until_sent(DHCP6_SOLICIT, 1, 1001);
    assert_true(t[1] - t0 <= 1000000u);
    struct t_pkt m;
    for (unsigned k = 2; k <= 11; k++) {
        t[k] = until_sent(DHCP6_SOLICIT, k, 30000);
        assert_true(last_sent(DHCP6_SOLICIT, &m));
        assert_int_equal(elapsed_of(&m), (t[k] - t[1]) / 10000u);
    }
    uint64_t rt1 = t[2] - t[1];
    assert_true(rt1 > 1000000u && rt1 <= 1100000u);
    int capped = 0;
    for (unsigned k = 3; k <= 11; k++) {
        uint64_t rt = t[k] - t[k - 1], prev = t[k - 1] - t[k - 2];
        if (rt >= 18000000u && rt <= 22000000u && prev * 19 / 10 > 18000000u) {
            capped = 1;
            continue;
        }
        assert_false(capped);
        assert_true(rt * 10 >= prev * 19 - 10000 && rt * 10 <= prev * 21 + 10000);
    }
    assert_true(capped);
    /* SOLICIT has no MRC/MRD by default: still going */
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    assert_false(dhcp6_done(&client));
}

/* MRC and MRD configured on SOLICIT end it (FAILED, NB_E_TIMEOUT). */
static void test_solicit_mrc_mrd(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    cfg.t[DHCP6_T_SOLICIT].mrc = 3;
    start(&cfg);
    uint64_t t1 = tn_now_us();
    until_sent(DHCP6_SOLICIT, 3, 5000);
    while (!dhcp6_done(&client))
        step();
    assert_int_equal(count_sent(DHCP6_SOLICIT), 3);
    assert_int_equal(client.state, DHCP6_S_FAILED);
    assert_int_equal(dhcp6_result(&client), NB_E_TIMEOUT);
    /* RT1 in (1, 1.1] s, then each 2 RT +/- 10 %: 6.51 .. 8.261 s in all */
    assert_true(tn_now_us() - t1 >= 6510000u && tn_now_us() - t1 <= 8262000u);

    net_up();
    cfg.t[DHCP6_T_SOLICIT].mrc = 0;
    cfg.t[DHCP6_T_SOLICIT].mrd_ms = 4000;
    start(&cfg);
    t1 = tn_now_us();
    while (!dhcp6_done(&client))
        step();
    assert_int_equal(tn_now_us() - t1, 4000000u); /* the last RT is cut at MRD */
    assert_int_equal(count_sent(DHCP6_SOLICIT), 3);
    assert_int_equal(dhcp6_result(&client), NB_E_TIMEOUT);
}

/* SOL_MAX_RT (82) from a server raises or lowers the ceiling within
 * 60..86400 s; values outside are ignored. */
static void test_sol_max_rt(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    struct t_pkt m;
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    struct srv n = advertise(xid_of(&m), duid_a, NULL, 0);
    n.sol_max_rt = 59;
    send_srv(&n);
    assert_int_equal(client.sol_mrt_ms, DHCP6_BOOT_MAX_RT_MS);
    n.sol_max_rt = 86401;
    send_srv(&n);
    assert_int_equal(client.sol_mrt_ms, DHCP6_BOOT_MAX_RT_MS);
    n.sol_max_rt = 86400;
    send_srv(&n);
    assert_int_equal(client.sol_mrt_ms, 86400000u);
    n.sol_max_rt = 60;
    send_srv(&n);
    assert_int_equal(client.sol_mrt_ms, 60000u);
    cfg.honour_sol_max_rt = 0;
    start(&cfg);
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    n.xid = xid_of(&m);
    n.sol_max_rt = 600;
    send_srv(&n);
    assert_int_equal(client.sol_mrt_ms, DHCP6_BOOT_MAX_RT_MS);
}

/* Stateless: INFORMATION-REQUEST (no IA, ORO with 83), REPLY -> informed. */
static void test_stateless(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATELESS);
    start(&cfg);
    assert_int_equal(count_sent(DHCP6_SOLICIT), 0);
    struct t_pkt m;
    assert_true(last_sent(DHCP6_INFORMATION_REQUEST, &m));
    size_t l;
    assert_null(find_opt(&m, DHCP6_OPT_IA_NA, 0, &l));
    assert_null(find_opt(&m, DHCP6_OPT_RAPID_COMMIT, 0, &l));
    assert_non_null(find_opt(&m, DHCP6_OPT_CLIENTID, 0, &l));
    const uint8_t *o = find_opt(&m, DHCP6_OPT_ORO, 0, &l);
    assert_non_null(o);
    assert_memory_equal(o, "\x00\x17\x00\x18\x00\x3b\x00\x3c\x00\x53\x00\x11", 12);
    assert_int_equal(elapsed_of(&m), 0);
    struct srv r = reply(xid_of(&m), duid_a, NULL);
    r.with_ia = 0;
    r.status = DHCP6_STATUS_UNSPEC_FAIL; /* keep asking */
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_INFOREQ);
    until_sent(DHCP6_INFORMATION_REQUEST, 2, 1200);
    assert_true(last_sent(DHCP6_INFORMATION_REQUEST, &m));
    r.xid = xid_of(&m);
    r.status = 0;
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_INFORMED);
    assert_int_equal(dhcp6_result(&client), NB_OK);
    const struct dhcp6_lease *ls = dhcp6_lease(&client);
    assert_false(ls->stateful);
    assert_string_equal(ls->boot_url, URL);
    assert_int_equal(ls->ndns, 1);
    assert_int_equal(ls->nsites, 1);
}

/* AUTO: the RA decides; no RA within ra_wait -> stateful. */
static void test_follow_ra(void **state)
{
    (void)state;
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_AUTO);
    static const struct { uint8_t flags; uint8_t sent; enum dhcp6_state st; } cases[] = {
        { 0x80, DHCP6_SOLICIT, DHCP6_S_SOLICIT },
        { 0xc0, DHCP6_SOLICIT, DHCP6_S_SOLICIT },
        { 0x40, DHCP6_INFORMATION_REQUEST, DHCP6_S_INFOREQ },
        { 0x00, 0, DHCP6_S_FAILED },
    };
    for (size_t i = 0; i < T_ARRAY_LEN(cases); i++) {
        net_up();
        start(&cfg);
        assert_int_equal(client.state, DHCP6_S_WAIT);
        tn_advance_ms(500);
        assert_int_equal(tn_tx_count() ? count_sent(DHCP6_SOLICIT) : 0, 0);
        rx_ra(cases[i].flags);
        tn_advance_ms(100);
        assert_int_equal(client.state, cases[i].st);
        if (cases[i].sent)
            assert_int_equal(count_sent(cases[i].sent), 1);
        else
            assert_int_equal(dhcp6_result(&client), NB_E_DHCP6_NOT_MANAGED);
    }
    /* no RA at all: stateful once ra_wait passed */
    net_up();
    start(&cfg);
    tn_advance_ms(cfg.ra_wait_ms - 100);
    assert_int_equal(client.state, DHCP6_S_WAIT);
    tn_advance_ms(200);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    /* forced stateful ignores an RA without flags */
    net_up();
    rx_ra(0);
    cfg.mode = DHCP6_MODE_STATEFUL;
    start(&cfg);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
}

/* No link-local address (DAD still running): wait; give up at ll_wait. */
static void test_wait_for_link_local(void **state)
{
    (void)state;
    tn_up(mac, 1500);
    tn_tx_clear();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    assert_int_equal(client.state, DHCP6_S_WAIT);
    uint64_t t0 = tn_now_us();
    while (client.state == DHCP6_S_WAIT)
        step();
    assert_true(tn_now_us() - t0 <= 2100000u); /* start delay + DAD, 50 ms polling */
    assert_int_equal(client.state, DHCP6_S_SOLICIT); /* sent once DAD passed */
    assert_int_equal(count_sent(DHCP6_SOLICIT), 1);

    tn_up(mac, 1500);
    rx_na_claim(our_ll); /* someone holds our link-local: DAD fails */
    tn_advance_ms(100);
    cfg.ll_wait_ms = 3000;
    start(&cfg);
    tn_advance_ms(2500);
    rx_na_claim(our_ll);
    tn_advance_ms(1000);
    assert_int_equal(client.state, DHCP6_S_FAILED);
    assert_int_equal(dhcp6_result(&client), NB_E_DHCP6_NO_LINK_LOCAL);
}

/* Every check before a handler: port, xid, client id, server id, parse. */
static void test_reply_validation(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    cfg.rapid_commit = 1;
    start(&cfg);
    struct t_pkt m, p;
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    uint32_t xid = xid_of(&m);
    struct srv r = reply(xid, duid_a, addr_a);
    r.rapid = 1;
    build_srv(&p, &r);
    rx_udp_from(srv_ll, 5470, p.b, p.len);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_PORT], 1);
    r.xid = xid ^ 1;
    send_srv(&r);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_XID], 1);
    r.xid = xid;
    r.bad_client_id = 1;
    send_srv(&r);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_CLIENT_ID], 1);
    r.bad_client_id = 0;
    r.duid = NULL;
    send_srv(&r);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_SERVER_ID], 1);
    r.duid = duid_a;
    build_srv(&p, &r);
    p.b[p.len - 1] = 1; /* rapid commit length 0 -> a length past the end */
    p.b[p.len - 3] = 9;
    rx_dhcp(&p);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_MALFORMED], 1);
    r.type = DHCP6_REQUEST; /* not a server message we wait for */
    send_srv(&r);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_STATE], 1);
    r.type = DHCP6_REPLY;
    for (size_t n = 0; n < 4; n++) {
        rx_dhcp(&(struct t_pkt){ .b = { 7, 0, 0 }, .len = n });
    }
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_MALFORMED], 5);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_BOUND);
    /* once bound, nothing more is taken */
    send_srv(&r);
    assert_int_equal(nb_counters[CTR_DHCP6_DROP_STATE], 2);
}

/* The leased address fails DAD: DECLINE (server id, IA with the address),
 * REPLY, then SOLICIT again; no REPLY: DEC_MAX_RC transmissions. */
static void test_decline_on_duplicate(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    cfg.rapid_commit = 1;
    start(&cfg);
    struct t_pkt m;
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    struct srv r = reply(xid_of(&m), duid_a, addr_a);
    r.rapid = 1;
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_BOUND);
    tn_advance_ms(300);
    rx_na_claim(addr_a);
    tn_advance_ms(200);
    assert_int_equal(nd6_addr_state(addr_a), ND6_ADDR_NONE); /* removed */
    assert_int_equal(client.state, DHCP6_S_DECLINE);
    assert_false(dhcp6_done(&client));
    assert_int_equal(count_sent(DHCP6_DECLINE), 1);
    assert_true(last_sent(DHCP6_DECLINE, &m));
    size_t l;
    const uint8_t *o = find_opt(&m, DHCP6_OPT_SERVERID, 0, &l);
    assert_non_null(o);
    assert_memory_equal(o, duid_a, 10);
    o = find_opt(&m, DHCP6_OPT_IA_NA, 0, &l);
    assert_int_equal(l, 40);
    assert_memory_equal(o + 16, addr_a, 16);
    assert_null(find_opt(&m, DHCP6_OPT_ORO, 0, &l));
    r = reply(xid_of(&m), duid_a, NULL);
    r.with_ia = 0;
    send_srv(&r);
    assert_int_equal(client.state, DHCP6_S_SOLICIT);
    assert_int_equal(client.last_err, NB_E_DHCP6_DUPLICATE);

    /* again, and the server never answers the DECLINE */
    assert_true(last_sent(DHCP6_SOLICIT, &m));
    r = reply(xid_of(&m), duid_a, addr_b);
    r.rapid = 1;
    send_srv(&r);
    tn_advance_ms(300);
    rx_na_claim(addr_b);
    tn_tx_clear();
    until_sent(DHCP6_SOLICIT, 1, 20000);
    assert_int_equal(count_sent(DHCP6_DECLINE), 4);
}

/* Same MAC, two "boots": the same DUID and IAID on the wire. */
static void test_identity_stable_across_runs(void **state)
{
    (void)state;
    struct t_pkt m[2];
    for (int run = 0; run < 2; run++) {
        net_up();
        struct dhcp6_config cfg;
        cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
        start(&cfg);
        assert_true(last_sent(DHCP6_SOLICIT, &m[run]));
        dhcp6_stop(&client);
    }
    size_t l0, l1;
    const uint8_t *c0 = find_opt(&m[0], DHCP6_OPT_CLIENTID, 0, &l0);
    const uint8_t *c1 = find_opt(&m[1], DHCP6_OPT_CLIENTID, 0, &l1);
    assert_int_equal(l0, l1);
    assert_memory_equal(c0, c1, l0);
    c0 = find_opt(&m[0], DHCP6_OPT_IA_NA, 0, &l0);
    c1 = find_opt(&m[1], DHCP6_OPT_IA_NA, 0, &l1);
    assert_memory_equal(c0, c1, 4);
    assert_int_not_equal(xid_of(&m[0]), xid_of(&m[1])); /* only the xid differs */
}

/* dhcp6_run: the blocking form the probe uses, on the fake clock. */
static void test_stop_and_restart(void **state)
{
    (void)state;
    net_up();
    struct dhcp6_config cfg;
    cfg_for_test(&cfg, DHCP6_MODE_STATEFUL);
    start(&cfg);
    dhcp6_stop(&client);
    assert_int_equal(client.state, DHCP6_S_IDLE);
    tn_advance_ms(5000);
    assert_int_equal(count_sent(DHCP6_SOLICIT), 1); /* stopped: no retransmission */
    start(&cfg);
    assert_int_equal(count_sent(DHCP6_SOLICIT), 2);
    /* a bad DUID in the config is refused */
    cfg.duid.len = 2;
    assert_int_equal(dhcp6_start(&client, &cfg), NB_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_solicit_bytes),
        cmocka_unit_test(test_build_request_decline_inforeq),
        cmocka_unit_test(test_rt_arithmetic),
        cmocka_unit_test(test_rt_from_seeded_drbg),
        cmocka_unit_test(test_advertise_better),
        cmocka_unit_test(test_duid_ll_uuid_iaid),
        cmocka_unit_test(test_duid_nv_pin),
        cmocka_unit_test(test_config_default),
        cmocka_unit_test_teardown(test_stateful_selection_and_request, teardown),
        cmocka_unit_test_teardown(test_preference_255, teardown),
        cmocka_unit_test_teardown(test_advertise_after_first_rt_and_noaddrs, teardown),
        cmocka_unit_test_teardown(test_rapid_commit, teardown),
        cmocka_unit_test_teardown(test_reply_status_codes, teardown),
        cmocka_unit_test_teardown(test_request_mrc, teardown),
        cmocka_unit_test_teardown(test_solicit_schedule, teardown),
        cmocka_unit_test_teardown(test_solicit_mrc_mrd, teardown),
        cmocka_unit_test_teardown(test_sol_max_rt, teardown),
        cmocka_unit_test_teardown(test_stateless, teardown),
        cmocka_unit_test_teardown(test_follow_ra, teardown),
        cmocka_unit_test_teardown(test_wait_for_link_local, teardown),
        cmocka_unit_test_teardown(test_reply_validation, teardown),
        cmocka_unit_test_teardown(test_decline_on_duplicate, teardown),
        cmocka_unit_test_teardown(test_identity_stable_across_runs, teardown),
        cmocka_unit_test_teardown(test_stop_and_restart, teardown),
    };
    /* hermetic: no DUID pinned in some ./nv changes what the tests see */
    if (!mkdtemp(nv_dir))
        return 1;
    host_nv_dir(nv_dir);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(nv_dir);
    return rc;
}
