/*
 * Shared helpers for the unit tests (header-only): a byte-level packet
 * builder for DHCPv4 and DHCPv6 messages, and an exact-size heap copy so
 * AddressSanitizer catches any read one byte past a packet.
 */
#ifndef NB_TESTUTIL_H
#define NB_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define T_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct t_pkt {
    uint8_t b[2048];
    size_t len;
};

static inline void t_put(struct t_pkt *p, const void *d, size_t n)
{
    assert_true(p->len + n <= sizeof p->b);
    if (n)
        memcpy(p->b + p->len, d, n);
    p->len += n;
}

static inline void t_u8(struct t_pkt *p, uint8_t v) { t_put(p, &v, 1); }

static inline void t_be16(struct t_pkt *p, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    t_put(p, b, 2);
}

static inline void t_be32(struct t_pkt *p, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    t_put(p, b, 4);
}

static inline void t_zeros(struct t_pkt *p, size_t n)
{
    assert_true(p->len + n <= sizeof p->b);
    memset(p->b + p->len, 0, n);
    p->len += n;
}

/* A copy of exactly n bytes on the heap (free it): reads past the end of a
 * packet become ASan reports instead of silently reading a bigger buffer. */
static inline uint8_t *t_dup(const uint8_t *d, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, d, n);
    return c;
}

/* ---------------------------------------------------------------- DHCPv4 */

#define T4_SNAME_OFF 44u
#define T4_FILE_OFF 108u
#define T4_OPTS_OFF 240u

/* Fixed BOOTP part (op..file) plus the magic cookie; options follow.
 * sname/file are copied as C strings (NULL: left zero). */
static inline void t4_begin(struct t_pkt *p, uint8_t op, uint32_t xid, const uint8_t yiaddr[4],
                            const uint8_t siaddr[4], const uint8_t mac[6], const char *sname,
                            const char *file)
{
    static const uint8_t zero4[4];
    p->len = 0;
    t_u8(p, op);
    t_u8(p, 1);  /* htype ethernet */
    t_u8(p, 6);  /* hlen */
    t_u8(p, 0);  /* hops */
    t_be32(p, xid);
    t_be16(p, 0);      /* secs */
    t_be16(p, 0x8000); /* flags: broadcast */
    t_put(p, zero4, 4);                   /* ciaddr */
    t_put(p, yiaddr ? yiaddr : zero4, 4); /* yiaddr */
    t_put(p, siaddr ? siaddr : zero4, 4); /* siaddr */
    t_put(p, zero4, 4);                   /* giaddr */
    t_put(p, mac, 6);
    t_zeros(p, 10);  /* chaddr padding */
    t_zeros(p, 64);  /* sname */
    t_zeros(p, 128); /* file */
    if (sname)
        memcpy(p->b + T4_SNAME_OFF, sname, strnlen(sname, 64));
    if (file)
        memcpy(p->b + T4_FILE_OFF, file, strnlen(file, 128));
    t_be32(p, 0x63825363u);
    assert_int_equal(p->len, T4_OPTS_OFF);
}

static inline void t4_opt(struct t_pkt *p, uint8_t code, const void *d, size_t n)
{
    assert_true(n <= 255);
    t_u8(p, code);
    t_u8(p, (uint8_t)n);
    t_put(p, d, n);
}

static inline void t4_opt_u8(struct t_pkt *p, uint8_t code, uint8_t v) { t4_opt(p, code, &v, 1); }

static inline void t4_opt_str(struct t_pkt *p, uint8_t code, const char *s)
{
    t4_opt(p, code, s, strlen(s));
}

static inline void t4_end(struct t_pkt *p) { t_u8(p, 255); }

/* The reference DHCPACK used by several tests (and, byte for byte, by
 * firmware/fuzz/make-seeds.py): a PXE server's answer for lab site A. */
static const uint8_t t4_ack_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t t4_ack_yiaddr[4] = { 198, 18, 1, 100 };
static const uint8_t t4_ack_server[4] = { 198, 18, 255, 69 };
static const uint8_t t4_ack_mask[4] = { 255, 255, 0, 0 };
static const uint8_t t4_ack_router[4] = { 198, 18, 0, 1 };
static const uint8_t t4_ack_dns[8] = { 198, 18, 0, 53, 198, 18, 0, 54 };
#define T4_ACK_XID 0x1a2b3c4du
#define T4_ACK_LEASE 3600u
#define T4_ACK_BOOTFILE "nearboot/stage1.efi"
#define T4_ACK_TFTP "198.18.255.69"

