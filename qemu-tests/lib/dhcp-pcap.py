#!/usr/bin/env python3
"""dhcp-pcap.py — DHCPv4/DHCPv6 (and RA/RS/DAD) on a capture of the client's link, for the lab's assertions
and for bench-dhcp. Standard library only; reads classic pcap (what `tcpdump -w` writes), Ethernet.

  dhcp-pcap.py dump PCAP [--mac MAC]
      one line per packet, key=value tokens (grep-friendly):
        t=<s since the first packet> ts=<epoch> v4|v6 who=nearboot|firmware|server|router|client
        [for=nearboot|firmware] TYPE xid=... src=... dst=... then per family ciaddr/yiaddr/giaddr/sid/req/
        file/vci/uc/cid (v4) or duid/iaid/addr/url/elapsed/rapid/status (v6)
      Client packets are nearboot's when they carry its user class "nearboot" (v4 option 77, v6 option 15),
      else the firmware's; a server's reply is attributed by transaction id.
  dhcp-pcap.py retrans4 PCAP --mac MAC [--min N]
      nearboot's DISCOVER retransmissions (one xid) against RFC 2131 §4.1: the n-th wait is 4*2^(n-1) s
      (capped at 64 s) randomized by +-1 s; secs follows the elapsed time. Needs N intervals (default 2).
  dhcp-pcap.py retrans6 PCAP [--min N] [--mrt S] [--slack S] [--elapsed-cs N] [--iaid N]
      nearboot's SOLICIT schedule against RFC 8415 §15/§18.2.1: first RT in (IRT, 1.1*IRT] (RAND > 0),
      then 2*RTprev +-10 %, above MRT MRT +-10 %; one xid; Elapsed Time follows the capture within N cs
      (default 15); DUID and IAID constant (and the IAID is N, if given). Needs N intervals (default 3).
      --slack: seconds added to every band (default 0.12, a TCG guest; nb-probe on the host: 0.03).
  dhcp-pcap.py ids PCAP1 PCAP2 [--mac MAC]
      nearboot's DHCPv6 DUID and IAID, and DHCPv4 client identifier: one value per capture, the same in both.
  dhcp-pcap.py timing PCAP [--mac MAC]
      durations for bench-dhcp: first DHCP packet to the reply with boot information, per client and family.
Exit status: 0 ok, 1 a check failed, 2 usage or unreadable capture.
"""
import argparse
import ipaddress
import struct
import sys

import pcapfile  # this directory: the shared pcap reader

SLACK = 0.12  # s: timer granularity of a TCG guest plus capture timestamping

V4_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}
V6_TYPES = {1: "SOLICIT", 2: "ADVERTISE", 3: "REQUEST", 4: "CONFIRM", 5: "RENEW", 6: "REBIND", 7: "REPLY",
            8: "RELEASE", 9: "DECLINE", 10: "RECONFIGURE", 11: "INFORMATION-REQUEST", 12: "RELAY-FORW",
            13: "RELAY-REPL"}


def read_pcap(path):
    try:
        return pcapfile.read_frames(path)
    except pcapfile.PcapError as e:
        sys.exit("dhcp-pcap: %s: %s" % (path, e))


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def ip4(b):
    return str(ipaddress.IPv4Address(bytes(b)))


def ip6(b):
    return str(ipaddress.IPv6Address(bytes(b)))


def v4_options(msg):
    opts = {}
    p = 240
    if len(msg) < 240 or msg[236:240] != b"\x63\x82\x53\x63":
        return opts
    while p < len(msg):
        c = msg[p]
        if c == 255:
            break
        if c == 0:
            p += 1
            continue
        if p + 2 > len(msg):
            break
        ln = msg[p + 1]
        opts.setdefault(c, msg[p + 2:p + 2 + ln])
        p += 2 + ln
    return opts


def v6_options(buf):
    opts = {}
    p = 0
    while p + 4 <= len(buf):
        c, ln = struct.unpack("!HH", buf[p:p + 4])
        opts.setdefault(c, []).append(buf[p + 4:p + 4 + ln])
        p += 4 + ln
    return opts


def text(b):
    s = "".join(chr(x) if 0x21 <= x < 0x7F else "." for x in b)
    return s or "-"


class Pkt:
    def __init__(self, ts, fam, kind):
        self.ts, self.fam, self.kind = ts, fam, kind
        self.who, self.for_ = "", ""
        self.f = {}  # ordered fields for printing
        self.xid = None
        self.boot = ""  # boot information carried (file / URL)


