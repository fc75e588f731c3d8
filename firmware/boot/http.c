/*
 * HTTP/1.1 client (RFC 9110 semantics, RFC 9112 message syntax).
 *
 * The response parser is one state machine over the byte stream; it never
 * looks at a byte twice and never needs more than the caller gave it, so the
 * transport may cut the stream anywhere (tests feed it byte by byte):
 *
 *   LINE --CR--> LINE_LF --LF--> (a line is complete)
 *     status line, then fields, until the empty line; a 1xx head starts over
 *     (its bytes still count against HTTP_HEAD_MAX); then by framing:
 *   NONE (204, 304, 101)            -> DONE
 *   LENGTH (Content-Length)         BODY_LEN -> DONE after exactly N bytes
 *   CHUNKED                         CH_SIZE [CH_WS] [CH_EXT] CH_SIZE_LF
 *                                   -> CH_DATA CH_DATA_CR CH_DATA_LF -> CH_SIZE ...
 *                                   size 0 -> CH_TRAILER / CH_TRAILER_LF ... empty line -> DONE
 *   CLOSE (neither, HTTP/1.0 style) BODY_CLOSE -> DONE at the end of the stream
 *   any violation                   -> ERROR (sticky)
 *
 * Head lines are collected in a fixed buffer (HTTP_LINE_MAX) and the whole
 * head is bounded (HTTP_HEAD_MAX). Lines end in CRLF; a bare CR or LF is an
 * error, as is a folded line (obs-fold). Field names are tokens compared
 * without case; values are trimmed of OWS and may not hold controls.
 * Content-Length must be digits up to 2^53, repeated only with the same
 * value; Transfer-Encoding must be exactly "chunked" and never comes with
 * Content-Length (the classic smuggling ambiguity) or in an HTTP/1.0
 * response. Chunk sizes are hex up to 2^53 and within the body cap, chunk
 * extensions are skipped, trailer fields are skipped within HTTP_TRAILER_MAX.
 * Body bytes go to the sink straight from the caller's buffer.
 *
 * http_get_run drives one GET over a transport from a connection provider:
 * request, head, http_judge, then the body (or a redirect, a full retry when
 * a resume cannot be honoured, or nothing when the file is already whole),
 * with an overall deadline and an idle timeout. A kept-alive connection that
 * turns out dead before the first response byte is retried once on a fresh
 * one (GET is idempotent).
 */
#include "boot/http.h"
#include "core/clock.h"
#include "core/fmt.h"
#include "nb_version.h"
#include <string.h>

enum {
    P_LINE, P_LINE_LF,
    P_BODY_LEN, P_BODY_CLOSE,
    P_CH_SIZE, P_CH_WS, P_CH_EXT, P_CH_SIZE_LF, P_CH_DATA, P_CH_DATA_CR, P_CH_DATA_LF,
    P_CH_TRAILER, P_CH_TRAILER_LF,
    P_DONE, P_ERROR,
};

/* A redirect or error body up to this size is read and dropped to keep the
 * connection; a larger one closes it. */
#define DISCARD_MAX 65536u

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }
static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* tchar (RFC 9110 §5.6.2) */
static int is_tchar(uint8_t c)
{
    if (c >= 0x80 || c <= 0x20 || c == 0x7f)
        return 0;
    return !strchr("\"(),/:;<=>?@[\\]{}", c);
}

