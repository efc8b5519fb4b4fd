#!/usr/bin/env python3
"""Writes the hostile-input suite's images into a directory.

    make_cases.py OUTDIR [--token TOKEN] [--only REGEX]

Every image is made at run time (Python's standard library plus the Debian
tools the tests already use; a case whose tool is missing is skipped and
listed as such). OUTDIR/manifest.json lists every case: its name, file,
category, what it attacks and what firmgate must do with it; run_hostile.py
reads it. Nothing here is committed as a binary.

Expectation fields of a case (all optional but name/file/category/why):
  exit         exit codes allowed for `unpack --list`, `unpack -o`, `scan`
               (scan runs with --fail-on none, so findings never exit 1)
  note         regex: some container or entry must be flagged truncated with
               a note matching it, and a scan diagnostic must match it too
  incomplete   the image is damaged: firmgate must either refuse it (exit 3)
               or say so (some truncation note or an unpack diagnostic)
  escapes      paths that must not exist after `unpack -o DIR`: relative ones
               are resolved against DIR, absolute ones are absolute; the
               runner also checks every ancestor of DIR for TOKEN entries
  targets      absolute directories the runner creates empty before the run
               and checks are still empty after (a symlink in the image
               points there: writing through it would land inside)
  victims      absolute files the runner creates with known content and
               checks unchanged after (hard links in the image point there)
  containers   {format: n}: exactly N containers of that format (depth limit,
               carving each copy once)
  o_notice     regex the stderr of `unpack -o` must match (entries written
               under another name or left out, with exit 0)
  present      paths (as in the manifest, "/a/b") some file tree must hold
  absent       paths no file tree may hold
  secret       a string the runner writes into a host file the image links
               to; it must not appear in any output
  slow         the case may take longer (bombs): the runner's timeout applies
"""
import argparse
import bz2
import io
import json
import lzma
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

MIB = 1 << 20
GIB = 1 << 30


# ---- small helpers ---------------------------------------------------------

def tool(name):
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, name)
        if d and os.access(p, os.X_OK):
            return p
    return None


def run(argv, env=None, **kw):
    # same images on every run: mksquashfs stamps (and clamps) times with this
    env = dict(env or os.environ, SOURCE_DATE_EPOCH="1700000000")
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
                          env=env, **kw)


def crc32_raw(data):
    """CRC32 with initial value ~0 and no final inversion (TRX)."""
    return ~zlib.crc32(data) & 0xFFFFFFFF


def gf2_times(mat, vec):
    s = 0
    i = 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def gf2_square(mat):
    return [gf2_times(mat, mat[n]) for n in range(32)]


def crc32_of_zeros(n, crc=0):
    """zlib.crc32 of CRC followed by N zero bytes, in O(log N) (zlib's
    crc32_combine operator), so a 2 GiB bomb's trailer costs nothing."""
    odd = [0xEDB88320] + [1 << i for i in range(31)]
    even = gf2_square(odd)
    odd = gf2_square(even)
    crc ^= 0xFFFFFFFF
    while n:
        even = gf2_square(odd)
        if n & 1:
            crc = gf2_times(even, crc)
        n >>= 1
        if not n:
            break
        odd = gf2_square(even)
        if n & 1:
            crc = gf2_times(odd, crc)
        n >>= 1
    return crc ^ 0xFFFFFFFF


