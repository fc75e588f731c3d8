#!/usr/bin/env python3
"""ovmf-enroll.py — enroll Secure Boot keys (PK, KEK, db) into a copy of an OVMF VARS image, offline.

    ovmf-enroll.py TEMPLATE OUT --pk PK.cer --kek KEK.cer --db DB.cer [--owner GUID]
    ovmf-enroll.py --list VARS

TEMPLATE is an empty variable store (Debian's /usr/share/OVMF/OVMF_VARS_4M.fd). OUT gets the same image
with PK, KEK and db (each an EFI_SIGNATURE_LIST holding one X.509 certificate, DER) and SecureBootEnable=1
appended as authenticated, non-volatile variables. With OVMF_CODE_4M.secboot.fd the firmware then starts
in User Mode with Secure Boot enforcing: it boots only images signed by a certificate in db.

Why offline: the usual ways need a booted system (efitools' KeyTool.efi or efi-updatevar, EDK2's
EnrollDefaultKeys.efi with Microsoft's keys), and Debian 12 has no package that edits a VARS file
(python3-virt-firmware arrived in Debian 13). The store format is small and fixed (EDK2
MdeModulePkg/Include/Guid/VariableFormat.h):

    firmware volume header (_FVH, HeaderLength) | VARIABLE_STORE_HEADER (28 bytes, authenticated GUID)
    | AUTHENTICATED_VARIABLE_HEADER (60 bytes) name(UTF-16, NUL) data, padded to 4 | ... | 0xFF free space

An existing PK/KEK/db in the template is refused rather than overwritten: the lab wants exactly our keys.
"""
import argparse
import datetime
import struct
import sys
import uuid

AUTH_VAR_STORE = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
GLOBAL_VARIABLE = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
IMAGE_SECURITY_DB = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")
SECURE_BOOT_ENABLE = uuid.UUID("f0a30bc7-af08-4556-99c4-001009c93a44")
CERT_X509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")
# the owner of our signature list entries (any GUID; this one spells "nearboot" in its first bytes)
NEARBOOT_OWNER = uuid.UUID("6e656172-626f-6f74-5345-435552454b59")

VAR_START_ID = 0x55AA
VAR_ADDED = 0x3F
STORE_FORMATTED = 0x5A
STORE_HEALTHY = 0xFE
NV_BS = 0x1 | 0x2
NV_BS_RT_TIMEAUTH = 0x1 | 0x2 | 0x4 | 0x20
VAR_HDR = struct.Struct("<HBBIQ16sIII16s")  # 60 bytes
STORE_HDR = struct.Struct("<16sIBBHI")      # 28 bytes


def die(msg):
    print(f"ovmf-enroll: {msg}", file=sys.stderr)
    sys.exit(1)


def store_bounds(img):
    """(first variable offset, end of store) after checking the FV and store headers."""
    if len(img) < 0x48 + STORE_HDR.size or img[40:44] != b"_FVH":
        die("not a firmware volume (no _FVH signature): is this an OVMF VARS image?")
    fv_hdr_len = struct.unpack_from("<H", img, 48)[0]
    guid, size, fmt, state, _, _ = STORE_HDR.unpack_from(img, fv_hdr_len)
    if uuid.UUID(bytes_le=guid) != AUTH_VAR_STORE:
        die("the variable store is not an authenticated one (an OVMF built without Secure Boot?)")
    if fmt != STORE_FORMATTED or state != STORE_HEALTHY:
        die(f"variable store header not formatted/healthy (format {fmt:#x}, state {state:#x})")
    end = fv_hdr_len + size
    if end > len(img):
        die("variable store size runs past the end of the image")
    return fv_hdr_len + STORE_HDR.size, end


def walk(img, first, end):
    """Yield (offset, next offset, state, attributes, name, guid, data) per variable, up to free space."""
    p = first
    while p + VAR_HDR.size <= end:
        sid, state, _, attrs, _, _, _, nsize, dsize, guid = VAR_HDR.unpack_from(img, p)
        if sid != VAR_START_ID:
            return
        npos = p + VAR_HDR.size
        if npos + nsize + dsize > end:
            die(f"variable at {p:#x} runs past the store")
        name = img[npos:npos + nsize].decode("utf-16-le", "replace").rstrip("\0")
        nxt = (npos + nsize + dsize + 3) & ~3
        yield p, nxt, state, attrs, name, uuid.UUID(bytes_le=guid), img[npos + nsize:npos + nsize + dsize]
        p = nxt


