/* boot/dhcp4_msg.c: DHCPv4 messages built byte by byte. */
#include "testutil.h"
#include <stdio.h>
#include "boot/dhcp4_msg.h"

#define ALL_ACK_HAVE                                                                   \
    (DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_SERVER_ID | DHCP4_HAVE_MASK | DHCP4_HAVE_ROUTER | \
     DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_TFTP_SERVER | DHCP4_HAVE_LEASE | DHCP4_HAVE_PXECLIENT)

static const uint8_t zero16[16];

/* Parse from an exact-size heap copy, so any over-read is an ASan report. */
static nb_err parse(const struct t_pkt *p, size_t len, struct dhcp4_msg *m)
{
    uint8_t *c = t_dup(p->b, len);
    memset(m, 0xa5, sizeof *m); /* the parser must clear what it does not set */
    nb_err e = dhcp4_parse(c, len, m);
    free(c);
    return e;
}

static void parse_ok(const struct t_pkt *p, struct dhcp4_msg *m)
{
    assert_int_equal(parse(p, p->len, m), NB_OK);
}

static void expect_err(const struct t_pkt *p, nb_err want)
{
    struct dhcp4_msg m;
    assert_int_equal(parse(p, p->len, &m), want);
}

/* A minimal ACK header with no options yet. */
static void begin_ack(struct t_pkt *p, const char *sname, const char *file)
{
    t4_begin(p, 2, T4_ACK_XID, t4_ack_yiaddr, t4_ack_server, t4_ack_mac, sname, file);
    t4_opt_u8(p, 53, 5);
}

static void test_full_ack(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    t4_build_ack(&p);
    parse_ok(&p, &m);
    assert_int_equal(m.op, 2);
    assert_int_equal(m.xid, T4_ACK_XID);
    assert_memory_equal(m.chaddr, t4_ack_mac, 6);
    assert_memory_equal(m.chaddr + 6, zero16, 10);
    assert_memory_equal(m.ciaddr, zero16, 4);
    assert_memory_equal(m.yiaddr, t4_ack_yiaddr, 4);
    assert_memory_equal(m.siaddr, t4_ack_server, 4);
    assert_memory_equal(m.giaddr, zero16, 4);
    assert_int_equal(m.have, ALL_ACK_HAVE);
    assert_int_equal(m.msg_type, 5);
    assert_memory_equal(m.server_id, t4_ack_server, 4);
    assert_memory_equal(m.mask, t4_ack_mask, 4);
    assert_memory_equal(m.router, t4_ack_router, 4);
    assert_int_equal(m.ndns, 2);
    assert_memory_equal(m.dns[0], t4_ack_dns, 4);
    assert_memory_equal(m.dns[1], t4_ack_dns + 4, 4);
    assert_memory_equal(m.dns[2], zero16, 4);
    assert_int_equal(m.lease_s, T4_ACK_LEASE);
    assert_string_equal(m.bootfile, T4_ACK_BOOTFILE);
    assert_string_equal(m.tftp_server, T4_ACK_TFTP);
}

static void test_fixed_fields(void **state)
{
    (void)state;
    static const uint8_t ci[4] = { 10, 0, 0, 1 }, gi[4] = { 10, 0, 0, 254 };
    struct t_pkt p;
    struct dhcp4_msg m;
    t4_begin(&p, 1, 0xfedcba98u, NULL, NULL, t4_ack_mac, NULL, NULL);
    memcpy(p.b + 12, ci, 4);
    memcpy(p.b + 24, gi, 4);
    memset(p.b + 28 + 6, 0xee, 10); /* chaddr is 16 bytes, all kept */
    parse_ok(&p, &m);               /* no options, no END: fine */
    assert_int_equal(m.op, 1);
    assert_int_equal(m.xid, 0xfedcba98u);
    assert_memory_equal(m.ciaddr, ci, 4);
    assert_memory_equal(m.giaddr, gi, 4);
    assert_memory_equal(m.yiaddr, zero16, 4);
    assert_memory_equal(m.chaddr, p.b + 28, 16);
    assert_int_equal(m.have, 0);
    assert_int_equal(m.ndns, 0);
    assert_int_equal(m.lease_s, 0);
    assert_string_equal(m.bootfile, "");
    assert_string_equal(m.tftp_server, "");
}

