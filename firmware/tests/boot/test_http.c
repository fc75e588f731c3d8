/* boot/http.c: the response parser (head, framing, chunked) under every
 * segmentation, request building, Range/If-Range decisions, redirects, and
 * the GET driver against a scripted in-memory server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/http.h"
#include "core/clock.h"
#include "nb_version.h"

/* ================================================================ harness */

struct collected {
    uint8_t *body;
    size_t len, cap;
    unsigned calls;
};

static nb_err collect(void *ctx, const uint8_t *p, size_t n)
{
    struct collected *c = ctx;
    assert_true(n > 0);
    if (c->len + n > c->cap) {
        c->cap = (c->len + n) * 2;
        c->body = realloc(c->body, c->cap);
        assert_non_null(c->body);
    }
    memcpy(c->body + c->len, p, n);
    c->len += n;
    c->calls++;
    return NB_OK;
}

enum split { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM };

struct outcome {
    nb_err err;
    int heads, done;
    size_t used;       /* bytes of the input consumed when DONE (or at the error) */
    struct http_head head;
    enum http_framing framing;
    struct collected body;
};

static struct http_parser parser; /* 25 KB: not on the stack */

/* Feed msg in pieces cut by `how`; call eof at the end if `eof`. Every
 * piece is an exact-size heap copy so ASan sees reads past it. */
static void run(const uint8_t *msg, size_t len, enum split how, int eof, uint64_t cap,
                struct outcome *o)
{
    memset(o, 0, sizeof *o);
    http_parser_init(&parser, cap, collect, &o->body);
    size_t pos = 0;
    while (pos < len || (pos == len && o->heads && !o->done && !o->err)) {
        size_t n = len - pos;
        if (how == SPLIT_BYTES && n > 1)
            n = 1;
        else if (how == SPLIT_RANDOM && n > 1)
            n = 1 + (size_t)rand() % (n < 40 ? n : 40);
        uint8_t *piece = malloc(n ? n : 1);
        memcpy(piece, msg + pos, n);
        size_t used = 0;
        enum http_event ev;
        nb_err e = http_parser_feed(&parser, piece, n, &used, &ev);
        free(piece);
        assert_true(used <= n);
        pos += used;
        if (e != NB_OK) {
            o->err = e;
            o->used = pos;
            break;
        }
        if (ev == HTTP_EV_HEAD) {
            o->heads++;
            assert_int_equal(o->heads, 1);
            continue;
        }
        if (ev == HTTP_EV_DONE) {
            o->done = 1;
            o->used = pos;
            break;
        }
        assert_int_equal(used, n); /* MORE: everything was taken */
        if (n == 0)
            break;
    }
    if (!o->err && !o->done && eof) {
        enum http_event ev;
        o->err = http_parser_eof(&parser, &ev);
        if (!o->err) {
            assert_int_equal(ev, HTTP_EV_DONE);
            o->done = 1;
            o->used = pos;
        }
    }
    o->head = parser.head;
    o->framing = parser.framing;
}

static void outcome_free(struct outcome *o) { free(o->body.body); }

/* Run whole, byte by byte and in random pieces: all three must agree. */
static void run3(const char *msg, size_t len, int eof, uint64_t cap, struct outcome *o)
{
    struct outcome b, r;
    run((const uint8_t *)msg, len, SPLIT_WHOLE, eof, cap, o);
    run((const uint8_t *)msg, len, SPLIT_BYTES, eof, cap, &b);
    assert_int_equal(b.err, o->err);
    assert_int_equal(b.done, o->done);
    assert_int_equal(b.body.len, o->body.len);
    if (o->body.len)
        assert_memory_equal(b.body.body, o->body.body, o->body.len);
    assert_int_equal(b.head.status, o->head.status);
    assert_int_equal(b.head.flags, o->head.flags);
    if (o->done)
        assert_int_equal(b.used, o->used);
    outcome_free(&b);
    for (int k = 0; k < 8; k++) {
        run((const uint8_t *)msg, len, SPLIT_RANDOM, eof, cap, &r);
        assert_int_equal(r.err, o->err);
        assert_int_equal(r.done, o->done);
        assert_int_equal(r.body.len, o->body.len);
        if (o->body.len)
            assert_memory_equal(r.body.body, o->body.body, o->body.len);
        outcome_free(&r);
    }
}

#define S(lit) lit, sizeof(lit) - 1

/* A complete response: no error, done, body as given. */
static void expect_ok(const char *msg, size_t len, unsigned status, const char *body)
{
    struct outcome o;
    run3(msg, len, 1, HTTP_SIZE_LIMIT, &o);
    if (o.err != NB_OK) {
        print_error("%.*s\n-> %s\n", (int)(len > 200 ? 200 : len), msg, nb_errname(o.err));
        fail();
    }
    assert_true(o.done);
    assert_int_equal(o.head.status, status);
    assert_int_equal(o.body.len, strlen(body));
    if (o.body.len)
        assert_memory_equal(o.body.body, body, o.body.len);
    outcome_free(&o);
}

static void expect_err(const char *msg, size_t len, nb_err want)
{
    struct outcome o;
    run3(msg, len, 1, HTTP_SIZE_LIMIT, &o);
    if (o.err != want) {
        print_error("%.*s\n-> %s, want %s\n", (int)(len > 200 ? 200 : len), msg, nb_errname(o.err),
                    nb_errname(want));
        fail();
    }
    outcome_free(&o);
}

static struct http_head head_of(const char *msg, size_t len)
{
    struct outcome o;
    run3(msg, len, 1, HTTP_SIZE_LIMIT, &o);
    assert_int_equal(o.err, NB_OK);
    struct http_head h = o.head;
    outcome_free(&o);
    return h;
}

/* ================================================================ status line */

