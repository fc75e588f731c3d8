/*
 * The embedded configuration's home in the image: its own PE section,
 * .nbcfg, which nearboot-config rewrites in a built image (before Secure
 * Boot signing). A marker, then the sealed record, then zeros; an image as
 * built carries no record, so it runs on defaults.
 */
#include "platform/uefi/uefi.h"
#include "boot/config.h"

__attribute__((section(NB_CFG_SECTION), used, aligned(16)))
const uint8_t nb_cfg_section[NB_CFG_BLOB_SIZE] = NB_CFG_MARKER;

const uint8_t *uefi_config_blob(size_t *len)
{
    *len = NB_CFG_BLOB_SIZE - NB_CFG_MARKER_LEN;
    return nb_cfg_section + NB_CFG_MARKER_LEN;
}
