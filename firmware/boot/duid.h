/*
 * The client's DHCPv6 identity (RFC 8415 §11, RFC 6355): a DUID that is the
 * same on every boot of the same machine, and an IAID per NIC that is the
 * same on every boot of the same NIC.
 *
 *   DUID-UUID (type 4) when the platform knows the machine's SMBIOS UUID,
 *   DUID-LL (type 3, hardware type 1) from the boot NIC's MAC otherwise.
 *   IAID = the last four bytes of the MAC (52:54:00:b0:07:01 -> 0x00b00701).
 *
 * Both are derived, never random and never stored: a server keeps handing
 * the same lease to the same machine (EDK2 picks a random IAID per boot,
 * which exhausts pools), a cleared NV store changes nothing, and operators
 * can predict the values from the MAC or the UUID. One override exists: a
 * DUID pinned in the NV store under DUID_NV_NAME (raw bytes, 3..130 long,
 * a known DUID type) wins, for sites whose reservations key on an older
 * DUID (e.g. the DUID-LLT the firmware's own PXE used).
 */
#ifndef NB_DUID_H
#define NB_DUID_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define DUID_MAX 130u
#define DUID_NV_NAME "Dhcp6Duid"

enum { DUID_TYPE_LLT = 1, DUID_TYPE_EN = 2, DUID_TYPE_LL = 3, DUID_TYPE_UUID = 4 };

/* What the platform knows about the machine, in a platform-independent
 * form (filled by platform/uefi from SMBIOS type 1 and the SNP MAC; by
 * nb-probe from its options). */
struct nb_sysid {
    uint8_t mac[6];    /* the boot NIC */
    int has_uuid;      /* uuid is set and meaningful */
    uint8_t uuid[16];  /* RFC 4122 byte order (see duid_uuid_from_smbios) */
};

struct duid {
    uint8_t b[DUID_MAX];
    size_t len;
};

/* DUID-UUID if id->has_uuid, else DUID-LL from id->mac. */
void duid_make(const struct nb_sysid *id, struct duid *out);
/* duid_make, unless a valid DUID is pinned in the NV store (*pinned = 1). */
void duid_get(const struct nb_sysid *id, struct duid *out, int *pinned);
/* Stable IAID for a NIC. */
uint32_t duid_iaid(const uint8_t mac[6]);
/* A well-formed DUID of a known type (sizes per RFC 8415 §11 / RFC 6355). */
int duid_valid(const uint8_t *d, size_t len);
/* SMBIOS type 1 UUID field (16 raw bytes) to RFC 4122 order: SMBIOS 2.6 and
 * later store the first three fields little-endian. Returns 0 (and leaves
 * out alone) for the values SMBIOS uses for "none": all zeros (not set) and
 * all 0xff (not present). */
int duid_uuid_from_smbios(const uint8_t raw[16], unsigned smbios_major, unsigned smbios_minor,
                          uint8_t out[16]);
/* Hex text of a DUID for console lines ("0003000152540012..."), cut with
 * ".." if it does not fit in size. */
void duid_text(char *out, size_t size, const uint8_t *d, size_t len);

#endif
