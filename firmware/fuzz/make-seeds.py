#!/usr/bin/env python3
"""Writes the fuzz seed corpora: a few valid DHCPv4 and DHCPv6 messages, the
same bytes the unit tests build in firmware/tests/testutil.h. Run from the
repository root (or anywhere); the files land in firmware/fuzz/corpus/."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def dhcp4(op, xid, yiaddr, siaddr, mac, sname=b"", file=b"", options=b"", file_raw=None,
          sname_raw=None):
    hdr = struct.pack("!BBBBIHH", op, 1, 6, 0, xid, 0, 0x8000)
    hdr += bytes(4) + bytes(yiaddr) + bytes(siaddr) + bytes(4)
    hdr += bytes(mac) + bytes(10)
    hdr += (sname_raw if sname_raw is not None else sname).ljust(64, b"\0")
    hdr += (file_raw if file_raw is not None else file).ljust(128, b"\0")
    assert len(hdr) == 236
    return hdr + b"\x63\x82\x53\x63" + options


def opt4(code, data):
    return bytes([code, len(data)]) + data


MAC = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
SERVER = bytes([198, 18, 255, 69])


def ack():  # t4_build_ack()
    return dhcp4(2, 0x1A2B3C4D, [198, 18, 1, 100], SERVER, MAC, options=b"".join([
        opt4(53, b"\x05"),
        opt4(54, SERVER),
        opt4(51, struct.pack("!I", 3600)),
        opt4(1, bytes([255, 255, 0, 0])),
        opt4(3, bytes([198, 18, 0, 1])),
        opt4(6, bytes([198, 18, 0, 53, 198, 18, 0, 54])),
        opt4(60, b"PXEClient"),
        opt4(66, b"198.18.255.69"),
        opt4(67, b"nearboot/stage1.efi"),
    ]) + b"\xff")


def overload_ack():  # options continue in file (67) and sname (66, 6)
    file_opts = opt4(67, b"boot/from-file.efi") + b"\xff"
    sname_opts = b"\0\0" + opt4(66, b"10.9.9.9") + opt4(6, bytes([9, 9, 9, 9])) + b"\xff"
    return dhcp4(2, 7, [198, 18, 1, 100], SERVER, MAC, file_raw=file_opts, sname_raw=sname_opts,
                 options=opt4(53, b"\x05") + opt4(52, b"\x03") + b"\xff")


def bootp_reply():  # file and sname fields, no boot options, pads, no END
    return dhcp4(2, 9, [10, 0, 2, 15], [10, 0, 2, 2], MAC, sname=b"tftp.lab.example",
                 file=b"pxelinux/bootx64.efi", options=opt4(53, b"\x02") + bytes(8))


def dnsmasq_ack():  # as in test_dnsmasq_style_ack
    srv = bytes([10, 0, 2, 2])
    opts = b"".join([
        opt4(53, b"\x05"), opt4(54, srv), opt4(51, b"\x00\x00\x0e\x10"),
        opt4(58, b"\x00\x00\x07\x08"), opt4(59, b"\x00\x00\x0c\x4e"),
        opt4(1, b"\xff\xff\xff\x00"), opt4(28, b"\x0a\x00\x02\xff"), opt4(3, srv),
        opt4(6, b"\x0a\x00\x02\x03"), opt4(15, b"lab.example"), opt4(60, b"PXEClient"),
        opt4(97, bytes(range(0x00, 0x11))),
        opt4(43, bytes([6, 1, 8, 10, 4, 0]) + b"PXE\xff"),
    ]) + b"\xff"
    p = dhcp4(2, 0x5A9D3C01, [10, 0, 2, 15], srv, MAC, file=b"ipxe.efi", options=opts)
    return p.ljust(300, b"\0")


def nearboot_ack():  # search list (119), classless routes (121), site URLs (224)
    search = b"\x03lab\x07example\x00" + b"\x04boot\xc0\x00"
    routes = b"\x18\x0a\x00\x02" + b"\x0a\x00\x02\x02" + b"\x00" + b"\x0a\x00\x02\x01"
    sites = b"".join(bytes([1, len(u)]) + u for u in
                     (b"https://site-a.example/nearboot", b"https://site-b.example/nearboot"))
    return dhcp4(2, 11, [10, 0, 2, 15], [10, 0, 2, 2], MAC, options=b"".join([
        opt4(53, b"\x05"), opt4(54, bytes([10, 0, 2, 2])), opt4(119, search),
        opt4(121, routes), opt4(224, sites), opt4(67, b"nearboot.efi"),
    ]) + b"\xff")


def opt6(code, data):
    return struct.pack("!HH", code, len(data)) + data


CLIENT_DUID = bytes([0, 1, 0, 1, 0x2C, 0x6B, 0x1E, 0x00, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
SERVER_DUID = bytes([0, 3, 0, 1, 0x52, 0x54, 0x00, 0xFF, 0x00, 0x69])
ADDR = bytes([0xFD, 0x00, 0xB0, 0x07, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00])
DNS = (bytes([0xFD, 0x00, 0xB0, 0x07, 0, 0, 0xFF, 0xFF]) + bytes(7) + b"\x53" +
       bytes([0xFD, 0x00, 0xB0, 0x07, 0, 0, 0xFF, 0xFF]) + bytes(7) + b"\x54")
URL = b"tftp://[fd00:b007:0:ffff::69]/nearboot/stage1.efi"


def status6(code, msg):
    return opt6(13, struct.pack("!H", code) + msg)


def reply6(msg_type):  # t6_build_reply()
    iaaddr = opt6(5, ADDR + struct.pack("!II", 1800, 3600))
    ia_na = opt6(3, struct.pack("!III", 0x00123456, 900, 1440) + iaaddr + status6(0, b"ok"))
    return (bytes([msg_type, 0xAB, 0xCD, 0xEF]) + opt6(1, CLIENT_DUID) + opt6(2, SERVER_DUID) +
            ia_na + opt6(7, b"\xff") + opt6(23, DNS) + opt6(59, URL))


def no_addrs6():  # ADVERTISE: NoAddrsAvail in the IA_NA, a message status
    ia_na = opt6(3, struct.pack("!III", 99, 0, 0) + status6(2, b"no addresses available"))
    return (bytes([2, 0, 0, 7]) + opt6(1, CLIENT_DUID) + opt6(2, SERVER_DUID) + ia_na +
            status6(1, b"") + opt6(7, b"\x00"))


def nearboot_reply6():  # domains (24), boot parameters (60), site URLs (17), 82/83
    domains = b"\x03lab\x07example\x00" + b"\x04boot\x03lab\x07example\x00"
    params = b"".join(struct.pack("!H", len(p)) + p for p in (b"console=ttyS0", b"quiet"))
    sites = struct.pack("!I", 32473) + b"".join(
        opt6(1, u) for u in (b"https://site-a.example/nearboot", b"https://site-b.example/nearboot"))
    return (reply6(7) + opt6(24, domains) + opt6(60, params) + opt6(17, sites) +
            opt6(82, struct.pack("!I", 3600)) + opt6(83, struct.pack("!I", 3600)) +
            opt6(14, b""))


def multi_ia6():  # ADVERTISE: several IA_NAs (T1 > T2, preferred > valid), 82, rapid-commit REPLY shape
    def ia(iaid, t1, t2, addrs):
        body = struct.pack("!III", iaid, t1, t2)
        for a, pl, vl in addrs:
            body += opt6(5, a + struct.pack("!II", pl, vl) + status6(0, b""))
        return opt6(3, body)
    a2 = ADDR[:15] + b"\x02"
    return (bytes([2, 0x01, 0x02, 0x03]) + opt6(1, CLIENT_DUID) + opt6(2, SERVER_DUID) +
            ia(1, 0, 0, []) + ia(2, 500, 400, [(ADDR, 1, 2)]) + ia(3, 100, 200, [(ADDR, 9, 8), (a2, 8, 9)]) +
            ia(4, 0, 0, [(a2, 0, 0)]) + ia(5, 1, 1, [(ADDR, 1, 1)]) + opt6(7, b"\x0a") +
            opt6(82, struct.pack("!I", 120)) + status6(0, b"success"))


SEEDS = {
    "fuzz_dhcp4_msg": {
        "ack.bin": ack(),
        "overload-ack.bin": overload_ack(),
        "bootp-reply.bin": bootp_reply(),
        "dnsmasq-ack.bin": dnsmasq_ack(),
        "nearboot-ack.bin": nearboot_ack(),
    },
    "fuzz_dhcp6_msg": {
        "reply.bin": reply6(7),
        "advertise.bin": reply6(2),
        "reply-cached-1472.bin": reply6(7).ljust(1472, b"\0"),
        "advertise-noaddrs.bin": no_addrs6(),
        "reply-nearboot.bin": nearboot_reply6(),
        "advertise-multi-ia.bin": multi_ia6(),
    },
}


def main():
    for target, files in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
