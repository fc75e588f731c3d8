/* net/csum.c: the Internet checksum (RFC 1071) — the RFC's own example,
 * odd lengths, chunked sums, carries out of 32 bits — and the IPv4/IPv6
 * pseudo-headers, against a reference computed here byte by byte. */
#include "testutil.h"
#include "net/csum.h"
#include "net/ip.h"

/* Reference: fold after every 16-bit word, pad an odd byte on the right. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 0; i < len; i += 2) {
        s += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
        s = (s & 0xffffu) + (s >> 16);
    }
    return (uint16_t)~s;
}

static void test_rfc1071_example(void **state)
{
    (void)state;
    /* RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0, folds to ddf2 */
    static const uint8_t ex[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(csum_add(0, ex, sizeof ex), 0x2ddf0u);
    assert_int_equal(csum_fold(csum_add(0, ex, sizeof ex)), 0x220d);
    /* byte-order independence (§2(B)): the swapped bytes give the swapped sum */
    static const uint8_t sw[8] = { 0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6 };
    assert_int_equal(csum_fold(csum_add(0, sw, sizeof sw)), 0x0d22);
    /* incremental (§2(C)): chunks of even length add up to the whole */
    uint32_t s = csum_add(0, ex, 2);
    s = csum_add(s, ex + 2, 4);
    s = csum_add(s, ex + 6, 2);
    assert_int_equal(csum_fold(s), 0x220d);
}

static void test_ip_header_known_value(void **state)
{
    (void)state;
    /* the classic 192.168.0.1 -> 192.168.0.199 UDP header: checksum b861 */
    uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                      0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
    assert_int_equal(csum_fold(csum_add(0, h, sizeof h)), 0xb861);
    h[10] = 0xb8, h[11] = 0x61;
    assert_int_equal(csum_fold(csum_add(0, h, sizeof h)), 0); /* verifies */
    h[15] ^= 1;
    assert_int_not_equal(csum_fold(csum_add(0, h, sizeof h)), 0);
}

static void test_odd_lengths(void **state)
{
    (void)state;
    static const uint8_t one[1] = { 0x01 };
    assert_int_equal(csum_add(0, one, 1), 0x0100u); /* padded on the right */
    static const uint8_t three[3] = { 0xab, 0xcd, 0xef };
    assert_int_equal(csum_add(0, three, 3), 0xabcdu + 0xef00u);
    assert_int_equal(csum_fold(csum_add(0, three, 3)), 0x6531);
    /* zero bytes: the sum unchanged; an empty sum folds to ffff */
    assert_int_equal(csum_add(0x1234, three, 0), 0x1234u);
    assert_int_equal(csum_fold(0), 0xffff);
    /* against the reference, every length 0..300 of a fixed pattern, with
     * an exact-size heap copy so a read past the end is an ASan report */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 37u + 11u);
    for (size_t n = 0; n <= sizeof buf; n++) {
        uint8_t *c = t_dup(buf, n);
        assert_int_equal(csum_fold(csum_add(0, c, n)), ref_csum(buf, n));
        free(c);
    }
}

static void test_carries(void **state)
{
    (void)state;
    /* 64 KiB of ff: many carries; one's complement sum of ffff words is ffff */
    static uint8_t ff[65536];
    memset(ff, 0xff, sizeof ff);
    assert_int_equal(csum_fold(csum_add(0, ff, sizeof ff)), 0x0000);
    assert_int_equal(csum_fold(csum_add(0, ff, sizeof ff)), ref_csum(ff, sizeof ff));
    /* a running sum near 2^32 plus more data: the carry out of 32 bits is
     * added back (0xffffffff is 0 modulo 0xffff) */
    static const uint8_t w[2] = { 0x12, 0x34 };
    assert_int_equal(csum_fold(csum_add(0xffffffffu, w, 2)), (uint16_t)~0x1234);
    assert_int_equal(csum_fold(csum_add(0xfffffffeu, ff, 4)), csum_fold(csum_add(0xfffeu, ff, 4)));
    /* fold of a sum with high bits: 0x0001fffe -> fffe + 1 = ffff -> 0 */
    assert_int_equal(csum_fold(0x0001fffeu), 0x0000);
    assert_int_equal(csum_fold(0xffff0000u), 0x0000);
    assert_int_equal(csum_fold(0x00010000u), 0xfffe);
}

