/* boot/manifest.c: the release manifest format (docs/manifest.md), valid
 * and hostile, and the canonical writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/manifest.h"
#include "core/clock.h"

#define H64 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H64B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define HDR "nearboot-manifest 1\n"
#define REQ "serial 42\nnot-after 2027-06-30T00:00:00Z\nentry hello.efi 31744 " H64 "\n"

static const char canonical[] =
    "nearboot-manifest 1\n"
    "serial 42\n"
    "not-after 2027-06-30T00:00:00Z\n"
    "created 2026-11-20T10:00:00Z\n"
    "entry hello.efi 31744 " H64 "\n"
    "initrd initrd.img 1048576 " H64B "\n"
    "artifact EFI/BOOT/extra-1.2_x+y~z=w,v@u 0 " H64 "\n"
    "options \"console=ttyS0 root=\\\"LABEL=a b\\\" path=C:\\\\x\"\n"
    "site https://sitea.example.net/releases/\n"
    "site https://[fd00:b007::69]:8443/r/\n";

static struct nb_manifest m;
static struct nb_manifest_error where;

/* Parse from an exact-size heap copy: a read past the end trips ASan. */
static nb_err parse_n(const char *s, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, s, n);
    nb_err e = nb_manifest_parse(c, n, &m, &where);
    free(c);
    return e;
}

static nb_err parse(const char *s) { return parse_n(s, strlen(s)); }

static int is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* s must fail with want on line (0: not about a line); m is left zeroed. */
static void bad_at(const char *s, nb_err want, unsigned line)
{
    nb_err e = parse(s);
    if (e != want || where.line != line) {
        print_error("%s\n=> %s line %u, want %s line %u\n", s, nb_errname(e), where.line, nb_errname(want),
                    line);
        fail();
    }
    assert_true(is_zero(&m, sizeof m));
}

/* A body line after the header and required lines (so it is line 5). */
static void bad_line(const char *line, nb_err want)
{
    char buf[8192];
    snprintf(buf, sizeof buf, HDR REQ "%s\n", line);
    bad_at(buf, want, 5);
}

static void good_line(const char *line)
{
    char buf[8192];
    snprintf(buf, sizeof buf, HDR REQ "%s\n", line);
    nb_err e = parse(buf);
    if (e != NB_OK) {
        print_error("%s => %s line %u\n", line, nb_errname(e), where.line);
        fail();
    }
}

static void test_canonical(void **state)
{
    (void)state;
    assert_int_equal(parse(canonical), NB_OK);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.serial, 42);
    assert_true(m.not_after == nb_unix_from_civil(2027, 6, 30, 0, 0, 0));
    assert_true(m.has_created);
    assert_true(m.created == nb_unix_from_civil(2026, 11, 20, 10, 0, 0));
    assert_int_equal(m.nartifacts, 3);
    assert_string_equal(m.artifacts[0].path, "hello.efi");
    assert_int_equal(m.artifacts[0].size, 31744);
    assert_int_equal(m.artifacts[0].sha256[0], 0x9f);
    assert_int_equal(m.artifacts[0].sha256[31], 0x08);
    assert_string_equal(m.artifacts[1].path, "initrd.img");
    assert_int_equal(m.artifacts[1].size, 1048576);
    assert_int_equal(m.initrd, 1);
    assert_string_equal(m.artifacts[2].path, "EFI/BOOT/extra-1.2_x+y~z=w,v@u");
    assert_int_equal(m.artifacts[2].size, 0);
    assert_true(m.has_options);
    assert_string_equal(m.options, "console=ttyS0 root=\"LABEL=a b\" path=C:\\x");
    assert_int_equal(m.nsites, 2);
    assert_string_equal(m.sites[0], "https://sitea.example.net/releases/");
    assert_string_equal(m.sites[1], "https://[fd00:b007::69]:8443/r/");

    /* the writer gives the same bytes back */
    char out[4096];
    size_t n = nb_manifest_format(&m, out, sizeof out);
    assert_int_equal(n, strlen(canonical));
    assert_memory_equal(out, canonical, n);
    /* and refuses a buffer one byte short */
    assert_int_equal(nb_manifest_format(&m, out, n - 1), 0);
}

