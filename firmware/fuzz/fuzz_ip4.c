/* libFuzzer target: net/ip4.c, icmp4.c and udp.c — one IPv4 packet through
 * ip4_input (header validation, local delivery, options skipped by IHL),
 * then ICMPv4 (echo replies, destination unreachable handed to the
 * transports, echo replies matched to our requests) and UDP (length,
 * checksum, delivery to sockets that answer). The harness (fuzz_net4.h)
 * checks every frame the stack sends and that no buffer leaks.
 *
 * Input: one selector byte, then the packet (from the IPv4 header on):
 *   bits 0-1  destination: 0 as given, 1 our address, 2 255.255.255.255,
 *             3 the subnet broadcast
 *   bits 6-7  protocol: 0 as given, 1 ICMP, 2 UDP, 3 TCP
 *   bit 2     total length made consistent with the packet
 *   bit 4     transport checksum (ICMP; UDP with its length field) fixed
 *   bit 3     header checksum fixed
 *   bit 5     arrived in a broadcast frame (L2 multicast) */
#include "fuzz_net4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    f4_begin();
    uint8_t sel = data[0];
    size_t len = size - 1;
    if (len > PKB_DATA_MAX - ETH_HLEN)
        len = PKB_DATA_MAX - ETH_HLEN;
    /* now and then an echo request of ours is outstanding, so replies can match */
    if (f4_configured && f4_inputs % 64 == 1)
        icmp4_echo_send(f4_gw, 0x4e42, (uint16_t)f4_inputs, 8);
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    uint8_t *ip = p->data;
    memcpy(ip, data + 1, len);
    if (len >= 20) {
        static const uint8_t protos[4] = { 0, NB_PROTO_ICMP4, NB_PROTO_UDP, NB_PROTO_TCP };
        switch (sel & 3) {
        case 1: memcpy(ip + 16, f4_ip, 4); break;
        case 2: memcpy(ip + 16, f4_bcast, 4); break;
        case 3: memcpy(ip + 16, f4_subnet_bcast, 4); break;
        default: break;
        }
        if (sel >> 6)
            ip[9] = protos[sel >> 6];
        if (sel & 0x04)
            put16(ip + 2, (uint16_t)len);
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total = get16(ip + 2);
        if ((sel & 0x10) && ihl >= 20 && total >= ihl && total <= len) {
            uint8_t *l4 = ip + ihl;
            size_t n = total - ihl;
            if (ip[9] == NB_PROTO_ICMP4 && n >= 4) {
                put16(l4 + 2, 0);
                put16(l4 + 2, csum_fold(csum_add(0, l4, n)));
            } else if (ip[9] == NB_PROTO_UDP && n >= 8) {
                struct nb_ip s = nb_ip_from(4, ip + 12), d = nb_ip_from(4, ip + 16);
                put16(l4 + 4, (uint16_t)n);
                put16(l4 + 6, 0);
                uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, l4, n);
                put16(l4 + 6, c ? c : 0xffff);
            }
        }
        if ((sel & 0x08) && ihl >= 20 && ihl <= len) {
            put16(ip + 10, 0);
            put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
        }
    }
    p->len = len;
    p->nif = net_if();
    p->l2_multicast = (sel & 0x20) != 0;
    ip4_input(p);
    f4_end();
    return 0;
}
