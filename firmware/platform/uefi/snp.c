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
#include "core/clock.h"
#include "core/fmt.h"
#include "net/netdev.h"
#include <efinet.h>
#include <string.h>

static EFI_GUID snp_guid = EFI_SIMPLE_NETWORK_PROTOCOL_GUID;
static EFI_HANDLE snp_handle;
static EFI_SIMPLE_NETWORK *snp;
static int snp_exclusive;
static int snp_given_back; /* closed for a second stage (uefi_snp_close), may be taken back */

static EFI_STATUS bring_up(EFI_SIMPLE_NETWORK *n)
{
    EFI_STATUS s = EFI_SUCCESS;
    if (n->Mode->State == EfiSimpleNetworkStopped)
        s = n->Start(n);
    if (s == EFI_SUCCESS && n->Mode->State == EfiSimpleNetworkStarted)
        s = n->Initialize(n, 0, 0);
    if (s != EFI_SUCCESS)
        return s;
    /* Unicast, broadcast and every multicast group (IPv6 ND needs the
     * solicited-node groups; the stack filters by address itself). */
    UINT32 want = EFI_SIMPLE_NETWORK_RECEIVE_UNICAST | EFI_SIMPLE_NETWORK_RECEIVE_BROADCAST;
    UINT32 can = n->Mode->ReceiveFilterMask;
    if (can & EFI_SIMPLE_NETWORK_RECEIVE_PROMISCUOUS_MULTICAST)
        want |= EFI_SIMPLE_NETWORK_RECEIVE_PROMISCUOUS_MULTICAST;
    else if (can & EFI_SIMPLE_NETWORK_RECEIVE_PROMISCUOUS)
        want |= EFI_SIMPLE_NETWORK_RECEIVE_PROMISCUOUS;
    n->ReceiveFilters(n, want & can, 0, FALSE, 0, NULL);
    return EFI_SUCCESS;
}

static EFI_GUID devpath_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;

/* Bytes of a device path up to (not including) its end node; 0 if the walk
 * does not end within max bytes. */
static size_t devpath_len(const EFI_DEVICE_PATH *dp, size_t max)
{
    const uint8_t *p = (const uint8_t *)dp;
    size_t off = 0;
    while (off + 4 <= max) {
        size_t len = (size_t)p[off + 2] | (size_t)p[off + 3] << 8;
        if (p[off] == END_DEVICE_PATH_TYPE && p[off + 1] == END_ENTIRE_DEVICE_PATH_SUBTYPE)
            return off;
        if (len < 4)
            return 0;
        off += len;
    }
    return 0;
}

/* The NIC's own SNP: of all SNP handles whose device path is a prefix of
 * the boot device's path, the one with the shortest path. Firmware may put
 * further SNP instances on child handles (e.g. PXE's IPv4 child); those are
 * torn down when the real NIC is taken, so they must not be chosen. */
static EFI_HANDLE find_nic_snp(EFI_HANDLE device)
{
    EFI_DEVICE_PATH *dev_dp = NULL;
    EFI_HANDLE *handles = NULL, best = NULL;
    UINTN count = 0;
    size_t best_len = (size_t)-1;
    if (uefi_bs->HandleProtocol(device, &devpath_guid, (void **)&dev_dp) != EFI_SUCCESS || !dev_dp) {
        void *iface;
        return uefi_bs->HandleProtocol(device, &snp_guid, &iface) == EFI_SUCCESS ? device : NULL;
    }
    size_t dev_len = devpath_len(dev_dp, 4096);
    if (uefi_bs->LocateHandleBuffer(ByProtocol, &snp_guid, NULL, &count, &handles) != EFI_SUCCESS)
        return NULL;
    for (UINTN i = 0; i < count; i++) {
        EFI_DEVICE_PATH *dp = NULL;
        if (uefi_bs->HandleProtocol(handles[i], &devpath_guid, (void **)&dp) != EFI_SUCCESS || !dp)
            continue;
        size_t len = devpath_len(dp, 4096);
        if (len && len <= dev_len && memcmp(dp, dev_dp, len) == 0 && len < best_len) {
            best = handles[i];
            best_len = len;
        }
    }
    uefi_bs->FreePool(handles);
    return best;
}

/* Not loaded from a NIC (e.g. from a disk or a USB stick): the first SNP
 * handle whose device path ends in a MAC node, i.e. a NIC itself and not a
 * child the firmware's network stack hung below it (PXE's IPv4/IPv6
 * children, VLANs). */
