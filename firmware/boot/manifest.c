/*
 * Release manifest parser and canonical writer (boot/manifest.h,
 * docs/manifest.md). One pass over the bytes: each line is found with a
 * bounded memchr, checked for bytes that are never allowed (CR, control
 * characters, non-ASCII), then handed to the parser of its key. Every field
 * has a fixed upper bound, so nothing here depends on a length the input
 * chose beyond the 64 KiB cap.
 */
#include "boot/manifest.h"
#include "boot/url.h"
#include "core/clock.h"
#include "core/fmt.h"
#include <string.h>

static const char header_prefix[] = "nearboot-manifest ";
#define HEADER_PREFIX_LEN (sizeof header_prefix - 1)

/* Keys and how often they may appear. */
enum key_id { K_SERIAL, K_NOT_AFTER, K_CREATED, K_ENTRY, K_INITRD, K_ARTIFACT, K_OPTIONS, K_SITE, K__COUNT };
static const struct {
    const char *name;
    unsigned char repeatable;
} keys[K__COUNT] = {
    [K_SERIAL] = { "serial", 0 },     [K_NOT_AFTER] = { "not-after", 0 },
    [K_CREATED] = { "created", 0 },   [K_ENTRY] = { "entry", 0 },
    [K_INITRD] = { "initrd", 0 },     [K_ARTIFACT] = { "artifact", 1 },
    [K_OPTIONS] = { "options", 0 },
    [K_SITE] = { "site", 1 },
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Decimal without sign or leading zeros ("0" itself is fine), at most max. */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static int two(const char *s, unsigned *out)
{
    if (!is_digit(s[0]) || !is_digit(s[1]))
        return 0;
    *out = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    return 1;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 29;
    return dm[m - 1];
}

/* "YYYY-MM-DDTHH:MM:SSZ", UTC, 1970..9999, no leap seconds. */
static int parse_time(const char *s, size_t n, int64_t *out)
{
    unsigned yh, yl, mo, d, h, mi, se;
    if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z')
        return 0;
    if (!two(s, &yh) || !two(s + 2, &yl) || !two(s + 5, &mo) || !two(s + 8, &d) ||
        !two(s + 11, &h) || !two(s + 14, &mi) || !two(s + 17, &se))
        return 0;
    unsigned y = yh * 100 + yl;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        se > 59)
        return 0;
    *out = nb_unix_from_civil((int)y, (int)mo, (int)d, (int)h, (int)mi, (int)se);
    return 1;
}

size_t nb_manifest_time_text(int64_t t, char out[21])
{
    struct nb_civil c;
    out[0] = 0;
    if (t < 0 || t > 253402300799ll) /* 9999-12-31T23:59:59Z */
        return 0;
    nb_civil_from_unix(t, &c);
    int n = nb_snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                        c.minute, c.second);
    return n == 20 ? 20 : 0;
}

static int path_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' ||
           c == '_' || c == '-' || c == '+' || c == '~' || c == '=' || c == ',' || c == '@';
}

