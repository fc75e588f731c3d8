/* The lease cache (boot/lease_cache.h). */
#include "boot/lease_cache.h"
#include "core/tlv.h"
#include "platform/platform.h"
#include <string.h>

#define NV_NAME "LeaseCache"
static const char magic[4] = { 'N', 'B', 'L', 'C' };
#define VERSION 1

enum {
    T4_ADDR = 1, T4_MASK, T4_ROUTER, T4_SERVER, T4_DNS, T4_LEASE, T4_OBTAINED, T4_BOOTFILE,
    T4_SITE, T4_NEXT_SERVER, T4_TFTP_SERVER,
    T6_ADDR = 32, T6_SERVER_ADDR, T6_SERVER_ID, T6_DNS, T6_VALID, T6_OBTAINED, T6_BOOT_URL, T6_SITE,
};

size_t lease_cache_encode(const struct nb_lease_cache *c, uint8_t *buf, size_t cap)
{
    struct tlv_writer w;
    tlv_begin(&w, buf, cap);
    if (c->have4) {
        const struct dhcp4_lease *l = &c->v4;
        tlv_put(&w, T4_ADDR, l->addr, 4);
        tlv_put(&w, T4_MASK, l->mask, 4);
        tlv_put(&w, T4_ROUTER, l->router, 4);
        tlv_put(&w, T4_SERVER, l->server_id, 4);
        tlv_put(&w, T4_NEXT_SERVER, l->next_server, 4);
        for (unsigned i = 0; i < l->ndns && i < 3; i++)
            tlv_put(&w, T4_DNS, l->dns[i], 4);
        tlv_put_u32(&w, T4_LEASE, l->lease_s);
        tlv_put_u64(&w, T4_OBTAINED, (uint64_t)c->v4_obtained);
        tlv_put_str(&w, T4_BOOTFILE, l->bootfile);
        tlv_put_str(&w, T4_TFTP_SERVER, l->tftp_server);
        for (unsigned i = 0; i < l->nsites && i < DHCP4_MAX_SITES; i++)
            tlv_put_str(&w, T4_SITE, l->sites[i]);
    }
    if (c->have6) {
        const struct nb_lease6_cached *l = &c->v6;
        tlv_put(&w, T6_ADDR, l->addr, 16);
        tlv_put(&w, T6_SERVER_ADDR, l->server_addr, 16);
        tlv_put(&w, T6_SERVER_ID, l->server_id, l->server_id_len);
        for (unsigned i = 0; i < l->ndns && i < 3; i++)
            tlv_put(&w, T6_DNS, l->dns[i], 16);
        tlv_put_u32(&w, T6_VALID, l->valid_s);
        tlv_put_u64(&w, T6_OBTAINED, (uint64_t)c->v6_obtained);
        tlv_put_str(&w, T6_BOOT_URL, l->boot_url);
        for (unsigned i = 0; i < l->nsites && i < LEASE6_SITES; i++)
            tlv_put_str(&w, T6_SITE, l->sites[i]);
    }
    return tlv_seal(&w, magic, VERSION);
}

static int take_addr(const uint8_t *v, size_t len, uint8_t *out, size_t want)
{
    if (len != want)
        return 0;
    memcpy(out, v, want);
    return 1;
}

