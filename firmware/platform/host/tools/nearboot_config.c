/*
 * nearboot-config: show, validate and rewrite the embedded configuration of
 * a built nearboot.efi, without recompiling (then Secure-Boot-sign it).
 *
 *   nearboot-config show IMAGE
 *   nearboot-config set IMAGE [--out FILE] [--reset] [options...]
 *     --site URL[,weight=N][,anycast]   (repeatable; https only)
 *     --dhcp-server IP  --boot-server IP (repeatable; v4 or v6)
 *     --family race|v6-first|v4-first|v4-only|v6-only
 *     --dhcp-timeout MS --connect-timeout MS --tls-timeout MS --idle-timeout MS
 *     --overall-timeout MS --race-stagger MS --min-serial N --verbosity 0|1|2
 *     --tls-ca FILE --code-ca FILE      (PEM or DER; checked as X.509)
 *
 * The record is built by the firmware's own encoder and read back with the
 * firmware's own decoder before anything is written; an invalid setting is
 * refused and the image is left untouched.
 */
#define _GNU_SOURCE
#include "boot/config.h"
#include "core/err.h"
#include "mbedtls/x509_crt.h"
#include "net/addr.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A command-line tool that exits on the first error: its buffers live until
 * exit by design, so LeakSanitizer (host builds use ASan) has nothing to say. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "nearboot-config: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0 || n > (64l << 20))
        die("%s: unreasonable size", path);
    uint8_t *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        die("cannot read %s", path);
    fclose(f);
    b[n] = 0;
    *len = (size_t)n;
    return b;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Find the .nbcfg section's file bytes in a PE image (bounded walk). */
static uint8_t *find_section(uint8_t *img, size_t len, size_t *sec_len)
{
    if (len < 0x40 || img[0] != 'M' || img[1] != 'Z')
        die("%s", "not a PE image (no MZ header)");
    size_t pe = le32(img + 0x3c);
    if (pe > len - 24 || memcmp(img + pe, "PE\0\0", 4) != 0)
        die("%s", "not a PE image (no PE signature)");
    unsigned nsec = le16(img + pe + 6), optsz = le16(img + pe + 20);
    size_t table = pe + 24 + optsz;
    if (table > len || nsec > 96 || (size_t)nsec * 40 > len - table)
        die("%s", "PE section table out of bounds");
    for (unsigned i = 0; i < nsec; i++) {
        const uint8_t *s = img + table + 40u * i;
        if (strncmp((const char *)s, NB_CFG_SECTION, 8) != 0)
            continue;
        size_t raw = le32(s + 16), off = le32(s + 20);
        if (off > len || raw > len - off || raw < NB_CFG_BLOB_SIZE)
            die("%s", "the .nbcfg section is out of bounds or too small");
        if (memcmp(img + off, NB_CFG_MARKER, NB_CFG_MARKER_LEN) != 0)
            die("%s", "the .nbcfg section has no nearboot marker");
        *sec_len = NB_CFG_BLOB_SIZE - NB_CFG_MARKER_LEN;
        return img + off + NB_CFG_MARKER_LEN;
    }
    die("%s", "no .nbcfg section: not a nearboot image");
    return NULL;
}

static void show(const struct nb_config *c, nb_err e, const char *why)
{
    if (e == NB_E_NOT_FOUND)
        printf("embedded configuration: none (built-in defaults)\n");
    else if (e != NB_OK)
        printf("embedded configuration: INVALID (%s): the image refuses to boot\n", why);
    else
        printf("embedded configuration: valid\n");
    for (unsigned i = 0; i < c->nsites; i++)
        printf("site            %s weight=%u%s\n", c->sites[i].url, c->sites[i].weight,
               c->sites[i].anycast ? " anycast" : "");
    char a[48];
    for (unsigned i = 0; i < c->ndhcp_servers; i++) {
        nb_ip_text(a, sizeof a, &c->dhcp_servers[i]);
        printf("dhcp-server     %s\n", a);
    }
    for (unsigned i = 0; i < c->nboot_servers; i++) {
        nb_ip_text(a, sizeof a, &c->boot_servers[i]);
        printf("boot-server     %s\n", a);
    }
    printf("family          %s\n", nb_family_name(c->family));
    printf("dhcp-timeout    %u ms\nconnect-timeout %u ms\ntls-timeout     %u ms\n", c->dhcp_timeout_ms,
           c->connect_timeout_ms, c->tls_timeout_ms);
    printf("idle-timeout    %u ms\noverall-timeout %u ms\nrace-stagger    %u ms\n", c->idle_timeout_ms,
           c->overall_timeout_ms, c->race_stagger_ms);
    printf("min-serial      %u\nverbosity       %u\n", c->min_release_serial, c->verbosity);
    printf("tls-ca          %zu bytes\ncode-ca         %zu bytes\n", c->tls_ca_len, c->code_ca_len);
}

static uint32_t num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || !*s || v > 0xffffffffUL)
        die("not a number: %s", s);
    return (uint32_t)v;
}

static void check_ca(const uint8_t *b, size_t len, const char *path)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    /* PEM needs its terminating NUL counted; read_file appended one. */
    int r = mbedtls_x509_crt_parse(&crt, b, len + (strstr((const char *)b, "-----BEGIN") ? 1 : 0));
    mbedtls_x509_crt_free(&crt);
    if (r != 0)
        die("%s: not a certificate (PEM or DER) mbedTLS can parse", path);
}

