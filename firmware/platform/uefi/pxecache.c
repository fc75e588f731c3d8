/*
 * Harvest the firmware's cached PXE packets (EFI_PXE_BASE_CODE_MODE: DhcpAck,
 * ProxyOffer, PxeReply, for IPv4 or IPv6) before nearboot takes the NIC:
 * opening SNP exclusively tears down the firmware's network stack, and the
 * PXE base code protocol with it.
 */
#include "platform/uefi/uefi.h"
#include "boot/stage1.h"
#include <efipxebc.h>
#include <string.h>

static EFI_GUID pxe_guid = EFI_PXE_BASE_CODE_PROTOCOL_GUID;
static EFI_GUID devpath_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;

#define PXE_PACKET_LEN sizeof(EFI_PXE_BASE_CODE_PACKET) /* 1472 */

static uint8_t ack_copy[PXE_PACKET_LEN], proxy_copy[PXE_PACKET_LEN], reply_copy[PXE_PACKET_LEN];

/* The protocol on the device handle itself, or on the nearest handle along
 * its device path (EDK2 puts PXE on a MAC/IPv4 child, iPXE on the SNP). */
EFI_STATUS uefi_find_on_path(EFI_HANDLE device, EFI_GUID *guid, EFI_HANDLE *found, void **iface)
{
    if (uefi_bs->HandleProtocol(device, guid, iface) == EFI_SUCCESS) {
        *found = device;
        return EFI_SUCCESS;
    }
    EFI_DEVICE_PATH *dp = NULL;
    if (uefi_bs->HandleProtocol(device, &devpath_guid, (void **)&dp) != EFI_SUCCESS)
        return EFI_NOT_FOUND;
    EFI_HANDLE h = NULL;
    if (uefi_bs->LocateDevicePath(guid, &dp, &h) != EFI_SUCCESS)
        return EFI_NOT_FOUND;
    *found = h;
    return uefi_bs->HandleProtocol(h, guid, iface);
}

static void take(struct nb_blob *b, uint8_t *copy, BOOLEAN valid, const EFI_PXE_BASE_CODE_PACKET *p)
{
    if (!valid)
        return;
    memcpy(copy, p, PXE_PACKET_LEN);
    b->data = copy;
    b->len = PXE_PACKET_LEN;
}

void uefi_pxe_harvest(EFI_HANDLE device, struct nb_pxe_cache *out)
{
    EFI_PXE_BASE_CODE *pxe = NULL;
    EFI_HANDLE h;
    memset(out, 0, sizeof *out);
    if (!device || uefi_find_on_path(device, &pxe_guid, &h, (void **)&pxe) != EFI_SUCCESS || !pxe ||
        !pxe->Mode)
        return;
    const EFI_PXE_BASE_CODE_MODE *m = pxe->Mode;
    out->found = 1;
    out->using_ipv6 = m->UsingIpv6 ? 1 : 0;
    take(&out->dhcp_ack, ack_copy, m->DhcpAckReceived, &m->DhcpAck);
    take(&out->proxy_offer, proxy_copy, m->ProxyOfferReceived, &m->ProxyOffer);
    take(&out->pxe_reply, reply_copy, m->PxeReplyReceived, &m->PxeReply);
}
