/* libFuzzer target: boot/http.c chunked body decoding (chunk sizes,
 * extensions, CRLFs, trailers, caps).
 *
 * The input is the body of a response whose head said
 * "Transfer-Encoding: chunked". It is decoded whole and byte by byte; both
 * must agree on the error, on every body byte and on where the message
 * ended. The decoded body is never longer than the input, and never longer
 * than the cap (taken from the first input byte). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/http.h"

static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

struct out {
    uint8_t *body;
    size_t len, size;
};

static struct http_parser parser;

static nb_err sink(void *ctx, const uint8_t *p, size_t n)
{
    struct out *o = ctx;
    if (n == 0 || o->len + n > o->size)
        abort(); /* more body than input */
    memcpy(o->body + o->len, p, n);
    o->len += n;
    return NB_OK;
}

static nb_err decode(const uint8_t *data, size_t size, int bytewise, uint64_t cap, struct out *o,
                     size_t *used_total, int *done)
{
    size_t used;
    enum http_event ev;
    *done = 0;
    http_parser_init(&parser, cap, sink, o);
    nb_err e = http_parser_feed(&parser, (const uint8_t *)head, sizeof head - 1, &used, &ev);
    if (e != NB_OK || ev != HTTP_EV_HEAD || used != sizeof head - 1 ||
        parser.framing != HTTP_FRAME_CHUNKED)
        abort();
    size_t pos = 0;
    while (pos < size) {
        size_t n = bytewise ? 1 : size - pos;
        e = http_parser_feed(&parser, data + pos, n, &used, &ev);
        pos += used;
        if (e != NB_OK)
            break;
        if (ev == HTTP_EV_DONE) {
            *done = 1;
            break;
        }
        if (used != n)
            abort();
    }
    *used_total = pos;
    if (e == NB_OK && !*done) {
        e = http_parser_eof(&parser, &ev);
        if (e != NB_E_HTTP_TRUNCATED)
            abort(); /* a chunked body never ends with the stream */
    }
    if (parser.body_bytes != o->len)
        abort();
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    struct out a = { malloc(size ? size : 1), 0, size }, b = { malloc(size ? size : 1), 0, size };
    if (!copy || !a.body || !b.body)
        abort();
    memcpy(copy, data, size);
    uint64_t cap = size && (data[0] & 0x80) ? (uint64_t)(data[0] & 0x7f) * 16u : HTTP_SIZE_LIMIT;
    size_t ua, ub;
    int da, db;
    nb_err ea = decode(copy, size, 0, cap, &a, &ua, &da);
    nb_err eb = decode(copy, size, 1, cap, &b, &ub, &db);
    if (ea != eb || da != db || a.len != b.len || (a.len && memcmp(a.body, b.body, a.len) != 0))
        abort();
    if (da && ua != ub)
        abort();
    if (a.len > cap)
        abort();
    free(copy);
    free(a.body);
    free(b.body);
    return 0;
}
