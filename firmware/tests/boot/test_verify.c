/* boot/verify.c: CMS signatures and certificate chains (vectors from
 * make-verify-vectors.sh), release policy, the NV serial, streaming artifact
 * checks. Time is VV_NOW unless a test says otherwise, so the vectors do not age. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "boot/config.h"
#include "boot/verify.h"
#include "core/clock.h"
#include "platform/host/host.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"
#include "boot/verify_vectors.h"

static char nvdir[64];

/* Verify from exact-size heap copies: a read past the end trips ASan. */
static nb_err verify_at(const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen,
                        const void *anchor, size_t alen, int64_t now, struct nb_sig_report *rep)
{
    uint8_t *m = malloc(mlen ? mlen : 1), *s = malloc(slen ? slen : 1), *a = malloc(alen ? alen : 1);
    assert_non_null(m);
    assert_non_null(s);
    assert_non_null(a);
    memcpy(m, msg, mlen);
    memcpy(s, sig, slen);
    memcpy(a, anchor, alen);
    nb_err e = nb_verify_signature(m, mlen, s, slen, a, alen, now, rep);
    free(m);
    free(s);
    free(a);
    return e;
}

#define VERIFY(sig, rep) \
    verify_at(vv_manifest, sizeof vv_manifest, sig, sizeof sig, vv_root_der, sizeof vv_root_der, VV_NOW, rep)

static void expect(nb_err got, nb_err want, const char *what)
{
    if (got != want) {
        print_error("%s: got %s, want %s\n", what, nb_errname(got), nb_errname(want));
        fail();
    }
}

static void test_good_ecdsa(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_sig_ec, &r), NB_OK, "ec");
    assert_non_null(strstr(r.signer, "Stage2 Signer"));
    assert_string_equal(r.key, "ECDSA P-256");
    assert_int_equal(r.ncerts, 2);
    assert_int_equal(r.chain_len, 3); /* signer, intermediate, root */
    assert_int_equal(r.fail_depth, -1);
    assert_int_equal(r.x509_flags, 0);
}

static void test_good_rsa(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_sig_rsa, &r), NB_OK, "rsa");
    assert_string_equal(r.key, "RSA 2048");
    assert_non_null(strstr(r.signer, "rsa-signer"));
}

static void test_anchor_forms(void **state)
{
    (void)state;
    struct nb_sig_report r;
    const size_t pem_len = strlen(vv_root_pem);
    /* PEM without its NUL (as the config blob holds it), and with it */
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_pem,
                     pem_len, VV_NOW, &r), NB_OK, "pem");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_pem,
                     pem_len + 1, VV_NOW, &r), NB_OK, "pem+nul");
    /* a signature with the signer only: not enough with the root alone... */
    expect(VERIFY(vv_sig_ec_single, &r), NB_E_SIG_UNTRUSTED, "single vs root");
    /* ...fine when the anchor bundle holds the intermediate (PEM bundle, DER back to back) */
    char bundle[8192];
    snprintf(bundle, sizeof bundle, "%s%s", vv_root_pem, vv_inter_pem);
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec_single, sizeof vv_sig_ec_single,
                     bundle, strlen(bundle), VV_NOW, &r), NB_OK, "single vs pem bundle");
    uint8_t der2[4096];
    memcpy(der2, vv_root_der, sizeof vv_root_der);
    memcpy(der2 + sizeof vv_root_der, vv_inter_der, sizeof vv_inter_der);
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec_single, sizeof vv_sig_ec_single, der2,
                     sizeof vv_root_der + sizeof vv_inter_der, VV_NOW, &r), NB_OK, "single vs der bundle");
    /* no anchor, or one that is not a certificate */
    expect(nb_verify_signature(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, NULL, 0,
                               VV_NOW, &r), NB_E_SIG_NO_ANCHOR, "no anchor");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, "hello", 5, VV_NOW, &r),
           NB_E_SIG_NO_ANCHOR, "text anchor");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                     sizeof vv_root_der - 1, VV_NOW, &r), NB_E_SIG_NO_ANCHOR, "cut anchor");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_pem, pem_len - 30,
                     VV_NOW, &r), NB_E_SIG_NO_ANCHOR, "cut pem anchor");
}