nb_err nb_manifest_check_path(const char *p, size_t len)
{
    if (len == 0 || len > NB_MANIFEST_PATH_MAX)
        return NB_E_MANIFEST_BAD_PATH;
    nb_err e = NB_OK;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\')
            return NB_E_MANIFEST_PATH_ESCAPES;
        if (p[i] != '/' && !path_char(p[i]))
            e = NB_E_MANIFEST_BAD_PATH; /* keep looking: an escape is the graver finding */
    }
    /* Segments between slashes: none empty (no leading '/', no '//', no
     * trailing '/'), none "." or "..". */
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        size_t seg = i - start;
        if (seg == 0 || (seg == 1 && p[start] == '.') ||
            (seg == 2 && p[start] == '.' && p[start + 1] == '.'))
            return NB_E_MANIFEST_PATH_ESCAPES;
        start = i + 1;
    }
    return e;
}

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* "PATH SIZE SHA256HEX"; the entry and the initrd may not be empty. */
static nb_err parse_artifact(const char *v, size_t n, int nonempty, struct nb_artifact *a)
{
    const char *sp1 = memchr(v, ' ', n);
    if (!sp1)
        return NB_E_MANIFEST_SYNTAX;
    size_t plen = (size_t)(sp1 - v);
    const char *sz = sp1 + 1;
    size_t rest = n - plen - 1;
    const char *sp2 = memchr(sz, ' ', rest);
    if (!sp2)
        return NB_E_MANIFEST_SYNTAX;
    size_t slen = (size_t)(sp2 - sz);
    const char *hex = sp2 + 1;
    size_t hlen = rest - slen - 1;

    nb_err e = nb_manifest_check_path(v, plen);
    if (e != NB_OK)
        return e;
    memcpy(a->path, v, plen);
    a->path[plen] = 0;
    if (!parse_dec(sz, slen, NB_MANIFEST_ARTIFACT_MAX, &a->size) || (nonempty && a->size == 0))
        return NB_E_MANIFEST_BAD_SIZE;
    if (hlen != 64)
        return NB_E_MANIFEST_BAD_SHA256;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NB_E_MANIFEST_BAD_SHA256;
        a->sha256[i] = (uint8_t)(hi << 4 | lo);
    }
    return NB_OK;
}

/* One double-quoted string; inside, \" and \\ are the only escapes. */
static nb_err parse_options(const char *v, size_t n, char *out)
{
    size_t o = 0;
    if (n < 2 || v[0] != '"')
        return NB_E_MANIFEST_BAD_OPTIONS;
    for (size_t i = 1; i < n; i++) {
        char c = v[i];
        if (c == '"') {
            if (i != n - 1)
                return NB_E_MANIFEST_BAD_OPTIONS; /* bytes after the closing quote */
            out[o] = 0;
            return NB_OK;
        }
        if (c == '\\') {
            if (i + 1 >= n || (v[i + 1] != '"' && v[i + 1] != '\\'))
                return NB_E_MANIFEST_BAD_OPTIONS;
            c = v[++i];
        }
        if (o >= NB_MANIFEST_OPTIONS_MAX)
            return NB_E_MANIFEST_BAD_OPTIONS;
        out[o++] = c;
    }
    return NB_E_MANIFEST_BAD_OPTIONS; /* no closing quote */
}

static nb_err parse_site(const char *v, size_t n, struct nb_manifest *m)
{
    static struct nb_url scratch; /* large: off the stack */
    if (m->nsites >= NB_MANIFEST_MAX_SITES)
        return NB_E_MANIFEST_TOO_MANY_SITES;
    if (n > NB_MANIFEST_SITE_MAX || nb_url_parse(v, n, &scratch) != NB_OK ||
        scratch.scheme != NB_URL_HTTPS)
        return NB_E_MANIFEST_BAD_SITE;
    for (unsigned i = 0; i < m->nsites; i++)
        if (strlen(m->sites[i]) == n && memcmp(m->sites[i], v, n) == 0)
            return NB_E_MANIFEST_BAD_SITE;
    memcpy(m->sites[m->nsites], v, n);
    m->sites[m->nsites][n] = 0;
    m->nsites++;
    return NB_OK;
}

static nb_err parse_header(const char *s, size_t n, struct nb_manifest *m)
{
    uint64_t v;
    if (n <= HEADER_PREFIX_LEN || memcmp(s, header_prefix, HEADER_PREFIX_LEN) != 0 ||
        !parse_dec(s + HEADER_PREFIX_LEN, n - HEADER_PREFIX_LEN, 999999999u, &v))
        return NB_E_MANIFEST_HEADER;
    if (v != NB_MANIFEST_VERSION)
        return NB_E_MANIFEST_VERSION;
    m->version = (unsigned)v;
    return NB_OK;
}

struct parse_state {
    unsigned seen[K__COUNT];
    unsigned nextra; /* artifacts other than the entry */
};

