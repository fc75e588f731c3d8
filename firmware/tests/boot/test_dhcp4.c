/* boot/dhcp4.c: the client's messages byte by byte, and its state machine
 * driven through the test netdev with a fake clock: DISCOVER, OFFER (with and
 * without boot information, proxyDHCP), REQUEST, ACK, the ARP conflict check
 * and DECLINE, NAK, INIT-REBOOT, unicast REQUEST, retransmission timing. */
#include "testutil.h"
#include "testnet.h"
#include "boot/dhcp4.h"
#include "boot/dhcp4_msg.h"
#include "net/bytes.h"
#include "net/netif.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xb0, 0x07, 0x01 };
static const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0x99, 0x00, 0x01 };
static const uint8_t srv[4] = { 198, 18, 1, 1 }, offered[4] = { 198, 18, 1, 108 };
static struct dhcp4_client c;

static struct dhcp4_ident ident(void)
{
    struct dhcp4_ident id = { .arch = 0x0007, .have_uuid = 1 };
    memcpy(id.mac, mac, 6);
    for (int i = 0; i < 16; i++)
        id.uuid[i] = (uint8_t)(0xa0 + i);
    return id;
}

/* The last DHCP message we sent (UDP 68 -> 67 or 4011), parsed. */
static const uint8_t *last_dhcp(size_t *len, uint8_t dst[4], uint16_t *dport)
{
    for (unsigned i = tn_tx_count(); i-- > 0;) {
        size_t l;
        uint8_t s[4];
        const uint8_t *u = tn_ip4_payload(tn_tx(i), 17, &l, s, dst);
        if (u && l > 8 && get16(u) == 68) {
            *dport = get16(u + 2);
            *len = l - 8;
            return u + 8;
        }
    }
    return NULL;
}

/* Find option code in a message we built; NULL if absent. */
static const uint8_t *opt(const uint8_t *m, size_t len, uint8_t code, uint8_t *olen)
{
    for (size_t i = DHCP4_MIN_LEN; i < len;) {
        if (m[i] == 0) { i++; continue; }
        if (m[i] == 255 || i + 1 >= len)
            return NULL;
        if (m[i] == code) {
            *olen = m[i + 1];
            return m + i + 2;
        }
        i += 2u + m[i + 1];
    }
    return NULL;
}

/* DHCP messages we sent so far (IPv6 start-up traffic is ignored). */
static unsigned dhcp_sent(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tn_tx_count(); i++) {
        size_t l;
        const uint8_t *u = tn_ip4_payload(tn_tx(i), 17, &l, NULL, NULL);
        n += u && l > 8 && get16(u) == 68;
    }
    return n;
}

static uint8_t msg_type(const uint8_t *m, size_t len)
{
    uint8_t l;
    const uint8_t *o = opt(m, len, 53, &l);
    return o && l == 1 ? o[0] : 0;
}

/* A server reply to us: type, yiaddr, with or without a boot file. */
static void reply(uint8_t type, const uint8_t yiaddr[4], uint32_t xid, const char *bootfile, int pxe_vendor)
{
    struct t_pkt p = { .len = 0 };
    uint8_t hdr[DHCP4_MIN_LEN] = { 2, 1, 6, 0 };
    put32(hdr + 4, xid);
    memcpy(hdr + 16, yiaddr, 4);
    memcpy(hdr + 20, srv, 4);
    memcpy(hdr + 28, mac, 6);
    if (bootfile)
        memcpy(hdr + 108, bootfile, strlen(bootfile));
    put32(hdr + 236, 0x63825363u);
    t_put(&p, hdr, sizeof hdr);
    uint8_t o[] = { 53, 1, type, 54, 4, srv[0], srv[1], srv[2], srv[3], 1, 4, 255, 255, 255, 0,
                    3, 4, srv[0], srv[1], srv[2], srv[3], 51, 4, 0, 0, 2, 88 };
    t_put(&p, o, sizeof o);
    if (pxe_vendor) {
        static const uint8_t v[] = { 60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't' };
        t_put(&p, v, sizeof v);
    }
    t_u8(&p, 255);
    uint8_t udp[8 + sizeof p.b];
    put16(udp, 67);
    put16(udp + 2, 68);
    put16(udp + 4, (uint16_t)(8 + p.len));
    put16(udp + 6, 0); /* no checksum: allowed on IPv4 */
    memcpy(udp + 8, p.b, p.len);
    static uint8_t frame[2048];
    static const uint8_t bcast[4] = { 255, 255, 255, 255 };
    size_t n = tn_ip4_frame(frame, srv_mac, mac, srv, bcast, 17, udp, 8 + p.len);
    tn_rx(frame, n);
}