static void test_tampered_manifest(void **state)
{
    (void)state;
    struct nb_sig_report r;
    uint8_t m[sizeof vv_manifest];
    for (size_t i = 0; i < sizeof m; i += 37) {
        memcpy(m, vv_manifest, sizeof m);
        m[i] ^= 0x01;
        expect(verify_at(m, sizeof m, vv_sig_ec, sizeof vv_sig_ec, vv_root_der, sizeof vv_root_der,
                         VV_NOW, &r), NB_E_SIG_BAD, "flipped manifest byte");
        expect(verify_at(m, sizeof m, vv_sig_rsa, sizeof vv_sig_rsa, vv_root_der, sizeof vv_root_der,
                         VV_NOW, &r), NB_E_SIG_BAD, "flipped manifest byte (rsa)");
    }
    /* one byte more or less */
    expect(verify_at(vv_manifest, sizeof vv_manifest - 1, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                     sizeof vv_root_der, VV_NOW, &r), NB_E_SIG_BAD, "shorter manifest");
    /* the expired manifest's signature does not cover this manifest */
    expect(VERIFY(vv_sig_expired_manifest, &r), NB_E_SIG_BAD, "other manifest's signature");
}

static void test_tampered_signature(void **state)
{
    (void)state;
    struct nb_sig_report r;
    uint8_t s[sizeof vv_sig_ec];
    /* the last bytes are the ECDSA signature value */
    memcpy(s, vv_sig_ec, sizeof s);
    s[sizeof s - 2] ^= 0x01;
    expect(verify_at(vv_manifest, sizeof vv_manifest, s, sizeof s, vv_root_der, sizeof vv_root_der, VV_NOW,
                     &r), NB_E_SIG_BAD, "flipped signature byte");
    /* every single-bit flip anywhere in the SignedData is refused */
    for (size_t i = 0; i < sizeof s; i++) {
        memcpy(s, vv_sig_ec, sizeof s);
        s[i] ^= (uint8_t)(1u << (i % 8));
        nb_err e = verify_at(vv_manifest, sizeof vv_manifest, s, sizeof s, vv_root_der, sizeof vv_root_der,
                             VV_NOW, &r);
        if (e == NB_OK) {
            print_error("flip at %zu accepted\n", i);
            fail();
        }
    }
    /* every truncation, and trailing garbage */
    for (size_t n = 0; n < sizeof vv_sig_ec; n++)
        assert_int_not_equal(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, n, vv_root_der,
                                       sizeof vv_root_der, VV_NOW, &r), NB_OK);
    uint8_t longer[sizeof vv_sig_ec + 1];
    memcpy(longer, vv_sig_ec, sizeof vv_sig_ec);
    longer[sizeof vv_sig_ec] = 0;
    expect(VERIFY(longer, &r), NB_E_SIG_NOT_SIGNED_DATA, "trailing byte");
}

static void test_not_signed_data(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_root_der, &r), NB_E_SIG_NOT_SIGNED_DATA, "a certificate");
    expect(verify_at(vv_manifest, sizeof vv_manifest, (const uint8_t *)"", 0, vv_root_der, sizeof vv_root_der,
                     VV_NOW, &r), NB_E_SIG_NOT_SIGNED_DATA, "empty");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_manifest, sizeof vv_manifest, vv_root_der,
                     sizeof vv_root_der, VV_NOW, &r), NB_E_SIG_NOT_SIGNED_DATA, "text");
    expect(nb_verify_signature(vv_manifest, sizeof vv_manifest, NULL, 0, vv_root_der, sizeof vv_root_der,
                               VV_NOW, &r), NB_E_SIG_NOT_SIGNED_DATA, "NULL");
    static uint8_t big[NB_SIG_MAX_LEN + 1];
    expect(verify_at(vv_manifest, sizeof vv_manifest, big, sizeof big, vv_root_der, sizeof vv_root_der,
                     VV_NOW, &r), NB_E_SIG_TOO_BIG, "too big");
}