static nb_err parse_line(const char *s, size_t n, struct nb_manifest *m, struct parse_state *st,
                         const char **key_out)
{
    const char *sp = memchr(s, ' ', n);
    if (!sp || sp == s || (size_t)(sp - s) + 1 >= n)
        return NB_E_MANIFEST_SYNTAX; /* "key value", both non-empty */
    size_t klen = (size_t)(sp - s);
    const char *v = sp + 1;
    size_t vlen = n - klen - 1;
    enum key_id k = K__COUNT;
    for (unsigned i = 0; i < K__COUNT; i++)
        if (strlen(keys[i].name) == klen && memcmp(keys[i].name, s, klen) == 0)
            k = (enum key_id)i;
    if (k == K__COUNT)
        return NB_E_MANIFEST_UNKNOWN_KEY;
    *key_out = keys[k].name;
    if (st->seen[k] && !keys[k].repeatable)
        return NB_E_MANIFEST_DUPLICATE_KEY;
    st->seen[k]++;

    switch (k) {
    case K_SERIAL:
        return parse_dec(v, vlen, UINT64_MAX, &m->serial) ? NB_OK : NB_E_MANIFEST_BAD_SERIAL;
    case K_NOT_AFTER:
        return parse_time(v, vlen, &m->not_after) ? NB_OK : NB_E_MANIFEST_BAD_TIME;
    case K_CREATED:
        m->has_created = 1;
        return parse_time(v, vlen, &m->created) ? NB_OK : NB_E_MANIFEST_BAD_TIME;
    case K_OPTIONS:
        m->has_options = 1;
        return parse_options(v, vlen, m->options);
    case K_SITE:
        return parse_site(v, vlen, m);
    case K_ENTRY:
    case K_INITRD:
    case K_ARTIFACT: {
        struct nb_artifact *a;
        if (k == K_ENTRY) {
            a = &m->artifacts[0];
        } else {
            if (st->nextra >= NB_MANIFEST_MAX_ARTIFACTS - 1)
                return NB_E_MANIFEST_TOO_MANY_ARTIFACTS;
            a = &m->artifacts[1 + st->nextra];
        }
        nb_err e = parse_artifact(v, vlen, k != K_ARTIFACT, a);
        if (e != NB_OK)
            return e;
        /* The entry sits at [0] even when it comes after artifact lines. */
        for (unsigned i = 0; i <= st->nextra; i++) {
            const struct nb_artifact *o = &m->artifacts[i];
            if (o == a || (i == 0 && !st->seen[K_ENTRY]))
                continue;
            if (strcmp(o->path, a->path) == 0)
                return NB_E_MANIFEST_DUPLICATE_PATH;
        }
        if (k == K_INITRD)
            m->initrd = 1 + st->nextra; /* an artifact like the others, marked */
        if (k != K_ENTRY)
            st->nextra++;
        return NB_OK;
    }
    default:
        return NB_E_MANIFEST_UNKNOWN_KEY;
    }
}

nb_err nb_manifest_parse(const uint8_t *p, size_t len, struct nb_manifest *m,
                         struct nb_manifest_error *err)
{
    struct nb_manifest_error dummy;
    struct parse_state st;
    const char *s = (const char *)p;
    size_t pos = 0;
    unsigned lineno = 0;
    nb_err e = NB_OK;
    if (!err)
        err = &dummy;
    err->line = 0;
    err->key = NULL;
    memset(m, 0, sizeof *m);
    memset(&st, 0, sizeof st);
    if (len > NB_MANIFEST_MAX_LEN) {
        e = NB_E_MANIFEST_TOO_BIG;
        goto fail;
    }
    while (pos < len) {
        lineno++;
        const char *line = s + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)line[i];
            if (c == '\r') {
                e = NB_E_MANIFEST_LINE_END;
                goto fail_line;
            }
            if (c < 0x20 || c > 0x7e) {
                e = NB_E_MANIFEST_SYNTAX;
                goto fail_line;
            }
        }
        if (!nl) {
            e = NB_E_MANIFEST_LINE_END; /* the last line has no LF */
            goto fail_line;
        }
        err->key = NULL;
        if (lineno == 1)
            e = parse_header(line, n, m);
        else
            e = parse_line(line, n, m, &st, &err->key);
        if (e != NB_OK)
            goto fail_line;
        pos += n + 1;
    }
    if (lineno == 0) {
        e = NB_E_MANIFEST_HEADER;
        lineno = 1;
        goto fail_line;
    }
    static const enum key_id required[] = { K_SERIAL, K_NOT_AFTER, K_ENTRY };
    for (unsigned i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!st.seen[required[i]]) {
            err->key = keys[required[i]].name;
            e = NB_E_MANIFEST_MISSING_KEY;
            goto fail;
        }
    m->nartifacts = 1 + st.nextra;
    return NB_OK;