/* Case-insensitive equality of (p, n) with a lower-case literal. */
static int eq_lit(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((uint8_t)p[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

/* Decimal digits (at least one, at most 16, value <= HTTP_SIZE_LIMIT) at
 * s[*i]; advances *i. */
static int parse_size(const char *s, size_t len, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = *i;
    while (*i < len && is_digit((uint8_t)s[*i])) {
        if (*i - start >= 16)
            return 0;
        v = v * 10u + (uint64_t)(s[*i] - '0');
        (*i)++;
    }
    if (*i == start || v > HTTP_SIZE_LIMIT)
        return 0;
    *out = v;
    return 1;
}

/* ------------------------------------------------------------ dates */

int http_parse_date(const char *s, size_t len, int64_t *out)
{
    static const char days[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    if (len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0)
        return 0;
    int day_ok = 0;
    for (int d = 0; d < 7; d++)
        day_ok |= memcmp(s, days + 3 * d, 3) == 0;
    int month = 0;
    for (int m = 0; m < 12; m++)
        if (memcmp(s + 8, months + 3 * m, 3) == 0)
            month = m + 1;
    static const uint8_t digit_at[] = { 5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24 };
    for (size_t k = 0; k < sizeof digit_at; k++)
        if (!is_digit((uint8_t)s[digit_at[k]]))
            return 0;
    if (!day_ok || !month)
        return 0;
#define D2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    int day = D2(5), year = D2(12) * 100 + D2(14), hour = D2(17), minute = D2(20), second = D2(23);
#undef D2
    if (day < 1 || day > 31 || year < 1970 || hour > 23 || minute > 59 || second > 60)
        return 0;
    *out = nb_unix_from_civil(year, month, day, hour, minute, second > 59 ? 59 : second);
    return 1;
}

/* ------------------------------------------------------------ head fields */

static nb_err parse_status_line(struct http_parser *p)
{
    const char *l = p->line;
    size_t n = p->line_len;
    /* HTTP/1.x SP 3DIGIT [SP reason-phrase] */
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || !is_digit((uint8_t)l[7]) || l[8] != ' ' ||
        l[9] < '1' || l[9] > '5' || !is_digit((uint8_t)l[10]) || !is_digit((uint8_t)l[11]) ||
        (n > 12 && l[12] != ' '))
        return NB_E_HTTP_BAD_STATUS_LINE;
    for (size_t i = 13; i < n; i++) {
        uint8_t c = (uint8_t)l[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return NB_E_HTTP_BAD_STATUS_LINE;
    }
    p->head.version = l[7] == '0' ? 10 : 11; /* a later 1.x is read as 1.1 */
    p->head.status = (unsigned)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
    return NB_OK;
}

static nb_err field_content_length(struct http_head *h, const char *v, size_t n)
{
    /* digits, or a list of identical values ("42, 42": RFC 9110 §8.6) */
    size_t i = 0;
    for (;;) {
        uint64_t x;
        while (i < n && is_ows((uint8_t)v[i]))
            i++;
        if (!parse_size(v, n, &i, &x))
            return NB_E_HTTP_BAD_CONTENT_LENGTH;
        if ((h->flags & HTTP_H_LENGTH) && h->content_length != x)
            return NB_E_HTTP_CONFLICTING_LENGTH;
        h->content_length = x;
        h->flags |= HTTP_H_LENGTH;
        while (i < n && is_ows((uint8_t)v[i]))
            i++;
        if (i == n)
            return NB_OK;
        if (v[i++] != ',')
            return NB_E_HTTP_BAD_CONTENT_LENGTH;
    }
}

/* Walk a comma-separated list of tokens; calls fn for each non-empty one. */
static nb_err each_token(struct http_head *h, const char *v, size_t n,
                         nb_err (*fn)(struct http_head *h, const char *t, size_t tn))
{
    size_t i = 0;
    while (i < n) {
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (s < e && is_ows((uint8_t)v[s]))
            s++;
        while (e > s && is_ows((uint8_t)v[e - 1]))
            e--;
        if (e > s) {
            nb_err r = fn(h, v + s, e - s);
            if (r != NB_OK)
                return r;
        }
        i++; /* the comma */
    }
    return NB_OK;
}

static nb_err te_token(struct http_head *h, const char *t, size_t n)
{
    /* only one coding, applied once: chunked (no parameters) */
    if (!eq_lit(t, n, "chunked") || (h->flags & HTTP_H_CHUNKED))
        return NB_E_HTTP_TE_UNSUPPORTED;
    h->flags |= HTTP_H_CHUNKED;
    return NB_OK;
}

static nb_err connection_token(struct http_head *h, const char *t, size_t n)
{
    if (eq_lit(t, n, "close"))
        h->flags |= HTTP_H_CLOSE;
    else if (eq_lit(t, n, "keep-alive"))
        h->flags |= HTTP_H_KEEP_ALIVE;
    return NB_OK;
}

static void field_content_range(struct http_head *h, const char *v, size_t n)
{
    /* "bytes" SP ( first "-" last / "*" ) "/" ( complete / "*" ) */
    size_t i = 6;
    uint64_t first = 0, last = 0, total = 0;
    int range = 0, have_total = 0;
    if (h->flags & (HTTP_H_RANGE | HTTP_H_RANGE_TOTAL | HTTP_H_RANGE_BAD))
        goto bad; /* repeated */
    if (n < 9 || !eq_lit(v, 5, "bytes") || v[5] != ' ')
        goto bad;
    if (v[i] == '*') {
        i++;
    } else {
        if (!parse_size(v, n, &i, &first) || i >= n || v[i++] != '-' ||
            !parse_size(v, n, &i, &last) || first > last)
            goto bad;
        range = 1;
    }
    if (i >= n || v[i++] != '/')
        goto bad;
    if (i < n && v[i] == '*') {
        i++;
    } else {
        if (!parse_size(v, n, &i, &total))
            goto bad;
        have_total = 1;
    }
    if (i != n || (!range && !have_total) || (range && have_total && last >= total))
        goto bad;
    h->range_first = first;
    h->range_last = last;
    h->range_total = total;
    h->flags |= (range ? HTTP_H_RANGE : 0u) | (have_total ? HTTP_H_RANGE_TOTAL : 0u);
    return;
bad:
    h->flags &= ~(unsigned)(HTTP_H_RANGE | HTTP_H_RANGE_TOTAL);
    h->flags |= HTTP_H_RANGE_BAD;
}

static void field_etag(struct http_head *h, const char *v, size_t n)
{
    /* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text */
    if (h->flags & (HTTP_H_ETAG | HTTP_H_ETAG_BAD)) {
        h->flags &= ~(unsigned)(HTTP_H_ETAG | HTTP_H_ETAG_WEAK);
        h->flags |= HTTP_H_ETAG_BAD;
        return;
    }
    size_t i = 0;
    int weak = 0;
    if (n >= 2 && v[0] == 'W' && v[1] == '/')
        i = 2, weak = 1;
    if (n > HTTP_ETAG_MAX || n < i + 2 || v[i] != '"' || v[n - 1] != '"')
        return;
    for (size_t k = i + 1; k < n - 1; k++) {
        uint8_t c = (uint8_t)v[k];
        if (c == '"' || c < 0x21 || c == 0x7f)
            return;
    }
    memcpy(h->etag, v, n);
    h->etag[n] = 0;
    h->flags |= HTTP_H_ETAG | (weak ? HTTP_H_ETAG_WEAK : 0u);
}

static nb_err parse_field(struct http_parser *p)
{
    struct http_head *h = &p->head;
    const char *l = p->line;
    size_t n = p->line_len, c = 0;
    while (c < n && is_tchar((uint8_t)l[c]))
        c++;
    if (c == 0 || c == n || l[c] != ':') /* no whitespace before the colon */
        return NB_E_HTTP_BAD_HEADER;
    size_t vs = c + 1, ve = n;
    while (vs < ve && is_ows((uint8_t)l[vs]))
        vs++;
    while (ve > vs && is_ows((uint8_t)l[ve - 1]))
        ve--;
    for (size_t i = vs; i < ve; i++) {
        uint8_t ch = (uint8_t)l[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return NB_E_HTTP_BAD_HEADER;
    }
    const char *v = l + vs;
    size_t vn = ve - vs;

    if (eq_lit(l, c, "content-length"))
        return field_content_length(h, v, vn);
    if (eq_lit(l, c, "transfer-encoding")) {
        h->flags |= HTTP_H_TE;
        nb_err e = each_token(h, v, vn, te_token);
        if (e == NB_OK && !(h->flags & HTTP_H_CHUNKED))
            e = NB_E_HTTP_TE_UNSUPPORTED; /* empty */
        return e;
    }
    if (eq_lit(l, c, "connection"))
        return each_token(h, v, vn, connection_token);
    if (eq_lit(l, c, "location")) {
        if ((h->flags & (HTTP_H_LOCATION | HTTP_H_LOCATION_BAD)) || vn > NB_URL_MAX || vn == 0) {
            h->flags &= ~(unsigned)HTTP_H_LOCATION;
            h->flags |= HTTP_H_LOCATION_BAD;
        } else {
            memcpy(h->location, v, vn);
            h->location[vn] = 0;
            h->flags |= HTTP_H_LOCATION;
        }
        return NB_OK;
    }
    if (eq_lit(l, c, "content-range")) {
        field_content_range(h, v, vn);
        return NB_OK;
    }
    if (eq_lit(l, c, "etag")) {
        field_etag(h, v, vn);
        return NB_OK;
    }
    if (eq_lit(l, c, "last-modified")) {
        int64_t t;
        if (vn <= HTTP_DATE_MAX && http_parse_date(v, vn, &t)) {
            memcpy(h->last_modified_text, v, vn);
            h->last_modified_text[vn] = 0;
            h->last_modified = t;
            h->flags |= HTTP_H_LAST_MODIFIED;
        }
        return NB_OK;
    }
    if (eq_lit(l, c, "date")) {
        int64_t t;
        if (http_parse_date(v, vn, &t)) {
            h->date = t;
            h->flags |= HTTP_H_DATE;
        }
        return NB_OK;
    }
    return NB_OK; /* other fields are not ours to care about */
}

/* The empty line: decide how the body is framed. */
static nb_err finish_head(struct http_parser *p)
{
    struct http_head *h = &p->head;
    if (h->flags & HTTP_H_TE) {
        if (h->flags & HTTP_H_LENGTH)
            return NB_E_HTTP_CL_AND_TE;
        if (h->version == 10) /* RFC 9112 §6.1: faulty framing */
            return NB_E_HTTP_TE_UNSUPPORTED;
    }
    p->body_bytes = 0;
    if (h->status < 200 || h->status == 204 || h->status == 304) {
        p->framing = HTTP_FRAME_NONE;
        p->state = P_DONE;
    } else if (h->flags & HTTP_H_CHUNKED) {
        p->framing = HTTP_FRAME_CHUNKED;
        p->state = P_CH_SIZE;
        p->chunk_line = 0;
        p->chunk_digits = 0;
        p->remaining = 0;
    } else if (h->flags & HTTP_H_LENGTH) {
        p->framing = HTTP_FRAME_LENGTH;
        p->remaining = h->content_length;
        p->state = p->remaining ? P_BODY_LEN : P_DONE;
    } else {
        p->framing = HTTP_FRAME_CLOSE;
        p->state = P_BODY_CLOSE;
    }
    return NB_OK;
}

/* One complete head line in p->line. *head_done: the head ended. */
static nb_err head_line(struct http_parser *p, int *head_done)
{
    nb_err e;
    *head_done = 0;
    if (!p->seen_status) {
        e = parse_status_line(p);
        p->seen_status = 1;
    } else if (p->line_len == 0) {
        if (p->head.status >= 100 && p->head.status < 200 && p->head.status != 101) {
            /* interim response: the real one follows */
            memset(&p->head, 0, sizeof p->head);
            p->seen_status = 0;
            e = NB_OK;
        } else {
            e = finish_head(p);
            *head_done = e == NB_OK;
        }
    } else if (is_ows((uint8_t)p->line[0])) {
        e = NB_E_HTTP_OBS_FOLD;
    } else {
        e = parse_field(p);
    }
    p->line_len = 0;
    return e;
}

/* ------------------------------------------------------------ the parser */

void http_parser_init(struct http_parser *p, uint64_t body_cap, http_body_fn sink, void *ctx)
{
    memset(&p->head, 0, sizeof p->head);
    p->state = P_LINE;
    p->framing = HTTP_FRAME_NONE;
    p->body_bytes = 0;
    p->body_cap = body_cap;
    p->sink = sink;
    p->sink_ctx = ctx;
    p->remaining = 0;
    p->line_len = p->head_bytes = p->chunk_line = p->trailer_bytes = p->trailer_line = 0;
    p->error = NB_OK;
    p->seen_status = 0;
    p->chunk_digits = 0;
}

int http_parser_untouched(const struct http_parser *p)
{
    return p->state == P_LINE && p->head_bytes == 0;
}

/* Body bytes to the sink, up to the cap (then an error: what reaches the
 * sink does not depend on how the stream was cut). */
static nb_err deliver(struct http_parser *p, const uint8_t *d, size_t n)
{
    uint64_t room = p->body_bytes < p->body_cap ? p->body_cap - p->body_bytes : 0;
    size_t take = (uint64_t)n > room ? (size_t)room : n;
    if (take) {
        p->body_bytes += take;
        nb_err e = p->sink ? p->sink(p->sink_ctx, d, take) : NB_OK;
        if (e != NB_OK)
            return e;
    }
    return take < n ? NB_E_HTTP_BODY_TOO_BIG : NB_OK;
}

static nb_err fail(struct http_parser *p, nb_err e)
{
    p->state = P_ERROR;
    p->error = e;
    return e;
}

nb_err http_parser_feed(struct http_parser *p, const uint8_t *in, size_t len, size_t *used,
                        enum http_event *ev)
{
    size_t i = 0;
    nb_err e;
    *ev = HTTP_EV_MORE;
    *used = 0;
    if (p->state == P_ERROR)
        return p->error;
    for (;;) {
        if (p->state == P_DONE) {
            *ev = HTTP_EV_DONE;
            break;
        }
        if (i == len)
            break;
        uint8_t c = in[i];
        switch (p->state) {
        case P_LINE: {
            /* take everything up to the next CR in one go */
            size_t avail = len - i, n = 0;
            while (n < avail && in[i + n] != '\r' && in[i + n] != '\n')
                n++;
            if (n < avail && in[i + n] == '\n')
                return fail(p, p->seen_status ? NB_E_HTTP_BAD_HEADER : NB_E_HTTP_BAD_STATUS_LINE);
            if (n > HTTP_LINE_MAX - p->line_len)
                return fail(p, NB_E_HTTP_LINE_TOO_LONG);
            if (n > HTTP_HEAD_MAX - p->head_bytes)
                return fail(p, NB_E_HTTP_HEAD_TOO_LARGE);
            memcpy(p->line + p->line_len, in + i, n);
            /* not HTTP at all: say so at once instead of after 8 KiB */
            size_t have = p->line_len + n, cmp = have < 5 ? have : 5;
            if (!p->seen_status && memcmp(p->line, "HTTP/", cmp) != 0)
                return fail(p, NB_E_HTTP_BAD_STATUS_LINE);
            p->line_len += n;
            p->head_bytes += n;
            i += n;
            if (i < len) { /* the CR */
                if (p->head_bytes >= HTTP_HEAD_MAX)
                    return fail(p, NB_E_HTTP_HEAD_TOO_LARGE);
                p->head_bytes++;
                i++;
                p->state = P_LINE_LF;
            }
            break;
        }
        case P_LINE_LF: {
            if (c != '\n')
                return fail(p, p->seen_status ? NB_E_HTTP_BAD_HEADER : NB_E_HTTP_BAD_STATUS_LINE);
            if (p->head_bytes >= HTTP_HEAD_MAX)
                return fail(p, NB_E_HTTP_HEAD_TOO_LARGE);
            p->head_bytes++;
            i++;
            p->state = P_LINE;
            int done;
            if ((e = head_line(p, &done)) != NB_OK)
                return fail(p, e);
            if (done) {
                *used = i;
                *ev = HTTP_EV_HEAD;
                return NB_OK;
            }
            break;
        }
        case P_BODY_LEN: {
            size_t n = len - i;
            if ((uint64_t)n > p->remaining)
                n = (size_t)p->remaining;
            if ((e = deliver(p, in + i, n)) != NB_OK)
                return fail(p, e);
            i += n;
            p->remaining -= n;
            if (p->remaining == 0)
                p->state = P_DONE;
            break;
        }
        case P_BODY_CLOSE:
            if ((e = deliver(p, in + i, len - i)) != NB_OK)
                return fail(p, e);
            i = len;
            break;
        case P_CH_SIZE: {
            int h = hex_value(c);
            if (++p->chunk_line > HTTP_CHUNK_LINE_MAX)
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            if (h >= 0) {
                if (p->remaining > (HTTP_SIZE_LIMIT >> 4))
                    return fail(p, NB_E_HTTP_CHUNK_TOO_BIG);
                p->remaining = p->remaining << 4 | (uint64_t)h;
                if (p->remaining > HTTP_SIZE_LIMIT)
                    return fail(p, NB_E_HTTP_CHUNK_TOO_BIG);
                p->chunk_digits = 1;
            } else if (!p->chunk_digits) {
                return fail(p, NB_E_HTTP_BAD_CHUNK); /* no digits */
            } else if (c == '\r') {
                p->state = P_CH_SIZE_LF;
            } else if (c == ';') {
                p->state = P_CH_EXT;
            } else if (is_ows(c)) {
                p->state = P_CH_WS;
            } else {
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            }
            i++;
            break;
        }
        case P_CH_WS: /* BWS is only allowed before an extension */
            if (++p->chunk_line > HTTP_CHUNK_LINE_MAX)
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            if (c == ';')
                p->state = P_CH_EXT;
            else if (!is_ows(c))
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            i++;
            break;
        case P_CH_EXT: /* chunk-ext: ignored, but bounded and free of controls */
            if (++p->chunk_line > HTTP_CHUNK_LINE_MAX)
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            if (c == '\r')
                p->state = P_CH_SIZE_LF;
            else if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            i++;
            break;
        case P_CH_SIZE_LF:
            if (c != '\n')
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            i++;
            p->chunk_line = 0;
            if (p->remaining == 0) {
                p->state = P_CH_TRAILER;
                p->trailer_bytes = p->trailer_line = 0;
            } else if (p->remaining > p->body_cap - p->body_bytes) {
                return fail(p, NB_E_HTTP_BODY_TOO_BIG);
            } else {
                p->state = P_CH_DATA;
            }
            break;
        case P_CH_DATA: {
            size_t n = len - i;
            if ((uint64_t)n > p->remaining)
                n = (size_t)p->remaining;
            if ((e = deliver(p, in + i, n)) != NB_OK)
                return fail(p, e);
            i += n;
            p->remaining -= n;
            if (p->remaining == 0)
                p->state = P_CH_DATA_CR;
            break;
        }
        case P_CH_DATA_CR:
            if (c != '\r')
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            i++;
            p->state = P_CH_DATA_LF;
            break;
        case P_CH_DATA_LF:
            if (c != '\n')
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            i++;
            p->chunk_digits = 0;
            p->state = P_CH_SIZE;
            break;
        case P_CH_TRAILER: /* trailer fields: skipped, bounded */
            if (++p->trailer_bytes > HTTP_TRAILER_MAX)
                return fail(p, NB_E_HTTP_TRAILER_TOO_LARGE);
            if (c == '\r') {
                p->state = P_CH_TRAILER_LF;
            } else if (c == '\n' || c == 0 || c == 0x7f) {
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            } else {
                if (p->trailer_line == 0 && is_ows(c))
                    return fail(p, NB_E_HTTP_OBS_FOLD);
                p->trailer_line++;
            }
            i++;
            break;
        case P_CH_TRAILER_LF:
            if (c != '\n')
                return fail(p, NB_E_HTTP_BAD_CHUNK);
            if (++p->trailer_bytes > HTTP_TRAILER_MAX)
                return fail(p, NB_E_HTTP_TRAILER_TOO_LARGE);
            i++;
            p->state = p->trailer_line == 0 ? P_DONE : P_CH_TRAILER; /* the empty line ends it */
            p->trailer_line = 0;
            break;
        default:
            return fail(p, NB_E_INVALID);
        }
    }
    *used = i;
    return NB_OK;
}

nb_err http_parser_eof(struct http_parser *p, enum http_event *ev)
{
    *ev = HTTP_EV_MORE;
    if (p->state == P_ERROR)
        return p->error;
    if (p->state == P_BODY_CLOSE)
        p->state = P_DONE;
    if (p->state == P_DONE) {
        *ev = HTTP_EV_DONE;
        return NB_OK;
    }
    return fail(p, NB_E_HTTP_TRUNCATED);
}

/* ------------------------------------------------------------ requests */

nb_err http_build_request(char *buf, size_t size, const struct nb_url *u, uint64_t offset,
                          const char *validator, size_t *len)
{
    char host[NB_URL_HOST_MAX + 16];
    if (!nb_url_authority(u, host, sizeof host) || u->path[0] != '/')
        return NB_E_INVALID;
    int n = nb_snprintf(buf, size,
                        "GET %s HTTP/1.1\r\n"
                        "Host: %s\r\n"
                        "User-Agent: nearboot/" NB_VERSION "\r\n"
                        "Accept: */*\r\n"
                        "Accept-Encoding: identity\r\n"
                        "Connection: keep-alive\r\n",
                        u->path, host);
    if (n < 0 || (size_t)n >= size)
        return NB_E_TOO_BIG;
    size_t w = (size_t)n;
    if (offset > 0) {
        n = nb_snprintf(buf + w, size - w, "Range: bytes=%llu-\r\n", (unsigned long long)offset);
        if (n < 0 || (size_t)n >= size - w)
            return NB_E_TOO_BIG;
        w += (size_t)n;
        if (validator && validator[0]) {
            /* a validator we produced: no CR/LF can smuggle a header in */
            for (const char *v = validator; *v; v++)
                if ((uint8_t)*v < 0x20 || (uint8_t)*v == 0x7f)
                    return NB_E_INVALID;
            n = nb_snprintf(buf + w, size - w, "If-Range: %s\r\n", validator);
            if (n < 0 || (size_t)n >= size - w)
                return NB_E_TOO_BIG;
            w += (size_t)n;
        }
    }
    if (size - w < 3)
        return NB_E_TOO_BIG;
    memcpy(buf + w, "\r\n", 3);
    *len = w + 2;
    return NB_OK;
}

void http_validator(const struct http_head *h, char *out, size_t size)
{
    const char *v = "";
    if ((h->flags & (HTTP_H_ETAG | HTTP_H_ETAG_WEAK | HTTP_H_ETAG_BAD)) == HTTP_H_ETAG)
        v = h->etag;
    else if ((h->flags & HTTP_H_LAST_MODIFIED) && (h->flags & HTTP_H_DATE) &&
             h->date >= h->last_modified + 1)
        v = h->last_modified_text;
    size_t n = strlen(v);
    if (!size)
        return;
    if (n >= size)
        n = 0;
    memcpy(out, v, n);
    out[n] = 0;
}

/* ------------------------------------------------------------ decisions */

static int is_redirect(unsigned s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

nb_err http_judge(const struct http_head *h, uint64_t offset, const char *validator,
                  uint64_t cap, struct http_plan *out)
{
    out->verdict = HTTP_V_BODY;
    out->start = 0;
    out->length = HTTP_SIZE_UNKNOWN;
    out->total = HTTP_SIZE_UNKNOWN;
    if (h->status == 200) {
        if (h->flags & HTTP_H_LENGTH) {
            out->length = out->total = h->content_length;
            if (h->content_length > cap)
                return NB_E_HTTP_BODY_TOO_BIG;
        }
        return NB_OK;
    }
    if (h->status == 206) {
        if (offset == 0 || (h->flags & HTTP_H_RANGE_BAD) || !(h->flags & HTTP_H_RANGE) ||
            h->range_first != offset)
            return NB_E_HTTP_BAD_RANGE;
        if (h->flags & HTTP_H_RANGE_TOTAL) {
            if (h->range_last + 1 != h->range_total)
                return NB_E_HTTP_BAD_RANGE; /* we asked for everything from offset on */
            out->total = h->range_total;
        }
        out->length = h->range_last - h->range_first + 1;
        if ((h->flags & HTTP_H_LENGTH) && h->content_length != out->length)
            return NB_E_HTTP_BAD_RANGE;
        if (h->range_last >= cap)
            return NB_E_HTTP_BODY_TOO_BIG;
        /* A 206 naming another strong entity tag than the one we resumed
         * from is a different version: start over rather than splice. */
        if (validator && validator[0] == '"' &&
            (h->flags & (HTTP_H_ETAG | HTTP_H_ETAG_WEAK)) == HTTP_H_ETAG &&
            strcmp(validator, h->etag) != 0) {
            out->verdict = HTTP_V_RETRY_FULL;
            return NB_OK;
        }
        out->start = offset;
        return NB_OK;
    }
    if (h->status == 416 && offset > 0) {
        if ((h->flags & HTTP_H_RANGE_TOTAL) && !(h->flags & HTTP_H_RANGE) &&
            h->range_total == offset) {
            if (offset > cap)
                return NB_E_HTTP_BODY_TOO_BIG;
            out->verdict = HTTP_V_COMPLETE;
            out->total = offset;
            out->start = offset;
            out->length = 0;
            return NB_OK;
        }
        out->verdict = HTTP_V_RETRY_FULL;
        return NB_OK;
    }
    if (is_redirect(h->status)) {
        if (!(h->flags & HTTP_H_LOCATION))
            return NB_E_HTTP_NO_LOCATION;
        out->verdict = HTTP_V_REDIRECT;
        return NB_OK;
    }
    return NB_E_HTTP_STATUS;
}

int http_is_protocol_error(nb_err e)
{
    switch (e) {
    case NB_E_HTTP_BAD_STATUS_LINE:
    case NB_E_HTTP_BAD_HEADER:
    case NB_E_HTTP_OBS_FOLD:
    case NB_E_HTTP_LINE_TOO_LONG:
    case NB_E_HTTP_HEAD_TOO_LARGE:
    case NB_E_HTTP_CL_AND_TE:
    case NB_E_HTTP_BAD_CONTENT_LENGTH:
    case NB_E_HTTP_CONFLICTING_LENGTH:
    case NB_E_HTTP_TE_UNSUPPORTED:
    case NB_E_HTTP_BAD_CHUNK:
    case NB_E_HTTP_CHUNK_TOO_BIG:
    case NB_E_HTTP_TRAILER_TOO_LARGE:
    case NB_E_HTTP_STATUS:
    case NB_E_HTTP_NO_LOCATION:
    case NB_E_HTTP_TOO_MANY_REDIRECTS:
    case NB_E_HTTP_REDIRECT_INSECURE:
    case NB_E_HTTP_BAD_RANGE:
        return 1;
    default:
        return 0;
    }
}

nb_err http_redirect(const struct nb_url *cur, const struct http_head *h, struct nb_url *next)
{
    if (!(h->flags & HTTP_H_LOCATION))
        return NB_E_HTTP_NO_LOCATION;
    nb_err e = nb_url_resolve(cur, h->location, strnlen(h->location, sizeof h->location), next);
    if (e != NB_OK)
        return e;
    if (cur->scheme == NB_URL_HTTPS && next->scheme != NB_URL_HTTPS)
        return NB_E_HTTP_REDIRECT_INSECURE;
    if (next->scheme != NB_URL_HTTP && next->scheme != NB_URL_HTTPS)
        return NB_E_URL_SCHEME;
    return NB_OK;
}

/* ------------------------------------------------------------ the client */

void http_get_init(struct http_get *g)
{
    memset(g, 0, sizeof *g);
    g->cap = HTTP_SIZE_LIMIT;
    g->deadline_us = UINT64_MAX;
    g->total = HTTP_SIZE_UNKNOWN;
}

struct io_wait {
    struct nb_xport *x;
    uint8_t *buf;
    size_t size, done;
    nb_err err;
};

static int rx_ready(void *ctx)
{
    struct io_wait *w = ctx;
    w->err = w->x->ops->recv(w->x, w->buf, w->size, &w->done);
    return w->err != NB_OK || w->done > 0;
}

static int tx_ready(void *ctx)
{
    struct io_wait *w = ctx;
    w->err = w->x->ops->send(w->x, w->buf, w->size, &w->done);
    return w->err != NB_OK || w->done > 0;
}

struct run {
    struct http_client *c;
    struct http_get *g;
    struct nb_xport *x;
    uint64_t last_io;     /* for the idle timeout */
    int any_byte;         /* a response byte arrived on this connection */
};

/* Wait for w's predicate under the overall deadline and the idle timeout. */
static nb_err wait_io(struct run *r, int (*pred)(void *), struct io_wait *w)
{
    if (pred(w))
        return w->err;
    uint64_t dl = r->g->deadline_us, idle = UINT64_MAX;
    if (r->g->idle_ms)
        idle = r->last_io + (uint64_t)r->g->idle_ms * 1000u;
    nb_err e = r->x->ops->wait(r->x, pred, w, idle < dl ? idle : dl);
    if (e == NB_E_TIMEOUT)
        return nb_now_us() >= dl ? NB_E_HTTP_DEADLINE : NB_E_HTTP_IDLE;
    if (e != NB_OK)
        return e;
    return w->err;
}

static nb_err send_all(struct run *r, const char *p, size_t n)
{
    while (n > 0) {
        struct io_wait w = { r->x, (uint8_t *)(uintptr_t)p, n, 0, NB_OK };
        nb_err e = wait_io(r, tx_ready, &w);
        if (e != NB_OK)
            return e;
        if (w.done > n)
            return NB_E_IO;
        p += w.done;
        n -= w.done;
        r->last_io = nb_now_us();
    }
    return NB_OK;
}

/* Feed the parser until it reports `want` (HEAD, or DONE). */
static nb_err pump(struct run *r, enum http_event want)
{
    struct http_client *c = r->c;
    for (;;) {
        size_t used;
        enum http_event ev;
        nb_err e = http_parser_feed(&c->parser, c->rx + c->rx_off, c->rx_len - c->rx_off, &used, &ev);
        c->rx_off += used;
        if (e != NB_OK)
            return e;
        if (ev == HTTP_EV_DONE || ev == want)
            return NB_OK;
        /* everything buffered was consumed: read more */
        struct io_wait w = { r->x, c->rx, sizeof c->rx, 0, NB_OK };
        c->rx_off = c->rx_len = 0;
        e = wait_io(r, rx_ready, &w);
        if (e == NB_E_CONN_CLOSED) {
            e = http_parser_eof(&c->parser, &ev);
            if (e == NB_E_HTTP_TRUNCATED && !r->any_byte)
                return NB_E_CONN_CLOSED; /* nothing at all: the caller may retry */
            return e;
        }
        if (e != NB_OK)
            return e;
        if (w.done > sizeof c->rx)
            return NB_E_IO;
        c->rx_len = w.done;
        r->any_byte = 1;
        r->last_io = nb_now_us();
    }
}

static nb_err body_to_caller(void *ctx, const uint8_t *p, size_t n)
{
    struct http_get *g = ctx;
    nb_err e = g->data ? g->data(g->ctx, g->start + g->received, p, n) : NB_OK;
    if (e != NB_OK)
        return e;
    g->received += n;
    if (g->progress)
        g->progress(g->ctx, g->start + g->received, g->total);
    return NB_OK;
}

/* May the connection serve another request after this response? */
static int reusable(const struct http_client *c)
{
    const struct http_head *h = &c->parser.head;
    if (c->parser.state != P_DONE || c->rx_off != c->rx_len || (h->flags & HTTP_H_CLOSE) ||
        c->parser.framing == HTTP_FRAME_CLOSE)
        return 0;
    return h->version == 11 || (h->flags & HTTP_H_KEEP_ALIVE);
}

/* Read and drop a small body (redirects, 416) so the connection stays
 * usable; returns whether it may be kept. */
static int drain(struct run *r)
{
    struct http_parser *p = &r->c->parser;
    if (p->framing == HTTP_FRAME_CLOSE || p->framing == HTTP_FRAME_CHUNKED ||
        (p->framing == HTTP_FRAME_LENGTH && p->head.content_length > DISCARD_MAX))
        return 0;
    p->sink = NULL;
    if (pump(r, HTTP_EV_DONE) != NB_OK)
        return 0;
    return reusable(r->c);
}

/* One request and response on one connection. */
static nb_err exchange(struct run *r, uint64_t offset, const char *validator,
                       struct http_plan *plan, int *keep)
{
    struct http_client *c = r->c;
    struct http_get *g = r->g;
    size_t len;
    *keep = 0;
    nb_err e = http_build_request(c->req, sizeof c->req, &g->url, offset, validator, &len);
    if (e != NB_OK)
        return e;
    c->rx_off = c->rx_len = 0;
    r->any_byte = 0;
    r->last_io = nb_now_us();
    http_parser_init(&c->parser, HTTP_SIZE_LIMIT, NULL, NULL);
    if ((e = send_all(r, c->req, len)) != NB_OK)
        return e;
    if ((e = pump(r, HTTP_EV_HEAD)) != NB_OK)
        return e;
    const struct http_head *h = &c->parser.head;
    g->status = h->status;
    g->version = h->version;
    if ((e = http_judge(h, offset, validator, g->cap, plan)) != NB_OK)
        return e;
    if (plan->verdict == HTTP_V_REDIRECT) {
        if ((e = http_redirect(&g->url, h, &c->next)) != NB_OK)
            return e;
        *keep = drain(r);
        return NB_OK;
    }
    if (plan->verdict != HTTP_V_BODY) {
        *keep = drain(r);
        return NB_OK;
    }
    /* the body */
    g->start = plan->start;
    g->received = 0;
    g->total = plan->total;
    g->restarted = g->offset > 0 && plan->start == 0;
    http_validator(h, g->validator, sizeof g->validator);
    c->parser.sink = body_to_caller;
    c->parser.sink_ctx = g;
    /* no more than the range promised, nor past the cap */
    c->parser.body_cap = plan->length != HTTP_SIZE_UNKNOWN ? plan->length : g->cap - plan->start;
    if (g->progress)
        g->progress(g->ctx, g->start, g->total);
    if ((e = pump(r, HTTP_EV_DONE)) != NB_OK)
        return e;
    if (plan->length != HTTP_SIZE_UNKNOWN && g->received != plan->length)
        return NB_E_HTTP_BAD_RANGE; /* a chunked 206 that ended early */
    if (g->total == HTTP_SIZE_UNKNOWN)
        g->total = g->start + g->received;
    *keep = reusable(c);
    return NB_OK;
}

nb_err http_get_run(struct http_client *c, struct http_get *g, const struct http_conn_provider *cp)
{
    unsigned max_redirects = g->max_redirects ? g->max_redirects : HTTP_REDIRECT_MAX;
    uint64_t offset = g->offset;
    char validator[HTTP_VALIDATOR_MAX + 1];
    int retried_full = 0, retried_conn = 0;
    memcpy(validator, g->validator, sizeof validator);
    validator[HTTP_VALIDATOR_MAX] = 0;
    g->status = g->version = g->redirects = 0;
    g->restarted = g->complete_already = g->reused = 0;
    g->start = g->received = 0;
    g->total = HTTP_SIZE_UNKNOWN;
    if (g->url.scheme != NB_URL_HTTP && g->url.scheme != NB_URL_HTTPS)
        return NB_E_URL_SCHEME;

    for (;;) {
        struct run r = { c, g, NULL, 0, 0 };
        int reused = 0, keep = 0;
        struct http_plan plan;
        if (nb_now_us() >= g->deadline_us)
            return NB_E_HTTP_DEADLINE;
        nb_err e = cp->get(cp->ctx, &g->url, g->deadline_us, &r.x, &reused);
        if (e != NB_OK)
            return e;
        g->reused = reused;
        e = exchange(&r, offset, validator, &plan, &keep);
        cp->put(cp->ctx, r.x, e == NB_OK && keep);
        if (e != NB_OK) {
            /* a kept-alive connection the server had already closed */
            if (reused && !r.any_byte && !retried_conn && e != NB_E_HTTP_DEADLINE &&
                (e == NB_E_CONN_CLOSED || e == NB_E_CONN_RESET || e == NB_E_HTTP_IDLE)) {
                retried_conn = 1;
                continue;
            }
            if (e == NB_E_CONN_CLOSED)
                e = NB_E_HTTP_TRUNCATED;
            return e;
        }
        retried_conn = 0;
        switch (plan.verdict) {
        case HTTP_V_BODY:
            return NB_OK;
        case HTTP_V_COMPLETE:
            g->complete_already = 1;
            g->start = offset;
            g->total = offset;
            return NB_OK;
        case HTTP_V_RETRY_FULL:
            if (retried_full)
                return NB_E_HTTP_BAD_RANGE;
            retried_full = 1;
            offset = 0;
            validator[0] = 0;
            break;
        case HTTP_V_REDIRECT:
            if (g->redirects >= max_redirects)
                return NB_E_HTTP_TOO_MANY_REDIRECTS;
            g->redirects++;
            g->url = c->next;
            break;
        }
    }
}
