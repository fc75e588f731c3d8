#!/usr/bin/env python3
"""Seed corpus for fuzz_manifest: release manifests as nearboot-sign writes
them, at the limits, and hostile. Writes firmware/fuzz/corpus/fuzz_manifest/
(vectors.txt there comes from firmware/tests/boot/make-verify-vectors.sh).
Run from anywhere."""
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_manifest")
H1 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
H2 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
HDR = "nearboot-manifest 1\n"
REQ = "serial 42\nnot-after 2027-06-30T00:00:00Z\nentry hello.efi 31744 %s\n" % H1

seeds = {
    "minimal": HDR + REQ,
    "canonical": HDR + "serial 42\nnot-after 2027-06-30T00:00:00Z\ncreated 2026-11-20T10:00:00Z\n"
    "entry hello.efi 31744 %s\nartifact initrd.img 1048576 %s\n"
    "options \"console=ttyS0 root=\\\"LABEL=a b\\\"\"\nsite https://sitea.example.net/releases/\n"
    "site https://[fd00:b007::69]:8443/r/\n" % (H1, H2),
    "max-artifacts": HDR + REQ + "".join("artifact EFI/a%u.bin %u %s\n" % (i, i, H2) for i in range(15)),
    "max-sites": HDR + REQ + "".join("site https://s%u.example/\n" % i for i in range(8)),
    "options-long": HDR + REQ + "options \"" + "\\\"" * 1024 + "\"\n",
    "path-long": HDR + REQ + "artifact " + "p/" * 127 + "x 1 " + H2 + "\n",
    "entry-last": HDR + "artifact a 0 %s\nsite https://s/\nserial 18446744073709551615\n"
    "not-after 9999-12-31T23:59:59Z\nentry e.efi 4294967295 %s\n" % (H2, H1),
    "crlf": (HDR + REQ).replace("\n", "\r\n"),
    "version2": "nearboot-manifest 2\n" + REQ,
    "escape": HDR + REQ + "artifact ../../etc/passwd 1 %s\n" % H2,
    "duplicate": HDR + REQ + "serial 43\n",
    "unknown": HDR + REQ + "signature abc\n",
    "initrd": HDR + REQ + "initrd initrd.img 1048576 %s\nartifact extra 0 %s\n" % (H2, H1),
    "initrd-twice": HDR + REQ + "initrd a 1 %s\ninitrd b 1 %s\n" % (H2, H2),
}

os.makedirs(root, exist_ok=True)
for name, text in seeds.items():
    with open(os.path.join(root, name + ".txt"), "w", newline="") as f:
        f.write(text)
print("make-seeds-manifest: %d seeds in %s" % (len(seeds), root))