fail_line:
    err->line = lineno;
fail:
    memset(m, 0, sizeof *m);
    return e;
}

/* ------------------------------------------------------------ writer */

struct out {
    char *buf;
    size_t cap, len;
    int bad;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->bad || n > o->cap - o->len) {
        o->bad = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void put_u64(struct out *o, uint64_t v)
{
    char t[24];
    int n = nb_snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    put(o, t, (size_t)n);
}

static void put_time(struct out *o, const char *key, int64_t t)
{
    char tt[21];
    if (nb_manifest_time_text(t, tt) == 0)
        o->bad = 1;
    puts_(o, key);
    puts_(o, " ");
    puts_(o, tt);
    puts_(o, "\n");
}

static void put_artifact(struct out *o, const char *key, const struct nb_artifact *a)
{
    static const char hx[] = "0123456789abcdef";
    char hex[64];
    size_t plen = strnlen(a->path, sizeof a->path);
    if (plen >= sizeof a->path || nb_manifest_check_path(a->path, plen) != NB_OK ||
        a->size > NB_MANIFEST_ARTIFACT_MAX)
        o->bad = 1;
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = hx[a->sha256[i] >> 4];
        hex[2 * i + 1] = hx[a->sha256[i] & 15];
    }
    puts_(o, key);
    puts_(o, " ");
    put(o, a->path, plen);
    puts_(o, " ");
    put_u64(o, a->size);
    puts_(o, " ");
    put(o, hex, 64);
    puts_(o, "\n");
}

size_t nb_manifest_format(const struct nb_manifest *m, char *buf, size_t cap)
{
    struct out o = { buf, cap, 0, 0 };
    if (m->version != NB_MANIFEST_VERSION || m->nartifacts < 1 ||
        m->nartifacts > NB_MANIFEST_MAX_ARTIFACTS || m->nsites > NB_MANIFEST_MAX_SITES ||
        m->artifacts[0].size == 0 || m->initrd >= m->nartifacts ||
        (m->initrd && m->artifacts[m->initrd].size == 0))
        return 0;
    puts_(&o, header_prefix);
    put_u64(&o, m->version);
    puts_(&o, "\nserial ");
    put_u64(&o, m->serial);
    puts_(&o, "\n");
    put_time(&o, "not-after", m->not_after);
    if (m->has_created)
        put_time(&o, "created", m->created);
    for (unsigned i = 0; i < m->nartifacts; i++)
        put_artifact(&o, i == 0 ? "entry" : i == m->initrd ? "initrd" : "artifact", &m->artifacts[i]);
    if (m->has_options) {
        size_t n = strnlen(m->options, sizeof m->options);
        if (n > NB_MANIFEST_OPTIONS_MAX)
            o.bad = 1;
        puts_(&o, "options \"");
        for (size_t i = 0; i < n && !o.bad; i++) {
            char c = m->options[i];
            if (c < 0x20 || c > 0x7e)
                o.bad = 1;
            if (c == '"' || c == '\\')
                puts_(&o, "\\");
            put(&o, &c, 1);
        }
        puts_(&o, "\"\n");
    }
    for (unsigned i = 0; i < m->nsites; i++) {
        size_t n = strnlen(m->sites[i], sizeof m->sites[i]);
        if (n == 0 || n > NB_MANIFEST_SITE_MAX)
            o.bad = 1;
        puts_(&o, "site ");
        put(&o, m->sites[i], n);
        puts_(&o, "\n");
    }
    return o.bad || o.len > NB_MANIFEST_MAX_LEN ? 0 : o.len;
}
