/* libFuzzer target: boot/url.c (nb_url_parse, nb_url_resolve and the text
 * forms).
 *
 * The input is parsed as an absolute URL and resolved as a reference
 * against two bases. Invariants: a parsed or resolved URL has a known
 * scheme, a non-zero port, a host, a path starting with '/', only printable
 * ASCII, and its text form parses back to the same URL (a fixed point); a
 * failure leaves the output zeroed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/url.h"

static void check(const struct nb_url *u)
{
    if (u->scheme != NB_URL_HTTP && u->scheme != NB_URL_HTTPS && u->scheme != NB_URL_TFTP)
        abort();
    if (u->port == 0 || u->host[0] == 0 || u->path[0] != '/')
        abort();
    size_t hl = strnlen(u->host, sizeof u->host), pl = strnlen(u->path, sizeof u->path);
    if (hl >= sizeof u->host || pl >= sizeof u->path)
        abort();
    for (size_t i = 0; i < pl; i++)
        if ((unsigned char)u->path[i] <= 0x20 || (unsigned char)u->path[i] >= 0x7f || u->path[i] == '#')
            abort();
    static char text[NB_URL_TEXT_MAX];
    size_t n = nb_url_text(u, text, sizeof text);
    if (n == 0)
        abort();
    static struct nb_url back;
    nb_err e = nb_url_parse(text, n, &back);
    if (e == NB_E_URL_TOO_LONG)
        return; /* a resolved URL may exceed the limit once written out */
    if (e != NB_OK || back.scheme != u->scheme || back.port != u->port ||
        strcmp(back.host, u->host) != 0 || strcmp(back.path, u->path) != 0 ||
        back.ip.family != u->ip.family)
        abort();
}

static void check_zero(const struct nb_url *u)
{
    if (u->scheme != NB_URL_NONE || u->host[0] || u->path[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_url u, base1, base2, out;
    static int init;
    if (!init) {
        static const char b1[] = "https://boot.example:8443/a/b/c?q=1";
        static const char b2[] = "http://[fd00:b007::1]/";
        if (nb_url_parse(b1, sizeof b1 - 1, &base1) != NB_OK ||
            nb_url_parse(b2, sizeof b2 - 1, &base2) != NB_OK)
            abort();
        init = 1;
    }
    /* an exact-size copy: a read past the end trips ASan */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    if (nb_url_parse(s, size, &u) == NB_OK)
        check(&u);
    else
        check_zero(&u);
    if (nb_url_resolve(&base1, s, size, &out) == NB_OK)
        check(&out);
    if (nb_url_resolve(&base2, s, size, &out) == NB_OK)
        check(&out);
    char auth[NB_URL_HOST_MAX + 16];
    if (u.scheme && nb_url_authority(&u, auth, sizeof auth) == 0)
        abort();
    free(s);
    return 0;
}