/* One field into the cache; 0 if its value is malformed. */
static int take_field(struct nb_lease_cache *c, uint8_t tag, const uint8_t *v, size_t len)
{
    struct dhcp4_lease *l4 = &c->v4;
    struct nb_lease6_cached *l6 = &c->v6;
    uint64_t u64;
    if (tag < T6_ADDR)
        c->have4 = 1;
    else
        c->have6 = 1;
    switch (tag) {
    case T4_ADDR: return take_addr(v, len, l4->addr, 4);
    case T4_MASK: return take_addr(v, len, l4->mask, 4);
    case T4_ROUTER: return take_addr(v, len, l4->router, 4);
    case T4_SERVER: return take_addr(v, len, l4->server_id, 4);
    case T4_NEXT_SERVER: return take_addr(v, len, l4->next_server, 4);
    case T4_DNS: return l4->ndns < 3 ? take_addr(v, len, l4->dns[l4->ndns++], 4) : 1;
    case T4_LEASE: return tlv_u32(v, len, &l4->lease_s);
    case T4_OBTAINED:
        if (!tlv_u64(v, len, &u64))
            return 0;
        c->v4_obtained = (int64_t)u64;
        return 1;
    case T4_BOOTFILE: return tlv_str(v, len, l4->bootfile, sizeof l4->bootfile);
    case T4_TFTP_SERVER: return tlv_str(v, len, l4->tftp_server, sizeof l4->tftp_server);
    case T4_SITE:
        if (l4->nsites >= DHCP4_MAX_SITES)
            return 1;
        return tlv_str(v, len, l4->sites[l4->nsites++], DHCP4_SITE_URL_MAX);
    case T6_ADDR: return take_addr(v, len, l6->addr, 16);
    case T6_SERVER_ADDR: return take_addr(v, len, l6->server_addr, 16);
    case T6_SERVER_ID:
        if (len > sizeof l6->server_id)
            return 0;
        memcpy(l6->server_id, v, len);
        l6->server_id_len = len;
        return 1;
    case T6_DNS: return l6->ndns < 3 ? take_addr(v, len, l6->dns[l6->ndns++], 16) : 1;
    case T6_VALID: return tlv_u32(v, len, &l6->valid_s);
    case T6_OBTAINED:
        if (!tlv_u64(v, len, &u64))
            return 0;
        c->v6_obtained = (int64_t)u64;
        return 1;
    case T6_BOOT_URL: return tlv_str(v, len, l6->boot_url, sizeof l6->boot_url);
    case T6_SITE:
        if (l6->nsites >= LEASE6_SITES)
            return 1;
        return tlv_str(v, len, l6->sites[l6->nsites++], LEASE6_URL_MAX);
    default:
        return 1; /* a newer writer's field: skip */
    }
}

nb_err lease_cache_decode(const uint8_t *buf, size_t len, struct nb_lease_cache *out)
{
    struct tlv_reader r;
    uint8_t version, tag;
    const uint8_t *v;
    size_t vlen;
    memset(out, 0, sizeof *out);
    nb_err e = tlv_open(&r, buf, len, magic, &version);
    if (e != NB_OK)
        return e;
    if (version != VERSION)
        return NB_E_MALFORMED;
    int more;
    while ((more = tlv_next(&r, &tag, &v, &vlen)) > 0) {
        if (!take_field(out, tag, v, vlen)) {
            memset(out, 0, sizeof *out);
            return NB_E_MALFORMED;
        }
    }
    if (more < 0) {
        memset(out, 0, sizeof *out);
        return NB_E_MALFORMED;
    }
    return NB_OK;
}

nb_err lease_cache_load(struct nb_lease_cache *c)
{
    static uint8_t buf[LEASE_CACHE_MAX];
    size_t len = sizeof buf;
    nb_err e = plat_nv_get(NV_NAME, buf, &len);
    if (e != NB_OK) {
        memset(c, 0, sizeof *c);
        return e == NB_E_TOO_BIG ? NB_E_MALFORMED : e;
    }
    return lease_cache_decode(buf, len, c);
}

nb_err lease_cache_store(const struct nb_lease_cache *c)
{
    static uint8_t buf[LEASE_CACHE_MAX];
    size_t len = lease_cache_encode(c, buf, sizeof buf);
    if (!len)
        return NB_E_TOO_BIG;
    return plat_nv_set(NV_NAME, buf, len);
}

static uint32_t left(int64_t obtained, uint32_t lifetime, int64_t now)
{
    if (!obtained || now <= 0 || now < obtained)
        return 0;
    if (lifetime == 0xffffffffu)
        return lifetime;
    int64_t end = obtained + (int64_t)lifetime;
    return now < end ? (uint32_t)(end - now) : 0;
}

uint32_t lease_cache_v4_left(const struct nb_lease_cache *c, int64_t now)
{
    return c->have4 ? left(c->v4_obtained, c->v4.lease_s, now) : 0;
}

uint32_t lease_cache_v6_left(const struct nb_lease_cache *c, int64_t now)
{
    return c->have6 ? left(c->v6_obtained, c->v6.valid_s, now) : 0;
}