static inline void t4_build_ack(struct t_pkt *p)
{
    static const uint8_t lease[4] = { 0, 0, 0x0e, 0x10 }; /* 3600 */
    t4_begin(p, 2, T4_ACK_XID, t4_ack_yiaddr, t4_ack_server, t4_ack_mac, NULL, NULL);
    t4_opt_u8(p, 53, 5); /* DHCPACK */
    t4_opt(p, 54, t4_ack_server, 4);
    t4_opt(p, 51, lease, 4);
    t4_opt(p, 1, t4_ack_mask, 4);
    t4_opt(p, 3, t4_ack_router, 4);
    t4_opt(p, 6, t4_ack_dns, 8);
    t4_opt_str(p, 60, "PXEClient");
    t4_opt_str(p, 66, T4_ACK_TFTP);
    t4_opt_str(p, 67, T4_ACK_BOOTFILE);
    t4_end(p);
}

/* ---------------------------------------------------------------- DHCPv6 */

static inline void t6_begin(struct t_pkt *p, uint8_t type, uint32_t xid)
{
    p->len = 0;
    t_u8(p, type);
    t_u8(p, (uint8_t)(xid >> 16));
    t_u8(p, (uint8_t)(xid >> 8));
    t_u8(p, (uint8_t)xid);
}

static inline void t6_opt(struct t_pkt *p, uint16_t code, const void *d, size_t n)
{
    assert_true(n <= 0xffff);
    t_be16(p, code);
    t_be16(p, (uint16_t)n);
    t_put(p, d, n);
}

/* Nested options: open returns the offset of the header, close patches the
 * length to cover everything appended since. */
static inline size_t t6_open(struct t_pkt *p, uint16_t code)
{
    size_t at = p->len;
    t_be16(p, code);
    t_be16(p, 0);
    return at;
}

static inline void t6_close(struct t_pkt *p, size_t at)
{
    size_t n = p->len - at - 4;
    assert_true(n <= 0xffff);
    p->b[at + 2] = (uint8_t)(n >> 8);
    p->b[at + 3] = (uint8_t)n;
}

static inline void t6_status(struct t_pkt *p, uint16_t code, const char *msg)
{
    size_t at = t6_open(p, 13);
    t_be16(p, code);
    t_put(p, msg, strlen(msg));
    t6_close(p, at);
}

/* The reference DHCPv6 REPLY (same bytes as make-seeds.py). */
static const uint8_t t6_client_duid[14] = { 0, 1, 0, 1, 0x2c, 0x6b, 0x1e, 0x00,
                                            0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t t6_server_duid[10] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0xff, 0x00, 0x69 };
static const uint8_t t6_addr[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0x01, 0x00 };
static const uint8_t t6_dns[32] = { 0xfd, 0x00, 0xb0, 0x07, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x53,
                                    0xfd, 0x00, 0xb0, 0x07, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x54 };
#define T6_XID 0xabcdefu
#define T6_IAID 0x00123456u
#define T6_PREFERRED 1800u
#define T6_VALID 3600u
#define T6_URL "tftp://[fd00:b007:0:ffff::69]/nearboot/stage1.efi"

static inline void t6_build_reply(struct t_pkt *p, uint8_t type)
{
    t6_begin(p, type, T6_XID);
    t6_opt(p, 1, t6_client_duid, sizeof t6_client_duid);
    t6_opt(p, 2, t6_server_duid, sizeof t6_server_duid);
    size_t ia = t6_open(p, 3);
    t_be32(p, T6_IAID);
    t_be32(p, 900);  /* T1 */
    t_be32(p, 1440); /* T2 */
    size_t aa = t6_open(p, 5);
    t_put(p, t6_addr, 16);
    t_be32(p, T6_PREFERRED);
    t_be32(p, T6_VALID);
    t6_close(p, aa);
    t6_status(p, 0, "ok");
    t6_close(p, ia);
    t6_opt(p, 7, "\xff", 1);
    t6_opt(p, 23, t6_dns, sizeof t6_dns);
    t6_opt(p, 59, T6_URL, strlen(T6_URL));
}

#endif
