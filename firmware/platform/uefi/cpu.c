/* x86-64 instructions the UEFI platform needs (TSC, CPUID). */
#include "platform/uefi/uefi.h"

uint64_t uefi_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void uefi_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

int uefi_under_hypervisor(void)
{
    uint32_t r[4];
    uefi_cpuid(1, 0, r);
    return (r[2] >> 31) & 1;
}
