/* libFuzzer target: boot/xport_tls.c's trust-anchor parser
 * (nb_tls_set_trust: a PEM bundle, or concatenated DER certificates walked
 * by their SEQUENCE lengths), which reads the CA bundle of the embedded
 * configuration.
 *
 * Invariants: an accepted input holds at least one certificate; a refused
 * one leaves the anchors in use as they were; the input buffer is only read
 * (it is an exact-size copy, so ASan sees any read past its end). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/xport_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    unsigned before = nb_tls_trust_count(NULL);
    nb_err e = nb_tls_set_trust(copy, size);
    if (memcmp(copy, data, size) != 0)
        abort();
    if (e == NB_OK && size && nb_tls_trust_count(NULL) == 0)
        abort();
    if (e != NB_OK && e != NB_E_NO_MEMORY && nb_tls_trust_count(NULL) != before)
        abort();
    if (e != NB_OK && e != NB_E_TLS_BAD_TRUST && e != NB_E_NO_MEMORY)
        abort();
    free(copy);
    return 0;
}
