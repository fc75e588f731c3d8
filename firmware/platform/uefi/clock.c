/*
 * Time on UEFI. Monotonic: the TSC, calibrated once against the firmware's
 * Stall() (UEFI has no monotonic clock service; the TSC is invariant on every
 * CPU this image targets, and under QEMU TCG it follows the host clock).
 * Wall clock: the RTC via GetTime(), converted from its time zone to UTC.
 */
#include "platform/uefi/uefi.h"
#include "platform/platform.h"
#include "core/clock.h"

#define CALIBRATE_US 5000u
#define CALIBRATE_ROUNDS 4u

static uint64_t tsc_origin;
static uint64_t tsc_per_ms = 1000000; /* placeholder until calibrated */
static uint64_t last_us;

/* Several short rounds, keeping the smallest rate: a round in which the
 * (virtual) CPU was descheduled sees more TSC ticks for the same Stall() and
 * would make the clock run slow for the whole boot. */
void uefi_clock_init(void)
{
    uint64_t best = 0;
    tsc_origin = uefi_rdtsc();
    for (unsigned i = 0; i < CALIBRATE_ROUNDS; i++) {
        uint64_t a = uefi_rdtsc();
        uefi_bs->Stall(CALIBRATE_US);
        uint64_t per_ms = (uefi_rdtsc() - a) / (CALIBRATE_US / 1000u);
        if (per_ms && (!best || per_ms < best))
            best = per_ms;
    }
    if (best)
        tsc_per_ms = best;
}

uint64_t plat_now_us(void)
{
    uint64_t d = uefi_rdtsc() - tsc_origin;
    uint64_t us = d / tsc_per_ms * 1000u + d % tsc_per_ms * 1000u / tsc_per_ms;
    if (us < last_us)
        us = last_us; /* never go back, whatever the TSC does */
    last_us = us;
    return us;
}

nb_err plat_wallclock(int64_t *out)
{
    EFI_TIME t;
    if (uefi_rt->GetTime(&t, NULL) != EFI_SUCCESS)
        return NB_E_CLOCK;
    if (t.Year < 1970 || t.Year > 9999 || t.Month < 1 || t.Month > 12 || t.Day < 1 ||
        t.Day > 31 || t.Hour > 23 || t.Minute > 59 || t.Second > 59)
        return NB_E_CLOCK;
    int64_t s = nb_unix_from_civil(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second);
    /* TimeZone is minutes *from* UTC to local (UEFI 2.x: local = UTC - TimeZone). */
    if (t.TimeZone != EFI_UNSPECIFIED_TIMEZONE && t.TimeZone >= -1440 && t.TimeZone <= 1440)
        s += (int64_t)t.TimeZone * 60;
    *out = s;
    return NB_OK;
}
