#!/usr/bin/env python3
"""mkcpio.py — a reproducible initramfs (newc cpio, gzip) without root or cpio(1).

    mkcpio.py OUT.cpio.gz SPEC...

Each SPEC is one entry, written in the order given (parents first):
    dir:PATH                  directory, mode 0755
    file:PATH=SRC[:MODE]      regular file copied from SRC (MODE octal, default 0755 if SRC is
                              executable, else 0644)
    link:PATH=TARGET          symbolic link
    chr:PATH=MAJOR,MINOR      character device, mode 0600 (written into the archive; no mknod needed)

Every entry has uid/gid 0, mtime SOURCE_DATE_EPOCH (default 0) and inode numbers counted from 1, and
gzip's header carries that same time, so the same inputs give the same bytes.
"""
import gzip
import os
import stat
import sys


def header(ino, mode, nlink, size, mtime, rdev, name):
    major, minor = rdev
    fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, major, minor, len(name) + 1, 0]
    return ("070701" + "".join("%08x" % f for f in fields)).encode() + name + b"\0"


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


def build(specs, mtime):
    out = bytearray()
    ino = 0

    def entry(name, mode, data=b"", nlink=1, rdev=(0, 0)):
        nonlocal ino
        ino += 1
        name_b = name.encode()
        h = header(ino, mode, nlink, len(data), mtime, rdev, name_b)
        out.extend(h)
        out.extend(pad4(len(h)))
        out.extend(data)
        out.extend(pad4(len(data)))

    for spec in specs:
        kind, _, rest = spec.partition(":")
        if kind == "dir":
            entry(rest.strip("/"), stat.S_IFDIR | 0o755, nlink=2)
        elif kind == "file":
            path, _, src = rest.partition("=")
            src, _, mode = src.partition(":")
            with open(src, "rb") as f:
                data = f.read()
            if mode:
                perm = int(mode, 8)
            else:
                perm = 0o755 if os.access(src, os.X_OK) else 0o644
            entry(path.strip("/"), stat.S_IFREG | perm, data)
        elif kind == "link":
            path, _, target = rest.partition("=")
            entry(path.strip("/"), stat.S_IFLNK | 0o777, target.encode())
        elif kind == "chr":
            path, _, dev = rest.partition("=")
            major, minor = (int(x) for x in dev.split(","))
            entry(path.strip("/"), stat.S_IFCHR | 0o600, rdev=(major, minor))
        else:
            raise SystemExit("mkcpio.py: unknown entry %r" % spec)
    entry("TRAILER!!!", 0, nlink=1)
    out.extend(b"\0" * ((512 - len(out) % 512) % 512))
    return bytes(out)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    data = build(argv[2:], mtime)
    tmp = argv[1] + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=mtime) as gz:
            gz.write(data)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
