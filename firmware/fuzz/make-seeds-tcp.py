#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_tcp (firmware/fuzz/fuzz_tcp.c): parser
inputs (first byte even) and state-machine scripts (first byte odd) that
reach each state with in-order, out-of-order, FIN and RST traffic. Run from
anywhere; files land in firmware/fuzz/corpus/fuzz_tcp/."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_tcp")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
OPT_FULL = bytes([2, 4, 0x05, 0xB4, 1, 3, 3, 7, 1, 1, 4, 2])
OPT_SACK_TS = bytes([1, 1, 5, 18]) + struct.pack("!4I", 100, 200, 300, 400) + \
    bytes([1, 1, 8, 10]) + struct.pack("!2I", 7, 9)

STATES = ["CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSING",
          "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK"]


def tcp_header(sport, dport, seq, ack, flags, wnd, opts=b"", data=b""):
    opts = opts + bytes((-len(opts)) % 4)
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, wnd, 0, 0) + opts + data


def seg(flags, dseq=0, dack=0, wnd=0xFFFF, opts=None, length=None, far=False):
    """State-machine op 0: a segment relative to RCV.NXT / SND.UNA."""
    op = 0x00 | (0x08 if opts is not None else 0) | (0x10 if length is not None else 0) | \
        (0x80 if far else 0)
    b = bytes([op, flags]) + struct.pack("!hhH", dseq, dack, wnd)
    if opts is not None:
        b += bytes([len(opts)]) + opts
    if length is not None:
        b += struct.pack("!H", length)
    return b


def raw(hdr, length=0):
    """Op 2: a raw header (its length 20..60), then `length` payload bytes."""
    return bytes([0x02, len(hdr) - 20]) + struct.pack("!H", length) + hdr + b"\x00\x00"


def read(n=0xFFFF):
    return bytes([0x03]) + struct.pack("!H", n)


def send(n):
    return bytes([0x04]) + struct.pack("!H", n)


def wait(units100us):
    return bytes([0x05]) + struct.pack("!H", units100us)


def close():
    return bytes([0x46])


def sm(state, cfg=2, synack_opts=OPT_FULL, wnd=0xFFFF, ops=b""):
    b = bytes([0x01, state, cfg])
    if state != 1:
        b += bytes([len(synack_opts)]) + synack_opts + struct.pack("!H", wnd)
    return b + ops


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "parse-synack": b"\x00" + tcp_header(80, 50000, 1, 2, SYN | ACK, 29200, OPT_FULL),
        "parse-data-sack-ts": b"\x00" + tcp_header(80, 50000, 5, 6, ACK | PSH, 512, OPT_SACK_TS, b"hello"),
        "parse-bare": b"\x00" + tcp_header(80, 50000, 0, 0, ACK, 0),
        "parse-bad-optlen": b"\x00" + tcp_header(80, 50000, 0, 0, ACK, 0, bytes([1, 30, 0, 1])),
    }
    inorder = seg(ACK, 0, length=1000) + seg(ACK | PSH, 1000, length=1400) + read()
    ooo = seg(ACK, 1460, length=1460) + seg(ACK, 4380, length=1460) + seg(ACK, 0, length=1460) + \
        seg(ACK, 2920 - 1460, length=1460) + read()
    fin = seg(ACK | FIN, 0, length=10) + read() + close() + seg(ACK, 0, 1)
    rst = seg(RST, 5) + seg(RST, 0)
    sender = send(3000) + seg(ACK, 0, 1460) + seg(ACK, 0, 1460) + seg(ACK, 0, 0) + seg(ACK, 0, 0) + \
        seg(ACK, 0, 0) + wait(5000) + seg(ACK, 0, 3000)
    for i, name in enumerate(STATES):
        if i == 0:
            continue
        seeds["sm-%s" % name.lower()] = sm(i, ops=inorder + fin)
    seeds["sm-established-ooo"] = sm(2, ops=ooo)
    seeds["sm-established-rst"] = sm(2, ops=rst)
    seeds["sm-established-sender"] = sm(2, ops=sender)
    seeds["sm-established-zero-window"] = sm(2, wnd=0, ops=send(100) + wait(20000) +
                                             seg(ACK, 0, 0, wnd=0) + wait(60000) + seg(ACK, 0, 0, wnd=100))
    seeds["sm-small-buffer"] = sm(2, cfg=0, ops=seg(ACK, 0, length=1400) + seg(ACK, 1400, length=1400) +
                                  read(100) + read(2000) + seg(ACK, 0, length=1))
    seeds["sm-big-buffer-far"] = sm(2, cfg=3, ops=seg(ACK, 100, length=1000, far=True) +
                                    seg(ACK, 0, length=1000) + read())
    seeds["sm-syn-sent-refused"] = sm(1, ops=bytes([0x00, RST | ACK]) + struct.pack("!hhH", 0, 1, 0))
    seeds["sm-syn-sent-synack-data"] = sm(1, ops=seg(SYN | ACK, 0, 1, opts=OPT_FULL, length=100) + read())
    seeds["sm-raw-options"] = sm(2, ops=raw(tcp_header(0, 0, 0, 0, ACK, 100, OPT_SACK_TS), 50) + read())
    seeds["sm-timeouts"] = sm(2, cfg=0x22, ops=send(500) + bytes([0x06, 30]) + bytes([0x06, 200]))
    seeds["sm-icmp"] = sm(1, ops=bytes([0x07, 1]))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
