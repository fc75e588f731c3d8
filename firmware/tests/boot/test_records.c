/* core/tlv.c and the records built on it: the lease cache, the site cache,
 * the embedded configuration; plus the candidate list and the backoff. */
#include "testutil.h"
#include <stdio.h>
#include <unistd.h>
#include "boot/boot.h"
#include "boot/config.h"
#include "boot/lease_cache.h"
#include "boot/sites.h"
#include "core/drbg.h"
#include "core/tlv.h"
#include "platform/host/host.h"

static const char magic[4] = { 'T', 'E', 'S', 'T' };

static void test_tlv_round_trip_and_corruption(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct tlv_writer w;
    tlv_begin(&w, buf, sizeof buf);
    tlv_put_u32(&w, 1, 0x01020304u);
    tlv_put_str(&w, 2, "hello");
    tlv_put_u64(&w, 3, 0x1122334455667788ull);
    size_t n = tlv_seal(&w, magic, 7);
    assert_int_equal(n, NB_RECORD_OVERHEAD + 7 + 8 + 11);
    struct tlv_reader r;
    uint8_t version, tag;
    const uint8_t *v;
    size_t len;
    assert_int_equal(tlv_open(&r, buf, n, magic, &version), NB_OK);
    assert_int_equal(version, 7);
    uint32_t u32;
    uint64_t u64;
    char s[8];
    assert_int_equal(tlv_next(&r, &tag, &v, &len), 1);
    assert_true(tag == 1 && tlv_u32(v, len, &u32) && u32 == 0x01020304u);
    assert_int_equal(tlv_next(&r, &tag, &v, &len), 1);
    assert_true(tag == 2 && tlv_str(v, len, s, sizeof s) && strcmp(s, "hello") == 0);
    assert_false(tlv_str(v, len, s, 5)); /* does not fit with its NUL */
    assert_int_equal(tlv_next(&r, &tag, &v, &len), 1);
    assert_true(tag == 3 && tlv_u64(v, len, &u64) && u64 == 0x1122334455667788ull);
    assert_int_equal(tlv_next(&r, &tag, &v, &len), 0);
    /* trailing bytes (a section's padding) are not part of the record */
    assert_int_equal(tlv_open(&r, buf, sizeof buf, magic, NULL), NB_OK);
    /* every single-bit flip is caught, every truncation refused */
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x10;
        nb_err e = tlv_open(&r, buf, n, magic, NULL);
        assert_true(e == NB_E_MALFORMED || (i < 4 && e == NB_E_NOT_FOUND));
        buf[i] ^= 0x10;
    }
    for (size_t cut = 0; cut < n; cut++)
        assert_int_not_equal(tlv_open(&r, buf, cut, magic, NULL), NB_OK);
    /* a writer that overflows seals nothing */
    tlv_begin(&w, buf, NB_RECORD_OVERHEAD + 4);
    tlv_put_str(&w, 1, "too long");
    assert_int_equal(tlv_seal(&w, magic, 1), 0);
}

static void test_tlv_field_runs_past_end(void **state)
{
    (void)state;
    /* A sealed record whose one field claims more bytes than the payload. */
    uint8_t buf[64];
    struct tlv_writer w;
    tlv_begin(&w, buf, sizeof buf);
    tlv_put(&w, 9, "abcd", 4);
    size_t n = tlv_seal(&w, magic, 1);
    struct tlv_reader r;
    assert_int_equal(tlv_open(&r, buf, n, magic, NULL), NB_OK);
    r.len -= 1; /* as if the payload ended one byte early */
    uint8_t tag;
    const uint8_t *v;
    size_t len;
    assert_int_equal(tlv_next(&r, &tag, &v, &len), -1);
}

