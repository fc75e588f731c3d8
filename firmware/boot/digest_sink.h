/*
 * A fetch sink that only hashes: SHA-256 over the bytes of a transfer as
 * they arrive, for checks that need the digest and not the file (the lab's
 * probe-url). It follows the fetch layer's sink contract (boot/fetch.h,
 * boot/tftp.h): bytes come in order, and offset 0 again means the transfer
 * started over (a TFTP restart after an anycast route flip, a server that
 * could not resume), so what was hashed so far is void. Any other jump in
 * the offsets is refused: the digest must never cover a file with holes or
 * repeated bytes.
 */
#ifndef NB_DIGEST_SINK_H
#define NB_DIGEST_SINK_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "mbedtls/sha256.h"

struct nb_digest_sink {
    mbedtls_sha256_context sha;
    uint64_t held;   /* bytes hashed in the current attempt */
    unsigned starts; /* attempts seen (1 + restarts), 0 before the first byte */
};

void nb_digest_sink_init(struct nb_digest_sink *s);
/* The sink callback (ctx: struct nb_digest_sink *). NB_E_INVALID when offset
 * is neither 0 nor the next byte. */
nb_err nb_digest_sink_write(void *ctx, uint64_t offset, const uint8_t *p, size_t n);
/* The digest of the last attempt; the sink is freed (init again to reuse). */
void nb_digest_sink_final(struct nb_digest_sink *s, uint8_t digest[32]);

#endif
