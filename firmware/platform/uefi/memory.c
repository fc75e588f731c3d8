/*
 * Memory on UEFI: one arena of pages from the firmware, handed to mbedTLS's
 * buffer allocator, so TLS and X.509 allocate from a bounded pool that nearboot
 * owns, and nothing else in the image allocates behind its back.
 */
#include "platform/uefi/uefi.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include <stdlib.h>

nb_err uefi_memory_init(size_t bytes)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    UINTN pages = (bytes + 4095) / 4096;
    EFI_STATUS s = uefi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
    if (s != EFI_SUCCESS)
        return NB_E_NO_MEMORY;
    mbedtls_memory_buffer_alloc_init((unsigned char *)(uintptr_t)addr, pages * 4096);
    return NB_OK;
}

void *plat_alloc(size_t bytes)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    UINTN pages = (bytes + 4095) / 4096;
    if (!bytes || uefi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr) != EFI_SUCCESS)
        return NULL;
    uint8_t *p = (uint8_t *)(uintptr_t)addr;
    for (size_t i = 0; i < pages * 4096; i++)
        p[i] = 0;
    return p;
}

void plat_free(void *p, size_t bytes)
{
    if (p)
        uefi_bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)p, (bytes + 4095) / 4096);
}

void plat_halt(void)
{
    for (;;)
        uefi_bs->Stall(1000000);
}