static void test_status_line(void **state)
{
    (void)state;
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), 200, "hi");
    expect_ok(S("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"), 404, "");
    expect_ok(S("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), 200, "");  /* no reason, no SP */
    expect_ok(S("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), 200, ""); /* empty reason */
    expect_ok(S("HTTP/1.1 599 Whatever\tit says \x80\xff\r\nContent-Length: 0\r\n\r\n"), 599, "");
    struct http_head h = head_of(S("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assert_int_equal(h.version, 10);
    h = head_of(S("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assert_int_equal(h.version, 11);

    expect_err(S("HTTP/2 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/2.0 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/0.9 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 20 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 2000 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 600 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 099 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 2x0 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("http/1.1 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1  200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 200OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.x 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("ICY 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("\r\nHTTP/1.1 200 OK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 200 OK\n\n"), NB_E_HTTP_BAD_STATUS_LINE);      /* bare LF */
    expect_err(S("HTTP/1.1 200 O\rK\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE); /* bare CR */
    expect_err(S("HTTP/1.1 200 O\x01K\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 200 O\0K\r\n\r\n"), NB_E_HTTP_BAD_STATUS_LINE);
    expect_err(S("HTTP/1.1 200 OK\r\n"), NB_E_HTTP_TRUNCATED);
    expect_err(S(""), NB_E_HTTP_TRUNCATED);
    /* not HTTP at all: refused at the first wrong byte, not after 8 KiB */
    struct outcome o;
    run((const uint8_t *)"<html>", 6, SPLIT_BYTES, 0, HTTP_SIZE_LIMIT, &o);
    assert_int_equal(o.err, NB_E_HTTP_BAD_STATUS_LINE);
    assert_int_equal(o.used, 0);
    outcome_free(&o);
}

/* ================================================================ fields */

static void test_fields(void **state)
{
    (void)state;
    /* names without case, OWS around values */
    expect_ok(S("HTTP/1.1 200 OK\r\ncontent-LENGTH:   3 \t\r\n\r\nabc"), 200, "abc");
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length:3\r\n\r\nabc"), 200, "abc");
    expect_ok(S("HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Odd: \x80\xfe\r\nContent-Length: 1\r\n\r\nz"), 200, "z");
    expect_ok(S("HTTP/1.1 200 OK\r\nServer: a (b) \"c\" {d}\r\nContent-Length: 1\r\n\r\nz"), 200, "z");
    /* syntax errors */
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\n: 3\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nBad(Name): x\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\x01" "b\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\nb\r\n\r\n"), NB_E_HTTP_BAD_HEADER);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\r\n\n"), NB_E_HTTP_BAD_HEADER);
    /* obs-fold, with a space or a tab */
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), NB_E_HTTP_OBS_FOLD);
    expect_err(S("HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n"), NB_E_HTTP_OBS_FOLD);
    expect_err(S("HTTP/1.1 200 OK\r\n Content-Length: 1\r\n\r\nz"), NB_E_HTTP_OBS_FOLD);
}

static void test_content_length(void **state)
{
    (void)state;
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"), 200, "abc");
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 3, 3,3\r\n\r\nabc"), 200, "abc");
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc"), 200, "abc");
    expect_ok(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 200, "");
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
               NB_E_HTTP_CONFLICTING_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd"), NB_E_HTTP_CONFLICTING_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 3,\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: ,3\r\n\r\n"), NB_E_HTTP_BAD_CONTENT_LENGTH);
    /* 2^53 is the largest accepted; beyond, and overflow-sized, are refused */
    struct http_head h = head_of(S("HTTP/1.1 304 OK\r\nContent-Length: 9007199254740992\r\n\r\n"));
    assert_int_equal(h.content_length, HTTP_SIZE_LIMIT);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 9007199254740993\r\n\r\n"),
               NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"),
               NB_E_HTTP_BAD_CONTENT_LENGTH);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n"),
               NB_E_HTTP_BAD_CONTENT_LENGTH);
    /* a body cut short */
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde"), NB_E_HTTP_TRUNCATED);
    /* bytes after the body are not part of it */
    struct outcome o;
    run3(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA"), 0, HTTP_SIZE_LIMIT, &o);
    assert_true(o.done);
    assert_int_equal(o.body.len, 2);
    assert_int_equal(o.used, sizeof("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi") - 1);
    outcome_free(&o);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    expect_ok(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"), 200, "hi");
    expect_ok(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"), 200, "");
    expect_ok(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked ,\r\n\r\n0\r\n\r\n"), 200, "");
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"),
               NB_E_HTTP_CL_AND_TE);
    expect_err(S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"),
               NB_E_HTTP_CL_AND_TE);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
               NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
               NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    expect_err(S("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"), NB_E_HTTP_TE_UNSUPPORTED);
    /* RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing */
    expect_err(S("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
               NB_E_HTTP_TE_UNSUPPORTED);
}

static void test_framing(void **state)
{
    (void)state;
    /* neither length nor chunked: the body runs to the close */
    expect_ok(S("HTTP/1.0 200 OK\r\n\r\nuntil the end"), 200, "until the end");
    expect_ok(S("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"), 200, "abc");
    struct outcome o;
    run3(S("HTTP/1.0 200 OK\r\n\r\nabc"), 0, HTTP_SIZE_LIMIT, &o);
    assert_false(o.done); /* not without the end of the stream */
    assert_int_equal(o.framing, HTTP_FRAME_CLOSE);
    outcome_free(&o);
    /* no body whatever the fields say */
    run3(S("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"), 0, HTTP_SIZE_LIMIT, &o);
    assert_true(o.done);
    assert_int_equal(o.framing, HTTP_FRAME_NONE);
    outcome_free(&o);
    run3(S("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"), 0, HTTP_SIZE_LIMIT, &o);
    assert_true(o.done);
    outcome_free(&o);
    /* interim responses are skipped */
    expect_ok(S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 200, "ok");
    struct http_head h = head_of(S("HTTP/1.1 103 Hints\r\nContent-Length: 9\r\nLocation: /x\r\n\r\n"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"));
    assert_int_equal(h.content_length, 1); /* nothing of the 1xx head remains */
    assert_false(h.flags & HTTP_H_LOCATION);
    /* 101 is final (and the client refuses it): no body */
    run3(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n\x16\x03"), 0, HTTP_SIZE_LIMIT, &o);
    assert_true(o.done);
    assert_int_equal(o.head.status, 101);
    outcome_free(&o);
    /* connection management */
    h = head_of(S("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Upgrade\r\nContent-Length: 0\r\n\r\n"));
    assert_true(h.flags & HTTP_H_KEEP_ALIVE);
    assert_false(h.flags & HTTP_H_CLOSE);
    h = head_of(S("HTTP/1.1 200 OK\r\nconnection: foo,close\r\nContent-Length: 0\r\n\r\n"));
    assert_true(h.flags & HTTP_H_CLOSE);
}

/* A 200 head of exactly `total` bytes, of "X: ppp" lines under the line cap. */
static size_t head_of_size(char *msg, size_t total)
{
    size_t n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
    size_t left = total - n - 2;
    while (left) {
        size_t k = left - 5 <= 4000 ? left - 5 : 4000;
        if (left - 5 - k > 0 && left - 5 - k < 5)
            k -= 5; /* leave room for one more whole line */
        n += (size_t)sprintf(msg + n, "X: ");
        memset(msg + n, 'p', k);
        n += k;
        n += (size_t)sprintf(msg + n, "\r\n");
        left -= k + 5;
    }
    n += (size_t)sprintf(msg + n, "\r\n");
    return n;
}

static void test_head_caps(void **state)
{
    (void)state;
    static char msg[3 * HTTP_HEAD_MAX];
    size_t n;
    /* one line at exactly HTTP_LINE_MAX is fine; one byte more is not */
    for (int extra = 0; extra <= 1; extra++) {
        n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nX: ");
        size_t fill = HTTP_LINE_MAX - 3 + (size_t)extra;
        memset(msg + n, 'v', fill);
        n += fill;
        n += (size_t)sprintf(msg + n, "\r\nContent-Length: 0\r\n\r\n");
        if (extra)
            expect_err(msg, n, NB_E_HTTP_LINE_TOO_LONG);
        else
            expect_ok(msg, n, 200, "");
    }
    /* a long status line */
    n = (size_t)sprintf(msg, "HTTP/1.1 200 ");
    memset(msg + n, 'r', HTTP_LINE_MAX);
    n += HTTP_LINE_MAX;
    expect_err(msg, n, NB_E_HTTP_LINE_TOO_LONG);
    /* the whole head: many short lines */
    n = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\n");
    while (n < HTTP_HEAD_MAX + 100)
        n += (size_t)sprintf(msg + n, "X-Filler: 0123456789012345678901234567890123456789\r\n");
    n += (size_t)sprintf(msg + n, "\r\n");
    expect_err(msg, n, NB_E_HTTP_HEAD_TOO_LARGE);
    /* exactly HTTP_HEAD_MAX bytes including the final CRLF is accepted */
    n = head_of_size(msg, HTTP_HEAD_MAX);
    assert_int_equal(n, HTTP_HEAD_MAX);
    expect_ok(msg, n, 200, "");
    n = head_of_size(msg, HTTP_HEAD_MAX + 1);
    assert_int_equal(n, HTTP_HEAD_MAX + 1);
    expect_err(msg, n, NB_E_HTTP_HEAD_TOO_LARGE);
    /* endless 1xx heads count against the same cap */
    n = 0;
    while (n < HTTP_HEAD_MAX + 100)
        n += (size_t)sprintf(msg + n, "HTTP/1.1 100 Continue\r\n\r\n");
    expect_err(msg, n, NB_E_HTTP_HEAD_TOO_LARGE);
}

static void test_useful_fields(void **state)
{
    (void)state;
    struct http_head h = head_of(S(
        "HTTP/1.1 206 Partial Content\r\n"
        "Date: Wed, 25 Nov 2026 10:00:00 GMT\r\n"
        "Last-Modified: Tue, 24 Nov 2026 09:00:00 GMT\r\n"
        "ETag: \"5f3a-4000000\"\r\n"
        "Content-Range: bytes 100-199/1000\r\n"
        "Location: https://boot.example/x?y\r\n"
        "Content-Length: 0\r\n\r\n"));
    assert_int_equal(h.status, 206);
    assert_true(h.flags & HTTP_H_ETAG);
    assert_false(h.flags & HTTP_H_ETAG_WEAK);
    assert_string_equal(h.etag, "\"5f3a-4000000\"");
    assert_true(h.flags & HTTP_H_RANGE);
    assert_true(h.flags & HTTP_H_RANGE_TOTAL);
    assert_int_equal(h.range_first, 100);
    assert_int_equal(h.range_last, 199);
    assert_int_equal(h.range_total, 1000);
    assert_string_equal(h.location, "https://boot.example/x?y");
    assert_true(h.flags & HTTP_H_DATE);
    assert_true(h.flags & HTTP_H_LAST_MODIFIED);
    assert_int_equal(h.date - h.last_modified, 25 * 3600);
    assert_string_equal(h.last_modified_text, "Tue, 24 Nov 2026 09:00:00 GMT");

    /* Content-Range variants */
    static const struct {
        const char *value;
        unsigned flags;
        uint64_t first, last, total;
    } cr[] = {
        { "bytes 0-9/10", HTTP_H_RANGE | HTTP_H_RANGE_TOTAL, 0, 9, 10 },
        { "BYTES 5-9/*", HTTP_H_RANGE, 5, 9, 0 },
        { "bytes */10", HTTP_H_RANGE_TOTAL, 0, 0, 10 },
        { "bytes 5-4/10", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes 0-10/10", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes */*", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "items 0-1/2", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes=0-1/2", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes 0-1/2x", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes -1/2", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes 1-/2", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes 0-99999999999999999/*", HTTP_H_RANGE_BAD, 0, 0, 0 },
        { "bytes", HTTP_H_RANGE_BAD, 0, 0, 0 },
    };
    char msg[256];
    for (size_t i = 0; i < sizeof cr / sizeof cr[0]; i++) {
        int n = snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nContent-Range: %s\r\nContent-Length: 0\r\n\r\n",
                         cr[i].value);
        h = head_of(msg, (size_t)n);
        assert_int_equal(h.flags & (HTTP_H_RANGE | HTTP_H_RANGE_TOTAL | HTTP_H_RANGE_BAD), cr[i].flags);
        if (cr[i].flags & HTTP_H_RANGE) {
            assert_int_equal(h.range_first, cr[i].first);
            assert_int_equal(h.range_last, cr[i].last);
        }
        if (cr[i].flags & HTTP_H_RANGE_TOTAL)
            assert_int_equal(h.range_total, cr[i].total);
    }
    h = head_of(S("HTTP/1.1 200 OK\r\nContent-Range: bytes 0-1/2\r\nContent-Range: bytes 0-1/2\r\n"
                  "Content-Length: 0\r\n\r\n"));
    assert_int_equal(h.flags & (HTTP_H_RANGE | HTTP_H_RANGE_BAD), HTTP_H_RANGE_BAD);

    /* ETags */
    h = head_of(S("HTTP/1.1 200 OK\r\nETag: W/\"x\"\r\nContent-Length: 0\r\n\r\n"));
    assert_int_equal(h.flags & (HTTP_H_ETAG | HTTP_H_ETAG_WEAK), HTTP_H_ETAG | HTTP_H_ETAG_WEAK);
    h = head_of(S("HTTP/1.1 200 OK\r\nETag: \"\"\r\nContent-Length: 0\r\n\r\n"));
    assert_true(h.flags & HTTP_H_ETAG);
    static const char *bad_etags[] = { "x", "\"x", "x\"", "\"a\"b\"", "\"a b\"", "W/x", "w/\"x\"", "\"" };
    for (size_t i = 0; i < sizeof bad_etags / sizeof bad_etags[0]; i++) {
        int n = snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nETag: %s\r\nContent-Length: 0\r\n\r\n",
                         bad_etags[i]);
        h = head_of(msg, (size_t)n);
        assert_false(h.flags & HTTP_H_ETAG);
    }
    h = head_of(S("HTTP/1.1 200 OK\r\nETag: \"a\"\r\nETag: \"b\"\r\nContent-Length: 0\r\n\r\n"));
    assert_int_equal(h.flags & (HTTP_H_ETAG | HTTP_H_ETAG_BAD), HTTP_H_ETAG_BAD);
    /* an ETag longer than HTTP_ETAG_MAX is not kept */
    char big[HTTP_ETAG_MAX + 64];
    memset(big, 'e', sizeof big);
    big[0] = '"';
    big[HTTP_ETAG_MAX] = '"';
    int n = snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nETag: %.*s\r\nContent-Length: 0\r\n\r\n",
                     HTTP_ETAG_MAX + 1, big);
    h = head_of(msg, (size_t)n);
    assert_false(h.flags & HTTP_H_ETAG);
    big[HTTP_ETAG_MAX - 1] = '"';
    n = snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nETag: %.*s\r\nContent-Length: 0\r\n\r\n",
                 HTTP_ETAG_MAX, big);
    h = head_of(msg, (size_t)n);
    assert_true(h.flags & HTTP_H_ETAG);
    assert_int_equal(strlen(h.etag), HTTP_ETAG_MAX);

    /* Location: repeated or too long is unusable */
    h = head_of(S("HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n"));
    assert_int_equal(h.flags & (HTTP_H_LOCATION | HTTP_H_LOCATION_BAD), HTTP_H_LOCATION_BAD);
    static char lmsg[NB_URL_MAX + 200];
    n = sprintf(lmsg, "HTTP/1.1 302 Found\r\nLocation: /");
    memset(lmsg + n, 'l', NB_URL_MAX);
    n += NB_URL_MAX;
    n += sprintf(lmsg + n, "\r\nContent-Length: 0\r\n\r\n");
    h = head_of(lmsg, (size_t)n);
    assert_int_equal(h.flags & (HTTP_H_LOCATION | HTTP_H_LOCATION_BAD), HTTP_H_LOCATION_BAD);
}

static void test_dates(void **state)
{
    (void)state;
    int64_t t;
    assert_true(http_parse_date(S("Sun, 06 Nov 1994 08:49:37 GMT"), &t));
    assert_int_equal(t, 784111777);
    assert_true(http_parse_date(S("Thu, 01 Jan 1970 00:00:00 GMT"), &t));
    assert_int_equal(t, 0);
    static const char *bad[] = {
        "Sunday, 06-Nov-94 08:49:37 GMT", /* RFC 850: not used for validators */
        "Sun Nov  6 08:49:37 1994",        /* asctime */
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT ", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Now 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1969 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nov 1994 08:60:37 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(http_parse_date(bad[i], strlen(bad[i]), &t));
}

/* ================================================================ chunked */

#define CH(body) "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" body

static void test_chunked(void **state)
{
    (void)state;
    expect_ok(S(CH("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")), 200, "hello world");
    expect_ok(S(CH("A\r\n0123456789\r\n0\r\n\r\n")), 200, "0123456789");
    expect_ok(S(CH("a\r\n0123456789\r\n0\r\n\r\n")), 200, "0123456789");
    expect_ok(S(CH("0000005\r\nhello\r\n000\r\n\r\n")), 200, "hello");
    /* extensions are ignored, with or without BWS */
    expect_ok(S(CH("5;name=value\r\nhello\r\n0;last\r\n\r\n")), 200, "hello");
    expect_ok(S(CH("5 ; a = \"q;x\"\r\nhello\r\n0\r\n\r\n")), 200, "hello");
    expect_ok(S(CH("5\t;a\r\nhello\r\n0\r\n\r\n")), 200, "hello");
    /* trailers are skipped */
    expect_ok(S(CH("5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n")), 200, "hello");
    /* a body chunk can hold CR, LF and anything */
    expect_ok(S(CH("4\r\n\r\n\r\n\r\n0\r\n\r\n")), 200, "\r\n\r\n");

    expect_err(S(CH("5g\r\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("g\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH(";x\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("-5\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("0x5\r\nhello\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5 \r\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH(" 5\r\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\rhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\r\nhelloX\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\r\nhello\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\r\nhello\r0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5\r\nhello0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5;a\x01\r\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("5;a\nb\r\nhello\r\n0\r\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("0\r\n\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("0\r\nX: y\n\r\n")), NB_E_HTTP_BAD_CHUNK);
    expect_err(S(CH("0\r\nX: y\r\n folded\r\n\r\n")), NB_E_HTTP_OBS_FOLD);
    expect_err(S(CH("0\r\n\rx")), NB_E_HTTP_BAD_CHUNK);
    /* sizes: overflow and the 2^53 limit */
    expect_err(S(CH("ffffffffffffffffffff\r\n")), NB_E_HTTP_CHUNK_TOO_BIG);
    expect_err(S(CH("100000000000000\r\n")), NB_E_HTTP_CHUNK_TOO_BIG); /* 2^56 */
    expect_err(S(CH("20000000000001\r\n")), NB_E_HTTP_CHUNK_TOO_BIG);
    expect_err(S(CH("20000000000000\r\n")), NB_E_HTTP_TRUNCATED);       /* 2^53: accepted, then cut */
    /* truncated anywhere */
    expect_err(S(CH("5\r\nhel")), NB_E_HTTP_TRUNCATED);
    expect_err(S(CH("5\r\nhello\r\n")), NB_E_HTTP_TRUNCATED);
    expect_err(S(CH("5\r\nhello\r\n0\r\n")), NB_E_HTTP_TRUNCATED);
    expect_err(S(CH("5\r\nhello\r\n0\r\nX: 1\r\n")), NB_E_HTTP_TRUNCATED);
}

static void test_chunked_caps(void **state)
{
    (void)state;
    static char msg[4 * HTTP_TRAILER_MAX];
    size_t n;
    /* a size line with extensions up to HTTP_CHUNK_LINE_MAX, and one past */
    for (int extra = 0; extra <= 1; extra++) {
        n = (size_t)sprintf(msg, CH("5;"));
        size_t fill = HTTP_CHUNK_LINE_MAX - 3 + (size_t)extra; /* "5;" + fill + CR */
        memset(msg + n, 'e', fill);
        n += fill;
        n += (size_t)sprintf(msg + n, "\r\nhello\r\n0\r\n\r\n");
        if (extra)
            expect_err(msg, n, NB_E_HTTP_BAD_CHUNK);
        else
            expect_ok(msg, n, 200, "hello");
    }
    /* endless leading zeros */
    n = (size_t)sprintf(msg, CH(""));
    memset(msg + n, '0', 5000);
    n += 5000;
    expect_err(msg, n, NB_E_HTTP_BAD_CHUNK);
    /* trailer section cap */
    n = (size_t)sprintf(msg, CH("0\r\n"));
    while (n < 2 * HTTP_TRAILER_MAX)
        n += (size_t)sprintf(msg + n, "X-Trailer: 0123456789\r\n");
    n += (size_t)sprintf(msg + n, "\r\n");
    expect_err(msg, n, NB_E_HTTP_TRAILER_TOO_LARGE);
    /* the body cap: a chunk announcing more than the cap is refused up front */
    struct outcome o;
    run3(S(CH("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")), 1, 8, &o);
    assert_int_equal(o.err, NB_E_HTTP_BODY_TOO_BIG);
    assert_int_equal(o.body.len, 5);
    outcome_free(&o);
    run3(S(CH("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")), 1, 11, &o);
    assert_int_equal(o.err, NB_OK);
    outcome_free(&o);
    /* and a Content-Length body beyond the cap stops at the cap */
    run3(S("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"), 1, 10, &o);
    assert_int_equal(o.err, NB_E_HTTP_BODY_TOO_BIG);
    assert_true(o.body.len <= 10);
    outcome_free(&o);
    run3(S("HTTP/1.0 200 OK\r\n\r\nhello world"), 1, 10, &o);
    assert_int_equal(o.err, NB_E_HTTP_BODY_TOO_BIG);
    outcome_free(&o);
}

/* Cut a complete response at every byte: the prefix followed by the end of
 * the stream is TRUNCATED (never a success, never a crash); the whole is OK. */
static void truncate_everywhere(const char *msg, size_t len)
{
    for (size_t cut = 0; cut < len; cut++) {
        struct outcome o;
        run((const uint8_t *)msg, cut, cut % 2 ? SPLIT_BYTES : SPLIT_WHOLE, 1, HTTP_SIZE_LIMIT, &o);
        if (o.err != NB_E_HTTP_TRUNCATED) {
            print_error("cut at %zu of %zu: %s\n", cut, len, nb_errname(o.err));
            fail();
        }
        outcome_free(&o);
    }
    struct outcome o;
    run((const uint8_t *)msg, len, SPLIT_WHOLE, 1, HTTP_SIZE_LIMIT, &o);
    assert_int_equal(o.err, NB_OK);
    outcome_free(&o);
}

static void test_truncation_everywhere(void **state)
{
    (void)state;
    truncate_everywhere(S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello"));
    truncate_everywhere(S(CH("5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nTrailer: t\r\n\r\n")));
    truncate_everywhere(S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"));
}

/* A long chunked body in random splits, with random chunk sizes. */
static void test_chunked_random(void **state)
{
    (void)state;
    srand(1234);
    size_t body_len = 200000;
    uint8_t *body = malloc(body_len);
    for (size_t i = 0; i < body_len; i++)
        body[i] = (uint8_t)rand();
    char *msg = malloc(body_len * 2 + 100000);
    size_t n = (size_t)sprintf(msg, CH(""));
    for (size_t at = 0; at < body_len;) {
        size_t k = 1 + (size_t)rand() % 5000;
        if (k > body_len - at)
            k = body_len - at;
        n += (size_t)sprintf(msg + n, rand() % 2 ? "%zx\r\n" : "%zX;x=y\r\n", k);
        memcpy(msg + n, body + at, k);
        n += k;
        memcpy(msg + n, "\r\n", 2);
        n += 2;
        at += k;
    }
    n += (size_t)sprintf(msg + n, "0\r\nT: 1\r\n\r\n");
    struct outcome o;
    run3(msg, n, 0, HTTP_SIZE_LIMIT, &o);
    assert_int_equal(o.err, NB_OK);
    assert_true(o.done);
    assert_int_equal(o.used, n);
    assert_int_equal(o.body.len, body_len);
    assert_memory_equal(o.body.body, body, body_len);
    outcome_free(&o);
    free(msg);
    free(body);
}

/* A sink error stops the parser and sticks. */
static nb_err refuse(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    return NB_E_NO_MEMORY;
}

static void test_sink_error_sticks(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    size_t used;
    enum http_event ev;
    http_parser_init(&parser, HTTP_SIZE_LIMIT, refuse, NULL);
    assert_int_equal(http_parser_feed(&parser, (const uint8_t *)msg, sizeof msg - 1, &used, &ev), NB_OK);
    assert_int_equal(ev, HTTP_EV_HEAD);
    assert_int_equal(http_parser_feed(&parser, (const uint8_t *)msg + used, sizeof msg - 1 - used,
                                      &used, &ev), NB_E_NO_MEMORY);
    assert_int_equal(http_parser_feed(&parser, (const uint8_t *)"x", 1, &used, &ev), NB_E_NO_MEMORY);
    assert_int_equal(used, 0);
    assert_int_equal(http_parser_eof(&parser, &ev), NB_E_NO_MEMORY);
}

/* ================================================================ requests */

static struct nb_url url(const char *s)
{
    struct nb_url u;
    assert_int_equal(nb_url_parse(s, strlen(s), &u), NB_OK);
    return u;
}

static void test_request(void **state)
{
    (void)state;
    char buf[HTTP_REQUEST_MAX];
    size_t len;
    struct nb_url u = url("http://boot.example/stage2.efi?v=1");
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 0, "\"x\"", &len), NB_OK);
    const char *want = "GET /stage2.efi?v=1 HTTP/1.1\r\n"
                       "Host: boot.example\r\n"
                       "User-Agent: nearboot/" NB_VERSION "\r\n"
                       "Accept: */*\r\n"
                       "Accept-Encoding: identity\r\n"
                       "Connection: keep-alive\r\n"
                       "\r\n";
    assert_int_equal(len, strlen(want));
    assert_string_equal(buf, want);

    u = url("https://[fd00:b007::1]:8443/a");
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 1000, "\"5f-40\"", &len), NB_OK);
    assert_non_null(strstr(buf, "GET /a HTTP/1.1\r\nHost: [fd00:b007::1]:8443\r\n"));
    assert_non_null(strstr(buf, "\r\nRange: bytes=1000-\r\nIf-Range: \"5f-40\"\r\n\r\n"));
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 1000, "", &len), NB_OK);
    assert_non_null(strstr(buf, "\r\nRange: bytes=1000-\r\n\r\n"));
    assert_null(strstr(buf, "If-Range"));
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 1000, NULL, &len), NB_OK);
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 9007199254740992ull, NULL, &len), NB_OK);
    assert_non_null(strstr(buf, "Range: bytes=9007199254740992-\r\n"));
    u = url("http://198.18.0.1:80/");
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 0, NULL, &len), NB_OK);
    assert_non_null(strstr(buf, "Host: 198.18.0.1\r\n"));
    /* a validator cannot inject a header */
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 5, "\"a\"\r\nX: y", &len), NB_E_INVALID);
    /* a buffer too small is an error, never a cut request */
    size_t full;
    assert_int_equal(http_build_request(buf, sizeof buf, &u, 5, "\"a\"", &full), NB_OK);
    for (size_t size = 0; size <= full; size++)
        assert_int_equal(http_build_request(buf, size, &u, 5, "\"a\"", &len), NB_E_TOO_BIG);
    assert_int_equal(http_build_request(buf, full + 1, &u, 5, "\"a\"", &len), NB_OK);
    assert_int_equal(len, full);
}

static void test_validator(void **state)
{
    (void)state;
    char v[HTTP_VALIDATOR_MAX + 1];
    struct http_head h = head_of(S("HTTP/1.1 200 OK\r\nETag: \"strong\"\r\n"
                                   "Last-Modified: Tue, 24 Nov 2026 09:00:00 GMT\r\n"
                                   "Date: Tue, 24 Nov 2026 09:00:01 GMT\r\nContent-Length: 0\r\n\r\n"));
    http_validator(&h, v, sizeof v);
    assert_string_equal(v, "\"strong\"");
    /* weak ETag: the date, which is strong (one second before Date) */
    h = head_of(S("HTTP/1.1 200 OK\r\nETag: W/\"weak\"\r\n"
                  "Last-Modified: Tue, 24 Nov 2026 09:00:00 GMT\r\n"
                  "Date: Tue, 24 Nov 2026 09:00:01 GMT\r\nContent-Length: 0\r\n\r\n"));
    http_validator(&h, v, sizeof v);
    assert_string_equal(v, "Tue, 24 Nov 2026 09:00:00 GMT");
    /* modified within the second of the response: not a strong validator */
    h = head_of(S("HTTP/1.1 200 OK\r\nLast-Modified: Tue, 24 Nov 2026 09:00:00 GMT\r\n"
                  "Date: Tue, 24 Nov 2026 09:00:00 GMT\r\nContent-Length: 0\r\n\r\n"));
    http_validator(&h, v, sizeof v);
    assert_string_equal(v, "");
    /* no Date: no way to tell */
    h = head_of(S("HTTP/1.1 200 OK\r\nLast-Modified: Tue, 24 Nov 2026 09:00:00 GMT\r\n"
                  "Content-Length: 0\r\n\r\n"));
    http_validator(&h, v, sizeof v);
    assert_string_equal(v, "");
    h = head_of(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    http_validator(&h, v, sizeof v);
    assert_string_equal(v, "");
}

/* ================================================================ decisions */

static struct http_head mkhead(unsigned status, const char *fields)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "HTTP/1.1 %u X\r\n%s\r\n", status, fields);
    struct outcome o;
    run((const uint8_t *)msg, (size_t)n, SPLIT_WHOLE, 0, HTTP_SIZE_LIMIT, &o);
    assert_int_equal(o.err, NB_OK);
    assert_int_equal(o.heads, 1);
    struct http_head h = o.head;
    outcome_free(&o);
    return h;
}

static void judge(unsigned status, const char *fields, uint64_t offset, const char *validator,
                  uint64_t cap, nb_err want, enum http_verdict verdict, uint64_t start, uint64_t length,
                  uint64_t total)
{
    struct http_head h = mkhead(status, fields);
    struct http_plan p;
    nb_err e = http_judge(&h, offset, validator, cap, &p);
    if (e != want) {
        print_error("%u [%s] @%llu: %s, want %s\n", status, fields, (unsigned long long)offset,
                    nb_errname(e), nb_errname(want));
        fail();
    }
    if (e != NB_OK)
        return;
    assert_int_equal(p.verdict, verdict);
    if (verdict == HTTP_V_BODY || verdict == HTTP_V_COMPLETE) {
        assert_int_equal(p.start, start);
        assert_int_equal(p.length, length);
        assert_int_equal(p.total, total);
    }
}

#define U HTTP_SIZE_UNKNOWN
#define CAP 1000000u

static void test_judge_range(void **state)
{
    (void)state;
    /* plain 200 */
    judge(200, "Content-Length: 500\r\n", 0, NULL, CAP, NB_OK, HTTP_V_BODY, 0, 500, 500);
    judge(200, "Transfer-Encoding: chunked\r\n", 0, NULL, CAP, NB_OK, HTTP_V_BODY, 0, U, U);
    judge(200, "Content-Length: 1000001\r\n", 0, NULL, CAP, NB_E_HTTP_BODY_TOO_BIG, 0, 0, 0, 0);
    judge(200, "Content-Length: 1000000\r\n", 0, NULL, CAP, NB_OK, HTTP_V_BODY, 0, CAP, CAP);
    /* Range asked, 200 back: the server ignored it (or the validator changed): from 0 */
    judge(200, "Content-Length: 500\r\n", 100, "\"v\"", CAP, NB_OK, HTTP_V_BODY, 0, 500, 500);
    /* 206 at our offset */
    judge(206, "Content-Range: bytes 100-499/500\r\nContent-Length: 400\r\n", 100, "\"v\"", CAP, NB_OK,
          HTTP_V_BODY, 100, 400, 500);
    judge(206, "Content-Range: bytes 100-499/500\r\nETag: \"v\"\r\nContent-Length: 400\r\n", 100,
          "\"v\"", CAP, NB_OK, HTTP_V_BODY, 100, 400, 500);
    judge(206, "Content-Range: bytes 100-499/*\r\n", 100, NULL, CAP, NB_OK, HTTP_V_BODY, 100, 400, U);
    judge(206, "Content-Range: bytes 100-499/500\r\nTransfer-Encoding: chunked\r\n", 100, NULL, CAP,
          NB_OK, HTTP_V_BODY, 100, 400, 500);
    /* ... but not anywhere else */
    judge(206, "Content-Range: bytes 0-499/500\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 101-499/500\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 100-198/500\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 100-499/500\r\nContent-Length: 399\r\n", 100, NULL, CAP,
          NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes */500\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 100-99/500\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Length: 400\r\n", 100, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 0-499/500\r\n", 0, NULL, CAP, NB_E_HTTP_BAD_RANGE, 0, 0, 0, 0);
    judge(206, "Content-Range: bytes 100-1000000/1000001\r\n", 100, NULL, CAP, NB_E_HTTP_BODY_TOO_BIG,
          0, 0, 0, 0);
    judge(206, "Content-Range: bytes 100-1000000/*\r\n", 100, NULL, CAP, NB_E_HTTP_BODY_TOO_BIG, 0, 0,
          0, 0);
    /* a 206 of another version than the one we resumed: start over */
    judge(206, "Content-Range: bytes 100-499/500\r\nETag: \"other\"\r\n", 100, "\"v\"", CAP, NB_OK,
          HTTP_V_RETRY_FULL, 0, 0, 0);
    /* 416 */
    judge(416, "Content-Range: bytes */500\r\n", 500, "\"v\"", CAP, NB_OK, HTTP_V_COMPLETE, 500, 0, 500);
    judge(416, "Content-Range: bytes */400\r\n", 500, "\"v\"", CAP, NB_OK, HTTP_V_RETRY_FULL, 0, 0, 0);
    judge(416, "Content-Length: 0\r\n", 500, NULL, CAP, NB_OK, HTTP_V_RETRY_FULL, 0, 0, 0);
    judge(416, "Content-Range: bytes */500\r\n", 0, NULL, CAP, NB_E_HTTP_STATUS, 0, 0, 0, 0);
    judge(416, "Content-Range: bytes */500\r\n", 500, NULL, 499, NB_E_HTTP_BODY_TOO_BIG, 0, 0, 0, 0);
}

static void test_judge_status(void **state)
{
    (void)state;
    static const unsigned redirects[] = { 301, 302, 303, 307, 308 };
    for (size_t i = 0; i < 5; i++) {
        judge(redirects[i], "Location: /x\r\n", 0, NULL, CAP, NB_OK, HTTP_V_REDIRECT, 0, 0, 0);
        judge(redirects[i], "", 0, NULL, CAP, NB_E_HTTP_NO_LOCATION, 0, 0, 0, 0);
        judge(redirects[i], "Location: /a\r\nLocation: /b\r\n", 0, NULL, CAP, NB_E_HTTP_NO_LOCATION, 0,
              0, 0, 0);
    }
    static const unsigned others[] = { 101, 201, 202, 203, 204, 205, 300, 304, 305, 306,
                                       400, 401, 403, 404, 410, 429, 500, 502, 503, 599 };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        judge(others[i], "Location: /x\r\nContent-Length: 0\r\n", 0, NULL, CAP, NB_E_HTTP_STATUS, 0, 0,
              0, 0);
}

static void redirect(const char *from, const char *location, nb_err want, const char *to)
{
    char fields[512];
    snprintf(fields, sizeof fields, "Location: %s\r\n", location);
    struct http_head h = mkhead(302, fields);
    struct nb_url cur = url(from), next;
    nb_err e = http_redirect(&cur, &h, &next);
    if (e != want) {
        print_error("%s -> %s: %s, want %s\n", from, location, nb_errname(e), nb_errname(want));
        fail();
    }
    if (e == NB_OK) {
        char t[NB_URL_TEXT_MAX];
        nb_url_text(&next, t, sizeof t);
        assert_string_equal(t, to);
    }
}

static void test_redirects(void **state)
{
    (void)state;
    redirect("http://a/x/y", "/z", NB_OK, "http://a/z");
    redirect("http://a/x/y", "z", NB_OK, "http://a/x/z");
    redirect("http://a/x/y", "http://b:8080/z", NB_OK, "http://b:8080/z");
    redirect("http://a/x/y", "https://b/z", NB_OK, "https://b/z");     /* upgrade: fine */
    redirect("https://a/x/y", "https://b/z", NB_OK, "https://b/z");
    redirect("https://a/x/y", "/z", NB_OK, "https://a/z");
    redirect("https://a/x/y", "//b/z", NB_OK, "https://b/z");
    redirect("https://a/x/y", "http://b/z", NB_E_HTTP_REDIRECT_INSECURE, NULL);
    redirect("https://a/x/y", "HTTP://a/z", NB_E_HTTP_REDIRECT_INSECURE, NULL);
    redirect("https://a/x/y", "tftp://a/z", NB_E_HTTP_REDIRECT_INSECURE, NULL);
    redirect("http://a/x/y", "tftp://a/z", NB_E_URL_SCHEME, NULL);
    redirect("http://a/x/y", "ftp://a/z", NB_E_URL_SCHEME, NULL);
    redirect("http://a/x/y", "http://u@b/", NB_E_URL_USERINFO, NULL);
    redirect("http://a/x/y", "/a b", NB_E_URL_CHAR, NULL);
    redirect("http://a/x/y", "http://[::1/", NB_E_URL_HOST, NULL);
}

/* ================================================================ the client */

/* A scripted server behind an in-memory transport. handler() sees each
 * complete request and appends the response; recv hands it out in random
 * small pieces. */
#define MOCK_OUT (1u << 20)
struct mock_conn {
    struct nb_xport base;
    char req[8192];
    size_t req_len;
    uint8_t *out;
    size_t out_len, out_off;
    int close_after; /* server closes once the response is out */
    int dead;        /* the server has closed */
    int stall;       /* deliver nothing: wait times out */
    int open;
    unsigned requests;
    char origin[300];
};

struct mock_server;
typedef void (*mock_handler)(struct mock_server *s, struct mock_conn *c, const char *req);

struct mock_server {
    mock_handler handler;
    const uint8_t *file;  /* the representation most handlers serve */
    size_t file_len;
    unsigned connections, requests, stale_next;
    char last_req[8192];
    char reqs[8][1024];   /* request lines and Range of the first few requests */
    struct mock_conn conn[2];
    struct mock_conn *kept;
};

static struct mock_server srv;

static void respond(struct mock_conn *c, const void *p, size_t n)
{
    assert_true(c->out_len + n <= MOCK_OUT);
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

static void respondf(struct mock_conn *c, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    respond(c, buf, (size_t)n);
}

static nb_err m_open(struct nb_xport *x, const struct nb_ip *ip, uint16_t port, const char *host)
{
    (void)x, (void)ip, (void)port, (void)host;
    return NB_OK;
}

static nb_err m_opened(struct nb_xport *x, int *ready)
{
    (void)x;
    *ready = 1;
    return NB_OK;
}

static nb_err m_send(struct nb_xport *x, const void *p, size_t n, size_t *taken)
{
    struct mock_conn *c = (struct mock_conn *)x;
    if (c->dead)
        return NB_E_CONN_RESET;
    size_t k = n > 37 ? 37 : n; /* partial sends */
    assert_true(c->req_len + k < sizeof c->req);
    memcpy(c->req + c->req_len, p, k);
    c->req_len += k;
    c->req[c->req_len] = 0;
    *taken = k;
    char *end = strstr(c->req, "\r\n\r\n");
    if (end) {
        c->requests++;
        srv.requests++;
        strcpy(srv.last_req, c->req);
        if (srv.requests <= 8)
            snprintf(srv.reqs[srv.requests - 1], sizeof srv.reqs[0], "%s", c->req);
        srv.handler(&srv, c, c->req);
        size_t rest = c->req_len - (size_t)(end + 4 - c->req);
        memmove(c->req, end + 4, rest);
        c->req_len = rest;
    }
    return NB_OK;
}

static nb_err m_recv(struct nb_xport *x, void *p, size_t n, size_t *got)
{
    struct mock_conn *c = (struct mock_conn *)x;
    *got = 0;
    if (c->stall)
        return NB_OK;
    if (c->out_off < c->out_len) {
        size_t k = 1 + (size_t)rand() % 3000;
        if (k > c->out_len - c->out_off)
            k = c->out_len - c->out_off;
        if (k > n)
            k = n;
        memcpy(p, c->out + c->out_off, k);
        c->out_off += k;
        *got = k;
        if (c->out_off == c->out_len) {
            c->out_off = c->out_len = 0;
            if (c->close_after)
                c->dead = 1;
        }
        return NB_OK;
    }
    return c->dead ? NB_E_CONN_CLOSED : NB_OK;
}

static void m_close(struct nb_xport *x)
{
    struct mock_conn *c = (struct mock_conn *)x;
    c->open = 0;
}

static nb_err m_wait(struct nb_xport *x, int (*done)(void *), void *ctx, uint64_t deadline_us)
{
    (void)x;
    /* the mock always has something to say unless stalled */
    if (done(ctx))
        return NB_OK;
    (void)deadline_us;
    return NB_E_TIMEOUT;
}

static const struct nb_xport_ops mock_ops = {
    "mock", m_open, m_opened, m_send, m_recv, m_close, m_wait,
};

static nb_err p_get(void *ctx, const struct nb_url *u, uint64_t deadline_us, struct nb_xport **x,
                    int *reused)
{
    (void)ctx, (void)deadline_us;
    char origin[300];
    snprintf(origin, sizeof origin, "%d %s %u", u->scheme, u->host, u->port);
    if (srv.kept && strcmp(srv.kept->origin, origin) == 0) {
        struct mock_conn *c = srv.kept;
        srv.kept = NULL;
        if (srv.stale_next) { /* the server dropped it while it sat idle */
            srv.stale_next = 0;
            c->dead = 1;
        }
        *x = &c->base;
        *reused = 1;
        return NB_OK;
    }
    if (srv.kept)
        srv.kept->open = 0;
    srv.kept = NULL;
    struct mock_conn *c = srv.conn[0].open ? &srv.conn[1] : &srv.conn[0];
    uint8_t *out = c->out;
    memset(c, 0, sizeof *c);
    c->out = out;
    c->base.ops = &mock_ops;
    c->open = 1;
    snprintf(c->origin, sizeof c->origin, "%s", origin);
    srv.connections++;
    *x = &c->base;
    *reused = 0;
    return NB_OK;
}

static void p_put(void *ctx, struct nb_xport *x, int keep)
{
    (void)ctx;
    struct mock_conn *c = (struct mock_conn *)x;
    if (keep && !c->dead) {
        srv.kept = c;
    } else {
        c->open = 0;
        if (srv.kept == c)
            srv.kept = NULL;
    }
}

static const struct http_conn_provider provider = { p_get, p_put, NULL };

struct sink {
    uint8_t *buf;
    size_t cap;
    uint64_t high; /* highest offset written + 1 */
    unsigned restarts, progress_calls;
    uint64_t last_have, last_total;
};

static nb_err to_buffer(void *ctx, uint64_t off, const uint8_t *p, size_t n)
{
    struct sink *s = ctx;
    assert_true(off + n <= s->cap);
    if (off < s->high && off == 0)
        s->restarts++;
    memcpy(s->buf + off, p, n);
    s->high = off + n;
    return NB_OK;
}

static void progress(void *ctx, uint64_t have, uint64_t total)
{
    struct sink *s = ctx;
    s->progress_calls++;
    s->last_have = have;
    s->last_total = total;
}

static struct http_client client;

static void get_setup(struct http_get *g, struct sink *s, const char *u)
{
    http_get_init(g);
    g->url = url(u);
    g->data = to_buffer;
    g->progress = progress;
    g->ctx = s;
    g->deadline_us = nb_now_us() + 10000000u;
    g->idle_ms = 1000;
    memset(s, 0, sizeof *s);
    s->cap = 1 << 20;
    s->buf = calloc(1, s->cap);
}

static int setup(void **state)
{
    (void)state;
    memset(&srv, 0, sizeof srv);
    srv.conn[0].out = malloc(MOCK_OUT);
    srv.conn[1].out = malloc(MOCK_OUT);
    static uint8_t file[300000];
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 7 + (i >> 8));
    srv.file = file;
    srv.file_len = sizeof file;
    srand(77);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(srv.conn[0].out);
    free(srv.conn[1].out);
    return 0;
}

/* Range: bytes=N- of a request, or -1. */
static long long req_range(const char *req)
{
    const char *r = strstr(req, "\r\nRange: bytes=");
    return r ? atoll(r + 15) : -1;
}

static int req_if_range(const char *req, const char *v)
{
    char want[256];
    snprintf(want, sizeof want, "\r\nIf-Range: %s\r\n", v);
    return strstr(req, want) != NULL;
}

/* A well-behaved server: Content-Length, ETag, Range with If-Range. */
#define ETAG "\"5f3a-493e0\""
static void h_good(struct mock_server *s, struct mock_conn *c, const char *req)
{
    long long r = req_range(req);
    int if_ok = !strstr(req, "If-Range:") || req_if_range(req, ETAG);
    if (r >= 0 && if_ok) {
        if ((size_t)r >= s->file_len) {
            respondf(c, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%zu\r\n"
                        "Content-Length: 0\r\n\r\n", s->file_len);
            return;
        }
        respondf(c, "HTTP/1.1 206 Partial Content\r\nETag: " ETAG "\r\nContent-Range: bytes %lld-%zu/%zu\r\n"
                    "Content-Length: %zu\r\n\r\n", r, s->file_len - 1, s->file_len, s->file_len - (size_t)r);
        respond(c, s->file + r, s->file_len - (size_t)r);
        return;
    }
    respondf(c, "HTTP/1.1 200 OK\r\nETag: " ETAG "\r\nContent-Length: %zu\r\n\r\n", s->file_len);
    respond(c, s->file, s->file_len);
}

static void test_get_plain(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_good;
    get_setup(&g, &s, "http://boot.example/stage2.efi");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.status, 200);
    assert_int_equal(g.received, srv.file_len);
    assert_int_equal(g.total, srv.file_len);
    assert_int_equal(g.start, 0);
    assert_false(g.restarted);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_string_equal(g.validator, ETAG);
    assert_true(s.progress_calls > 1);
    assert_int_equal(s.last_have, srv.file_len);
    assert_int_equal(s.last_total, srv.file_len);
    assert_non_null(strstr(srv.last_req, "GET /stage2.efi HTTP/1.1\r\nHost: boot.example\r\n"));
    assert_null(strstr(srv.last_req, "Range:"));
    free(s.buf);
}

static void h_chunked(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)req;
    respondf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t at = 0; at < s->file_len;) {
        size_t k = 1 + (size_t)rand() % 20000;
        if (k > s->file_len - at)
            k = s->file_len - at;
        respondf(c, "%zx\r\n", k);
        respond(c, s->file + at, k);
        respondf(c, "\r\n");
        at += k;
    }
    respondf(c, "0\r\n\r\n");
}