def free_offset(img, first, end):
    last = first
    for _, nxt, *_ in walk(img, first, end):
        last = nxt
    return last


def efi_time(now):
    return struct.pack("<HBBBBBBIhBB", now.year, now.month, now.day, now.hour, now.minute, now.second,
                       0, 0, 0, 0, 0)


def variable(name, guid, attrs, data, stamp):
    n = (name + "\0").encode("utf-16-le")
    hdr = VAR_HDR.pack(VAR_START_ID, VAR_ADDED, 0, attrs, 0, stamp, 0, len(n), len(data), guid.bytes_le)
    rec = hdr + n + data
    return rec + b"\xff" * (-len(rec) % 4)


def x509_signature_list(cert, owner):
    """EFI_SIGNATURE_LIST with one EFI_SIGNATURE_DATA (owner GUID + the DER certificate)."""
    if not cert.startswith(b"\x30\x82"):
        die("a certificate is not DER (convert with: openssl x509 -outform DER)")
    sig_size = 16 + len(cert)
    return struct.pack("<16sIII", CERT_X509.bytes_le, 28 + sig_size, 0, sig_size) + owner.bytes_le + cert


def enroll(args):
    img = bytearray(open(args.template, "rb").read())
    first, end = store_bounds(img)
    for _, _, state, _, name, guid, _ in walk(img, first, end):
        if state == VAR_ADDED and (name, guid) in (("PK", GLOBAL_VARIABLE), ("KEK", GLOBAL_VARIABLE),
                                                   ("db", IMAGE_SECURITY_DB)):
            die(f"the template already holds {name}: start from an empty store (OVMF_VARS_4M.fd)")
    owner = uuid.UUID(args.owner)
    stamp = efi_time(datetime.datetime.now(datetime.timezone.utc))
    recs = b"".join([
        variable("PK", GLOBAL_VARIABLE, NV_BS_RT_TIMEAUTH, x509_signature_list(open(args.pk, "rb").read(), owner), stamp),
        variable("KEK", GLOBAL_VARIABLE, NV_BS_RT_TIMEAUTH, x509_signature_list(open(args.kek, "rb").read(), owner), stamp),
        variable("db", IMAGE_SECURITY_DB, NV_BS_RT_TIMEAUTH, x509_signature_list(open(args.db, "rb").read(), owner), stamp),
        variable("SecureBootEnable", SECURE_BOOT_ENABLE, NV_BS, b"\x01", stamp),
    ])
    at = free_offset(img, first, end)
    if at + len(recs) > end or any(b != 0xFF for b in img[at:at + len(recs)]):
        die("no room in the variable store")
    img[at:at + len(recs)] = recs
    with open(args.out, "wb") as f:
        f.write(img)
    print(f"ovmf-enroll: {args.out}: PK, KEK, db enrolled ({len(recs)} bytes at {at:#x}); Secure Boot enforcing")


def list_vars(path):
    img = open(path, "rb").read()
    first, end = store_bounds(img)
    for p, _, state, attrs, name, guid, data in walk(img, first, end):
        print(f"{p:#07x} {'valid' if state == VAR_ADDED else 'deleted':7} attrs {attrs:#04x} {name} {guid} {len(data)} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("template", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--pk")
    ap.add_argument("--kek")
    ap.add_argument("--db")
    ap.add_argument("--owner", default=str(NEARBOOT_OWNER))
    ap.add_argument("--list", metavar="VARS")
    args = ap.parse_args()
    if args.list:
        list_vars(args.list)
    elif args.template and args.out and args.pk and args.kek and args.db:
        enroll(args)
    else:
        ap.error("need TEMPLATE OUT --pk --kek --db, or --list VARS")


if __name__ == "__main__":
    main()