static void test_cms_shapes(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_sig_attrs, &r), NB_E_SIG_SIGNED_ATTRS, "signed attributes");
    expect(VERIFY(vv_sig_nodetach, &r), NB_E_SIG_NOT_DETACHED, "embedded content");
    expect(VERIFY(vv_sig_two_signers, &r), NB_E_SIG_SIGNER_COUNT, "two signers");
    expect(VERIFY(vv_sig_pss, &r), NB_E_SIG_ALGORITHM, "rsa-pss");
    expect(VERIFY(vv_sig_sha384, &r), NB_E_SIG_ALGORITHM, "sha-384");
    expect(VERIFY(vv_sig_many_certs, &r), NB_E_SIG_TOO_MANY_CERTS, "five certificates");
    expect(VERIFY(vv_sig_nocerts, &r), NB_E_SIG_NO_SIGNER_CERT, "no certificates");
}

static void test_signer_usage(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_sig_noeku, &r), NB_E_SIG_NOT_CODESIGNING, "EKU serverAuth");
    expect(VERIFY(vv_sig_noext, &r), NB_E_SIG_NOT_CODESIGNING, "no EKU extension");
    expect(VERIFY(vv_sig_anyeku, &r), NB_E_SIG_NOT_CODESIGNING, "anyExtendedKeyUsage");
    expect(VERIFY(vv_sig_ku, &r), NB_E_SIG_KEY_USAGE, "KU keyAgreement");
}

static void test_chain(void **state)
{
    (void)state;
    struct nb_sig_report r;
    expect(VERIFY(vv_sig_rogue, &r), NB_E_SIG_UNTRUSTED, "look-alike root");
    assert_true(r.x509_flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    /* the rogue vector is otherwise sound: its own root accepts it */
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_rogue, sizeof vv_sig_rogue, vv_rogue_root_der,
                     sizeof vv_rogue_root_der, VV_NOW, &r), NB_OK, "rogue vs rogue root");
    /* and the real signature does not chain to the rogue root */
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_rogue_root_der,
                     sizeof vv_rogue_root_der, VV_NOW, &r), NB_E_SIG_UNTRUSTED, "ec vs rogue root");
    expect(VERIFY(vv_sig_expired, &r), NB_E_SIG_CERT_EXPIRED, "expired signer");
    assert_int_equal(r.fail_depth, 0);
    /* but it was fine in 2020 */
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_expired, sizeof vv_sig_expired, vv_root_der,
                     sizeof vv_root_der, nb_unix_from_civil(2020, 6, 1, 0, 0, 0), &r),
           NB_E_SIG_CERT_EXPIRED, "expired signer in 2020: the intermediate is not valid yet");
    assert_int_equal(r.fail_depth, 1);
    expect(VERIFY(vv_sig_weak, &r), NB_E_SIG_CHAIN, "RSA-1024 signer");
    assert_true(r.x509_flags & MBEDTLS_X509_BADCERT_BAD_KEY);
}

static void test_trusted_time(void **state)
{
    (void)state;
    struct nb_sig_report r;
    const int64_t t[] = { VV_SIGNER_NOT_BEFORE, VV_SIGNER_NOT_AFTER };
    for (unsigned i = 0; i < 2; i++)
        expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                         sizeof vv_root_der, t[i], &r), NB_OK, "validity edges are inclusive");
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                     sizeof vv_root_der, VV_SIGNER_NOT_BEFORE - 1, &r), NB_E_SIG_CERT_EXPIRED, "before");
    assert_true(r.x509_flags & MBEDTLS_X509_BADCERT_FUTURE);
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                     sizeof vv_root_der, VV_SIGNER_NOT_AFTER + 1, &r), NB_E_SIG_CERT_EXPIRED, "after");
    assert_int_equal(r.fail_depth, 0);
    expect(verify_at(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, vv_root_der,
                     sizeof vv_root_der, VV_ROOT_NOT_AFTER + 1, &r), NB_E_SIG_CERT_EXPIRED, "root expired");
    /* the platform clock does not matter, only the time passed in */
    host_fake_wallclock(1);
    expect(VERIFY(vv_sig_ec, &r), NB_OK, "clock at 1970");
    host_fake_wallclock(0);
}