static EFI_HANDLE first_nic_snp(void)
{
    EFI_HANDLE *handles = NULL, found = NULL;
    UINTN count = 0;
    if (uefi_bs->LocateHandleBuffer(ByProtocol, &snp_guid, NULL, &count, &handles) != EFI_SUCCESS)
        return NULL;
    for (UINTN i = 0; i < count && !found; i++) {
        EFI_DEVICE_PATH *dp = NULL;
        if (uefi_bs->HandleProtocol(handles[i], &devpath_guid, (void **)&dp) != EFI_SUCCESS || !dp)
            continue;
        const uint8_t *p = (const uint8_t *)dp;
        size_t len = devpath_len(dp, 4096), off = 0, last = (size_t)-1;
        while (off < len) { /* find the last node before the end node */
            last = off;
            off += (size_t)p[off + 2] | (size_t)p[off + 3] << 8;
        }
        if (last != (size_t)-1 && p[last] == MESSAGING_DEVICE_PATH && p[last + 1] == MSG_MAC_ADDR_DP)
            found = handles[i];
    }
    uefi_bs->FreePool(handles);
    return found;
}

/* Take snp_handle's SNP exclusively (the firmware's MNP/IP stack above it
 * stops); first / disc: the statuses of the plain attempt and of the
 * disconnect tried after it. */
static EFI_STATUS open_exclusive(EFI_STATUS *first, EFI_STATUS *disc)
{
    EFI_STATUS s = uefi_bs->OpenProtocol(snp_handle, &snp_guid, (void **)&snp, uefi_image, NULL,
                                         EFI_OPEN_PROTOCOL_EXCLUSIVE);
    *first = s;
    *disc = EFI_SUCCESS;
    if (s != EFI_SUCCESS) {
        /* Some drivers refuse to stop while a child is busy: disconnect the
         * whole stack above the SNP first, then take it. */
        *disc = uefi_bs->DisconnectController(snp_handle, NULL, NULL);
        s = uefi_bs->OpenProtocol(snp_handle, &snp_guid, (void **)&snp, uefi_image, NULL,
                                  EFI_OPEN_PROTOCOL_EXCLUSIVE);
    }
    return s;
}

void uefi_snp_open(EFI_HANDLE device, struct nb_nic *out)
{
    EFI_SIMPLE_NETWORK *shared = NULL;
    const char *how = "";
    memset(out, 0, sizeof *out);
    out->link = -1;
    snp_handle = device ? find_nic_snp(device) : NULL;
    if (!snp_handle) {
        snp_handle = first_nic_snp();
        how = "; not booted from a NIC: the first NIC in the system";
    }
    if (!snp_handle ||
        uefi_bs->HandleProtocol(snp_handle, &snp_guid, (void **)&shared) != EFI_SUCCESS) {
        out->status = NB_E_NO_NIC;
        return;
    }
    EFI_STATUS first, disc;
    EFI_STATUS s = open_exclusive(&first, &disc);
    static char why[192];
    if (s == EFI_SUCCESS) {
        snp_exclusive = 1;
        nb_snprintf(why, sizeof why, "SNP opened exclusively%s", how);
    } else {
        nb_snprintf(why, sizeof why, "SNP shared: exclusive open refused (0x%llx, disconnect 0x%llx, 0x%llx)%s",
                    (unsigned long long)first, (unsigned long long)disc, (unsigned long long)s, how);
        snp = shared;
    }
    out->access = why;
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

/* --- the SNP as a netdev ------------------------------------------------------
 * Transmit copies the frame into a ring slot: SNP owns the buffer until
 * GetStatus() hands it back, so a slot is reused only after recycling.
 * Waiting: within IDLE_BEFORE_SLEEP_US of the last frame sent or received
 * we poll, since the firmware only wakes a WaitForEvent on its timer tick
 * (~10 ms): a reply noticed at the next tick costs up to a tick per round
 * trip (at 40 ms RTT, lock-step TFTP took 50 ms a block instead of 41, as
 * every reply landed just after a tick), and it would throttle TCP. A round
 * trip on any path we boot over is shorter than the window. After it, with
 * nothing in flight, we sleep in WaitForEvent on the NIC's WaitForPacket
 * event and a timer for the deadline. */
#define TX_SLOTS 32u
#define TX_FRAME_MAX 2048u
#define IDLE_BEFORE_SLEEP_US 250000u
#define MAX_SLEEP_US 10000u

static uint8_t tx_ring[TX_SLOTS][TX_FRAME_MAX];
static uint8_t tx_busy[TX_SLOTS];
static unsigned tx_next;
static uint64_t last_io_us; /* the last frame sent or received */
static EFI_EVENT wait_timer;

static void tx_recycle(void)
{
    for (int guard = 0; guard < (int)TX_SLOTS; guard++) {
        void *done = NULL;
        if (snp->GetStatus(snp, NULL, &done) != EFI_SUCCESS || !done)
            return;
        for (unsigned i = 0; i < TX_SLOTS; i++)
            if ((void *)tx_ring[i] == done)
                tx_busy[i] = 0;
    }
}

static nb_err snp_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    (void)dev;
    if (len > TX_FRAME_MAX)
        return NB_E_MSG_TOO_BIG;
    tx_recycle();
    unsigned slot = tx_next;
    if (tx_busy[slot])
        return NB_E_NO_BUFFER; /* the NIC has not sent TX_SLOTS frames yet */
    tx_next = (tx_next + 1) % TX_SLOTS;
    memcpy(tx_ring[slot], frame, len);
    if (len < 60) {
        memset(tx_ring[slot] + len, 0, 60 - len); /* minimum Ethernet frame */
        len = 60;
    }
    EFI_STATUS s;
    for (int tries = 0; tries < 100; tries++) {
        s = snp->Transmit(snp, 0, len, tx_ring[slot], NULL, NULL, NULL);
        if (s != EFI_NOT_READY)
            break;
        tx_recycle(); /* transmit queue full: reclaim and try again */
    }
    if (s != EFI_SUCCESS)
        return uefi_err(s);
    tx_busy[slot] = 1;
    last_io_us = nb_now_us();
    return NB_OK;
}

