/* libFuzzer target: net/ip6.c — the IPv6 header and extension-header walk.
 *
 * 1. ip6_parse on the raw input (an IPv6 packet): never reads past it, and
 *    what it reports is consistent (offsets inside the datagram, the
 *    pointer of a Parameter Problem inside it, the header count bounded).
 * 2. The same bytes through the whole receive path (eth_input → ip6_input →
 *    ICMPv6/UDP/TCP) of a stack that holds addresses: the first byte picks
 *    whether the destination is rewritten to one of ours and whether the
 *    payload length is made consistent, so most inputs get past the
 *    destination check; the harness (fuzz_net6.h) checks every frame the
 *    stack answers with and that no buffer leaks. */
#include "fuzz_net6.h"

static void check_parse(const uint8_t *data, size_t size)
{
    struct ip6_parsed v;
    enum ip6_verdict r = ip6_parse(data, size, &v);
    if (r != v.verdict)
        abort();
    if (!v.hdr_ok) {
        if (r != IP6_DROP)
            abort();
        return;
    }
    if (v.total_len < IP6_HLEN || v.total_len > size)
        abort();
    if (r == IP6_DELIVER) {
        if (v.off < IP6_HLEN || v.off > v.total_len || v.nh_off >= v.off)
            abort();
        if (v.off > IP6_HLEN + 8u * 256u * IP6_MAX_EXT_HDRS)
            abort();
        if (v.proto == IP6_NH_HOPOPTS || v.proto == IP6_NH_DSTOPTS || v.proto == IP6_NH_ROUTING ||
            v.proto == IP6_NH_FRAGMENT || v.proto == IP6_NH_NONE)
            abort();
    } else if (r == IP6_PARAM_PROBLEM) {
        if (v.icmp_code > 2 || v.icmp_pointer >= v.total_len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    if (size < 1 + IP6_HLEN)
        return 0;
    fz_begin();
    uint8_t sel = data[0];
    const uint8_t *ip = data + 1;
    size_t len = size - 1;
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    if (len > PKB_DATA_MAX - ETH_HLEN)
        len = PKB_DATA_MAX - ETH_HLEN;
    uint8_t *f = p->data, buf[16];
    memcpy(f + ETH_HLEN, ip, len);
    uint8_t *h = f + ETH_HLEN;
    if (sel & 0x08) /* a destination of ours */
        memcpy(h + 24, fz_pick_dst(sel, buf), 16);
    if (sel & 0x10) /* a consistent payload length */
        put16(h + 4, (uint16_t)(len - IP6_HLEN));
    if (sel & 0x20)
        h[0] = (uint8_t)(0x60 | (h[0] & 0x0f));
    if (ip6_is_multicast(h + 24))
        eth_ip6_multicast_mac(h + 24, f);
    else
        memcpy(f, fz_mac, 6);
    memcpy(f + 6, fz_rtr_mac, 6);
    put16(f + 12, ETH_P_IPV6);
    p->len = ETH_HLEN + len;
    check_parse(h, len);
    eth_input(p);
    fz_advance_us((uint64_t)(sel >> 6) * 700000u);
    fz_end();
    return 0;
}
