/*
 * QEMU fw_cfg: lets a lab run pass flags (e.g. "power off when done") to the
 * image without rebuilding it. Only touched under a hypervisor (CPUID bit)
 * and only after the "QEMU" signature reads back, so on real hardware no I/O
 * port is written.
 */
#include "platform/uefi/uefi.h"
#include <string.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

static void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void fw_cfg_read(uint16_t key, void *buf, size_t len, int select)
{
    uint8_t *p = buf;
    if (select)
        outw(FW_CFG_PORT_SEL, key);
    for (size_t i = 0; i < len; i++)
        p[i] = inb(FW_CFG_PORT_DATA);
}

static int fw_cfg_present(void)
{
    char sig[4];
    if (!uefi_under_hypervisor())
        return 0;
    fw_cfg_read(FW_CFG_SIGNATURE, sig, 4, 1);
    return memcmp(sig, "QEMU", 4) == 0;
}

/* Find a file: its selector and size. */
static int fw_cfg_find(const char *name, uint16_t *select, uint32_t *size)
{
    uint8_t count_be[4];
    if (!fw_cfg_present())
        return 0;
    fw_cfg_read(FW_CFG_FILE_DIR, count_be, 4, 1);
    uint32_t count = (uint32_t)count_be[0] << 24 | (uint32_t)count_be[1] << 16 |
                     (uint32_t)count_be[2] << 8 | count_be[3];
    if (count > 4096)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        struct { uint8_t size[4], select[2], reserved[2]; char name[56]; } f;
        fw_cfg_read(0, &f, sizeof f, 0);
        f.name[55] = 0;
        if (strcmp(f.name, name) == 0) {
            *select = (uint16_t)(f.select[0] << 8 | f.select[1]);
            *size = (uint32_t)f.size[0] << 24 | (uint32_t)f.size[1] << 16 |
                    (uint32_t)f.size[2] << 8 | f.size[3];
            return 1;
        }
    }
    return 0;
}

int uefi_fwcfg_has(const char *name)
{
    uint16_t sel;
    uint32_t size;
    return fw_cfg_find(name, &sel, &size);
}

int uefi_fwcfg_read_string(const char *name, char *buf, size_t cap)
{
    uint16_t sel;
    uint32_t size;
    if (!cap || !fw_cfg_find(name, &sel, &size))
        return 0;
    size_t n = size < cap - 1 ? size : cap - 1;
    fw_cfg_read(sel, buf, n, 1);
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == 0))
        buf[--n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
            return 0; /* only printable text is a valid flag value */
    return 1;
}