static void test_minimal_and_order(void **state)
{
    (void)state;
    assert_int_equal(parse(HDR REQ), NB_OK);
    assert_int_equal(m.nartifacts, 1);
    assert_int_equal(m.initrd, 0);
    assert_false(m.has_created);
    assert_false(m.has_options);
    assert_int_equal(m.nsites, 0);
    /* keys in any order; the entry lands in [0] even after artifact lines */
    assert_int_equal(parse(HDR "artifact a 1 " H64 "\nsite https://s/\nentry e.efi 5 " H64B
                               "\nartifact b 2 " H64 "\nnot-after 2030-01-01T00:00:00Z\nserial 0\n"),
                     NB_OK);
    assert_int_equal(m.nartifacts, 3);
    assert_string_equal(m.artifacts[0].path, "e.efi");
    assert_string_equal(m.artifacts[1].path, "a");
    assert_string_equal(m.artifacts[2].path, "b");
    assert_int_equal(m.serial, 0);
    /* empty options are options */
    good_line("options \"\"");
    assert_true(m.has_options);
    assert_string_equal(m.options, "");
}

static void test_header(void **state)
{
    (void)state;
    bad_at("", NB_E_MANIFEST_HEADER, 1);
    bad_at("\n", NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest\n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest \n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest 01\n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest 1 \n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("Nearboot-manifest 1\n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest  1\n" REQ, NB_E_MANIFEST_HEADER, 1);
    bad_at("serial 42\n" HDR, NB_E_MANIFEST_HEADER, 1);
    bad_at("nearboot-manifest 2\n" REQ, NB_E_MANIFEST_VERSION, 1);
    bad_at("nearboot-manifest 0\n" REQ, NB_E_MANIFEST_VERSION, 1);
    bad_at("nearboot-manifest 999999999\n" REQ, NB_E_MANIFEST_VERSION, 1);
    bad_at("nearboot-manifest 9999999999\n" REQ, NB_E_MANIFEST_HEADER, 1);
    /* a version-2 manifest is refused as such, whatever follows */
    bad_at("nearboot-manifest 2\nnew-key x\n", NB_E_MANIFEST_VERSION, 1);
}

static void test_lines(void **state)
{
    (void)state;
    bad_at("nearboot-manifest 1", NB_E_MANIFEST_LINE_END, 1);
    bad_at(HDR "serial 42", NB_E_MANIFEST_LINE_END, 2);
    bad_at("nearboot-manifest 1\r\n" REQ, NB_E_MANIFEST_LINE_END, 1);
    bad_at(HDR "serial 42\r\n", NB_E_MANIFEST_LINE_END, 2);
    bad_at(HDR "serial\r42\n", NB_E_MANIFEST_LINE_END, 2);
    bad_at(HDR "\n" REQ, NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR REQ "\n", NB_E_MANIFEST_SYNTAX, 5);
    bad_at(HDR " serial 42\n", NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR "serial\t42\n", NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR "serial\n", NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR "serial \n", NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR "# comment\n" REQ, NB_E_MANIFEST_UNKNOWN_KEY, 2);
    bad_at(HDR "serial 4\x7f\n", NB_E_MANIFEST_SYNTAX, 2);
    bad_at(HDR "site https://h\xc3\xa9/\n", NB_E_MANIFEST_SYNTAX, 2);
    assert_int_equal(parse_n(HDR "serial 4\0002\n", sizeof HDR "serial 4\0002\n" - 1), NB_E_MANIFEST_SYNTAX);
    assert_int_equal(where.line, 2);
    /* the cap */
    static char big[NB_MANIFEST_MAX_LEN + 2];
    memset(big, 'x', sizeof big - 1);
    assert_int_equal(parse_n(big, NB_MANIFEST_MAX_LEN + 1), NB_E_MANIFEST_TOO_BIG);
    assert_int_equal(where.line, 0);
    /* 64 KiB exactly is allowed (here: a long list of bad lines fails on line 5 instead) */
    size_t n = (size_t)snprintf(big, sizeof big, HDR REQ);
    for (; n < NB_MANIFEST_MAX_LEN; n++)
        big[n] = n % 100 ? 'x' : '\n';
    big[NB_MANIFEST_MAX_LEN - 1] = '\n';
    assert_int_equal(parse_n(big, NB_MANIFEST_MAX_LEN), NB_E_MANIFEST_SYNTAX);
}

static void test_keys(void **state)
{
    (void)state;
    bad_line("Serial 42", NB_E_MANIFEST_UNKNOWN_KEY);
    bad_line("version 1", NB_E_MANIFEST_UNKNOWN_KEY);
    bad_line("entry-x a 1 " H64, NB_E_MANIFEST_UNKNOWN_KEY);
    assert_null(where.key);
    bad_line("serial 42", NB_E_MANIFEST_DUPLICATE_KEY);
    assert_string_equal(where.key, "serial");
    bad_line("not-after 2027-06-30T00:00:00Z", NB_E_MANIFEST_DUPLICATE_KEY);
    bad_line("entry other.efi 1 " H64, NB_E_MANIFEST_DUPLICATE_KEY);
    assert_string_equal(where.key, "entry");
    bad_at(HDR REQ "created 2026-01-01T00:00:00Z\ncreated 2026-01-01T00:00:00Z\n", NB_E_MANIFEST_DUPLICATE_KEY, 6);
    bad_at(HDR REQ "options \"a\"\noptions \"a\"\n", NB_E_MANIFEST_DUPLICATE_KEY, 6);
    bad_at(HDR "not-after 2027-06-30T00:00:00Z\nentry e 1 " H64 "\n", NB_E_MANIFEST_MISSING_KEY, 0);
    assert_string_equal(where.key, "serial");
    bad_at(HDR "serial 1\nentry e 1 " H64 "\n", NB_E_MANIFEST_MISSING_KEY, 0);
    assert_string_equal(where.key, "not-after");
    bad_at(HDR "serial 1\nnot-after 2027-06-30T00:00:00Z\nartifact a 1 " H64 "\n", NB_E_MANIFEST_MISSING_KEY, 0);
    assert_string_equal(where.key, "entry");
    bad_at(HDR, NB_E_MANIFEST_MISSING_KEY, 0);
}

static void test_serial(void **state)
{
    (void)state;
    const char *ok[] = { "0", "1", "18446744073709551615" };
    const uint64_t val[] = { 0, 1, UINT64_MAX };
    for (unsigned i = 0; i < 3; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "serial %s\nnot-after 2027-06-30T00:00:00Z\nentry e 1 " H64 "\n", ok[i]);
        assert_int_equal(parse(buf), NB_OK);
        assert_true(m.serial == val[i]);
    }
    const char *bad[] = { "18446744073709551616", "99999999999999999999", "123456789012345678901", "007",
                          "00", "-1", "+1", "1e3", "0x10", "4 2", "42 ", "１" };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "serial %s\nnot-after 2027-06-30T00:00:00Z\nentry e 1 " H64 "\n", bad[i]);
        nb_err e = parse(buf);
        assert_int_not_equal(e, NB_OK);
        assert_int_equal(where.line, 2);
    }
}

