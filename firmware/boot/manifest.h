/*
 * Release manifest: the small line-oriented text that describes one signed
 * release (docs/manifest.md). Example:
 *
 *   nearboot-manifest 1
 *   serial 42
 *   not-after 2027-06-30T00:00:00Z
 *   created 2026-11-20T10:00:00Z
 *   entry vmlinuz 31744 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *   initrd initrd.img 1048576 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
 *   artifact extra.bin 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 *   options "console=ttyS0 root=\"LABEL=a b\""
 *   site https://sitea.example.net/releases/
 *
 * Strict on purpose: LF line ends only (a CR anywhere is refused), the
 * first line exactly "nearboot-manifest 1", then "key value" lines with one
 * space, no blank lines or comments, no unknown keys, single keys at most
 * once. Parsing is a bounded walk over (pointer, length), no recursion, no
 * allocation: the result is a plain value the caller owns. Parse a manifest
 * only after its signature verified (boot/verify.h does both in order).
 */
#ifndef NB_MANIFEST_H
#define NB_MANIFEST_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define NB_MANIFEST_VERSION 1u
#define NB_MANIFEST_MAX_LEN 65536u       /* the whole manifest, bytes */
#define NB_MANIFEST_PATH_MAX 255u        /* an artifact path, bytes */
#define NB_MANIFEST_MAX_ARTIFACTS 16u    /* the entry included */
#define NB_MANIFEST_MAX_SITES 8u
#define NB_MANIFEST_SITE_MAX 255u        /* a site URL, bytes */
#define NB_MANIFEST_OPTIONS_MAX 1024u    /* load options after unescaping, bytes */
#define NB_MANIFEST_ARTIFACT_MAX 0xffffffffull /* an artifact's size, bytes */

struct nb_artifact {
    char path[NB_MANIFEST_PATH_MAX + 1]; /* relative to the manifest's directory */
    uint64_t size;
    uint8_t sha256[32];
};

struct nb_manifest {
    unsigned version;
    uint64_t serial;
    int64_t not_after;                   /* Unix seconds, UTC */
    int has_created;
    int64_t created;                     /* informational */
    /* artifacts[0] is the entry (the EFI image to start); the others follow
     * in manifest order, the initrd among them. */
    struct nb_artifact artifacts[NB_MANIFEST_MAX_ARTIFACTS];
    unsigned nartifacts;
    /* The `initrd` line's artifact: its index (1..nartifacts-1), 0 when the
     * release names none. The entry gets it as its initrd (on UEFI through
     * LoadFile2, the way Linux's EFI stub asks for one). */
    unsigned initrd;
    int has_options;
    char options[NB_MANIFEST_OPTIONS_MAX + 1]; /* unescaped, NUL-terminated */
    char sites[NB_MANIFEST_MAX_SITES][NB_MANIFEST_SITE_MAX + 1];
    unsigned nsites;
};

/* Where a parse failed: the 1-based line (0 when the failure is about the
 * whole manifest, e.g. a missing key) and the key concerned (NULL if none).
 * Console: "manifest line 5 (entry): <nb_strerror>". */
struct nb_manifest_error {
    unsigned line;
    const char *key;
};

/* Parse len bytes. On failure *m is zeroed and err (may be NULL) says where.
 * Errors: NB_E_MANIFEST_*. */
nb_err nb_manifest_parse(const uint8_t *p, size_t len, struct nb_manifest *m,
                         struct nb_manifest_error *err);

/* The canonical text of m (what nearboot-sign writes; parsing it gives m
 * back). Returns the length written (not NUL-terminated), 0 if it does not
 * fit in cap or m is not a valid manifest. */
size_t nb_manifest_format(const struct nb_manifest *m, char *buf, size_t cap);

/* Path rule alone (also used by tools): NB_OK, NB_E_MANIFEST_BAD_PATH or
 * NB_E_MANIFEST_PATH_ESCAPES. */
nb_err nb_manifest_check_path(const char *p, size_t len);

/* "YYYY-MM-DDTHH:MM:SSZ" for t (21 bytes with the NUL); 0 outside
 * 1970..9999. */
size_t nb_manifest_time_text(int64_t t, char out[21]);

#endif
