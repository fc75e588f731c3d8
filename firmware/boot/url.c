/*
 * URL parser and reference resolver (RFC 3986).
 *
 * Parsing is one bounded, left-to-right walk over (s, len):
 *   scheme ":" "//" authority [ path-abempty ] [ "?" query ] [ "#" fragment ]
 * Every byte is first checked to be printable ASCII (no space, no control,
 * nothing above 0x7e). The authority ends at the first '/', '?' or '#'; an
 * '@' in it is userinfo and is refused (credentials in boot URLs end up in
 * logs). The host is a bracketed IPv6 literal, a dotted quad (a host whose
 * last label is all digits must be one, so "1.2.3" is never sent to DNS), or
 * a DNS name of letters, digits, '-' and '_' (lower-cased, one trailing dot
 * dropped). Path and query keep their percent-encoding, which is checked
 * (two hex digits after every '%'); characters RFC 3986 does not allow there
 * are refused rather than re-encoded, so what goes on the request line is
 * exactly what the operator wrote. The fragment is dropped.
 *
 * Resolution (§5.2.2) handles absolute URLs, network-path, absolute-path,
 * relative-path and query-only references; remove_dot_segments (§5.2.4) runs
 * in place, without recursion.
 */
#include "boot/url.h"
#include "core/fmt.h"
#include <string.h>

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

uint16_t nb_url_default_port(enum nb_url_scheme scheme)
{
    switch (scheme) {
    case NB_URL_HTTP: return 80;
    case NB_URL_HTTPS: return 443;
    case NB_URL_TFTP: return 69;
    default: return 0;
    }
}

const char *nb_url_scheme_name(enum nb_url_scheme scheme)
{
    switch (scheme) {
    case NB_URL_HTTP: return "http";
    case NB_URL_HTTPS: return "https";
    case NB_URL_TFTP: return "tftp";
    default: return "?";
    }
}

/* Printable ASCII without space: the only bytes a URL may contain. */
static nb_err check_bytes(const char *s, size_t len)
{
    if (len > NB_URL_MAX)
        return NB_E_URL_TOO_LONG;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return NB_E_URL_CHAR;
    return NB_OK;
}

/* Length of a scheme ending in ':' at the start of s, or 0 if there is none. */
static size_t scheme_len(const char *s, size_t len)
{
    if (len == 0 || !is_alpha(s[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (c == ':')
            return i;
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
            return 0;
    }
    return 0;
}

static enum nb_url_scheme scheme_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum nb_url_scheme scheme;
    } known[] = { { "http", NB_URL_HTTP }, { "https", NB_URL_HTTPS }, { "tftp", NB_URL_TFTP } };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        size_t m = strlen(known[k].name);
        if (m != n)
            continue;
        size_t i = 0;
        while (i < n && lower(s[i]) == known[k].name[i])
            i++;
        if (i == n)
            return known[k].scheme;
    }
    return NB_URL_NONE;
}

/* Path and query characters: pchar / "/" / "?" (RFC 3986 §3.3, §3.4), and
 * '%' followed by two hex digits. */
static nb_err check_path(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (is_alpha(c) || is_digit(c) || (c && strchr("-._~!$&'()*+,;=:@/?", c)))
            continue;
        if (c == '%') {
            if (len - i < 3 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return NB_E_URL_PERCENT;
            i += 2;
            continue;
        }
        return NB_E_URL_CHAR;
    }
    return NB_OK;
}

static nb_err parse_host(const char *s, size_t len, struct nb_url *out)
{
    char tmp[NB_URL_HOST_MAX + 2];
    if (len == 0)
        return NB_E_URL_HOST;
    if (s[0] == '[') {
        /* IPv6 literal; no IPvFuture, no zone id (a '%' fails the parse) */
        if (len < 3 || s[len - 1] != ']' || len - 2 > 45)
            return NB_E_URL_HOST;
        memcpy(tmp, s + 1, len - 2);
        tmp[len - 2] = 0;
        if (!nb_ip_parse(tmp, &out->ip) || out->ip.family != 6)
            return NB_E_URL_HOST;
        memcpy(out->host, tmp, len - 1);
        for (size_t i = 0; out->host[i]; i++)
            out->host[i] = lower(out->host[i]);
        return NB_OK;
    }
    if (s[len - 1] == '.')
        len--; /* the root label: "boot.example." names the same host */
    if (len == 0 || len > NB_URL_HOST_MAX)
        return NB_E_URL_HOST;
    size_t label = 0;
    int last_all_digits = 1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return NB_E_URL_HOST;
            label = 0;
            last_all_digits = 1;
            tmp[i] = '.';
            continue;
        }
        if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
            return NB_E_URL_HOST;
        if (!is_digit(c))
            last_all_digits = 0;
        if (++label > 63)
            return NB_E_URL_HOST;
        tmp[i] = lower(c);
    }
    if (label == 0)
        return NB_E_URL_HOST;
    tmp[len] = 0;
    out->ip.family = 0;
    if (last_all_digits) {
        /* looks numeric: only a strict dotted quad is accepted */
        if (!nb_ip_parse(tmp, &out->ip) || out->ip.family != 4)
            return NB_E_URL_HOST;
    }
    memcpy(out->host, tmp, len + 1);
    return NB_OK;
}