static void test_times(void **state)
{
    (void)state;
    const char *ok[] = { "1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2024-02-29T23:59:59Z",
                         "9999-12-31T23:59:59Z", "2038-01-19T03:14:08Z" };
    const int64_t val[] = { 0, 951827696, 1709251199, 253402300799ll, 2147483648ll };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char buf[256], back[21];
        snprintf(buf, sizeof buf, HDR "serial 1\nnot-after %s\nentry e 1 " H64 "\n", ok[i]);
        assert_int_equal(parse(buf), NB_OK);
        assert_true(m.not_after == val[i]);
        assert_int_equal(nb_manifest_time_text(m.not_after, back), 20);
        assert_string_equal(back, ok[i]);
    }
    const char *bad[] = { "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
                          "2027-00-01T00:00:00Z", "2027-04-31T00:00:00Z", "2027-01-00T00:00:00Z",
                          "2027-01-01T24:00:00Z", "2027-01-01T00:60:00Z", "2027-01-01T00:00:60Z",
                          "1969-12-31T23:59:59Z", "2027-01-01t00:00:00Z", "2027-01-01T00:00:00z",
                          "2027-01-01T00:00:00", "2027-01-01T00:00:00+00:00", "2027-01-01 00:00:00Z",
                          "27-01-01T00:00:00Z", "2027-1-01T00:00:00Z", "2027-01-01T00:00:00.0Z",
                          "2027-01-01", "+027-01-01T00:00:00Z", "2027-01-01T0a:00:00Z" };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, HDR "serial 1\nnot-after %s\nentry e 1 " H64 "\n", bad[i]);
        nb_err e = parse(buf);
        if (e == NB_OK) {
            print_error("accepted %s\n", bad[i]);
            fail();
        }
        assert_int_equal(where.line, 3);
    }
    bad_line("created 2027-02-30T00:00:00Z", NB_E_MANIFEST_BAD_TIME);
    char t[21];
    assert_int_equal(nb_manifest_time_text(-1, t), 0);
    assert_int_equal(nb_manifest_time_text(253402300800ll, t), 0);
}

