/* boot/url.c: parsing (valid and hostile), text forms, reference resolution. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/url.h"

/* Parse from an exact-size heap copy (reads past the end trip ASan). */
static nb_err parse(const char *s, struct nb_url *u)
{
    size_t n = strlen(s);
    char *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, s, n);
    nb_err e = nb_url_parse(c, n, u);
    free(c);
    return e;
}

static void ok(const char *s, enum nb_url_scheme scheme, const char *host, int family,
               unsigned port, const char *path)
{
    struct nb_url u;
    nb_err e = parse(s, &u);
    if (e != NB_OK) {
        print_error("%s: %s\n", s, nb_errname(e));
        fail();
    }
    assert_int_equal(u.scheme, scheme);
    assert_string_equal(u.host, host);
    assert_int_equal(u.ip.family, family);
    assert_int_equal(u.port, port);
    assert_string_equal(u.path, path);
}

static void bad(const char *s, nb_err want)
{
    struct nb_url u;
    memset(&u, 0x5a, sizeof u);
    nb_err e = parse(s, &u);
    if (e != want) {
        print_error("%s: got %s, want %s\n", s, nb_errname(e), nb_errname(want));
        fail();
    }
    assert_int_equal(u.scheme, NB_URL_NONE); /* nothing half-parsed leaks out */
    assert_int_equal(u.host[0], 0);
}

static void test_valid(void **state)
{
    (void)state;
    ok("http://boot.example/stage2.efi", NB_URL_HTTP, "boot.example", 0, 80, "/stage2.efi");
    ok("https://boot.example/a/b?x=1&y=2", NB_URL_HTTPS, "boot.example", 0, 443, "/a/b?x=1&y=2");
    ok("tftp://198.18.255.69/nearboot/stage1.efi", NB_URL_TFTP, "198.18.255.69", 4, 69,
       "/nearboot/stage1.efi");
    ok("http://198.18.0.1:8080/", NB_URL_HTTP, "198.18.0.1", 4, 8080, "/");
    ok("http://[fd00:b007::1]/x", NB_URL_HTTP, "fd00:b007::1", 6, 80, "/x");
    ok("https://[FD00:B007::1]:8443/x", NB_URL_HTTPS, "fd00:b007::1", 6, 8443, "/x");
    ok("http://[::ffff:198.18.0.1]/", NB_URL_HTTP, "::ffff:198.18.0.1", 6, 80, "/");
    /* scheme and host are case-insensitive, the path is not */
    ok("HTTPS://Boot.EXAMPLE/Stage2", NB_URL_HTTPS, "boot.example", 0, 443, "/Stage2");
    /* no path, query without path, empty port, root-label dot */
    ok("http://h", NB_URL_HTTP, "h", 0, 80, "/");
    ok("http://h?q=1", NB_URL_HTTP, "h", 0, 80, "/?q=1");
    ok("http://h:/p", NB_URL_HTTP, "h", 0, 80, "/p");
    ok("http://boot.example./p", NB_URL_HTTP, "boot.example", 0, 80, "/p");
    /* fragments are dropped */
    ok("http://h/p#frag", NB_URL_HTTP, "h", 0, 80, "/p");
    ok("http://h#frag", NB_URL_HTTP, "h", 0, 80, "/");
    ok("http://h/p?q#f?g", NB_URL_HTTP, "h", 0, 80, "/p?q");
    /* percent-encoding kept as is */
    ok("http://h/a%20b/%7Euser/%2f", NB_URL_HTTP, "h", 0, 80, "/a%20b/%7Euser/%2f");
    /* every character RFC 3986 allows in a path */
    ok("http://h/-._~!$&'()*+,;=:@/?/", NB_URL_HTTP, "h", 0, 80, "/-._~!$&'()*+,;=:@/?/");
    ok("http://under_score-host.x1/", NB_URL_HTTP, "under_score-host.x1", 0, 80, "/");
    ok("http://h:65535/", NB_URL_HTTP, "h", 0, 65535, "/");
    ok("http://h:00080/", NB_URL_HTTP, "h", 0, 80, "/");
    ok("http://1.2.3.4a/", NB_URL_HTTP, "1.2.3.4a", 0, 80, "/"); /* last label not numeric */
}

