/* libFuzzer target: one Ethernet frame through eth_input into the whole
 * receive path — Ethernet/802.1Q, ARP, IPv4, ICMPv4, UDP (sockets that
 * answer), IPv6, ICMPv6/NDP/MLD and TCP (no connection: RST replies) — of a
 * stack that holds addresses on both families (fuzz_net4.h). The harness
 * checks every frame the stack sends and that no buffer leaks.
 *
 * Input: one selector byte, then the frame. The selector makes most inputs
 * get past the checks a random mutation breaks:
 *   bits 5-6  ethertype forced: 0 as given, 1 IPv4, 2 ARP, 3 IPv6
 *   bit 0     destination MAC set to ours (else as given: group MACs too)
 *   bit 4     IP destination set to our address (IPv4) / our SLAAC address (IPv6)
 *   bit 1     IPv4 total length / IPv6 payload length made consistent
 *   bit 3     transport checksum (ICMP, UDP with its length, TCP, ICMPv6) fixed
 *   bit 2     IPv4 header checksum fixed
 *   bit 7     1.5 s pass after the frame (retransmissions, expiries) */
#include "fuzz_net4.h"

static void fix_ip4(uint8_t *ip, size_t len, uint8_t sel)
{
    if (len < 20)
        return;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (sel & 0x10)
        memcpy(ip + 16, f4_ip, 4);
    if (sel & 0x02)
        put16(ip + 2, (uint16_t)len);
    size_t total = get16(ip + 2);
    if ((sel & 0x08) && ihl >= 20 && total >= ihl && total <= len) {
        uint8_t *l4 = ip + ihl;
        size_t n = total - ihl;
        struct nb_ip s = nb_ip_from(4, ip + 12), d = nb_ip_from(4, ip + 16);
        if (ip[9] == NB_PROTO_ICMP4 && n >= 4) {
            put16(l4 + 2, 0);
            put16(l4 + 2, csum_fold(csum_add(0, l4, n)));
        } else if (ip[9] == NB_PROTO_UDP && n >= 8) {
            put16(l4 + 4, (uint16_t)n);
            put16(l4 + 6, 0);
            uint16_t c = csum_transport(&s, &d, NB_PROTO_UDP, l4, n);
            put16(l4 + 6, c ? c : 0xffff);
        } else if (ip[9] == NB_PROTO_TCP && n >= 20) {
            put16(l4 + 16, 0);
            put16(l4 + 16, csum_transport(&s, &d, NB_PROTO_TCP, l4, n));
        }
    }
    if ((sel & 0x04) && ihl >= 20 && ihl <= len) {
        put16(ip + 10, 0);
        put16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
    }
}

static void fix_ip6(uint8_t *ip, size_t len, uint8_t sel)
{
    if (len < IP6_HLEN)
        return;
    if (sel & 0x10)
        memcpy(ip + 24, f4_global6, 16);
    if (sel & 0x02)
        put16(ip + 4, (uint16_t)(len - IP6_HLEN));
    size_t plen = get16(ip + 4);
    if ((sel & 0x08) && IP6_HLEN + plen <= len) {
        uint8_t *l4 = ip + IP6_HLEN;
        struct nb_ip s = nb_ip_from(6, ip + 8), d = nb_ip_from(6, ip + 24);
        size_t off = ip[6] == NB_PROTO_TCP ? 16 : ip[6] == NB_PROTO_UDP ? 6 : 2;
        if ((ip[6] == NB_PROTO_ICMP6 && plen >= 4) || (ip[6] == NB_PROTO_UDP && plen >= 8) ||
            (ip[6] == NB_PROTO_TCP && plen >= 20)) {
            if (ip[6] == NB_PROTO_UDP)
                put16(l4 + 4, (uint16_t)plen);
            put16(l4 + off, 0);
            uint16_t c = csum_transport(&s, &d, ip[6], l4, plen);
            put16(l4 + off, ip[6] == NB_PROTO_UDP && !c ? 0xffff : c);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    f4_begin();
    uint8_t sel = data[0];
    size_t len = size - 1;
    if (len > PKB_DATA_MAX)
        len = PKB_DATA_MAX;
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    uint8_t *f = p->data;
    memcpy(f, data + 1, len);
    static const uint16_t types[4] = { 0, ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 };
    if (len >= ETH_HLEN) {
        if (sel & 0x01)
            memcpy(f, f4_mac, 6);
        uint16_t type = types[(sel >> 5) & 3];
        if (type)
            put16(f + 12, type);
        size_t hlen = get16(f + 12) == ETH_P_8021Q ? ETH_HLEN + 4 : ETH_HLEN;
        if (len >= hlen) {
            uint16_t inner = get16(f + hlen - 2);
            if (inner == ETH_P_IP)
                fix_ip4(f + hlen, len - hlen, sel);
            else if (inner == ETH_P_IPV6)
                fix_ip6(f + hlen, len - hlen, sel);
        }
    }
    p->len = len;
    eth_input(p);
    if (sel & 0x80)
        f4_advance_us(1500000);
    f4_end();
    return 0;
}
