#!/usr/bin/env python3
"""flow-pcap.py — TCP connections, SYN/DHCP counts and ICMP errors on a capture of the client's link, for the
boot-policy scenarios (40-5x) and bench-boot. Standard library only; classic pcap (`tcpdump -w`), Ethernet.

  flow-pcap.py flows PCAP [--mac MAC]
      one line per TCP connection the client opened (key=value tokens, grep-friendly):
        ts=<epoch of the first SYN> t=<s since the capture's first packet> fam=4|6 client=IP cport=N
        server=IP sport=N syns=N synack_ms=<first SYN to the SYN-ACK>|none s2c=<bytes of the server's
        stream seen, by sequence number> c2s=<same, client> retrans=<server segments that repeated
        stream bytes> end=fin|rst|open data=<epoch of the server's first payload byte>|none
        last=<epoch of its last packet>
  flow-pcap.py count PCAP --what syn|dhcp4|dhcp6|tcp4|tcp6 [--mac MAC] [--from EPOCH] [--to EPOCH]
      how many packets the client sent of that kind in [from, to): syn = TCP SYNs (no ACK), dhcp4 = UDP to
      port 67, dhcp6 = UDP to port 547, tcp4/tcp6 = any TCP packet over IPv4/IPv6 (either direction)
  flow-pcap.py tftp-end PCAP --file NAME [--mac MAC]
      the epoch of the last packet of the client's last TFTP read of NAME (its final ACK)
  flow-pcap.py tftp PCAP [--mac MAC] [--file NAME]
      one line per TFTP read the client started (an RRQ from a new client port; a restart is a new read):
        ts=<epoch of the RRQ> file=NAME cport=N server=IP sport=<the server's TID>|none req=<options asked,
        k=v,...|-> oack=<options acknowledged|-> blocks=<distinct DATA blocks> bytes=<their payload>
        data=<DATA packets, repeats included> acks=N burst=<most DATA packets between two of the client's
        ACKs> complete=0|1 (the short last block arrived and was ACKed) err=<code:text of an ERROR, either
        way>|- reply_ms=<RRQ to the server's first answer: one round trip>|none first_data=<epoch>|none
        last=<epoch of the session's last packet>
  flow-pcap.py tftp-span PCAP --file NAME [--mac MAC]
      the client's whole fetch of NAME, restarts and the firmware's size probes included: "start=<first
      RRQ> end=<last packet of the last complete read> secs=<end - start> reads=N complete=N"
  flow-pcap.py icmp PCAP [--mac MAC]
      one line per ICMP/ICMPv6 error (destination unreachable, time exceeded) sent to the client
  flow-pcap.py watch PCAP --src IP[,IP...] --bytes N [--timeout S] [--udp]
      follow a capture being written (tcpdump -U) and exit 0 as soon as one of the source addresses has
      sent N bytes of TCP payload (--udp: UDP payload) to the client; prints "IP BYTES EPOCH". Exit 1 on
      timeout.
Exit status: 0 ok, 1 nothing found / timeout, 2 usage or unreadable capture.
"""
import argparse
import ipaddress
import os
import struct
import sys
import time

import pcapfile  # this directory: the shared pcap reader


def read_all(path):
    try:
        return pcapfile.read_frames(path)
    except pcapfile.PcapError as e:
        sys.exit("flow-pcap: %s: %s" % (path, e))


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def decode(frame):
    """-> dict(fam, src, dst, proto, sport, dport, flags, seq, ack, plen, icmp_type, smac) or None"""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    off = 14
    if etype == 0x8100 and len(frame) >= 18:
        etype = struct.unpack("!H", frame[16:18])[0]
        off = 18
    p = {"smac": frame[6:12], "dmac": frame[0:6]}
    if etype == 0x0800:
        ip = frame[off:]
        if len(ip) < 20:
            return None
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        p.update(fam=4, proto=ip[9], src=str(ipaddress.IPv4Address(ip[12:16])),
                 dst=str(ipaddress.IPv4Address(ip[16:20])))
        l4 = ip[ihl:total] if total >= ihl else ip[ihl:]
        icmp_proto = 1
    elif etype == 0x86DD:
        ip = frame[off:]
        if len(ip) < 40:
            return None
        plen = struct.unpack("!H", ip[4:6])[0]
        p.update(fam=6, proto=ip[6], src=str(ipaddress.IPv6Address(ip[8:24])),
                 dst=str(ipaddress.IPv6Address(ip[24:40])))
        l4 = ip[40:40 + plen]
        icmp_proto = 58
    else:
        return None
    if p["proto"] == 6 and len(l4) >= 20:
        sport, dport, seq, ack, offfl = struct.unpack("!HHIIH", l4[:14])
        doff = (offfl >> 12) * 4
        p.update(sport=sport, dport=dport, seq=seq, ack=ack, flags=offfl & 0x3F, plen=max(0, len(l4) - doff))
    elif p["proto"] == 17 and len(l4) >= 8:
        sport, dport = struct.unpack("!HH", l4[:4])
        p.update(sport=sport, dport=dport, udp=l4[8:])
    elif p["proto"] == icmp_proto and len(l4) >= 4:
        p.update(icmp_type=l4[0], icmp_code=l4[1])
    return p


