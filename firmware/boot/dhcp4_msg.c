/*
 * DHCPv4 message parser (RFC 2131/2132).
 *
 * The options area, then (per option 52, "overload") the file and sname
 * fields are each walked as a flat TLV list: pad (0) is one byte, end (255)
 * stops the walk, every other option is code, length, data. Each option's
 * length is checked against the bytes left before it is read. Option data is
 * copied out only into fixed-size fields of struct dhcp4_msg.
 */
#include "boot/dhcp4_msg.h"
#include <string.h>

#define DHCP4_MAGIC 0x63825363u

enum {
    OPT_PAD = 0, OPT_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_DOMAIN = 15,
    OPT_BROADCAST = 28, OPT_VENDOR = 43, OPT_LEASE = 51, OPT_OVERLOAD = 52,
    OPT_MSGTYPE = 53, OPT_SERVER_ID = 54, OPT_T1 = 58, OPT_T2 = 59, OPT_CLASS_ID = 60,
    OPT_TFTP_SERVER = 66, OPT_BOOTFILE = 67, OPT_SEARCH = 119, OPT_ROUTES = 121,
    OPT_END = 255,
};

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Copy a string option; reject embedded control characters. A trailing NUL
 * (some servers send one) is allowed. */
static nb_err copy_string(char *dst, size_t size, const uint8_t *src, size_t len)
{
    while (len && src[len - 1] == 0)
        len--;
    if (len >= size)
        return NB_E_MALFORMED;
    for (size_t i = 0; i < len; i++)
        if (src[i] < 0x20 || src[i] == 0x7f)
            return NB_E_MALFORMED;
    memcpy(dst, src, len);
    dst[len] = 0;
    return NB_OK;
}

/* Option 43 when the server speaks PXE: sub-options code(1) len(1) data,
 * ended by 255. Only what a client acts on is kept. Vendor data in another
 * format is opaque to us, so a walk that does not fit is ignored, not an
 * error for the whole message. */
static nb_err parse_pxe_vendor(struct dhcp4_msg *m, const uint8_t *d, uint8_t len)
{
    struct dhcp4_pxe pxe = { 0 };
    size_t i = 0;
    while (i < len) {
        uint8_t code = d[i++];
        if (code == 0)
            continue;
        if (code == 255)
            break;
        if (i >= len || d[i] > len - i - 1)
            return NB_OK; /* not PXE-structured */
        uint8_t sl = d[i++];
        if (code == 6 && sl == 1)
            pxe.discovery_control = d[i];
        else if (code == 8)
            pxe.has_boot_servers = 1;
        else if (code == 9) {
            pxe.has_boot_menu = 1;
            if (sl >= 3)
                pxe.first_item_type = (uint16_t)(d[i] << 8 | d[i + 1]);
        }
        i += sl;
    }
    m->pxe = pxe;
    m->have |= DHCP4_HAVE_PXE_VENDOR;
    return NB_OK;
}

/* Option 121 (RFC 3442): prefix length, significant octets of the
 * destination, router. */
static nb_err parse_routes(struct dhcp4_msg *m, const uint8_t *d, uint8_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t plen = d[i++];
        if (plen > 32)
            return NB_E_MALFORMED;
        size_t octets = (plen + 7u) / 8u;
        if (len - i < octets + 4)
            return NB_E_BAD_OPTION;
        if (m->nroutes < DHCP4_MAX_ROUTES) {
            struct dhcp4_route *r = &m->routes[m->nroutes++];
            memset(r->dest, 0, 4);
            memcpy(r->dest, d + i, octets);
            r->prefix_len = plen;
            memcpy(r->router, d + i + octets, 4);
        }
        i += octets + 4;
    }
    m->have |= DHCP4_HAVE_ROUTES;
    return NB_OK;
}

/* Option 119 (RFC 3397): DNS wire-format names with compression pointers
 * into the option itself. Only the first name is decoded; pointers must
 * point backwards, and the walk is bounded. */