static void set_option(struct nb_config *c, const char *opt, const char *val)
{
    static const struct { const char *name; size_t off; } ms[] = {
        { "--dhcp-timeout", offsetof(struct nb_config, dhcp_timeout_ms) },
        { "--connect-timeout", offsetof(struct nb_config, connect_timeout_ms) },
        { "--tls-timeout", offsetof(struct nb_config, tls_timeout_ms) },
        { "--idle-timeout", offsetof(struct nb_config, idle_timeout_ms) },
        { "--overall-timeout", offsetof(struct nb_config, overall_timeout_ms) },
        { "--race-stagger", offsetof(struct nb_config, race_stagger_ms) },
    };
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        if (strcmp(opt, ms[i].name) == 0) {
            uint32_t v = num(val);
            memcpy((uint8_t *)c + ms[i].off, &v, sizeof v);
            return;
        }
    }
    if (strcmp(opt, "--site") == 0) {
        if (c->nsites >= NB_CFG_MAX_SITES)
            die("%s", "too many sites");
        struct nb_site *s = &c->sites[c->nsites++];
        char tmp[NB_CFG_URL_MAX + 64];
        snprintf(tmp, sizeof tmp, "%s", val);
        s->weight = 100;
        char *attr = strchr(tmp, ',');
        if (attr)
            *attr++ = 0;
        while (attr) {
            char *next = strchr(attr, ',');
            if (next)
                *next++ = 0;
            if (strncmp(attr, "weight=", 7) == 0) {
                uint32_t w = num(attr + 7);
                if (w > 255)
                    die("site weight is 0..255: %s", val);
                s->weight = (uint8_t)w;
            } else if (strcmp(attr, "anycast") == 0) {
                s->anycast = 1;
            } else {
                die("unknown site attribute in %s (weight=N, anycast)", val);
            }
            attr = next;
        }
        if (strlen(tmp) >= sizeof s->url)
            die("site URL too long: %s", val);
        snprintf(s->url, sizeof s->url, "%s", tmp);
    } else if (strcmp(opt, "--dhcp-server") == 0 || strcmp(opt, "--boot-server") == 0) {
        int dhcp = opt[2] == 'd';
        struct nb_ip *list = dhcp ? c->dhcp_servers : c->boot_servers;
        unsigned *n = dhcp ? &c->ndhcp_servers : &c->nboot_servers;
        if (*n >= NB_CFG_MAX_FALLBACK || !nb_ip_parse(val, &list[*n]))
            die("not an IP address (or too many): %s", val);
        (*n)++;
    } else if (strcmp(opt, "--family") == 0) {
        for (int f = NB_FAM_RACE; f <= NB_FAM_V6_ONLY; f++)
            if (strcmp(val, nb_family_name((enum nb_family_pref)f)) == 0) {
                c->family = (enum nb_family_pref)f;
                return;
            }
        die("unknown family: %s", val);
    } else if (strcmp(opt, "--min-serial") == 0) {
        c->min_release_serial = num(val);
    } else if (strcmp(opt, "--verbosity") == 0) {
        c->verbosity = (uint8_t)num(val);
        if (c->verbosity > 2)
            die("verbosity is 0, 1 or 2: %s", val);
    } else if (strcmp(opt, "--tls-ca") == 0 || strcmp(opt, "--code-ca") == 0) {
        size_t len;
        uint8_t *b = read_file(val, &len);
        check_ca(b, len, val);
        if (opt[2] == 't') {
            c->tls_ca = b;
            c->tls_ca_len = len;
        } else {
            c->code_ca = b;
            c->code_ca_len = len;
        }
    } else {
        die("unknown option %s", opt);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "set") != 0 &&
                     strcmp(argv[1], "validate") != 0)) {
        fprintf(stderr, "usage: nearboot-config show|validate IMAGE\n"
                        "       nearboot-config set IMAGE [--out FILE] [--reset] [--site URL[,weight=N][,anycast]]...\n"
                        "           [--dhcp-server IP]... [--boot-server IP]... [--family F] [--dhcp-timeout MS]\n"
                        "           [--connect-timeout MS] [--tls-timeout MS] [--idle-timeout MS] [--overall-timeout MS]\n"
                        "           [--race-stagger MS] [--min-serial N] [--verbosity N] [--tls-ca FILE] [--code-ca FILE]\n");
        return 2;
    }
    const char *image = argv[2];
    size_t len, sec_len;
    uint8_t *img = read_file(image, &len);
    uint8_t *sec = find_section(img, len, &sec_len);
    static struct nb_config c;
    char why[96] = "";
    nb_err e = nb_config_decode(sec, sec_len, &c, why, sizeof why);
    if (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "validate") == 0) {
        if (argv[1][0] == 's')
            show(&c, e, why);
        return e == NB_OK || e == NB_E_NOT_FOUND ? 0 : 1;
    }
    if (e != NB_OK && e != NB_E_NOT_FOUND)
        nb_config_default(&c); /* rewriting an invalid blob starts from defaults */
    const char *out = image;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--reset") == 0) {
            nb_config_default(&c);
            continue;
        }
        if (i + 1 >= argc)
            die("missing value for %s", argv[i]);
        if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else
            set_option(&c, argv[i], argv[i + 1]);
        i++;
    }
    static uint8_t blob[NB_CFG_BLOB_SIZE];
    size_t n = nb_config_encode(&c, blob, sizeof blob);
    if (!n || n > sec_len)
        die("%s", "the configuration does not fit the image's .nbcfg section (16 KiB)");
    static struct nb_config check;
    if (nb_config_decode(blob, n, &check, why, sizeof why) != NB_OK)
        die("invalid setting: %s (nothing written)", why);
    memset(sec, 0, sec_len);
    memcpy(sec, blob, n);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0)
        die("cannot write %s", tmp);
    if (rename(tmp, out) != 0)
        die("cannot replace %s", out);
    show(&check, NB_OK, "");
    return 0;
}