FIN, SYN, RST, ACK = 1, 2, 4, 16


def cmd_flows(a):
    mac = mac_bytes(a.mac)
    pkts = read_all(a.pcap)
    if not pkts:
        return 1
    t0 = pkts[0][0]
    flows, order = {}, []
    for ts, fr in pkts:
        p = decode(fr)
        if not p or p["proto"] != 6 or "flags" not in p:
            continue
        from_client = p["smac"] == mac
        if from_client:
            key = (p["src"], p["sport"], p["dst"], p["dport"])
        else:
            key = (p["dst"], p["dport"], p["src"], p["sport"])
        fl = p["flags"]
        if from_client and fl & SYN and not fl & ACK:
            f = flows.get(key)
            if f is None or f["end"] != "open" or f["s2c_isn"] is not None:
                f = {"ts": ts, "fam": p["fam"], "syns": 0, "synack": None, "c_isn": p["seq"], "s_isn": None,
                     "s2c_isn": None, "c2s": 0, "s2c": 0, "retrans": 0, "end": "open", "last": ts,
                     "data": None}
                flows[key] = f
                order.append((key, f))
            f["syns"] += 1
            continue
        f = flows.get(key)
        if f is None:
            continue
        f["last"] = ts
        if not from_client and fl & SYN and fl & ACK:
            if f["synack"] is None:
                f["synack"] = ts
            f["s2c_isn"] = p["seq"]
        elif from_client and p["plen"]:
            f["c2s"] = max(f["c2s"], (p["seq"] - f["c_isn"] - 1) % (1 << 32) + p["plen"])
        elif not from_client and p["plen"] and f["s2c_isn"] is not None:
            hi = (p["seq"] - f["s2c_isn"] - 1) % (1 << 32) + p["plen"]
            if f["data"] is None:
                f["data"] = ts
            if hi <= f["s2c"]:
                f["retrans"] += 1
            f["s2c"] = max(f["s2c"], hi)
        if fl & RST:
            f["end"] = "rst"
        elif fl & FIN and f["end"] == "open":
            f["end"] = "fin"
    for (c, cp, s, sp), f in order:
        sa = "%.1f" % ((f["synack"] - f["ts"]) * 1000) if f["synack"] else "none"
        print("ts=%.6f t=%.3f fam=%d client=%s cport=%d server=%s sport=%d syns=%d synack_ms=%s s2c=%d c2s=%d "
              "retrans=%d end=%s data=%s last=%.6f" % (f["ts"], f["ts"] - t0, f["fam"], c, cp, s, sp, f["syns"], sa,
                                                       f["s2c"], f["c2s"], f["retrans"], f["end"],
                                                       "%.6f" % f["data"] if f["data"] else "none", f["last"]))
    return 0


def cmd_count(a):
    mac = mac_bytes(a.mac)
    n = 0
    for ts, fr in read_all(a.pcap):
        if a.since is not None and ts < a.since or a.until is not None and ts >= a.until:
            continue
        p = decode(fr)
        if not p:
            continue
        mine = p["smac"] == mac
        if a.what == "syn":
            n += mine and p["proto"] == 6 and "flags" in p and p["flags"] & SYN and not p["flags"] & ACK
        elif a.what == "dhcp4":
            n += mine and p["proto"] == 17 and p.get("dport") == 67
        elif a.what == "dhcp6":
            n += mine and p["proto"] == 17 and p.get("dport") == 547
        elif a.what == "tcp4":
            n += p["proto"] == 6 and p["fam"] == 4
        elif a.what == "tcp6":
            n += p["proto"] == 6 and p["fam"] == 6
    print(int(n))
    return 0


