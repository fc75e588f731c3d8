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
static EFI_GUID global_var_guid = EFI_GLOBAL_VARIABLE;

/* ---- explaining a Secure Boot refusal ------------------------------------------------- */

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }

/* What the image itself says about its Authenticode signature (the PE certificate table, data
 * directory 4), so the console can tell "never signed" from "signed by a key this machine does not
 * trust". A bounded walk over bytes that nearboot has verified but not parsed. */
static const char *image_signature_state(const uint8_t *p, size_t len)
{
    if (len < 0x40 || p[0] != 'M' || p[1] != 'Z')
        return "is not a PE image";
    uint32_t pe = rd32(p + 0x3c);
    if (pe > len - 24 || memcmp(p + pe, "PE\0\0", 4) != 0)
        return "is not a PE image";
    size_t opt = (size_t)pe + 24, optsize = rd16(p + pe + 20);
    if (optsize < 2 || optsize > len - opt)
        return "is not a PE image";
    int pe32plus = rd16(p + opt) == 0x20b;
    size_t ndirs_at = opt + (pe32plus ? 108u : 92u), dirs = opt + (pe32plus ? 112u : 96u);
    if (dirs + 5 * 8 > opt + optsize || rd32(p + ndirs_at) < 5)
        return "has no Authenticode signature (no certificate table)";
    uint32_t off = rd32(p + dirs + 4 * 8), size = rd32(p + dirs + 4 * 8 + 4);
    if (off == 0 || size == 0)
        return "has no Authenticode signature (no certificate table)";
    if (off > len || size > len - off)
        return "has a certificate table that runs past the end of the image";
    return "is Authenticode-signed, but not by a certificate in db (or its hash or signer is in dbx)";
}

/* SecureBoot / SetupMode (UEFI 2.x global variables): -1 when the firmware does not say */
static int global_flag(CHAR16 *name)
{
    UINT8 v = 0;
    UINTN size = sizeof v;
    UINT32 attr;
    if (uefi_rt->GetVariable(name, &global_var_guid, &attr, &size, &v) != EFI_SUCCESS || size != 1)
        return -1;
    return v;
}

static void explain_refusal(EFI_STATUS s, const uint8_t *image, size_t len)
{
    int sb = global_flag(L"SecureBoot"), setup = global_flag(L"SetupMode");
    nb_warn("secure boot: LoadImage returned %s with SecureBoot=%d SetupMode=%d; the image (%zu bytes) %s. "
            "Check with sbverify --list; sign it with sbsign and a key whose certificate is in this "
            "machine's db (docs/keys.md)",
            s == EFI_SECURITY_VIOLATION ? "EFI_SECURITY_VIOLATION" : "EFI_ACCESS_DENIED", sb, setup, len,
            image_signature_state(image, len));
}

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

/* The image plat_load_image loaded and plat_chainload starts (one at a time). */
static EFI_HANDLE loaded;
static const uint8_t *loaded_from;

nb_err plat_load_image(const uint8_t *image, size_t len)
{
    if (loaded) { /* a candidate loaded earlier was never started */
        uefi_bs->UnloadImage(loaded);
        loaded = NULL;
        loaded_from = NULL;
    }
    EFI_HANDLE child = NULL;
    EFI_STATUS s = uefi_bs->LoadImage(FALSE, uefi_image, NULL, (void *)image, len, &child);
    if (s == EFI_SECURITY_VIOLATION || s == EFI_ACCESS_DENIED) {
        explain_refusal(s, image, len);
        if (child) /* SECURITY_VIOLATION still hands back a handle to unload */
            uefi_bs->UnloadImage(child);
        return NB_E_SECUREBOOT_REFUSED;
    }
    if (s != EFI_SUCCESS)
        return NB_E_LOAD_IMAGE;
    loaded = child;
    loaded_from = image;
    return NB_OK;
}

nb_err plat_chainload(const uint8_t *image, size_t len, const uint8_t *initrd, size_t initrd_len,
                      const char *options, const uint8_t *handoff, size_t handoff_len)
{
    (void)len;
    if (!loaded || loaded_from != image)
        return NB_E_INVALID; /* plat_load_image comes first, on this buffer (platform.h) */
    EFI_HANDLE child = loaded;
    loaded = NULL;
    loaded_from = NULL;

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
    EFI_STATUS s = uefi_bs->StartImage(child, &exit_size, &exit_data);
    uefi_initrd_uninstall(); /* the stage returned: nobody may read the buffer any more */
    if (s == EFI_SUCCESS)
        return NB_OK;
    /* A stage that fails and returns (Linux's EFI stub does, e.g. when it
     * cannot load its initrd) leaves the boot to us: the next site gets its
     * turn, on the NIC taken back exclusively. */
    nb_err again = uefi_snp_retake();
    nb_warn("chainload: the second stage returned EFI status 0x%llx%s%s", (unsigned long long)s,
            again == NB_OK ? "" : "; the NIC could not be taken back: ", again == NB_OK ? "" : nb_strerror(again));
    if (exit_data)
        uefi_bs->FreePool(exit_data);
    return NB_E_STAGE2_RETURNED;
}
