/* Small UEFI helpers shared by the platform files. */
#include "platform/uefi/uefi.h"

int uefi_ascii_to_char16(CHAR16 *dst, size_t dst_len, const char *src)
{
    size_t i = 0;
    for (; src[i]; i++) {
        if (i + 1 >= dst_len)
            return 0;
        dst[i] = (unsigned char)src[i];
    }
    dst[i] = 0;
    return 1;
}

nb_err uefi_err(EFI_STATUS s)
{
    switch (s) {
    case EFI_SUCCESS: return NB_OK;
    case EFI_NOT_FOUND: return NB_E_NOT_FOUND;
    case EFI_BUFFER_TOO_SMALL: return NB_E_TOO_BIG;
    case EFI_OUT_OF_RESOURCES: return NB_E_NO_MEMORY;
    case EFI_UNSUPPORTED: return NB_E_UNSUPPORTED;
    case EFI_INVALID_PARAMETER: return NB_E_INVALID;
    case EFI_TIMEOUT: return NB_E_TIMEOUT;
    case EFI_ACCESS_DENIED: return NB_E_NIC_BUSY;
    default: return NB_E_IO;
    }
}
