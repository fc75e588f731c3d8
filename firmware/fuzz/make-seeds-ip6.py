#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_ip6 and fuzz_icmp6 (firmware/fuzz/corpus/):
valid and edge-case IPv6 packets and ICMPv6/ND messages in the input format
each target documents (a selector byte or two, then the packet). Run from
anywhere; the files land beside this script."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

GLOBAL = bytes.fromhex("fd00b007000100005054 00fffe123456".replace(" ", ""))
REMOTE = bytes.fromhex("fd00b0070009000000000000 00000009".replace(" ", ""))
RTR_LL = bytes.fromhex("fe800000000000000000000000000001")
PEER_LL = bytes.fromhex("fe800000000000000000000000000002")
DNS = bytes.fromhex("fd00b0070000ffff0000000000000053")
PREFIX = bytes.fromhex("fd00b007000100000000000000000000")
MAC_RTR = bytes.fromhex("525400000001")
MAC_PEER = bytes.fromhex("525400000002")


def ip6(nh, payload, src=REMOTE, dst=GLOBAL, hop=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hop) + src + dst + payload


def ext(nh, body, units=1):
    """An extension header of 8*units bytes: nh, length, body, PadN to the end."""
    total = 8 * units
    pad = total - 2 - len(body)
    assert pad >= 0
    padding = b"\x00" if pad == 1 else (bytes([1, pad - 2]) + bytes(pad - 2) if pad else b"")
    return bytes([nh, units - 1]) + body + padding


ECHO = bytes([128, 0, 0, 0, 0x12, 0x34, 0, 1]) + b"nearboot"
UDP = struct.pack("!HHHH", 40000, 9, 12, 0) + b"ping"
TCP_SYN = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)


def ip6_seeds():
    ours = 0x18  # destination rewritten to ours, payload length made consistent
    chain = (ext(60, bytes([5, 2, 0, 0]))                 # hop-by-hop, router alert
             + ext(43, b"")                                # destination options
             + bytes([44, 0, 0, 0, 0, 0, 0, 0])            # routing, segments left 0
             + bytes([60, 0, 0, 0, 0, 0, 0x12, 0x34])      # atomic fragment
             + ext(58, b"", 2))                            # destination options
    nine = b"".join(ext(60 if i < 8 else 58, b"") for i in range(9))
    return {
        "echo.bin": bytes([ours]) + ip6(58, ECHO),
        "ext-chain.bin": bytes([ours]) + ip6(0, chain + ECHO),
        "opt-skip.bin": bytes([ours]) + ip6(60, ext(58, bytes([0x1e, 2, 0, 0])) + ECHO),
        "opt-discard.bin": bytes([ours]) + ip6(60, ext(58, bytes([0x5e, 2, 0, 0])) + ECHO),
        "opt-icmp.bin": bytes([ours]) + ip6(60, ext(58, bytes([0x9e, 2, 0, 0])) + ECHO),
        "opt-icmp-unicast.bin": bytes([ours]) + ip6(60, ext(58, bytes([0xde, 2, 0, 0])) + ECHO),
        "opt-overrun.bin": bytes([ours]) + ip6(60, bytes([58, 0, 0x1e, 9, 0, 0, 0, 0]) + ECHO),
        "hbh-second.bin": bytes([ours]) + ip6(60, ext(0, b"") + ext(58, b"") + ECHO),
        "routing-type0.bin": bytes([ours]) + ip6(43, bytes([58, 2, 0, 1]) + bytes(20) + ECHO),
        "fragment.bin": bytes([ours]) + ip6(44, bytes([58, 0, 0, 1, 0, 0, 0, 7]) + ECHO),
        "no-next.bin": bytes([ours]) + ip6(59, b""),
        "nine-headers.bin": bytes([ours]) + ip6(60, nine + ECHO),
        "unknown-proto.bin": bytes([ours]) + ip6(253, b"abcdefgh"),
        "udp.bin": bytes([ours]) + ip6(17, UDP),
        "tcp-syn.bin": bytes([ours]) + ip6(6, TCP_SYN),
        "padded.bin": bytes([0x08]) + ip6(58, ECHO) + bytes(20),
        "not-ours.bin": bytes([0x10]) + ip6(58, ECHO, dst=REMOTE),
    }