static void test_get_chunked_keepalive(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_chunked;
    get_setup(&g, &s, "http://boot.example/a");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.received, srv.file_len);
    assert_int_equal(g.total, srv.file_len);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_int_equal(srv.connections, 1);
    assert_false(g.reused);
    /* the same origin again: the connection is reused */
    memset(s.buf, 0, s.cap);
    g.url = url("http://boot.example/b");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_int_equal(srv.connections, 1);
    assert_true(g.reused);
    /* another origin: a new connection */
    g.url = url("http://other.example/b");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(srv.connections, 2);
    /* a kept connection the server closed meanwhile: retried on a fresh one */
    srv.stale_next = 1;
    g.url = url("http://other.example/c");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(srv.connections, 3);
    assert_false(g.reused);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    free(s.buf);
}

static void test_get_resume(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_good;
    get_setup(&g, &s, "http://boot.example/f");
    g.offset = 123456;
    strcpy(g.validator, ETAG);
    memcpy(s.buf, srv.file, (size_t)g.offset); /* what we held */
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.status, 206);
    assert_int_equal(g.start, 123456);
    assert_int_equal(g.received, srv.file_len - 123456);
    assert_int_equal(g.total, srv.file_len);
    assert_false(g.restarted);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_int_equal(req_range(srv.last_req), 123456);
    assert_true(req_if_range(srv.last_req, ETAG));
    assert_int_equal(s.restarts, 0);

    /* the file changed (another validator): the server sends 200, we restart */
    memset(s.buf, 0xee, s.cap);
    s.high = 0;
    g.offset = 1000;
    strcpy(g.validator, "\"old\"");
    memset(s.buf, 0x11, 1000);
    s.high = 1000;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.status, 200);
    assert_true(g.restarted);
    assert_int_equal(g.start, 0);
    assert_int_equal(s.restarts, 1);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_string_equal(g.validator, ETAG);

    /* already complete: 416 with our size */
    g.offset = srv.file_len;
    strcpy(g.validator, ETAG);
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.status, 416);
    assert_true(g.complete_already);
    assert_int_equal(g.received, 0);
    assert_int_equal(g.total, srv.file_len);

    /* we hold more than the file has: 416, then a full GET without Range */
    unsigned before = srv.requests;
    g.offset = srv.file_len + 10;
    memset(s.buf, 0, s.cap);
    s.high = 0;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(srv.requests, before + 2);
    assert_int_equal(g.status, 200);
    assert_true(g.restarted);
    assert_int_equal(req_range(srv.last_req), -1);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    free(s.buf);
}

