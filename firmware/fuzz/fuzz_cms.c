/* libFuzzer target: boot/verify.c's CMS and X.509 path (nb_verify_signature):
 * the input is the detached signature, checked over a fixed manifest against
 * a fixed root at a fixed time (firmware/tests/boot/verify_vectors.h; seeds
 * from make-verify-vectors.sh).
 *
 * Invariants: a verdict is a signature error code or NB_OK; an accepted
 * signature names its signer, a chain of at least signer + root and no
 * chain flags, and stops verifying when one manifest byte changes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/verify.h"
#include "tests/boot/verify_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t msg[sizeof vv_manifest];
    struct nb_sig_report r;
    uint8_t *c = malloc(size ? size : 1);
    if (!c)
        return 0;
    memcpy(c, data, size);
    memcpy(msg, vv_manifest, sizeof msg);
    nb_err e = nb_verify_signature(msg, sizeof msg, c, size, vv_root_der, sizeof vv_root_der, VV_NOW, &r);
    if (e != NB_OK) {
        const char *name = nb_errname(e);
        if (strncmp(name, "NB_E_SIG_", 9) != 0 && e != NB_E_NO_MEMORY)
            abort();
        if (strnlen(r.signer, sizeof r.signer) >= sizeof r.signer)
            abort();
    } else {
        if (!r.signer[0] || r.chain_len < 2 || r.x509_flags != 0 || r.fail_depth != -1)
            abort();
        msg[size % sizeof msg] ^= 0x20;
        if (nb_verify_signature(msg, sizeof msg, c, size, vv_root_der, sizeof vv_root_der, VV_NOW, &r) !=
            NB_E_SIG_BAD)
            abort();
    }
    free(c);
    return 0;
}