/* BOOTP-style: boot file and server name in the fixed fields. */
static void test_pxe_file_and_sname_fields(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    begin_ack(&p, "tftp.lab.example", "pxelinux/bootx64.efi");
    t4_end(&p);
    parse_ok(&p, &m);
    assert_int_equal(m.have, DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_TFTP_SERVER);
    assert_string_equal(m.bootfile, "pxelinux/bootx64.efi");
    assert_string_equal(m.tftp_server, "tftp.lab.example");

    /* Options 66/67 win over the fields. */
    begin_ack(&p, "from-sname", "from-file");
    t4_opt_str(&p, 66, "from-option-66");
    t4_opt_str(&p, 67, "from-option-67");
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "from-option-67");
    assert_string_equal(m.tftp_server, "from-option-66");

    /* Fields filled to the last byte, with no NUL. */
    char file[129], sname[65];
    memset(file, 'f', 128);
    file[128] = 0;
    memset(sname, 's', 64);
    sname[64] = 0;
    begin_ack(&p, sname, file);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, file);
    assert_string_equal(m.tftp_server, sname);

    /* Junk after the NUL in the file field is ignored. */
    begin_ack(&p, NULL, "boot.efi");
    memcpy(p.b + T4_FILE_OFF + 9, "\x01\x02junk", 6);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "boot.efi");
    assert_int_equal(m.have & DHCP4_HAVE_TFTP_SERVER, 0);

    /* Control characters in the fixed fields are rejected like in options. */
    begin_ack(&p, NULL, "pxe\tlinux.0");
    t4_end(&p);
    expect_err(&p, NB_E_MALFORMED);
    begin_ack(&p, "srv\x1b", NULL);
    t4_end(&p);
    expect_err(&p, NB_E_MALFORMED);
}

static void put_overload(struct t_pkt *p, uint8_t v) { t4_opt_u8(p, 52, v); }

