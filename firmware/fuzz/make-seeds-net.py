#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_eth, fuzz_ip4 and fuzz_arp
(firmware/fuzz/corpus/<target>/): valid and edge-case frames, IPv4 packets
and ARP operation scripts in the input format each target documents (a
selector byte, then the frame or packet; for fuzz_arp a list of
operations). Addresses are the harness's (fuzz_net4.h): we are
198.18.1.100/24 at 52:54:00:12:34:56, the router 198.18.1.1, a peer
198.18.1.50. Run from anywhere; the files land beside this script."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

MAC = bytes.fromhex("525400123456")
GW_MAC = bytes.fromhex("525400000001")
PEER_MAC = bytes.fromhex("525400000032")
OTHER_MAC = bytes.fromhex("525400000099")
BCAST_MAC = b"\xff" * 6
IP = bytes([198, 18, 1, 100])
GW = bytes([198, 18, 1, 1])
PEER = bytes([198, 18, 1, 50])
REMOTE = bytes([198, 19, 0, 9])
BCAST = b"\xff" * 4
SUBNET_BCAST = bytes([198, 18, 1, 255])
ZERO4 = bytes(4)
GLOBAL6 = bytes.fromhex("fd00b00700010000505400fffe123456")
RTR_LL = bytes.fromhex("fe800000000000000000000000000001")
REMOTE6 = bytes.fromhex("fd00b007000900000000000000000009")
SNODE6 = bytes.fromhex("ff0200000000000000000001ff") + GLOBAL6[13:]  # our solicited-node group


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def with_csum(b, off):
    b = bytearray(b)
    b[off:off + 2] = b"\0\0"
    b[off:off + 2] = struct.pack("!H", csum(bytes(b)))
    return bytes(b)


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload, ttl=64, flags=0x4000, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), 1, flags, ttl, proto,
                    0, src, dst) + options
    return with_csum(h, 10) + payload


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, fam6=False):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)
    if fam6:
        ph = src + dst + struct.pack("!I", len(t)) + bytes([0, 0, 0, 6])
    else:
        ph = src + dst + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]


def icmp(typ, code, rest, data):
    return with_csum(struct.pack("!BBH", typ, code, 0) + rest + data, 2)


def echo(typ, ident, seq, data=b"nearboot"):
    return icmp(typ, 0, struct.pack("!HH", ident, seq), data)


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def ip6(src, dst, nh, payload, hop=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hop) + src + dst + payload


def icmp6(src, dst, body):
    ph = src + dst + struct.pack("!I", len(body)) + bytes([0, 0, 0, 58])
    b = bytearray(body)
    b[2:4] = struct.pack("!H", csum(ph + bytes(body)))
    return bytes(b)