static void test_lease_cache_round_trip(void **state)
{
    (void)state;
    static struct nb_lease_cache c, d;
    static uint8_t buf[LEASE_CACHE_MAX];
    memset(&c, 0, sizeof c);
    c.have4 = 1;
    memcpy(c.v4.addr, "\xc6\x12\x01\x64", 4);
    memcpy(c.v4.router, "\xc6\x12\x01\x01", 4);
    memcpy(c.v4.server_id, "\xc6\x12\xff\x45", 4);
    c.v4.lease_s = 600;
    c.v4.ndns = 1;
    memcpy(c.v4.dns[0], "\xc6\x12\x00\x35", 4);
    strcpy(c.v4.bootfile, "nearboot.efi");
    strcpy(c.v4.sites[0], "https://boot.nearboot.test/");
    c.v4.nsites = 1;
    c.v4_obtained = 1800000000;
    c.have6 = 1;
    c.v6.addr[0] = 0xfd;
    c.v6.valid_s = 3600;
    strcpy(c.v6.boot_url, "https://[fd00:b007:0:ffff::69]/release/");
    c.v6_obtained = 1800000100;
    size_t n = lease_cache_encode(&c, buf, sizeof buf);
    assert_true(n > NB_RECORD_OVERHEAD);
    assert_int_equal(lease_cache_decode(buf, n, &d), NB_OK);
    assert_memory_equal(d.v4.addr, c.v4.addr, 4);
    assert_memory_equal(d.v4.server_id, c.v4.server_id, 4);
    assert_string_equal(d.v4.bootfile, "nearboot.efi");
    assert_string_equal(d.v4.sites[0], "https://boot.nearboot.test/");
    assert_int_equal(d.v4.ndns, 1);
    assert_string_equal(d.v6.boot_url, c.v6.boot_url);
    assert_int_equal(d.v6_obtained, 1800000100);
    /* validity: lease 600 s obtained at T */
    assert_int_equal(lease_cache_v4_left(&d, 1800000000 + 100), 500);
    assert_int_equal(lease_cache_v4_left(&d, 1800000000 + 600), 0);
    assert_int_equal(lease_cache_v4_left(&d, 1800000000 - 5), 0); /* a clock behind the lease: unknown */
    assert_int_equal(lease_cache_v4_left(&d, 0), 0);               /* no trusted clock */
    assert_int_equal(lease_cache_v6_left(&d, 1800000100 + 3599), 1);
    /* a flipped byte: corrupt, nothing decoded */
    buf[n / 2] ^= 1;
    assert_int_equal(lease_cache_decode(buf, n, &d), NB_E_MALFORMED);
    assert_int_equal(d.have4, 0);
}

static void test_lease_cache_nv(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb-test-lease-XXXXXX";
    assert_non_null(mkdtemp(dir));
    host_nv_dir(dir);
    static struct nb_lease_cache c, d;
    memset(&c, 0, sizeof c);
    assert_int_equal(lease_cache_load(&d), NB_E_NOT_FOUND);
    c.have4 = 1;
    c.v4.lease_s = 42;
    assert_int_equal(lease_cache_store(&c), NB_OK);
    assert_int_equal(lease_cache_load(&d), NB_OK);
    assert_int_equal(d.v4.lease_s, 42);
    /* corrupt it on disk: load says so */
    char path[128];
    snprintf(path, sizeof path, "%s/LeaseCache", dir);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 10, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    assert_int_equal(lease_cache_load(&d), NB_E_MALFORMED);
    remove(path);
    rmdir(dir);
}