static nb_err parse_port(const char *s, size_t len, enum nb_url_scheme scheme, uint16_t *port)
{
    if (len == 0) { /* "host:" means the default port (RFC 3986 §3.2.3) */
        *port = nb_url_default_port(scheme);
        return NB_OK;
    }
    if (len > 5)
        return NB_E_URL_PORT;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return NB_E_URL_PORT;
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    if (v == 0 || v > 65535u)
        return NB_E_URL_PORT;
    *port = (uint16_t)v;
    return NB_OK;
}

/* Everything after "scheme:" (s starts at "//"). */
static nb_err parse_hier(const char *s, size_t len, enum nb_url_scheme scheme, struct nb_url *out)
{
    if (len < 2 || s[0] != '/' || s[1] != '/')
        return NB_E_URL_SYNTAX;
    s += 2, len -= 2;
    size_t a = 0;
    while (a < len && s[a] != '/' && s[a] != '?' && s[a] != '#')
        a++;
    if (memchr(s, '@', a))
        return NB_E_URL_USERINFO;
    /* host [":" port]; an IPv6 literal's colons are inside its brackets */
    size_t hlen = a;
    const char *colon = NULL;
    if (a > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', a);
        if (!close)
            return NB_E_URL_HOST;
        hlen = (size_t)(close - s) + 1;
        if (hlen < a) {
            if (s[hlen] != ':')
                return NB_E_URL_HOST;
            colon = s + hlen;
        }
    } else {
        colon = memchr(s, ':', a);
        if (colon)
            hlen = (size_t)(colon - s);
    }
    out->scheme = scheme;
    nb_err e = parse_host(s, hlen, out);
    if (e != NB_OK)
        return e;
    out->port = nb_url_default_port(scheme);
    if (colon) {
        e = parse_port(colon + 1, a - hlen - 1, scheme, &out->port);
        if (e != NB_OK)
            return e;
    }
    /* path and query, up to the fragment */
    const char *p = s + a;
    size_t plen = len - a;
    const char *hash = memchr(p, '#', plen);
    if (hash)
        plen = (size_t)(hash - p);
    e = check_path(p, plen);
    if (e != NB_OK)
        return e;
    size_t w = 0;
    if (plen == 0 || p[0] != '/')
        out->path[w++] = '/'; /* "http://h" and "http://h?q" */
    if (w + plen > NB_URL_MAX)
        return NB_E_URL_TOO_LONG;
    memcpy(out->path + w, p, plen);
    out->path[w + plen] = 0;
    return NB_OK;
}

nb_err nb_url_parse(const char *s, size_t len, struct nb_url *out)
{
    memset(out, 0, sizeof *out);
    nb_err e = check_bytes(s, len);
    if (e != NB_OK)
        return e;
    size_t n = scheme_len(s, len);
    if (n == 0)
        return NB_E_URL_SYNTAX;
    enum nb_url_scheme scheme = scheme_of(s, n);
    if (scheme == NB_URL_NONE)
        return NB_E_URL_SCHEME;
    e = parse_hier(s + n + 1, len - n - 1, scheme, out);
    if (e != NB_OK)
        memset(out, 0, sizeof *out);
    return e;
}

/* RFC 3986 §5.2.4, in place: the output never overtakes the input, so one
 * buffer holds both (output p[0..w), input p[r..n)). Returns the new length. */