def cmd_tftp_end(a):
    mac = mac_bytes(a.mac)
    port, last = None, None
    for ts, fr in read_all(a.pcap):
        p = decode(fr)
        if not p or p["proto"] != 17 or "dport" not in p:
            continue
        mine = p["smac"] == mac
        if mine and p["dport"] == 69:
            if a.file.encode() in fr:
                port, last = p["sport"], ts
            continue
        if port is not None and ((mine and p["sport"] == port) or (not mine and p["dport"] == port)):
            last = ts
    if last is None:
        return 1
    print("%.6f" % last)
    return 0


def tftp_strings(b):
    """the NUL-terminated strings of a TFTP request or OACK"""
    parts = b.split(b"\0")
    return [x.decode("ascii", "replace") for x in parts[:-1]] if b.endswith(b"\0") else \
        [x.decode("ascii", "replace") for x in parts]


def tftp_opts(strings):
    return ",".join("%s=%s" % (strings[i].lower(), strings[i + 1]) for i in range(0, len(strings) - 1, 2)) or "-"


def tftp_reads(a):
    """the client's TFTP reads, in order of their RRQ (dicts; see the tftp subcommand)"""
    mac = mac_bytes(a.mac)
    reads, by_port = [], {}
    for ts, fr in read_all(a.pcap):
        p = decode(fr)
        if not p or p["proto"] != 17 or "udp" not in p:
            continue
        u = p["udp"]
        if len(u) < 2:
            continue
        op = struct.unpack("!H", u[:2])[0]
        mine = p["smac"] == mac
        if mine and p["dport"] == 69 and op == 1:
            strs = tftp_strings(u[2:])
            if not strs or (a.file and strs[0] != a.file):
                continue
            r = by_port.get(p["sport"])
            if r is None or r["sport"] is not None:   # a new read (a resent RRQ keeps the old one)
                r = {"ts": ts, "file": strs[0], "cport": p["sport"], "server": p["dst"], "sport": None,
                     "req": tftp_opts(strs[2:]), "oack": "-", "blocks": set(), "bytes": 0, "data": 0, "acks": 0,
                     "burst": 0, "run": 0, "blksize": 512, "complete": 0, "err": "-", "first_data": None,
                     "last": ts, "short": None, "wraps": 0, "wrap_seen": False, "reply": None}
                by_port[p["sport"]] = r
                reads.append(r)
            continue
        port = p["sport"] if mine else p["dport"]
        r = by_port.get(port)
        if r is None or (p["dst"] if mine else p["src"]) != r["server"]:
            continue
        peer = p["dport"] if mine else p["sport"]
        if r["sport"] is None and not mine and op in (3, 5, 6):
            r["sport"] = peer
            r["reply"] = ts
        if peer != r["sport"]:
            continue
        r["last"] = ts
        if op == 6 and not mine:
            o = tftp_strings(u[2:])
            r["oack"] = tftp_opts(o)
            d = dict((o[i].lower(), o[i + 1]) for i in range(0, len(o) - 1, 2))
            if d.get("blksize", "").isdigit():
                r["blksize"] = int(d["blksize"])
        elif op == 3 and not mine and len(u) >= 4:
            blk = struct.unpack("!H", u[2:4])[0]
            r["data"] += 1
            r["run"] += 1
            r["burst"] = max(r["burst"], r["run"])
            if r["first_data"] is None:
                r["first_data"] = ts
            if blk == 0 and r["wrap_seen"]:      # numbering went past 65535 (to 0)
                r["wraps"] += 1
                r["wrap_seen"] = False
            r["wrap_seen"] = r["wrap_seen"] or blk == 65535
            key = (r["wraps"], blk)
            if key not in r["blocks"]:
                r["blocks"].add(key)
                r["bytes"] += len(u) - 4
            if len(u) - 4 < r["blksize"]:
                r["short"] = blk
        elif op == 4 and mine and len(u) >= 4:
            r["acks"] += 1
            r["run"] = 0
            if r["short"] is not None and struct.unpack("!H", u[2:4])[0] == r["short"]:
                r["complete"] = 1
        elif op == 5 and len(u) >= 4:
            code = struct.unpack("!H", u[2:4])[0]
            msg = u[4:].split(b"\0")[0].decode("ascii", "replace").replace(" ", "_")[:60]
            r["err"] = "%s%d:%s" % ("client" if mine else "server", code, msg)
    return reads