static void test_paths(void **state)
{
    (void)state;
    const char *ok[] = { "a", "a/b.efi", "EFI/BOOT/BOOTX64.EFI", "x..y", "...", ".hidden", "a./b..",
                         "A-Z_a-z.0-9+~=,@" };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "artifact %s 1 " H64B, ok[i]);
        good_line(line);
        assert_string_equal(m.artifacts[1].path, ok[i]);
        assert_int_equal(nb_manifest_check_path(ok[i], strlen(ok[i])), NB_OK);
    }
    const char *escape[] = { "/abs", "/", "..", "../x", "a/../b", "a/..", "./a", "a/./b", ".", "a//b", "a/",
                             "a\\b", "..\\x", "x/.", "//x", "a/b/../../../etc" };
    for (unsigned i = 0; i < sizeof escape / sizeof escape[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "artifact %s 1 " H64B, escape[i]);
        bad_line(line, NB_E_MANIFEST_PATH_ESCAPES);
        assert_string_equal(where.key, "artifact");
    }
    char entry[512];
    snprintf(entry, sizeof entry, HDR "serial 1\nnot-after 2027-06-30T00:00:00Z\nentry ../stage2.efi 1 " H64 "\n");
    bad_at(entry, NB_E_MANIFEST_PATH_ESCAPES, 4);
    assert_string_equal(where.key, "entry");
    const char *badp[] = { "a%2e", "a?b", "a#b", "a:b", "a*b", "a\"b", "a'b", "a;b", "a&b", "a|b", "a<b" };
    for (unsigned i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "artifact %s 1 " H64B, badp[i]);
        bad_line(line, NB_E_MANIFEST_BAD_PATH);
    }
    /* %2e%2e is not decoded: it is refused for the '%' */
    bad_line("artifact %2e%2e/x 1 " H64B, NB_E_MANIFEST_BAD_PATH);
    /* the graver finding wins on a path with both */
    bad_line("artifact a%/../b 1 " H64B, NB_E_MANIFEST_PATH_ESCAPES);
    /* 255 bytes fine, 256 not */
    char p[300], line[600];
    memset(p, 'p', 255);
    p[255] = 0;
    snprintf(line, sizeof line, "artifact %s 1 " H64B, p);
    good_line(line);
    memset(p, 'p', 256);
    p[256] = 0;
    snprintf(line, sizeof line, "artifact %s 1 " H64B, p);
    bad_line(line, NB_E_MANIFEST_BAD_PATH);
    assert_int_equal(nb_manifest_check_path("", 0), NB_E_MANIFEST_BAD_PATH);
}