/* Ignores Range entirely. */
static void h_no_range(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)req;
    respondf(c, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\nConnection: keep-alive\r\n\r\n", s->file_len);
    respond(c, s->file, s->file_len);
}

static void test_get_server_ignores_range(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_no_range;
    get_setup(&g, &s, "http://boot.example/f");
    g.offset = 5000;
    memset(s.buf, 0x22, 5000);
    s.high = 5000;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_true(g.restarted);
    assert_int_equal(s.restarts, 1);
    assert_int_equal(g.start, 0);
    assert_int_equal(g.received, srv.file_len);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_string_equal(g.validator, ""); /* nothing to resume with next time */
    assert_int_equal(g.version, 10);
    free(s.buf);
}

/* Redirect chains. */
static void h_redirects(struct mock_server *s, struct mock_conn *c, const char *req)
{
    static const struct {
        const char *match, *location;
        unsigned status;
    } hops[] = {
        { "GET /start ", "/second", 301 },
        { "GET /second ", "http://mirror.example:8080/third", 302 },
        { "GET /third ", "https://secure.example/fourth", 307 },
        { "GET /fourth ", "//secure2.example/final?x=1", 308 },
        { "GET /loop ", "/loop", 302 },
        { "GET /down ", "http://plain.example/x", 301 },
        { "GET /noloc ", NULL, 302 },
        { "GET /body ", "/final?x=1", 303 },
    };
    for (size_t i = 0; i < sizeof hops / sizeof hops[0]; i++) {
        if (strncmp(req, hops[i].match, strlen(hops[i].match)) != 0)
            continue;
        if (strcmp(hops[i].match, "GET /body ") == 0) {
            respondf(c, "HTTP/1.1 303 See Other\r\nLocation: %s\r\nContent-Length: 20\r\n\r\n"
                        "<a>moved here!</a>\r\n", hops[i].location);
            return;
        }
        respondf(c, "HTTP/1.1 %u Moved\r\n", hops[i].status);
        if (hops[i].location)
            respondf(c, "Location: %s\r\n", hops[i].location);
        respondf(c, "Content-Length: 0\r\n\r\n");
        return;
    }
    if (strncmp(req, "GET /final?x=1 ", 15) == 0) {
        h_good(s, c, req);
        return;
    }
    respondf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
}

