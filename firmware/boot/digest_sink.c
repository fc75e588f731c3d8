/* SHA-256 of a transfer as it arrives, restarting with the transfer (see
 * digest_sink.h). */
#include "boot/digest_sink.h"

static void start(struct nb_digest_sink *s)
{
    mbedtls_sha256_init(&s->sha);
    mbedtls_sha256_starts(&s->sha, 0);
    s->held = 0;
}

void nb_digest_sink_init(struct nb_digest_sink *s)
{
    start(s);
    s->starts = 0;
}

nb_err nb_digest_sink_write(void *ctx, uint64_t offset, const uint8_t *p, size_t n)
{
    struct nb_digest_sink *s = ctx;
    if (offset == 0 && (s->held || !s->starts)) {
        /* the first byte of an attempt: anything held came from one that failed */
        mbedtls_sha256_free(&s->sha);
        start(s);
        s->starts++;
    }
    if (offset != s->held)
        return NB_E_INVALID;
    if (n && mbedtls_sha256_update(&s->sha, p, n) != 0)
        return NB_E_INVALID;
    s->held += n;
    return NB_OK;
}

void nb_digest_sink_final(struct nb_digest_sink *s, uint8_t digest[32])
{
    mbedtls_sha256_finish(&s->sha, digest);
    mbedtls_sha256_free(&s->sha);
}
