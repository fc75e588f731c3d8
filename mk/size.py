#!/usr/bin/env python3
"""make size: the image size and its split (nearboot's own code vs mbedTLS).

Reads lld-link's /map output ("Publics by Value"): each public symbol's size
is the distance to the next symbol in the same section (the last one runs to
the section's end), and it is charged to mbedTLS when its object came from
libmbedtls.a, otherwise to nearboot.
"""
import os
import re
import sys


def parse(map_path):
    sections = []  # (index, start, end, name)
    syms = []      # (section, offset, name, object)
    sec_re = re.compile(r'^\s*([0-9a-f]{4}):([0-9a-f]{8}) ([0-9a-f]{8})H (\S+)')
    sym_re = re.compile(r'^\s*([0-9a-f]{4}):([0-9a-f]{8})\s+(\S+)\s+[0-9a-f]{16}\s+(?:f\s+)?(\S+)')
    in_publics = False
    for line in open(map_path):
        if 'Publics by Value' in line:
            in_publics = True
            continue
        if not in_publics:
            m = sec_re.match(line)
            if m:
                start = int(m[2], 16)
                sections.append((int(m[1], 16), start, start + int(m[3], 16), m[4]))
            continue
        m = sym_re.match(line)
        if m:
            syms.append((int(m[1], 16), int(m[2], 16), m[3], m[4]))
    return sections, syms


def main():
    efi, map_path = sys.argv[1], sys.argv[2]
    sections, syms = parse(map_path)
    totals = {}  # (section name, owner) -> bytes
    syms.sort()
    for i, (sec, off, _name, obj) in enumerate(syms):
        home = [s for s in sections if s[0] == sec and s[1] <= off < s[2]]
        if not home:
            continue
        _, _, sec_end, sec_name = home[0]
        nxt = syms[i + 1] if i + 1 < len(syms) and syms[i + 1][0] == sec else None
        end = min(nxt[1], sec_end) if nxt else sec_end
        owner = 'mbedtls' if obj.startswith('libmbedtls') else 'nearboot'
        key = (sec_name, owner)
        totals[key] = totals.get(key, 0) + max(0, end - off)
    size = os.path.getsize(efi)
    print(f'{efi}: {size} bytes ({size / 1024:.1f} KiB) on disk')
    print(f'{"section":<10} {"nearboot":>10} {"mbedTLS":>10}')
    own = ext = 0
    for name in sorted({k[0] for k in totals}):
        a, b = totals.get((name, 'nearboot'), 0), totals.get((name, 'mbedtls'), 0)
        own += a if name != '.bss' else 0
        ext += b if name != '.bss' else 0
        print(f'{name:<10} {a:>10} {b:>10}')
    print(f'{"total":<10} {own:>10} {ext:>10}   (excluding .bss; mbedTLS share {100 * ext / max(1, own + ext):.0f}%)')


if __name__ == '__main__':
    main()
