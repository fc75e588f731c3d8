/*
 * The entry's initrd: which verified buffer it is, and how a platform hands
 * it out. The manifest's `initrd` line names one artifact (boot/manifest.h);
 * after every artifact passed its size and sha256 check, that buffer is the
 * initrd. The platform offers it to the entry its own way (UEFI: LoadFile2
 * on a handle with Linux's initrd media device path, platform/uefi/initrd.c)
 * and serves reads with nb_initrd_read, so the copy rules are tested on the
 * host.
 */
#ifndef NB_INITRD_H
#define NB_INITRD_H
#include <stddef.h>
#include <stdint.h>
#include "boot/manifest.h"
#include "core/err.h"

struct nb_initrd {
    const uint8_t *p;  /* the verified bytes; NULL: the release has no initrd */
    uint64_t len;
    const char *path;  /* the manifest's path, for console lines */
};

/* The release's initrd among the artifacts held in memory: held[i] and
 * held_len[i] are artifacts[i]'s buffer and how many of its bytes passed
 * the check (held[i] NULL: not verified). NB_OK with rd->p NULL when the
 * manifest names no initrd; NB_E_INVALID when the named artifact is not held
 * whole and verified (nothing else is ever handed out). */
nb_err nb_initrd_select(const struct nb_manifest *m, const uint8_t *const held[],
                        const uint64_t held_len[], struct nb_initrd *rd);

/* Query-then-copy (the convention of UEFI's LoadFile2): with buf NULL or
 * *size below the initrd's length, *size becomes that length and the result
 * is NB_E_TOO_BIG (nothing copied); otherwise the whole initrd is copied to
 * buf, *size is its length, NB_OK. NB_E_NOT_FOUND without an initrd. */
nb_err nb_initrd_read(const struct nb_initrd *rd, void *buf, uint64_t *size);

#endif
