"""pcapfile.py — the classic pcap reader the lab's capture tools share (flow-pcap.py, dhcp-pcap.py): what
`tcpdump -w` writes, either byte order, micro- or nanosecond timestamps, Ethernet link type only.
Standard library only. Errors raise PcapError; each tool turns it into its own exit message."""
import struct

MICRO = (0xA1B2C3D4, 0xD4C3B2A1)
NANO = (0xA1B23C4D, 0x4D3CB2A1)
HEADER_LEN = 24


class PcapError(Exception):
    pass


def header(data):
    """(byte order, nano) from the file header; None while there are fewer than 24 bytes (a capture still
    being written); PcapError if it is not a classic Ethernet pcap"""
    if len(data) < HEADER_LEN:
        return None
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in MICRO + NANO:
        raise PcapError("not a classic pcap file")
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise PcapError("link type %d, want Ethernet" % linktype)
    return end, magic in NANO


def records(data, pos, end, nano):
    """(ts, frame, next_pos) for every complete record from pos (a partly written last record is left for
    the next read)"""
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[pos:pos + 16])
        if pos + 16 + incl > len(data):
            break
        yield sec + frac / (1e9 if nano else 1e6), data[pos + 16:pos + 16 + incl], pos + 16 + incl
        pos += 16 + incl


def read_frames(path):
    """[(ts, frame)] of a whole capture file; [] for an empty one"""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise PcapError(str(e))
    h = header(data)
    return [(ts, fr) for ts, fr, _ in records(data, HEADER_LEN, *h)] if h else []
