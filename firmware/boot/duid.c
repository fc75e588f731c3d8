/*
 * DHCPv6 DUID and IAID (RFC 8415 §11, RFC 6355): derived from what the
 * platform reports about the machine, the same on every boot (boot/duid.h).
 */
#include "boot/duid.h"
#include "platform/platform.h"
#include <string.h>

void duid_make(const struct nb_sysid *id, struct duid *out)
{
    memset(out, 0, sizeof *out);
    if (id->has_uuid) {
        out->b[1] = DUID_TYPE_UUID;
        memcpy(out->b + 2, id->uuid, 16);
        out->len = 18;
        return;
    }
    out->b[1] = DUID_TYPE_LL;
    out->b[3] = 1; /* hardware type: Ethernet */
    memcpy(out->b + 4, id->mac, 6);
    out->len = 10;
}

void duid_get(const struct nb_sysid *id, struct duid *out, int *pinned)
{
    *pinned = 0;
    size_t len = sizeof out->b;
    if (plat_nv_get(DUID_NV_NAME, out->b, &len) == NB_OK && duid_valid(out->b, len)) {
        out->len = len;
        *pinned = 1;
        return;
    }
    duid_make(id, out);
}

uint32_t duid_iaid(const uint8_t mac[6])
{
    return (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 | (uint32_t)mac[4] << 8 | mac[5];
}

int duid_valid(const uint8_t *d, size_t len)
{
    if (len < 3 || len > DUID_MAX)
        return 0;
    switch ((unsigned)d[0] << 8 | d[1]) {
    case DUID_TYPE_LLT: /* type, hardware type, time, address */
        return len > 8;
    case DUID_TYPE_EN: /* type, enterprise number, identifier */
        return len > 6;
    case DUID_TYPE_LL: /* type, hardware type, address */
        return len > 4;
    case DUID_TYPE_UUID:
        return len == 18;
    default:
        return 0;
    }
}

int duid_uuid_from_smbios(const uint8_t raw[16], unsigned smbios_major, unsigned smbios_minor,
                          uint8_t out[16])
{
    int zeros = 1, ones = 1;
    for (int i = 0; i < 16; i++) {
        zeros &= raw[i] == 0x00;
        ones &= raw[i] == 0xff;
    }
    if (zeros || ones)
        return 0;
    memcpy(out, raw, 16);
    if (smbios_major > 2 || (smbios_major == 2 && smbios_minor >= 6)) {
        /* time_low (4), time_mid (2), time_hi_and_version (2): little-endian */
        out[0] = raw[3], out[1] = raw[2], out[2] = raw[1], out[3] = raw[0];
        out[4] = raw[5], out[5] = raw[4];
        out[6] = raw[7], out[7] = raw[6];
    }
    return 1;
}

void duid_text(char *out, size_t size, const uint8_t *d, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!size)
        return;
    size_t show = len, n = 0;
    int cut = len > (size - 1) / 2;
    if (cut)
        show = size >= 3 ? (size - 3) / 2 : 0; /* room for ".." and the NUL */
    for (size_t i = 0; i < show; i++) {
        out[n++] = hex[d[i] >> 4];
        out[n++] = hex[d[i] & 15];
    }
    if (cut && n + 3 <= size) {
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n] = 0;
}
