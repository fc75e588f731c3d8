/* ready.efi — a stand-in for nearboot.efi, used to self-test the lab (qemu-tests/) without the real image.
 * Prints a banner and the address the platform PXE stack got, then "nearboot: ready"; powers off if the
 * fw_cfg file opt/org.nearboot/poweroff exists, else returns to the firmware. Not part of the product. */
#include <efi.h>

static EFI_SYSTEM_TABLE *st;

static void puts16(const CHAR16 *s) { st->ConOut->OutputString(st->ConOut, (CHAR16 *)s); }

static void puts8(const char *s)
{
	CHAR16 buf[128];
	unsigned i = 0;
	while (*s) {
		if (*s == '\n' && i < 126) buf[i++] = L'\r';
		buf[i++] = (CHAR16)(unsigned char)*s++;
		if (i >= 126) { buf[i] = 0; puts16(buf); i = 0; }
	}
	buf[i] = 0;
	puts16(buf);
}

static char *utoa(char *p, unsigned v, unsigned base, int width)
{
	char t[12];
	int n = 0;
	do { t[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
	while (n < width) t[n++] = '0';
	while (n) *p++ = t[--n];
	return p;
}

static inline void outw(UINT16 port, UINT16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline UINT8 inb(UINT16 port) { UINT8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* fw_cfg over the legacy I/O ports: selector 0x510, data 0x511; FW_CFG_FILE_DIR = 0x19. */
static int fwcfg_has_file(const char *name)
{
	UINT32 count = 0;
	outw(0x510, 0x19);
	for (int i = 0; i < 4; i++) count = (count << 8) | inb(0x511);
	if (count > 4096) return 0;
	for (UINT32 f = 0; f < count; f++) {
		UINT8 e[64];
		for (int i = 0; i < 64; i++) e[i] = inb(0x511);
		const char *a = (const char *)e + 8, *b = name;
		int i = 0;
		while (i < 56 && a[i] && a[i] == b[i]) i++;
		if (i < 56 && a[i] == 0 && b[i] == 0) return 1;
	}
	return 0;
}

static EFI_GUID pxe_guid = EFI_PXE_BASE_CODE_PROTOCOL_GUID;
static EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;

static void report_pxe(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = 0;
	EFI_PXE_BASE_CODE *pxe = 0;
	char line[96], *p;
	if (st->BootServices->HandleProtocol(image, &li_guid, (void **)&li) != EFI_SUCCESS || !li) return;
	if (st->BootServices->HandleProtocol(li->DeviceHandle, &pxe_guid, (void **)&pxe) != EFI_SUCCESS || !pxe) {
		puts8("testapp: no PXE base code on the boot device\n");
		return;
	}
	EFI_PXE_BASE_CODE_MODE *m = pxe->Mode;
	p = line;
	for (const char *s = "testapp: pxe "; *s;) *p++ = *s++;
	if (m->UsingIpv6) {
		for (const char *s = "ipv6 addr "; *s;) *p++ = *s++;
		for (int i = 0; i < 16; i += 2) {
			p = utoa(p, (m->StationIp.v6.Addr[i] << 8) | m->StationIp.v6.Addr[i + 1], 16, 1);
			if (i < 14) *p++ = ':';
		}
	} else {
		for (const char *s = "ipv4 addr "; *s;) *p++ = *s++;
		for (int i = 0; i < 4; i++) { p = utoa(p, m->StationIp.v4.Addr[i], 10, 1); if (i < 3) *p++ = '.'; }
	}
	*p++ = '\n';
	*p = 0;
	puts8(line);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	st = systab;
	puts8("\ntestapp: lab stand-in for nearboot.efi\n");
	report_pxe(image);
	puts8("nearboot: ready\n");
	if (fwcfg_has_file("opt/org.nearboot/poweroff")) {
		puts8("testapp: powering off\n");
		st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, 0);
	}
	return EFI_SUCCESS;
}
