#!/usr/bin/env python3
"""Seeds for the vendor container handlers, built byte by byte (no tool
makes these formats): OUT/<target>/<name> for tplink, netgear_chk, seama,
arcadyan, dahua, broadcom_sao, dji, matter_ota and dlink_encrypted.

    fuzz/vendor-seeds.py OUT
"""
import gzip
import hashlib
import lzma
import os
import struct
import sys
import zlib

out = sys.argv[1]


def seed(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


TEXT = b"".join(b"vendor firmware line %d\n" % i for i in range(400))
GZ = gzip.compress(TEXT, mtime=0)
LZ = lzma.compress(TEXT, format=lzma.FORMAT_ALONE)

# TP-Link v1: header, gzip kernel at 0x200, rootfs at 0x2000, keyed MD5
KEY_NORMAL = bytes.fromhex("dcd73aa5c39598fbddf9e7f40eae4738")
KEY_VX = bytes.fromhex("cc9628ee8dfb21bb3def6cb59f774c7c")


def tplink_v1():
    fw_len = 0x3000
    h = struct.pack(">I24s36sIII16sI16sIIIIIIIIIIHHH", 0x01000000, b"TP-LINK Technologies",
                    b"ver. 1.0", 0x30200001, 1, 0, KEY_NORMAL, 0, b"\0" * 16, 0,
                    0x80002000, 0x80002000, fw_len, 0x200, len(GZ), 0x2000, 0x800, 0, 0,
                    3, 17, 2)
    img = bytearray(h.ljust(0x200, b"\0") + GZ)
    img += b"\xff" * (0x2000 - len(img)) + b"R" * 0x800
    img += b"\xff" * (fw_len - len(img))
    img[0x4c:0x5c] = hashlib.md5(bytes(img)).digest()
    return bytes(img)


def tplink_img0():
    img = bytearray(struct.pack(">I16s4sIHH", 0x142fc0, b"\0" * 16, b"IMG0", 0, 0x0702, 0x1101))
    img += b"\0" * (0x100 - len(img)) + LZ
    img += b"\0" * (-len(img) % 4 + 16)
    sub = len(img)
    img += struct.pack(">4sIHH", b"IMG0", 0, 0x0702, 0x1101).ljust(128, b"\0") + LZ
    img += b"ow" * 16 + b"owfs files"
    struct.pack_into(">I", img, 24, len(img) - 20)
    struct.pack_into(">I", img, sub + 4, len(img) - sub)
    img[4:20] = KEY_VX
    img[4:20] = hashlib.md5(bytes(img)).digest()
    return bytes(img)


def ngr(data):
    c0 = c1 = 0
    for b in data:
        c0 = (c0 + b) & 0xffffffff
        c1 = (c1 + c0) & 0xffffffff
    b = (c0 & 0xffff) + (c0 >> 16)
    c0 = ((b >> 16) + b) & 0xffff
    b = (c1 & 0xffff) + (c1 >> 16)
    c1 = ((b >> 16) + b) & 0xffff
    return c1 << 16 | c0


def chk():
    board = b"U12H072T00_NETGEAR"
    rootfs = bytes(range(256)) * 4
    h = bytearray(struct.pack(">II8sIIIIII", 0x2a23245e, 40 + len(board), bytes([1, 1, 1, 99, 0, 0, 0, 0]),
                              ngr(GZ), ngr(rootfs), len(GZ), len(rootfs), ngr(GZ + rootfs), 0) + board)
    struct.pack_into(">I", h, 0x24, ngr(bytes(h)))
    return bytes(h) + GZ + rootfs


def seama_entity(meta, image):
    m = b"".join(x + b"\0" for x in meta)
    m += b"\0" * (-len(m) % 4)
    return struct.pack(">IHHI", 0x5ea3a417, 0, len(m), len(image)) + hashlib.md5(image).digest() + m + image


def seama_seal():
    sig = b"signature=wrgac13_dlink.2013gui_dir865l\0"
    sig += b"\0" * (-len(sig) % 4)
    ents = seama_entity([b"dev=/dev/mtdblock/1", b"type=firmware"], GZ)
    ents += seama_entity([b"dev=/dev/mtdblock/2", b"type=rootfs"], TEXT[:500])
    return struct.pack(">IHHI", 0x5ea3a417, 0, len(sig), len(ents)) + sig + ents


def arcadyan():
    plain = b"\x30\x05\x11\x20" + LZ
    out = bytearray(plain)
    out[4:36] = plain[0x68:0x88]
    blk = bytearray(plain[4:36])
    for i in range(0, 32, 2):
        a, b = blk[i], blk[i + 1]
        blk[i] = ((b << 4) | (b >> 4)) & 0xff
        blk[i + 1] = ((a << 4) | (a >> 4)) & 0xff
    out[0x68:0x88] = blk
    return bytes(out)


def dahua():
    name, data = b"Install", b"dahua update script\n"
    crc = zlib.crc32(data)
    lfh = struct.pack("<4sHHHHHIIIHH", b"DH\3\4", 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0) + name + data
    cdh = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 0x31e, 20, 0, 0, 0, 0, crc, len(data), len(data),
                      len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
    eocd = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, 1, 1, len(cdh), len(lfh), 0)
    return lfh + cdh + eocd