static int snp_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    (void)dev;
    UINTN size = cap;
    EFI_STATUS s = snp->Receive(snp, NULL, &size, buf, NULL, NULL, NULL);
    if (s == EFI_NOT_READY)
        return 0;
    if (s == EFI_BUFFER_TOO_SMALL) {
        static uint8_t scratch[TX_FRAME_MAX * 8];
        size = sizeof scratch; /* drain the oversized frame */
        snp->Receive(snp, NULL, &size, scratch, NULL, NULL, NULL);
        return 0;
    }
    if (s != EFI_SUCCESS)
        return -1;
    last_io_us = nb_now_us();
    return (int)size;
}

static void snp_wait(struct netdev *dev, uint64_t deadline_us)
{
    (void)dev;
    uint64_t now = nb_now_us();
    if (deadline_us <= now || now - last_io_us < IDLE_BEFORE_SLEEP_US)
        return;
    if (!wait_timer &&
        uefi_bs->CreateEvent(EVT_TIMER, 0, NULL, NULL, &wait_timer) != EFI_SUCCESS)
        return;
    uint64_t us = deadline_us - now;
    if (us > MAX_SLEEP_US)
        us = MAX_SLEEP_US; /* not every SNP signals WaitForPacket (iPXE's waits for its tick) */
    uefi_bs->SetTimer(wait_timer, TimerRelative, us * 10u);
    EFI_EVENT events[2] = { snp->WaitForPacket, wait_timer };
    UINTN index;
    uefi_bs->WaitForEvent(snp->WaitForPacket ? 2 : 1, snp->WaitForPacket ? events : events + 1,
                          &index);
    uefi_bs->SetTimer(wait_timer, TimerCancel, 0);
}

static int snp_link(struct netdev *dev)
{
    (void)dev;
    if (!snp->Mode->MediaPresentSupported)
        return -1;
    UINT32 irq;
    snp->GetStatus(snp, &irq, NULL);
    return snp->Mode->MediaPresent ? 1 : 0;
}

static const struct netdev_ops snp_ops = { snp_tx, snp_rx, snp_wait, snp_link };
static struct netdev snp_dev;

struct netdev *uefi_snp_netdev(void)
{
    if (!snp)
        return NULL;
    snp_dev.ops = &snp_ops;
    memcpy(snp_dev.mac, snp->Mode->CurrentAddress.Addr, 6);
    snp_dev.mtu = snp->Mode->MaxPacketSize;
    snp_dev.name = "snp";
    return &snp_dev;
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
    snp_given_back = 1;
}

nb_err uefi_snp_retake(void)
{
    if (!snp_given_back)
        return NB_OK;
    EFI_STATUS first, disc;
    EFI_STATUS s = open_exclusive(&first, &disc);
    if (s != EFI_SUCCESS)
        return uefi_err(s);
    snp_exclusive = 1;
    snp_given_back = 0;
    /* The stage may have reset the NIC: frames we handed it are not coming
     * back through GetStatus, so the ring starts empty. */
    memset(tx_busy, 0, sizeof tx_busy);
    s = bring_up(snp);
    return s == EFI_SUCCESS ? NB_OK : uefi_err(s);
}