static void test_artifact_fields(void **state)
{
    (void)state;
    good_line("artifact z 0 " H64B);
    good_line("artifact z 4294967295 " H64B);
    assert_true(m.artifacts[1].size == 4294967295u);
    bad_line("artifact z 4294967296 " H64B, NB_E_MANIFEST_BAD_SIZE);
    bad_line("artifact z 01 " H64B, NB_E_MANIFEST_BAD_SIZE);
    bad_line("artifact z -1 " H64B, NB_E_MANIFEST_BAD_SIZE);
    bad_line("artifact z  1 " H64B, NB_E_MANIFEST_BAD_SIZE);
    bad_line("artifact z 1", NB_E_MANIFEST_SYNTAX);
    bad_line("artifact z", NB_E_MANIFEST_SYNTAX);
    bad_line("artifact z 1 " H64B " ", NB_E_MANIFEST_BAD_SHA256);
    bad_line("artifact z 1 " H64B "0", NB_E_MANIFEST_BAD_SHA256);
    bad_line("artifact z 1 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", NB_E_MANIFEST_BAD_SHA256);
    bad_line("artifact z 1 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", NB_E_MANIFEST_BAD_SHA256);
    bad_line("artifact z 1 9g86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", NB_E_MANIFEST_BAD_SHA256);
    bad_line("artifact z 1 " H64B " x", NB_E_MANIFEST_BAD_SHA256);
    /* the entry may not be empty */
    bad_at(HDR "serial 1\nnot-after 2027-06-30T00:00:00Z\nentry e 0 " H64 "\n", NB_E_MANIFEST_BAD_SIZE, 4);
    /* duplicate paths, either way round */
    bad_line("artifact hello.efi 1 " H64B, NB_E_MANIFEST_DUPLICATE_PATH);
    bad_at(HDR "artifact e 1 " H64 "\nserial 1\nnot-after 2027-06-30T00:00:00Z\nentry e 1 " H64 "\n",
           NB_E_MANIFEST_DUPLICATE_PATH, 5);
    bad_at(HDR REQ "artifact a 1 " H64 "\nartifact b 1 " H64 "\nartifact a 2 " H64 "\n",
           NB_E_MANIFEST_DUPLICATE_PATH, 7);
    /* 16 artifacts with the entry; a 17th is refused on its line */
    char buf[8192];
    size_t n = (size_t)snprintf(buf, sizeof buf, HDR REQ);
    for (unsigned i = 0; i < 15; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "artifact a%u 1 " H64 "\n", i);
    assert_int_equal(parse(buf), NB_OK);
    assert_int_equal(m.nartifacts, NB_MANIFEST_MAX_ARTIFACTS);
    assert_string_equal(m.artifacts[15].path, "a14");
    snprintf(buf + n, sizeof buf - n, "artifact a15 1 " H64 "\n");
    bad_at(buf, NB_E_MANIFEST_TOO_MANY_ARTIFACTS, 20);
}

