#!/usr/bin/env python3
"""boot-report.py — turn a nearboot serial log into a phase table and an SVG waterfall.

    boot-report.py [--svg PATH] [--run N] [--title TEXT] SERIAL.LOG
    boot-report.py --selftest [--svg PATH]

Reads the console nearboot writes ("[   1.234] text", seconds since nearboot started); the firmware's
own output around it (OVMF's ANSI escape sequences, CR characters, iPXE colours, Linux's kernel lines)
is ignored. The waterfall is drawn from the phase lines

    [   t] phase: NAME DUR ms at START s        (dhcp, race, tls, manifest, transfer, verify, handoff, ...)

any number of them, in any order, a phase may repeat (a failover or a new attempt); a missing phase is
simply not drawn. Details under the phases, drawn thinner: every HTTP(S) fetch summary line ("https: URL
from ADDR ...: N bytes in S s") and every "verify: ... in N ms" check, each ending at its line's time.
Also read: the banner ("nearboot VERSION (build ID, DATE) on PLATFORM"), the DHCP result ("dhcp: boot
information from DHCPv4 in N ms"), the race ranking ("race: #1 URL at ADDR: connect X ms"), the
hand-off ("boot: handing over to ENTRY ... after N ms") and the second stage's marker
("stage2-hello: ok", "stage2-linux: ok", which carry no nearboot time).

A log may hold several nearboot runs (each starts with the banner): the last one is reported unless
--run N (1 = the first) says otherwise.

Output: the table on stdout; the SVG at --svg (default $BUILD/boot-waterfall.svg, BUILD defaulting to
the repository's build/). Exit status: 0 report written, 1 no nearboot console lines in the log (or the
self-test failed), 2 usage or I/O error. Python 3 standard library only.
"""
import argparse
import math
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

EXPECTED = ["dhcp", "race", "tls", "manifest", "transfer", "verify", "handoff"]
COLOURS = {
    "dhcp": "#4e79a7",
    "race": "#f28e2b",
    "tls": "#e15759",
    "manifest": "#76b7b2",
    "transfer": "#59a14f",
    "verify": "#c9a227",
    "handoff": "#b07aa1",
}
OTHER_COLOUR = "#9c755f"
DETAIL_COLOUR = "#a0a0a0"

# ECMA-48: CSI (ESC [ params intermediates final, incl. OVMF's "ESC[=3h"), OSC (ESC ] ... BEL/ST),
# two-byte escapes (ESC ( B, ESC c, ...), and single C1 CSI bytes.
ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][ -~]|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
STAMP_RE = re.compile(r"\[\s*(\d+\.\d{3})\]\s?(.*)$")
PHASE_RE = re.compile(r"^phase:\s+([A-Za-z0-9_.-]+)\s+(\d+)\s*ms\s+at\s+(\d+(?:\.\d+)?)\s*s\b")
BANNER_RE = re.compile(r"^nearboot\s+(\S+)\s+\(build\s+([^,)]+)(?:,\s*([^)]*))?\)\s+on\s+(\S+)")
DHCP_RE = re.compile(r"^dhcp:\s+boot information from (DHCPv[46]|\S+)\s+in\s+(\d+)\s*ms")
LEASE4_RE = re.compile(r"^dhcp4:\s+(\d+\.\d+\.\d+\.\d+)\s+via\s+(\S+)")
RACE_OK_RE = re.compile(r"^race:\s+#(\d+)\s+(\S+)\s+at\s+(\S+):\s+connect\s+(\d+(?:\.\d+)?)\s*ms(?:\s+\(([^)]*)\))?")
RACE_FAIL_RE = re.compile(r"^race:\s+#(\d+)\s+(\S+):\s+(.*?)(?:\s+\(([^)]*)\))?$")
HTTP_RE = re.compile(r"^(https?):\s+(\S+)\s+from\s+(\S+)\s+port\s+(\d+)\s+\(([^)]*)\):\s+(\d+)\s+bytes\s+in\s+(\d+(?:\.\d+)?)\s*s(.*)$")
VERIFY_RE = re.compile(r"^verify:\s+(.*?)\s*,?\s+in\s+(\d+)\s*ms\s*$")
HANDOVER_RE = re.compile(r"^boot:\s+handing over to\s+(\S+)(?:\s+\(([^)]*)\))?\s+after\s+(\d+)\s*ms")
STAGE2_RE = re.compile(r"\b(stage2-[A-Za-z0-9_-]+):\s+ok\b")


