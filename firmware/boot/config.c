/*
 * The embedded configuration (boot/config.h): defaults, and the blob — a
 * sealed TLV record (core/tlv.h, magic "NBCF") — decoded over them. The same
 * encoder and decoder run in the firmware and in the nearboot-config host
 * tool, so the tool can never write a blob the firmware would read
 * differently. An unknown field or an out-of-range value makes the whole blob
 * invalid: an image must not boot with half of what its operator configured.
 */
#include "boot/config.h"
#include "boot/url.h"
#include "core/fmt.h"
#include "core/tlv.h"
#include <string.h>

static const char cfg_magic[4] = { 'N', 'B', 'C', 'F' };
#define CFG_VERSION 1

enum {
    TAG_SITE = 1, TAG_DHCP_SERVER, TAG_BOOT_SERVER, TAG_FAMILY, TAG_DHCP_TIMEOUT,
    TAG_CONNECT_TIMEOUT, TAG_TLS_TIMEOUT, TAG_IDLE_TIMEOUT, TAG_OVERALL_TIMEOUT,
    TAG_RACE_STAGGER, TAG_MIN_SERIAL, TAG_VERBOSITY, TAG_TLS_CA, TAG_CODE_CA,
};

void nb_config_default(struct nb_config *c)
{
    memset(c, 0, sizeof *c);
    c->family = NB_FAM_RACE;
    c->dhcp_timeout_ms = 6000;     /* covers the first two RFC 2131 retransmissions */
    c->connect_timeout_ms = 3000;
    c->tls_timeout_ms = 10000;
    c->idle_timeout_ms = 1500;    /* a stalled transfer fails over well within 2 s */
    c->overall_timeout_ms = 300000;
    c->race_stagger_ms = 250;      /* RFC 8305 §5 recommends 250 ms */
    c->verbosity = 1;
}

static const struct {
    uint8_t tag;
    const char *name;
    size_t offset;
    uint32_t min, max;
} timeouts[] = {
    { TAG_DHCP_TIMEOUT, "dhcp-timeout", offsetof(struct nb_config, dhcp_timeout_ms), 500, 600000 },
    { TAG_CONNECT_TIMEOUT, "connect-timeout", offsetof(struct nb_config, connect_timeout_ms), 100, 600000 },
    { TAG_TLS_TIMEOUT, "tls-timeout", offsetof(struct nb_config, tls_timeout_ms), 100, 600000 },
    { TAG_IDLE_TIMEOUT, "idle-timeout", offsetof(struct nb_config, idle_timeout_ms), 100, 600000 },
    { TAG_OVERALL_TIMEOUT, "overall-timeout", offsetof(struct nb_config, overall_timeout_ms), 1000, 86400000 },
    { TAG_RACE_STAGGER, "race-stagger", offsetof(struct nb_config, race_stagger_ms), 0, 10000 },
};

const char *nb_family_name(enum nb_family_pref f)
{
    static const char *const names[] = { "race", "v6-first", "v4-first", "v4-only", "v6-only" };
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

/* Each field's check; *why says what is wrong for the error line. */
static int take_ip(const uint8_t *v, size_t len, struct nb_ip *list, unsigned *n)
{
    if (*n >= NB_CFG_MAX_FALLBACK || len < 1 || (v[0] != 4 && v[0] != 6) ||
        len != 1u + (v[0] == 4 ? 4u : 16u))
        return 0;
    list[*n] = nb_ip_from(v[0], v + 1);
    (*n)++;
    return 1;
}

static int take_site(const uint8_t *v, size_t len, struct nb_config *c)
{
    static struct nb_url scratch; /* struct nb_url is large: keep it off the stack */
    if (c->nsites >= NB_CFG_MAX_SITES || len < 3)
        return 0;
    struct nb_site *s = &c->sites[c->nsites];
    s->weight = v[0];
    s->anycast = v[1] & 1;
    if (!tlv_str(v + 2, len - 2, s->url, sizeof s->url) ||
        nb_url_parse(s->url, strlen(s->url), &scratch) != NB_OK || scratch.scheme != NB_URL_HTTPS)
        return 0;
    c->nsites++;
    return 1;
}

static int take_field(struct nb_config *c, uint8_t tag, const uint8_t *v, size_t len,
                      const char **why)
{
    uint32_t x;
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        if (timeouts[i].tag != tag)
            continue;
        *why = timeouts[i].name;
        if (!tlv_u32(v, len, &x) || x < timeouts[i].min || x > timeouts[i].max)
            return 0;
        memcpy((uint8_t *)c + timeouts[i].offset, &x, sizeof x);
        return 1;
    }
    switch (tag) {
    case TAG_SITE: *why = "site (an https:// URL)"; return take_site(v, len, c);
    case TAG_DHCP_SERVER: *why = "dhcp-server"; return take_ip(v, len, c->dhcp_servers, &c->ndhcp_servers);
    case TAG_BOOT_SERVER: *why = "boot-server"; return take_ip(v, len, c->boot_servers, &c->nboot_servers);
    case TAG_FAMILY:
        *why = "family";
        if (len != 1 || v[0] > NB_FAM_V6_ONLY)
            return 0;
        c->family = (enum nb_family_pref)v[0];
        return 1;
    case TAG_MIN_SERIAL: *why = "min-serial"; return tlv_u32(v, len, &c->min_release_serial);
    case TAG_VERBOSITY:
        *why = "verbosity";
        if (len != 1 || v[0] > 2)
            return 0;
        c->verbosity = v[0];
        return 1;
    case TAG_TLS_CA:
    case TAG_CODE_CA:
        *why = tag == TAG_TLS_CA ? "tls-ca" : "code-ca";
        if (len == 0)
            return 0;
        if (tag == TAG_TLS_CA) {
            c->tls_ca = v;
            c->tls_ca_len = len;
        } else {
            c->code_ca = v;
            c->code_ca_len = len;
        }
        return 1;
    default:
        *why = "unknown field (the image is older than the tool that wrote it)";
        return 0;
    }
}