static void test_hostile(void **state)
{
    (void)state;
    bad("", NB_E_URL_SYNTAX);
    bad("boot.example/x", NB_E_URL_SYNTAX);
    bad("http:/h/x", NB_E_URL_SYNTAX);
    bad("http:h", NB_E_URL_SYNTAX);
    bad("://h/", NB_E_URL_SYNTAX);
    bad("1http://h/", NB_E_URL_SYNTAX);
    bad("ftp://h/", NB_E_URL_SCHEME);
    bad("file:///etc/passwd", NB_E_URL_SCHEME);
    bad("httpx://h/", NB_E_URL_SCHEME);
    bad("javascript:alert(1)", NB_E_URL_SCHEME);
    bad("http://user@h/", NB_E_URL_USERINFO);
    bad("http://user:pw@h/", NB_E_URL_USERINFO);
    bad("http://h@evil/", NB_E_URL_USERINFO);
    bad("http://@h/", NB_E_URL_USERINFO);
    bad("http:///x", NB_E_URL_HOST);
    bad("http://:80/x", NB_E_URL_HOST);
    bad("http://h..x/", NB_E_URL_HOST);
    bad("http://.h/", NB_E_URL_HOST);
    bad("http://h.../", NB_E_URL_HOST);
    bad("http://h!x/", NB_E_URL_HOST);
    bad("http://h%41/", NB_E_URL_HOST);
    bad("http://1.2.3/", NB_E_URL_HOST);       /* numeric but not a dotted quad */
    bad("http://1.2.3.4.5/", NB_E_URL_HOST);
    bad("http://256.1.1.1/", NB_E_URL_HOST);
    bad("http://010.1.1.1/", NB_E_URL_HOST);   /* no octal ambiguity */
    bad("http://0x7f.1/", NB_E_URL_HOST);
    bad("http://123/", NB_E_URL_HOST);
    bad("http://fd00::1/", NB_E_URL_PORT);     /* an unbracketed v6 reads as host:port */
    bad("http://[fd00::1/", NB_E_URL_HOST);
    bad("http://[fd00::1]x/", NB_E_URL_HOST);
    bad("http://[fe80::1%25eth0]/", NB_E_URL_HOST); /* no zone ids */
    bad("http://[v1.x]/", NB_E_URL_HOST);
    bad("http://[198.18.0.1]/", NB_E_URL_HOST);
    bad("http://[]/", NB_E_URL_HOST);
    bad("http://[fd00::1::2]/", NB_E_URL_HOST);
    bad("http://h:0/", NB_E_URL_PORT);
    bad("http://h:65536/", NB_E_URL_PORT);
    bad("http://h:123456/", NB_E_URL_PORT);
    bad("http://h:8o/", NB_E_URL_PORT);
    bad("http://h:-1/", NB_E_URL_PORT);
    bad("http://h:+80/", NB_E_URL_PORT);
    bad("http://h:80:80/", NB_E_URL_PORT);
    bad("http://h/a b", NB_E_URL_CHAR);
    bad("http://h/a\tb", NB_E_URL_CHAR);
    bad("http://h/a\r\nHost: evil", NB_E_URL_CHAR);
    bad("http://h/a\x7f", NB_E_URL_CHAR);
    bad("http://h/\xc3\xa9", NB_E_URL_CHAR);
    bad(" http://h/", NB_E_URL_CHAR);
    bad("http://h/a<b>", NB_E_URL_CHAR);
    bad("http://h/a\"b", NB_E_URL_CHAR);
    bad("http://h/a\\b", NB_E_URL_CHAR);
    bad("http://h/a{b}", NB_E_URL_CHAR);
    bad("http://h/a|b", NB_E_URL_CHAR);
    bad("http://h/a^b", NB_E_URL_CHAR);
    bad("http://h/a`b", NB_E_URL_CHAR);
    bad("http://h/[x]", NB_E_URL_CHAR);
    bad("http://h/%", NB_E_URL_PERCENT);
    bad("http://h/%4", NB_E_URL_PERCENT);
    bad("http://h/%zz", NB_E_URL_PERCENT);
    bad("http://h/%4g", NB_E_URL_PERCENT);
    bad("http://h/?%", NB_E_URL_PERCENT);
}

static void test_embedded_nul_and_lengths(void **state)
{
    (void)state;
    struct nb_url u;
    static const char nul[] = "http://h/a\0b";
    assert_int_equal(nb_url_parse(nul, sizeof nul - 1, &u), NB_E_URL_CHAR);

    /* host: 253 characters is the limit */
    char s[NB_URL_MAX + 64];
    char label[64];
    memset(label, 'a', 63);
    label[63] = 0;
    snprintf(s, sizeof s, "http://%s.%s.%s.%.61s/", label, label, label, label); /* 63*3+61+3 = 253 */
    assert_int_equal(parse(s, &u), NB_OK);
    assert_int_equal(strlen(u.host), 253);
    snprintf(s, sizeof s, "http://%s.%s.%s.%.62s/", label, label, label, label); /* 254 */
    assert_int_equal(parse(s, &u), NB_E_URL_HOST);
    snprintf(s, sizeof s, "http://%sa/", label); /* a 64-character label */
    assert_int_equal(parse(s, &u), NB_E_URL_HOST);

    /* the whole URL: NB_URL_MAX is the limit */
    size_t n = (size_t)snprintf(s, sizeof s, "http://h/");
    memset(s + n, 'p', NB_URL_MAX - n);
    s[NB_URL_MAX] = 0;
    assert_int_equal(parse(s, &u), NB_OK);
    assert_int_equal(strlen(u.path), NB_URL_MAX - 8);
    s[NB_URL_MAX] = 'p';
    s[NB_URL_MAX + 1] = 0;
    assert_int_equal(parse(s, &u), NB_E_URL_TOO_LONG);
}

