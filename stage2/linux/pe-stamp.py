#!/usr/bin/env python3
"""pe-stamp.py FILE [EPOCH] — set a PE image's COFF time stamp (default SOURCE_DATE_EPOCH, else 0) and
recompute its optional-header CheckSum, so objcopy's output (binutils 2.40 stamps the current time) is
reproducible. Standard library only; rewrites FILE in place."""
import os
import struct
import sys


def pe_checksum(data, csum_off):
    total = 0
    n = len(data)
    padded = data + (b"\0" if n % 2 else b"")
    for (w,) in struct.iter_unpack("<H", padded):
        total += w
    # the CheckSum field itself counts as zero
    total -= struct.unpack_from("<H", padded, csum_off)[0] + struct.unpack_from("<H", padded, csum_off + 2)[0]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (total + n) & 0xFFFFFFFF


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__ + "\n")
        return 2
    epoch = int(argv[2] if len(argv) > 2 else os.environ.get("SOURCE_DATE_EPOCH", "0"))
    with open(argv[1], "rb") as f:
        data = bytearray(f.read())
    if data[:2] != b"MZ":
        raise SystemExit("pe-stamp.py: %s is not a PE image" % argv[1])
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise SystemExit("pe-stamp.py: %s has no PE header" % argv[1])
    struct.pack_into("<I", data, pe + 8, epoch & 0xFFFFFFFF)  # COFF TimeDateStamp
    csum_off = pe + 24 + 64  # optional header CheckSum (same offset in PE32 and PE32+)
    struct.pack_into("<I", data, csum_off, 0)
    struct.pack_into("<I", data, csum_off, pe_checksum(bytes(data), csum_off))
    with open(argv[1] + ".tmp", "wb") as f:
        f.write(data)
    os.replace(argv[1] + ".tmp", argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