def parse(frames, mac):
    mac = bytes.fromhex(mac.replace(":", "")) if mac else None
    pkts = []
    for ts, fr in frames:
        if len(fr) < 14:
            continue
        src_mac, etype = fr[6:12], struct.unpack("!H", fr[12:14])[0]
        from_client = mac is not None and src_mac == mac
        if etype == 0x0800 and len(fr) >= 34:
            ihl = (fr[14] & 0x0F) * 4
            if fr[23] != 17 or len(fr) < 14 + ihl + 8:
                continue
            ipsrc, ipdst = fr[26:30], fr[30:34]
            u = 14 + ihl
            sport, dport = struct.unpack("!HH", fr[u:u + 4])
            if not ({sport, dport} & {67, 68, 4011}):
                continue
            m = fr[u + 8:]
            if len(m) < 240:
                continue
            o = v4_options(m)
            t = o.get(53, b"\x00")[0]
            p = Pkt(ts, 4, V4_TYPES.get(t, "BOOTP" if not o else "type%d" % t))
            p.xid = m[4:8].hex()
            chaddr = m[28:34]
            if m[0] == 1:
                p.who = "nearboot" if b"nearboot" in o.get(77, b"") else "firmware"
                if mac is not None and chaddr != mac:
                    p.who = "other"
            else:
                p.who = "server"
            fname = m[108:236].split(b"\0")[0]
            if 67 in o:
                fname = o[67].split(b"\0")[0]
            p.boot = fname.decode("latin-1") if m[0] == 2 else ""
            p.f = {
                "xid": p.xid, "src": "%s:%d" % (ip4(ipsrc), sport), "dst": "%s:%d" % (ip4(ipdst), dport),
                "secs": struct.unpack("!H", m[8:10])[0], "flags": "%04x" % struct.unpack("!H", m[10:12])[0],
                "ciaddr": ip4(m[12:16]), "yiaddr": ip4(m[16:20]), "siaddr": ip4(m[20:24]), "giaddr": ip4(m[24:28]),
                "chaddr": mac_text(chaddr),
                "sid": ip4(o[54]) if len(o.get(54, b"")) == 4 else "-",
                "req": ip4(o[50]) if len(o.get(50, b"")) == 4 else "-",
                "router": ip4(o[3][:4]) if len(o.get(3, b"")) >= 4 else "-",
                "lease": struct.unpack("!I", o[51])[0] if len(o.get(51, b"")) == 4 else "-",
                "file": text(fname), "vci": text(o.get(60, b"")), "uc": text(o.get(77, b"")),
                "cid": o[61].hex() if 61 in o else "-", "pxe43": "yes" if 43 in o else "no",
            }
            pkts.append(p)
        elif etype == 0x86DD and len(fr) >= 54:
            nh, src6, dst6 = fr[20], fr[22:38], fr[38:54]
            off = 54
            if nh == 0 and len(fr) >= off + 8:  # hop-by-hop (MLD): skip it
                nh, off = fr[off], off + (fr[off + 1] + 1) * 8
            if nh == 58 and len(fr) >= off + 4:
                icmp = fr[off:]
                ty = icmp[0]
                if ty == 134 and len(icmp) >= 16:
                    p = Pkt(ts, 6, "RA")
                    p.who = "client" if from_client else "router"
                    flags = icmp[5]
                    p.f = {"src": ip6(src6), "M": flags >> 7 & 1, "O": flags >> 6 & 1,
                           "lifetime": struct.unpack("!H", icmp[6:8])[0]}
                    q, pre = 16, []
                    while q + 2 <= len(icmp) and icmp[q + 1]:
                        ot, ol = icmp[q], icmp[q + 1] * 8
                        if ot == 3 and ol >= 32:
                            pre.append("%s/%d,L=%d,A=%d" % (ip6(icmp[q + 16:q + 32]), icmp[q + 2],
                                                            icmp[q + 3] >> 7 & 1, icmp[q + 3] >> 6 & 1))
                        q += ol
                    p.f["prefix"] = ";".join(pre) or "-"
                    pkts.append(p)
                elif ty == 133:
                    p = Pkt(ts, 6, "RS")
                    p.who = "client" if from_client else "other"
                    p.f = {"src": ip6(src6)}
                    pkts.append(p)
                elif ty == 135 and len(icmp) >= 24 and src6 == bytes(16):
                    p = Pkt(ts, 6, "NS-DAD")
                    p.who = "client" if from_client else "other"
                    p.f = {"target": ip6(icmp[8:24])}
                    pkts.append(p)
                continue
            if nh != 17 or len(fr) < off + 8:
                continue
            sport, dport = struct.unpack("!HH", fr[off:off + 4])
            if not ({sport, dport} & {546, 547}):
                continue
            m = fr[off + 8:]
            if len(m) < 4:
                continue
            p = Pkt(ts, 6, V6_TYPES.get(m[0], "type%d" % m[0]))
            p.xid = m[1:4].hex()
            o = v6_options(m[4:])
            if sport == 546:
                uc = b"".join(o.get(15, [])) + b"".join(o.get(16, []))
                p.who = "nearboot" if b"nearboot" in uc else "firmware"
                if not from_client and mac is not None:
                    p.who = "other"
            else:
                p.who = "server"
            iaid, addr = "-", "-"
            if 3 in o and len(o[3][0]) >= 12:
                iaid = str(struct.unpack("!I", o[3][0][:4])[0])
                sub = v6_options(o[3][0][12:])
                if 5 in sub and len(sub[5][0]) >= 16:
                    addr = ip6(sub[5][0][:16])
            status = "-"
            if 13 in o and len(o[13][0]) >= 2:
                status = str(struct.unpack("!H", o[13][0][:2])[0])
            url = o[59][0].decode("latin-1") if 59 in o else ""
            p.boot = url if sport == 547 else ""
            p.f = {
                "xid": p.xid, "src": "[%s]:%d" % (ip6(src6), sport), "dst": "[%s]:%d" % (ip6(dst6), dport),
                "duid": o[1][0].hex() if 1 in o else "-", "sduid": o[2][0].hex() if 2 in o else "-",
                "iaid": iaid, "addr": addr, "url": text(url.encode()) if url else "-",
                "elapsed": struct.unpack("!H", o[8][0])[0] if 8 in o and len(o[8][0]) == 2 else "-",
                "rapid": 1 if 14 in o else 0, "status": status,
            }
            pkts.append(p)
    # a server's reply belongs to whoever used its transaction id
    owner = {}
    for p in pkts:
        if p.xid is None:
            continue
        if p.who in ("nearboot", "firmware"):
            owner.setdefault((p.fam, p.xid), p.who)
        elif p.who == "server":
            p.for_ = owner.get((p.fam, p.xid), "unknown")
    return pkts