static void test_get_redirects(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_redirects;
    get_setup(&g, &s, "http://boot.example/start");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.redirects, 4);
    assert_int_equal(g.status, 200);
    char t[NB_URL_TEXT_MAX];
    nb_url_text(&g.url, t, sizeof t);
    assert_string_equal(t, "https://secure2.example/final?x=1");
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    assert_non_null(strstr(srv.reqs[2], "Host: mirror.example:8080\r\n"));
    /* the first two hops share a connection; each host change opens one */
    assert_int_equal(srv.connections, 4);

    /* a loop stops after the limit */
    unsigned before = srv.requests;
    g.url = url("http://boot.example/loop");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_TOO_MANY_REDIRECTS);
    assert_int_equal(g.redirects, HTTP_REDIRECT_MAX);
    assert_int_equal(srv.requests - before, HTTP_REDIRECT_MAX + 1);
    g.url = url("http://boot.example/loop");
    g.max_redirects = 2;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_TOO_MANY_REDIRECTS);
    g.max_redirects = 0;

    /* https -> http refused */
    g.url = url("https://boot.example/down");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_REDIRECT_INSECURE);
    assert_int_equal(g.status, 301);
    /* http -> http is fine (and lands on a 404 here) */
    g.url = url("http://boot.example/down");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_STATUS);
    assert_int_equal(g.status, 404);
    /* no Location */
    g.url = url("http://boot.example/noloc");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_NO_LOCATION);
    /* a redirect with a body: the body is dropped, the connection kept */
    before = srv.connections;
    g.url = url("http://boot.example/body");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(srv.connections, before + 1);
    assert_int_equal(g.redirects, 1);
    free(s.buf);
}

