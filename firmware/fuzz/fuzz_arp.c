/* libFuzzer target: net/arp.c as a state machine — received ARP packets
 * interleaved with packets waiting for resolution, time passing, RFC 5227
 * probes and reconfiguration, on the stack of fuzz_net4.h (which checks
 * every frame sent and that no buffer leaks).
 *
 * Input: a sequence of operations, each an opcode byte and its arguments:
 *   0  receive an ARP packet: a byte `who`, then up to 28 bytes of ARP
 *      (missing bytes are zero). who picks fields from the lab's addresses
 *      so that packets collide on purpose:
 *        bits 0-1 sender IP   (as given, router, peer, 0.0.0.0)
 *        bits 2-3 sender MAC  (as given, router's, peer's, a third one)
 *        bits 4-5 target IP   (as given, ours, the probed one, peer)
 *        bit 6    hardware/protocol fields made valid (1, 0x0800, 6, 4)
 *        bit 7    sent to our MAC (else broadcast)
 *   1  a packet to a neighbour (arg: which of 4 addresses) through ARP
 *   2  time passes (arg * 50 ms)
 *   3  arp_probe (arg: which address), then arp_conflict_seen is asked
 *   4  reconfigure IPv4 (arp_flush)
 *   5  an echo request through IPv4 (on-link or via the router)
 * Extra invariant: an IPv4 frame only ever goes to a MAC that some valid
 * ARP packet we fed claimed for its next hop (never an unclaimed one). */
#include "fuzz_net4.h"

static const uint8_t third_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t hosts[4][4] = {
    { 198, 18, 1, 1 }, { 198, 18, 1, 50 }, { 198, 18, 1, 77 }, { 198, 19, 0, 9 } /* off-link */
};
static uint8_t probed[4] = { 198, 18, 1, 77 };

/* MACs claimed for each on-link host (index 0..2), as fed to the stack. */
#define MAX_CLAIMS 16u
static struct {
    uint8_t mac[MAX_CLAIMS][6];
    unsigned n;
    int overflow;
} claims[3];

static int host_index(const uint8_t ip[4])
{
    for (int i = 0; i < 3; i++)
        if (memcmp(ip, hosts[i], 4) == 0)
            return i;
    return -1;
}

static void claim(const uint8_t ip[4], const uint8_t mac[6])
{
    int i = host_index(ip);
    if (i < 0)
        return;
    for (unsigned k = 0; k < claims[i].n; k++)
        if (memcmp(claims[i].mac[k], mac, 6) == 0)
            return;
    if (claims[i].n == MAX_CLAIMS) {
        claims[i].overflow = 1;
        return;
    }
    memcpy(claims[i].mac[claims[i].n++], mac, 6);
}

static void check_ip4_dst(const uint8_t *f, size_t len)
{
    size_t hlen = net_if()->vlan ? ETH_HLEN + 4 : ETH_HLEN;
    if (get16(f + hlen - 2) != ETH_P_IP || (f[0] & 1))
        return;
    const uint8_t *dst = f + hlen + 16;
    (void)len;
    int on_link = 1;
    for (int k = 0; k < 4; k++)
        if ((dst[k] & net_if()->mask4[k]) != (net_if()->ip4[k] & net_if()->mask4[k]))
            on_link = 0;
    int i = host_index(on_link ? dst : net_if()->gw4);
    if (i < 0)
        abort(); /* only the lab's hosts are ever sent to */
    if (claims[i].overflow)
        return;
    for (unsigned k = 0; k < claims[i].n; k++)
        if (memcmp(claims[i].mac[k], f, 6) == 0)
            return;
    abort(); /* sent to a MAC nobody claimed for that address */
}