static size_t remove_dot_segments(char *p, size_t n)
{
    size_t r = 0, w = 0;
    while (r < n) {
        const char *in = p + r;
        size_t left = n - r;
        if (left >= 3 && memcmp(in, "../", 3) == 0) {
            r += 3;
        } else if (left >= 2 && memcmp(in, "./", 2) == 0) {
            r += 2;
        } else if (left >= 3 && memcmp(in, "/./", 3) == 0) {
            r += 2;
        } else if (left == 2 && memcmp(in, "/.", 2) == 0) {
            r += 1;
            p[r] = '/';
        } else if ((left >= 4 && memcmp(in, "/../", 4) == 0) ||
                   (left == 3 && memcmp(in, "/..", 3) == 0)) {
            /* replace with "/" and drop the last output segment */
            if (left == 3) {
                r += 2;
                p[r] = '/';
            } else {
                r += 3;
            }
            while (w > 0 && p[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
        } else if ((left == 1 && in[0] == '.') || (left == 2 && memcmp(in, "..", 2) == 0)) {
            r = n;
        } else {
            size_t k = in[0] == '/' ? 1 : 0;
            while (k < left && in[k] != '/')
                k++;
            memmove(p + w, in, k);
            w += k;
            r += k;
        }
    }
    return w;
}

nb_err nb_url_resolve(const struct nb_url *base, const char *ref, size_t len,
                      struct nb_url *out)
{
    nb_err e = check_bytes(ref, len);
    if (e != NB_OK)
        return e;
    size_t n = scheme_len(ref, len);
    if (n > 0)
        return nb_url_parse(ref, len, out);
    if (len >= 2 && ref[0] == '/' && ref[1] == '/') {
        memset(out, 0, sizeof *out);
        e = parse_hier(ref, len, base->scheme, out);
        if (e != NB_OK)
            memset(out, 0, sizeof *out);
        return e;
    }
    /* same authority; reference = path [ "?" query ] [ "#" fragment ] */
    const char *hash = memchr(ref, '#', len);
    if (hash)
        len = (size_t)(hash - ref);
    e = check_path(ref, len);
    if (e != NB_OK)
        return e;
    const char *q = memchr(ref, '?', len);
    size_t rpath = q ? (size_t)(q - ref) : len;
    size_t rquery = len - rpath; /* including the '?' */

    memset(out, 0, sizeof *out);
    out->scheme = base->scheme;
    memcpy(out->host, base->host, sizeof out->host);
    out->ip = base->ip;
    out->port = base->port;

    size_t bpath = strnlen(base->path, sizeof base->path);
    const char *bq = memchr(base->path, '?', bpath);
    size_t bpath_only = bq ? (size_t)(bq - base->path) : bpath;
    size_t w;
    if (rpath == 0) {
        /* "" or "?q": the base path, with the reference's query if any */
        w = rquery ? bpath_only : bpath;
        memcpy(out->path, base->path, w);
    } else {
        size_t keep = 0; /* the base path up to its last '/' (merge, §5.2.3) */
        if (ref[0] != '/') {
            for (size_t i = 0; i < bpath_only; i++)
                if (base->path[i] == '/')
                    keep = i + 1;
            if (keep == 0)
                out->path[keep++] = '/';
            else
                memcpy(out->path, base->path, keep);
        }
        if (keep + rpath > NB_URL_MAX) {
            memset(out, 0, sizeof *out);
            return NB_E_URL_TOO_LONG;
        }
        memcpy(out->path + keep, ref, rpath);
        w = remove_dot_segments(out->path, keep + rpath);
        if (w == 0)
            out->path[w++] = '/';
    }
    if (w + rquery > NB_URL_MAX) {
        memset(out, 0, sizeof *out);
        return NB_E_URL_TOO_LONG;
    }
    memcpy(out->path + w, q ? q : "", rquery);
    out->path[w + rquery] = 0;
    return NB_OK;
}

size_t nb_url_authority(const struct nb_url *u, char *out, size_t size)
{
    int n;
    int v6 = u->ip.family == 6;
    if (u->port != nb_url_default_port(u->scheme))
        n = nb_snprintf(out, size, "%s%s%s:%u", v6 ? "[" : "", u->host, v6 ? "]" : "",
                        (unsigned)u->port);
    else
        n = nb_snprintf(out, size, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = 0;
        return 0;
    }
    return (size_t)n;
}

size_t nb_url_text(const struct nb_url *u, char *out, size_t size)
{
    char auth[NB_URL_HOST_MAX + 16];
    if (!nb_url_authority(u, auth, sizeof auth)) {
        if (size)
            out[0] = 0;
        return 0;
    }
    int n = nb_snprintf(out, size, "%s://%s%s", nb_url_scheme_name(u->scheme), auth, u->path);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = 0;
        return 0;
    }
    return (size_t)n;
}

int nb_url_same_origin(const struct nb_url *a, const struct nb_url *b)
{
    return a->scheme == b->scheme && a->port == b->port && strcmp(a->host, b->host) == 0;
}