def line(p, t0):
    s = "t=%.6f ts=%.6f v%d who=%s%s %s" % (p.ts - t0, p.ts, p.fam, p.who, " for=" + p.for_ if p.for_ else "", p.kind)
    return s + "".join(" %s=%s" % kv for kv in p.f.items())


def cmd_dump(a):
    pkts = parse(read_pcap(a.pcap), a.mac)
    t0 = pkts[0].ts if pkts else 0
    for p in pkts:
        print(line(p, t0))
    return 0


def series(pkts, who, kind, fam):
    """The longest run of one transaction's retransmissions."""
    groups = {}
    for p in pkts:
        if p.fam == fam and p.who == who and p.kind == kind:
            groups.setdefault(p.xid, []).append(p)
    return max(groups.values(), key=len) if groups else []


def cmd_retrans4(a):
    pkts = parse(read_pcap(a.pcap), a.mac)
    s = series(pkts, "nearboot", "DISCOVER", 4)
    fails = []
    print("retrans4: %d DISCOVERs with xid %s" % (len(s), s[0].xid if s else "-"))
    for i in range(1, len(s)):
        dt = s[i].ts - s[i - 1].ts
        base = min(4.0 * 2 ** (i - 1), 64.0)
        ok = base - 1 - SLACK <= dt <= base + 1 + SLACK
        el = s[i].ts - s[0].ts
        secs = s[i].f["secs"]
        secs_ok = int(el) - 1 <= secs <= int(el) + 1
        print("  DISCOVER %d at +%.3f s: waited %.3f s (RFC 2131: %.0f +-1 s) %s; secs=%d (elapsed %.1f s) %s"
              % (i + 1, el, dt, base, "ok" if ok else "OUT OF BAND", secs, el, "ok" if secs_ok else "WRONG"))
        if not ok:
            fails.append("wait %d = %.3f s outside %.0f +-1 s" % (i, dt, base))
        if not secs_ok:
            fails.append("secs %d at %.1f s" % (secs, el))
    if len(s) >= 2:
        # the client's own clock, as it wrote it into secs (whole seconds; rough)
        el = s[-1].ts - s[0].ts
        print("  client clock: secs=%d after %.1f s on the wire (x%.2f)" % (s[-1].f["secs"], el,
                                                                          s[-1].f["secs"] / el if el else 0))
    if s and s[0].f["secs"] != 0:
        fails.append("first DISCOVER has secs=%d" % s[0].f["secs"])
    if len(s) - 1 < a.min:
        fails.append("only %d intervals, want %d" % (max(len(s) - 1, 0), a.min))
    for f in fails:
        print("bad:", f)
    print("verdict", "ok" if not fails else "bad")
    return 0 if not fails else 1


