/* Shared pieces of the sealed-record fuzz targets (lease cache, site cache,
 * configuration). The records carry a SHA-256 digest, so random bytes almost
 * never get past it: the first input byte chooses between feeding the input
 * raw (the digest and header checks) and sealing it as a valid record's
 * payload (the field decoder behind them). */
#ifndef NB_FUZZ_RECORDS_H
#define NB_FUZZ_RECORDS_H
#include <stdlib.h>
#include <string.h>
#include "core/tlv.h"
#include "mbedtls/sha256.h"

static void check_cstring(const char *s, size_t size)
{
    const char *end = memchr(s, 0, size);
    if (!end)
        abort();
    for (const char *c = s; c < end; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            abort();
}

/* data[0] odd: data+1 is the payload of a correctly sealed record with this
 * magic and version 1; even: data+1 as it is. Returns the bytes to decode. */
static const uint8_t *fuzz_record(const uint8_t *data, size_t size, const char magic[4], size_t *len)
{
    static uint8_t rec[NB_RECORD_OVERHEAD + 0xffff];
    if (size < 1)
        return *len = 0, data;
    if (!(data[0] & 1) || size - 1 > 0xffff) {
        *len = size - 1;
        return data + 1;
    }
    size_t plen = size - 1;
    memcpy(rec, magic, 4);
    rec[4] = 1;
    rec[5] = 0;
    rec[6] = (uint8_t)(plen >> 8);
    rec[7] = (uint8_t)plen;
    memcpy(rec + NB_RECORD_HDR, data + 1, plen);
    uint8_t d[32];
    mbedtls_sha256(rec, NB_RECORD_HDR + plen, d, 0);
    memcpy(rec + NB_RECORD_HDR + plen, d, NB_RECORD_DIGEST);
    *len = NB_RECORD_OVERHEAD + plen;
    return rec;
}
#endif