/* Option 52: options continue in the file (1), sname (2) or both (3). */
static void test_option_overload(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    static const uint8_t in_file[] = { 67, 18, 'b', 'o', 'o', 't', '/', 'f', 'r', 'o', 'm', '-',
                                       'f', 'i', 'l', 'e', '.', 'e', 'f', 'i', 255 };
    static const uint8_t in_sname[] = { 0, 0, 66, 8, '1', '0', '.', '9', '.', '9', '.', '9',
                                        6, 4, 9, 9, 9, 9, 255 };

    /* 1: file holds options; sname still a plain name */
    begin_ack(&p, "plain-sname", NULL);
    memcpy(p.b + T4_FILE_OFF, in_file, sizeof in_file);
    put_overload(&p, 1);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "boot/from-file.efi");
    assert_string_equal(m.tftp_server, "plain-sname");
    assert_true(m.have & DHCP4_HAVE_BOOTFILE);

    /* 2: sname holds options; file still a plain name */
    begin_ack(&p, NULL, "plain-file.efi");
    memcpy(p.b + T4_SNAME_OFF, in_sname, sizeof in_sname);
    put_overload(&p, 2);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "plain-file.efi");
    assert_string_equal(m.tftp_server, "10.9.9.9");
    assert_int_equal(m.ndns, 1);
    assert_memory_equal(m.dns[0], "\x09\x09\x09\x09", 4);

    /* 3: both */
    begin_ack(&p, NULL, NULL);
    memcpy(p.b + T4_FILE_OFF, in_file, sizeof in_file);
    memcpy(p.b + T4_SNAME_OFF, in_sname, sizeof in_sname);
    put_overload(&p, 3);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "boot/from-file.efi");
    assert_string_equal(m.tftp_server, "10.9.9.9");
    assert_int_equal(m.have, DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_TFTP_SERVER);

    /* Overloaded file without option 67: no boot file, and the option
     * bytes are not taken for a file name. */
    begin_ack(&p, NULL, NULL);
    memcpy(p.b + T4_FILE_OFF, "\x06\x04\x01\x02\x03\x04\xff", 7);
    put_overload(&p, 1);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_int_equal(m.have & DHCP4_HAVE_BOOTFILE, 0);
    assert_string_equal(m.bootfile, "");
    assert_int_equal(m.ndns, 1);

    /* Option 52 inside the file area is not honoured (RFC 2131 4.1): the
     * sname field stays a name. */
    begin_ack(&p, "name-not-options", NULL);
    memcpy(p.b + T4_FILE_OFF, "\x34\x01\x03\xff", 4);
    put_overload(&p, 1);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_string_equal(m.tftp_server, "name-not-options");

    /* Overloaded areas fill their whole field with no END. */
    begin_ack(&p, NULL, NULL);
    p.b[T4_FILE_OFF] = 67;
    p.b[T4_FILE_OFF + 1] = 126;
    memset(p.b + T4_FILE_OFF + 2, 'x', 126);
    put_overload(&p, 1);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_int_equal(strlen(m.bootfile), 126);

    /* ... and one byte more runs past the file field. */
    p.b[T4_FILE_OFF + 1] = 127;
    expect_err(&p, NB_E_BAD_OPTION);
    /* A code in the last byte of sname with no room for its length. */
    begin_ack(&p, NULL, NULL);
    memset(p.b + T4_SNAME_OFF, 0, 64);
    p.b[T4_SNAME_OFF + 63] = 66;
    put_overload(&p, 2);
    t4_end(&p);
    expect_err(&p, NB_E_BAD_OPTION);

    /* Bad overload values and lengths. */
    static const uint8_t bad_vals[] = { 0, 4, 255 };
    for (size_t i = 0; i < T_ARRAY_LEN(bad_vals); i++) {
        begin_ack(&p, NULL, NULL);
        put_overload(&p, bad_vals[i]);
        t4_end(&p);
        expect_err(&p, NB_E_MALFORMED);
    }
    begin_ack(&p, NULL, NULL);
    t4_opt(&p, 52, "\x01\x01", 2);
    t4_end(&p);
    expect_err(&p, NB_E_MALFORMED);
    begin_ack(&p, NULL, NULL);
    t4_opt(&p, 52, NULL, 0);
    t4_end(&p);
    expect_err(&p, NB_E_MALFORMED);
}

static void test_pad_end_and_trailing_bytes(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    begin_ack(&p, NULL, NULL);
    t_zeros(&p, 5); /* pads between options */
    t4_opt(&p, 1, t4_ack_mask, 4);
    t_u8(&p, 0);
    t4_opt_str(&p, 67, "x.efi");
    t_zeros(&p, 3);
    t4_end(&p);
    t_zeros(&p, 40); /* padding to a minimum frame size */
    parse_ok(&p, &m);
    assert_int_equal(m.have, DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_MASK | DHCP4_HAVE_BOOTFILE);
    assert_string_equal(m.bootfile, "x.efi");

    /* Anything after END is not read: here an option whose length runs
     * far past the packet. */
    begin_ack(&p, NULL, NULL);
    t4_end(&p);
    t_u8(&p, 67);
    t_u8(&p, 200);
    t_put(&p, "abc", 3);
    parse_ok(&p, &m);
    assert_int_equal(m.have, DHCP4_HAVE_MSGTYPE);

    /* No END at all: the options simply stop at the end of the packet. */
    begin_ack(&p, NULL, NULL);
    t4_opt_str(&p, 67, "no-end.efi");
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "no-end.efi");

    /* Only pads. */
    t4_begin(&p, 2, 1, NULL, NULL, t4_ack_mac, NULL, NULL);
    t_zeros(&p, 60);
    parse_ok(&p, &m);
    assert_int_equal(m.have, 0);
}