static void setup_client(void)
{
    tn_up(mac, 1500);
}

static void test_discover_options(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    size_t len;
    uint8_t dst[4], l;
    uint16_t dport;
    const uint8_t *m = last_dhcp(&len, dst, &dport);
    assert_non_null(m);
    assert_int_equal(dport, 67);
    assert_memory_equal(dst, "\xff\xff\xff\xff", 4);
    assert_int_equal(m[0], 1); /* BOOTREQUEST */
    assert_memory_equal(m + 28, mac, 6);
    assert_int_equal(msg_type(m, len), 1);
    assert_true(len >= 300); /* BOOTP minimum for old relays */
    const uint8_t *o = opt(m, len, 60, &l);
    assert_non_null(o);
    assert_int_equal(l, 32);
    assert_memory_equal(o, "PXEClient:Arch:00007:UNDI:003016", 32);
    o = opt(m, len, 93, &l);
    assert_true(o && l == 2 && o[0] == 0 && o[1] == 7);
    o = opt(m, len, 94, &l);
    assert_true(o && l == 3 && o[0] == 1 && o[1] == 3 && o[2] == 16);
    o = opt(m, len, 97, &l);
    assert_true(o && l == 17 && o[0] == 0 && o[1] == 0xa0 && o[16] == 0xaf);
    o = opt(m, len, 61, &l);
    assert_true(o && l == 7 && o[0] == 1 && memcmp(o + 1, mac, 6) == 0);
    o = opt(m, len, 77, &l);
    assert_true(o && l == 9 && o[0] == 8 && memcmp(o + 1, "nearboot", 8) == 0);
    o = opt(m, len, 55, &l);
    assert_non_null(o);
    int has67 = 0, has224 = 0;
    for (unsigned i = 0; i < l; i++) {
        has67 |= o[i] == 67;
        has224 |= o[i] == 224;
    }
    assert_true(has67 && has224);
    assert_null(opt(m, len, 50, &l)); /* no requested address in a DISCOVER */
    dhcp4_stop(&c);
}

static void test_offer_with_boot_info_requests_at_once(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    tn_tx_clear();
    reply(2, offered, c.xid, "nearboot.efi", 0);
    size_t len;
    uint8_t dst[4], l;
    uint16_t dport;
    const uint8_t *m = last_dhcp(&len, dst, &dport);
    assert_non_null(m);
    assert_int_equal(msg_type(m, len), 3);
    const uint8_t *o = opt(m, len, 54, &l);
    assert_true(o && l == 4 && memcmp(o, srv, 4) == 0);
    o = opt(m, len, 50, &l);
    assert_true(o && l == 4 && memcmp(o, offered, 4) == 0);
    /* ACK: the ARP conflict probe, then BOUND with the interface configured */
    tn_tx_clear();
    reply(5, offered, c.xid, "nearboot.efi", 0);
    assert_int_equal(c.state, DHCP4_PROBING);
    assert_true(tn_is_arp_request(tn_tx(0), offered));
    assert_memory_equal(tn_tx(0)->b + 14 + 14, "\0\0\0\0", 4); /* RFC 5227 probe: sender 0.0.0.0 */
    tn_advance_ms(250);
    assert_int_equal(c.state, DHCP4_BOUND);
    struct dhcp4_lease lease;
    assert_int_equal(dhcp4_result(&c, &lease), NB_OK);
    assert_memory_equal(lease.addr, offered, 4);
    assert_string_equal(lease.bootfile, "nearboot.efi");
    assert_int_equal(lease.lease_s, 600);
    assert_int_equal(lease.t1_s, 300); /* no option 58: half the lease */
    assert_true(net_if()->ip4_up);
    assert_memory_equal(net_if()->ip4, offered, 4);
    dhcp4_stop(&c);
}

static void test_offer_without_boot_info_waits_then_requests(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    tn_tx_clear();
    reply(2, offered, c.xid, NULL, 0);
    assert_int_equal(c.state, DHCP4_SELECTING); /* waiting for a better offer or a proxy */
    tn_advance_ms(400);
    assert_int_equal(c.state, DHCP4_SELECTING);
    tn_advance_ms(200); /* offer_wait_ms (500) passed */
    assert_int_equal(c.state, DHCP4_REQUESTING);
    dhcp4_stop(&c);
}