/* The initrd: one artifact, marked; 0..1, not empty, counted with the others. */
static void test_initrd(void **state)
{
    (void)state;
    char buf[8192];
    good_line("initrd initrd.img 1 " H64B);
    assert_int_equal(m.initrd, 1);
    assert_int_equal(m.nartifacts, 2);
    assert_string_equal(m.artifacts[1].path, "initrd.img");
    assert_int_equal(m.artifacts[1].sha256[0], 0x60);
    /* anywhere among the artifacts, before the entry too: the index follows the order */
    assert_int_equal(parse(HDR "artifact a 1 " H64 "\ninitrd r 2 " H64 "\nserial 1\nartifact b 0 " H64
                               "\nnot-after 2030-01-01T00:00:00Z\nentry e 5 " H64B "\n"),
                     NB_OK);
    assert_int_equal(m.nartifacts, 4);
    assert_int_equal(m.initrd, 2);
    assert_string_equal(m.artifacts[2].path, "r");
    assert_string_equal(m.artifacts[3].path, "b");
    /* ... and the writer keeps that order, so the text is a fixed point */
    size_t n = nb_manifest_format(&m, buf, sizeof buf);
    assert_true(n > 0);
    static struct nb_manifest again;
    again = m;
    assert_int_equal(nb_manifest_parse((const uint8_t *)buf, n, &m, NULL), NB_OK);
    assert_memory_equal(&m, &again, sizeof m);

    /* hostile and malformed */
    bad_at(HDR REQ "initrd a 1 " H64 "\ninitrd b 1 " H64 "\n", NB_E_MANIFEST_DUPLICATE_KEY, 6);
    assert_string_equal(where.key, "initrd");
    bad_line("initrd a 0 " H64B, NB_E_MANIFEST_BAD_SIZE);
    assert_string_equal(where.key, "initrd");
    bad_line("initrd a 4294967296 " H64B, NB_E_MANIFEST_BAD_SIZE);
    bad_line("initrd ../a 1 " H64B, NB_E_MANIFEST_PATH_ESCAPES);
    bad_line("initrd /boot/initrd.img 1 " H64B, NB_E_MANIFEST_PATH_ESCAPES);
    bad_line("initrd a?b 1 " H64B, NB_E_MANIFEST_BAD_PATH);
    bad_line("initrd hello.efi 1 " H64B, NB_E_MANIFEST_DUPLICATE_PATH); /* the entry itself */
    bad_at(HDR REQ "artifact a 1 " H64 "\ninitrd a 1 " H64 "\n", NB_E_MANIFEST_DUPLICATE_PATH, 6);
    bad_at(HDR REQ "initrd a 1 " H64 "\nartifact a 1 " H64 "\n", NB_E_MANIFEST_DUPLICATE_PATH, 6);
    bad_line("initrd a 1", NB_E_MANIFEST_SYNTAX);
    bad_line("initrd a", NB_E_MANIFEST_SYNTAX);
    bad_line("initrd a 1 " H64B " a", NB_E_MANIFEST_BAD_SHA256);
    bad_line("initrd a 1 " H64B "0", NB_E_MANIFEST_BAD_SHA256);
    bad_line("Initrd a 1 " H64B, NB_E_MANIFEST_UNKNOWN_KEY);
    bad_line("initrd-x a 1 " H64B, NB_E_MANIFEST_UNKNOWN_KEY);
    bad_line("initrd", NB_E_MANIFEST_SYNTAX);
    /* an initrd is no entry */
    bad_at(HDR "serial 1\nnot-after 2027-06-30T00:00:00Z\ninitrd a 1 " H64 "\n", NB_E_MANIFEST_MISSING_KEY, 0);
    assert_string_equal(where.key, "entry");
    /* it counts among the 16: the entry, the initrd and 14 artifacts fit; a 15th does not */
    n = (size_t)snprintf(buf, sizeof buf, HDR REQ "initrd r 1 " H64 "\n");
    for (unsigned i = 0; i < 14; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "artifact a%u 1 " H64 "\n", i);
    assert_int_equal(parse(buf), NB_OK);
    assert_int_equal(m.nartifacts, NB_MANIFEST_MAX_ARTIFACTS);
    assert_int_equal(m.initrd, 1);
    snprintf(buf + n, sizeof buf - n, "artifact a14 1 " H64 "\n");
    bad_at(buf, NB_E_MANIFEST_TOO_MANY_ARTIFACTS, 20);
    /* 15 artifacts first: the initrd is the 17th */
    n = (size_t)snprintf(buf, sizeof buf, HDR REQ);
    for (unsigned i = 0; i < 15; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "artifact a%u 1 " H64 "\n", i);
    snprintf(buf + n, sizeof buf - n, "initrd r 1 " H64 "\n");
    bad_at(buf, NB_E_MANIFEST_TOO_MANY_ARTIFACTS, 20);
    assert_string_equal(where.key, "initrd");
}

static void test_options(void **state)
{
    (void)state;
    good_line("options \"a \\\\ b \\\" c\"");
    assert_string_equal(m.options, "a \\ b \" c");
    good_line("options \"   \"");
    assert_string_equal(m.options, "   ");
    bad_line("options a", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a\" ", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a\"b\"", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a\\nb\"", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a\\\"", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options \"a\\", NB_E_MANIFEST_BAD_OPTIONS);
    bad_line("options 'a'", NB_E_MANIFEST_BAD_OPTIONS);
    char line[2200];
    memcpy(line, "options \"", 9);
    memset(line + 9, 'o', NB_MANIFEST_OPTIONS_MAX);
    strcpy(line + 9 + NB_MANIFEST_OPTIONS_MAX, "\"");
    good_line(line);
    assert_int_equal(strlen(m.options), NB_MANIFEST_OPTIONS_MAX);
    memset(line + 9, 'o', NB_MANIFEST_OPTIONS_MAX + 1);
    strcpy(line + 10 + NB_MANIFEST_OPTIONS_MAX, "\"");
    bad_line(line, NB_E_MANIFEST_BAD_OPTIONS);
    /* escapes count once: 1024 escaped quotes fit */
    for (unsigned i = 0; i < NB_MANIFEST_OPTIONS_MAX; i++)
        memcpy(line + 9 + 2 * i, "\\\"", 2);
    strcpy(line + 9 + 2 * NB_MANIFEST_OPTIONS_MAX, "\"");
    good_line(line);
    assert_int_equal(strlen(m.options), NB_MANIFEST_OPTIONS_MAX);
}

