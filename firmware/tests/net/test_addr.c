/* net/addr.c: IP literal parsing (checked against inet_pton) and text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/addr.h"
#include "net/ip_text.h"

static void good(const char *s, int family)
{
    struct nb_ip ip;
    uint8_t want[16];
    if (!nb_ip_parse(s, &ip)) {
        print_error("\"%s\" refused\n", s);
        fail();
    }
    assert_int_equal(ip.family, family);
    assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, s, want), 1);
    assert_memory_equal(ip.a, want, family == 4 ? 4 : 16);
}

static void bad(const char *s)
{
    struct nb_ip ip = nb_ip4(1, 2, 3, 4);
    if (nb_ip_parse(s, &ip)) {
        print_error("\"%s\" accepted\n", s);
        fail();
    }
    assert_int_equal(ip.family, 4); /* untouched */
}

static void test_ip4(void **state)
{
    (void)state;
    good("198.18.0.1", 4);
    good("0.0.0.0", 4);
    good("255.255.255.255", 4);
    good("10.0.100.9", 4);
    bad("");
    bad("198.18.0");
    bad("198.18.0.1.");
    bad("198.18.0.1.5");
    bad("198.18.0.256");
    bad("198.18.0.1000");
    bad("198.18.00.1"); /* leading zero: octal to some parsers */
    bad("010.1.1.1");
    bad(" 198.18.0.1");
    bad("198.18.0.1 ");
    bad("198.18..1");
    bad(".198.18.0.1");
    bad("198.18.0.-1");
    bad("198.18.0.+1");
    bad("0x1.2.3.4");
    bad("www.nb.test");
    bad("1");
    bad("4294967296");
    assert_int_equal(nb_ip_parse(NULL, NULL), 0);
}

static void test_ip6(void **state)
{
    (void)state;
    good("fd00:b007::1", 6);
    good("::", 6);
    good("::1", 6);
    good("1::", 6);
    good("1:2:3:4:5:6:7:8", 6);
    good("1:2:3:4:5:6::8", 6);
    good("1::3:4:5:6:7:8", 6);
    good("::2:3:4:5:6:7:8", 6);
    good("1:2:3:4:5:6:7::", 6);
    good("FD00:B007:0:FFFF::69", 6);
    good("0000:0000:0000:0000:0000:0000:0000:0001", 6);
    good("::ffff:198.18.0.1", 6);
    good("64:ff9b::198.18.0.1", 6);
    good("1:2:3:4:5:6:198.18.0.1", 6);
    good("::198.18.0.1", 6);
    bad(":");
    bad(":::");
    bad("1:::2");
    bad("1::2::3");
    bad(":1::2");
    bad("1::2:");
    bad("1:2");
    bad("1:");
    bad(":1");
    bad("1:2:3:4:5:6:7");
    bad("1:2:3:4:5:6:7:8:9");
    bad("1:2:3:4:5:6:7:8::");
    bad("::1:2:3:4:5:6:7:8");
    bad("12345::1");
    bad("g::1");
    bad("fd00:b007::1%eth0");
    bad("[fd00:b007::1]");
    bad("fd00:b007::1 ");
    bad("1:2:3:4:5:6:7:198.18.0.1");
    bad("::198.18.0");
    bad("::198.18.0.1:1");
    bad("::ffff:198.18.00.1");
    bad("::1.2.3.4.5");
}

/* Every text form nb_ip_text writes parses back to the same address. */
static void test_round_trip(void **state)
{
    (void)state;
    srand(7);
    for (int n = 0; n < 20000; n++) {
        struct nb_ip ip = { .family = (uint8_t)(n % 2 ? 6 : 4) }, back;
        for (int i = 0; i < 16; i++) {
            int r = rand();
            ip.a[i] = (uint8_t)((r & 0x300) ? 0 : r); /* plenty of zero groups */
        }
        if (ip.family == 4)
            memset(ip.a + 4, 0, 12);
        char t[NB_IP6_TEXT_MAX];
        nb_ip_text(t, sizeof t, &ip);
        assert_int_equal(nb_ip_parse(t, &back), 1);
        assert_true(nb_ip_eq(&ip, &back));
    }
}

static void test_text(void **state)
{
    (void)state;
    char t[NB_IP6_TEXT_MAX];
    struct nb_ip ip = nb_ip4(198, 18, 0, 53), none = { .family = 0 };
    nb_ip_text(t, sizeof t, &ip);
    assert_string_equal(t, "198.18.0.53");
    assert_true(nb_ip_parse("fd00:b007:0::53", &ip));
    nb_ip_text(t, sizeof t, &ip);
    assert_string_equal(t, "fd00:b007::53");
    nb_ip_text(t, sizeof t, &none);
    assert_string_equal(t, "(none)");
    nb_ip_text(t, 3, &none);
    assert_string_equal(t, "(n");
    nb_ip_text(t, 0, &none); /* writes nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip4),
        cmocka_unit_test(test_ip6),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
