/*
 * chain-test.efi: stands in for nearboot's last step, without the network, to test a second stage
 * on its own. It reads \stage2.efi from its own FAT volume into memory and does what
 * firmware/platform/uefi/chainload.c does: LoadImage from the buffer (no device path), the load
 * options from \options.txt (ASCII), the hand-off record from \handoff.txt installed as the
 * configuration table NB_HANDOFF_GUID (in runtime-services data), StartImage. Lab use only.
 */
#include <efi.h>
#include "boot/handoff.h"

static EFI_SYSTEM_TABLE *st;

static void put(const char *s)
{
    CHAR16 buf[2];
    for (; *s; s++) {
        if (*s == '\n') {
            buf[0] = L'\r';
            buf[1] = 0;
            st->ConOut->OutputString(st->ConOut, buf);
        }
        buf[0] = (unsigned char)*s < 0x80 ? (unsigned char)*s : L'?';
        buf[1] = 0;
        st->ConOut->OutputString(st->ConOut, buf);
    }
}

static void put_u(UINT64 v)
{
    char b[24];
    int i = 23;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i);
    put(b + i);
}

/* The whole file NAME from ROOT into pool memory (TYPE), with a NUL after it. */
static EFI_STATUS slurp(EFI_FILE_HANDLE root, CHAR16 *name, EFI_MEMORY_TYPE type, UINT8 **out, UINTN *len)
{
    static EFI_GUID info_guid = EFI_FILE_INFO_ID;
    EFI_FILE_HANDLE f;
    EFI_STATUS s = root->Open(root, &f, name, EFI_FILE_MODE_READ, 0);
    if (s != EFI_SUCCESS)
        return s;
    UINT8 ibuf[SIZE_OF_EFI_FILE_INFO + 512];
    UINTN isz = sizeof ibuf;
    s = f->GetInfo(f, &info_guid, &isz, ibuf);
    if (s == EFI_SUCCESS) {
        UINTN n = (UINTN)((EFI_FILE_INFO *)ibuf)->FileSize;
        s = st->BootServices->AllocatePool(type, n + 1, (void **)out);
        if (s == EFI_SUCCESS) {
            *len = n;
            s = f->Read(f, len, *out);
            (*out)[*len] = 0;
        }
    }
    f->Close(f);
    return s;
}

static void fail(const char *what, EFI_STATUS s)
{
    put("chain-test: ");
    put(what);
    put(" failed, status ");
    put_u(s & 0xffff);
    put("\n");
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    static EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
    static EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
    static EFI_GUID handoff_guid = NB_HANDOFF_GUID_INIT;
    static CHAR16 wopts[1024];
    EFI_LOADED_IMAGE *li = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE_HANDLE root;
    UINT8 *img = NULL, *opts = NULL, *rec = NULL;
    UINTN img_len = 0, opts_len = 0, rec_len = 0;
    EFI_STATUS s;
    st = systab;

    if ((s = st->BootServices->HandleProtocol(image, &li_guid, (void **)&li)) != EFI_SUCCESS ||
        (s = st->BootServices->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs)) != EFI_SUCCESS ||
        (s = fs->OpenVolume(fs, &root)) != EFI_SUCCESS) {
        fail("opening its own volume", s);
        goto out;
    }
    if ((s = slurp(root, L"\\stage2.efi", EfiLoaderData, &img, &img_len)) != EFI_SUCCESS) {
        fail("reading \\stage2.efi", s);
        goto out;
    }
    if (slurp(root, L"\\options.txt", EfiLoaderData, &opts, &opts_len) != EFI_SUCCESS)
        opts = NULL;
    if (slurp(root, L"\\handoff.txt", EfiRuntimeServicesData, &rec, &rec_len) != EFI_SUCCESS)
        rec = NULL;

    put("chain-test: loading stage2.efi from memory, ");
    put_u(img_len);
    put(" bytes\n");
    EFI_HANDLE child = NULL;
    s = st->BootServices->LoadImage(FALSE, image, NULL, img, img_len, &child);
    if (s != EFI_SUCCESS) {
        fail("LoadImage", s);
        goto out;
    }
    EFI_LOADED_IMAGE *cli = NULL;
    if (opts && st->BootServices->HandleProtocol(child, &li_guid, (void **)&cli) == EFI_SUCCESS) {
        UINTN n = 0;
        for (; n < opts_len && n + 1 < sizeof wopts / sizeof wopts[0] && opts[n] && opts[n] != '\n' &&
               opts[n] != '\r'; n++)
            wopts[n] = opts[n];
        wopts[n] = 0;
        cli->LoadOptions = wopts;
        cli->LoadOptionsSize = (UINT32)((n + 1) * sizeof(CHAR16));
        put("chain-test: load options: ");
        opts[n] = 0;
        put((const char *)opts);
        put("\n");
    }
    if (rec) {
        st->BootServices->InstallConfigurationTable(&handoff_guid, rec);
        put("chain-test: hand-off record installed, ");
        put_u(rec_len);
        put(" bytes\n");
    }
    put("chain-test: StartImage\n");
    s = st->BootServices->StartImage(child, NULL, NULL);
    fail("stage2 returned: StartImage", s);
out:
    st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    return EFI_SUCCESS;
}