def sobj(tag, payload):
    h = bytearray(b"SOBJ" + b"\0" * 4 + tag + struct.pack(">III", 0x01000000, len(payload), len(payload)))
    h += b"\0" * (0x34 - len(h)) + struct.pack(">I", zlib.crc32(payload))
    h += b"\0" * (64 - len(h))
    struct.pack_into(">I", h, 4, zlib.crc32(bytes(h[8:64])))
    return bytes(h) + payload


def crc16(data, crc=0x3692):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def dji():
    # two plain (unencrypted) modules; encryption needs a cipher module
    mods = [(0xa3, TEXT[:1024]), (0x0c, GZ)]
    ts = 0x55b2787e
    hdr = struct.pack("<IHHI16s16sHII10s", 0x12345678, 1, 64 + 52 * len(mods) + 2, ts, b"DJI", b"P3X",
                      len(mods), 0x01030014 ^ ts ^ 0x5127a564, 0x01030014 ^ ts ^ 0x5127a564, b"\0" * 10)
    off = 64 + 52 * len(mods) + 2
    ents = b""
    for target, m in mods:
        md = hashlib.md5(m).digest()
        ents += struct.pack("<BBHIIII16s16s", target, 0, 1, 0x01080000, off, len(m), len(m), md, md)
        off += len(m)
    head = hdr + ents
    return head + struct.pack("<H", crc16(head)) + b"".join(m for _, m in mods)


def matter():
    pay = b"PAYLOAD\n" + TEXT[:200]
    h = b"\x15" + b"\x25\x00" + struct.pack("<H", 0xfff1) + b"\x25\x01" + struct.pack("<H", 0x8001)
    h += b"\x26\x02" + struct.pack("<I", 0x11006e00) + b"\x2c\x03\x09" + b"1.2.120.0"
    h += b"\x27\x04" + struct.pack("<Q", len(pay)) + b"\x24\x08\x01" + b"\x30\x09\x20" + hashlib.sha256(pay).digest()
    h += b"\x18"
    return struct.pack("<IQI", 0x1beef11e, 16 + len(h) + len(pay), len(h)) + h + pay


def shrs():
    enc = bytes((i * 131 + 7) & 0xff for i in range(1008))
    h = bytearray(struct.pack(">4sII", b"SHRS", 1008, 1000))
    h += b"\0" * (0x6dc - len(h))
    h[0x9c:0x9c + 64] = hashlib.sha512(enc[:1000]).digest()
    return bytes(h) + enc


seed("tplink", "v1.bin", tplink_v1())
seed("tplink", "img0.bin", tplink_img0())
seed("netgear_chk", "a.chk", chk())
seed("seama", "entity.seama", seama_entity([b"dev=/dev/mtdblock/1", b"type=firmware"], GZ))
seed("seama", "seal.seama", seama_seal())
seed("arcadyan", "a.bin", arcadyan())
seed("dahua", "gen-dh.bin", dahua())
seed("broadcom_sao", "sao.bin", sobj(b"META", b'{"extractor":"broadcom-sao"}\n') + sobj(b"KRNL", GZ) + sobj(b"RTFS", TEXT[:1000]))
seed("dji", "gen-dji.img", dji())
seed("matter_ota", "ota.bin", matter())
seed("dlink_encrypted", "shrs.bin", shrs())
seed("dlink_encrypted", "enc.bin", b"encrpted_img" + struct.pack(">I", 1024) + bytes(range(256)) * 4)
