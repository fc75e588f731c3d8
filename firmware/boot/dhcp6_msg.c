/*
 * DHCPv6 message parser (RFC 8415).
 *
 * Options are code(2) length(2) data. The message level and the insides of
 * IA_NA (option 3) and IAADDR (option 5) are walked with the same bounded
 * iterator; the nesting depth is fixed by the code (message → IA_NA →
 * IAADDR), never by the packet, so there is no recursion on packet data.
 */
#include "boot/dhcp6_msg.h"
#include <string.h>

enum {
    OPT_CLIENTID = 1, OPT_SERVERID = 2, OPT_IA_NA = 3, OPT_IAADDR = 5,
    OPT_PREFERENCE = 7, OPT_STATUS_CODE = 13, OPT_DNS_SERVERS = 23,
    OPT_BOOTFILE_URL = 59,
};

struct opt_iter {
    const uint8_t *p;
    size_t len, pos;
    int zero_tail;
};

struct opt {
    uint16_t code;
    uint16_t len;
    const uint8_t *data;
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* 1: an option in *o; 0: clean end; negative: nb_err of a bad option. */
static int next_opt(struct opt_iter *it, struct opt *o, nb_err *err)
{
    size_t left = it->len - it->pos;
    if (left == 0)
        return 0;
    if (it->zero_tail && all_zero(it->p + it->pos, left))
        return 0;
    if (left < 4) {
        *err = NB_E_BAD_OPTION;
        return -1;
    }
    o->code = be16(it->p + it->pos);
    o->len = be16(it->p + it->pos + 2);
    if (o->len > left - 4) {
        *err = NB_E_BAD_OPTION;
        return -1;
    }
    o->data = it->p + it->pos + 4;
    it->pos += 4u + o->len;
    return 1;
}

static nb_err copy_duid(uint8_t *dst, size_t *dst_len, const struct opt *o)
{
    if (o->len < 2 || o->len > DHCP6_DUID_MAX)
        return NB_E_MALFORMED;
    memcpy(dst, o->data, o->len);
    *dst_len = o->len;
    return NB_OK;
}

static nb_err parse_status(const struct opt *o, uint16_t *status)
{
    if (o->len < 2)
        return NB_E_MALFORMED;
    *status = be16(o->data);
    return NB_OK;
}

/* IAADDR: address(16) preferred(4) valid(4) options. */
static nb_err parse_iaaddr(const struct opt *o, struct dhcp6_msg *m)
{
    if (o->len < 24)
        return NB_E_MALFORMED;
    if (m->have & DHCP6_HAVE_ADDR)
        return NB_OK; /* keep the first address */
    memcpy(m->addr, o->data, 16);
    m->preferred_s = be32(o->data + 16);
    m->valid_s = be32(o->data + 20);
    m->have |= DHCP6_HAVE_ADDR;
    return NB_OK;
}

/* IA_NA: IAID(4) T1(4) T2(4) options (IAADDR, status). */
static nb_err parse_ia_na(const struct opt *o, struct dhcp6_msg *m)
{
    if (o->len < 12)
        return NB_E_MALFORMED;
    if (m->have & DHCP6_HAVE_ADDR)
        return NB_OK; /* first IA_NA with an address wins */
    struct opt_iter it = { o->data + 12, o->len - 12u, 0, 0 };
    struct opt sub;
    nb_err e = NB_OK;
    int r;
    while ((r = next_opt(&it, &sub, &e)) > 0) {
        if (sub.code == OPT_IAADDR)
            e = parse_iaaddr(&sub, m);
        else if (sub.code == OPT_STATUS_CODE)
            e = parse_status(&sub, &m->ia_status);
        if (e != NB_OK)
            return e;
    }
    if (r < 0)
        return e;
    if (m->have & DHCP6_HAVE_ADDR)
        m->iaid = be32(o->data);
    return NB_OK;
}

static nb_err take_option(const struct opt *o, struct dhcp6_msg *m)
{
    switch (o->code) {
    case OPT_CLIENTID:
        m->have |= DHCP6_HAVE_CLIENT_ID;
        return copy_duid(m->client_id, &m->client_id_len, o);
    case OPT_SERVERID:
        m->have |= DHCP6_HAVE_SERVER_ID;
        return copy_duid(m->server_id, &m->server_id_len, o);
    case OPT_IA_NA:
        return parse_ia_na(o, m);
    case OPT_PREFERENCE:
        if (o->len != 1)
            return NB_E_MALFORMED;
        m->preference = o->data[0];
        m->have |= DHCP6_HAVE_PREFERENCE;
        return NB_OK;
    case OPT_STATUS_CODE:
        m->have |= DHCP6_HAVE_STATUS;
        return parse_status(o, &m->status);
    case OPT_DNS_SERVERS:
        if (o->len == 0 || o->len % 16)
            return NB_E_MALFORMED;
        for (unsigned i = 0; i < o->len / 16u && m->ndns < 3; i++)
            memcpy(m->dns[m->ndns++], o->data + 16 * i, 16);
        return NB_OK;
    case OPT_BOOTFILE_URL:
        if (o->len == 0 || o->len >= sizeof m->bootfile_url)
            return NB_E_MALFORMED;
        for (unsigned i = 0; i < o->len; i++)
            if (o->data[i] <= 0x20 || o->data[i] >= 0x7f)
                return NB_E_MALFORMED; /* a URL has no spaces or controls */
        memcpy(m->bootfile_url, o->data, o->len);
        m->bootfile_url[o->len] = 0;
        m->have |= DHCP6_HAVE_BOOTFILE_URL;
        return NB_OK;
    default:
        return NB_OK;
    }
}

nb_err dhcp6_parse(const uint8_t *p, size_t len, int zero_tail, struct dhcp6_msg *m)
{
    memset(m, 0, sizeof *m);
    if (len < 4)
        return NB_E_TRUNCATED;
    m->msg_type = p[0];
    if (m->msg_type == 0 || m->msg_type == 12 || m->msg_type == 13)
        return NB_E_MALFORMED; /* reserved, or relay messages */
    m->xid = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    struct opt_iter it = { p + 4, len - 4, 0, zero_tail };
    struct opt o;
    nb_err e = NB_OK;
    int r;
    while ((r = next_opt(&it, &o, &e)) > 0) {
        e = take_option(&o, m);
        if (e != NB_OK)
            return e;
    }
    return r < 0 ? e : NB_OK;
}