def opt_lla(t, mac):
    return bytes([t, 1]) + mac


def ra(lifetime=1800, flags=0xC0, opts=b""):
    return struct.pack("!BBHBBHII", 134, 0, 0, 64, flags, lifetime, 0, 0) + opts


def pio(prefix, plen=64, flags=0xC0, valid=86400, preferred=14400):
    return struct.pack("!BBBBIII", 3, 4, plen, flags, valid, preferred, 0) + prefix


def dnssl(labels, lifetime=600):
    body = labels + b"\x00"
    total = (8 + len(body) + 7) // 8 * 8
    return struct.pack("!BBHI", 31, total // 8, 0, lifetime) + body + bytes(total - 8 - len(body))


def ns(target, opts=b""):
    return struct.pack("!BBHI", 135, 0, 0, 0) + target + opts


def na(target, flags, opts=b""):
    return struct.pack("!BBHB3x", 136, 0, 0, flags) + target + opts


def err(t, code, param, invoking):
    return struct.pack("!BBHI", t, code, 0, param) + invoking


def icmp6_seeds():
    # byte 0: src (bits 0-1: router-ll, peer-ll, remote, ::), dst (bits 2-4: global, ll,
    # ff02::1, snode(global), snode(ll), remote), bit 7: hop limit 64, bit 6: hop limit 1;
    # byte 1: wait.
    ours_udp = ip6(17, UDP, src=GLOBAL, dst=REMOTE)
    full_ra = ra(opts=opt_lla(1, MAC_RTR) + struct.pack("!BBHI", 5, 1, 0, 1400) + pio(PREFIX)
                 + struct.pack("!BBHI", 25, 3, 0, 600) + DNS + dnssl(b"\x03lab\x07example"))
    return {
        "echo.bin": bytes([0x02, 0]) + ECHO,
        "ra-full.bin": bytes([0x08, 40]) + full_ra,
        "ra-new-prefix.bin": bytes([0x08, 30]) + ra(opts=pio(bytes.fromhex("fd00b0070002") + bytes(10))),
        "ra-zero-lifetime.bin": bytes([0x08, 0]) + ra(lifetime=0),
        "ra-zero-len-opt.bin": bytes([0x08, 0]) + ra(opts=bytes([25, 0]) + bytes(6)),
        "ra-hop64.bin": bytes([0x88, 0]) + ra(),
        "ns-global.bin": bytes([0x0d, 0]) + ns(GLOBAL, opt_lla(1, MAC_PEER)),
        "ns-dad.bin": bytes([0x0f, 0]) + ns(GLOBAL, bytes([14, 1, 1, 2, 3, 4, 5, 6])),
        "na-router.bin": bytes([0x01, 0]) + na(RTR_LL, 0xe0, opt_lla(2, MAC_RTR)),
        "na-conflict.bin": bytes([0x09, 0]) + na(GLOBAL, 0x20, opt_lla(2, MAC_PEER)),
        "unreach-port.bin": bytes([0x00, 0]) + err(1, 4, 0, ours_udp),
        "too-big.bin": bytes([0x00, 0]) + err(2, 0, 1300, ours_udp),
        "time-exceeded.bin": bytes([0x00, 0]) + err(3, 0, 0, ip6(60, ext(17, b"") + UDP, src=GLOBAL, dst=REMOTE)),
        "param-problem.bin": bytes([0x00, 0]) + err(4, 1, 6, ours_udp[:44]),
        "redirect.bin": bytes([0x00, 0]) + struct.pack("!BBHI", 137, 0, 0, 0) + RTR_LL + REMOTE,
        "echo-reply.bin": bytes([0x02, 0]) + bytes([129]) + ECHO[1:],
        "dnssl-only.bin": bytes(2) + dnssl(b"\x02nb\x04test"),
        "mld-query-v2.bin": bytes([0x48, 30]) + struct.pack("!BBHHH", 130, 0, 0, 1000, 0) + bytes(16) + bytes(4),
        "mld-query-v1.bin": bytes([0x48, 5]) + struct.pack("!BBHHH", 130, 0, 0, 0, 0) + bytes(16),
        "invoking-only.bin": bytes(2) + ours_udp,
    }


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fuzz_ip6", ip6_seeds())
    write("fuzz_icmp6", icmp6_seeds())