static void test_truncated_and_bad_magic(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    t4_build_ack(&p);
    for (size_t len = 0; len < DHCP4_MIN_LEN; len++)
        assert_int_equal(parse(&p, len, &m), NB_E_TRUNCATED);
    assert_int_equal(parse(&p, DHCP4_MIN_LEN, &m), NB_OK); /* header and cookie only */
    assert_int_equal(m.have, 0);
    assert_int_equal(m.xid, T4_ACK_XID);

    for (size_t i = 0; i < 4; i++) {
        static const uint8_t flips[] = { 0x01, 0x80, 0xff };
        for (size_t f = 0; f < T_ARRAY_LEN(flips); f++) {
            t4_build_ack(&p);
            p.b[DHCP4_FIXED_LEN + i] ^= flips[f];
            expect_err(&p, NB_E_BAD_MAGIC);
        }
    }
    /* A BOOTP vendor area of zeros (no cookie). */
    t4_build_ack(&p);
    memset(p.b + DHCP4_FIXED_LEN, 0, 4);
    expect_err(&p, NB_E_BAD_MAGIC);
}

static void test_option_past_end(void **state)
{
    (void)state;
    struct t_pkt p;
    begin_ack(&p, NULL, NULL);
    t_u8(&p, 67);
    t_u8(&p, 10);
    t_put(&p, "short", 5); /* 5 of 10 bytes */
    expect_err(&p, NB_E_BAD_OPTION);

    begin_ack(&p, NULL, NULL);
    t_u8(&p, 12); /* a code as the very last byte */
    expect_err(&p, NB_E_BAD_OPTION);

    begin_ack(&p, NULL, NULL);
    t_u8(&p, 1);
    t_u8(&p, 255); /* length 255, nothing follows */
    expect_err(&p, NB_E_BAD_OPTION);

    /* Exactly to the end is fine. */
    begin_ack(&p, NULL, NULL);
    t_u8(&p, 43);
    t_u8(&p, 3);
    t_put(&p, "abc", 3);
    struct dhcp4_msg m;
    parse_ok(&p, &m);
}

static void one_option(struct t_pkt *p, uint8_t code, const void *d, size_t n)
{
    begin_ack(p, NULL, NULL);
    t4_opt(p, code, d, n);
    t4_end(p);
}

static void test_fixed_length_options(void **state)
{
    (void)state;
    static const uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    static const struct {
        uint8_t code;
        size_t good;
    } fixed[] = { { 53, 1 }, { 54, 4 }, { 1, 4 }, { 51, 4 } };
    struct t_pkt p;
    struct dhcp4_msg m;
    for (size_t i = 0; i < T_ARRAY_LEN(fixed); i++) {
        for (size_t n = 0; n <= 8; n++) {
            one_option(&p, fixed[i].code, data, n);
            if (n == fixed[i].good) {
                parse_ok(&p, &m);
            } else {
                assert_int_equal(parse(&p, p.len, &m), NB_E_MALFORMED);
            }
        }
    }
    one_option(&p, 51, "\xff\xff\xff\xff", 4); /* infinite lease */
    parse_ok(&p, &m);
    assert_int_equal(m.lease_s, 0xffffffffu);
    assert_true(m.have & DHCP4_HAVE_LEASE);
    one_option(&p, 53, "\x02", 1);
    parse_ok(&p, &m);
    assert_int_equal(m.msg_type, 2); /* the last 53 wins */
}