static void test_config_round_trip_and_refusals(void **state)
{
    (void)state;
    static struct nb_config c, d;
    static uint8_t blob[NB_CFG_BLOB_SIZE];
    char why[96];
    nb_config_default(&c);
    assert_int_equal(c.dhcp_timeout_ms, 6000);
    assert_int_equal(c.race_stagger_ms, 250);
    strcpy(c.sites[0].url, "https://boot.nearboot.test/release/");
    c.sites[0].weight = 200;
    c.sites[0].anycast = 1;
    c.nsites = 1;
    c.dhcp_servers[0] = nb_ip4(198, 18, 255, 69);
    c.ndhcp_servers = 1;
    c.family = NB_FAM_V6_FIRST;
    c.dhcp_timeout_ms = 3000;
    c.min_release_serial = 5;
    static const uint8_t ca[] = "not really a certificate";
    c.tls_ca = ca;
    c.tls_ca_len = sizeof ca;
    size_t n = nb_config_encode(&c, blob, sizeof blob);
    assert_true(n > 0);
    assert_int_equal(nb_config_decode(blob, n, &d, why, sizeof why), NB_OK);
    assert_string_equal(d.sites[0].url, c.sites[0].url);
    assert_int_equal(d.sites[0].weight, 200);
    assert_int_equal(d.sites[0].anycast, 1);
    assert_true(nb_ip_eq(&d.dhcp_servers[0], &c.dhcp_servers[0]));
    assert_int_equal(d.family, NB_FAM_V6_FIRST);
    assert_int_equal(d.dhcp_timeout_ms, 3000);
    assert_int_equal(d.connect_timeout_ms, 3000); /* a default: not in the blob */
    assert_int_equal(d.min_release_serial, 5);
    assert_int_equal(d.tls_ca_len, sizeof ca);
    assert_memory_equal(d.tls_ca, ca, sizeof ca);
    /* no record at all: the defaults, and NB_E_NOT_FOUND */
    static const uint8_t zeros[64];
    assert_int_equal(nb_config_decode(zeros, sizeof zeros, &d, why, sizeof why), NB_E_NOT_FOUND);
    /* refused: a plain-http site, a timeout out of range; nothing half-applied */
    strcpy(c.sites[0].url, "http://boot.nearboot.test/");
    n = nb_config_encode(&c, blob, sizeof blob);
    assert_int_equal(nb_config_decode(blob, n, &d, why, sizeof why), NB_E_CONFIG_INVALID);
    assert_non_null(strstr(why, "site"));
    assert_int_equal(d.nsites, 0);
    assert_int_equal(d.dhcp_timeout_ms, 6000);
    strcpy(c.sites[0].url, "https://ok.test/");
    c.dhcp_timeout_ms = 5;
    n = nb_config_encode(&c, blob, sizeof blob);
    assert_int_equal(nb_config_decode(blob, n, &d, why, sizeof why), NB_E_CONFIG_INVALID);
    assert_string_equal(why, "dhcp-timeout");
    /* an unknown field (a newer tool) is refused too */
    struct tlv_writer w;
    tlv_begin(&w, blob, sizeof blob);
    tlv_put(&w, 200, "x", 1);
    n = tlv_seal(&w, "NBCF", 1);
    assert_int_equal(nb_config_decode(blob, n, &d, why, sizeof why), NB_E_CONFIG_INVALID);
    assert_non_null(strstr(why, "unknown field"));
}