static struct nb_release_policy policy(void)
{
    struct nb_release_policy p = { vv_root_der, sizeof vv_root_der, VV_NOW, 0, 0 };
    return p;
}

static void test_release_verify(void **state)
{
    (void)state;
    struct nb_release_policy pol = policy();
    struct nb_release_report rep;
    static struct nb_manifest m;
    expect(nb_release_verify(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep),
           NB_OK, "release");
    assert_int_equal(rep.stage, NB_STAGE_DONE);
    assert_int_equal(m.serial, VV_SERIAL);
    assert_int_equal(m.nartifacts, 2);
    assert_string_equal(m.artifacts[0].path, "hello.efi");
    assert_int_equal(m.artifacts[0].size, 4096);
    assert_string_equal(m.artifacts[1].path, "initrd.img");
    assert_string_equal(m.options, "console=ttyS0 nearboot=\"yes\"");
    assert_int_equal(m.nsites, 1);

    /* the artifacts as the script made them */
    static uint8_t entry[4096], initrd[100];
    memset(entry, 'E', sizeof entry);
    memset(initrd, 'I', sizeof initrd);
    expect(nb_artifact_check_buffer(&m.artifacts[0], entry, sizeof entry), NB_OK, "entry");
    expect(nb_artifact_check_buffer(&m.artifacts[1], initrd, sizeof initrd), NB_OK, "initrd");
    expect(nb_artifact_check_buffer(&m.artifacts[1], entry, sizeof initrd), NB_E_ARTIFACT_SHA256, "swapped");

    /* serial floors: equal is fine, below is refused, naming which floor */
    pol.stored_serial = VV_SERIAL;
    pol.min_serial = VV_SERIAL;
    expect(nb_release_verify(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep),
           NB_OK, "equal serial");
    pol.stored_serial = VV_SERIAL + 1;
    expect(nb_release_verify(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep),
           NB_E_RELEASE_ROLLBACK, "rollback");
    assert_int_equal(rep.stage, NB_STAGE_POLICY);
    assert_int_equal(m.nartifacts, 0); /* nothing of a refused release is left */
    char why[160], want[160];
    nb_policy_report_text(NB_E_RELEASE_ROLLBACK, &rep.policy, why, sizeof why); /* the operator sees both values */
    snprintf(want, sizeof want, "release serial %llu is below the highest serial booted here (%llu, NV)",
             (unsigned long long)VV_SERIAL, (unsigned long long)VV_SERIAL + 1);
    assert_string_equal(why, want);
    pol = policy();
    pol.min_serial = VV_SERIAL + 1;
    expect(nb_release_verify(vv_manifest, sizeof vv_manifest, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep),
           NB_E_RELEASE_BELOW_FLOOR, "config floor");
    nb_policy_report_text(NB_E_RELEASE_BELOW_FLOOR, &rep.policy, why, sizeof why);
    snprintf(want, sizeof want, "release serial %llu is below the configured floor %llu (min-serial)",
             (unsigned long long)VV_SERIAL, (unsigned long long)VV_SERIAL + 1);
    assert_string_equal(why, want);

    /* not-after */
    pol = policy();
    expect(nb_release_verify(vv_manifest_expired, sizeof vv_manifest_expired, vv_sig_expired_manifest,
                             sizeof vv_sig_expired_manifest, &pol, &m, &rep), NB_E_RELEASE_EXPIRED, "expired");
    assert_int_equal(rep.stage, NB_STAGE_POLICY);
    nb_policy_report_text(NB_E_RELEASE_EXPIRED, &rep.policy, why, sizeof why);
    assert_non_null(strstr(why, " expired at 20"));
    assert_non_null(strstr(why, "; trusted time is 20"));
    pol.now = nb_unix_from_civil(2021, 1, 1, 0, 0, 0);
    expect(nb_release_check_policy(&(struct nb_manifest){ .not_after = pol.now }, &pol), NB_OK,
           "not-after is the last valid second");

    /* a tampered manifest is refused at the signature: nothing is parsed */
    pol = policy();
    uint8_t t[sizeof vv_manifest];
    memcpy(t, vv_manifest, sizeof t);
    t[sizeof t - 2] ^= 1;
    expect(nb_release_verify(t, sizeof t, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep), NB_E_SIG_BAD, "tampered");
    assert_int_equal(rep.stage, NB_STAGE_SIGNATURE);
    static uint8_t huge[NB_MANIFEST_MAX_LEN + 1];
    expect(nb_release_verify(huge, sizeof huge, vv_sig_ec, sizeof vv_sig_ec, &pol, &m, &rep),
           NB_E_MANIFEST_TOO_BIG, "huge");
}