def cmd_tftp(a):
    reads = tftp_reads(a)
    for r in reads:
        print("ts=%.6f file=%s cport=%d server=%s sport=%s req=%s oack=%s blocks=%d bytes=%d data=%d acks=%d "
              "burst=%d complete=%d err=%s reply_ms=%s first_data=%s last=%.6f" % (
                  r["ts"], r["file"], r["cport"], r["server"], r["sport"] if r["sport"] is not None else "none",
                  r["req"], r["oack"], len(r["blocks"]), r["bytes"], r["data"], r["acks"], r["burst"],
                  r["complete"], r["err"], "%.1f" % ((r["reply"] - r["ts"]) * 1000) if r["reply"] else "none",
                  "%.6f" % r["first_data"] if r["first_data"] else "none", r["last"]))
    return 0 if reads else 1


def cmd_tftp_span(a):
    reads = tftp_reads(a)
    done = [r for r in reads if r["complete"]]
    if not done:
        return 1
    start, end = reads[0]["ts"], done[-1]["last"]
    print("start=%.6f end=%.6f secs=%.3f reads=%d complete=%d" % (start, end, end - start, len(reads), len(done)))
    return 0


def cmd_icmp(a):
    mac = mac_bytes(a.mac)
    for ts, fr in read_all(a.pcap):
        p = decode(fr)
        if not p or "icmp_type" not in p or p["dmac"] != mac:
            continue
        t = p["icmp_type"]
        if (p["fam"] == 4 and t in (3, 11)) or (p["fam"] == 6 and t in (1, 3)):
            print("ts=%.6f fam=%d src=%s dst=%s type=%d code=%d" % (ts, p["fam"], p["src"], p["dst"], t, p["icmp_code"]))
    return 0


def cmd_watch(a):
    srcs = set(str(ipaddress.ip_address(s)) for s in a.src.split(","))
    deadline = time.time() + a.timeout
    got = {s: 0 for s in srcs}
    hdr = None
    pos = pcapfile.HEADER_LEN
    data = b""
    while time.time() < deadline:
        try:
            with open(a.pcap, "rb") as fh:
                fh.seek(len(data))
                data += fh.read()
        except OSError:
            time.sleep(0.005)
            continue
        if hdr is None:
            try:
                hdr = pcapfile.header(data)
            except pcapfile.PcapError as e:
                sys.exit("flow-pcap: %s: %s" % (a.pcap, e))
            if hdr is None:
                time.sleep(0.005)
                continue
        for ts, fr, nxt in pcapfile.records(data, pos, *hdr):
            pos = nxt
            p = decode(fr)
            n = len(p.get("udp", b"")) if a.udp and p else p and p.get("plen")
            if p and p["proto"] == (17 if a.udp else 6) and n and p["src"] in srcs:
                got[p["src"]] += n
                if got[p["src"]] >= a.bytes:
                    print("%s %d %.6f" % (p["src"], got[p["src"]], ts))
                    sys.stdout.flush()
                    return 0
        time.sleep(0.003)
    print("timeout: %s" % " ".join("%s=%d" % kv for kv in sorted(got.items())))
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("flows", "count", "icmp", "watch", "tftp-end", "tftp", "tftp-span"):
        s = sub.add_parser(name)
        s.add_argument("pcap")
        s.add_argument("--mac", default=os.environ.get("LAB_CLIENT_MAC", "52:54:00:b0:07:01"))
        if name == "count":
            s.add_argument("--what", required=True, choices=["syn", "dhcp4", "dhcp6", "tcp4", "tcp6"])
            s.add_argument("--from", dest="since", type=float)
            s.add_argument("--to", dest="until", type=float)
        if name in ("tftp-end", "tftp-span"):
            s.add_argument("--file", required=True)
        if name == "tftp":
            s.add_argument("--file")
        if name == "watch":
            s.add_argument("--src", required=True)
            s.add_argument("--bytes", type=int, required=True)
            s.add_argument("--timeout", type=float, default=120)
            s.add_argument("--udp", action="store_true")
    a = ap.parse_args()
    return {"flows": cmd_flows, "count": cmd_count, "icmp": cmd_icmp, "watch": cmd_watch,
            "tftp-end": cmd_tftp_end, "tftp": cmd_tftp, "tftp-span": cmd_tftp_span}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
