/*
 * IP address literals (net/addr.h): text form and parser for both families.
 *
 * The parser is strict: IPv4 is exactly four decimal parts 0-255 without
 * leading zeros (so "010.1.1.1" is not read as octal by anyone); IPv6 is
 * RFC 4291 §2.2 text: up to eight groups of 1-4 hex digits, at most one
 * "::", optionally ending in a dotted quad. No zone ids, no brackets, no
 * surrounding space: the URL layer strips brackets before calling us.
 */
#include "net/addr.h"
#include "net/ip_text.h"

void nb_ip_text(char *out, unsigned size, const struct nb_ip *ip)
{
    if (!size)
        return;
    if (ip->family == 4) {
        nb_ip4_text(out, size, ip->a);
    } else if (ip->family == 6) {
        nb_ip6_text(out, size, ip->a);
    } else {
        static const char none[] = "(none)";
        unsigned n = sizeof none - 1 < size - 1 ? (unsigned)sizeof none - 1 : size - 1;
        memcpy(out, none, n);
        out[n] = 0;
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A dotted quad that ends the string. */
static int parse_ip4(const char *s, uint8_t out[4])
{
    for (unsigned i = 0; i < 4; i++) {
        if (i > 0 && *s++ != '.')
            return 0;
        if (!is_digit(*s))
            return 0;
        unsigned v = 0, digits = 0;
        while (is_digit(*s)) {
            if (digits == 1 && v == 0)
                return 0; /* leading zero */
            v = v * 10u + (unsigned)(*s - '0');
            if (++digits > 3 || v > 255)
                return 0;
            s++;
        }
        out[i] = (uint8_t)v;
    }
    return *s == 0;
}

static int parse_ip6(const char *s, uint8_t out[16])
{
    uint16_t g[8];
    unsigned n = 0;
    int gap = -1; /* index in g where "::" stands, if any */
    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        gap = 0;
        s += 2;
    }
    while (*s) {
        const char *p = s;
        unsigned v = 0, digits = 0;
        while (digits < 5 && hex_value(*p) >= 0) {
            v = v << 4 | (unsigned)hex_value(*p);
            digits++;
            p++;
        }
        if (*p == '.') { /* trailing dotted quad: two groups */
            uint8_t q[4];
            if (n > 6 || !parse_ip4(s, q))
                return 0;
            g[n++] = (uint16_t)(q[0] << 8 | q[1]);
            g[n++] = (uint16_t)(q[2] << 8 | q[3]);
            break;
        }
        if (digits == 0 || digits > 4 || n == 8)
            return 0;
        g[n++] = (uint16_t)v;
        s = p;
        if (*s == 0)
            break;
        if (*s++ != ':')
            return 0;
        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = (int)n;
            s++;
        } else if (*s == 0) {
            return 0; /* "1:" */
        }
    }
    if (gap < 0 ? n != 8 : n > 7)
        return 0;
    memset(out, 0, 16);
    unsigned head = gap < 0 ? n : (unsigned)gap;
    for (unsigned i = 0; i < head; i++) {
        out[2 * i] = (uint8_t)(g[i] >> 8);
        out[2 * i + 1] = (uint8_t)g[i];
    }
    for (unsigned i = head, j = 8 - (n - head); i < n; i++, j++) {
        out[2 * j] = (uint8_t)(g[i] >> 8);
        out[2 * j + 1] = (uint8_t)g[i];
    }
    return 1;
}

int nb_ip_parse(const char *s, struct nb_ip *out)
{
    struct nb_ip ip = { .family = 0 };
    if (!s || !*s)
        return 0;
    if (strchr(s, ':')) {
        if (!parse_ip6(s, ip.a))
            return 0;
        ip.family = 6;
    } else {
        if (!parse_ip4(s, ip.a))
            return 0;
        ip.family = 4;
    }
    *out = ip;
    return 1;
}