static void test_random_buffers_against_reference(void **state)
{
    (void)state;
    uint32_t x = 0x6e62u;
    uint8_t buf[1600];
    for (int round = 0; round < 500; round++) {
        size_t n = 0;
        x = x * 1103515245u + 12345u;
        n = (x >> 8) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        assert_int_equal(csum_fold(csum_add(0, buf, n)), ref_csum(buf, n));
        /* split at an even offset: same result */
        size_t cut = (n / 2) & ~(size_t)1;
        assert_int_equal(csum_fold(csum_add(csum_add(0, buf, cut), buf + cut, n - cut)),
                         ref_csum(buf, n));
    }
}

static void test_pseudo_v4(void **state)
{
    (void)state;
    struct nb_ip src = nb_ip4(198, 18, 1, 1), dst = nb_ip4(198, 18, 1, 100);
    static const uint8_t udp[16] = { 0, 67, 0, 68, 0, 16, 0, 0, 'n', 'e', 'a', 'r', 'b', 'o', 'o', 't' };
    /* the reference: the 12-byte pseudo-header written out, then the segment */
    uint8_t ref[12 + sizeof udp] = { 198, 18, 1, 1, 198, 18, 1, 100, 0, NB_PROTO_UDP, 0, 16 };
    memcpy(ref + 12, udp, sizeof udp);
    assert_int_equal(csum_fold(csum_pseudo(&src, &dst, NB_PROTO_UDP, sizeof udp)), ref_csum(ref, 12));
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, udp, sizeof udp), ref_csum(ref, sizeof ref));
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, udp, sizeof udp), 0xcf01);
    /* the checksum in place verifies to 0; another protocol number does not */
    uint8_t seg[sizeof udp];
    memcpy(seg, udp, sizeof udp);
    seg[6] = 0xcf, seg[7] = 0x01;
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, seg, sizeof seg), 0);
    assert_int_not_equal(csum_transport(&src, &dst, NB_PROTO_TCP, seg, sizeof seg), 0);
    /* swapping source and destination does not change a sum */
    assert_int_equal(csum_transport(&dst, &src, NB_PROTO_UDP, seg, sizeof seg), 0);
    /* an odd-length segment: the pad byte is not part of the length */
    uint8_t ref2[12 + 9] = { 198, 18, 1, 1, 198, 18, 1, 100, 0, NB_PROTO_UDP, 0, 9 };
    memcpy(ref2 + 12, udp, 9);
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, udp, 9), ref_csum(ref2, sizeof ref2));
}

static void test_pseudo_v6(void **state)
{
    (void)state;
    static const uint8_t s6[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const uint8_t d6[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 1, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
    struct nb_ip src = nb_ip_from(6, s6), dst = nb_ip_from(6, d6);
    static const uint8_t udp[16] = { 0x02, 0x23, 0x02, 0x22, 0, 16, 0, 0, 'n', 'e', 'a', 'r', 'b', 'o', 'o', 't' };
    uint8_t ref[40 + sizeof udp];
    memcpy(ref, s6, 16);
    memcpy(ref + 16, d6, 16);
    static const uint8_t tail[8] = { 0, 0, 0, 16, 0, 0, 0, NB_PROTO_UDP };
    memcpy(ref + 32, tail, 8);
    memcpy(ref + 40, udp, sizeof udp);
    assert_int_equal(csum_fold(csum_pseudo(&src, &dst, NB_PROTO_UDP, sizeof udp)), ref_csum(ref, 40));
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, udp, sizeof udp), ref_csum(ref, sizeof ref));
    assert_int_equal(csum_transport(&src, &dst, NB_PROTO_UDP, udp, sizeof udp), 0x7bfd);
    /* the upper-layer length is 32 bits (RFC 8200 §8.1): a jumbogram's
     * high bytes count */
    static const uint8_t big_tail[8] = { 0x01, 0x23, 0x45, 0x67, 0, 0, 0, NB_PROTO_ICMP6 };
    memcpy(ref + 32, big_tail, 8);
    assert_int_equal(csum_fold(csum_pseudo(&src, &dst, NB_PROTO_ICMP6, 0x01234567u)), ref_csum(ref, 40));
    /* the v4 form is not the v6 one for the same leading bytes */
    struct nb_ip s4 = nb_ip_from(4, s6), d4 = nb_ip_from(4, d6);
    assert_int_not_equal(csum_fold(csum_pseudo(&s4, &d4, NB_PROTO_UDP, 16)),
                         csum_fold(csum_pseudo(&src, &dst, NB_PROTO_UDP, 16)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example),
        cmocka_unit_test(test_ip_header_known_value),
        cmocka_unit_test(test_odd_lengths),
        cmocka_unit_test(test_carries),
        cmocka_unit_test(test_random_buffers_against_reference),
        cmocka_unit_test(test_pseudo_v4),
        cmocka_unit_test(test_pseudo_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