static void test_router_and_dns_lists(void **state)
{
    (void)state;
    uint8_t d[20];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i + 1);
    struct t_pkt p;
    struct dhcp4_msg m;
    for (size_t n = 0; n <= sizeof d; n++) {
        int good = n >= 4 && n % 4 == 0;
        one_option(&p, 3, d, n);
        assert_int_equal(parse(&p, p.len, &m), good ? NB_OK : NB_E_MALFORMED);
        if (good) {
            assert_memory_equal(m.router, d, 4); /* the first router */
            assert_true(m.have & DHCP4_HAVE_ROUTER);
        }
        one_option(&p, 6, d, n);
        assert_int_equal(parse(&p, p.len, &m), good ? NB_OK : NB_E_MALFORMED);
        if (good) {
            unsigned want = n / 4 < 3 ? (unsigned)(n / 4) : 3;
            assert_int_equal(m.ndns, want);
            assert_memory_equal(m.dns, d, 4 * want);
        }
    }
    /* Several option 6 instances add up, to at most three. */
    begin_ack(&p, NULL, NULL);
    t4_opt(&p, 6, d, 8);
    t4_opt(&p, 6, d + 8, 4);
    t4_opt(&p, 6, d + 12, 8);
    t4_end(&p);
    parse_ok(&p, &m);
    assert_int_equal(m.ndns, 3);
    assert_memory_equal(m.dns, d, 12);
}

static void test_bootfile_strings(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    static const char *const bad[] = { "boot\x01.efi", "\x7f", "a\nb", "tab\there", "\x1f" };
    for (size_t i = 0; i < T_ARRAY_LEN(bad); i++) {
        one_option(&p, 67, bad[i], strlen(bad[i]));
        expect_err(&p, NB_E_MALFORMED);
        one_option(&p, 66, bad[i], strlen(bad[i]));
        expect_err(&p, NB_E_MALFORMED);
    }
    one_option(&p, 67, "a\0b", 3); /* an embedded NUL */
    expect_err(&p, NB_E_MALFORMED);

    /* Trailing NULs (some servers count the terminator) are accepted. */
    one_option(&p, 67, "nearboot.efi", 13);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "nearboot.efi");
    one_option(&p, 67, "two.efi\0\0", 9);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "two.efi");
    one_option(&p, 66, "10.0.0.1", 9);
    parse_ok(&p, &m);
    assert_string_equal(m.tftp_server, "10.0.0.1");

    /* The longest option: 255 bytes. */
    char longest[255];
    memset(longest, 'L', sizeof longest);
    one_option(&p, 67, longest, sizeof longest);
    parse_ok(&p, &m);
    assert_int_equal(strlen(m.bootfile), 255);

    /* Bytes >= 0x80 (UTF-8 names) pass through. */
    one_option(&p, 67, "caf\xc3\xa9.efi", 9);
    parse_ok(&p, &m);
    assert_string_equal(m.bootfile, "caf\xc3\xa9.efi");
}

static void test_pxeclient_class(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    one_option(&p, 60, "PXEClient:Arch:00007:UNDI:003016", 32);
    parse_ok(&p, &m);
    assert_true(m.have & DHCP4_HAVE_PXECLIENT);
    one_option(&p, 60, "PXEClient", 9);
    parse_ok(&p, &m);
    assert_true(m.have & DHCP4_HAVE_PXECLIENT);
    static const char *const not_pxe[] = { "PXEClien", "pxeclient", "HTTPClient", "" };
    for (size_t i = 0; i < T_ARRAY_LEN(not_pxe); i++) {
        one_option(&p, 60, not_pxe[i], strlen(not_pxe[i]));
        parse_ok(&p, &m);
        assert_int_equal(m.have & DHCP4_HAVE_PXECLIENT, 0);
    }
}

/* A cut-short message either fails or says the same as the whole one, with
 * some of the options missing; never more, never different. */