/* Wrong Content-Length: the server closes early. */
static void h_short(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)req;
    respondf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", s->file_len + 100);
    respond(c, s->file, s->file_len);
    c->close_after = 1;
}

static void h_stall(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)s, (void)req;
    respondf(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
}

static void h_big(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)req;
    respondf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", s->file_len);
    respond(c, s->file, s->file_len);
}

static void h_close_delimited(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)req;
    respondf(c, "HTTP/1.0 200 OK\r\n\r\n");
    respond(c, s->file, s->file_len);
    c->close_after = 1;
}

static void h_garbage(struct mock_server *s, struct mock_conn *c, const char *req)
{
    (void)s, (void)req;
    respondf(c, "SSH-2.0-OpenSSH_9.2\r\n");
}

static void test_get_failures(void **state)
{
    (void)state;
    struct http_get g;
    struct sink s;
    srv.handler = h_short;
    get_setup(&g, &s, "http://boot.example/f");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_TRUNCATED);
    assert_int_equal(g.received, srv.file_len);

    /* size cap, told by Content-Length before any body byte */
    srv.handler = h_big;
    g.url = url("http://boot.example/f");
    g.cap = srv.file_len - 1;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_BODY_TOO_BIG);
    assert_int_equal(g.received, 0);
    g.cap = srv.file_len;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    /* ... or found out while reading a body that runs to the close */
    srv.handler = h_close_delimited;
    g.cap = srv.file_len - 1;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_BODY_TOO_BIG);
    g.cap = srv.file_len;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_OK);
    assert_int_equal(g.total, srv.file_len);
    assert_memory_equal(s.buf, srv.file, srv.file_len);
    /* chunked past the cap */
    srv.handler = h_chunked;
    g.cap = 1000;
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_BODY_TOO_BIG);
    g.cap = HTTP_SIZE_LIMIT;

    /* silence: the idle timeout names itself; the deadline too */
    srv.handler = h_stall;
    srv.conn[0].stall = 0;
    g.url = url("http://stall.example/f");
    srv.kept = NULL;
    g.idle_ms = 50;
    /* the mock's wait times out at once when nothing is there: with the
     * deadline far away, that is the idle timeout */
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_IDLE);
    assert_int_equal(g.received, 3);
    g.deadline_us = nb_now_us(); /* already passed */
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_DEADLINE);
    g.deadline_us = nb_now_us() + 10000000u;

    /* not HTTP */
    srv.handler = h_garbage;
    g.url = url("http://ssh.example/f");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_HTTP_BAD_STATUS_LINE);
    /* a scheme HTTP does not speak */
    g.url = url("tftp://h/f");
    assert_int_equal(http_get_run(&client, &g, &provider), NB_E_URL_SCHEME);
    free(s.buf);
}

