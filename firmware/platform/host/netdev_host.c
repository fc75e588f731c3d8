/*
 * Host network devices for tests and tools. TAP: the kernel's end of the
 * tap is a normal interface (bridge it, address it); we are the "wire" side.
 * AF_PACKET: raw frames on an existing interface (e.g. one end of a veth),
 * our own transmissions not looped back (PACKET_IGNORE_OUTGOING).
 */
#define _GNU_SOURCE
#include "platform/host/netdev_host.h"
#include "core/drbg.h"
#include "core/clock.h"
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct host_dev {
    int fd;
    int is_tap;
    char name[IFNAMSIZ];
    uint8_t frame[65536 + sizeof(struct virtio_net_hdr)]; /* AF_PACKET receive buffer */
};

static nb_err host_tx(struct netdev *dev, const uint8_t *frame, size_t len)
{
    struct host_dev *h = dev->priv;
    if (!h->is_tap) {
        /* AF_PACKET with PACKET_VNET_HDR: every frame carries a header; ours
         * asks for nothing (checksums are complete, no segmentation). */
        struct virtio_net_hdr vh = { 0 };
        struct iovec iov[2] = { { &vh, sizeof vh }, { (void *)frame, len } };
        ssize_t n = writev(h->fd, iov, 2);
        return n == (ssize_t)(sizeof vh + len) ? NB_OK : NB_E_IO;
    }
    ssize_t n = write(h->fd, frame, len);
    return n == (ssize_t)len ? NB_OK : NB_E_IO;
}

/* Finish a checksum the kernel left partial (CHECKSUM_PARTIAL on a veth:
 * the field holds the pseudo-header sum; the rest is summed from
 * csum_start). Frames the kernel did not segment (GSO) cannot be handed to a
 * stack that expects MTU-sized frames: they are dropped, which is why TCP
 * tests use taps rather than AF_PACKET. */
static int finish_vnet(const struct virtio_net_hdr *vh, uint8_t *f, size_t len)
{
    if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
        return 0;
    if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
        return 1;
    size_t start = vh->csum_start, off = vh->csum_offset;
    if (start > len || off + 2 > len - start)
        return 0;
    uint32_t sum = 0;
    for (size_t i = start; i + 1 < len; i += 2)
        sum += (uint32_t)(f[i] << 8 | f[i + 1]);
    if ((len - start) & 1)
        sum += (uint32_t)(f[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    f[start + off] = (uint8_t)(c >> 8);
    f[start + off + 1] = (uint8_t)c;
    return 1;
}

static int host_rx(struct netdev *dev, uint8_t *buf, size_t cap)
{
    struct host_dev *h = dev->priv;
    for (;;) {
        ssize_t n;
        if (h->is_tap) {
            /* A frame longer than cap would be cut to cap by a plain read and
             * handed up truncated: the spare buffer behind buf tells. */
            struct iovec iov[2] = { { buf, cap }, { h->frame, sizeof h->frame } };
            n = readv(h->fd, iov, 2);
            if (n > (ssize_t)cap)
                continue; /* oversized: dropped whole (netdev.h), try the next */
        } else {
            n = read(h->fd, h->frame, sizeof h->frame);
            if (n >= (ssize_t)sizeof(struct virtio_net_hdr)) {
                struct virtio_net_hdr vh;
                memcpy(&vh, h->frame, sizeof vh);
                size_t flen = (size_t)n - sizeof vh;
                uint8_t *f = h->frame + sizeof vh;
                if (flen > cap || !finish_vnet(&vh, f, flen))
                    continue; /* oversized or unsegmented: drop, try the next */
                memcpy(buf, f, flen);
                return (int)flen;
            }
        }
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

static void host_wait(struct netdev *dev, uint64_t deadline_us)
{
    struct host_dev *h = dev->priv;
    uint64_t now = nb_now_us();
    if (deadline_us <= now)
        return;
    uint64_t ms = (deadline_us - now + 999) / 1000;
    struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
    poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
}

static int host_link(struct netdev *dev)
{
    (void)dev;
    return -1;
}

static const struct netdev_ops host_ops = { host_tx, host_rx, host_wait, host_link };

static nb_err open_tap(struct host_dev *h, const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NB_E_IO;
    struct ifreq ifr = { 0 };
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        close(fd);
        return NB_E_IO;
    }
    h->fd = fd;
    h->is_tap = 1;
    return NB_OK;
}

static nb_err open_packet(struct host_dev *h, const char *name, uint8_t mac_out[6])
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0)
        return NB_E_IO;
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
        close(fd);
        return NB_E_NOT_FOUND;
    }
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                               .sll_ifindex = ifr.ifr_ifindex };
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) {
        close(fd);
        return NB_E_IO;
    }
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
        memcpy(mac_out, ifr.ifr_hwaddr.sa_data, 6);
    h->fd = fd;
    h->is_tap = 0;
    return NB_OK;
}

nb_err host_netdev_open(struct netdev *dev, const char *spec, const uint8_t *mac)
{
    struct host_dev *h = calloc(1, sizeof *h);
    uint8_t ifmac[6] = { 0 };
    nb_err e;
    if (!h)
        return NB_E_NO_MEMORY;
    const char *name = spec;
    if (strncmp(spec, "tap:", 4) == 0) {
        name = spec + 4;
        e = open_tap(h, name);
    } else if (strncmp(spec, "if:", 3) == 0) {
        name = spec + 3;
        e = open_packet(h, name, ifmac);
    } else {
        e = open_tap(h, name);
    }
    if (e != NB_OK) {
        free(h);
        return e;
    }
    snprintf(h->name, sizeof h->name, "%s", name);
    memset(dev, 0, sizeof *dev);
    dev->ops = &host_ops;
    dev->priv = h;
    dev->name = h->name;
    dev->mtu = 1500;
    if (mac) {
        memcpy(dev->mac, mac, 6);
    } else if (!h->is_tap) {
        memcpy(dev->mac, ifmac, 6);
    } else {
        /* A random locally administered unicast MAC (02:xx...). */
        uint8_t r[6];
        if (nb_random(r, sizeof r) != NB_OK) {
            for (int i = 0; i < 6; i++)
                r[i] = (uint8_t)(rand() & 0xff);
        }
        memcpy(dev->mac, r, 6);
        dev->mac[0] = (uint8_t)((dev->mac[0] & 0xfc) | 0x02);
    }
    return NB_OK;
}

void host_netdev_close(struct netdev *dev)
{
    struct host_dev *h = dev->priv;
    if (!h)
        return;
    close(h->fd);
    free(h);
    dev->priv = NULL;
}