def clean_lines(raw):
    """bytes or str -> list of printable lines: ANSI sequences gone, CR/LF/CRLF all end a line."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    else:
        text = raw
    text = ANSI_RE.sub("", text)
    lines = []
    for line in re.split(r"\r\n|\r|\n", text):
        line = "".join(ch for ch in line if ch == "\t" or ch >= " " and ch != "\x7f" and not "\x80" <= ch <= "\x9f")
        lines.append(line)
    return lines


class Run:
    def __init__(self):
        self.banner = None  # (version, build, date, platform)
        self.phases = []  # dicts: name, start, dur (s), t (line time)
        self.details = []  # dicts: kind, label, start, dur
        self.dhcp = None  # (family, ms)
        self.lease4 = None
        self.race = []  # dicts: rank, url, addr, ms, source, error
        self.handover = None  # (entry, what, ms, t)
        self.stage2 = []
        self.last_t = 0.0
        self.lines = 0
        self.offset = 0.0

    def clock_offset(self):
        """seconds to add to a console time ("[ t]") to get the phase clock ("at START s"). Each phase
        line is printed as its phase ends, so normally the two agree; some builds stamped them from
        origins tens of ms apart, and then the median of (phase end - line time) measures the shift."""
        d = sorted(p["start"] + p["dur"] - p["t"] for p in self.phases)
        return d[len(d) // 2] if d else 0.0

    def total(self):
        """seconds from nearboot's start to the hand-off (the handoff phase, else the hand-off line's
        time), else to the end of the last phase or line"""
        for p in self.phases:
            if p["name"] == "handoff":
                return p["start"]
        if self.handover:
            return self.handover[3] + self.offset
        ends = [p["start"] + p["dur"] for p in self.phases]
        return max(ends + [self.last_t + self.offset])


def parse(raw):
    """-> list of Run (one per nearboot banner; lines before any banner open a run too)"""
    runs = []
    cur = None
    for line in clean_lines(raw):
        m = STAMP_RE.search(line)
        if not m:
            s = STAGE2_RE.search(line)
            if s and cur is not None:
                cur.stage2.append(s.group(0))
            continue
        t = float(m.group(1))
        text = m.group(2).strip()
        b = BANNER_RE.match(text)
        if b or cur is None:
            cur = Run()
            runs.append(cur)
        if b:
            cur.banner = (b.group(1), b.group(2), (b.group(3) or "").strip(), b.group(4))
        cur.lines += 1
        cur.last_t = max(cur.last_t, t)
        p = PHASE_RE.match(text)
        if p:
            dur = int(p.group(2)) / 1000.0
            cur.phases.append({"name": p.group(1), "start": float(p.group(3)), "dur": dur, "t": t})
            continue
        d = DHCP_RE.match(text)
        if d:
            cur.dhcp = (d.group(1), int(d.group(2)))
            continue
        d = LEASE4_RE.match(text)
        if d:
            cur.lease4 = d.group(1)
            continue
        r = RACE_OK_RE.match(text)
        if r:
            cur.race.append({"rank": int(r.group(1)), "url": r.group(2), "addr": r.group(3),
                             "ms": float(r.group(4)), "source": r.group(5) or "", "error": None})
            continue
        r = RACE_FAIL_RE.match(text)
        if r:
            cur.race.append({"rank": int(r.group(1)), "url": r.group(2), "addr": None, "ms": None,
                             "source": r.group(4) or "", "error": r.group(3)})
            continue
        h = HTTP_RE.match(text)
        if h:
            secs = float(h.group(7))
            url = h.group(2)
            leaf = url.rstrip("/").rsplit("/", 1)[-1] or url
            cur.details.append({"kind": "fetch", "label": "GET %s (%s B)" % (leaf, h.group(6)),
                                "start": max(0.0, t - secs), "dur": secs, "url": url})
            continue
        v = VERIFY_RE.match(text)
        if v:
            secs = int(v.group(2)) / 1000.0
            what = v.group(1)
            label = "verify " + ("manifest" if "manifest" in what else what.split()[0])
            cur.details.append({"kind": "verify", "label": label, "start": max(0.0, t - secs), "dur": secs})
            continue
        h = HANDOVER_RE.match(text)
        if h:
            cur.handover = (h.group(1), h.group(2) or "", int(h.group(3)), t)
            continue
        s = STAGE2_RE.search(text)
        if s:
            cur.stage2.append(s.group(0))
    for r in runs:
        off = r.clock_offset()
        r.offset = off if abs(off) >= 0.0005 else 0.0
        for d in r.details:
            d["start"] = max(0.0, d["start"] + r.offset)
    return runs


def numbered(items, key):
    """labels with "#2", "#3" for repeated names"""
    seen = {}
    count = {}
    for it in items:
        count[it[key]] = count.get(it[key], 0) + 1
    out = []
    for it in items:
        n = it[key]
        seen[n] = seen.get(n, 0) + 1
        out.append(n if count[n] == 1 else "%s #%d" % (n, seen[n]))
    return out


def table(run, index, nruns, source):
    out = []
    head = "nearboot boot report: %s" % source
    if run.banner:
        head += " — nearboot %s (build %s) on %s" % (run.banner[0], run.banner[1], run.banner[3])
    if nruns > 1:
        head += " — run %d of %d" % (index + 1, nruns)
    out.append(head)
    out.append("")
    out.append("%-14s %10s %12s %10s" % ("phase", "start s", "duration ms", "end s"))
    out.append("%-14s %10s %12s %10s" % ("-" * 14, "-" * 10, "-" * 12, "-" * 10))
    phases = sorted(run.phases, key=lambda p: (p["start"], p["t"]))
    for label, p in zip(numbered(phases, "name"), phases):
        out.append("%-14s %10.3f %12d %10.3f" % (label, p["start"], round(p["dur"] * 1000), p["start"] + p["dur"]))
    if not phases:
        out.append("(no phase lines in this log)")
    names = {p["name"] for p in run.phases}
    missing = [n for n in EXPECTED if n not in names]
    total = run.total()
    out.append("")
    if run.handover:
        own = ""
        if abs(run.handover[2] / 1000.0 - total) >= 0.0015:
            own = "; its own line says after %d ms (another clock origin)" % run.handover[2]
        out.append("total: %.3f s from nearboot's start to the hand-off (%s%s%s)" %
                   (total, run.handover[0], ", " + run.handover[1] if run.handover[1] else "", own))
    else:
        out.append("total: %.3f s (no hand-off in this log)" % total)
    if missing:
        out.append("not in the log: %s" % ", ".join(missing))
    if abs(run.offset) >= 0.001:
        out.append("clock: the console stamps run %d ms %s the phase clock; fetch/verify times below are shifted onto it" %
                   (round(abs(run.offset) * 1000), "behind" if run.offset > 0 else "ahead of"))
    if run.dhcp:
        out.append("dhcp: boot information from %s in %d ms%s" %
                   (run.dhcp[0], run.dhcp[1], ", lease " + run.lease4 if run.lease4 else ""))
    for r in sorted(run.race, key=lambda r: r["rank"]):
        if r["ms"] is not None:
            out.append("race: #%d %s at %s: connect %.3f ms%s" %
                       (r["rank"], r["url"], r["addr"], r["ms"], " (%s)" % r["source"] if r["source"] else ""))
        else:
            out.append("race: #%d %s: %s%s" % (r["rank"], r["url"], r["error"], " (%s)" % r["source"] if r["source"] else ""))
    for d in run.details:
        out.append("%-44s %8.3f s .. %8.3f s (%d ms)" %
                   (d["label"][:44], d["start"], d["start"] + d["dur"], round(d["dur"] * 1000)))
    out.append("stage2: %s" % (", ".join(dict.fromkeys(run.stage2)) if run.stage2 else "no marker"))
    return "\n".join(out)


def nice_step(span, target=8):
    if span <= 0:
        return 0.1
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def fmt_s(v, step):
    decimals = max(0, -int(math.floor(math.log10(step)))) if step < 1 else 0
    if step < 1 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1
    return "%.*f" % (decimals, v)


def svg(run, title, source):
    phases = sorted(run.phases, key=lambda p: (p["start"], p["t"]))
    labels = numbered(phases, "name")
    details = sorted(run.details, key=lambda d: d["start"])
    total = run.total()
    span = max([total] + [p["start"] + p["dur"] for p in phases] + [d["start"] + d["dur"] for d in details] + [0.001])
    step = nice_step(span)
    axis_end = math.ceil(span / step - 1e-9) * step
    W, left, right, top = 960, 190, 40, 70
    row_h, det_h = 30, 20
    plot_w = W - left - right
    rows = len(phases) + len(details)
    H = top + len(phases) * row_h + (12 if details else 0) + len(details) * det_h + 70
    x = lambda t: left + plot_w * (t / axis_end)
    e = lambda s: escape(str(s), {'"': "&quot;"})
    o = []
    o.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">' % (W, H, W, H))
    o.append('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (W, H))
    o.append('<text x="%d" y="28" font-size="18" font-weight="bold">%s</text>' % (left - 170, e(title)))
    sub = "total %.3f s to the hand-off" % total if run.handover else "total %.3f s (no hand-off in the log)" % total
    if run.stage2:
        sub += "; second stage: " + ", ".join(dict.fromkeys(run.stage2))
    o.append('<text x="%d" y="50" fill="#444">%s</text>' % (left - 170, e(sub)))
    plot_bottom = H - 50
    # grid and axis
    t = 0.0
    while t <= axis_end + 1e-9:
        gx = x(t)
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e3e3e3"/>' % (gx, top - 8, gx, plot_bottom))
        o.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>' %
                 (gx, plot_bottom + 18, fmt_s(t, step)))
        t += step
    o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>' % (left, plot_bottom, W - right, plot_bottom))
    o.append('<text x="%d" y="%d" text-anchor="middle" fill="#444">seconds since nearboot started</text>' %
             (left + plot_w // 2, plot_bottom + 38))
    if run.handover:  # under the bars and their labels
        hx = x(total)
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#b07aa1" stroke-dasharray="4 3" stroke-width="1.5"/>' %
                 (hx, top - 12, hx, plot_bottom))
        o.append('<text x="%.1f" y="%d" text-anchor="end" font-size="11" fill="#b07aa1">hand-off %.3f s</text>' %
                 (hx - 3, top - 14, total))
    y = top
    for label, p in zip(labels, phases):
        colour = COLOURS.get(p["name"], OTHER_COLOUR)
        bx, bw = x(p["start"]), max(2.0, x(p["start"] + p["dur"]) - x(p["start"]))
        o.append('<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>' % (left - 10, y + 19, e(label)))
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="3" fill="%s"><title>%s: %d ms at %.3f s</title></rect>' %
                 (bx, y + 5, bw, row_h - 10, colour, e(label), round(p["dur"] * 1000), p["start"]))
        txt = "%d ms" % round(p["dur"] * 1000)
        if bx + bw + 70 < W - right + 30:  # after the bar
            o.append('<text x="%.1f" y="%d" fill="#222">%s</text>' % (bx + bw + 5, y + 19, txt))
        elif bw > 70:  # inside it
            o.append('<text x="%.1f" y="%d" text-anchor="end" fill="#fff">%s</text>' % (bx + bw - 5, y + 19, txt))
        else:  # before it
            o.append('<text x="%.1f" y="%d" text-anchor="end" fill="#222">%s</text>' % (bx - 5, y + 19, txt))
        y += row_h
    if details:
        y += 12
    for d in details:
        bx, bw = x(d["start"]), max(1.5, x(d["start"] + d["dur"]) - x(d["start"]))
        o.append('<text x="%d" y="%d" text-anchor="end" font-size="11" fill="#555">%s</text>' %
                 (left - 10, y + 14, e(d["label"][:28])))
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d ms</title></rect>' %
                 (bx, y + 5, bw, det_h - 9, COLOURS["verify"] if d["kind"] == "verify" else DETAIL_COLOUR,
                  e(d.get("url", d["label"])), round(d["dur"] * 1000)))
        txt = "%d ms" % round(d["dur"] * 1000)
        if bx + bw + 60 < W - right + 30:
            o.append('<text x="%.1f" y="%d" font-size="11" fill="#555">%s</text>' % (bx + bw + 4, y + 14, txt))
        elif bw > 60:
            o.append('<text x="%.1f" y="%d" text-anchor="end" font-size="11" fill="#fff">%s</text>' % (bx + bw - 4, y + 14, txt))
        else:
            o.append('<text x="%.1f" y="%d" text-anchor="end" font-size="11" fill="#555">%s</text>' % (bx - 4, y + 14, txt))
        y += det_h
    if not phases and not details:
        o.append('<text x="%d" y="%d" fill="#a00">no phase lines in this log</text>' % (left, top + 20))
    o.append('<text x="%d" y="%d" text-anchor="end" font-size="10" fill="#888">%s</text>' % (W - right, H - 6, e(source)))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def default_svg():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = os.environ.get("BUILD", "build")
    if not os.path.isabs(build):
        build = os.path.join(repo, build)
    return os.path.join(build, "boot-waterfall.svg")


def report(raw, source, svg_path, run_no=None, title=None, out=sys.stdout, err=sys.stderr):
    runs = [r for r in parse(raw) if r.lines]
    if not runs:
        err.write("boot-report: no nearboot console lines ([   t] text) in %s\n" % source)
        return 1, None
    if run_no is not None:
        if not 1 <= run_no <= len(runs):
            err.write("boot-report: %s has %d run(s); no run %d\n" % (source, len(runs), run_no))
            return 2, None
        idx = run_no - 1
    else:
        idx = len(runs) - 1
    run = runs[idx]
    out.write(table(run, idx, len(runs), source) + "\n")
    if svg_path:
        t = title or ("nearboot boot waterfall" + (" — nearboot %s" % run.banner[0] if run.banner else ""))
        doc = svg(run, t, os.path.basename(source) + (" (run %d of %d)" % (idx + 1, len(runs)) if len(runs) > 1 else ""))
        d = os.path.dirname(os.path.abspath(svg_path))
        os.makedirs(d, exist_ok=True)
        tmp = svg_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(doc)
        os.replace(tmp, svg_path)
        out.write("waterfall: %s\n" % svg_path)
    return 0, run


# ---------------------------------------------------------------------------------------- self-test

SAMPLE = (
    "\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01H\r\n"
    ">>Start PXE over IPv4.\r\n"
    "  Station IP address is 198.18.1.108\r\n"
    "BdsDxe: starting Boot0001 \"UEFI PXEv4 (MAC:525400B00701)\"\r\n"
    "\x1b[0m\x1b[37m\x1b[40m[   0.157] nearboot 0.1.0 (build 55d431ba8daf-dirty, 2026-11-26T01:52Z) on uefi\r\n"
    "[   0.267] config: built-in defaults (no embedded configuration)\r\n"
    "[   0.280] dhcp: verifying the firmware's lease 198.18.1.108 (INIT-REBOOT); DHCPv6 in parallel\r\n"
    "[   0.492] dhcp4: 198.18.1.108 via 198.18.1.1 from server 198.18.1.1 (firmware lease confirmed, 214 ms)\r\n"
    "[   0.493] dhcp: boot information from DHCPv4 in 196 ms: https://198.18.255.69/\r\n"
    "[   0.500] phase: dhcp 203 ms at 0.297 s\r\n"
    "[   0.510] boot: candidate https://198.18.255.69/ (dhcp-url)\r\n"
    "[   0.760] race: #1 https://198.18.255.69/ at 198.18.255.69: connect 1.532 ms (dhcp-url)\r\n"
    "[   0.760] race: #2 https://198.18.254.2/: no answer within the race (embedded)\r\n"
    "[   0.761] race: 2 site(s) ranked in 250 ms\r\n"
    "[   0.761] phase: race 251 ms at 0.510 s\r\n"
    "[   1.020] phase: tls 190 ms at 0.770 s\r\n"
    "[   1.101] https: https://198.18.255.69/manifest from 198.18.255.69 port 443 (HTTP/1.1 200, TLSv1.3 "
    "TLS1-3-AES-128-GCM-SHA256): 412 bytes in 0.329 s, 1.2 KB/s\r\n"
    "[   1.140] verify: https://198.18.255.69/manifest: release serial 42, 1 artifact(s), signed by nearboot "
    "code signing (ecdsa), in 38 ms\r\n"
    "[   1.141] phase: manifest 370 ms at 0.771 s\r\n"
    "[   1.500] https: [#####.....] 50% 2.0/4.0 MiB 6.1 MB/s\r"
    "[   1.900] https: [##########] 100% 4.0/4.0 MiB 6.3 MB/s\r\n"
    "[   1.905] https: https://198.18.255.69/stage2.efi from 198.18.255.69 port 443 (HTTP/1.1 200, TLSv1.3 "
    "TLS1-3-AES-128-GCM-SHA256): 4194304 bytes in 0.760 s, 5.5 MB/s, kept-alive connection\r\n"
    "[   1.906] verify: stage2.efi 4194304 bytes sha256 ok\r\n"
    "[   1.906] phase: transfer 764 ms at 1.142 s\r\n"
    "[   1.910] boot: handing over to stage2.efi (release 42 from https://198.18.255.69/) after 1910 ms\r\n"
    "[   1.910] phase: handoff 0 ms at 1.910 s\r\n"
    "stage2-hello: started\r\n"
    "stage2-hello: ok\r\n"
)

# an older image: only the DHCP phase, a backoff restart, junk glued before a stamp, no hand-off
SAMPLE_PARTIAL = (
    b"\x1b[1m\x1b[37m\x1b[40miPXE 1.0.0+git\x1b[0m -- Open Source Network Boot Firmware\r\n"
    b"[   0.125] nearboot 0.0.9 (build abc, 2026-01-01T00:00Z) on uefi\r\n"
    b"\xff\xfe[   3.500] phase: dhcp 3223 ms at 0.297 s\r\n"
    b"[   3.505] boot: attempt 1 failed; starting over from DHCP in 1.000 s (backoff)\r\n"
    b"\x1b[2J[   8.442] phase: dhcp 2900 ms at 4.505 s\r\n"
    b"[    2.973780] reboot: Power down\r\n"
    b"[  13.505] nearboot: giving up after 2 attempts\r\n"
)


def selftest(svg_path):
    results = []

    def check(name, cond):
        results.append((name, bool(cond)))
        if not cond:
            sys.stderr.write("selftest: FAILED: %s\n" % name)

    lines = clean_lines("a\x1b[=3hb\x1b[01;01Hc\rd\r\ne\x1b(Bf\x1b]0;title\x07g")
    check("ANSI and CR removed", lines == ["abc", "d", "ef" + "g"])

    runs = parse(SAMPLE)
    check("one run", len(runs) == 1)
    r = runs[0]
    check("banner", r.banner and r.banner[0] == "0.1.0" and r.banner[1] == "55d431ba8daf-dirty" and r.banner[3] == "uefi")
    check("six phases", [p["name"] for p in r.phases] == ["dhcp", "race", "tls", "manifest", "transfer", "handoff"])
    check("dhcp phase", r.phases[0]["start"] == 0.297 and abs(r.phases[0]["dur"] - 0.203) < 1e-9)
    check("dhcp result", r.dhcp == ("DHCPv4", 196) and r.lease4 == "198.18.1.108")
    check("race ranking", len(r.race) == 2 and r.race[0]["ms"] == 1.532 and r.race[1]["error"] == "no answer within the race")
    check("fetch details", [d["label"] for d in r.details if d["kind"] == "fetch"] == ["GET manifest (412 B)", "GET stage2.efi (4194304 B)"])
    check("verify detail", [d for d in r.details if d["kind"] == "verify" and abs(d["dur"] - 0.038) < 1e-9])
    check("progress lines are not fetches", sum(1 for d in r.details if d["kind"] == "fetch") == 2)
    check("hand-off", r.handover and r.handover[0] == "stage2.efi" and r.handover[2] == 1910)
    check("total", abs(r.total() - 1.910) < 1e-9)
    check("stage2 marker", r.stage2 == ["stage2-hello: ok"])

    class Sink:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

    tmpdir = tempfile.mkdtemp(prefix="boot-report-")
    sink = Sink()
    rc, _ = report(SAMPLE.encode(), "sample.log", os.path.join(tmpdir, "a.svg"), out=sink)
    check("report ok", rc == 0)
    check("table rows", re.search(r"^transfer\s+1\.142\s+764\s+1\.906$", sink.text, re.M) is not None)
    check("table total", "total: 1.910 s from nearboot's start to the hand-off" in sink.text)
    check("table missing", "not in the log: verify" in sink.text)
    try:
        root = ET.parse(os.path.join(tmpdir, "a.svg")).getroot()
        rects = [el for el in root.iter("{http://www.w3.org/2000/svg}rect")]
        texts = " ".join((el.text or "") for el in root.iter("{http://www.w3.org/2000/svg}text"))
        check("svg: a bar per phase and detail", len(rects) == 1 + 6 + 3)
        check("svg: labels and total", "transfer" in texts and "764 ms" in texts and "total 1.910 s" in texts)
    except ET.ParseError as ex:
        check("svg well-formed (%s)" % ex, False)

    runs = parse(SAMPLE_PARTIAL)
    check("partial: one run", len(runs) == 1)
    r = runs[0]
    check("partial: repeated dhcp, kernel line ignored", [p["name"] for p in r.phases] == ["dhcp", "dhcp"])
    check("partial: no hand-off", r.handover is None and abs(r.total() - (13.505 + r.offset)) < 1e-9)
    check("partial: clock offset from the phase lines", abs(r.offset - 0.020) < 1e-9)
    sink = Sink()
    rc, _ = report(SAMPLE_PARTIAL, "partial.log", os.path.join(tmpdir, "b.svg"), out=sink)
    check("partial: report ok", rc == 0 and "dhcp #2" in sink.text and "not in the log: race, tls" in sink.text)
    check("partial: svg parses", ET.parse(os.path.join(tmpdir, "b.svg")).getroot() is not None)

    skew = SAMPLE.replace("after 1910 ms", "after 1930 ms")
    sink = Sink()
    rc, run = report(skew, "skew.log", None, out=sink)
    check("hand-off line on another clock: total from the handoff phase",
          rc == 0 and abs(run.total() - 1.910) < 1e-9 and "its own line says after 1930 ms" in sink.text)

    two = SAMPLE_PARTIAL + SAMPLE.encode()
    check("two runs", len(parse(two)) == 2)
    sink = Sink()
    rc, run = report(two, "two.log", None, run_no=1, out=sink)
    check("--run 1 picks the first", rc == 0 and run.banner[0] == "0.0.9" and "run 1 of 2" in sink.text)
    sink = Sink()
    check("no nearboot lines", report(b"BdsDxe: nothing here\r\n", "x.log", None, out=sink, err=sink)[0] == 1)

    if svg_path:
        rc, _ = report(SAMPLE.encode(), "selftest sample", svg_path, title="nearboot boot waterfall (self-test sample)",
                       out=Sink())
        check("sample svg written", rc == 0 and os.path.getsize(svg_path) > 0)
        print("selftest: sample waterfall: %s" % svg_path)
    for f in ("a.svg", "b.svg"):
        try:
            os.remove(os.path.join(tmpdir, f))
        except OSError:
            pass
    os.rmdir(tmpdir)
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print("selftest: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def main(argv):
    ap = argparse.ArgumentParser(description="nearboot serial log -> phase table + SVG waterfall")
    ap.add_argument("log", nargs="?", help="serial log (- for stdin)")
    ap.add_argument("--svg", help="SVG output path (default $BUILD/boot-waterfall.svg)")
    ap.add_argument("--no-svg", action="store_true", help="only the table")
    ap.add_argument("--run", type=int, help="which nearboot run in the log (1 = first; default: the last)")
    ap.add_argument("--title", help="the waterfall's title")
    ap.add_argument("--selftest", action="store_true", help="check the parser and the renderer on embedded samples")
    a = ap.parse_args(argv[1:])
    if a.selftest:
        return selftest(a.svg)
    if not a.log:
        ap.print_usage(sys.stderr)
        return 2
    try:
        if a.log == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(a.log, "rb") as f:
                raw = f.read()
    except OSError as ex:
        sys.stderr.write("boot-report: %s\n" % ex)
        return 2
    svg_path = None if a.no_svg else (a.svg or default_svg())
    try:
        rc, _ = report(raw, a.log, svg_path, a.run, a.title)
    except OSError as ex:
        sys.stderr.write("boot-report: %s\n" % ex)
        return 2
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