static void test_nv_serial(void **state)
{
    (void)state;
    uint64_t s = 99;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", nvdir, NB_RELEASE_NV_NAME);
    unlink(path);
    expect(nb_release_stored_serial(&s), NB_OK, "absent");
    assert_int_equal(s, 0);
    expect(nb_release_commit(5), NB_OK, "commit 5");
    expect(nb_release_stored_serial(&s), NB_OK, "read");
    assert_int_equal(s, 5);
    expect(nb_release_commit(3), NB_OK, "commit 3 is a no-op");
    expect(nb_release_stored_serial(&s), NB_OK, "read");
    assert_int_equal(s, 5);
    expect(nb_release_commit(UINT64_MAX), NB_OK, "commit max");
    expect(nb_release_stored_serial(&s), NB_OK, "read");
    assert_true(s == UINT64_MAX);
    /* a corrupt record fails closed, and commit does not paper over it */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 10, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    expect(nb_release_stored_serial(&s), NB_E_RELEASE_NV_CORRUPT, "corrupt");
    expect(nb_release_commit(7), NB_E_RELEASE_NV_CORRUPT, "commit over corrupt");
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("NBRS", 1, 4, f); /* too short to be a record */
    fclose(f);
    expect(nb_release_stored_serial(&s), NB_E_RELEASE_NV_CORRUPT, "short");
    f = fopen(path, "wb");
    for (int i = 0; i < 200; i++)
        fputc(0, f);
    fclose(f);
    expect(nb_release_stored_serial(&s), NB_E_RELEASE_NV_CORRUPT, "too big");
    unlink(path);
}

static void test_policy_load(void **state)
{
    (void)state;
    struct nb_config cfg;
    struct nb_release_policy pol;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", nvdir, NB_RELEASE_NV_NAME);
    unlink(path);
    nb_config_default(&cfg);
    cfg.code_ca = vv_root_der;
    cfg.code_ca_len = sizeof vv_root_der;
    cfg.min_release_serial = 3;
    host_fake_wallclock(nb_clock_floor() - 1);
    expect(nb_release_policy_load(&pol, &cfg), NB_E_CLOCK_BEFORE_FLOOR, "clock before floor");
    host_fake_wallclock(nb_clock_floor() + 10);
    expect(nb_release_commit(4), NB_OK, "commit");
    expect(nb_release_policy_load(&pol, &cfg), NB_OK, "load");
    assert_true(pol.now == nb_clock_floor() + 10);
    assert_int_equal(pol.min_serial, 3);
    assert_int_equal(pol.stored_serial, 4);
    assert_ptr_equal(pol.anchor, vv_root_der);
    host_fake_wallclock(0);
    unlink(path);
}