static nb_err parse_search(struct dhcp4_msg *m, const uint8_t *d, uint8_t len)
{
    size_t i = 0, out = 0, limit = len;
    unsigned jumps = 0;
    while (i < limit) {
        uint8_t l = d[i];
        if (l == 0) {
            m->search[out] = 0;
            m->have |= DHCP4_HAVE_SEARCH;
            return NB_OK;
        }
        if ((l & 0xc0) == 0xc0) {
            if (i + 1 >= limit || ++jumps > 16)
                return NB_E_MALFORMED;
            size_t to = (size_t)(l & 0x3f) << 8 | d[i + 1];
            if (to >= i)
                return NB_E_MALFORMED; /* only backwards */
            limit = i;
            i = to;
            continue;
        }
        if (l > 63 || i + 1 + l > limit || out + l + 2 > sizeof m->search)
            return NB_E_MALFORMED;
        if (out)
            m->search[out++] = '.';
        for (size_t k = 0; k < l; k++) {
            uint8_t c = d[i + 1 + k];
            if (c <= 0x20 || c >= 0x7f)
                return NB_E_MALFORMED;
            m->search[out++] = (char)c;
        }
        i += 1u + l;
    }
    return NB_E_MALFORMED; /* ran off the end without a root label */
}

/* Option 224: nearboot sub-options. */
static nb_err parse_nearboot(struct dhcp4_msg *m, const uint8_t *d, uint8_t len)
{
    size_t i = 0;
    while (i < len) {
        if (len - i < 2 || d[i + 1] > len - i - 2)
            return NB_E_BAD_OPTION;
        uint8_t code = d[i], sl = d[i + 1];
        if (code == DHCP4_NB_SUB_SITE_URL && m->nsites < DHCP4_MAX_SITES) {
            if (copy_string(m->sites[m->nsites], DHCP4_SITE_URL_MAX, d + i + 2, sl) != NB_OK ||
                !m->sites[m->nsites][0])
                return NB_E_MALFORMED;
            m->nsites++;
        }
        i += 2u + sl;
    }
    m->have |= DHCP4_HAVE_SITES;
    return NB_OK;
}

static nb_err take_option(struct dhcp4_msg *m, uint8_t code, const uint8_t *d,
                          uint8_t len, uint8_t *overload)
{
    switch (code) {
    case OPT_MSGTYPE:
        if (len != 1) return NB_E_MALFORMED;
        m->msg_type = d[0];
        m->have |= DHCP4_HAVE_MSGTYPE;
        break;
    case OPT_SERVER_ID:
        if (len != 4) return NB_E_MALFORMED;
        memcpy(m->server_id, d, 4);
        m->have |= DHCP4_HAVE_SERVER_ID;
        break;
    case OPT_MASK:
        if (len != 4) return NB_E_MALFORMED;
        memcpy(m->mask, d, 4);
        m->have |= DHCP4_HAVE_MASK;
        break;
    case OPT_ROUTER:
        if (len < 4 || len % 4) return NB_E_MALFORMED;
        memcpy(m->router, d, 4);
        m->have |= DHCP4_HAVE_ROUTER;
        break;
    case OPT_DNS:
        if (len < 4 || len % 4) return NB_E_MALFORMED;
        for (unsigned i = 0; i < len / 4u && m->ndns < 3; i++)
            memcpy(m->dns[m->ndns++], d + 4 * i, 4);
        break;
    case OPT_LEASE:
        if (len != 4) return NB_E_MALFORMED;
        m->lease_s = get_be32(d);
        m->have |= DHCP4_HAVE_LEASE;
        break;
    case OPT_T1:
    case OPT_T2:
        if (len != 4) return NB_E_MALFORMED;
        if (code == OPT_T1) {
            m->t1_s = get_be32(d);
            m->have |= DHCP4_HAVE_T1;
        } else {
            m->t2_s = get_be32(d);
            m->have |= DHCP4_HAVE_T2;
        }
        break;
    case OPT_BROADCAST:
        if (len != 4) return NB_E_MALFORMED;
        memcpy(m->broadcast, d, 4);
        m->have |= DHCP4_HAVE_BROADCAST;
        break;
    case OPT_DOMAIN:
        if (copy_string(m->domain, sizeof m->domain, d, len) != NB_OK)
            return NB_E_MALFORMED;
        m->have |= DHCP4_HAVE_DOMAIN;
        break;
    case OPT_VENDOR:
        return parse_pxe_vendor(m, d, len);
    case OPT_ROUTES:
        return parse_routes(m, d, len);
    case OPT_SEARCH:
        return parse_search(m, d, len);
    case DHCP4_OPT_NEARBOOT:
        return parse_nearboot(m, d, len);
    case OPT_OVERLOAD:
        if (len != 1 || d[0] < 1 || d[0] > 3) return NB_E_MALFORMED;
        *overload = d[0];
        break;
    case OPT_CLASS_ID:
        if (len >= 9 && memcmp(d, "PXEClient", 9) == 0)
            m->have |= DHCP4_HAVE_PXECLIENT;
        break;
    case OPT_TFTP_SERVER:
        if (copy_string(m->tftp_server, sizeof m->tftp_server, d, len) != NB_OK)
            return NB_E_MALFORMED;
        m->have |= DHCP4_HAVE_TFTP_SERVER;
        break;
    case OPT_BOOTFILE:
        if (copy_string(m->bootfile, sizeof m->bootfile, d, len) != NB_OK)
            return NB_E_MALFORMED;
        m->have |= DHCP4_HAVE_BOOTFILE;
        break;
    default:
        break; /* unknown options are skipped by length */
    }
    return NB_OK;
}