def udp6(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = csum(src + dst + struct.pack("!I", len(u)) + bytes([0, 0, 0, 17]) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def quoted_udp(sport, dport):
    """Our datagram as a router quotes it: IPv4 header + 8 bytes."""
    return ip4(IP, REMOTE, 17, udp(IP, REMOTE, sport, dport, b"q"))[:28]


# ---------------------------------------------------------------- fuzz_eth
FIX = 0x0F  # destination MAC ours, lengths and checksums made right


def eth_seeds():
    def v4(dst_mac, src, dst, proto, payload, **kw):
        return eth(dst_mac, GW_MAC, 0x0800, ip4(src, dst, proto, payload, **kw))

    vlan = BCAST_MAC + PEER_MAC + struct.pack("!HH", 0x8100, 5) + struct.pack("!H", 0x0806) + \
        arp(1, PEER_MAC, PEER, bytes(6), IP)
    ns_body = bytes([135, 0, 0, 0, 0, 0, 0, 0]) + GLOBAL6 + bytes([1, 1]) + GW_MAC
    snode = bytes.fromhex("ff0200000000000000000001ff") + GLOBAL6[13:]
    snode_mac = bytes([0x33, 0x33, 0xFF]) + GLOBAL6[13:]
    return {
        "arp-request.bin": bytes([0]) + eth(BCAST_MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER, bytes(6), IP)),
        "arp-reply.bin": bytes([0]) + eth(MAC, PEER_MAC, 0x0806, arp(2, PEER_MAC, PEER, MAC, IP)),
        "arp-claim.bin": bytes([0]) + eth(BCAST_MAC, OTHER_MAC, 0x0806, arp(1, OTHER_MAC, GW, bytes(6), GW)),
        "arp-probe.bin": bytes([0]) + eth(BCAST_MAC, OTHER_MAC, 0x0806, arp(1, OTHER_MAC, ZERO4, bytes(6), IP)),
        "arp-padded.bin": bytes([0]) + eth(MAC, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER, bytes(6), IP) + bytes(18)),
        "vlan-arp.bin": bytes([0]) + vlan,
        "echo.bin": bytes([FIX]) + v4(MAC, PEER, IP, 1, echo(8, 0x1234, 1)),
        "echo-bcast.bin": bytes([0x0E]) + v4(BCAST_MAC, PEER, SUBNET_BCAST, 1, echo(8, 0x1234, 2)),
        "echo-reply.bin": bytes([FIX]) + v4(MAC, GW, IP, 1, echo(0, 0x4E42, 1)),
        "unreach-port.bin": bytes([FIX]) + v4(MAC, GW, IP, 1, icmp(3, 3, bytes(4), quoted_udp(40000, 53))),
        "unreach-frag.bin": bytes([FIX]) + v4(MAC, GW, IP, 1, icmp(3, 4, struct.pack("!HH", 0, 1400), quoted_udp(68, 67))),
        "udp-68.bin": bytes([FIX]) + v4(MAC, GW, IP, 17, udp(GW, IP, 67, 68, b"offer")),
        "udp-bcast.bin": bytes([0x0E]) + v4(BCAST_MAC, GW, BCAST, 17, udp(GW, BCAST, 67, 68, b"offer")),
        "udp-5000.bin": bytes([FIX]) + v4(MAC, PEER, IP, 17, udp(PEER, IP, 1234, 5000, b"hello")),
        "udp-40000-zero-csum.bin": bytes([0x07]) + v4(MAC, PEER, IP, 17,
                                                      struct.pack("!HHHH", 9, 40000, 12, 0) + b"abcd"),
        "udp-no-port.bin": bytes([FIX]) + v4(MAC, PEER, IP, 17, udp(PEER, IP, 1234, 7, b"x")),
        "tcp-syn.bin": bytes([FIX]) + v4(MAC, PEER, IP, 6, tcp(PEER, IP, 40000, 80, 1, 0, 0x02)),
        "tcp-ack.bin": bytes([FIX]) + v4(MAC, PEER, IP, 6, tcp(PEER, IP, 40000, 80, 1, 7, 0x10)),
        # (found by this fuzzer) a SYN to a broadcast/group address in a frame
        # to our MAC: no RST may come back from that address
        "tcp-syn-bcast.bin": bytes([FIX]) + v4(MAC, PEER, BCAST, 6, tcp(PEER, BCAST, 40000, 80, 1, 0, 0x02)),
        "tcp6-syn-group.bin": bytes([FIX]) + eth(MAC, GW_MAC, 0x86DD, ip6(REMOTE6, SNODE6, 6, tcp(REMOTE6, SNODE6, 40000, 80, 1, 0, 0x02, True))),
        "ip-options.bin": bytes([FIX]) + v4(MAC, PEER, IP, 1, echo(8, 1, 1), options=bytes([0x94, 4, 0, 0])),
        "ip-fragment.bin": bytes([FIX]) + v4(MAC, PEER, IP, 17, udp(PEER, IP, 1, 5000, b"f"), flags=0x2000),
        "ip-not-ours.bin": bytes([0x0F]) + v4(MAC, PEER, bytes([198, 18, 1, 77]), 17, udp(PEER, bytes([198, 18, 1, 77]), 1, 5000, b"n")),
        "echo6.bin": bytes([FIX]) + eth(MAC, GW_MAC, 0x86DD, ip6(REMOTE6, GLOBAL6, 58, icmp6(REMOTE6, GLOBAL6, bytes([128, 0, 0, 0, 0, 1, 0, 1]) + b"six"))),
        "ns6.bin": bytes([0x0E]) + eth(snode_mac, GW_MAC, 0x86DD, ip6(RTR_LL, snode, 58, icmp6(RTR_LL, snode, ns_body), hop=255)),
        "udp6-40000.bin": bytes([FIX]) + eth(MAC, GW_MAC, 0x86DD, ip6(REMOTE6, GLOBAL6, 17, udp6(REMOTE6, GLOBAL6, 53, 40000, b"six"))),
        "tcp6-syn.bin": bytes([FIX]) + eth(MAC, GW_MAC, 0x86DD, ip6(REMOTE6, GLOBAL6, 6, tcp(REMOTE6, GLOBAL6, 40000, 80, 1, 0, 0x02, True))),
        "lldp.bin": bytes([0]) + eth(bytes.fromhex("0180c200000e"), PEER_MAC, 0x88CC, bytes(46)),
        "short.bin": bytes([0]) + MAC + PEER_MAC[:4],
    }


