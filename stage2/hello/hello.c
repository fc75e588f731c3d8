/*
 * stage2 "hello": the smallest possible second stage, the lab's proof that
 * the chain completed. It prints its load options and the hand-off record
 * nearboot published (configuration table NB_HANDOFF_GUID), then the marker
 * line "stage2-hello: ok", and powers the machine off. With
 * "stage2-hello:return" in its load options it returns EFI_LOAD_ERROR
 * instead (the lab's second stage that fails and gives the boot back).
 */
#include <efi.h>
#include "boot/handoff.h"

static EFI_SYSTEM_TABLE *st;

static void put(const char *s)
{
    CHAR16 buf[256];
    unsigned n = 0;
    for (; *s; s++) {
        if (*s == '\n')
            buf[n++] = L'\r';
        buf[n++] = (unsigned char)*s < 0x80 ? (unsigned char)*s : L'?';
        if (n >= 250) {
            buf[n] = 0;
            st->ConOut->OutputString(st->ConOut, buf);
            n = 0;
        }
    }
    buf[n] = 0;
    st->ConOut->OutputString(st->ConOut, buf);
}

static void put_w(const CHAR16 *w, UINTN bytes)
{
    char line[512];
    UINTN n = 0;
    for (UINTN i = 0; i < bytes / sizeof(CHAR16) && w[i] && n + 1 < sizeof line; i++)
        line[n++] = w[i] < 0x80 && w[i] >= 0x20 ? (char)w[i] : '?';
    line[n] = 0;
    put(line);
}

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (unsigned i = 0; i < sizeof(EFI_GUID); i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

/* Does the UCS-2 string w (bytes long) contain the ASCII word? */
static int has_word(const CHAR16 *w, UINTN bytes, const char *word)
{
    UINTN n = bytes / sizeof(CHAR16);
    for (UINTN i = 0; i < n && w[i]; i++) {
        UINTN k = 0;
        while (word[k] && i + k < n && w[i + k] == (unsigned char)word[k])
            k++;
        if (!word[k])
            return 1;
    }
    return 0;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    static EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
    static EFI_GUID handoff_guid = NB_HANDOFF_GUID_INIT;
    EFI_LOADED_IMAGE *li = NULL;
    st = systab;
    put("stage2-hello: started\n");
    if (st->BootServices->HandleProtocol(image, &li_guid, (void **)&li) == EFI_SUCCESS && li &&
        li->LoadOptions && li->LoadOptionsSize) {
        put("stage2-hello: load options: ");
        put_w(li->LoadOptions, li->LoadOptionsSize);
        put("\n");
        /* The lab's failing stage: give the boot back to nearboot. */
        if (has_word(li->LoadOptions, li->LoadOptionsSize, "stage2-hello:return")) {
            put("stage2-hello: returning EFI_LOAD_ERROR, as the load options ask\n");
            return EFI_LOAD_ERROR;
        }
    }
    const char *rec = NULL;
    for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
        if (guid_eq(&st->ConfigurationTable[i].VendorGuid, &handoff_guid))
            rec = st->ConfigurationTable[i].VendorTable;
    if (rec) {
        put("stage2-hello: hand-off record:\n");
        put(rec);
        put("stage2-hello: ok\n");
    } else {
        put("stage2-hello: no hand-off record from nearboot\n");
    }
    st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    return EFI_SUCCESS;
}
