/*
 * Chain-load the verified second stage from memory: LoadImage on the very
 * buffer that was verified (the firmware applies Secure Boot's db/dbx on top
 * of nearboot's own signature check), set its load options, offer its
 * initrd (initrd.c: LoadFile2, as Linux's EFI stub asks for it), publish the
 * hand-off record as a configuration table, give the NIC back to the
 * firmware, StartImage.
 */
#include "platform/uefi/uefi.h"
#include "platform/platform.h"
#include "boot/handoff.h"
#include "core/log.h"
#include <string.h>

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID handoff_guid = NB_HANDOFF_GUID_INIT;

/* The record outlives boot services (a Linux stage2 may read it): runtime
 * data memory is kept by the OS. */
static void publish_handoff(const uint8_t *rec, size_t len)
{
    void *copy = NULL;
    if (uefi_bs->AllocatePool(EfiRuntimeServicesData, len + 1, &copy) != EFI_SUCCESS)
        return;
    memcpy(copy, rec, len);
    ((uint8_t *)copy)[len] = 0;
    uefi_bs->InstallConfigurationTable(&handoff_guid, copy);
}

nb_err plat_chainload(const uint8_t *image, size_t len, const uint8_t *initrd, size_t initrd_len,
                      const char *options, const uint8_t *handoff, size_t handoff_len)
{
    EFI_HANDLE child = NULL;
    EFI_STATUS s = uefi_bs->LoadImage(FALSE, uefi_image, NULL, (void *)image, len, &child);
    if (s == EFI_SECURITY_VIOLATION || s == EFI_ACCESS_DENIED) {
        if (child) /* SECURITY_VIOLATION still hands back a handle to unload */
            uefi_bs->UnloadImage(child);
        return NB_E_SECUREBOOT_REFUSED;
    }
    if (s != EFI_SUCCESS)
        return NB_E_LOAD_IMAGE;

    EFI_LOADED_IMAGE *li = NULL;
    static CHAR16 wopts[1024];
    if (options && options[0] && uefi_bs->HandleProtocol(child, &loaded_image_guid, (void **)&li) == EFI_SUCCESS &&
        uefi_ascii_to_char16(wopts, sizeof wopts / sizeof wopts[0], options)) {
        li->LoadOptions = wopts;
        li->LoadOptionsSize = (UINT32)((strlen(options) + 1) * sizeof(CHAR16));
    }
    if (initrd && uefi_initrd_install(initrd, initrd_len) != NB_OK) {
        uefi_bs->UnloadImage(child);
        return NB_E_INITRD_PROTOCOL;
    }
    publish_handoff(handoff, handoff_len);
    uefi_snp_close(); /* the next stage may want the network */
    UINTN exit_size = 0;
    CHAR16 *exit_data = NULL;
    s = uefi_bs->StartImage(child, &exit_size, &exit_data);
    uefi_initrd_uninstall(); /* the stage returned: nobody may read the buffer any more */
    return s == EFI_SUCCESS ? NB_OK : NB_E_STAGE2_RETURNED;
}
