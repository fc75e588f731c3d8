/*
 * URLs (RFC 3986) as nearboot fetches them: http, https and tftp, with a host
 * that is a DNS name, a dotted-quad IPv4 literal or a bracketed IPv6 literal,
 * an optional port and a path (with its query). Strict on purpose: no
 * userinfo, no zone ids, no spaces or control characters, percent-encoding
 * kept as it is but checked; the fragment is dropped. A parsed URL is a
 * plain value (no pointers), so it can be copied, cached and compared.
 */
#ifndef NB_URL_H
#define NB_URL_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "net/addr.h"

#define NB_URL_MAX 2048u     /* whole URL text, and path+query */
#define NB_URL_HOST_MAX 253u /* a DNS name in text form (RFC 1035) */
/* Room for the text form: scheme "://" [host] ":" port path. */
#define NB_URL_TEXT_MAX (NB_URL_MAX + NB_URL_HOST_MAX + 16u)

enum nb_url_scheme { NB_URL_NONE = 0, NB_URL_HTTP, NB_URL_HTTPS, NB_URL_TFTP };

struct nb_url {
    enum nb_url_scheme scheme;
    char host[NB_URL_HOST_MAX + 1]; /* lower-case name, or the literal without brackets */
    struct nb_ip ip;                /* the literal's address; family 0 for a name */
    uint16_t port;                  /* the explicit port, else the scheme's default */
    char path[NB_URL_MAX + 1];      /* starts with '/'; the query is included */
};

/* Parse an absolute URL of len bytes (no NUL needed; an embedded NUL is an
 * error). Errors: NB_E_URL_* naming what is wrong. */
nb_err nb_url_parse(const char *s, size_t len, struct nb_url *out);

/* Resolve a reference (a redirect's Location) against base (RFC 3986 §5.2):
 * an absolute URL, a network-path ("//host/p"), an absolute path ("/p"), a
 * relative path ("p", "../p") or a query ("?q"); dot segments are removed.
 * out may not alias base. */
nb_err nb_url_resolve(const struct nb_url *base, const char *ref, size_t len,
                      struct nb_url *out);

uint16_t nb_url_default_port(enum nb_url_scheme scheme);
const char *nb_url_scheme_name(enum nb_url_scheme scheme);

/* "host" or "host:port" when the port is not the default, IPv6 literals in
 * brackets: the HTTP Host header's value. Returns the length, or 0 if it
 * does not fit in size (out is then empty). */
size_t nb_url_authority(const struct nb_url *u, char *out, size_t size);

/* The URL's text form (scheme://authority/path). Returns the length, or 0 if
 * it does not fit (NB_URL_TEXT_MAX always does). */
size_t nb_url_text(const struct nb_url *u, char *out, size_t size);

/* Same scheme, host and port: one connection can serve both. */
int nb_url_same_origin(const struct nb_url *a, const struct nb_url *b);

#endif