def cmd_retrans6(a):
    pkts = parse(read_pcap(a.pcap), a.mac)
    s = series(pkts, "nearboot", "SOLICIT", 6)
    fails = []
    print("retrans6: %d SOLICITs with xid %s" % (len(s), s[0].xid if s else "-"))
    rts = [s[i + 1].ts - s[i].ts for i in range(len(s) - 1)]
    mrt = a.mrt
    for i, rt in enumerate(rts):
        if i == 0:
            lo, hi, what = 1.0, 1.1 + a.slack, "(IRT, 1.1 IRT] = (1.000, 1.100]"
            ok = lo < rt <= hi
        else:
            lo, hi = 1.9 * rts[i - 1] - a.slack, 2.1 * rts[i - 1] + a.slack
            if 2.1 * rts[i - 1] > mrt:
                lo, hi = min(lo, 0.9 * mrt - a.slack), 1.1 * mrt + a.slack
            what = "[%.3f, %.3f]" % (lo, hi)
            ok = lo <= rt <= hi
        print("  RT%d = %.3f s, want %s %s" % (i + 1, rt, what, "ok" if ok else "OUT OF BAND"))
        if not ok:
            fails.append("RT%d %.3f s not in %s" % (i + 1, rt, what))
    el6 = [p.f["elapsed"] for p in s]
    if len(s) >= 3 and "-" not in el6:
        # the same schedule by the client's own clock (Elapsed Time, centiseconds): tells a wrong clock
        # from a wrong retransmission logic
        own = [(el6[i + 1] - el6[i]) / 100.0 for i in range(len(el6) - 1)]
        ok = 1.0 <= own[0] <= 1.11 and all(1.9 * own[i - 1] - 0.011 <= own[i] <= 2.1 * own[i - 1] + 0.011 or
                                            (2.1 * own[i - 1] > mrt and 0.9 * mrt - 0.011 <= own[i] <= 1.1 * mrt + 0.011)
                                            for i in range(1, len(own)))
        print("  by the client's own clock (Elapsed Time): RTs %s s: %s" % (
            ", ".join("%.2f" % x for x in own), "within the bands" if ok else "OUT OF BAND"))
    if len(s) >= 2 and s[-1].f["elapsed"] != "-":
        # the client's own clock, as it wrote it into Elapsed Time (centiseconds)
        el = s[-1].ts - s[0].ts
        print("  client clock: Elapsed Time %d cs after %.3f s on the wire (x%.3f)" % (
            s[-1].f["elapsed"], el, s[-1].f["elapsed"] / 100.0 / el if el else 0))
    if s:
        if s[0].f["elapsed"] != 0:
            fails.append("first SOLICIT has Elapsed Time %s" % s[0].f["elapsed"])
        for p in s[1:]:
            want = (p.ts - s[0].ts) * 100
            if p.f["elapsed"] == "-" or abs(p.f["elapsed"] - want) > a.elapsed_cs:
                fails.append("Elapsed Time %s cs, the capture says %.0f cs" % (p.f["elapsed"], want))
        if len({p.f["duid"] for p in s}) != 1 or len({p.f["iaid"] for p in s}) != 1:
            fails.append("DUID or IAID changed between retransmissions")
        if a.iaid is not None and s[0].f["iaid"] != str(a.iaid):
            fails.append("IAID %s, want %d" % (s[0].f["iaid"], a.iaid))
    if len(rts) < a.min:
        fails.append("only %d intervals, want %d" % (len(rts), a.min))
    for f in fails:
        print("bad:", f)
    print("verdict", "ok" if not fails else "bad")
    return 0 if not fails else 1


