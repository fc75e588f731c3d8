/*
 * The first stage's flow, independent of the platform. The platform entry
 * (platform/uefi/entry.c, platform/host/main.c) gathers what only it can
 * reach — the firmware's cached PXE packets, the NIC — into struct nb_env
 * and calls nb_stage1().
 */
#ifndef NB_STAGE1_H
#define NB_STAGE1_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

struct nb_blob {
    const uint8_t *data;
    size_t len;
};

/* The platform's cached PXE packets (EFI_PXE_BASE_CODE_MODE), copied out
 * before the NIC is taken over. Empty blobs where the firmware had none. */
struct nb_pxe_cache {
    int found;          /* a PXE base code protocol was there at all */
    int using_ipv6;     /* the firmware booted us over IPv6 */
    struct nb_blob dhcp_ack, proxy_offer, pxe_reply;
};

struct nb_nic {
    nb_err status;      /* NB_OK if the NIC is ours */
    uint8_t mac[6];
    unsigned mtu;       /* largest frame payload the NIC takes */
    int link;           /* 1 up, 0 down, -1 not reported */
    const char *access; /* "exclusive", or how we got it otherwise */
};

struct netdev;

struct nb_env {
    const char *platform;   /* "uefi", "host" */
    uint16_t arch;          /* DHCP client architecture (RFC 4578): 0x0007 x86-64 UEFI */
    struct nb_pxe_cache pxe;
    struct nb_nic nic;
    struct netdev *netdev;  /* the NIC as the stack's device (NULL: none) */
    const uint8_t *config_blob; /* the embedded configuration record (NULL: none) */
    size_t config_len;
    int have_uuid;
    uint8_t uuid[16];       /* SMBIOS system UUID, RFC 4122 byte order */
    /* Lab and debugging hooks (QEMU fw_cfg on UEFI). */
    uint32_t hold_ms;       /* keep the stack running this long after ready */
    uint32_t max_attempts;  /* boot attempts before giving up (0: never give up) */
    char probe_url[2048];   /* fetch these (space-separated URLs; tftp:// ones may end in
                             * #blksize=N,windowsize=N) and print their sha256 */
};

nb_err nb_stage1(const struct nb_env *env);

#endif