# ---------------------------------------------------------------- fuzz_ip4
IP4_FIX = 0x1C  # total length, transport and header checksums fixed; destination as given


def ip4_seeds():
    return {
        "echo.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 1, echo(8, 0x1234, 1)),
        "echo-large.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 1, echo(8, 0x1234, 2, bytes(range(256)) * 5)),
        "echo-bcast-l2.bin": bytes([IP4_FIX | 0x20]) + ip4(PEER, SUBNET_BCAST, 1, echo(8, 0x1234, 3)),
        "echo-reply.bin": bytes([IP4_FIX]) + ip4(GW, IP, 1, echo(0, 0x4E42, 1)),
        "unreach-port.bin": bytes([IP4_FIX]) + ip4(GW, IP, 1, icmp(3, 3, bytes(4), quoted_udp(40000, 53))),
        "unreach-opts.bin": bytes([IP4_FIX]) + ip4(GW, IP, 1, icmp(3, 1, bytes(4),
                                                                  ip4(IP, REMOTE, 17, udp(IP, REMOTE, 68, 67, b"q"), options=bytes(8))[:36])),
        "unreach-short.bin": bytes([IP4_FIX]) + ip4(GW, IP, 1, icmp(3, 3, bytes(4), quoted_udp(40000, 53)[:24])),
        "redirect.bin": bytes([IP4_FIX]) + ip4(GW, IP, 1, icmp(5, 1, GW, quoted_udp(5000, 53))),
        "udp-68.bin": bytes([IP4_FIX]) + ip4(GW, IP, 17, udp(GW, IP, 67, 68, b"offer")),
        "udp-69-bcast.bin": bytes([IP4_FIX | 0x20]) + ip4(PEER, BCAST, 17, udp(PEER, BCAST, 1234, 69, b"rrq")),
        "udp-5000.bin": bytes([IP4_FIX]) + ip4(REMOTE, IP, 17, udp(REMOTE, IP, 53, 5000, b"answer" * 20)),
        "udp-40000.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 17, udp(PEER, IP, 1, 40000, b"e")),
        # (found by this fuzzer) a datagram from 0.0.0.0: the socket's answer
        # must not go to 0.0.0.0
        "udp-from-zero.bin": bytes([IP4_FIX]) + ip4(ZERO4, IP, 17, udp(ZERO4, IP, 1077, 5000, b"answer")),
        "udp-zero-csum.bin": bytes([0x0C]) + ip4(PEER, IP, 17, struct.pack("!HHHH", 9, 5000, 12, 0) + b"abcd"),
        "udp-short-len.bin": bytes([0x0C]) + ip4(PEER, IP, 17, struct.pack("!HHHH", 9, 5000, 7, 0) + b"abcd"),
        "tcp-syn.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 6, tcp(PEER, IP, 40000, 80, 1, 0, 0x02)),
        "options-ra.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 17, udp(PEER, IP, 1, 5000, b"o"), options=bytes([0x94, 4, 0, 0])),
        "options-max.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 1, echo(8, 9, 9), options=bytes([1] * 39 + [0])),
        "fragment-mf.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 17, udp(PEER, IP, 1, 5000, b"f"), flags=0x2000),
        "fragment-off.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 17, b"tail", flags=0x0001),
        "src-bcast.bin": bytes([IP4_FIX]) + ip4(BCAST, IP, 1, echo(8, 1, 1)),
        "src-multicast.bin": bytes([IP4_FIX]) + ip4(bytes([224, 0, 0, 1]), IP, 1, echo(8, 1, 1)),
        "unknown-proto.bin": bytes([IP4_FIX]) + ip4(PEER, IP, 47, b"gre!"),
        "bad-version.bin": bytes([0x00]) + bytes([0x65]) + ip4(PEER, IP, 1, echo(8, 1, 1))[1:],
        "ihl-too-big.bin": bytes([0x00]) + bytes([0x4F]) + ip4(PEER, IP, 1, echo(8, 1, 1))[1:],
    }


