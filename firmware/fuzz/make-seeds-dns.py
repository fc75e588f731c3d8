#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_dns into firmware/fuzz/corpus/fuzz_dns/.

  make-seeds-dns.py             crafted messages: valid answers and the
                                compression-pointer / length edge cases the
                                unit tests (firmware/tests/net/test_dns.c) use
  make-seeds-dns.py --dnsmasq   also capture real answers from dnsmasq, run in
                                a network namespace of its own (root; lab
                                addresses only; removed on exit)

The questions are the ones fuzz_dns.c asks about: www / alias / many .nb.test,
A and AAAA, so mutations start from messages that get past the header."""
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_dns")
A, CNAME, AAAA, IN, CH = 1, 5, 28, 1, 3
RESP = 0x8180  # QR RD RA, NOERROR


def labels(name):
    out = b""
    for part in name.split("."):
        if part:
            out += bytes([len(part)]) + part.encode()
    return out


def name(n):
    return labels(n) + b"\0"


def ptr(off):
    return struct.pack("!H", 0xC000 | off)


def hdr(id_, flags, qd, an, ns=0, ar=0):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def question(n, qtype, qclass=IN):
    return name(n) + struct.pack("!HH", qtype, qclass)


def rr(owner, rtype, rdata, rclass=IN, ttl=300):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ip4(*b):
    return bytes(b)


def ip6(last):
    return bytes([0xFD, 0x00, 0xB0, 0x07]) + bytes(11) + bytes([last])


def begin(qtype, an, flags=RESP, qname="www.nb.test", id_=0x1234):
    return hdr(id_, flags, 1, an) + question(qname, qtype)


Q = ptr(12)  # the question's name


def crafted():
    s = {}
    s["simple-a"] = begin(A, 1) + rr(Q, A, ip4(198, 18, 0, 10))
    s["several-a"] = begin(A, 3) + b"".join(rr(Q, A, ip4(198, 18, 1, i)) for i in (1, 2, 3))
    s["several-aaaa"] = begin(AAAA, 2) + rr(Q, AAAA, ip6(0x10)) + rr(Q, AAAA, ip6(0x11))
    s["mixed-case"] = (hdr(0x1234, RESP, 1, 1) + question("wWw.NB.tEsT", A)
                       + rr(name("WWW.nb.TEST"), A, ip4(198, 18, 0, 9)))
    # alias.nb.test -> mid.nb.test -> www.nb.test, the target compressed
    m = begin(A, 3, qname="alias.nb.test")
    mid_at = len(m) + 2 + 10
    m += rr(Q, CNAME, labels("mid") + ptr(12 + 6))
    m += rr(ptr(mid_at), CNAME, labels("www") + ptr(12 + 6))
    www_at = len(m) - 2 - 4
    m += rr(ptr(www_at), A, ip4(198, 18, 0, 10))
    s["cname-chain"] = m
    s["cname-loop"] = (begin(A, 2) + rr(Q, CNAME, name("b.nb.test"))
                       + rr(name("b.nb.test"), CNAME, name("www.nb.test")))
    # compression pointer edge cases
    at = len(begin(A, 1))
    s["ptr-forward"] = begin(A, 1) + rr(ptr(at + 2 + 10 + 4), A, ip4(1, 2, 3, 4)) + name("www.nb.test")
    s["ptr-self"] = begin(A, 1) + rr(ptr(at), A, ip4(1, 2, 3, 4))
    s["ptr-own-run"] = begin(A, 1) + rr(labels("www") + ptr(at), A, ip4(1, 2, 3, 4))
    s["ptr-out-of-bounds"] = begin(A, 1) + rr(ptr(0x3FFF), A, ip4(1, 2, 3, 4))
    s["ptr-into-header"] = begin(A, 1) + rr(ptr(4), A, ip4(1, 2, 3, 4))
    s["ptr-cut"] = begin(A, 1) + b"\xc0"
    for n in (15, 16):  # n+1 jumps: 16 allowed, 17 not
        m = begin(A, 2) + Q + struct.pack("!HHIH", 99, IN, 0, 2 * n)
        prev = 12
        for _ in range(n):
            here = len(m)
            m += ptr(prev)
            prev = here
        s["ptr-jumps-%d" % (n + 1)] = m + rr(ptr(prev), A, ip4(198, 18, 6, 1))
    s["ptr-loop"] = (hdr(0x1234, RESP, 1, 0) + b"\x01a" + ptr(16) + b"\x01b" + ptr(12)
                     + struct.pack("!HH", A, IN))
    # lengths
    s["label-64"] = begin(A, 1) + rr(b"\x40" + b"x" * 64 + b"\0", A, ip4(1, 2, 3, 4))
    s["label-type-80"] = begin(A, 1) + rr(b"\x80\x01\0", A, ip4(1, 2, 3, 4))
    tail = labels("y" * 63 + ".") * 3 + b"\0"
    for first in (61, 62):  # 255 and 256 bytes decoded
        m = begin(A, 2) + rr(Q, 99, tail)
        t_at = len(m) - len(tail)
        m += rr(bytes([first]) + b"z" * first + ptr(t_at), A, ip4(1, 2, 3, 4))
        s["name-%d" % (first + 1 + 193)] = m
    s["rdlen-5"] = begin(A, 1) + rr(Q, A, ip4(198, 18, 0, 1) + b"\0")
    s["rdlen-past-end"] = begin(A, 1) + Q + struct.pack("!HHIH", A, IN, 0, 4) + b"\xc6\x12"
    s["class-ch"] = begin(A, 1) + rr(Q, A, ip4(10, 0, 0, 1), rclass=CH)
    s["other-owner"] = begin(A, 1) + rr(name("evil.nb.test"), A, ip4(10, 0, 0, 2))
    s["nxdomain"] = begin(A, 0, flags=RESP | 3)
    s["servfail"] = begin(AAAA, 0, flags=RESP | 2)
    s["refused"] = begin(A, 0, flags=RESP | 5)
    s["tc"] = begin(A, 1, flags=RESP | 0x200) + rr(Q, A, ip4(198, 18, 0, 1))
    s["nodata"] = begin(AAAA, 0)
    many = begin(A, 16, qname="many.nb.test")
    many += b"".join(rr(Q, A, ip4(198, 18, 2, i)) for i in range(16))
    s["many-a"] = many
    return s


# ---------------------------------------------------------------- dnsmasq

def ns_exec(ns, *cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", ns] + list(cmd), check=True, **kw)


def query_bytes(server, qname, qtype):
    id_ = random.randrange(65536)
    q = hdr(id_, 0x0100, 1, 0) + question(qname, qtype)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (server, 53))
    data, _ = s.recvfrom(4096)
    return data


def capture():
    """Run dnsmasq in a namespace and keep its answers (called as root)."""
    ns = "nb-dns-seed-%d" % os.getpid()
    server = "198.18.0.53"
    tmp = tempfile.mkdtemp()
    proc = None
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ns_exec(ns, "ip", "link", "set", "lo", "up")
        ns_exec(ns, "ip", "addr", "add", server + "/32", "dev", "lo")
        args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + server, "--port=53",
                "--pid-file=" + os.path.join(tmp, "pid"), "--user=root", "--group=root",
                "--host-record=www.nb.test,198.18.0.10,fd00:b007::10",
                "--host-record=www.nb.test,198.18.0.11",
                "--cname=alias.nb.test,www.nb.test", "--local=/nb.test/"]
        for i in range(40):
            args.append("--host-record=many.nb.test,198.18.2.%d,fd00:b007::2:%x" % (i + 1, i + 1))
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + args,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        wanted = [("www.nb.test", A), ("www.nb.test", AAAA), ("alias.nb.test", A),
                  ("alias.nb.test", AAAA), ("nx.nb.test", A), ("many.nb.test", A),
                  ("many.nb.test", AAAA)]
        code = ("import sys; sys.path.insert(0, %r); import importlib.util as u;"
                "s = u.spec_from_file_location('m', %r); m = u.module_from_spec(s);"
                "s.loader.exec_module(m); sys.stdout.buffer.write(m.query_bytes(%r, %r, %d))")
        out = {}
        for qname, qtype in wanted:
            r = ns_exec(ns, sys.executable, "-c",
                        code % (HERE, os.path.abspath(__file__), server, qname, qtype),
                        stdout=subprocess.PIPE)
            key = "dnsmasq-%s-%s" % (qname.split(".")[0], "a" if qtype == A else "aaaa")
            out[key] = r.stdout
        return out
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=5)
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = crafted()
    if "--dnsmasq" in sys.argv[1:]:
        seeds.update(capture())
    for k, v in sorted(seeds.items()):
        with open(os.path.join(OUT, k + ".bin"), "wb") as f:
            f.write(v)
    print("%d seeds in %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