/* Every NB_E_HTTP_* code is sorted: the server's fault (fetch's protocol layer, a
 * reason to fail over) or one of the four that are not; a new code must be placed. */
static void test_protocol_errors(void **state)
{
    (void)state;
    static const nb_err not_protocol[] = { NB_E_HTTP_TRUNCATED, NB_E_HTTP_IDLE, NB_E_HTTP_DEADLINE,
                                           NB_E_HTTP_BODY_TOO_BIG };
    unsigned http_codes = 0, protocol = 0;
    for (int i = 0; i < NB_E__COUNT; i++) {
        nb_err e = (nb_err)i;
        int is_http = strncmp(nb_errname(e), "NB_E_HTTP_", 10) == 0, expected = is_http;
        for (size_t k = 0; k < sizeof not_protocol / sizeof not_protocol[0]; k++)
            if (e == not_protocol[k])
                expected = 0;
        assert_int_equal(http_is_protocol_error(e), expected);
        http_codes += (unsigned)is_http;
        protocol += (unsigned)expected;
    }
    assert_int_equal(protocol, 17);
    assert_int_equal(http_codes, protocol + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_head_caps),
        cmocka_unit_test(test_useful_fields),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_chunked_caps),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_chunked_random),
        cmocka_unit_test(test_sink_error_sticks),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_judge_range),
        cmocka_unit_test(test_judge_status),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test_setup_teardown(test_get_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_chunked_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_server_ignores_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