static void expect_consistent(const struct dhcp4_msg *t, const struct dhcp4_msg *full)
{
    assert_int_equal(t->op, full->op);
    assert_int_equal(t->xid, full->xid);
    assert_memory_equal(t->chaddr, full->chaddr, 16);
    assert_memory_equal(t->yiaddr, full->yiaddr, 4);
    assert_memory_equal(t->siaddr, full->siaddr, 4);
    assert_int_equal(t->have & ~full->have, 0);
    if (t->have & DHCP4_HAVE_MSGTYPE)
        assert_int_equal(t->msg_type, full->msg_type);
    if (t->have & DHCP4_HAVE_SERVER_ID)
        assert_memory_equal(t->server_id, full->server_id, 4);
    if (t->have & DHCP4_HAVE_MASK)
        assert_memory_equal(t->mask, full->mask, 4);
    if (t->have & DHCP4_HAVE_ROUTER)
        assert_memory_equal(t->router, full->router, 4);
    if (t->have & DHCP4_HAVE_LEASE)
        assert_int_equal(t->lease_s, full->lease_s);
    assert_true(t->ndns == 0 || t->ndns == full->ndns);
    assert_memory_equal(t->dns, full->dns, 4 * t->ndns);
    assert_string_equal(t->bootfile, (t->have & DHCP4_HAVE_BOOTFILE) ? full->bootfile : "");
    assert_string_equal(t->tftp_server,
                        (t->have & DHCP4_HAVE_TFTP_SERVER) ? full->tftp_server : "");
}

static void check_every_truncation(const struct t_pkt *p, int any_error, unsigned *ok,
                                   unsigned *bad)
{
    struct dhcp4_msg full, m;
    parse_ok(p, &full);
    for (size_t len = 0; len <= p->len; len++) {
        nb_err e = parse(p, len, &m);
        if (e == NB_OK) {
            expect_consistent(&m, &full);
            ++*ok;
        } else {
            assert_true(any_error || e == NB_E_TRUNCATED || e == NB_E_BAD_OPTION);
            assert_true(len >= DHCP4_MIN_LEN || e == NB_E_TRUNCATED);
            ++*bad;
        }
    }
}

static void test_every_truncation(void **state)
{
    (void)state;
    struct t_pkt p;
    unsigned ok = 0, bad = 0;
    t4_build_ack(&p);
    check_every_truncation(&p, 0, &ok, &bad);
    /* 240 + one per option boundary (9 options, the END) succeed. */
    assert_int_equal(ok, 11);
    assert_int_equal(ok + bad, p.len + 1);

    /* With the boot file in an overloaded file field. Cut before option 52,
     * the file field reads as a name full of option bytes: MALFORMED. */
    static const uint8_t in_file[] = { 67, 5, 'a', '.', 'e', 'f', 'i', 255 };
    begin_ack(&p, "sname", NULL);
    memcpy(p.b + T4_FILE_OFF, in_file, sizeof in_file);
    put_overload(&p, 1);
    t4_opt(&p, 6, t4_ack_dns, 8);
    t4_end(&p);
    ok = bad = 0;
    check_every_truncation(&p, 1, &ok, &bad);
    assert_int_equal(ok, 3); /* cut after 52, after 6, after END */
    assert_int_equal(ok + bad, p.len + 1);
}

/* Every byte of the ACK set to a few values: no over-read, and whatever
 * parses has terminated strings and ndns <= 3. */
static void test_single_byte_mutations(void **state)
{
    (void)state;
    struct t_pkt p, orig;
    struct dhcp4_msg m;
    static const uint8_t vals[] = { 0x00, 0x01, 0x04, 0x34, 0x7f, 0x80, 0xfe, 0xff };
    t4_build_ack(&orig);
    unsigned ok = 0;
    for (size_t i = 0; i < orig.len; i++) {
        for (size_t v = 0; v < T_ARRAY_LEN(vals); v++) {
            p = orig;
            p.b[i] = vals[v];
            if (parse(&p, p.len, &m) != NB_OK)
                continue;
            ok++;
            assert_true(m.ndns <= 3);
            assert_true(memchr(m.bootfile, 0, sizeof m.bootfile) != NULL);
            assert_true(memchr(m.tftp_server, 0, sizeof m.tftp_server) != NULL);
        }
    }
    assert_true(ok > orig.len); /* most mutations of the fixed part still parse */
}

/* A dnsmasq-style PXE ACK: options in the order dnsmasq sends them,
 * vendor-encapsulated PXE options (43), a lease, renewal and rebinding
 * times, the boot file in the file field and siaddr as the TFTP server. */