static void test_text_forms(void **state)
{
    (void)state;
    struct nb_url u;
    char t[NB_URL_TEXT_MAX];
    assert_int_equal(parse("http://[fd00:b007::1]:8080/a?b", &u), NB_OK);
    assert_int_equal(nb_url_authority(&u, t, sizeof t), strlen("[fd00:b007::1]:8080"));
    assert_string_equal(t, "[fd00:b007::1]:8080");
    nb_url_text(&u, t, sizeof t);
    assert_string_equal(t, "http://[fd00:b007::1]:8080/a?b");
    assert_int_equal(parse("https://Boot.Example:443/x", &u), NB_OK);
    nb_url_authority(&u, t, sizeof t);
    assert_string_equal(t, "boot.example"); /* default port left out */
    nb_url_text(&u, t, sizeof t);
    assert_string_equal(t, "https://boot.example/x");
    assert_int_equal(parse("https://h:80/", &u), NB_OK);
    nb_url_authority(&u, t, sizeof t);
    assert_string_equal(t, "h:80");
    /* too small a buffer: 0 and an empty string, never a cut-off host */
    assert_int_equal(nb_url_authority(&u, t, 4), 0);
    assert_string_equal(t, "");
    assert_int_equal(nb_url_text(&u, t, 5), 0);
    assert_string_equal(t, "");

    struct nb_url a, b;
    assert_int_equal(parse("http://h/x", &a), NB_OK);
    assert_int_equal(parse("http://H:80/y", &b), NB_OK);
    assert_true(nb_url_same_origin(&a, &b));
    assert_int_equal(parse("https://h/x", &b), NB_OK);
    assert_false(nb_url_same_origin(&a, &b));
    assert_int_equal(parse("http://h:81/x", &b), NB_OK);
    assert_false(nb_url_same_origin(&a, &b));
    assert_int_equal(nb_url_default_port(NB_URL_TFTP), 69);
    assert_string_equal(nb_url_scheme_name(NB_URL_HTTPS), "https");
}

static void res(const char *base, const char *ref, const char *want)
{
    struct nb_url b, out;
    char t[NB_URL_TEXT_MAX];
    assert_int_equal(parse(base, &b), NB_OK);
    nb_err e = nb_url_resolve(&b, ref, strlen(ref), &out);
    if (e != NB_OK) {
        print_error("%s + %s: %s\n", base, ref, nb_errname(e));
        fail();
    }
    nb_url_text(&out, t, sizeof t);
    if (strcmp(t, want) != 0) {
        print_error("%s + %s: got %s, want %s\n", base, ref, t, want);
        fail();
    }
}

static void test_resolve_rfc3986(void **state)
{
    (void)state;
    /* RFC 3986 §5.4.1 and §5.4.2, with base http://a/b/c/d;p?q */
    const char *B = "http://a/b/c/d;p?q";
    res(B, "g", "http://a/b/c/g");
    res(B, "./g", "http://a/b/c/g");
    res(B, "g/", "http://a/b/c/g/");
    res(B, "/g", "http://a/g");
    res(B, "//g", "http://g/");
    res(B, "?y", "http://a/b/c/d;p?y");
    res(B, "g?y", "http://a/b/c/g?y");
    res(B, "#s", "http://a/b/c/d;p?q");
    res(B, "g#s", "http://a/b/c/g");
    res(B, "g?y#s", "http://a/b/c/g?y");
    res(B, ";x", "http://a/b/c/;x");
    res(B, "g;x", "http://a/b/c/g;x");
    res(B, "", "http://a/b/c/d;p?q");
    res(B, ".", "http://a/b/c/");
    res(B, "./", "http://a/b/c/");
    res(B, "..", "http://a/b/");
    res(B, "../", "http://a/b/");
    res(B, "../g", "http://a/b/g");
    res(B, "../..", "http://a/");
    res(B, "../../", "http://a/");
    res(B, "../../g", "http://a/g");
    res(B, "../../../g", "http://a/g");
    res(B, "../../../../g", "http://a/g");
    res(B, "/./g", "http://a/g");
    res(B, "/../g", "http://a/g");
    res(B, "g.", "http://a/b/c/g.");
    res(B, ".g", "http://a/b/c/.g");
    res(B, "g..", "http://a/b/c/g..");
    res(B, "..g", "http://a/b/c/..g");
    res(B, "./../g", "http://a/b/g");
    res(B, "./g/.", "http://a/b/c/g/");
    res(B, "g/./h", "http://a/b/c/g/h");
    res(B, "g/../h", "http://a/b/c/h");
    res(B, "g;x=1/./y", "http://a/b/c/g;x=1/y");
    res(B, "g;x=1/../y", "http://a/b/c/y");
    res(B, "g?y/./x", "http://a/b/c/g?y/./x");
    res(B, "g?y/../x", "http://a/b/c/g?y/../x");
    res(B, "g#s/./x", "http://a/b/c/g");
    res(B, "g#s/../x", "http://a/b/c/g");
}

