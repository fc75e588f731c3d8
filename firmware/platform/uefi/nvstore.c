/*
 * NV store on EFI variables, under nearboot's own vendor GUID. Variables are
 * non-volatile and boot-services-only: the OS cannot rewrite the anti-rollback
 * floor or the lease cache after ExitBootServices.
 */
#include "platform/uefi/uefi.h"
#include "platform/platform.h"

/* nearboot vendor GUID: 4e42b007-6e62-4f6f-8a1d-3c5f27910b07 */
static EFI_GUID nb_vendor_guid = { 0x4e42b007, 0x6e62, 0x4f6f,
                                   { 0x8a, 0x1d, 0x3c, 0x5f, 0x27, 0x91, 0x0b, 0x07 } };

#define NB_NV_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS)

nb_err plat_nv_get(const char *name, void *buf, size_t *len)
{
    CHAR16 wname[64];
    if (!uefi_ascii_to_char16(wname, 64, name))
        return NB_E_INVALID;
    UINTN size = *len;
    UINT32 attrs = 0;
    EFI_STATUS s = uefi_rt->GetVariable(wname, &nb_vendor_guid, &attrs, &size, buf);
    *len = size;
    if (s == EFI_SUCCESS && attrs != NB_NV_ATTRS)
        return NB_E_NV; /* not ours, or created by someone else: do not trust */
    return uefi_err(s);
}

nb_err plat_nv_set(const char *name, const void *buf, size_t len)
{
    CHAR16 wname[64];
    if (!uefi_ascii_to_char16(wname, 64, name))
        return NB_E_INVALID;
    EFI_STATUS s = uefi_rt->SetVariable(wname, &nb_vendor_guid, NB_NV_ATTRS, len, (void *)buf);
    return s == EFI_SUCCESS ? NB_OK : NB_E_NV;
}