static void test_dnsmasq_style_ack(void **state)
{
    (void)state;
    struct t_pkt p;
    struct dhcp4_msg m;
    static const uint8_t yi[4] = { 10, 0, 2, 15 }, srv[4] = { 10, 0, 2, 2 };
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    static const uint8_t pxe43[] = { 6, 1, 8, 10, 4, 0, 'P', 'X', 'E', 255 };
    t4_begin(&p, 2, 0x5a9d3c01u, yi, srv, mac, NULL, "ipxe.efi");
    t4_opt_u8(&p, 53, 5);
    t4_opt(&p, 54, srv, 4);
    t4_opt(&p, 51, "\x00\x00\x0e\x10", 4);
    t4_opt(&p, 58, "\x00\x00\x07\x08", 4);
    t4_opt(&p, 59, "\x00\x00\x0c\x4e", 4);
    t4_opt(&p, 1, "\xff\xff\xff\x00", 4);
    t4_opt(&p, 28, "\x0a\x00\x02\xff", 4);
    t4_opt(&p, 3, srv, 4);
    t4_opt(&p, 6, "\x0a\x00\x02\x03", 4);
    t4_opt_str(&p, 15, "lab.example");
    t4_opt_str(&p, 60, "PXEClient");
    t4_opt(&p, 97, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 17);
    t4_opt(&p, 43, pxe43, sizeof pxe43);
    t4_end(&p);
    if (p.len < 300)
        t_zeros(&p, 300 - p.len); /* dnsmasq pads to 300 bytes */
    parse_ok(&p, &m);
    assert_int_equal(m.msg_type, 5);
    assert_int_equal(m.xid, 0x5a9d3c01u);
    assert_memory_equal(m.yiaddr, yi, 4);
    assert_memory_equal(m.server_id, srv, 4);
    assert_int_equal(m.lease_s, 3600);
    assert_memory_equal(m.mask, "\xff\xff\xff\x00", 4);
    assert_int_equal(m.ndns, 1);
    assert_string_equal(m.bootfile, "ipxe.efi");
    assert_string_equal(m.tftp_server, "");
    /* (Only the facts tested here: options 15, 28, 43, 58 and 59 may set
     * bits of their own.) */
    assert_int_equal(m.have & ALL_ACK_HAVE, DHCP4_HAVE_MSGTYPE | DHCP4_HAVE_SERVER_ID |
                                                DHCP4_HAVE_MASK | DHCP4_HAVE_ROUTER |
                                                DHCP4_HAVE_BOOTFILE | DHCP4_HAVE_LEASE |
                                                DHCP4_HAVE_PXECLIENT);
}

/* The fuzz seeds (firmware/fuzz/make-seeds.py) are these same bytes. */
static void test_fuzz_seed_matches(void **state)
{
    (void)state;
    struct t_pkt p;
    uint8_t file[sizeof p.b];
    t4_build_ack(&p);
    FILE *f = fopen("firmware/fuzz/corpus/fuzz_dhcp4_msg/ack.bin", "rb");
    assert_non_null(f);
    size_t n = fread(file, 1, sizeof file, f);
    fclose(f);
    assert_int_equal(n, p.len);
    assert_memory_equal(file, p.b, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_ack),
        cmocka_unit_test(test_fixed_fields),
        cmocka_unit_test(test_pxe_file_and_sname_fields),
        cmocka_unit_test(test_option_overload),
        cmocka_unit_test(test_pad_end_and_trailing_bytes),
        cmocka_unit_test(test_truncated_and_bad_magic),
        cmocka_unit_test(test_option_past_end),
        cmocka_unit_test(test_fixed_length_options),
        cmocka_unit_test(test_router_and_dns_lists),
        cmocka_unit_test(test_bootfile_strings),
        cmocka_unit_test(test_pxeclient_class),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_single_byte_mutations),
        cmocka_unit_test(test_dnsmasq_style_ack),
        cmocka_unit_test(test_fuzz_seed_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
