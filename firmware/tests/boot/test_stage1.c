/* boot/stage1.c: the whole first stage on the host platform, with scripted
 * entropy, a fixed wall clock, an NV store in a temporary directory and a
 * PXE cache holding packets built by testutil.h. */
#include "testutil.h"
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "boot/dhcp4_msg.h"
#include "boot/stage1.h"
#include "core/err.h"
#include "nb_version.h"
#include "platform/host/host.h"

#define WALLCLOCK (NB_BUILD_EPOCH + 86400)

static char cap[64 * 1024];
static char nvdir[64];
static uint8_t entropy[64];
static struct t_pkt ack;
static uint8_t v6_cache[1472];

static int setup(void **state)
{
    (void)state;
    strcpy(nvdir, "/tmp/nb-test-stage1-XXXXXX");
    if (!mkdtemp(nvdir))
        return -1;
    host_nv_dir(nvdir);
    for (size_t i = 0; i < sizeof entropy; i++)
        entropy[i] = (uint8_t)(0x5a ^ i);
    t4_build_ack(&ack);
    struct t_pkt reply;
    t6_build_reply(&reply, 7);
    memcpy(v6_cache, reply.b, reply.len); /* zero-padded, as firmware caches it */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/BootCount", nvdir);
    unlink(path);
    rmdir(nvdir);
    return 0;
}

/* Per test: a clean NV store, scripted entropy, a trusted clock. */
static int setup_each(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/BootCount", nvdir);
    unlink(path);
    host_fake_entropy(entropy, sizeof entropy);
    host_fake_wallclock(WALLCLOCK);
    host_console_capture(cap, sizeof cap);
    return 0;
}

static int teardown_each(void **state)
{
    (void)state;
    host_console_capture(NULL, 0);
    host_fake_entropy(NULL, 0);
    host_fake_wallclock(0);
    return 0;
}

static struct nb_env v4_env(void)
{
    struct nb_env env = {
        .platform = "host",
        .pxe = { .found = 1, .using_ipv6 = 0, .dhcp_ack = { ack.b, ack.len } },
        .nic = { .status = NB_OK, .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, .mtu = 1500,
                 .link = 1, .access = "exclusive" },
    };
    return env;
}

/* A whole console line, after its "[ssss.mmm] " prefix. */
static void expect_line(const char *text)
{
    char want[600];
    snprintf(want, sizeof want, "] %s\n", text);
    if (!strstr(cap, want)) {
        print_error("console has no line \"%s\"; console:\n%s", text, cap);
        fail();
    }
}

/* A line that starts with text. */
static void expect_line_start(const char *text)
{
    char want[600];
    snprintf(want, sizeof want, "] %s", text);
    if (!strstr(cap, want)) {
        print_error("console has no line starting \"%s\"; console:\n%s", text, cap);
        fail();
    }
}

static void expect_no(const char *text)
{
    if (strstr(cap, text)) {
        print_error("console has \"%s\"; console:\n%s", text, cap);
        fail();
    }
}

static void test_v4_boot_twice(void **state)
{
    (void)state;
    struct nb_env env = v4_env();
    assert_int_equal(nb_stage1(&env), NB_E_NO_NIC); /* no netdev in this env */

    expect_line("nearboot " NB_VERSION " (build " NB_BUILD_ID ", " NB_BUILD_DATE ") on host");
    assert_memory_equal(strchr(cap, ']'), "] nearboot ", 11); /* the banner comes first */
    expect_line("drbg: HMAC-DRBG-SHA256 self-test passed, seeded from os");
    expect_line_start("crypto: self-test passed (sha256, cms/ecdsa-p256, tls client hello) in ");

    struct tm tm;
    time_t t = (time_t)WALLCLOCK;
    gmtime_r(&t, &tm);
    char clock_line[128];
    snprintf(clock_line, sizeof clock_line, "clock: %04d-%02d-%02dT%02d:%02d:%02dZ (floor %lld)",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long long)NB_BUILD_EPOCH);
    expect_line(clock_line);

    expect_line("pxe cache: v4 dhcp-ack ACK: address 198.18.1.100 server 198.18.255.69 "
                "boot file '" T4_ACK_BOOTFILE "' tftp server " T4_ACK_TFTP);
    expect_line("nic: mac 52:54:00:12:34:56 mtu 1500 link up (exclusive)");
    expect_line("nv: boot count 1");
    expect_line_start("nearboot: ready (");
    expect_no("error:");
    expect_no("warning:");
    /* the order of the phases */
    assert_true(strstr(cap, "pxe cache:") < strstr(cap, "nic: mac"));
    assert_true(strstr(cap, "nv: boot count") < strstr(cap, "nearboot: ready"));

    /* The NV store holds the count, little-endian. */
    char path[128];
    snprintf(path, sizeof path, "%s/BootCount", nvdir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t v[8];
    assert_int_equal(fread(v, 1, sizeof v, f), 4);
    fclose(f);
    assert_memory_equal(v, "\x01\x00\x00\x00", 4);

    /* Second boot: the count goes up. */
    host_console_capture(cap, sizeof cap);
    assert_int_equal(nb_stage1(&env), NB_E_NO_NIC); /* no netdev in this env */
    expect_line("nv: boot count 2");
    expect_no("nv: boot count 1");
    expect_line_start("nearboot: ready (");
}