static void test_artifact_stream(void **state)
{
    (void)state;
    static uint8_t data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    struct nb_artifact a = { "x", sizeof data, { 0 } };
    mbedtls_sha256(data, sizeof data, a.sha256, 0);
    struct nb_artifact_check c;
    const size_t steps[] = { 1, 7, 1000, 4096, sizeof data };
    for (unsigned k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        nb_artifact_check_init(&c, &a);
        for (size_t off = 0; off < sizeof data; off += steps[k]) {
            size_t n = sizeof data - off < steps[k] ? sizeof data - off : steps[k];
            expect(nb_artifact_check_update(&c, data + off, n), NB_OK, "chunk");
        }
        expect(nb_artifact_check_update(&c, data, 0), NB_OK, "empty chunk");
        expect(nb_artifact_check_final(&c), NB_OK, "final");
    }
    /* one byte too many: refused at that update, and it sticks */
    nb_artifact_check_init(&c, &a);
    expect(nb_artifact_check_update(&c, data, sizeof data - 1), NB_OK, "most");
    expect(nb_artifact_check_update(&c, data, 2), NB_E_ARTIFACT_TOO_LONG, "overrun");
    expect(nb_artifact_check_update(&c, data, 1), NB_E_ARTIFACT_TOO_LONG, "sticks");
    expect(nb_artifact_check_final(&c), NB_E_ARTIFACT_TOO_LONG, "final after overrun");
    /* short */
    nb_artifact_check_init(&c, &a);
    expect(nb_artifact_check_update(&c, data, sizeof data - 1), NB_OK, "short");
    expect(nb_artifact_check_final(&c), NB_E_ARTIFACT_TRUNCATED, "truncated");
    expect(nb_artifact_check_final(&c), NB_E_ARTIFACT_TRUNCATED, "final twice");
    expect(nb_artifact_check_update(&c, data, 1), NB_E_ARTIFACT_TRUNCATED, "update after final");
    /* altered */
    data[5000] ^= 0x80;
    expect(nb_artifact_check_buffer(&a, data, sizeof data), NB_E_ARTIFACT_SHA256, "altered");
    data[5000] ^= 0x80;
    expect(nb_artifact_check_buffer(&a, data, sizeof data), NB_OK, "restored");
    /* an empty artifact */
    struct nb_artifact z = { "z", 0, { 0 } };
    mbedtls_sha256(data, 0, z.sha256, 0);
    expect(nb_artifact_check_buffer(&z, data, 0), NB_OK, "empty");
    expect(nb_artifact_check_buffer(&z, data, 1), NB_E_ARTIFACT_TOO_LONG, "not empty");
    /* a size the platform cannot even buffer is still checked arithmetically */
    struct nb_artifact big = { "b", NB_MANIFEST_ARTIFACT_MAX, { 0 } };
    nb_artifact_check_init(&c, &big);
    expect(nb_artifact_check_update(&c, data, sizeof data), NB_OK, "big");
    expect(nb_artifact_check_final(&c), NB_E_ARTIFACT_TRUNCATED, "big truncated");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_ecdsa),
        cmocka_unit_test(test_good_rsa),
        cmocka_unit_test(test_anchor_forms),
        cmocka_unit_test(test_tampered_manifest),
        cmocka_unit_test(test_tampered_signature),
        cmocka_unit_test(test_not_signed_data),
        cmocka_unit_test(test_cms_shapes),
        cmocka_unit_test(test_signer_usage),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_trusted_time),
        cmocka_unit_test(test_release_verify),
        cmocka_unit_test(test_nv_serial),
        cmocka_unit_test(test_policy_load),
        cmocka_unit_test(test_artifact_stream),
    };
    strcpy(nvdir, "/tmp/nb-test-verify-XXXXXX");
    if (!mkdtemp(nvdir))
        return 1;
    host_nv_dir(nvdir);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(nvdir);
    return rc;
}
