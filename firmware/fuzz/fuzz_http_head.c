/* libFuzzer target: boot/http.c response parsing — the head (status line,
 * fields, caps), body framing, and the decisions taken on a head
 * (http_judge, http_redirect, http_validator).
 *
 * The input is one response stream. It is fed whole, then again in pieces
 * whose sizes come from a PRNG seeded by the input: both runs must reach the
 * same verdict (error code, status, flags, body bytes) — the parser may not
 * depend on how the transport cut the stream. The body never exceeds the
 * input, the cap holds, and a message reported complete consumed exactly
 * the same bytes in both runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "boot/http.h"

struct result {
    nb_err err;
    int heads, done;
    size_t used;
    uint64_t body;
    uint32_t body_hash;
    struct http_head head;
    enum http_framing framing;
};

static struct http_parser parser;

static nb_err sink(void *ctx, const uint8_t *p, size_t n)
{
    struct result *r = ctx;
    if (n == 0)
        abort();
    for (size_t i = 0; i < n; i++)
        r->body_hash = (r->body_hash ^ p[i]) * 16777619u;
    r->body += n;
    return NB_OK;
}

static void feed(const uint8_t *data, size_t size, uint32_t seed, uint64_t cap, struct result *r)
{
    memset(r, 0, sizeof *r);
    r->body_hash = 2166136261u;
    http_parser_init(&parser, cap, sink, r);
    size_t pos = 0;
    for (;;) {
        size_t n = size - pos;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            size_t k = 1 + (seed >> 16) % 64;
            if (k < n)
                n = k;
        }
        size_t used;
        enum http_event ev;
        nb_err e = http_parser_feed(&parser, data + pos, n, &used, &ev);
        if (used > n)
            abort();
        pos += used;
        if (e != NB_OK) {
            r->err = e;
            break;
        }
        if (ev == HTTP_EV_HEAD) {
            if (++r->heads > 1)
                abort();
            continue;
        }
        if (ev == HTTP_EV_DONE) {
            r->done = 1;
            break;
        }
        if (used != n)
            abort();
        if (pos == size)
            break;
    }
    if (!r->err && !r->done) {
        enum http_event ev;
        r->err = http_parser_eof(&parser, &ev);
        r->done = r->err == NB_OK;
    }
    r->used = pos;
    r->head = parser.head;
    r->framing = parser.framing;
    if (r->body > size || r->body > cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct result a, b;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    uint32_t seed = 0x9e3779b9u;
    for (size_t i = 0; i < size && i < 16; i++)
        seed = seed * 31u + data[i];
    uint64_t cap = size > 0 ? (uint64_t)(data[size - 1] & 0x3f) * 64u + 1u : 1u;
    if (size > 1 && (data[size - 2] & 1))
        cap = HTTP_SIZE_LIMIT;
    feed(copy, size, 0, cap, &a);
    feed(copy, size, seed | 1u, cap, &b);
    if (a.err != b.err || a.heads != b.heads || a.done != b.done || a.body != b.body ||
        a.body_hash != b.body_hash || a.head.status != b.head.status ||
        a.head.flags != b.head.flags || a.head.content_length != b.head.content_length)
        abort();
    if (a.done && a.used != b.used)
        abort();

    if (a.heads) {
        struct http_plan plan;
        static struct nb_url cur, next;
        static const char base[] = "https://boot.example/dir/file";
        if (nb_url_parse(base, sizeof base - 1, &cur) != NB_OK)
            abort();
        uint64_t offsets[] = { 0, 1, 100, a.head.range_first, a.head.range_total };
        for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
            nb_err e = http_judge(&a.head, offsets[i], "\"v\"", cap, &plan);
            if (e == NB_OK && plan.verdict == HTTP_V_BODY) {
                if (plan.start != 0 && plan.start != offsets[i])
                    abort();
                if (plan.total != HTTP_SIZE_UNKNOWN && plan.total > cap)
                    abort();
            }
        }
        if (http_redirect(&cur, &a.head, &next) == NB_OK && next.scheme != NB_URL_HTTPS)
            abort(); /* never away from https */
        char v[HTTP_VALIDATOR_MAX + 1];
        http_validator(&a.head, v, sizeof v);
        for (const char *c = v; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                abort();
        static char req[HTTP_REQUEST_MAX];
        size_t len;
        if (http_build_request(req, sizeof req, &cur, 1, v, &len) != NB_OK)
            abort();
    }
    free(copy);
    return 0;
}
