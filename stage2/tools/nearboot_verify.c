/*
 * nearboot-verify: check a release directory before publishing it, with the
 * first stage's own code (boot/verify.c, boot/manifest.c, mbedTLS built with
 * the firmware's configuration), printing each check.
 *
 *   nearboot-verify --root FILE [--floor N] [--min-serial N] [--now TIME]
 *                   [--nv-dir DIR [--commit]] RELEASE_DIR
 *
 *   --root FILE      the code-signing root (PEM or DER), as in the image's code-ca
 *   --floor N        the highest serial the machine booted (NV ReleaseSerial); default 0
 *   --min-serial N   the embedded configuration's min-serial; default 0
 *   --now TIME       judge expiry at TIME (YYYY-MM-DDTHH:MM:SSZ or @UNIX) instead of the clock
 *   --nv-dir DIR     read the floor from a host NV directory (as nb-probe keeps it), and
 *   --commit         raise it to this release's serial when every check passed
 *
 * RELEASE_DIR holds `manifest`, `manifest.sig` (DER CMS) and the artifacts the
 * manifest lists. The signature is checked first; a manifest whose signature
 * fails is not read further. Exit status 0 when every check passed, 1 when
 * any failed, 2 on a usage error. Each failure names the firmware's error
 * code (NB_E_...), the same reason the first stage would print.
 */
#define _GNU_SOURCE
#include "boot/manifest.h"
#include "boot/verify.h"
#include "core/clock.h"
#include "core/err.h"
#include "mbedtls/x509_crt.h"
#include "platform/host/host.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A command-line tool: buffers live until exit (LeakSanitizer stays quiet). */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

static unsigned checks, failures;

static void usage(void)
{
    fprintf(stderr, "usage: nearboot-verify --root FILE [--floor N] [--min-serial N] [--now TIME]\n"
                    "                       [--nv-dir DIR [--commit]] RELEASE_DIR\n");
    exit(2);
}