def gzip_member(data, name=None, mtime=0):
    flags = 0x08 if name is not None else 0
    head = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", mtime) + b"\x00\x03"
    if name is not None:
        head += name + b"\x00"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def gzip_zeros(total, piece=MIB):
    """One gzip member holding TOTAL zero bytes, built from a deflate piece
    that a full flush makes repeatable: the history is reset after each,
    so every PIECE of zeros compresses to the same bytes."""
    assert total % piece == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(piece)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(b"") + c.flush(zlib.Z_FINISH)
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
    return (head + block * (total // piece) + tail
            + struct.pack("<II", crc32_of_zeros(total), total & 0xFFFFFFFF))


# ---- tar and cpio written by hand (the libraries refuse hostile names) ------

def tar_header(name, size=0, typeflag=b"0", linkname=b"", mode=0o644, uid=0, gid=0,
               mtime=1700000000, size_field=None, bad_checksum=False):
    if isinstance(name, str):
        name = name.encode()
    if isinstance(linkname, str):
        linkname = linkname.encode()
    h = bytearray(512)

    def put(off, length, val):
        h[off:off + len(val[:length])] = val[:length]
    put(0, 100, name)
    put(100, 8, b"%07o\0" % mode)
    put(108, 8, b"%07o\0" % uid)
    put(116, 8, b"%07o\0" % gid)
    put(124, 12, size_field if size_field is not None else b"%011o\0" % size)
    put(136, 12, b"%011o\0" % mtime)
    put(156, 1, typeflag)
    put(157, 100, linkname)
    put(257, 8, b"ustar\x0000")
    put(265, 32, b"root")
    put(297, 32, b"root")
    h[148:156] = b" " * 8
    s = sum(h) + (1 if bad_checksum else 0)
    h[148:156] = b"%06o\0 " % s
    return bytes(h)


def tar_member(name, data=b"", **kw):
    out = tar_header(name, len(data), **kw) + data
    return out + bytes(-len(out) % 512)


def tar_longname(name, data=b"", typeflag=b"0", linkname=b""):
    """GNU ././@LongLink member for NAME, then the entry itself."""
    if isinstance(name, str):
        name = name.encode()
    ll = tar_member("././@LongLink", name + b"\0", typeflag=b"L")
    return ll + tar_member(name[:99], data, typeflag=typeflag, linkname=linkname)


def tar_pax(records, name, data=b"", typeflag=b"0", linkname=b""):
    body = b""
    for k, v in records:
        if isinstance(v, str):
            v = v.encode()
        rec = b" " + k.encode() + b"=" + v + b"\n"
        n = len(rec) + 1
        while len(str(n).encode()) + len(rec) != n:
            n = len(str(n).encode()) + len(rec)
        body += str(n).encode() + rec
    return tar_member("PaxHeaders/x", body, typeflag=b"x") + \
        tar_member(name, data, typeflag=typeflag, linkname=linkname)


def tar_end():
    return bytes(1024)


def cpio_newc(name, data=b"", mode=0o100644, ino=1, nlink=1, uid=0, gid=0, mtime=1700000000,
              filesize=None, namesize=None, rdev=(0, 0)):
    if isinstance(name, str):
        name = name.encode()
    fs = len(data) if filesize is None else filesize
    ns = len(name) + 1 if namesize is None else namesize
    fields = [ino, mode, uid, gid, nlink, mtime, fs, 0, 0, rdev[0], rdev[1], ns, 0]
    hdr = b"070701" + b"".join(b"%08X" % (f & 0xFFFFFFFF) for f in fields)
    out = hdr + name + b"\0"
    out += bytes(-len(out) % 4)
    out += data + bytes(-len(data) % 4)
    return out


def cpio_trailer():
    t = cpio_newc("TRAILER!!!", ino=0, mode=0, nlink=1)
    return t + bytes(-len(t) % 512)


# ---- a minimal squashfs 4.0 writer (uncompressed tables and data) ----------
#
# mksquashfs reads every byte of a sparse file and cannot write the absurd
# fields this suite needs, so the sparse and absurd-count images are written
# here: the layout is the kernel's (Documentation/filesystems/squashfs.rst).

SQ_META = 8192
SQ_NONE = 0xFFFFFFFFFFFFFFFF


def sq_meta_blocks(stream):
    out = b""
    for i in range(0, max(len(stream), 1), SQ_META):
        chunk = stream[i:i + SQ_META]
        out += struct.pack("<H", 0x8000 | len(chunk)) + chunk
    return out


def sq_ref(pos):
    """Reference (block start << 16 | offset) of uncompressed offset POS in
    a stream stored in full uncompressed metadata blocks."""
    return ((pos // SQ_META) * (SQ_META + 2) << 16) | (pos % SQ_META)


def squashfs_image(children, block_log=17, inode_count=None, dir_count_override=None,
                   ext_root_size=None, id_count=None, mtime=1700000000):
    """CHILDREN: list of dicts {name, kind: file|symlink|dir-empty, size,
    blocks (list of bytes or None for a sparse block), target, mode}."""
    bs = 1 << block_log
    children = sorted(children, key=lambda c: c["name"])
    data = b""
    data_start = 96
    inodes = b""
    entries = []
    ino = 1
    for c in children:
        ref_pos = len(inodes)
        mode = c.get("mode", 0o644)
        if c["kind"] == "file":
            blocks = c.get("blocks", [])
            start = data_start + len(data)
            sizes = []
            for b in blocks:
                if b is None:
                    sizes.append(0)
                else:
                    sizes.append(len(b) | (1 << 24))
                    data += b
            hdr = struct.pack("<HHHHII", 9, mode, 0, 0, mtime, ino)
            inodes += hdr + struct.pack("<QQQIIII", start, c["size"], 0, 1,
                                        0xFFFFFFFF, 0, 0xFFFFFFFF)
            inodes += b"".join(struct.pack("<I", s) for s in sizes)
            btype = 2
        elif c["kind"] == "symlink":
            t = c["target"].encode() if isinstance(c["target"], str) else c["target"]
            inodes += struct.pack("<HHHHII", 3, 0o777, 0, 0, mtime, ino)
            inodes += struct.pack("<II", 1, len(t)) + t
            btype = 3
        else:  # an empty directory
            inodes += struct.pack("<HHHHII", 1, 0o755, 0, 0, mtime, ino)
            inodes += struct.pack("<IIHHI", 0, 2, 3, 0, len(children) + 1)
            btype = 1
        entries.append((c["name"], sq_ref(ref_pos), ino, btype))
        ino += 1
    # the directory listing of the root: one header per inode block
    dirs = b""
    i = 0
    while i < len(entries):
        blk = entries[i][1] >> 16
        group = [e for e in entries[i:i + 256] if e[1] >> 16 == blk]
        base = group[0][2]
        cnt = dir_count_override if dir_count_override is not None else len(group) - 1
        dirs += struct.pack("<III", cnt, blk, base)
        for name, ref, n, t in group:
            nb = name.encode() if isinstance(name, str) else name
            dirs += struct.pack("<HhHH", ref & 0xFFFF, n - base, t, len(nb) - 1) + nb
        i += len(group)
    root_pos = len(inodes)
    if ext_root_size is None:
        inodes += struct.pack("<HHHHII", 1, 0o755, 0, 0, mtime, ino)
        inodes += struct.pack("<IIHHI", 0, 2 + sum(1 for e in entries if e[3] == 1),
                              len(dirs) + 3, 0, ino + 1)
    else:  # extended directory claiming EXT_ROOT_SIZE bytes of listing
        inodes += struct.pack("<HHHHII", 8, 0o755, 0, 0, mtime, ino)
        inodes += struct.pack("<IIIIHHI", 2, ext_root_size, 0, ino + 1, 0, 0, 0xFFFFFFFF)
    inode_table = sq_meta_blocks(inodes)
    dir_table = sq_meta_blocks(dirs)
    inode_start = data_start + len(data)
    dir_start = inode_start + len(inode_table)
    id_block_start = dir_start + len(dir_table)
    id_block = sq_meta_blocks(struct.pack("<I", 0))
    id_table_start = id_block_start + len(id_block)
    id_ptrs = struct.pack("<Q", id_block_start)
    end = id_table_start + len(id_ptrs)
    sb = struct.pack("<IIIIIHHHHHHQQQQQQQQ",
                     0x73717368, inode_count if inode_count is not None else ino, mtime, bs, 0,
                     1, block_log, 0x0A1B, id_count if id_count is not None else 1, 4, 0,
                     sq_ref(root_pos), end, id_table_start, SQ_NONE,
                     inode_start, dir_start, SQ_NONE, SQ_NONE)
    img = sb + data + inode_table + dir_table + id_block + id_ptrs
    return img + bytes(-len(img) % 4096)


# ---- wrappers written by hand ------------------------------------------------

def uimage(payload, comp=1, name=b"hostile", size=None, bad_hcrc=False, bad_dcrc=False):
    dcrc = zlib.crc32(payload) ^ (1 if bad_dcrc else 0)
    hdr = struct.pack(">IIIIIIIBBBB32s", 0x27051956, 0, 1700000000,
                      len(payload) if size is None else size, 0x80008000, 0x80008000,
                      dcrc, 5, 2, 2, comp, name)
    hcrc = zlib.crc32(hdr) ^ (1 if bad_hcrc else 0)
    return hdr[:4] + struct.pack(">I", hcrc) + hdr[8:] + payload


def trx(parts, offsets=None, length=None, bad_crc=False):
    """TRX v1 of PARTS (each 4-aligned), or with explicit OFFSETS."""
    body = b""
    offs = []
    pos = 28
    for p in parts:
        offs.append(pos)
        p = p + bytes(-len(p) % 4)
        body += p
        pos += len(p)
    if offsets is not None:
        offs = offsets
    offs = (offs + [0, 0, 0])[:3]
    total = 28 + len(body) if length is None else length
    rest = struct.pack("<HH", 0, 1) + struct.pack("<III", *offs) + body
    crc = crc32_raw(rest[:max(0, total - 12)]) ^ (1 if bad_crc else 0)
    return b"HDR0" + struct.pack("<II", total, crc) + rest


def mbr_self(payload_sectors=64):
    """A disk whose only partition starts at sector 0 and covers the whole
    disk: the partition holds the partition table that holds it."""
    img = bytearray(payload_sectors * 512)
    entry = struct.pack("<BBBBBBBBII", 0x80, 0, 1, 0, 0x83, 0xFE, 0xFF, 0xFF, 0, payload_sectors)
    img[446:462] = entry
    img[510:512] = b"\x55\xaa"
    return bytes(img)


# ---- the staged tree the tool-built images are made from -------------------

def stage_rootfs(root):
    files = {
        "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n",
        "etc/shadow": b"root:$1$abc$Jf5Qz5s3t3vC2m4v1v7Xx/:19000:0:99999:7:::\n",
        "etc/inittab": b"::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/login\n",
        "etc/init.d/rcS": b"#!/bin/sh\ntelnetd -l /bin/sh\n",
        "usr/share/doc/readme.txt": b"hostile suite base image\n" * 40,
        "www/index.html": b"<html>" + b"x" * 3000 + b"</html>\n",
        "bin/blob.bin": bytes(random.Random(7).getrandbits(8) for _ in range(20000)),
        "empty.txt": b"",
    }
    for rel, data in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    os.symlink("/bin/blob.bin", os.path.join(root, "bin/sh"))
    os.makedirs(os.path.join(root, "tmp"))
    os.chmod(os.path.join(root, "etc/init.d/rcS"), 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            os.utime(p, (1700000000, 1700000000), follow_symlinks=False)
    return sorted(files)


# ---- the generator -----------------------------------------------------------

class Gen:
    def __init__(self, out, token, only):
        self.out = out
        self.token = token
        self.only = re.compile(only) if only else None
        self.cases = []
        self.skipped = []
        self.tmp = tempfile.mkdtemp(prefix="mkcases-", dir=out)

    def want(self, name):
        return not self.only or self.only.search(name)

    def add(self, name, data, category, why, **expect):
        if not self.want(name):
            return
        fn = name + ".bin"
        with open(os.path.join(self.out, fn), "wb") as f:
            f.write(data)
        case = {"name": name, "file": fn, "category": category, "why": why,
                "size": len(data)}
        case.update(expect)
        self.cases.append(case)

    def skip(self, name, why):
        if self.want(name):
            self.skipped.append({"name": name, "why": why})

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def write(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        doc = {"schema": "firmgate-hostile-cases/1", "token": self.token,
               "cases": self.cases, "skipped": self.skipped}
        with open(os.path.join(self.out, "manifest.json"), "w") as f:
            json.dump(doc, f, indent=1)


# ---- decompression bombs -----------------------------------------------------

def bombs(g):
    budget_note = r"limit|ratio|budget"
    if g.want("bomb_gzip_nested3"):
        inner = gzip_zeros(2 * GIB)
        lvl2 = gzip_member(inner, name=b"level1.gz")
        lvl3 = gzip_member(lvl2, name=b"level2.gz")
        g.add("bomb_gzip_nested3", lvl3, "bomb",
              "2 GiB of zeros gzipped, the result gzipped twice more (3 levels, %d bytes)" % len(lvl3),
              note=budget_note, slow=True)
    if g.want("bomb_gzip_members"):
        m = gzip_member(bytes(64 * MIB))
        g.add("bomb_gzip_members", m * 64, "bomb",
              "64 concatenated gzip members of 64 MiB of zeros each (4 GiB from %d bytes)"
              % (len(m) * 64), note=budget_note, slow=True)
    if g.want("bomb_xz"):
        s = lzma.compress(bytes(8 * MIB), format=lzma.FORMAT_XZ, preset=6)
        g.add("bomb_xz", s * 512, "bomb",
              "512 concatenated xz streams of 8 MiB of zeros (4 GiB from %d bytes)" % (len(s) * 512),
              note=budget_note, slow=True)
    if g.want("bomb_zstd"):
        if not tool("zstd"):
            g.skip("bomb_zstd", "zstd not installed")
        else:
            fr = run([tool("zstd"), "-q", "-c", "-1"], input=bytes(64 * MIB)).stdout
            g.add("bomb_zstd", fr * 64, "bomb",
                  "64 concatenated zstd frames of 64 MiB of zeros (4 GiB from %d bytes)"
                  % (len(fr) * 64), note=budget_note, slow=True)
    if g.want("bomb_bzip2"):
        s = bz2.compress(bytes(16 * MIB), 9)
        g.add("bomb_bzip2", s * 64, "bomb",
              "64 concatenated bzip2 streams of 16 MiB of zeros (1 GiB from %d bytes)" % (len(s) * 64),
              note=budget_note, slow=True)
    if g.want("bomb_squashfs_sparse"):
        img = squashfs_image([
            {"name": "sparse-64g", "kind": "file", "size": 64 * GIB,
             "blocks": [None] * (64 * GIB >> 20)},
            {"name": "small.txt", "kind": "file", "size": 6, "blocks": [b"hello\n"]},
        ], block_log=20)
        g.add("bomb_squashfs_sparse", img, "bomb",
              "squashfs (uncompressed tables) with a 64 GiB file of sparse 1 MiB blocks",
              note=budget_note, present=["/small.txt"], slow=True)
    if g.want("bomb_zip_overlap"):
        g.add("bomb_zip_overlap", zip_overlap(200, 32 * MIB), "bomb",
              "zip whose 200 central-directory entries all name one 32 MiB deflated member "
              "(overlapping files: 6.4 GiB from one copy of the data)",
              note=r"share another entry's local header", slow=True)
    if g.want("bomb_zip_chain"):
        data = b"bottom of the chain\n"
        for i in range(40):
            bio = io.BytesIO()
            with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as z:
                z.writestr(zipfile.ZipInfo("layer%02d.zip" % (39 - i) if i else "bottom.txt",
                                           (2023, 1, 1, 0, 0, 0)), data)
            data = bio.getvalue()
        g.add("bomb_zip_chain", data, "bomb",
              "zip in zip in zip ... 40 levels (past the depth limit of 16)",
              note=r"depth limit", containers={"zip": 16})


def zip_overlap(n, size):
    """One deflated member, N central-directory entries pointing at it."""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo("f000", (2023, 1, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, bytes(size))
    raw = bio.getvalue()
    eocd = raw.rindex(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack("<II", raw[eocd + 12:eocd + 20])
    cd = raw[cd_off:cd_off + cd_size]
    out_cd = b""
    for i in range(n):
        out_cd += cd.replace(b"f000", b"f%03d" % i)
    body = raw[:cd_off]
    return body + out_cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, len(out_cd),
                                       len(body), 0)


# ---- path traversal ----------------------------------------------------------

def traversal(g):
    t = g.token
    up = "../" * 12
    tgt = "/tmp/%s-target" % t           # a directory the runner creates empty
    victim = "/tmp/%s-victim" % t         # a file the runner creates
    names_tar = [
        ("../%s-dotdot1" % t, b"escaped one level\n"),
        (up + "%s-dotdot12" % t, b"escaped to /\n"),
        ("sub/../../%s-inner" % t, b"escaped through sub/..\n"),
        ("/tmp/%s-abs/pwned" % t, b"absolute path\n"),
        ("/etc/%s-abs-etc" % t, b"absolute /etc\n"),
        ("./ok/./legit.txt", b"the one honest file\n"),
    ]
    escapes = ["../%s-dotdot1" % t, "/%s-dotdot12" % t, "../%s-inner" % t,
               "/tmp/%s-abs" % t, "/etc/%s-abs-etc" % t, "/etc/%s-via-etc" % t,
               tgt + "/pwned", "../%s-via-up" % t, "/%s-via-up" % t, "/%s-hl-dotdot" % t]
    # tar: names, then links, then files written "through" the links
    tb = b""
    for n, d in names_tar:
        tb += tar_member(n, d)
    tb += tar_member("lnk-target", typeflag=b"2", linkname=tgt)
    tb += tar_member("lnk-target/pwned", b"written through a symlink\n")
    tb += tar_member("lnk-etc", typeflag=b"2", linkname="/etc")
    tb += tar_member("lnk-etc/%s-via-etc" % t, b"written through a symlink to /etc\n")
    tb += tar_member("lnk-up", typeflag=b"2", linkname=up.rstrip("/"))
    tb += tar_member("lnk-up/%s-via-up" % t, b"written through a symlink to ..\n")
    tb += tar_member("lnk-dot", typeflag=b"2", linkname="..")
    tb += tar_member("lnk-dot/%s-via-dot" % t, b"written through a symlink to ..\n")
    tb += tar_member("hl-victim", typeflag=b"1", linkname=victim)
    tb += tar_member("hl-victim", b"OVERWRITTEN through a hard link\n")
    tb += tar_member("hl-passwd", typeflag=b"1", linkname="/etc/passwd")
    tb += tar_member("hl-dotdot", typeflag=b"1", linkname=up + "%s-hl-dotdot" % t)
    tb += tar_member("hl-via-lnk", typeflag=b"1", linkname="lnk-etc/passwd")
    # a symlink replaced by a directory and the other way round
    tb += tar_member("swap", typeflag=b"2", linkname=tgt)
    tb += tar_member("swap", typeflag=b"5", mode=0o755)
    tb += tar_member("swap/pwned2", b"into the directory that replaced a link\n")
    tb += tar_member("suid", b"#!/bin/sh\n", mode=0o4755, uid=1234, gid=1234)
    tb += tar_end()
    g.add("traverse_tar", tb, "traversal",
          "tar: ../, ../../.. to /, sub/../.., absolute paths, symlinks to a host directory, /etc "
          "and .. with files written through them, hard links to a host file (then overwritten), "
          "/etc/passwd and ../..; a setuid file owned by 1234",
          note=r"refused path with '\.\.'|cannot place", escapes=escapes, targets=[tgt],
          victims=[victim], present=["/ok/legit.txt", "/tmp/%s-abs/pwned" % t, "/suid"],
          absent=["/lnk-target/pwned", "/lnk-etc/%s-via-etc" % t])
    # cpio newc: the same, in its own way (hard links are shared inodes)
    cb = b""
    ino = 10
    for n, d in names_tar:
        cb += cpio_newc(n, d, ino=ino)
        ino += 1
    cb += cpio_newc("lnk-target", tgt.encode(), mode=0o120777, ino=50)
    cb += cpio_newc("lnk-target/pwned", b"through a symlink\n", ino=51)
    cb += cpio_newc("lnk-up", up.rstrip("/").encode(), mode=0o120777, ino=52)
    cb += cpio_newc("lnk-up/%s-via-up" % t, b"through ..\n", ino=53)
    cb += cpio_newc("lnk-etc", b"/etc", mode=0o120777, ino=54)
    cb += cpio_newc("lnk-etc/%s-via-etc" % t, b"through /etc\n", ino=55)
    # a hard-linked inode whose second name climbs out
    cb += cpio_newc("hl-a", b"", ino=60, nlink=2)
    cb += cpio_newc(up + "%s-hl-dotdot" % t, b"shared inode\n", ino=60, nlink=2)
    cb += cpio_newc("dev-sda", b"", mode=0o060660, ino=61, rdev=(8, 0))
    cb += cpio_newc("suid", b"#!/bin/sh\n", mode=0o104755, ino=62, uid=1234, gid=1234)
    cb += cpio_trailer()
    g.add("traverse_cpio", cb, "traversal",
          "cpio newc: the tar set, symlinks to a host directory, .. and /etc with files through "
          "them, a hard-linked inode whose second name climbs out, a block device, a setuid file",
          note=r"refused path with '\.\.'|cannot place", escapes=escapes, targets=[tgt],
          present=["/ok/legit.txt", "/suid"])
    # zip: names as stored (Python's zipfile would clean them: patch after)
    bio = io.BytesIO()
    zn = [("../%s-dotdot1" % t, b"x"), (up + "%s-dotdot12" % t, b"x"),
          ("/tmp/%s-abs/pwned" % t, b"x"), ("..\\..\\%s-backslash" % t, b"x"),
          ("ok/legit.txt", b"the one honest file\n")]
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in zn:
            z.writestr(zipfile.ZipInfo(n, (2023, 1, 1, 0, 0, 0)), d)
        for n, target in [("lnk-target", tgt), ("lnk-up", up.rstrip("/")), ("lnk-etc", "/etc")]:
            zi = zipfile.ZipInfo(n, (2023, 1, 1, 0, 0, 0))
            zi.create_system = 3
            zi.external_attr = (0o120777 << 16)
            z.writestr(zi, target)
        for n in ["lnk-target/pwned", "lnk-up/%s-via-up" % t, "lnk-etc/%s-via-etc" % t]:
            z.writestr(zipfile.ZipInfo(n, (2023, 1, 1, 0, 0, 0)), b"through a symlink\n")
    g.add("traverse_zip", bio.getvalue(), "traversal",
          "zip: ../, ../../.. to /, absolute, ..\\..\\ (backslashes), unix symlinks to a host "
          "directory, .. and /etc with members written through them",
          note=r"refused path with '\.\.'|cannot place", escapes=escapes + ["../%s-backslash" % t],
          targets=[tgt], present=["/ok/legit.txt"])
    # a host file with a secret the image links to: the scan must not read it
    secret = "FGHOSTILE-SECRET-%s" % t
    sb = tar_member("etc/", typeflag=b"5", mode=0o755)
    sb += tar_member("etc/passwd", typeflag=b"2", linkname="/tmp/%s-secret" % t)
    sb += tar_member("etc/shadow", typeflag=b"1", linkname="/tmp/%s-secret" % t)
    sb += tar_member("etc/config", typeflag=b"2", linkname=up + "tmp/%s-secret" % t)
    sb += tar_member("etc/hosts", b"127.0.0.1 localhost\n")
    sb += tar_end()
    g.add("traverse_read_host", sb, "traversal",
          "tar whose /etc/passwd, /etc/shadow and /etc/config link to a host file holding a "
          "secret (absolute, hard link, ../..): the checks must read the image, never the host",
          secret=secret, present=["/etc/hosts"])


# ---- symlink loops and chains ------------------------------------------------

def symlinks(g):
    kids = [{"name": "loop-a", "kind": "symlink", "target": "loop-b"},
            {"name": "loop-b", "kind": "symlink", "target": "loop-a"},
            {"name": "self", "kind": "symlink", "target": "self"},
            {"name": "self-dir", "kind": "symlink", "target": "./self-dir/x"},
            {"name": "root-up", "kind": "symlink", "target": "../../.."},
            {"name": "etc-passwd", "kind": "symlink", "target": "/etc/passwd"}]
    for i in range(200):
        kids.append({"name": "chain%03d" % i, "kind": "symlink",
                     "target": "chain%03d" % (i + 1) if i < 199 else "/etc/shadow"})
    kids.append({"name": "passwd", "kind": "symlink", "target": "chain000"})
    g.add("symlink_loops_squashfs", squashfs_image(kids), "symlink",
          "squashfs: a<->b loop, self loop, self/x, ../../.., a link to /etc/passwd, a chain of "
          "200 links ending at /etc/shadow (resolution must stop at its hop limit)",
          present=["/loop-a", "/chain199"])
    tb = b""
    tb += tar_member("etc", typeflag=b"5", mode=0o755)
    tb += tar_member("etc/passwd", typeflag=b"2", linkname="passwd")
    tb += tar_member("etc/shadow", typeflag=b"2", linkname="../etc/shadow")
    tb += tar_member("etc/init.d", typeflag=b"2", linkname=".")
    tb += tar_member("etc/rc.d", typeflag=b"2", linkname="../etc/rc.d/../rc.d")
    tb += tar_member("bin", typeflag=b"2", linkname="bin/../bin")
    for i in range(100):
        tb += tar_member("c/%03d" % i, typeflag=b"2", linkname="%03d" % (i + 1))
    tb += tar_member("c/100", typeflag=b"2", linkname="000")
    tb += tar_member("hl-loop-a", typeflag=b"1", linkname="hl-loop-b")
    tb += tar_member("hl-loop-b", typeflag=b"1", linkname="hl-loop-a")
    tb += tar_member("hl-self", typeflag=b"1", linkname="hl-self")
    tb += tar_end()
    g.add("symlink_loops_tar", tb, "symlink",
          "tar: /etc/passwd -> itself, /etc/shadow -> ../etc/shadow, init.d -> ., a 101-link "
          "cycle, hard links to each other and to themselves, all read by the checks",
          present=["/etc/passwd", "/c/100"])
    if tool("mksquashfs"):
        d = g.path("deepdir")
        p = d
        for i in range(300):
            p = os.path.join(p, "d")
            if len(p) > 3000:
                break
        os.makedirs(p)
        with open(os.path.join(p, "deep.txt"), "w") as f:
            f.write("deep\n")
        os.symlink("../" * 40, os.path.join(p, "up40"))
        img = g.path("deep.sqfs")
        run([tool("mksquashfs"), d, img, "-noappend", "-quiet", "-no-progress", "-all-root"])
        g.add("deep_dirs_squashfs", open(img, "rb").read(), "depth",
              "squashfs with directories nested %d deep and a ../ x40 link at the bottom"
              % (p.count("/d")))
    else:
        g.skip("deep_dirs_squashfs", "mksquashfs not installed")
    path = "/".join(["d"] * 700)
    tb = tar_longname("/".join(["d"] * 255) + "/ok.txt", b"ok\n")
    tb += tar_longname(path + "/deep.txt", b"deep\n")
    tb += tar_end()
    g.add("deep_dirs_tar", tb, "depth",
          "tar with an entry 256 directories deep and one 700 deep (node paths used to stop "
          "at 512 ancestors, extraction stops at 512 levels)",
          present=["/" + path + "/deep.txt", "/" + "/".join(["d"] * 255) + "/ok.txt"],
          o_notice=r"1 entry not written \(nested deeper than 512\)")


# ---- images of every format, for cutting and corrupting ---------------------

def base_images(g):
    """Returns {format: (bytes, [boundaries])} for the formats whose tools exist."""
    root = g.path("rootfs")
    os.makedirs(root)
    stage_rootfs(root)
    imgs = {}
    if tool("mksquashfs"):
        p = g.path("base.sqfs")
        run([tool("mksquashfs"), root, p, "-noappend", "-quiet", "-no-progress", "-all-root",
             "-comp", "gzip", "-b", "4096"])
        d = open(p, "rb").read()
        sb = struct.unpack_from("<IIIIIHHHHHHQQQQQQQQ", d)
        bounds = [4, 40, 95, 96]
        for v in sb[13:19]:
            if v != SQ_NONE and v < len(d):
                bounds += [v, v + 2, v + 8]
        # bytes_used: after it only the padding to 4 KiB
        imgs["squashfs"] = Base(d, bounds, "mksquashfs -comp gzip -b 4096", end=sb[12])
    else:
        g.skip("cut_squashfs_*", "mksquashfs not installed")
    # tar, by tar(1): GNU format
    p = g.path("base.tar")
    run(["tar", "--format=gnu", "--owner=0", "--group=0", "--mtime=@1700000000",
         "-cf", p, "-C", root, "."])
    d = open(p, "rb").read()
    bounds = []
    end = 0
    with tarfile.open(p) as tf:
        for m in tf.getmembers():
            bounds += [m.offset, m.offset + 100, m.offset_data, m.offset_data + m.size // 2]
            end = m.offset_data + (m.size + 511) // 512 * 512
    # an end-of-archive block (tar(1) writes two, one is enough), then
    # tar(1) pads the record with zeros
    imgs["tar"] = Base(d, bounds, "tar --format=gnu", end=end + 512)
    if tool("cpio"):
        files = []
        for dp, dn, fn in os.walk(root):
            for n in sorted(dn + fn):
                files.append(os.path.relpath(os.path.join(dp, n), root))
        r = subprocess.run([tool("cpio"), "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=root,
                           input="\n".join(sorted(files)).encode() + b"\n",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        d = r.stdout
        bounds = []
        pos = 0
        while pos + 110 <= len(d) and d[pos:pos + 6] == b"070701":
            fs = int(d[pos + 54:pos + 62], 16)
            ns = int(d[pos + 94:pos + 102], 16)
            name_end = pos + 110 + ns
            data_start = name_end + (-name_end % 4)
            bounds += [pos, pos + 6, pos + 110, name_end - 1, data_start]
            pos = data_start + fs + (-fs % 4)
            if d[name_end - ns:name_end - 1] == b"TRAILER!!!":
                break
        # after the trailer only the padding to 512
        imgs["cpio"] = Base(d, bounds, "cpio -H newc", end=pos)
    else:
        g.skip("cut_cpio_*", "cpio not installed")
    if tool("mkfs.jffs2"):
        p = g.path("base.jffs2")
        run([tool("mkfs.jffs2"), "-r", root, "-o", p, "-l", "-e", "0x10000", "-n", "-q"])
        d = open(p, "rb").read()
        bounds = []
        whole = set()
        pos = 0
        end = 0
        while pos + 12 <= len(d):
            magic, ntype, totlen = struct.unpack_from("<HHI", d, pos)
            if magic != 0x1985 or totlen < 12:
                pos += 4
                continue
            bounds += [pos + 4, pos + 12, pos + totlen - 1]
            # a log of nodes has no end marker: cut between two nodes (or in
            # the alignment after one) it is a whole, smaller image
            whole.update(range(pos + totlen, ((pos + totlen + 3) & ~3) + 1))
            whole.add(pos)
            end = pos + totlen
            pos += (totlen + 3) & ~3
        imgs["jffs2"] = Base(d, bounds, "mkfs.jffs2 -l -e 64KiB -n", end=end, whole=whole)
    else:
        g.skip("cut_jffs2_*", "mkfs.jffs2 not installed")
    if tool("mkfs.cramfs"):
        p = g.path("base.cramfs")
        run([tool("mkfs.cramfs"), root, p])
        d = open(p, "rb").read()
        bounds = [4, 8, 16, 32, 48, 64, 76, 88, 100]
        # the root directory's entries start at its offset
        root_off = (struct.unpack_from("<I", d, 72)[0] >> 6) * 4
        bounds += [root_off, root_off + 12, root_off + 20]
        imgs["cramfs"] = Base(d, bounds, "mkfs.cramfs", end=struct.unpack_from("<I", d, 4)[0])
    else:
        g.skip("cut_cramfs_*", "mkfs.cramfs not installed")
    if tool("mke2fs"):
        p = g.path("base.ext2")
        with open(p, "wb") as f:
            f.truncate(1 * MIB)
        run([tool("mke2fs"), "-q", "-F", "-t", "ext2", "-b", "1024", "-N", "64", "-d", root,
             "-E", "root_owner=0:0,hash_seed=00000000-0000-0000-0000-000000000002",
             "-U", "00000000-0000-0000-0000-000000000001", p],
            env=dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000"))
        d = open(p, "rb").read()
        bounds = [1024, 1024 + 84, 2048, 2048 + 32]
        bb, ib, it = struct.unpack_from("<III", d, 2048)
        bounds += [bb * 1024, ib * 1024, it * 1024, it * 1024 + 128, it * 1024 + 256]
        # the last used block: cut inside the data
        bounds += [len(d.rstrip(b"\0")) - 1]
        imgs["ext2"] = Base(d, bounds, "mke2fs -t ext2 -b 1024 -d (1 MiB)")
    else:
        g.skip("cut_ext2_*", "mke2fs not installed")
    payload = gzip_member(open(os.path.join(root, "www/index.html"), "rb").read() * 20,
                          name=b"index.html")
    d = uimage(payload)
    imgs["uimage"] = Base(d, [4, 8, 32, 63, 64, 65, 64 + 10, 64 + len(payload) // 2],
                          "uImage (hand-made header) of a gzip")
    tarball = imgs["tar"].data
    part1 = gzip_member(b"kernel placeholder " * 500, name=b"vmlinux")
    part2 = imgs["squashfs"].data if "squashfs" in imgs else tarball
    d = trx([part1, part2])
    o2 = 28 + len(part1) + (-len(part1) % 4)
    imgs["trx"] = Base(d, [4, 12, 27, 28, 29, 28 + len(part1) // 2, o2, o2 + 4, o2 + 96],
                       "TRX v1: gzip + " + ("squashfs" if "squashfs" in imgs else "tar"))
    return imgs


class Base:
    """A whole image of one format: BOUNDS are offsets where its structures
    start or end, END where its data ends (padding after), WHOLE the cuts
    that leave a whole, smaller image (nothing to detect)."""
    def __init__(self, data, bounds, how, end=None, whole=()):
        self.data, self.how = data, how
        self.end = len(data) if end is None else end
        self.bounds = sorted(set(b for b in bounds if 0 < b < self.end))
        self.whole = set(whole)


def spread(xs, k):
    """At most K of XS, evenly spaced, ends included."""
    if len(xs) <= k:
        return list(xs)
    return [xs[round(i * (len(xs) - 1) / (k - 1))] for i in range(k)]


def cut_points(b, structural=8, even=4):
    """Structural boundaries (at most STRUCTURAL of them), EVEN evenly
    spaced points, the last byte of the data, and one cut in the padding."""
    pts = set(spread(b.bounds, structural))
    for i in range(1, even + 1):
        pts.add(b.end * i // (even + 1))
    pts.add(b.end - 1)
    if b.end < len(b.data):
        pts.add((b.end + len(b.data)) // 2)
    return sorted(p for p in pts if 0 < p < len(b.data))


def truncations(g, imgs):
    for fmt, b in sorted(imgs.items()):
        for p in cut_points(b):
            name = "cut_%s_%d" % (fmt, p)
            what = "%s (%s, %d bytes, data ends at %d) cut at %d" % (fmt, b.how, len(b.data), b.end, p)
            if p >= b.end:
                g.add(name, b.data[:p], "truncated", what + ": in the padding, nothing lost")
            elif p in b.whole:
                g.add(name, b.data[:p], "truncated", what + ": between two nodes, a whole image")
            else:
                g.add(name, b.data[:p], "truncated", what, exit=[0, 3], incomplete=True)


def corruptions(g, imgs):
    def patch(d, off, val):
        b = bytearray(d)
        b[off:off + len(val)] = val
        return bytes(b)

    def flip(d, off):
        b = bytearray(d)
        b[off] ^= 0xFF
        return bytes(b)
    rnd = random.Random(20240601)
    cases = []
    if "squashfs" in imgs:
        d = imgs["squashfs"].data
        ino_start, dir_start = struct.unpack_from("<QQ", d, 64)
        cases += [
            ("squashfs_inode_count", patch(d, 4, struct.pack("<I", 0xFFFFFFFF)),
             "inode count 2^32-1 (nothing depends on it: ignoring it is right)", False),
            ("squashfs_block_size", patch(d, 12, struct.pack("<I", 0x80000000)), "block size 2 GiB"),
            ("squashfs_block_log", patch(d, 22, struct.pack("<H", 40)), "block log 40"),
            ("squashfs_id_count", patch(d, 26, struct.pack("<H", 65535)), "65535 ids"),
            ("squashfs_bytes_used", patch(d, 40, struct.pack("<Q", 1 << 62)), "bytes_used 2^62"),
            ("squashfs_root_ref", patch(d, 32, struct.pack("<Q", 0x7FFFFFFF0000FFFF)), "root inode ref far away"),
            ("squashfs_table_order", patch(d, 64, struct.pack("<Q", dir_start + 1)), "inode table after the directory table"),
            ("squashfs_meta_len", patch(d, ino_start, b"\xff\x7f"), "first metadata block claims 32767 compressed bytes"),
        ]
        frag = struct.unpack_from("<Q", d, 80)[0]
        for what, off in [("data", (96 + ino_start) // 2), ("inodes", ino_start + 10),
                          ("dirs", dir_start + 10), ("fragment-index", frag)]:
            cases.append(("squashfs_flip_" + what, flip(d, off),
                          "byte %d inverted (%s)" % (off, what)))
    if "cramfs" in imgs:
        d = imgs["cramfs"].data
        cases += [
            ("cramfs_crc", flip(d, 32), "fsid CRC inverted"),
            ("cramfs_size", patch(d, 4, struct.pack("<I", 0xFFFFFFF0)), "size 4 GiB"),
            ("cramfs_files", patch(d, 44, struct.pack("<I", 1000000000)), "1e9 files claimed"),
            ("cramfs_root_offset", patch(d, 72, struct.pack("<I", 0xFFFFFFC0 | (d[72] & 0x3F))), "root directory offset past the end"),
            ("cramfs_root_size", patch(d, 68, b"\xff\xff\xff"), "root directory 16 MiB long"),
        ]
    if "jffs2" in imgs:
        d = imgs["jffs2"].data
        cases += [
            ("jffs2_hdr_crc", flip(d, 8), "first node's header CRC inverted"),
            ("jffs2_totlen", patch(d, 4, struct.pack("<I", 0xFFFFFFFC)), "first node 4 GiB long"),
        ]
        for i in range(3):
            off = rnd.randrange(12, len(d.rstrip(b"\xff")))
            cases.append(("jffs2_flip%d" % i, flip(d, off), "byte %d inverted" % off))
    if "ext2" in imgs:
        d = imgs["ext2"].data
        cases += [
            ("ext2_inodes_count", patch(d, 1024, struct.pack("<I", 1000000000)), "1e9 inodes claimed"),
            ("ext2_blocks_per_group", patch(d, 1024 + 32, struct.pack("<I", 0)), "0 blocks per group"),
            ("ext2_inodes_per_group", patch(d, 1024 + 40, struct.pack("<I", 0xFFFFFFFF)), "2^32-1 inodes per group"),
            ("ext2_log_block_size", patch(d, 1024 + 24, struct.pack("<I", 30)), "block size 2^40"),
            ("ext2_inode_table", patch(d, 2048 + 8, struct.pack("<I", 0xFFFFFF00)), "inode table past the end"),
            ("ext2_inode_size", patch(d, 1024 + 88, struct.pack("<H", 65535)), "inode size 65535"),
        ]
    if "uimage" in imgs:
        d = imgs["uimage"].data
        payload = d[64:]
        cases += [
            ("uimage_hcrc", uimage(payload, bad_hcrc=True), "header CRC wrong"),
            ("uimage_dcrc", uimage(payload, bad_dcrc=True), "data CRC wrong"),
            ("uimage_size", uimage(payload, size=0xFFFFFFF0), "size 4 GiB"),
        ]
    if "trx" in imgs:
        d = imgs["trx"].data
        total = struct.unpack_from("<I", d, 4)[0]
        cases += [
            ("trx_crc", flip(d, 8), "CRC inverted"),
            ("trx_len", patch(d, 4, struct.pack("<I", 0xFFFFFFF0)), "length 4 GiB"),
            ("trx_offset_past_end", patch(d, 20, struct.pack("<I", total + 4096)), "second partition past the end"),
        ]
    if "tar" in imgs:
        d = imgs["tar"].data
        cases += [
            ("tar_checksum", flip(d, 150), "first header checksum damaged"),
            ("tar_size_octal", patch(d, 512 + 124, b"77777777777\0"), "second member 8 GiB long (octal)"),
            ("tar_size_base256", patch(d, 512 + 124, b"\x80" + b"\x00\x00\x00" + b"\x7f" + b"\xff" * 7), "second member 2^63 bytes (base-256)"),
            ("tar_size_negative", patch(d, 512 + 124, b"\xff" * 12), "second member -1 bytes (base-256)"),
        ]
    if "cpio" in imgs:
        d = imgs["cpio"].data
        cases += [
            ("cpio_filesize", patch(d, 54, b"FFFFFFFF"), "first entry 4 GiB long"),
            ("cpio_namesize", patch(d, 94, b"FFFFFFFF"), "first name 4 GiB long"),
            ("cpio_nonhex", patch(d, 54, b"0000ZZZZ"), "non-hex size"),
        ]
    gz = gzip_member(b"hello hostile world\n" * 100, name=b"hello.txt")
    cases += [
        ("gzip_crc", flip(gz, len(gz) - 8), "CRC inverted"),
        ("gzip_isize", flip(gz, len(gz) - 1), "ISIZE inverted"),
        ("gzip_fextra", b"\x1f\x8b\x08\x04\0\0\0\0\0\x03\xff\xff" + gz[10:], "FEXTRA of 65535 bytes past the end"),
        ("gzip_fname_unterminated", b"\x1f\x8b\x08\x08\0\0\0\0\0\x03" + b"A" * 5000, "FNAME never terminated"),
    ]
    for name, data, what, *damaging in cases:
        g.add("corrupt_" + name, data, "corrupt", what, exit=[0, 3],
              incomplete=damaging[0] if damaging else True)


# ---- overlapping and self-containing chunks ----------------------------------

def overlaps(g, imgs):
    gz = gzip_member(b"kernel placeholder " * 300, name=b"vmlinux")
    g.add("overlap_trx_same", trx([gz], offsets=[28, 28, 28]), "overlap",
          "TRX whose three partitions all start at the same gzip", exit=[0, 3])
    g.add("overlap_trx_backwards", trx([gz, gz], offsets=[28 + 16, 28, 4]), "overlap",
          "TRX whose partition offsets go backwards and into the header", exit=[0, 3])
    g.add("overlap_trx_self", trx([gz], offsets=[0, 0, 0]), "overlap",
          "TRX whose partitions start at offset 0: the partition is the TRX itself", exit=[0, 3])
    g.add("overlap_mbr_self", mbr_self(), "overlap",
          "MBR whose only partition starts at sector 0 and spans the disk: it holds itself",
          exit=[0, 3])
    gpt = gpt_self()
    g.add("overlap_gpt_self", gpt, "overlap",
          "GPT whose partition covers LBA 0 to the end, headers included", exit=[0, 3])
    # a uImage whose payload is a uImage whose payload ... each one header longer
    d = gzip_member(b"innermost\n")
    for i in range(30):
        d = uimage(d, comp=0)
    g.add("overlap_uimage_nest30", d, "depth", "30 uImages nested (payload = next uImage)",
          note=r"depth limit", containers={"uimage": 16})
    # the same gzip carved twice: concatenated copies of one image
    if "squashfs" in imgs:
        sq = imgs["squashfs"].data
        g.add("overlap_squashfs_twice", sq + sq + sq, "overlap",
              "three copies of one squashfs back to back (carving finds each once)",
              containers={"squashfs": 3})


def gpt_self():
    sectors = 128
    img = bytearray(sectors * 512)
    img[446:462] = struct.pack("<BBBBBBBBII", 0, 0, 2, 0, 0xEE, 0xFE, 0xFF, 0xFF, 1, sectors - 1)
    img[510:512] = b"\x55\xaa"
    entries = bytearray(128 * 128)
    linux = bytes.fromhex("AF3DC60F838472478E793D69D8477DE4")
    entries[0:128] = (linux + bytes(range(16)) + struct.pack("<QQQ", 0, sectors - 1, 0)
                      + "self".encode("utf-16-le").ljust(72, b"\0"))
    ecrc = zlib.crc32(bytes(entries))

    def header(cur, alt, ents):
        h = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, cur, alt, 34,
                        sectors - 34, bytes(16), ents, 128, 128, ecrc)
        return h[:16] + struct.pack("<I", zlib.crc32(h)) + h[20:]
    img[512:512 + 92] = header(1, sectors - 1, 2)
    img[1024:1024 + len(entries)] = entries
    img[(sectors - 33) * 512:(sectors - 33) * 512 + len(entries)] = entries
    img[(sectors - 1) * 512:(sectors - 1) * 512 + 92] = header(sectors - 1, 1, sectors - 33)
    return bytes(img)


# ---- absurd counts --------------------------------------------------------------

def counts(g):
    small = [{"name": "f%02d" % i, "kind": "file", "size": 3, "blocks": [b"abc"]} for i in range(5)]
    g.add("count_squashfs_inodes", squashfs_image(small, inode_count=1000000000), "counts",
          "squashfs claiming 1e9 inodes (5 present)", exit=[0, 3])
    g.add("count_squashfs_dir_entries", squashfs_image(small, dir_count_override=999999999),
          "counts", "squashfs directory header claiming 1e9 entries", exit=[0, 3], incomplete=True)
    g.add("count_squashfs_dir_size", squashfs_image(small, ext_root_size=0xFFFFFFFF), "counts",
          "squashfs root directory (extended inode) claiming a 4 GiB listing", exit=[0, 3],
          incomplete=True)
    g.add("count_squashfs_ids", squashfs_image(small, id_count=65535), "counts",
          "squashfs claiming 65535 uid/gid entries with a table of one", exit=[0, 3],
          incomplete=True)
    # many real entries: more than --max-files
    cb = b"".join(cpio_newc("many/%06d" % i, b"", ino=i + 1) for i in range(30000))
    cb += cpio_trailer()
    g.add("count_cpio_30000", cb, "counts",
          "cpio with 30000 empty files (the suite runs with --max-files 20000)",
          note=r"file-count limit")
    # zip end-of-central-directory records with absurd counts
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        z.writestr(zipfile.ZipInfo("a.txt", (2023, 1, 1, 0, 0, 0)), b"a\n")
    raw = bio.getvalue()
    e = raw.rindex(b"PK\x05\x06")
    b = bytearray(raw)
    b[e + 8:e + 12] = struct.pack("<HH", 65535, 65535)
    g.add("count_zip_eocd", bytes(b), "counts", "zip EOCD claiming 65535 entries (1 present)",
          exit=[0, 3])
    b = bytearray(raw)
    cd_size, cd_off = struct.unpack_from("<II", raw, e + 12)
    z64 = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, 1000000000, 1000000000,
                      cd_size, cd_off)
    loc = struct.pack("<IIQI", 0x07064b50, 0, len(raw) - (len(raw) - e) + 0, 1)
    eocd = bytearray(raw[e:])
    eocd[8:12] = b"\xff\xff\xff\xff"
    eocd[12:20] = b"\xff\xff\xff\xff\xff\xff\xff\xff"
    g.add("count_zip64_1e9", raw[:e] + z64 + loc + bytes(eocd), "counts",
          "zip64 end record claiming 1e9 entries", exit=[0, 3])
    # a tar whose pax header claims a size of 2^40 for a 10-byte member
    tb = tar_pax([("size", str(1 << 40))], "huge-pax", b"0123456789") + tar_end()
    g.add("count_tar_pax_size", tb, "counts", "tar pax header claiming a 1 TiB member",
          exit=[0, 3], incomplete=True)
    tb = tar_pax([("path", "x" * 5)] * 20000, "many-pax-records", b"y") + tar_end()
    g.add("count_tar_pax_records", tb, "counts", "tar pax header with 20000 records", exit=[0, 3])


# ---- deep nesting --------------------------------------------------------------

def nesting(g):
    d = b"innermost payload\n"
    for i in range(100):
        d = gzip_member(d, name=b"layer%03d" % (99 - i))
    g.add("nest_gzip_100", d, "depth", "gzip of gzip of ... 100 deep", note=r"depth limit",
          containers={"gzip": 16})
    d = b"innermost payload\n"
    for i in range(30):
        if i % 3 == 0:
            d = gzip_member(d)
        elif i % 3 == 1:
            d = lzma.compress(d, format=lzma.FORMAT_XZ)
        else:
            d = bz2.compress(d)
    g.add("nest_mixed_30", d, "depth", "gzip/xz/bzip2 alternating, 30 deep", note=r"depth limit")
    d = b"innermost payload\n"
    for i in range(40):
        d = tar_member("layer%02d.tar" % i, d) + tar_end()
    g.add("nest_tar_40", d, "depth", "tar in tar, 40 deep", note=r"depth limit",
          containers={"tar": 16})


# ---- names ------------------------------------------------------------------------

def names(g):
    t = g.token
    comp255 = "n" * 255
    tb = b""
    tb += tar_longname("/".join([comp255] * 15) + "/deep255.txt", b"15 components of 255 bytes\n")
    tb += tar_longname("/".join(["m" * 200] * 22), b"4400 bytes of path\n")
    tb += tar_longname("x" * 4097, b"one 4097-byte component\n")
    tb += tar_longname("long/" + "y" * 300, b"one 300-byte component\n")
    tb += tar_member("ctl/new\nline", b"newline\n")
    tb += tar_member("ctl/tab\there", b"tab\n")
    tb += tar_member("ctl/esc\x1b[31mred\x1b[0m", b"terminal escape\n")
    tb += tar_member("ctl/bell\x07\x08\x7f", b"bell, backspace, DEL\n")
    tb += tar_member(b"ctl/invalid-utf8-\xff\xfe\xc3(", b"invalid UTF-8\n")
    tb += tar_member(b"ctl/overlong-\xc0\xaf-slash", b"overlong '/'\n")
    tb += tar_member("ctl/ok-\u00e9\u4e2d", b"valid UTF-8\n")
    tb += tar_member(b"ctl/nul\x00hidden", b"name with a NUL\n")
    tb += tar_member("ctl/" + "." * 3, b"three dots\n")
    tb += tar_member("ctl/ .. ", b"spaces around dots\n")
    tb += tar_member("ctl/-rf", b"leading dash\n")
    tb += tar_member("../\x1b[2Jcleared\nforged line", b"refused, and named in a diagnostic\n")
    tb += tar_end()
    g.add("names_tar", tb, "names",
          "tar: a 3.8 KiB path of 255-byte components, a 4.4 KiB path, a 4097-byte and a "
          "300-byte component, newline, tab, ESC sequences, BEL/BS/DEL, invalid and overlong "
          "UTF-8, an embedded NUL, '...', ' .. ', '-rf', a refused ../ name with ESC and newline "
          "(shown in the scan's diagnostics)",
          present=["/ctl/ok-\u00e9\u4e2d", "/ctl/-rf"], note=r"path|name|long",
          o_notice=r"1 entry written as NAME~N")
    # zip keeps names by length: a NUL inside survives
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        z.writestr(zipfile.ZipInfo("nulXhidden.txt", (2023, 1, 1, 0, 0, 0)), b"nul\n")
        z.writestr(zipfile.ZipInfo("dir/new\nline", (2023, 1, 1, 0, 0, 0)), b"nl\n")
        z.writestr(zipfile.ZipInfo("z" * 4100, (2023, 1, 1, 0, 0, 0)), b"long\n")
        z.writestr(zipfile.ZipInfo("", (2023, 1, 1, 0, 0, 0)), b"empty name\n")
        z.writestr(zipfile.ZipInfo("/", (2023, 1, 1, 0, 0, 0)), b"slash only\n")
        z.writestr(zipfile.ZipInfo(".", (2023, 1, 1, 0, 0, 0)), b"dot\n")
    raw = bio.getvalue().replace(b"nulXhidden", b"nul\0hidden")
    g.add("names_zip", raw, "names",
          "zip: an embedded NUL, a newline, a 4100-byte name, empty, '/' and '.' names",
          exit=[0, 3])
    cb = cpio_newc(b"nul\0hidden-after", b"x\n", ino=1)
    cb += cpio_newc(b"bad-\xff\xfe", b"x\n", ino=2)
    cb += cpio_newc("ok.txt", b"ok\n", ino=3)
    cb += cpio_newc("", b"empty name\n", ino=4)
    cb += cpio_newc(".", b"", mode=0o040755, ino=5)
    cb += cpio_trailer()
    g.add("names_cpio", cb, "names", "cpio: a NUL inside the name, invalid UTF-8, an empty name, '.'",
          present=["/ok.txt"])
    if tool("mksquashfs"):
        d = g.path("names")
        os.makedirs(d)
        for n in [b"new\nline", b"esc\x1b[2J", b"bad-\xff\xfe", b"ok", b"n" * 255, b"-rf",
                  b"tab\tx"]:
            with open(os.path.join(d.encode(), n), "wb") as f:
                f.write(b"x\n")
        img = g.path("names.sqfs")
        run([tool("mksquashfs"), d, img, "-noappend", "-quiet", "-no-progress", "-all-root"])
        g.add("names_squashfs", open(img, "rb").read(), "names",
              "squashfs with newline, ESC, invalid UTF-8, a 255-byte name, '-rf', tab",
              present=["/ok", "/" + "n" * 255])
    else:
        g.skip("names_squashfs", "mksquashfs not installed")
    tb = tar_member("a.gz", gzip_member(b"inside a.gz\n", name=b"a"))
    tb += tar_member("a.gz.unpacked", b"a file named like a.gz's output directory\n")
    tb += tar_member("b.gz", gzip_member(b"inside b.gz\n", name=b"b"))
    tb += tar_member("b.gz.unpacked/b", b"a directory named like b.gz's output directory\n")
    tb += tar_member("c.gz", gzip_member(b"inside c.gz\n", name=b"c"))
    tb += tar_member("c.gz.unpacked", typeflag=b"2", linkname="/tmp/%s-target" % t)
    tb += tar_end()
    g.add("names_unpacked_clash", tb, "names",
          "tar: a.gz next to a file, b.gz next to a directory (holding a file named like "
          "b.gz's output) and c.gz next to a symlink (to a host directory), each named like "
          "its output directory NAME.unpacked: three entries written as NAME~1",
          targets=["/tmp/%s-target" % t], present=["/a.gz.unpacked", "/b.gz.unpacked/b"],
          o_notice=r"3 entries written as NAME~N")
    g.add("names_uimage_escape", uimage(gzip_member(b"kernel\n"), comp=0,
                                        name=b"\x1b]0;owned\x07\x1b[2J\nfake line\r"),
          "names", "uImage whose name (shown as the container's description) holds an OSC "
          "title sequence, a screen clear, a newline and a carriage return")
    gz = gzip_member(b"stream with a long stored name\n", name=b"g" * 1000)
    g.add("names_gzip_fname", gz, "names", "gzip whose stored FNAME is 1000 bytes long",
          o_notice=r"1 entry written as NAME~N")
    gz = gzip_member(b"stream named ..\n", name=b"..")
    g.add("names_gzip_dotdot", gz, "names", "gzip whose stored FNAME is '..'")
    gz = gzip_member(b"stream named /etc/x\n", name=("/tmp/%s-gzname" % t).encode())
    g.add("names_gzip_abs", gz, "names", "gzip whose stored FNAME is an absolute host path",
          escapes=["/tmp/%s-gzname" % t])


# ---- sizes: empty, zero, 4 GiB ---------------------------------------------------

def sizes(g):
    g.add("size_empty_input", b"", "size", "a 0-byte input file", exit=[3])
    g.add("size_one_byte", b"\x1f", "size", "a 1-byte input file", exit=[3])
    tb = b"".join(tar_member("zero%d" % i, b"") for i in range(5)) + tar_end()
    g.add("size_tar_zero_files", tb, "size", "tar of five 0-byte files", present=["/zero0"])
    g.add("size_gzip_empty", gzip_member(b""), "size", "gzip of nothing", exit=[0, 3])
    g.add("size_tar_only_eof", tar_end(), "size", "tar end-of-archive blocks only", exit=[0, 3])
    tb = tar_header("four-gib-plus-one", size_field=b"%011o\0" % (4 * GIB + 1)) + bytes(10 * 1024)
    g.add("size_tar_4g_plus_1", tb, "size",
          "tar header stating 4 GiB + 1 bytes, 10 KiB of data present",
          exit=[0, 3], incomplete=True)
    tb = tar_header("four-gib-plus-one-b256",
                    size_field=b"\x80" + (4 * GIB + 1).to_bytes(11, "big")) + bytes(10 * 1024)
    g.add("size_tar_4g_plus_1_base256", tb, "size",
          "the same, size in GNU base-256", exit=[0, 3], incomplete=True)
    sp = sparse_tar("sparse-4g-plus-1", 4 * GIB + 1, [(0, b"start\n"), (4 * GIB, b"X")])
    g.add("size_tar_sparse_4g", sp, "size",
          "tar with a GNU sparse (pax 1.0) member of 4 GiB + 1 bytes, 7 bytes of data",
          note=r"limit|ratio|budget|truncat|sparse", exit=[0], slow=True)
    img = squashfs_image([{"name": "four-g", "kind": "file", "size": 4 * GIB + 1,
                           "blocks": [None] * 4096 + [b"Z"]}], block_log=20)
    g.add("size_squashfs_4g_plus_1", img, "size",
          "squashfs with a sparse file of 4 GiB + 1 bytes (last byte stored)",
          note=r"limit|ratio|budget", slow=True)


def sparse_tar(name, realsize, chunks):
    mp = "%d\n" % len(chunks) + "".join("%d\n%d\n" % (o, len(b)) for o, b in chunks)
    mapblk = mp.encode()
    mapblk += bytes(-len(mapblk) % 512)
    data = mapblk + b"".join(b for _, b in chunks)
    return tar_pax([("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"),
                    ("GNU.sparse.name", name), ("GNU.sparse.realsize", str(realsize))],
                   "GNUSparseFile.0/" + name, data) + tar_end()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--token", default="FGHOSTILE",
                    help="marker in every name meant to escape (default FGHOSTILE)")
    ap.add_argument("--only", help="regex: generate only the matching cases")
    a = ap.parse_args()
    if not a.token.startswith("FGHOSTILE") or not re.fullmatch(r"[A-Za-z0-9_-]+", a.token):
        sys.exit("make_cases: --token must start with FGHOSTILE and be [A-Za-z0-9_-]")
    os.makedirs(a.outdir, exist_ok=True)
    for f in os.listdir(a.outdir):
        if f.endswith(".bin") or f == "manifest.json":
            os.unlink(os.path.join(a.outdir, f))
    g = Gen(a.outdir, a.token, a.only)
    try:
        bombs(g)
        traversal(g)
        symlinks(g)
        imgs = base_images(g)
        truncations(g, imgs)
        corruptions(g, imgs)
        overlaps(g, imgs)
        counts(g)
        nesting(g)
        names(g)
        sizes(g)
    finally:
        g.write()
    print("make_cases: %d cases, %d skipped -> %s" % (len(g.cases), len(g.skipped), a.outdir))


if __name__ == "__main__":
    main()
