/*
 * DHCPv6 messages (RFC 8415): the bounded parser and the client's builder.
 *
 * Options are code(2) length(2) data. The message level, the insides of
 * IA_NA (option 3) and IAADDR (option 5), and nearboot's vendor options
 * (option 17, sub-options of the same shape) are walked with the same
 * bounded iterator; the nesting depth is fixed by the code (message → IA_NA
 * → IAADDR), never by the packet, so there is no recursion on packet data.
 * List-valued options (23, 24, 60) are walked by index with every length
 * checked against what is left before it is used.
 */
#include "boot/dhcp6_msg.h"
#include "core/fmt.h"
#include <string.h>

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

/* Printable text without spaces (URLs): 1..size-1 bytes of 0x21..0x7e. */
static nb_err copy_url(char *dst, size_t size, const uint8_t *s, size_t n)
{
    if (n == 0 || n >= size)
        return NB_E_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return NB_E_MALFORMED; /* a URL has no spaces or controls */
    memcpy(dst, s, n);
    dst[n] = 0;
    return NB_OK;
}

static void keep_status_msg(struct dhcp6_msg *m, uint16_t code, const uint8_t *s, size_t n)
{
    if (code == DHCP6_STATUS_SUCCESS || m->status_msg[0])
        return;
    size_t k = 0;
    for (; k < n && k + 1 < sizeof m->status_msg; k++)
        m->status_msg[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? (char)s[k] : '?';
    m->status_msg[k] = 0;
    if (!k) /* an empty text still marks that a failure was seen */
        nb_snprintf(m->status_msg, sizeof m->status_msg, "status %u", (unsigned)code);
}

static nb_err parse_status(const struct opt *o, struct dhcp6_msg *m, uint16_t *status)
{
    if (o->len < 2)
        return NB_E_MALFORMED;
    *status = be16(o->data);
    keep_status_msg(m, *status, o->data + 2, o->len - 2u);
    return NB_OK;
}

/* IAADDR: address(16) preferred(4) valid(4) options (not looked at). */
static nb_err parse_iaaddr(const struct opt *o, struct dhcp6_ia *ia)
{
    if (o->len < 24)
        return NB_E_MALFORMED;
    uint32_t preferred = be32(o->data + 16), valid = be32(o->data + 20);
    if (preferred > valid)
        return NB_OK; /* RFC 8415 §21.6: the client discards it */
    if (ia->naddr == 0) {
        memcpy(ia->addr, o->data, 16);
        ia->preferred_s = preferred;
        ia->valid_s = valid;
    }
    if (ia->naddr < 255)
        ia->naddr++;
    return NB_OK;
}

/* IA_NA: IAID(4) T1(4) T2(4) options (IAADDR, status). */
static nb_err parse_ia_na(const struct opt *o, struct dhcp6_msg *m)
{
    if (o->len < 12)
        return NB_E_MALFORMED;
    struct dhcp6_ia ia;
    memset(&ia, 0, sizeof ia);
    ia.iaid = be32(o->data);
    ia.t1_s = be32(o->data + 4);
    ia.t2_s = be32(o->data + 8);
    struct opt_iter it = { o->data + 12, o->len - 12u, 0, 0 };
    struct opt sub;
    nb_err e = NB_OK;
    int r;
    while ((r = next_opt(&it, &sub, &e)) > 0) {
        if (sub.code == DHCP6_OPT_IAADDR)
            e = parse_iaaddr(&sub, &ia);
        else if (sub.code == DHCP6_OPT_STATUS_CODE)
            e = parse_status(&sub, m, &ia.status);
        if (e != NB_OK)
            return e;
    }
    if (r < 0)
        return e;
    if (ia.t1_s && ia.t2_s && ia.t1_s > ia.t2_s)
        return NB_OK; /* RFC 8415 §21.4: discard the IA_NA, keep the rest */
    if (m->nia < DHCP6_MAX_IA)
        m->ia[m->nia++] = ia;
    if (ia.naddr && !(m->have & DHCP6_HAVE_ADDR)) {
        m->have |= DHCP6_HAVE_ADDR;
        m->iaid = ia.iaid;
        memcpy(m->addr, ia.addr, 16);
        m->preferred_s = ia.preferred_s;
        m->valid_s = ia.valid_s;
        m->ia_status = ia.status; /* the status of the IA the address is from */
    } else if (!(m->have & DHCP6_HAVE_ADDR) && !m->ia_status) {
        m->ia_status = ia.status;
    }
    return NB_OK;
}

static int name_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/* Option 24: domain names in uncompressed wire form (RFC 8415 §10), one
 * after the other. A name that breaks the encoding refuses the message; a
 * well-encoded name with other characters, or the root, is skipped. */
static nb_err parse_domains(const struct opt *o, struct dhcp6_msg *m)
{
    size_t pos = 0;
    while (pos < o->len) {
        char text[DHCP6_DOMAIN_MAX];
        size_t tn = 0, wire = 0;
        int usable = 1;
        for (;;) {
            if (pos >= o->len)
                return NB_E_MALFORMED; /* ran out before the root label */
            uint8_t l = o->data[pos++];
            wire++;
            if (l == 0)
                break;
            if (l > 63 || l > o->len - pos)
                return NB_E_MALFORMED; /* compression (0xc0) lands here too */
            wire += l;
            if (wire > 254)
                return NB_E_MALFORMED; /* RFC 1035 §3.1: 255 with the root label */
            for (uint8_t i = 0; i < l; i++)
                if (!name_char_ok(o->data[pos + i]))
                    usable = 0;
            if (usable) {
                /* wire <= 254 keeps tn (wire - 1) <= 253, room for the NUL */
                if (tn)
                    text[tn++] = '.';
                memcpy(text + tn, o->data + pos, l);
                tn += l;
            }
            pos += l;
        }
        if (!usable || tn == 0 || tn >= sizeof text || m->ndomains >= DHCP6_MAX_DOMAINS)
            continue;
        text[tn] = 0;
        memcpy(m->domains[m->ndomains++], text, tn + 1);
    }
    return NB_OK;
}

/* Option 60: parameters, each param-len(2) then printable text. */
static nb_err parse_params(const struct opt *o, struct dhcp6_msg *m)
{
    size_t pos = 0;
    while (pos < o->len) {
        if (o->len - pos < 2)
            return NB_E_MALFORMED;
        size_t n = be16(o->data + pos);
        pos += 2;
        if (n > o->len - pos || n >= DHCP6_PARAM_MAX)
            return NB_E_MALFORMED;
        for (size_t i = 0; i < n; i++)
            if (o->data[pos + i] < 0x20 || o->data[pos + i] >= 0x7f)
                return NB_E_MALFORMED;
        if (m->nparams < DHCP6_MAX_PARAMS) {
            memcpy(m->boot_params[m->nparams], o->data + pos, n);
            m->boot_params[m->nparams][n] = 0;
            m->nparams++;
        }
        pos += n;
    }
    return NB_OK;
}

/* Option 17: enterprise(4) then sub-options; only ours are walked. */
static nb_err parse_vendor_opts(const struct opt *o, struct dhcp6_msg *m)
{
    if (o->len < 4)
        return NB_E_MALFORMED;
    if (be32(o->data) != DHCP6_NB_ENTERPRISE)
        return NB_OK;
    struct opt_iter it = { o->data + 4, o->len - 4u, 0, 0 };
    struct opt sub;
    nb_err e = NB_OK;
    int r;
    while ((r = next_opt(&it, &sub, &e)) > 0) {
        if (sub.code != DHCP6_NB_SUB_SITE_URL)
            continue;
        char url[DHCP6_SITE_URL_MAX];
        e = copy_url(url, sizeof url, sub.data, sub.len); /* checked even beyond the count */
        if (e != NB_OK)
            return e;
        if (m->nsites < DHCP6_MAX_SITES)
            memcpy(m->sites[m->nsites++], url, sub.len + 1u);
    }
    return r < 0 ? e : NB_OK;
}

static nb_err take_u32(const struct opt *o, uint32_t *v, unsigned *have, unsigned bit)
{
    if (o->len != 4)
        return NB_E_MALFORMED;
    *v = be32(o->data);
    *have |= bit;
    return NB_OK;
}

static nb_err take_option(const struct opt *o, struct dhcp6_msg *m)
{
    switch (o->code) {
    case DHCP6_OPT_CLIENTID:
        m->have |= DHCP6_HAVE_CLIENT_ID;
        return copy_duid(m->client_id, &m->client_id_len, o);
    case DHCP6_OPT_SERVERID:
        m->have |= DHCP6_HAVE_SERVER_ID;
        return copy_duid(m->server_id, &m->server_id_len, o);
    case DHCP6_OPT_IA_NA:
        return parse_ia_na(o, m);
    case DHCP6_OPT_PREFERENCE:
        if (o->len != 1)
            return NB_E_MALFORMED;
        m->preference = o->data[0];
        m->have |= DHCP6_HAVE_PREFERENCE;
        return NB_OK;
    case DHCP6_OPT_STATUS_CODE:
        m->have |= DHCP6_HAVE_STATUS;
        return parse_status(o, m, &m->status);
    case DHCP6_OPT_RAPID_COMMIT:
        if (o->len != 0)
            return NB_E_MALFORMED;
        m->have |= DHCP6_HAVE_RAPID_COMMIT;
        return NB_OK;
    case DHCP6_OPT_VENDOR_OPTS:
        return parse_vendor_opts(o, m);
    case DHCP6_OPT_DNS_SERVERS:
        if (o->len == 0 || o->len % 16)
            return NB_E_MALFORMED;
        for (unsigned i = 0; i < o->len / 16u && m->ndns < DHCP6_MAX_DNS; i++)
            memcpy(m->dns[m->ndns++], o->data + 16 * i, 16);
        return NB_OK;
    case DHCP6_OPT_DOMAIN_LIST:
        return parse_domains(o, m);
    case DHCP6_OPT_BOOTFILE_URL: {
        nb_err e = copy_url(m->bootfile_url, sizeof m->bootfile_url, o->data, o->len);
        if (e == NB_OK)
            m->have |= DHCP6_HAVE_BOOTFILE_URL;
        return e;
    }
    case DHCP6_OPT_BOOTFILE_PARAM:
        return parse_params(o, m);
    case DHCP6_OPT_SOL_MAX_RT:
        return take_u32(o, &m->sol_max_rt_s, &m->have, DHCP6_HAVE_SOL_MAX_RT);
    case DHCP6_OPT_INF_MAX_RT:
        return take_u32(o, &m->inf_max_rt_s, &m->have, DHCP6_HAVE_INF_MAX_RT);
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
    if (m->msg_type == 0 || m->msg_type == DHCP6_RELAY_FORW || m->msg_type == DHCP6_RELAY_REPL)
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

const struct dhcp6_ia *dhcp6_find_ia(const struct dhcp6_msg *m, uint32_t iaid)
{
    for (unsigned i = 0; i < m->nia && i < DHCP6_MAX_IA; i++)
        if (m->ia[i].iaid == iaid)
            return &m->ia[i];
    return NULL;
}

/* ---------------------------------------------------------------- builder */

struct out {
    uint8_t *p;
    size_t size, len;
    int overflow;
};

static uint8_t *room(struct out *o, size_t n)
{
    if (o->overflow || n > o->size - o->len) {
        o->overflow = 1;
        return NULL;
    }
    uint8_t *at = o->p + o->len;
    o->len += n;
    return at;
}

static void put_u8(struct out *o, uint8_t v)
{
    uint8_t *d = room(o, 1);
    if (d)
        d[0] = v;
}

static void put_u16(struct out *o, uint16_t v)
{
    uint8_t *d = room(o, 2);
    if (d)
        d[0] = (uint8_t)(v >> 8), d[1] = (uint8_t)v;
}

static void put_u32(struct out *o, uint32_t v)
{
    put_u16(o, (uint16_t)(v >> 16));
    put_u16(o, (uint16_t)v);
}

static void put_bytes(struct out *o, const void *s, size_t n)
{
    uint8_t *d = room(o, n);
    if (d && n)
        memcpy(d, s, n);
}

static void put_opt(struct out *o, uint16_t code, const void *data, size_t n)
{
    put_u16(o, code);
    put_u16(o, (uint16_t)n);
    put_bytes(o, data, n);
}

/* An opaque-data list of one item (vendor class, user class). */
static void put_class_item(struct out *o, const char *s)
{
    size_t n = strlen(s);
    put_u16(o, (uint16_t)n);
    put_bytes(o, s, n);
}

nb_err dhcp6_build(const struct dhcp6_tx *t, uint8_t *buf, size_t size, size_t *len)
{
    *len = 0;
    if (!t->client_id || t->client_id_len < 2 || t->client_id_len > DHCP6_DUID_MAX)
        return NB_E_INVALID;
    if (t->server_id && (t->server_id_len < 2 || t->server_id_len > DHCP6_DUID_MAX))
        return NB_E_INVALID;
    if ((t->vendor_class && strnlen(t->vendor_class, 256) > 255) ||
        (t->user_class && strnlen(t->user_class, 256) > 255) || t->noro > 64)
        return NB_E_INVALID;
    struct out o = { buf, size, 0, 0 };
    put_u8(&o, t->msg_type);
    put_u8(&o, (uint8_t)(t->xid >> 16));
    put_u8(&o, (uint8_t)(t->xid >> 8));
    put_u8(&o, (uint8_t)t->xid);
    put_opt(&o, DHCP6_OPT_CLIENTID, t->client_id, t->client_id_len);
    if (t->server_id)
        put_opt(&o, DHCP6_OPT_SERVERID, t->server_id, t->server_id_len);
    put_u16(&o, DHCP6_OPT_ELAPSED_TIME);
    put_u16(&o, 2);
    put_u16(&o, t->elapsed_cs);
    if (t->oro && t->noro) {
        put_u16(&o, DHCP6_OPT_ORO);
        put_u16(&o, (uint16_t)(2 * t->noro));
        for (unsigned i = 0; i < t->noro; i++)
            put_u16(&o, t->oro[i]);
    }
    if (t->with_ia) {
        put_u16(&o, DHCP6_OPT_IA_NA);
        put_u16(&o, (uint16_t)(12 + (t->ia_addr ? 28 : 0)));
        put_u32(&o, t->iaid);
        put_u32(&o, 0); /* T1, T2: the server's choice */
        put_u32(&o, 0);
        if (t->ia_addr) {
            put_u16(&o, DHCP6_OPT_IAADDR);
            put_u16(&o, 24);
            put_bytes(&o, t->ia_addr, 16);
            put_u32(&o, 0); /* lifetimes: the server's choice */
            put_u32(&o, 0);
        }
    }
    if (t->rapid_commit)
        put_opt(&o, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
    if (t->with_pxe) {
        put_u16(&o, DHCP6_OPT_CLIENT_ARCH);
        put_u16(&o, 2);
        put_u16(&o, t->arch);
        const uint8_t nii[3] = { 1, t->undi_major, t->undi_minor };
        put_opt(&o, DHCP6_OPT_NII, nii, sizeof nii);
        char pxe[40];
        nb_snprintf(pxe, sizeof pxe, "PXEClient:Arch:%05u:UNDI:%03u%03u", (unsigned)t->arch,
                    (unsigned)t->undi_major, (unsigned)t->undi_minor);
        put_u16(&o, DHCP6_OPT_VENDOR_CLASS);
        put_u16(&o, (uint16_t)(4 + 2 + strlen(pxe)));
        put_u32(&o, DHCP6_PXE_ENTERPRISE);
        put_class_item(&o, pxe);
    }
    if (t->vendor_class) {
        put_u16(&o, DHCP6_OPT_VENDOR_CLASS);
        put_u16(&o, (uint16_t)(4 + 2 + strlen(t->vendor_class)));
        put_u32(&o, DHCP6_NB_ENTERPRISE);
        put_class_item(&o, t->vendor_class);
    }
    if (t->user_class) {
        put_u16(&o, DHCP6_OPT_USER_CLASS);
        put_u16(&o, (uint16_t)(2 + strlen(t->user_class)));
        put_class_item(&o, t->user_class);
    }
    if (t->with_nb_vendor_opts) {
        put_u16(&o, DHCP6_OPT_VENDOR_OPTS);
        put_u16(&o, 4);
        put_u32(&o, DHCP6_NB_ENTERPRISE);
    }
    if (o.overflow)
        return NB_E_TOO_BIG;
    *len = o.len;
    return NB_OK;
}