static void ok(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(const char *what, const char *fmt, ...)
{
    va_list ap;
    checks++;
    printf("  ok    %-10s ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void bad(const char *what, nb_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(const char *what, nb_err e, const char *fmt, ...)
{
    va_list ap;
    checks++;
    failures++;
    printf("  FAIL  %-10s ", what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("%s%s [%s]\n", fmt[0] ? ": " : "", nb_strerror(e), nb_errname(e));
}

static int finish(void)
{
    if (failures == 0)
        printf("nearboot-verify: release OK (%u checks passed)\n", checks);
    else
        printf("nearboot-verify: REFUSED (%u of %u checks failed)\n", failures, checks);
    return failures ? 1 : 0;
}

/* Read a whole small file; NULL with errno set, or ENOSPC when over max. */
static uint8_t *slurp(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (!b || err) {
        free(b);
        errno = EIO;
        return NULL;
    }
    if (n > max) {
        free(b);
        errno = ENOSPC;
        return NULL;
    }
    *len = n;
    return b;
}

static uint64_t number(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || s[0] == '-')
        usage();
    return v;
}

static int64_t parse_now(const char *s)
{
    int y, mo, d, h, mi, se, n = 0;
    if (s[0] == '@')
        return (int64_t)number(s + 1);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || s[n] != 0)
        usage();
    return nb_unix_from_civil(y, mo, d, h, mi, se);
}

static const char *when(int64_t t)
{
    static char buf[4][21];
    static unsigned k;
    char *b = buf[k++ % 4];
    if (nb_manifest_time_text(t, b) == 0)
        snprintf(b, 21, "@%lld", (long long)t);
    return b;
}

/* The artifact's file: inside the release directory even after symlinks,
 * streamed through the first stage's checker in 64 KiB pieces. */
static void check_artifact(const char *dir, const char *real_dir, const struct nb_artifact *a, const char *what)
{
    char path[PATH_MAX], real[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, a->path);
    if (!realpath(path, real)) {
        checks++;
        failures++;
        printf("  FAIL  %-10s %s: cannot open: %s\n", what, a->path, strerror(errno));
        return;
    }
    size_t rl = strlen(real_dir);
    if (strncmp(real, real_dir, rl) != 0 || real[rl] != '/') {
        bad(what, NB_E_MANIFEST_PATH_ESCAPES, "%s resolves to %s (a symlink out of the release)", a->path, real);
        return;
    }
    FILE *f = fopen(real, "rb");
    if (!f) {
        checks++;
        failures++;
        printf("  FAIL  %-10s %s: cannot open: %s\n", what, a->path, strerror(errno));
        return;
    }
    static uint8_t buf[65536];
    struct nb_artifact_check c;
    nb_artifact_check_init(&c, a);
    nb_err e = NB_OK;
    uint64_t got = 0;
    size_t n;
    while (e == NB_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        got += n;
        e = nb_artifact_check_update(&c, buf, n);
    }
    if (e == NB_OK && ferror(f))
        e = NB_E_IO;
    fclose(f);
    nb_err fin = nb_artifact_check_final(&c);
    if (e == NB_OK)
        e = fin;
    if (e == NB_OK)
        ok(what, "%s: %llu bytes, sha256 matches", a->path, (unsigned long long)a->size);
    else if (e == NB_E_ARTIFACT_TOO_LONG)
        bad(what, e, "%s: more than the manifest's %llu bytes", a->path, (unsigned long long)a->size);
    else if (e == NB_E_ARTIFACT_TRUNCATED)
        bad(what, e, "%s: %llu bytes, the manifest says %llu", a->path, (unsigned long long)got,
            (unsigned long long)a->size);
    else
        bad(what, e, "%s", a->path);
}

int main(int argc, char **argv)
{
    const char *root = NULL, *dir = NULL, *nv_dir = NULL;
    uint64_t floor_serial = 0, min_serial = 0;
    int have_now = 0, have_floor = 0, commit = 0;
    int64_t now = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--commit") == 0) {
            commit = 1;
        } else if (a[0] == '-' && a[1] == '-' && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(a, "--root") == 0)
                root = v;
            else if (strcmp(a, "--floor") == 0)
                floor_serial = number(v), have_floor = 1;
            else if (strcmp(a, "--min-serial") == 0)
                min_serial = number(v);
            else if (strcmp(a, "--now") == 0)
                now = parse_now(v), have_now = 1;
            else if (strcmp(a, "--nv-dir") == 0)
                nv_dir = v;
            else
                usage();
        } else if (a[0] != '-' && !dir) {
            dir = a;
        } else {
            usage();
        }
    }
    if (!root || !dir || (commit && !nv_dir) || (nv_dir && have_floor))
        usage();

    printf("nearboot-verify: release %s\n", dir);
    size_t root_len, man_len, sig_len;
    uint8_t *anchor = slurp(root, NB_ANCHOR_MAX_LEN, &root_len);
    if (!anchor) {
        fprintf(stderr, "nearboot-verify: %s: %s\n", root, strerror(errno));
        return 2;
    }
    char path[PATH_MAX], real_dir[PATH_MAX];
    if (!realpath(dir, real_dir)) {
        fprintf(stderr, "nearboot-verify: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/manifest", dir);
    uint8_t *man = slurp(path, NB_MANIFEST_MAX_LEN, &man_len);
    if (!man) {
        if (errno == ENOSPC)
            bad("manifest", NB_E_MANIFEST_TOO_BIG, "%s", path);
        else
            bad("manifest", NB_E_NOT_FOUND, "%s: %s", path, strerror(errno));
        return finish();
    }
    snprintf(path, sizeof path, "%s/manifest.sig", dir);
    uint8_t *sig = slurp(path, NB_SIG_MAX_LEN, &sig_len);
    if (!sig) {
        if (errno == ENOSPC)
            bad("signature", NB_E_SIG_TOO_BIG, "%s", path);
        else
            bad("signature", NB_E_NOT_FOUND, "%s: %s", path, strerror(errno));
        return finish();
    }

    /* Time: as the first stage sees it (the clock, refused below the build
     * floor), unless the operator asks about another instant. */
    if (!have_now) {
        nb_err e = nb_trusted_time(&now);
        if (e != NB_OK) {
            bad("clock", e, "");
            return finish();
        }
    }
    printf("  time  %s%s\n", when(now), have_now ? " (--now)" : "");
    if (nv_dir) {
        host_nv_dir(nv_dir);
        nb_err e = nb_release_stored_serial(&floor_serial);
        if (e != NB_OK) {
            bad("nv", e, "%s", nv_dir);
            return finish();
        }
    }

    struct nb_sig_report rep;
    nb_err e = nb_verify_signature(man, man_len, sig, sig_len, anchor, root_len, now, &rep);
    if (e != NB_OK) {
        char info[512] = "";
        if (rep.x509_flags)
            mbedtls_x509_crt_verify_info(info, sizeof info, "; ", rep.x509_flags);
        for (char *p = info; *p; p++)
            if (*p == '\n')
                *p = ' ';
        if (rep.signer[0] && rep.fail_depth >= 0)
            bad("signature", e, "signer \"%s\", certificate at depth %d (0 = signer)%s", rep.signer,
                rep.fail_depth, info);
        else if (rep.signer[0])
            bad("signature", e, "signer \"%s\"%s", rep.signer, info);
        else
            bad("signature", e, "");
        return finish();
    }
    ok("signature", "CMS by \"%s\" (%s), %u certificate%s carried, chain of %u to the root, codeSigning",
       rep.signer, rep.key, rep.ncerts, rep.ncerts == 1 ? "" : "s", rep.chain_len);

    static struct nb_manifest m;
    struct nb_manifest_error where;
    e = nb_manifest_parse(man, man_len, &m, &where);
    if (e != NB_OK) {
        if (where.line)
            bad("manifest", e, "line %u%s%s%s", where.line, where.key ? " (" : "", where.key ? where.key : "",
                where.key ? ")" : "");
        else
            bad("manifest", e, "%s", where.key ? where.key : "");
        return finish();
    }
    ok("manifest", "format %u, serial %llu, not-after %s, %u artifact%s, %u site%s%s", m.version,
       (unsigned long long)m.serial, when(m.not_after), m.nartifacts, m.nartifacts == 1 ? "" : "s", m.nsites,
       m.nsites == 1 ? "" : "s", m.has_options ? ", load options" : "");

    /* Policy, one rule at a time, each decided by the firmware's check. */
    struct nb_release_policy p = { anchor, root_len, now, 0, 0 };
    if ((e = nb_release_check_policy(&m, &p)) == NB_OK)
        ok("not-after", "%s is not past (now %s)", when(m.not_after), when(now));
    else
        bad("not-after", e, "%s is before %s", when(m.not_after), when(now));
    p = (struct nb_release_policy){ anchor, root_len, INT64_MIN, min_serial, 0 };
    if ((e = nb_release_check_policy(&m, &p)) == NB_OK)
        ok("serial", "%llu >= min-serial %llu", (unsigned long long)m.serial, (unsigned long long)min_serial);
    else
        bad("serial", e, "%llu < min-serial %llu", (unsigned long long)m.serial, (unsigned long long)min_serial);
    p = (struct nb_release_policy){ anchor, root_len, INT64_MIN, 0, floor_serial };
    if ((e = nb_release_check_policy(&m, &p)) == NB_OK)
        ok("serial", "%llu >= stored %llu", (unsigned long long)m.serial, (unsigned long long)floor_serial);
    else
        bad("serial", e, "%llu < stored %llu", (unsigned long long)m.serial, (unsigned long long)floor_serial);

    for (unsigned i = 0; i < m.nartifacts; i++)
        check_artifact(dir, real_dir, &m.artifacts[i], i == 0 ? "entry" : i == m.initrd ? "initrd" : "artifact");
    if (m.has_options)
        printf("  info  options    \"%s\"\n", m.options);
    for (unsigned i = 0; i < m.nsites; i++)
        printf("  info  site       %s\n", m.sites[i]);
    if (m.has_created)
        printf("  info  created    %s\n", when(m.created));

    if (commit && failures == 0) {
        if ((e = nb_release_commit(m.serial)) == NB_OK)
            ok("commit", "stored serial is now at least %llu (%s)", (unsigned long long)m.serial, nv_dir);
        else
            bad("commit", e, "%s", nv_dir);
    }
    return finish();
}
