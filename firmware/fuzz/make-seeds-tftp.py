#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_tftp (firmware/fuzz/fuzz_tftp.c): parser
inputs (first byte even: packets as tftpd-hpa, atftpd and dnsmasq send them)
and state-machine scripts (first byte odd: a config byte, then operations)
that reach windowed transfers, gaps, stale blocks, wrong TIDs, ERROR 8,
restarts and timeouts. Run from anywhere; files land in
firmware/fuzz/corpus/fuzz_tftp/."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_tftp")


def oack(*kv):
    return struct.pack("!H", 6) + b"".join(k + b"\0" + v + b"\0" for k, v in kv)


def error(code, msg=b"", nul=True):
    return struct.pack("!HH", 5, code) + msg + (b"\0" if nul else b"")


def data(block, payload):
    return struct.pack("!HH", 3, block) + payload


PARSER = {
    "oack-tftpd-hpa": oack((b"blksize", b"1468"), (b"tsize", b"16777216"), (b"timeout", b"1")),
    "oack-atftpd": oack((b"blksize", b"1468"), (b"tsize", b"3000000"), (b"timeout", b"1"),
                        (b"windowsize", b"16")),
    "oack-dnsmasq": oack((b"blksize", b"1468"), (b"tsize", b"3000000")),
    "oack-mixed-case-unknown": oack((b"BLKSIZE", b"512"), (b"x-vendor", b"1"), (b"WindowSize", b"4")),
    "oack-rollover": oack((b"rollover", b"1"), (b"blksize", b"8")),
    "oack-duplicate": oack((b"blksize", b"512"), (b"blksize", b"1024")),
    "oack-no-nul": struct.pack("!H", 6) + b"blksize\0" + b"512",
    "error-msg": error(1, b"File not found"),
    "error-bare": error(8, nul=False),
    "error-no-nul": error(5, b"Unknown transfer ID", nul=False),
    "data": data(1, bytes(range(200))),
}


def cfg(window=2, blk=2, options=True, restarts=3, small_cap=False, rollover=False):
    """Config byte: window index (1,4,16,64), blksize index (path,8,512,1000)."""
    return bytes([window | blk << 2 | (0 if options else 0x10) | restarts << 5 |
                  (0x40 if small_cap else 0) | (0x80 if rollover else 0)])


def op_data(delta=0, how=0, other=False):
    return bytes([0 | (8 if other else 0), delta & 0xFF, how])


def op_oack(body, other=False):
    body = body[2:]
    return bytes([2 | (8 if other else 0), len(body)]) + body


def op_error(code, msg=b"", other=False):
    body = struct.pack("!H", code) + msg + b"\0"
    return bytes([3 | (8 if other else 0), len(body)]) + body


def op_raw_tid(opcode, body):
    return bytes([4]) + struct.pack("!H", opcode) + bytes([len(body)]) + body


def op_foreign(opcode, body, other_addr=False):
    return bytes([5 | (8 if other_addr else 0)]) + struct.pack("!H", opcode) + bytes([len(body)]) + body


def op_time(units):  # units of 50 ms
    return bytes([6, units])


def op_icmp(unreachable=False):
    return bytes([7 | (16 if unreachable else 0)])


W4 = oack((b"blksize", b"512"), (b"windowsize", b"4"), (b"tsize", b"4000"))
SCRIPTS = {
    "window-in-order": cfg(1) + op_oack(W4) + b"".join(op_data() for _ in range(7)) + op_data(0, 210),
    "window-gap": cfg(1) + op_oack(W4) + op_data() + op_data(1) + op_data(2) + op_data(0) * 3 +
    op_data(0, 205),
    "stale-and-dup": cfg(1) + op_oack(W4) + op_data() * 4 + op_data(-4 & 0xFF) + op_data(-1 & 0xFF) +
    op_data() + op_data(0, 220),
    "wrong-tid": cfg(1) + op_oack(W4) + op_data() + op_data(0, 0, other=True) +
    op_foreign(3, b"\0\2xx", other_addr=True) + op_error(5, b"x", other=True) + op_data(0, 201),
    "no-options": cfg(0, 2, options=False) + op_data() + op_data() + op_data(0, 210),
    "server-ignores-options": cfg(2) + op_data() + op_data(0, 230),
    "error8-retry": cfg(2) + op_error(8, b"no options") + op_data(0, 0, other=True) + op_data(0, 203, other=True),
    "restart-after-error": cfg(1) + op_oack(W4) + op_data() * 5 + op_error(5, b"Unknown transfer ID") +
    op_time(3) + op_oack(W4, other=True) + op_data(0, 0, other=True) + op_data(0, 210, other=True),
    "silence-restart": cfg(2, restarts=1) + op_oack(W4) + op_data() + op_time(255) + op_time(255) +
    op_time(255) + op_oack(W4, other=True) + op_data(0, 205, other=True),
    "icmp": cfg(1) + op_oack(W4) + op_data() + op_icmp() + op_time(3) + op_icmp(True),
    "cap": cfg(1, small_cap=True) + op_oack(oack((b"blksize", b"1000"), (b"windowsize", b"4"))) +
    op_data() * 6,
    "tsize-over-cap": cfg(1, small_cap=True) + op_oack(oack((b"tsize", b"999999"),)),
    "bad-oack": cfg(1) + op_oack(oack((b"blksize", b"65464"),)),
    "rrq-timeout": cfg(1) + op_time(255) * 6,
    "rollover-oack": cfg(2, 1, rollover=True) + op_oack(oack((b"blksize", b"8"), (b"rollover", b"1"),
                                                           (b"windowsize", b"16"))) + op_data() * 20,
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, pkt in PARSER.items():
        with open(os.path.join(OUT, "pkt-" + name + ".bin"), "wb") as f:
            f.write(b"\x00" + pkt)
    for name, script in SCRIPTS.items():
        with open(os.path.join(OUT, "run-" + name + ".bin"), "wb") as f:
            f.write(b"\x01" + script)
    print("fuzz_tftp: %d seeds in %s" % (len(PARSER) + len(SCRIPTS), OUT))


if __name__ == "__main__":
    main()