static void test_resolve_redirects(void **state)
{
    (void)state;
    res("http://198.18.0.1/a/b", "https://boot.example/x", "https://boot.example/x");
    res("https://boot.example:8443/a/b", "/c/d", "https://boot.example:8443/c/d");
    res("https://boot.example/a/b", "//other.example/z", "https://other.example/z");
    res("http://[fd00:b007::1]:8080/a/b", "c", "http://[fd00:b007::1]:8080/a/c");
    res("http://h/", "../../../x", "http://h/x");
    res("http://h/a", "?only", "http://h/a?only");
    res("http://h/a?q", "/", "http://h/");
    res("http://h/a/b/", "..", "http://h/a/");

    /* a bad reference is refused with the URL layer's reason */
    struct nb_url b, out;
    assert_int_equal(parse("http://h/a", &b), NB_OK);
    assert_int_equal(nb_url_resolve(&b, "/a b", 4, &out), NB_E_URL_CHAR);
    assert_int_equal(nb_url_resolve(&b, "/%zz", 4, &out), NB_E_URL_PERCENT);
    assert_int_equal(nb_url_resolve(&b, "//u@h/", 6, &out), NB_E_URL_USERINFO);
    assert_int_equal(nb_url_resolve(&b, "ftp://h/", 8, &out), NB_E_URL_SCHEME);
    assert_int_equal(nb_url_resolve(&b, "/a\r\nX: y", 8, &out), NB_E_URL_CHAR);

    /* the result may not exceed NB_URL_MAX */
    char big[NB_URL_MAX + 1];
    memset(big, 'x', NB_URL_MAX);
    big[0] = '/';
    assert_int_equal(nb_url_resolve(&b, big, NB_URL_MAX - 1, &out), NB_OK);
    char base_text[NB_URL_MAX];
    int n = snprintf(base_text, sizeof base_text, "http://h/");
    memset(base_text + n, 'd', 1200);
    base_text[n + 1200] = '/';
    base_text[n + 1201] = 0;
    assert_int_equal(parse(base_text, &b), NB_OK);
    /* merged: the base's 1202-byte directory plus the reference */
    assert_int_equal(nb_url_resolve(&b, big + 1, NB_URL_MAX - 1202, &out), NB_OK);
    assert_int_equal(strlen(out.path), NB_URL_MAX);
    assert_int_equal(nb_url_resolve(&b, big + 1, NB_URL_MAX - 1201, &out), NB_E_URL_TOO_LONG);
    assert_int_equal(out.scheme, NB_URL_NONE);
}

/* Every prefix and every single-byte change of a valid URL parses or fails
 * cleanly (ASan watches the reads). */
static void test_mutations(void **state)
{
    (void)state;
    const char *seed = "https://[fd00:b007::1]:8443/a/b%20c?x=1#f";
    size_t n = strlen(seed);
    struct nb_url u, base, out;
    assert_int_equal(parse("http://h/a/b", &base), NB_OK);
    for (size_t cut = 0; cut <= n; cut++) {
        char *c = malloc(cut ? cut : 1);
        memcpy(c, seed, cut);
        (void)nb_url_parse(c, cut, &u);
        (void)nb_url_resolve(&base, c, cut, &out);
        free(c);
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 0; v < 256; v++) {
            char *c = malloc(n);
            memcpy(c, seed, n);
            c[i] = (char)v;
            if (nb_url_parse(c, n, &u) == NB_OK) {
                assert_true(u.path[0] == '/');
                assert_true(u.port != 0);
            }
            (void)nb_url_resolve(&base, c, n, &out);
            free(c);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_embedded_nul_and_lengths),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_resolve_rfc3986),
        cmocka_unit_test(test_resolve_redirects),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