static void test_proxy_offer_supplies_the_boot_file(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    static const uint8_t none[4];
    reply(2, offered, c.xid, NULL, 0);               /* address only */
    reply(2, none, c.xid, "proxy/boot.efi", 1);      /* proxyDHCP: boot file, no address */
    assert_int_equal(c.state, DHCP4_REQUESTING);      /* boot info known: no more waiting */
    reply(5, offered, c.xid, NULL, 0);
    tn_advance_ms(250);
    struct dhcp4_lease lease;
    assert_int_equal(dhcp4_result(&c, &lease), NB_OK);
    assert_string_equal(lease.bootfile, "proxy/boot.efi");
    assert_int_equal(lease.boot_from_proxy, 1);
    dhcp4_stop(&c);
}

static void test_conflict_declines_and_restarts(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    reply(2, offered, c.xid, "nearboot.efi", 0);
    reply(5, offered, c.xid, "nearboot.efi", 0);
    static const uint8_t other_mac[6] = { 0x02, 1, 2, 3, 4, 5 };
    static const uint8_t zero[4];
    tn_arp_reply(offered, other_mac, zero, mac); /* someone already has it */
    tn_tx_clear();
    tn_advance_ms(250);
    size_t len;
    uint8_t dst[4];
    uint16_t dport;
    const uint8_t *m = last_dhcp(&len, dst, &dport);
    assert_non_null(m);
    assert_int_equal(msg_type(m, len), 4); /* DECLINE */
    assert_int_equal(c.state, DHCP4_DECLINED);
    assert_false(net_if()->ip4_up);
    tn_advance_ms(1000);
    assert_int_equal(c.state, DHCP4_SELECTING); /* DISCOVER again, a new xid */
    dhcp4_stop(&c);
}

static void test_retransmission_schedule(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    struct dhcp4_params p;
    dhcp4_params_default(&p);
    assert_int_equal(dhcp4_start(&c, &id, &p), NB_OK);
    /* RFC 2131 4.1: 4 s, 8 s, 16 s, 32 s, each +-1 s */
    uint64_t t = tn_now_us();
    unsigned sent = dhcp_sent();
    assert_int_equal(sent, 1);
    uint64_t gaps[4];
    for (unsigned k = 0; k < 4; k++) {
        uint64_t t0 = t;
        while (sent == dhcp_sent()) {
            tn_advance_ms(10);
            if (tn_now_us() - t0 > 40000000u)
                fail();
        }
        sent = dhcp_sent();
        gaps[k] = tn_now_us() - t0;
        t = tn_now_us();
    }
    static const uint64_t base[4] = { 4000000, 8000000, 16000000, 32000000 };
    for (int k = 0; k < 4; k++)
        assert_true(gaps[k] >= base[k] - 1000000 - 10000 && gaps[k] <= base[k] + 1000000 + 10000);
    dhcp4_stop(&c);
}

static void test_reboot_nak_fails(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    struct dhcp4_lease known = { 0 };
    memcpy(known.addr, offered, 4);
    assert_int_equal(dhcp4_start_reboot(&c, &id, NULL, &known), NB_OK);
    size_t len;
    uint8_t dst[4], l;
    uint16_t dport;
    const uint8_t *m = last_dhcp(&len, dst, &dport);
    assert_int_equal(msg_type(m, len), 3);
    assert_null(opt(m, len, 54, &l)); /* INIT-REBOOT: no server id */
    const uint8_t *o = opt(m, len, 50, &l);
    assert_true(o && memcmp(o, offered, 4) == 0);
    reply(6, (const uint8_t[4]){ 0 }, c.xid, NULL, 0);
    assert_int_equal(c.state, DHCP4_FAILED);
    struct dhcp4_lease out;
    assert_int_equal(dhcp4_result(&c, &out), NB_E_DHCP_NAK);
    dhcp4_stop(&c);
}

static void test_replies_for_others_are_ignored(void **state)
{
    (void)state;
    setup_client();
    struct dhcp4_ident id = ident();
    assert_int_equal(dhcp4_start(&c, &id, NULL), NB_OK);
    reply(2, offered, c.xid ^ 1, "nearboot.efi", 0); /* another xid */
    reply(5, offered, c.xid, "nearboot.efi", 0);     /* an ACK while selecting */
    assert_int_equal(c.state, DHCP4_SELECTING);
    dhcp4_stop(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_options),
        cmocka_unit_test(test_offer_with_boot_info_requests_at_once),
        cmocka_unit_test(test_offer_without_boot_info_waits_then_requests),
        cmocka_unit_test(test_proxy_offer_supplies_the_boot_file),
        cmocka_unit_test(test_conflict_declines_and_restarts),
        cmocka_unit_test(test_retransmission_schedule),
        cmocka_unit_test(test_reboot_nak_fails),
        cmocka_unit_test(test_replies_for_others_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