/* Walk one TLV area. Option 52 is only honoured in the options field
 * (RFC 2131 §4.1); overload may be NULL for file/sname areas. */
static nb_err walk_options(struct dhcp4_msg *m, const uint8_t *p, size_t len,
                           uint8_t *overload)
{
    size_t i = 0;
    uint8_t ignored = 0;
    while (i < len) {
        uint8_t code = p[i++];
        if (code == OPT_PAD)
            continue;
        if (code == OPT_END)
            return NB_OK;
        if (i >= len)
            return NB_E_BAD_OPTION;
        uint8_t olen = p[i++];
        if (olen > len - i)
            return NB_E_BAD_OPTION;
        nb_err e = take_option(m, code, p + i, olen, overload ? overload : &ignored);
        if (e != NB_OK)
            return e;
        i += olen;
    }
    return NB_OK; /* a missing END is tolerated, as most clients do */
}

nb_err dhcp4_parse(const uint8_t *p, size_t len, struct dhcp4_msg *m)
{
    memset(m, 0, sizeof *m);
    if (len < DHCP4_MIN_LEN)
        return NB_E_TRUNCATED;
    if (get_be32(p + DHCP4_FIXED_LEN) != DHCP4_MAGIC)
        return NB_E_BAD_MAGIC;
    m->op = p[0];
    m->xid = get_be32(p + 4);
    memcpy(m->ciaddr, p + 12, 4);
    memcpy(m->yiaddr, p + 16, 4);
    memcpy(m->siaddr, p + 20, 4);
    memcpy(m->giaddr, p + 24, 4);
    memcpy(m->chaddr, p + 28, 16);
    const uint8_t *sname = p + 44, *file = p + 108;

    uint8_t overload = 0;
    nb_err e = walk_options(m, p + DHCP4_MIN_LEN, len - DHCP4_MIN_LEN, &overload);
    if (e == NB_OK && (overload & 1))
        e = walk_options(m, file, 128, NULL);
    if (e == NB_OK && (overload & 2))
        e = walk_options(m, sname, 64, NULL);
    if (e != NB_OK)
        return e;

    if (!(m->have & DHCP4_HAVE_BOOTFILE) && !(overload & 1) && file[0]) {
        if (copy_string(m->bootfile, sizeof m->bootfile, file, strnlen((const char *)file, 128)) != NB_OK)
            return NB_E_MALFORMED;
        m->have |= DHCP4_HAVE_BOOTFILE;
    }
    if (!(m->have & DHCP4_HAVE_TFTP_SERVER) && !(overload & 2) && sname[0]) {
        if (copy_string(m->tftp_server, sizeof m->tftp_server, sname, strnlen((const char *)sname, 64)) != NB_OK)
            return NB_E_MALFORMED;
        m->have |= DHCP4_HAVE_TFTP_SERVER;
    }
    return NB_OK;
}
