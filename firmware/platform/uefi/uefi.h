/*
 * UEFI platform internals. The only place that includes the EFI headers
 * (gnu-efi's, from Debian; declarations only, no libefi). Every firmware
 * call nearboot makes goes through a file in this directory.
 */
#ifndef NB_UEFI_H
#define NB_UEFI_H
#include <efi.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

extern EFI_HANDLE uefi_image;
extern EFI_SYSTEM_TABLE *uefi_st;
extern EFI_BOOT_SERVICES *uefi_bs;
extern EFI_RUNTIME_SERVICES *uefi_rt;

/* console.c */
void uefi_console_init(void);
/* clock.c: calibrate the TSC against the firmware's Stall() once. */
void uefi_clock_init(void);
/* fwcfg.c: QEMU fw_cfg file lookup (only under a hypervisor that has it). */
int uefi_fwcfg_has(const char *name);
/* A text file's content (NUL-terminated, trailing newline dropped); 0 if
 * absent or not printable. */
int uefi_fwcfg_read_string(const char *name, char *buf, size_t cap);
/* pxecache.c / snp.c: see boot/stage1.h for the structures filled. */
struct nb_pxe_cache;
struct nb_nic;
void uefi_pxe_harvest(EFI_HANDLE device, struct nb_pxe_cache *out);
void uefi_snp_open(EFI_HANDLE device, struct nb_nic *out);
void uefi_snp_close(void);
/* After a second stage returned: take the NIC back exclusively (after
 * uefi_snp_close; NB_OK when it was never given back). */
nb_err uefi_snp_retake(void);
struct netdev;
/* The opened SNP as the stack's netdev (NULL if none was opened). */
struct netdev *uefi_snp_netdev(void);
/* The protocol on a handle, or on the nearest handle along its device path. */
EFI_STATUS uefi_find_on_path(EFI_HANDLE device, EFI_GUID *guid, EFI_HANDLE *found, void **iface);
/* smbios.c: the system UUID (RFC 4122 order); 0 if there is none. */
int uefi_smbios_uuid(uint8_t out[16]);
/* cfgblob.c: the embedded configuration record (after the section marker). */
const uint8_t *uefi_config_blob(size_t *len);
/* memory.c: the arena mbedTLS allocates from. */
nb_err uefi_memory_init(size_t arena_bytes);
/* initrd.c: serve the verified initrd through LoadFile2 on Linux's initrd
 * media device path, until uninstalled. */
nb_err uefi_initrd_install(const uint8_t *p, size_t len);
void uefi_initrd_uninstall(void);

/* Convert ASCII to a CHAR16 string; returns 0 if it did not fit. */
int uefi_ascii_to_char16(CHAR16 *dst, size_t dst_len, const char *src);
/* Map an EFI_STATUS to the nearest nearboot error. */
nb_err uefi_err(EFI_STATUS s);

/* x86 helpers (cpu.c). */
uint64_t uefi_rdtsc(void);
void uefi_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
int uefi_under_hypervisor(void);
#endif
