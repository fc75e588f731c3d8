/* net/ip_text.c: dotted quads and RFC 5952 IPv6 text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "net/ip_text.h"

static void ip6(const char *want, const uint16_t g[8])
{
    uint8_t a[16];
    char out[NB_IP6_TEXT_MAX];
    for (int i = 0; i < 8; i++) {
        a[2 * i] = (uint8_t)(g[i] >> 8);
        a[2 * i + 1] = (uint8_t)g[i];
    }
    memset(out, 'x', sizeof out);
    nb_ip6_text(out, sizeof out, a);
    if (strcmp(out, want) != 0) {
        print_error("got \"%s\", want \"%s\"\n", out, want);
        fail();
    }
    /* and the text parses back to the same address */
    uint8_t back[16];
    assert_int_equal(inet_pton(AF_INET6, out, back), 1);
    assert_memory_equal(back, a, 16);
}

#define IP6(want, ...) ip6(want, (const uint16_t[8]){ __VA_ARGS__ })

static void test_ip6_rfc5952(void **state)
{
    (void)state;
    IP6("::", 0, 0, 0, 0, 0, 0, 0, 0);
    IP6("::1", 0, 0, 0, 0, 0, 0, 0, 1);
    IP6("1::", 1, 0, 0, 0, 0, 0, 0, 0);
    IP6("fd00:b007:0:ffff::69", 0xfd00, 0xb007, 0, 0xffff, 0, 0, 0, 0x69);
    IP6("2001:db8::1", 0x2001, 0x0db8, 0, 0, 0, 0, 0, 1);        /* 4.1: no leading zeros */
    IP6("2001:db8:0:1:1:1:1:1", 0x2001, 0xdb8, 0, 1, 1, 1, 1, 1); /* 4.2.2: one 0 stays */
    IP6("2001:db8::2:1", 0x2001, 0xdb8, 0, 0, 0, 0, 2, 1);
    IP6("2001:0:0:1::1", 0x2001, 0, 0, 1, 0, 0, 0, 1);           /* 4.2.3: longest run */
    IP6("2001:db8::1:0:0:1", 0x2001, 0xdb8, 0, 0, 1, 0, 0, 1);   /* 4.2.3: first on tie */
    IP6("1::2:0:0:3:4", 1, 0, 0, 2, 0, 0, 3, 4);                  /* tie: the first */
    IP6("abcd:ef01:2345:6789:abcd:ef01:2345:6789", 0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd,
        0xef01, 0x2345, 0x6789);                                   /* 4.3: lower case */
    IP6("1:2:3:4:5:6:7:8", 1, 2, 3, 4, 5, 6, 7, 8);
    IP6("1:2:3:4:5:6:7:0", 1, 2, 3, 4, 5, 6, 7, 0);               /* a single trailing 0 */
    IP6("0:1:2:3:4:5:6:7", 0, 1, 2, 3, 4, 5, 6, 7);               /* a single leading 0 */
    IP6("1:2:3:4:5:6::", 1, 2, 3, 4, 5, 6, 0, 0);
    IP6("::2:3:4:5:6:7", 0, 0, 2, 3, 4, 5, 6, 7);
    IP6("1::8", 1, 0, 0, 0, 0, 0, 0, 8);
    IP6("1:0:2::3:0:4", 1, 0, 2, 0, 0, 3, 0, 4);
    IP6("fe80::5054:ff:fe12:3456", 0xfe80, 0, 0, 0, 0x5054, 0x00ff, 0xfe12, 0x3456);
    IP6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
        0xffff, 0xffff, 0xffff);
    IP6("10:200:3000::a:bc0", 0x10, 0x200, 0x3000, 0, 0, 0, 0xa, 0xbc0);
}

static void test_ip6_every_zero_pattern(void **state)
{
    (void)state;
    /* All 256 patterns of zero/non-zero groups, against the rule written
     * out independently: longest run of >= 2 zero groups, first on a tie. */
    for (unsigned mask = 0; mask < 256; mask++) {
        uint16_t g[8];
        for (int i = 0; i < 8; i++)
            g[i] = (mask >> i & 1) ? (uint16_t)(0x100 * i + 0xa) : 0;
        int best = -1, best_len = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0)
                j++;
            if (j - i > best_len) {
                best = i;
                best_len = j - i;
            }
        }
        char want[64] = "";
        size_t n = 0;
        for (int i = 0; i < 8; i++) {
            if (i == best) {
                n += (size_t)snprintf(want + n, sizeof want - n, "::");
                i += best_len - 1;
                continue;
            }
            n += (size_t)snprintf(want + n, sizeof want - n, "%s%x",
                                  (i > 0 && i != best + best_len) ? ":" : "", g[i]);
        }
        ip6(want, g);
    }
}

static void test_ip6_small_buffer(void **state)
{
    (void)state;
    static const uint8_t a[16] = { 0xfd, 0x00, 0xb0, 0x07, 0, 0, 0xff, 0xff,
                                   0, 0, 0, 0, 0, 0, 0, 0x69 };
    char out[NB_IP6_TEXT_MAX + 8];
    for (size_t size = 1; size <= sizeof out; size++) {
        memset(out, 'x', sizeof out);
        nb_ip6_text(out, size, a);
        size_t len = strnlen(out, size);
        assert_true(len < size); /* NUL-terminated inside the buffer */
        assert_memory_equal(out, "fd00:b007:0:ffff::69", len);
        for (size_t i = size; i < sizeof out; i++)
            assert_int_equal(out[i], 'x');
        if (size > strlen("fd00:b007:0:ffff::69"))
            assert_string_equal(out, "fd00:b007:0:ffff::69");
    }
    /* size 0: nothing written at all */
    memset(out, 'x', sizeof out);
    nb_ip6_text(out, 0, a);
    nb_ip4_text(out, 0, a);
    assert_int_equal(out[0], 'x');

    /* The longest possible text fits NB_IP6_TEXT_MAX. */
    static const uint8_t full[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    nb_ip6_text(out, NB_IP6_TEXT_MAX, full);
    assert_int_equal(strlen(out), NB_IP6_TEXT_MAX - 1);
}

static void ip4(const char *want, uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3)
{
    const uint8_t a[4] = { a0, a1, a2, a3 };
    char out[NB_IP4_TEXT_MAX];
    memset(out, 'x', sizeof out);
    nb_ip4_text(out, sizeof out, a);
    assert_string_equal(out, want);
}

static void test_ip4(void **state)
{
    (void)state;
    ip4("0.0.0.0", 0, 0, 0, 0);
    ip4("198.18.1.100", 198, 18, 1, 100);
    ip4("10.0.2.15", 10, 0, 2, 15);
    ip4("255.255.255.255", 255, 255, 255, 255); /* the longest: 15 + NUL */
    ip4("1.2.3.4", 1, 2, 3, 4);

    char small[8];
    const uint8_t a[4] = { 198, 18, 255, 69 };
    memset(small, 'x', sizeof small);
    nb_ip4_text(small, sizeof small, a);
    assert_string_equal(small, "198.18.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip6_rfc5952),
        cmocka_unit_test(test_ip6_every_zero_pattern),
        cmocka_unit_test(test_ip6_small_buffer),
        cmocka_unit_test(test_ip4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