def ids_of(path, mac):
    pkts = parse(read_pcap(path), mac)
    duid = {p.f["duid"] for p in pkts if p.fam == 6 and p.who == "nearboot"}
    iaid = {p.f["iaid"] for p in pkts if p.fam == 6 and p.who == "nearboot" and p.f["iaid"] != "-"}
    cid = {p.f["cid"] for p in pkts if p.fam == 4 and p.who == "nearboot"}
    return duid, iaid, cid


def cmd_ids(a):
    r = [ids_of(p, a.mac) for p in (a.pcap1, a.pcap2)]
    fails = []
    for name, k in (("DUID", 0), ("IAID", 1), ("DHCPv4 client id", 2)):
        v1, v2 = r[0][k], r[1][k]
        print("%s: boot 1 %s, boot 2 %s" % (name, ",".join(sorted(v1)) or "none", ",".join(sorted(v2)) or "none"))
        if len(v1) != 1 or len(v2) != 1:
            fails.append("%s: want exactly one value per boot" % name)
        elif v1 != v2:
            fails.append("%s differs between the boots" % name)
    for f in fails:
        print("bad:", f)
    print("verdict", "ok" if not fails else "bad")
    return 0 if not fails else 1


def cmd_timing(a):
    pkts = parse(read_pcap(a.pcap), a.mac)

    def span(who, fam, first_kinds, reply_kinds, need_boot):
        first = next((p for p in pkts if p.who == who and p.fam == fam and p.kind in first_kinds), None)
        if not first:
            return None
        rep = next((p for p in pkts if p.ts >= first.ts and p.who == "server" and p.for_ == who and p.fam == fam
                    and p.kind in reply_kinds and (p.boot or not need_boot)), None)
        return first, rep

    rows = [
        ("firmware4", span("firmware", 4, ("DISCOVER", "REQUEST"), ("ACK",), False)),
        ("firmware6", span("firmware", 6, ("SOLICIT",), ("REPLY",), False)),
        ("nearboot4", span("nearboot", 4, ("DISCOVER", "REQUEST"), ("ACK",), False)),
        ("nearboot6", span("nearboot", 6, ("SOLICIT", "INFORMATION-REQUEST"), ("REPLY",), False)),
    ]
    # nearboot as a whole: its first DHCP packet of either family to the first reply that carried boot
    # information (a v4 ACK with a boot file, a v6 REPLY with a boot URL)
    first = next((p for p in pkts if p.who == "nearboot"), None)
    rows.append(("nearboot-boot", (first, next((p for p in pkts if first and p.ts >= first.ts and p.who == "server"
                                                and p.for_ == "nearboot" and p.kind in ("ACK", "REPLY") and p.boot),
                                               None)) if first else None))
    for name, r in rows:
        if not r:
            print("%s none" % name)
            continue
        first, rep = r
        if rep:
            print("%s first=%s@%.6f reply=%s@%.6f ms=%.1f boot=%s" % (name, first.kind, first.ts, rep.kind, rep.ts,
                                                                      (rep.ts - first.ts) * 1000, rep.boot or "-"))
        else:
            print("%s first=%s@%.6f reply=none" % (name, first.kind, first.ts))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("pcap")
    d.add_argument("--mac")
    r4 = sub.add_parser("retrans4")
    r4.add_argument("pcap")
    r4.add_argument("--mac")
    r4.add_argument("--min", type=int, default=2)
    r6 = sub.add_parser("retrans6")
    r6.add_argument("pcap")
    r6.add_argument("--mac")
    r6.add_argument("--min", type=int, default=3)
    r6.add_argument("--mrt", type=float, default=60.0)
    r6.add_argument("--slack", type=float, default=SLACK)
    r6.add_argument("--elapsed-cs", type=int, default=15)
    r6.add_argument("--iaid", type=int)
    i = sub.add_parser("ids")
    i.add_argument("pcap1")
    i.add_argument("pcap2")
    i.add_argument("--mac")
    t = sub.add_parser("timing")
    t.add_argument("pcap")
    t.add_argument("--mac")
    a = ap.parse_args()
    return {"dump": cmd_dump, "retrans4": cmd_retrans4, "retrans6": cmd_retrans6, "ids": cmd_ids,
            "timing": cmd_timing}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
