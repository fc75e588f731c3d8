/*
 * Entropy on UEFI, strongest source first:
 *   RDSEED, then RDRAND — only after CPUID says the CPU has them, and only
 *     values delivered with CF=1 (bounded retries);
 *   EFI_RNG_PROTOCOL — when the firmware has one (QEMU: virtio-rng-pci);
 *   timer jitter — last resort, as iPXE does: TSC deltas across a memory
 *     walk, each sample gated by the SP 800-90B repetition count and adaptive
 *     proportion tests, then conditioned with SHA-256.
 * Several sources are mixed when available: the DRBG gets the XOR of
 * everything that delivered, so one weak source cannot lower the others.
 */
#include "platform/uefi/uefi.h"
#include "platform/platform.h"
#include "mbedtls/sha256.h"
#include <string.h>

static EFI_GUID rng_guid = EFI_RNG_PROTOCOL_GUID;

static int cpu_has_rdrand(void)
{
    uint32_t r[4];
    uefi_cpuid(1, 0, r);
    return (r[2] >> 30) & 1;
}

static int cpu_has_rdseed(void)
{
    uint32_t r[4];
    uefi_cpuid(0, 0, r);
    if (r[0] < 7)
        return 0;
    uefi_cpuid(7, 0, r);
    return (r[1] >> 18) & 1;
}

static int rdrand64(uint64_t *v)
{
    for (int i = 0; i < 10; i++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return 1;
    }
    return 0;
}

static int rdseed64(uint64_t *v)
{
    for (int i = 0; i < 100; i++) {
        unsigned char ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return 1;
        __asm__ volatile("pause");
    }
    return 0;
}

static int fill_cpu(uint8_t *buf, size_t len, int (*get)(uint64_t *))
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v;
        if (!get(&v))
            return 0;
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(buf + i, &v, n);
    }
    return 1;
}

static int fill_rdseed(uint8_t *buf, size_t len)
{
    return cpu_has_rdseed() && fill_cpu(buf, len, rdseed64);
}

static int fill_rdrand(uint8_t *buf, size_t len)
{
    return cpu_has_rdrand() && fill_cpu(buf, len, rdrand64);
}

static int fill_efi_rng(uint8_t *buf, size_t len)
{
    EFI_RNG_PROTOCOL *rng = NULL;
    if (uefi_bs->LocateProtocol(&rng_guid, NULL, (void **)&rng) != EFI_SUCCESS || !rng)
        return 0;
    return rng->GetRNG(rng, NULL, len, buf) == EFI_SUCCESS;
}

/* --- timer jitter --------------------------------------------------------- */

/* Assumed min-entropy per 8-bit sample: H = 1 bit (conservative). SP 800-90B
 * §4.4 cutoffs for H = 1 and alpha = 2^-20: repetition count C = 21;
 * adaptive proportion, window 512, C = 410. */
#define RCT_CUTOFF 21u
#define APT_WINDOW 512u
#define APT_CUTOFF 410u
#define SAMPLES_PER_BLOCK 512u /* 512 samples x 1 bit ≥ 2 x 256 bits */

struct health {
    uint8_t last;
    unsigned run;
    uint8_t apt_ref;
    unsigned apt_count, apt_n;
};

static volatile uint8_t jitter_mem[4096];

static uint8_t jitter_sample(void)
{
    uint64_t a = uefi_rdtsc();
    for (unsigned i = 0; i < sizeof jitter_mem; i += 64)
        jitter_mem[i] = (uint8_t)(jitter_mem[(i * 7 + a) % sizeof jitter_mem] + i);
    return (uint8_t)(uefi_rdtsc() - a);
}

static int health_ok(struct health *h, uint8_t s)
{
    if (s == h->last) {
        if (++h->run >= RCT_CUTOFF)
            return 0;
    } else {
        h->last = s;
        h->run = 1;
    }
    if (h->apt_n == 0) {
        h->apt_ref = s;
        h->apt_count = 0;
    }
    if (s == h->apt_ref && ++h->apt_count >= APT_CUTOFF)
        return 0;
    if (++h->apt_n == APT_WINDOW)
        h->apt_n = 0;
    return 1;
}

static int fill_jitter(uint8_t *buf, size_t len)
{
    struct health h = { .last = 0, .run = 0 };
    h.last = jitter_sample();
    h.run = 1;
    for (size_t off = 0; off < len; off += 32) {
        uint8_t samples[SAMPLES_PER_BLOCK], digest[32];
        for (unsigned i = 0; i < SAMPLES_PER_BLOCK; i++) {
            samples[i] = jitter_sample();
            if (!health_ok(&h, samples[i]))
                return 0;
        }
        if (mbedtls_sha256(samples, sizeof samples, digest, 0) != 0)
            return 0;
        size_t n = len - off < 32 ? len - off : 32;
        memcpy(buf + off, digest, n);
    }
    return 1;
}

nb_err plat_entropy(uint8_t *buf, size_t len, unsigned *sources)
{
    uint8_t tmp[256];
    unsigned used = 0;
    if (len > sizeof tmp)
        return NB_E_TOO_BIG;
    memset(buf, 0, len);
    static const struct { unsigned bit; int (*fill)(uint8_t *, size_t); } hw[] = {
        { NB_ENTROPY_RDSEED, fill_rdseed },
        { NB_ENTROPY_RDRAND, fill_rdrand },
        { NB_ENTROPY_EFI_RNG, fill_efi_rng },
    };
    for (size_t s = 0; s < sizeof hw / sizeof hw[0]; s++) {
        if (!hw[s].fill(tmp, len))
            continue;
        for (size_t i = 0; i < len; i++)
            buf[i] ^= tmp[i];
        used |= hw[s].bit;
    }
    if (!used) {
        if (!fill_jitter(tmp, len)) {
            memset(tmp, 0, sizeof tmp);
            return NB_E_ENTROPY_HEALTH;
        }
        memcpy(buf, tmp, len);
        used |= NB_ENTROPY_JITTER;
    }
    memset(tmp, 0, sizeof tmp);
    *sources = used;
    return NB_OK;
}
