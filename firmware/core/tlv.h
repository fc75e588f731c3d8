/*
 * Sealed records of TLV fields: the one format nearboot uses for what it
 * keeps in NV storage (lease cache, site cache) and for the embedded
 * configuration blob.
 *
 *   record = magic(4) version(1) reserved(1) payload_len(2, BE) payload digest(16)
 *   payload = field*      field = tag(1) len(2, BE) value(len)
 *   digest = the first 16 bytes of SHA-256 over magic..payload
 *
 * The digest catches torn writes and bit rot; it is not a signature (NV
 * storage is only as trusted as the platform that holds it).
 */
#ifndef NB_TLV_H
#define NB_TLV_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define NB_RECORD_HDR 8u
#define NB_RECORD_DIGEST 16u
#define NB_RECORD_OVERHEAD (NB_RECORD_HDR + NB_RECORD_DIGEST)

struct tlv_writer {
    uint8_t *buf;  /* the record buffer; fields are written after the header */
    size_t cap;
    size_t len;    /* payload bytes written */
    int overflow;
};

/* Start a record in buf. */
void tlv_begin(struct tlv_writer *w, uint8_t *buf, size_t cap);
void tlv_put(struct tlv_writer *w, uint8_t tag, const void *value, size_t len);
void tlv_put_u32(struct tlv_writer *w, uint8_t tag, uint32_t v);
void tlv_put_u64(struct tlv_writer *w, uint8_t tag, uint64_t v);
void tlv_put_str(struct tlv_writer *w, uint8_t tag, const char *s);
/* Seal: header and digest. Returns the record length, 0 on overflow. */
size_t tlv_seal(struct tlv_writer *w, const char magic[4], uint8_t version);

struct tlv_reader {
    const uint8_t *p;
    size_t len, pos;
};

/* Check a record (magic, length, digest) at the start of rec[len] and set
 * up a reader over its payload; bytes after the record are ignored.
 * NB_E_NOT_FOUND: different magic; NB_E_MALFORMED: corrupt. */
nb_err tlv_open(struct tlv_reader *r, const uint8_t *rec, size_t len, const char magic[4],
                uint8_t *version);
/* Next field: 1 and the field, 0 at the end, -1 if a field runs past the end. */
int tlv_next(struct tlv_reader *r, uint8_t *tag, const uint8_t **value, size_t *len);
/* Field value helpers: 0 if the length does not match. */
int tlv_u32(const uint8_t *v, size_t len, uint32_t *out);
int tlv_u64(const uint8_t *v, size_t len, uint64_t *out);
/* Copy a string value (no NULs or control characters) into out[size]. */
int tlv_str(const uint8_t *v, size_t len, char *out, size_t size);

#endif
