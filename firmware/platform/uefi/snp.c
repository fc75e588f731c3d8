/*
 * The boot NIC's Simple Network Protocol, opened exclusively (as iPXE does):
 * the firmware's own MNP/IP/UDP/DHCP/PXE drivers are disconnected, so nothing
 * else sends or eats frames on the NIC while nearboot runs. Works both under
 * EDK2's PXE (SNP on the MAC handle, parent of the PXE child we were loaded
 * from) and under iPXE (SNP on the handle iPXE exposes to its child image).
 * If the exclusive open is refused, nearboot falls back to a shared open and
 * says so.
 */
#include "platform/uefi/uefi.h"
#include "boot/stage1.h"
#include <efinet.h>
#include <string.h>

static EFI_GUID snp_guid = EFI_SIMPLE_NETWORK_PROTOCOL_GUID;
static EFI_HANDLE snp_handle;
static EFI_SIMPLE_NETWORK *snp;
static int snp_exclusive;

static EFI_STATUS bring_up(EFI_SIMPLE_NETWORK *n)
{
    EFI_STATUS s = EFI_SUCCESS;
    if (n->Mode->State == EfiSimpleNetworkStopped)
        s = n->Start(n);
    if (s == EFI_SUCCESS && n->Mode->State == EfiSimpleNetworkStarted)
        s = n->Initialize(n, 0, 0);
    return s;
}

void uefi_snp_open(EFI_HANDLE device, struct nb_nic *out)
{
    EFI_SIMPLE_NETWORK *shared = NULL;
    memset(out, 0, sizeof *out);
    out->link = -1;
    if (!device || uefi_find_on_path(device, &snp_guid, &snp_handle, (void **)&shared) != EFI_SUCCESS) {
        out->status = NB_E_NO_NIC;
        return;
    }
    EFI_STATUS s = uefi_bs->OpenProtocol(snp_handle, &snp_guid, (void **)&snp, uefi_image, NULL,
                                         EFI_OPEN_PROTOCOL_EXCLUSIVE);
    if (s == EFI_SUCCESS) {
        snp_exclusive = 1;
        out->access = "SNP opened exclusively";
    } else {
        snp = shared;
        out->access = "SNP shared: exclusive open refused";
    }
    s = bring_up(snp);
    if (s != EFI_SUCCESS) {
        out->status = uefi_err(s);
        return;
    }
    EFI_SIMPLE_NETWORK_MODE *m = snp->Mode;
    memcpy(out->mac, m->CurrentAddress.Addr, 6);
    out->mtu = m->MaxPacketSize;
    if (m->MediaPresentSupported) {
        /* Refresh the cached MediaPresent where the driver supports it. */
        UINT32 irq;
        snp->GetStatus(snp, &irq, NULL);
        out->link = m->MediaPresent ? 1 : 0;
    }
    out->status = NB_OK;
}

/* Give the NIC back: close our exclusive open and let the firmware reconnect
 * its drivers, so returning to the boot manager leaves a working network. */
void uefi_snp_close(void)
{
    if (!snp_exclusive)
        return;
    uefi_bs->CloseProtocol(snp_handle, &snp_guid, uefi_image, NULL);
    uefi_bs->ConnectController(snp_handle, NULL, NULL, TRUE);
    snp_exclusive = 0;
}