static void test_sites(void **state)
{
    (void)state;
    good_line("site https://boot.example/");
    good_line("site https://198.18.255.69/r/");
    bad_line("site http://boot.example/", NB_E_MANIFEST_BAD_SITE);
    bad_line("site tftp://boot.example/x", NB_E_MANIFEST_BAD_SITE);
    bad_line("site boot.example", NB_E_MANIFEST_BAD_SITE);
    bad_line("site https://user@boot.example/", NB_E_MANIFEST_BAD_SITE);
    bad_line("site https://boot example/", NB_E_MANIFEST_BAD_SITE);
    char line[400];
    int n = snprintf(line, sizeof line, "site https://h/");
    memset(line + n, 'x', 255 - (size_t)(n - 5));
    line[5 + 255] = 0;
    good_line(line);
    line[5 + 255] = 'x';
    line[5 + 256] = 0;
    bad_line(line, NB_E_MANIFEST_BAD_SITE);
    bad_at(HDR REQ "site https://a/\nsite https://a/\n", NB_E_MANIFEST_BAD_SITE, 6);
    char buf[4096];
    size_t k = (size_t)snprintf(buf, sizeof buf, HDR REQ);
    for (unsigned i = 0; i < NB_MANIFEST_MAX_SITES; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "site https://s%u.example/\n", i);
    assert_int_equal(parse(buf), NB_OK);
    assert_int_equal(m.nsites, NB_MANIFEST_MAX_SITES);
    snprintf(buf + k, sizeof buf - k, "site https://s9.example/\n");
    bad_at(buf, NB_E_MANIFEST_TOO_MANY_SITES, 13);
}

static void test_format_refuses(void **state)
{
    (void)state;
    static struct nb_manifest w;
    char out[8192];
    assert_int_equal(parse(canonical), NB_OK);
    w = m;
    w.version = 2;
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    strcpy(w.artifacts[1].path, "../x");
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.options[3] = '\n';
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.nartifacts = 0;
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.artifacts[0].size = 0;
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.not_after = -5;
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.initrd = w.nartifacts; /* past the artifacts */
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    w.artifacts[w.initrd].size = 0; /* an empty initrd */
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
    w = m;
    memset(w.sites[0], 'x', sizeof w.sites[0]); /* no NUL */
    assert_int_equal(nb_manifest_format(&w, out, sizeof out), 0);
}

/* Every one-byte change of the canonical manifest: no crash, and whatever
 * parses writes back to text that parses to the same manifest. */
static void test_mutations(void **state)
{
    (void)state;
    static struct nb_manifest first;
    static char text[8192], again[8192];
    const size_t n = strlen(canonical);
    char *c = malloc(n);
    assert_non_null(c);
    unsigned accepted = 0;
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 0; v < 256; v++) {
            memcpy(c, canonical, n);
            c[i] = (char)v;
            if (nb_manifest_parse((const uint8_t *)c, n, &m, &where) != NB_OK)
                continue;
            accepted++;
            first = m;
            size_t k = nb_manifest_format(&first, text, sizeof text);
            assert_true(k > 0);
            assert_int_equal(nb_manifest_parse((const uint8_t *)text, k, &m, NULL), NB_OK);
            assert_memory_equal(&m, &first, sizeof m);
            assert_int_equal(nb_manifest_format(&m, again, sizeof again), k);
            assert_memory_equal(text, again, k);
        }
    assert_true(accepted > 100);
    /* a truncation parses only where it ends a line after the required keys */
    for (size_t k = 0; k < n; k++)
        if (nb_manifest_parse((const uint8_t *)canonical, k, &m, NULL) == NB_OK)
            assert_true(canonical[k - 1] == '\n' && k > strlen(HDR REQ));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_minimal_and_order),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_artifact_fields),
        cmocka_unit_test(test_initrd),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
