/* libFuzzer target: boot/manifest.c (nb_manifest_parse, nb_manifest_format).
 *
 * Invariants: a failure leaves the manifest zeroed and names a line within
 * the input; an accepted manifest keeps every bound (artifact count, paths
 * that stay inside the release directory, sizes, the entry non-empty, the
 * initrd (if any) one of the artifacts after the entry and non-empty, site
 * and options limits), and its canonical text parses back to the same
 * manifest and formats to the same text (a fixed point). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/manifest.h"
#include "boot/url.h"

static int zeroed(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Independently of the parser: printable, no backslash, and every segment
 * between slashes non-empty and neither "." nor "..". */
static int inside(const char *p, size_t n)
{
    size_t seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '/') {
            if (seg == 0 || (seg == 1 && p[i - 1] == '.') ||
                (seg == 2 && p[i - 1] == '.' && p[i - 2] == '.'))
                return 0;
            seg = 0;
            continue;
        }
        if (p[i] == '\\' || p[i] <= 0x20 || p[i] > 0x7e)
            return 0;
        seg++;
    }
    return 1;
}

static void check(const struct nb_manifest *m)
{
    if (m->version != NB_MANIFEST_VERSION || m->nartifacts < 1 || m->nartifacts > NB_MANIFEST_MAX_ARTIFACTS ||
        m->nsites > NB_MANIFEST_MAX_SITES || m->artifacts[0].size == 0 || m->initrd >= m->nartifacts ||
        (m->initrd && m->artifacts[m->initrd].size == 0))
        abort();
    for (unsigned i = 0; i < m->nartifacts; i++) {
        const struct nb_artifact *a = &m->artifacts[i];
        size_t n = strnlen(a->path, sizeof a->path);
        if (n == 0 || n > NB_MANIFEST_PATH_MAX || nb_manifest_check_path(a->path, n) != NB_OK ||
            !inside(a->path, n) || a->size > NB_MANIFEST_ARTIFACT_MAX)
            abort();
        for (unsigned j = 0; j < i; j++)
            if (strcmp(a->path, m->artifacts[j].path) == 0)
                abort();
    }
    for (unsigned i = m->nartifacts; i < NB_MANIFEST_MAX_ARTIFACTS; i++)
        if (!zeroed(&m->artifacts[i], sizeof m->artifacts[i]))
            abort();
    size_t on = strnlen(m->options, sizeof m->options);
    if (on > NB_MANIFEST_OPTIONS_MAX || (!m->has_options && on))
        abort();
    for (size_t i = 0; i < on; i++)
        if ((unsigned char)m->options[i] < 0x20 || (unsigned char)m->options[i] > 0x7e)
            abort();
    for (unsigned i = 0; i < m->nsites; i++) {
        static struct nb_url u;
        size_t n = strnlen(m->sites[i], sizeof m->sites[i]);
        if (n == 0 || n > NB_MANIFEST_SITE_MAX || nb_url_parse(m->sites[i], n, &u) != NB_OK ||
            u.scheme != NB_URL_HTTPS)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_manifest m, back;
    static char text[NB_MANIFEST_MAX_LEN], again[NB_MANIFEST_MAX_LEN];
    struct nb_manifest_error where;
    /* an exact-size copy: a read past the end trips ASan */
    uint8_t *c = malloc(size ? size : 1);
    if (!c)
        return 0;
    memcpy(c, data, size);
    nb_err e = nb_manifest_parse(c, size, &m, &where);
    if (e != NB_OK) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += c[i] == '\n';
        if (!zeroed(&m, sizeof m) || where.line > lines)
            abort();
        free(c);
        return 0;
    }
    check(&m);
    size_t n = nb_manifest_format(&m, text, sizeof text);
    if (n == 0 || nb_manifest_parse((const uint8_t *)text, n, &back, NULL) != NB_OK ||
        memcmp(&m, &back, sizeof m) != 0 || nb_manifest_format(&back, again, sizeof again) != n ||
        memcmp(text, again, n) != 0)
        abort();
    free(c);
    return 0;
}