static void rx_arp(uint8_t who, const uint8_t *body, size_t n)
{
    uint8_t f[ETH_HLEN + 28];
    memset(f, 0, sizeof f);
    uint8_t *a = f + ETH_HLEN;
    memcpy(a, body, n > 28 ? 28 : n);
    static const uint8_t zero4[4];
    const uint8_t *macs[4] = { NULL, f4_gw_mac, f4_peer_mac, third_mac };
    const uint8_t *sips[4] = { NULL, hosts[0], hosts[1], zero4 };
    const uint8_t *tips[4] = { NULL, f4_ip, probed, hosts[1] };
    if (sips[who & 3])
        memcpy(a + 14, sips[who & 3], 4);
    if (macs[(who >> 2) & 3])
        memcpy(a + 8, macs[(who >> 2) & 3], 6);
    if (tips[(who >> 4) & 3])
        memcpy(a + 24, tips[(who >> 4) & 3], 4);
    if (who & 0x40) {
        static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };
        memcpy(a, hdr, 6);
        if (get16(a + 6) != 1)
            put16(a + 6, 2);
    }
    memcpy(f, (who & 0x80) ? f4_mac : eth_broadcast, 6);
    memcpy(f + 6, a + 8, 6);
    put16(f + 12, ETH_P_ARP);
    /* what the stack may learn from it */
    uint16_t op = get16(a + 6);
    if (get16(a) == 1 && get16(a + 2) == ETH_P_IP && a[4] == 6 && a[5] == 4 &&
        (op == 1 || op == 2) && !(a[8] & 1) && memcmp(a + 8, f4_mac, 6) != 0)
        claim(a + 14, a + 8);
    f4_rx_frame(f, sizeof f);
}

static void out_to(const uint8_t ip[4], uint8_t tag)
{
    struct pkb *p = pkb_alloc();
    if (!p)
        abort();
    uint8_t *h = pkb_put(p, 28);
    memset(h, 0, 28);
    /* a well-formed IPv4/ICMP echo so the frame check passes */
    h[0] = 0x45;
    put16(h + 2, 28);
    put16(h + 6, 0x4000);
    h[8] = 64;
    h[9] = NB_PROTO_ICMP4;
    memcpy(h + 12, net_if()->ip4, 4);
    memcpy(h + 16, ip, 4);
    put16(h + 10, csum_fold(csum_add(0, h, 20)));
    h[20] = 8;
    h[24] = tag;
    put16(h + 22, csum_fold(csum_add(0, h + 20, 8)));
    arp_output(p, ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    f4_tx_hook = check_ip4_dst;
    unsigned before = f4_inputs;
    f4_begin();
    if (before % 512 == 0) {
        memset(claims, 0, sizeof claims);
        claim(f4_gw, f4_gw_mac); /* the bring-up's ARP reply */
    }
    size_t i = 0;
    for (unsigned ops = 0; i < size && ops < 64; ops++) {
        uint8_t op = data[i++];
        uint8_t arg = i < size ? data[i] : 0;
        switch (op % 6) {
        case 0: {
            i++;
            size_t n = i >= size ? 0 : size - i < 28 ? size - i : 28;
            rx_arp(arg, data + i, n);
            i += n;
            break;
        }
        case 1:
            i++;
            if (f4_configured && (arg & 3) != 3) /* off-link goes through ip4 (op 5) */
                out_to(hosts[arg & 3], arg);
            break;
        case 2:
            i++;
            f4_advance_us((uint64_t)arg * 50000u);
            break;
        case 3:
            i++;
            memcpy(probed, hosts[arg & 3], 4);
            arp_probe(probed);
            (void)arp_conflict_seen(probed);
            break;
        case 4:
            if (f4_configured)
                net_ip4_configure(f4_ip, f4_mask, f4_gw);
            break;
        case 5:
            i++;
            if (f4_configured)
                icmp4_echo_send(hosts[arg & 3], 0x4e42, arg, arg & 0x3f);
            break;
        }
        /* at most four packets wait per entry, and there are 16 entries */
        if (pkb_pool_free_count() + 16u * 4u < PKB_POOL_SIZE)
            abort();
    }
    f4_end();
    return 0;
}