nb_err nb_config_decode(const uint8_t *blob, size_t len, struct nb_config *c, char *why, size_t why_size)
{
    struct tlv_reader r;
    uint8_t version, tag;
    const uint8_t *v;
    size_t vlen;
    const char *what = "record";
    nb_config_default(c);
    nb_err e = tlv_open(&r, blob, len, cfg_magic, &version);
    if (e == NB_OK && version != CFG_VERSION) {
        what = "version";
        e = NB_E_CONFIG_INVALID;
    }
    int more = 0;
    while (e == NB_OK && (more = tlv_next(&r, &tag, &v, &vlen)) > 0)
        if (!take_field(c, tag, v, vlen, &what))
            e = NB_E_CONFIG_INVALID;
    if (e == NB_OK && more < 0)
        e = NB_E_CONFIG_INVALID;
    if (e != NB_OK) {
        if (why)
            nb_snprintf(why, why_size, "%s", e == NB_E_MALFORMED ? "checksum or length" : what);
        nb_config_default(c);
        return e == NB_E_NOT_FOUND ? NB_E_NOT_FOUND : NB_E_CONFIG_INVALID;
    }
    return NB_OK;
}

static void put_ip(struct tlv_writer *w, uint8_t tag, const struct nb_ip *ip)
{
    uint8_t b[17];
    b[0] = ip->family;
    memcpy(b + 1, ip->a, ip->family == 4 ? 4 : 16);
    tlv_put(w, tag, b, ip->family == 4 ? 5u : 17u);
}

size_t nb_config_encode(const struct nb_config *c, uint8_t *buf, size_t cap)
{
    struct tlv_writer w;
    struct nb_config d;
    nb_config_default(&d);
    tlv_begin(&w, buf, cap);
    for (unsigned i = 0; i < c->nsites; i++) {
        uint8_t b[2 + NB_CFG_URL_MAX];
        size_t n = strlen(c->sites[i].url);
        b[0] = c->sites[i].weight;
        b[1] = c->sites[i].anycast ? 1 : 0;
        memcpy(b + 2, c->sites[i].url, n);
        tlv_put(&w, TAG_SITE, b, 2 + n);
    }
    for (unsigned i = 0; i < c->ndhcp_servers; i++)
        put_ip(&w, TAG_DHCP_SERVER, &c->dhcp_servers[i]);
    for (unsigned i = 0; i < c->nboot_servers; i++)
        put_ip(&w, TAG_BOOT_SERVER, &c->boot_servers[i]);
    if (c->family != d.family) {
        uint8_t f = (uint8_t)c->family;
        tlv_put(&w, TAG_FAMILY, &f, 1);
    }
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        uint32_t x, y;
        memcpy(&x, (const uint8_t *)c + timeouts[i].offset, sizeof x);
        memcpy(&y, (const uint8_t *)&d + timeouts[i].offset, sizeof y);
        if (x != y)
            tlv_put_u32(&w, timeouts[i].tag, x);
    }
    if (c->min_release_serial)
        tlv_put_u32(&w, TAG_MIN_SERIAL, c->min_release_serial);
    if (c->verbosity != d.verbosity)
        tlv_put(&w, TAG_VERBOSITY, &c->verbosity, 1);
    if (c->tls_ca_len)
        tlv_put(&w, TAG_TLS_CA, c->tls_ca, c->tls_ca_len);
    if (c->code_ca_len)
        tlv_put(&w, TAG_CODE_CA, c->code_ca, c->code_ca_len);
    return tlv_seal(&w, cfg_magic, CFG_VERSION);
}
