/*
 * The client's identity as PXE and DHCP see it, fixed at compile time by
 * the target the image is built for: the RFC 4578 / IANA "Processor
 * Architecture Type" (DHCPv4 option 93, DHCPv6 option 61, and the
 * "PXEClient:Arch:NNNNN:UNDI:MMMmmm" vendor class) and the UNDI revision
 * UEFI PXE announces in the Network Interface Identifier (DHCPv6 option 62,
 * DHCPv4 option 94). The protocols take these as parameters; only this
 * header knows the values.
 */
#ifndef NB_ARCH_H
#define NB_ARCH_H

#if defined(__x86_64__) || defined(_M_X64)
#define NB_CLIENT_ARCH 0x0007u /* x86-64 UEFI */
#elif defined(__aarch64__) || defined(_M_ARM64)
#define NB_CLIENT_ARCH 0x000Bu /* ARM 64-bit UEFI */
#elif defined(__i386__) || defined(_M_IX86)
#define NB_CLIENT_ARCH 0x0006u /* x86 UEFI */
#elif defined(__riscv) && __riscv_xlen == 64
#define NB_CLIENT_ARCH 0x001Bu /* RISC-V 64-bit UEFI */
#else
#error "unknown target: add its RFC 4578 processor architecture type here"
#endif

/* UNDI 3.16, as EDK2's PXE sends it (NII type 1, major 3, minor 16). */
#define NB_UNDI_MAJOR 3u
#define NB_UNDI_MINOR 16u

#endif
