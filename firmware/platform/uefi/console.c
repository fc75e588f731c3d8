/*
 * Console: ConOut, plus the serial port when ConOut does not already reach
 * it. OVMF puts a serial terminal into ConOut; other firmware (and NIC option
 * ROM setups) often does not, and the serial log is what a lab or a BMC
 * records. Writing to both when ConOut has a UART would double every line.
 */
#include "platform/uefi/uefi.h"
#include "platform/platform.h"
#include <efiser.h>

static EFI_GUID global_var_guid = EFI_GLOBAL_VARIABLE;
static EFI_GUID serial_io_guid = EFI_SERIAL_IO_PROTOCOL_GUID;
static SERIAL_IO_INTERFACE *serial; /* NULL: ConOut covers the serial port */

/* Does the ConOut variable's device path list contain a UART node? */
static int conout_has_uart(void)
{
    static uint8_t buf[2048];
    UINTN size = sizeof buf;
    UINT32 attr;
    if (uefi_rt->GetVariable(L"ConOut", &global_var_guid, &attr, &size, buf) != EFI_SUCCESS)
        return 0;
    for (UINTN i = 0; i + 4 <= size;) {
        uint8_t type = buf[i], subtype = buf[i + 1];
        UINTN len = (UINTN)buf[i + 2] | (UINTN)buf[i + 3] << 8;
        if (len < 4 || len > size - i)
            return 0;
        if (type == MESSAGING_DEVICE_PATH && subtype == MSG_UART_DP)
            return 1;
        i += len;
    }
    return 0;
}

void uefi_console_init(void)
{
    if (conout_has_uart())
        return;
    SERIAL_IO_INTERFACE *s = NULL;
    if (uefi_bs->LocateProtocol(&serial_io_guid, NULL, (void **)&s) == EFI_SUCCESS)
        serial = s;
}

static void conout_write(const char *s, size_t len)
{
    CHAR16 buf[130];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            buf[n++] = L'\r';
        buf[n++] = (unsigned char)s[i] < 0x80 ? (unsigned char)s[i] : L'?';
        if (n >= 127 || i + 1 == len) {
            buf[n] = 0;
            uefi_st->ConOut->OutputString(uefi_st->ConOut, buf);
            n = 0;
        }
    }
}

static void serial_write(const char *s, size_t len)
{
    char buf[128];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            buf[n++] = '\r';
        buf[n++] = s[i];
        if (n >= sizeof buf - 2 || i + 1 == len) {
            UINTN w = n;
            serial->Write(serial, &w, buf);
            n = 0;
        }
    }
}

void plat_console_write(const char *s, size_t len)
{
    if (uefi_st && uefi_st->ConOut)
        conout_write(s, len);
    if (serial)
        serial_write(s, len);
}
