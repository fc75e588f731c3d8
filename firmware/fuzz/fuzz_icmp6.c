/* libFuzzer target: net/icmp6.c and net/nd6.c — ICMPv6 messages and the
 * neighbour discovery options.
 *
 * 1. The pure parsers on the raw input: nd6_parse_opts (every option length
 *    checked, zero length refused), nd6_dnssl_first (no compression, the
 *    text bounded and NUL-terminated), icmp6_parse_invoking (the embedded
 *    packet of an error, walked to its ports).
 * 2. The input as one ICMPv6 message through ip6_input into a stack that
 *    holds addresses and a router: byte 0 picks source, destination and
 *    hop limit (255, 64, or 1 for MLD), byte 1 how much time passes afterwards (so
 *    DAD, neighbour and lifetime timers fire); the checksum is fixed so the
 *    message reaches echo, error delivery, RA/NS/NA processing, MLD queries. The harness
 *    (fuzz_net6.h) checks every frame the stack sends and buffer leaks. */
#include "fuzz_net6.h"

static void check_parsers(const uint8_t *data, size_t size)
{
    struct nd6_opts o;
    if (nd6_parse_opts(data, size, &o) == NB_OK) {
        if (o.n_pio > ND6_MAX_PIO)
            abort();
        const uint8_t *end = data + size;
        if ((o.slla && o.slla + 6 > end) || (o.tlla && o.tlla + 6 > end))
            abort();
        if (o.rdnss && o.rdnss + 16u * o.n_rdnss > end)
            abort();
        if (o.dnssl && o.dnssl + o.dnssl_len > end)
            abort();
        for (unsigned i = 0; i < o.n_pio; i++)
            if (o.pio[i].prefix + 16 > end || o.pio[i].prefix_len > 128)
                abort();
    }
    char name[ND6_DOMAIN_MAX];
    memset(name, 'x', sizeof name);
    nb_err e = nd6_dnssl_first(data, size, name, sizeof name);
    if (strnlen(name, sizeof name) >= sizeof name)
        abort();
    if (e == NB_OK && name[0] == 0)
        abort();
    struct icmp6_flow fl;
    if (icmp6_parse_invoking(data, size, &fl) == NB_OK && fl.l4_off + 4 > size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parsers(data, size);
    if (size < 2)
        return 0;
    fz_begin();
    uint8_t sel = data[0], wait = data[1], buf[16];
    const uint8_t *src = fz_pick_src(sel);
    const uint8_t *dst = fz_pick_dst((uint8_t)(sel >> 2), buf);
    uint8_t hop = (sel & 0x80) ? 64 : (sel & 0x40) ? 1 : 255;
    fz_rx_ip6(src, dst, NB_PROTO_ICMP6, hop, data + 2, size - 2);
    fz_advance_us((uint64_t)wait * 50000u); /* up to 12.75 s */
    fz_end();
    return 0;
}
