/*
 * The SMBIOS system UUID (type 1), for DHCPv4 option 97 and DHCPv6
 * DUID-UUID. Found through the SMBIOS 3.x entry point (64-bit table
 * address) or the 2.x one; the structure walk is bounded by the table length
 * the entry point gives, and every structure's formatted length and string
 * set is checked before it is read or skipped.
 */
#include "platform/uefi/uefi.h"
#include "boot/duid.h"
#include <string.h>

static EFI_GUID smbios3_guid = SMBIOS3_TABLE_GUID;
static EFI_GUID smbios_guid = SMBIOS_TABLE_GUID;

static void *config_table(const EFI_GUID *g)
{
    for (UINTN i = 0; i < uefi_st->NumberOfTableEntries; i++)
        if (memcmp(&uefi_st->ConfigurationTable[i].VendorGuid, g, sizeof *g) == 0)
            return uefi_st->ConfigurationTable[i].VendorTable;
    return NULL;
}

/* Walk [p, p+len) to the type 1 structure's UUID. */
static int find_uuid(const uint8_t *p, size_t len, uint8_t raw[16])
{
    size_t off = 0;
    for (unsigned guard = 0; guard < 4096 && off + 4 <= len; guard++) {
        uint8_t type = p[off], flen = p[off + 1];
        if (flen < 4 || flen > len - off)
            return 0;
        if (type == 1 && flen >= 0x18) {
            memcpy(raw, p + off + 8, 16);
            return 1;
        }
        if (type == 127)
            return 0; /* end of table */
        /* Skip the string set: it ends with two NULs. */
        size_t s = off + flen;
        while (s + 1 < len && !(p[s] == 0 && p[s + 1] == 0))
            s++;
        if (s + 1 >= len)
            return 0;
        off = s + 2;
    }
    return 0;
}

int uefi_smbios_uuid(uint8_t out[16])
{
    uint8_t raw[16];
    const uint8_t *ep = config_table(&smbios3_guid);
    if (ep && memcmp(ep, "_SM3_", 5) == 0) {
        unsigned major = ep[7], minor = ep[8];
        uint32_t max = (uint32_t)ep[12] | (uint32_t)ep[13] << 8 | (uint32_t)ep[14] << 16 | (uint32_t)ep[15] << 24;
        uint64_t addr = 0;
        for (int i = 7; i >= 0; i--)
            addr = addr << 8 | ep[16 + i];
        if (addr && max && find_uuid((const uint8_t *)(uintptr_t)addr, max, raw))
            return duid_uuid_from_smbios(raw, major, minor, out);
    }
    ep = config_table(&smbios_guid);
    if (ep && memcmp(ep, "_SM_", 4) == 0) {
        unsigned major = ep[6], minor = ep[7];
        uint16_t tlen = (uint16_t)(ep[0x16] | ep[0x17] << 8);
        uint32_t addr = (uint32_t)ep[0x18] | (uint32_t)ep[0x19] << 8 | (uint32_t)ep[0x1a] << 16 |
                        (uint32_t)ep[0x1b] << 24;
        if (addr && tlen && find_uuid((const uint8_t *)(uintptr_t)addr, tlen, raw))
            return duid_uuid_from_smbios(raw, major, minor, out);
    }
    return 0;
}
