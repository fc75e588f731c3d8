/*
 * UEFI entry point. Gathers what only the firmware knows — the cached PXE
 * packets, the boot NIC — in the one order that works (harvest PXE, then take
 * the NIC exclusively), then runs the platform-independent first stage.
 */
#include "platform/uefi/uefi.h"
#include "boot/stage1.h"
#include "core/log.h"
#include "platform/platform.h"

#define ARENA_BYTES (8u << 20) /* mbedTLS: TLS contexts, X.509 chains, PKCS#7 */

EFI_HANDLE uefi_image;
EFI_SYSTEM_TABLE *uefi_st;
EFI_BOOT_SERVICES *uefi_bs;
EFI_RUNTIME_SERVICES *uefi_rt;

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;

/* Lab/debug flags from QEMU fw_cfg (absent on real hardware). */
static void read_lab_flags(struct nb_env *env)
{
    char v[16];
    if (uefi_fwcfg_read_string("opt/org.nearboot/hold-ms", v, sizeof v)) {
        uint32_t ms = 0;
        for (const char *p = v; *p >= '0' && *p <= '9' && ms < 100000000u; p++)
            ms = ms * 10 + (uint32_t)(*p - '0');
        env->hold_ms = ms;
    }
    uefi_fwcfg_read_string("opt/org.nearboot/probe-url", env->probe_url, sizeof env->probe_url);
    /* A lab run that powers off afterwards must not retry forever. */
    env->max_attempts = uefi_fwcfg_has("opt/org.nearboot/poweroff") ? 1 : 0;
    if (uefi_fwcfg_read_string("opt/org.nearboot/max-attempts", v, sizeof v)) {
        uint32_t n = 0;
        for (const char *p = v; *p >= '0' && *p <= '9' && n < 1000000u; p++)
            n = n * 10 + (uint32_t)(*p - '0');
        env->max_attempts = n;
    }
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    uefi_image = image;
    uefi_st = st;
    uefi_bs = st->BootServices;
    uefi_rt = st->RuntimeServices;
    uefi_bs->SetWatchdogTimer(0, 0, 0, NULL); /* our own deadlines bound every wait */
    uefi_console_init();
    uefi_clock_init();
    nb_log_start();

    static struct nb_env env = { .platform = "uefi", .arch = 0x0007 /* x86-64 UEFI */ };
    if (uefi_memory_init(ARENA_BYTES) != NB_OK) {
        nb_fail(NB_E_NO_MEMORY, "memory: could not allocate the %u MiB arena", ARENA_BYTES >> 20);
        return EFI_OUT_OF_RESOURCES;
    }
    EFI_LOADED_IMAGE *li = NULL;
    EFI_HANDLE device = NULL;
    if (uefi_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li) == EFI_SUCCESS && li)
        device = li->DeviceHandle;

    uefi_pxe_harvest(device, &env.pxe);
    uefi_snp_open(device, &env.nic);
    env.netdev = env.nic.status == NB_OK ? uefi_snp_netdev() : NULL;
    read_lab_flags(&env);
    env.config_blob = uefi_config_blob(&env.config_len);
    env.have_uuid = uefi_smbios_uuid(env.uuid);
    nb_err e = nb_stage1(&env);
    uefi_snp_close();

    if (uefi_fwcfg_has("opt/org.nearboot/poweroff")) {
        nb_say("nearboot: powering off (fw_cfg opt/org.nearboot/poweroff)");
        uefi_rt->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
    }
    return e == NB_OK ? EFI_SUCCESS : EFI_LOAD_ERROR;
}