static void test_v6_cache(void **state)
{
    (void)state;
    struct nb_env env = v4_env();
    env.pxe.using_ipv6 = 1;
    env.pxe.dhcp_ack = (struct nb_blob){ v6_cache, sizeof v6_cache };
    assert_int_equal(nb_stage1(&env), NB_E_NO_NIC); /* no netdev in this env */
    expect_line("pxe cache: v6 dhcp-ack: address fd00:b007:1::100 server duid "
                "00030001525400ff0069 boot url '" T6_URL "'");
    expect_line("nv: boot count 1");
    expect_no("error:");
}

static void test_bad_cached_packet_is_reported_not_fatal(void **state)
{
    (void)state;
    struct t_pkt bad = ack;
    bad.b[DHCP4_FIXED_LEN] ^= 0xff;
    struct nb_env env = v4_env();
    env.pxe.dhcp_ack = (struct nb_blob){ bad.b, bad.len };
    env.pxe.proxy_offer = (struct nb_blob){ ack.b, 100 };
    assert_int_equal(nb_stage1(&env), NB_E_NO_NIC); /* no netdev in this env */
    expect_line("error: pxe cache: DHCPv4 dhcp-ack packet ignored: "
                "wrong magic cookie or protocol identifier (NB_E_BAD_MAGIC)");
    expect_line("error: pxe cache: DHCPv4 proxy-offer packet ignored: "
                "packet shorter than its header or a length field says (NB_E_TRUNCATED)");
    expect_line_start("nearboot: ready (");
}

static void test_no_pxe_clock_nic_problems(void **state)
{
    (void)state;
    struct nb_env env = v4_env();
    env.pxe = (struct nb_pxe_cache){ 0 };
    env.nic.status = NB_E_NIC_BUSY;
    host_fake_wallclock(NB_BUILD_EPOCH - 1);
    assert_int_equal(nb_stage1(&env), NB_E_NIC_BUSY); /* nothing can be booted without the NIC */
    expect_line("pxe cache: none (not PXE-booted, or the firmware kept no packets)");
    expect_line("warning: clock: the real-time clock is earlier than the trusted floor "
                "(build time); set the clock; TLS and manifest expiry checks will refuse to run");
    expect_line("error: nic: boot NIC not available: network interface in use by another "
                "driver (NB_E_NIC_BUSY)");
    expect_line_start("nearboot: ready (");

    host_console_capture(cap, sizeof cap);
    env.pxe.found = 1;
    env.pxe.using_ipv6 = 1;
    assert_int_equal(nb_stage1(&env), NB_E_NIC_BUSY);
    expect_line("pxe cache: present, but no DHCP packets cached (IPv6)");
}

static void test_no_entropy_stops(void **state)
{
    (void)state;
    struct nb_env env = v4_env();
    host_fake_entropy(entropy, 16); /* not enough for a seed */
    assert_int_equal(nb_stage1(&env), NB_E_ENTROPY);
    expect_line_start("error: drbg: could not seed; check that the platform has RDRAND");
    expect_no("nearboot: ready");
    expect_no("nv: boot count");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v4_boot_twice, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_v6_cache, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_bad_cached_packet_is_reported_not_fatal,
                                        setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_no_pxe_clock_nic_problems, setup_each,
                                        teardown_each),
        cmocka_unit_test_setup_teardown(test_no_entropy_stops, setup_each, teardown_each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
