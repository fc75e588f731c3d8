/* Sealed TLV records (core/tlv.h). */
#include "core/tlv.h"
#include "mbedtls/sha256.h"
#include <string.h>

void tlv_begin(struct tlv_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = cap < NB_RECORD_OVERHEAD;
}

void tlv_put(struct tlv_writer *w, uint8_t tag, const void *value, size_t len)
{
    if (w->overflow || len > 0xffff ||
        NB_RECORD_OVERHEAD + w->len + 3 + len > w->cap || w->len + 3 + len > 0xffff) {
        w->overflow = 1;
        return;
    }
    uint8_t *p = w->buf + NB_RECORD_HDR + w->len;
    p[0] = tag;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)len;
    memcpy(p + 3, value, len);
    w->len += 3 + len;
}

void tlv_put_u32(struct tlv_writer *w, uint8_t tag, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    tlv_put(w, tag, b, 4);
}

void tlv_put_u64(struct tlv_writer *w, uint8_t tag, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    tlv_put(w, tag, b, 8);
}

void tlv_put_str(struct tlv_writer *w, uint8_t tag, const char *s)
{
    tlv_put(w, tag, s, strlen(s));
}

static void digest(const uint8_t *p, size_t len, uint8_t out[NB_RECORD_DIGEST])
{
    uint8_t full[32];
    mbedtls_sha256(p, len, full, 0);
    memcpy(out, full, NB_RECORD_DIGEST);
}

size_t tlv_seal(struct tlv_writer *w, const char magic[4], uint8_t version)
{
    if (w->overflow)
        return 0;
    memcpy(w->buf, magic, 4);
    w->buf[4] = version;
    w->buf[5] = 0;
    w->buf[6] = (uint8_t)(w->len >> 8);
    w->buf[7] = (uint8_t)w->len;
    digest(w->buf, NB_RECORD_HDR + w->len, w->buf + NB_RECORD_HDR + w->len);
    return NB_RECORD_OVERHEAD + w->len;
}

nb_err tlv_open(struct tlv_reader *r, const uint8_t *rec, size_t len, const char magic[4],
                uint8_t *version)
{
    if (len < NB_RECORD_OVERHEAD)
        return NB_E_MALFORMED;
    if (memcmp(rec, magic, 4) != 0)
        return NB_E_NOT_FOUND;
    size_t plen = (size_t)rec[6] << 8 | rec[7];
    if (plen > len - NB_RECORD_OVERHEAD) /* bytes after the record (a section's padding) are not its own */
        return NB_E_MALFORMED;
    uint8_t d[NB_RECORD_DIGEST];
    digest(rec, NB_RECORD_HDR + plen, d);
    if (memcmp(d, rec + NB_RECORD_HDR + plen, NB_RECORD_DIGEST) != 0)
        return NB_E_MALFORMED;
    if (version)
        *version = rec[4];
    r->p = rec + NB_RECORD_HDR;
    r->len = plen;
    r->pos = 0;
    return NB_OK;
}

int tlv_next(struct tlv_reader *r, uint8_t *tag, const uint8_t **value, size_t *len)
{
    if (r->pos == r->len)
        return 0;
    if (r->len - r->pos < 3)
        return -1;
    const uint8_t *p = r->p + r->pos;
    size_t l = (size_t)p[1] << 8 | p[2];
    if (l > r->len - r->pos - 3)
        return -1;
    *tag = p[0];
    *value = p + 3;
    *len = l;
    r->pos += 3 + l;
    return 1;
}

int tlv_u32(const uint8_t *v, size_t len, uint32_t *out)
{
    if (len != 4)
        return 0;
    *out = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    return 1;
}

int tlv_u64(const uint8_t *v, size_t len, uint64_t *out)
{
    if (len != 8)
        return 0;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | v[i];
    *out = x;
    return 1;
}

int tlv_str(const uint8_t *v, size_t len, char *out, size_t size)
{
    if (len >= size)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (v[i] < 0x20 || v[i] == 0x7f)
            return 0;
    memcpy(out, v, len);
    out[len] = 0;
    return 1;
}