# ---------------------------------------------------------------- fuzz_arp
def op_rx(who, body=b""):
    return bytes([0, who]) + body.ljust(28, b"\0")[:28]


def op_out(which):
    return bytes([1, which])


def op_wait(units50ms):
    return bytes([2, units50ms])


def op_probe(which):
    return bytes([3, which])


OP_RECONF = bytes([4])


def op_echo(which, n=8):
    return bytes([5, (n << 2) | which])


VALID = 0x40
TO_US = 0x80
ASK = arp(1, bytes(6), bytes(4), bytes(6), bytes(4))      # op 1, addresses picked by `who`
ANSWER = arp(2, bytes(6), bytes(4), MAC, IP)              # op 2


def who(sip, smac, tip, to_us=False):
    """Pick sender IP (0 as given, 1 router, 2 peer, 3 0.0.0.0), sender MAC
    (0 as given, 1 router's, 2 peer's, 3 third), target IP (0 as given,
    1 ours, 2 probed, 3 peer)."""
    return sip | smac << 2 | tip << 4 | VALID | (TO_US if to_us else 0)


def arp_seeds():
    peer_answers = op_rx(who(2, 2, 1, True), ANSWER)
    third_claims_peer = op_rx(who(2, 3, 1, True), ANSWER)
    return {
        "request-for-us": op_rx(who(2, 2, 1), ASK),
        "resolve-and-flush": op_out(1) + op_out(1) + op_out(1) + peer_answers,
        "queue-overflow": op_out(1) * 6 + op_wait(5) + peer_answers,
        "retries-give-up": op_out(1) + op_wait(20) + op_wait(20) + op_wait(20),
        "conflict-old-answers": op_rx(who(2, 2, 1), ASK) + third_claims_peer + op_wait(10) +
        peer_answers + op_out(1) + op_wait(40),
        "conflict-old-silent": op_rx(who(2, 2, 1), ASK) + third_claims_peer + op_wait(20) +
        op_wait(20) + op_out(1) + op_wait(20) + op_out(1),
        "gratuitous-claim": op_rx(who(2, 2, 1), ASK) + op_rx(who(2, 3, 3), ASK) + op_wait(70),
        "router-moves": op_echo(3) + op_rx(who(1, 3, 1, True), ANSWER) + op_wait(70) + op_echo(3),
        "probe-conflict": op_probe(2) + op_rx(who(0, 3, 2), arp(2, bytes(6), bytes([198, 18, 1, 77]), MAC, ZERO4)),
        "probe-simultaneous": op_probe(2) + op_rx(who(3, 3, 2), ASK),
        "probe-quiet": op_probe(2) + op_wait(10) + op_probe(1),
        "reconfigure-drops-queue": op_out(0) + op_out(2) + OP_RECONF + op_wait(70),
        "echo-on-link": op_echo(1) + op_rx(who(2, 2, 1, True), ANSWER),
        "malformed": op_rx(0x2A | TO_US, arp(1, PEER_MAC, PEER, bytes(6), IP)[:6] + b"\x00\x07") +
        op_rx(who(2, 2, 1) & ~VALID, bytes([0, 6, 8, 0, 6, 4, 0, 1])),
        "multicast-sender": op_rx(who(2, 0, 1), arp(1, bytes.fromhex("01005e000001"), PEER, bytes(6), IP)),
        "expiry": op_rx(who(2, 2, 1), ASK) + op_wait(255) * 10 + op_out(1),
    }


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (target, len(seeds)))


if __name__ == "__main__":
    write("fuzz_eth", eth_seeds())
    write("fuzz_ip4", ip4_seeds())
    write("fuzz_arp", arp_seeds())