static void test_site_base_and_candidates(void **state)
{
    (void)state;
    char b[NB_SITE_URL_MAX];
    assert_true(nb_site_base("https://h.test/release/manifest", b, sizeof b));
    assert_string_equal(b, "https://h.test/release/");
    assert_true(nb_site_base("https://h.test/release", b, sizeof b));
    assert_string_equal(b, "https://h.test/release/");
    assert_true(nb_site_base("https://h.test:8443/", b, sizeof b));
    assert_string_equal(b, "https://h.test:8443/");
    assert_true(nb_site_base("https://[fd00:b007::1]/r/?x=1", b, sizeof b));
    assert_string_equal(b, "https://[fd00:b007::1]/r/");
    assert_false(nb_site_base("http://h.test/", b, sizeof b));          /* never unsigned transport */
    assert_false(nb_site_base("tftp://h.test/nearboot.efi", b, sizeof b)); /* a legacy PXE answer */
    assert_false(nb_site_base("nearboot.efi", b, sizeof b));

    static struct nb_candidates l;
    l.n = 0;
    assert_true(nb_candidates_add(&l, "https://a.test/r/manifest", SRC_DHCP_URL, 100));
    assert_false(nb_candidates_add(&l, "https://a.test/r/", SRC_CONFIG, 100)); /* the same site */
    assert_true(nb_candidates_add(&l, "https://b.test/r/", SRC_CONFIG, 100));
    assert_true(nb_candidates_add(&l, "https://c.test/r/", SRC_HARDCODED, 50));
    assert_int_equal(l.n, 3);
    assert_int_equal(l.c[0].source, SRC_DHCP_URL);
    /* the last boot ranked c first, then a: c moves to the front, b keeps its place after a */
    static struct nb_site_cache sc;
    memset(&sc, 0, sizeof sc);
    strcpy(sc.ranked[0], "https://c.test/r/");
    sc.ranked_rtt_us[0] = 1500;
    strcpy(sc.ranked[1], "https://a.test/r/");
    sc.ranked_rtt_us[1] = 40000;
    sc.nranked = 2;
    nb_candidates_apply_cache(&l, &sc);
    assert_string_equal(l.c[0].base, "https://c.test/r/");
    assert_int_equal(l.c[0].cached_rtt_us, 1500);
    assert_int_equal(l.c[0].cached_rank, 1);
    assert_string_equal(l.c[1].base, "https://a.test/r/");
    assert_int_equal(l.c[1].cached_rank, 2);
    assert_string_equal(l.c[2].base, "https://b.test/r/");
    assert_int_equal(l.c[2].cached_rank, 0); /* not in the last ranking */
}

static void test_site_cache_round_trip(void **state)
{
    (void)state;
    static struct nb_site_cache a, b;
    static uint8_t buf[8192];
    memset(&a, 0, sizeof a);
    strcpy(a.last_good, "https://a.test/r/");
    strcpy(a.signed_sites[0], "https://b.test/r/");
    a.nsigned = 1;
    strcpy(a.ranked[0], "https://a.test/r/");
    a.ranked_rtt_us[0] = 1234;
    a.nranked = 1;
    a.ranked_at = 1800000000;
    size_t n = nb_site_cache_encode(&a, buf, sizeof buf);
    assert_int_equal(nb_site_cache_decode(buf, n, &b), NB_OK);
    assert_string_equal(b.last_good, a.last_good);
    assert_string_equal(b.signed_sites[0], a.signed_sites[0]);
    assert_int_equal(b.ranked_rtt_us[0], 1234);
    assert_int_equal(b.ranked_at, 1800000000);
    buf[NB_RECORD_HDR + 1] ^= 0x40;
    assert_int_equal(nb_site_cache_decode(buf, n, &b), NB_E_MALFORMED);
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    static const uint8_t seed[128] = { 1 };
    host_fake_entropy(seed, sizeof seed);
    assert_int_equal(nb_drbg_init(NULL, 0, NULL), NB_OK);
    host_fake_entropy(NULL, 0);
    uint32_t lo[8] = { 0 }, hi[8] = { 0 };
    for (unsigned a = 0; a < 8; a++) {
        lo[a] = 0xffffffffu;
        for (int i = 0; i < 200; i++) {
            uint32_t w = nb_boot_backoff_ms(a);
            lo[a] = w < lo[a] ? w : lo[a];
            hi[a] = w > hi[a] ? w : hi[a];
        }
    }
    assert_true(lo[0] >= 500 && hi[0] < 1500);     /* 1 s ±50% */
    assert_true(lo[3] >= 4000 && hi[3] < 12000);   /* 8 s ±50% */
    assert_true(lo[7] >= 30000 && hi[7] < 90000);  /* capped at 60 s ±50% */
    assert_true(hi[0] - lo[0] > 500);              /* jittered, not fixed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlv_round_trip_and_corruption),
        cmocka_unit_test(test_tlv_field_runs_past_end),
        cmocka_unit_test(test_lease_cache_round_trip),
        cmocka_unit_test(test_lease_cache_nv),
        cmocka_unit_test(test_config_round_trip_and_refusals),
        cmocka_unit_test(test_site_base_and_candidates),
        cmocka_unit_test(test_site_cache_round_trip),
        cmocka_unit_test(test_backoff_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
