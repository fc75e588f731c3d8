/* The entry's initrd (boot/initrd.h). */
#include "boot/initrd.h"
#include <string.h>

nb_err nb_initrd_select(const struct nb_manifest *m, const uint8_t *const held[],
                        const uint64_t held_len[], struct nb_initrd *rd)
{
    memset(rd, 0, sizeof *rd);
    if (m->initrd == 0)
        return NB_OK;
    unsigned k = m->initrd;
    /* The parser guarantees 1 <= k < nartifacts and a non-empty size; the
     * held bytes must be the whole artifact as checked. */
    if (k >= m->nartifacts || k >= NB_MANIFEST_MAX_ARTIFACTS || !held[k] || m->artifacts[k].size == 0 ||
        held_len[k] != m->artifacts[k].size)
        return NB_E_INVALID;
    rd->p = held[k];
    rd->len = held_len[k];
    rd->path = m->artifacts[k].path;
    return NB_OK;
}

nb_err nb_initrd_read(const struct nb_initrd *rd, void *buf, uint64_t *size)
{
    if (!rd->p || !rd->len)
        return NB_E_NOT_FOUND;
    if (!buf || *size < rd->len) {
        *size = rd->len;
        return NB_E_TOO_BIG;
    }
    memcpy(buf, rd->p, (size_t)rd->len);
    *size = rd->len;
    return NB_OK;
}
