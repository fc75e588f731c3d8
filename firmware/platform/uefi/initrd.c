/*
 * The entry's initrd through EFI_LOAD_FILE2_PROTOCOL: the way Linux's EFI
 * stub (5.8+) asks for one. The stub locates a handle whose device path is
 * exactly one vendor media node with LINUX_EFI_INITRD_MEDIA_GUID and the end
 * node, then calls LoadFile2 twice: without a buffer for the size, then with
 * a buffer of that size. We serve the verified in-memory bytes (boot/initrd.h
 * decides which, nb_initrd_read copies); nothing is read again.
 */
#include "platform/uefi/uefi.h"
#include "boot/initrd.h"
#include "core/log.h"

/* {5568e427-68fc-4f3d-ac74-ca555231cc68} */
#define LINUX_EFI_INITRD_MEDIA_GUID \
    { 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } }
/* {4006c0c1-fcb3-403e-996d-4a6c8724e06d}: not in gnu-efi's headers */
#define EFI_LOAD_FILE2_PROTOCOL_GUID \
    { 0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } }

/* LoadFile2 has LoadFile's shape (UEFI 2.x 13.2). */
typedef EFI_LOAD_FILE_PROTOCOL EFI_LOAD_FILE2_PROTOCOL;

struct initrd_dp {
    VENDOR_DEVICE_PATH vendor;
    EFI_DEVICE_PATH end;
} __attribute__((packed));

static EFI_GUID lf2_guid = EFI_LOAD_FILE2_PROTOCOL_GUID;
static EFI_GUID dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;

static const struct initrd_dp initrd_path = {
    { { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP, { sizeof(VENDOR_DEVICE_PATH), 0 } }, LINUX_EFI_INITRD_MEDIA_GUID },
    { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, { sizeof(EFI_DEVICE_PATH), 0 } },
};

static struct nb_initrd served;
static EFI_HANDLE initrd_handle;

static int is_end_node(const EFI_DEVICE_PATH *p)
{
    return p->Type == END_DEVICE_PATH_TYPE && p->SubType == END_ENTIRE_DEVICE_PATH_SUBTYPE &&
           p->Length[0] == sizeof(EFI_DEVICE_PATH) && p->Length[1] == 0;
}

/* FilePath is what is left of the path after the handle's own: the end node.
 * Status codes as the UEFI specification gives them for LoadFile2 (and as
 * EDK2's own initrd loaders answer). */
static EFI_STATUS EFIAPI initrd_load_file(EFI_LOAD_FILE2_PROTOCOL *this, EFI_DEVICE_PATH *file_path,
                                          BOOLEAN boot_policy, UINTN *buffer_size, VOID *buffer)
{
    if (!this || !buffer_size || !file_path)
        return EFI_INVALID_PARAMETER;
    if (boot_policy)
        return EFI_UNSUPPORTED; /* LoadFile2 never loads boot options */
    if (!is_end_node(file_path))
        return EFI_NOT_FOUND;   /* a file below this device: there is none */
    uint64_t size = *buffer_size;
    nb_err e = nb_initrd_read(&served, buffer, &size);
    *buffer_size = (UINTN)size;
    if (e == NB_E_TOO_BIG)
        return EFI_BUFFER_TOO_SMALL;
    if (e != NB_OK)
        return EFI_NOT_FOUND;
    nb_say("initrd: LoadFile2 copied %llu bytes to the second stage", (unsigned long long)served.len);
    return EFI_SUCCESS;
}

static EFI_LOAD_FILE2_PROTOCOL initrd_lf2 = { initrd_load_file };

/* Install on a new handle. EFI_ALREADY_STARTED: another initrd provider
 * holds that device path (the firmware, or a loader before us): refuse
 * rather than let the stage pick one of two. */
nb_err uefi_initrd_install(const uint8_t *p, size_t len)
{
    served.p = p;
    served.len = len;
    initrd_handle = NULL;
    EFI_STATUS s = uefi_bs->InstallMultipleProtocolInterfaces(&initrd_handle, &dp_guid, (void *)&initrd_path,
                                                               &lf2_guid, &initrd_lf2, NULL);
    if (s != EFI_SUCCESS) {
        nb_warn("initrd: could not install the LoadFile2 initrd device path (status 0x%llx%s)",
                (unsigned long long)s, s == EFI_ALREADY_STARTED ? ": another initrd provider holds it" : "");
        initrd_handle = NULL;
        served.p = NULL;
        return NB_E_INITRD_PROTOCOL;
    }
    return NB_OK;
}

void uefi_initrd_uninstall(void)
{
    if (!initrd_handle)
        return;
    uefi_bs->UninstallMultipleProtocolInterfaces(initrd_handle, &dp_guid, (void *)&initrd_path, &lf2_guid,
                                                 &initrd_lf2, NULL);
    initrd_handle = NULL;
    served.p = NULL;
}
