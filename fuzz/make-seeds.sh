#!/bin/sh
# Makes small seed inputs for the fuzz targets from tools Debian ships,
# into DIR/<target>/. Nothing here is committed: seeds are rebuilt each run.
#   fuzz/make-seeds.sh DIR [SHARED_DIR]
set -u
out=$1
shared=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tree="$tmp/tree"
mkdir -p "$tree/etc/init.d" "$tree/bin" "$tree/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n' > "$tree/etc/passwd"
printf 'root:$1$Dm0rT3r$2gbEgovaIH1wJgPWlqUVn/:19000:0:99999:7:::\nadmin::19000::::::\n' > "$tree/etc/shadow"
printf '#!/bin/sh\n/usr/sbin/telnetd -l /bin/login -p 23 &\n' > "$tree/etc/init.d/S50telnet"
printf 'hello firmware\n' > "$tree/bin/hello"
ln -s hello "$tree/bin/link"
chmod 4755 "$tree/bin/hello"

seed() { mkdir -p "$out/$1"; cp "$2" "$out/$1/$(basename "$2")" 2>/dev/null || true; }
try() { "$@" >/dev/null 2>&1; }

(cd "$tree" && tar cf "$tmp/a.tar" .) && seed tar "$tmp/a.tar"
(cd "$tree" && find . | cpio -o -H newc > "$tmp/a.cpio" 2>/dev/null) && seed cpio "$tmp/a.cpio"
(cd "$tree" && find . | cpio -o -H odc > "$tmp/b.cpio" 2>/dev/null) && seed cpio "$tmp/b.cpio"
gzip -c "$tmp/a.tar" > "$tmp/a.tar.gz" && seed gzip "$tmp/a.tar.gz"
xz -c "$tmp/a.tar" > "$tmp/a.tar.xz" && seed xz "$tmp/a.tar.xz"
try xz --format=lzma -c "$tmp/a.tar" > "$tmp/a.tar.lzma" && seed lzma "$tmp/a.tar.lzma"
try bzip2 -c "$tmp/a.tar" > "$tmp/a.tar.bz2" && seed bzip2 "$tmp/a.tar.bz2"
try zstd -q -c "$tmp/a.tar" > "$tmp/a.tar.zst" && seed zstd "$tmp/a.tar.zst"
try lz4 -q -c "$tmp/a.tar" > "$tmp/a.tar.lz4" && seed lz4 "$tmp/a.tar.lz4"
try lz4 -l -q -c "$tmp/a.tar" > "$tmp/l.tar.lz4" && seed lz4 "$tmp/l.tar.lz4"
try lzop -c "$tmp/a.tar" > "$tmp/a.tar.lzo" && seed lzop "$tmp/a.tar.lzo"
python3 -c "import zlib,sys; sys.stdout.buffer.write(zlib.compress(open('$tmp/a.tar','rb').read()))" > "$tmp/a.zlib" && seed zlib "$tmp/a.zlib"
for c in gzip xz lzo lz4 zstd; do
	try mksquashfs "$tree" "$tmp/s-$c.sqfs" -comp $c -noappend -quiet -no-progress && seed squashfs "$tmp/s-$c.sqfs"
done
try mkfs.cramfs "$tree" "$tmp/c.cramfs" && seed cramfs "$tmp/c.cramfs"
try mkfs.jffs2 -r "$tree" -o "$tmp/j.jffs2" -e 0x10000 && seed jffs2 "$tmp/j.jffs2"
try mkfs.jffs2 -b -r "$tree" -o "$tmp/jb.jffs2" -e 0x10000 && seed jffs2 "$tmp/jb.jffs2"
try mkfs.ext2 -q -d "$tree" "$tmp/e.ext2" 256 && seed ext "$tmp/e.ext2"
# disk images: FAT12/16/32 volumes (mkfs.fat, filled with mtools: no
# mounting; FAT32 needs 33 MB, so its seed is the first MiB), ISO 9660 with
# Rock Ridge + Joliet and plain (xorriso), MBR and GPT disks (sfdisk) with
# the FAT12 volume in a partition
export MTOOLS_SKIP_CHECK=1
try mkfs.fat -C -F 12 -n SEED "$tmp/f12.fat" 512 && try mcopy -s -i "$tmp/f12.fat" "$tree/etc" "$tree/bin" ::/ && seed fat "$tmp/f12.fat"
try mkfs.fat -C -F 16 -s 1 -n SEED "$tmp/f16.fat" 2200 && try mcopy -s -i "$tmp/f16.fat" "$tree/etc" "$tree/bin" ::/ && seed fat "$tmp/f16.fat"
if try mkfs.fat -C -F 32 -s 1 -f 1 -R 2 -n SEED "$tmp/f32.img" 33500 && try mcopy -s -i "$tmp/f32.img" "$tree/etc" "$tree/bin" ::/; then
	head -c 1048576 "$tmp/f32.img" > "$tmp/f32.fat" && seed fat "$tmp/f32.fat"
fi
rm -f "$tmp/f32.img"
try xorriso -as mkisofs -R -J -V SEED -o "$tmp/a.iso" "$tree" && seed iso9660 "$tmp/a.iso"
try xorriso -as mkisofs --norock -V SEED -o "$tmp/p.iso" "$tree" && seed iso9660 "$tmp/p.iso"
if [ -f "$tmp/f12.fat" ]; then
	truncate -s 1M "$tmp/mbr.img" && printf 'label: dos\nstart=64, size=1024, type=1, bootable\nstart=1088, type=5\nstart=1152, size=512, type=83\nstart=1700, size=100, type=82\n' |
		try sfdisk -q "$tmp/mbr.img" && dd if="$tmp/f12.fat" of="$tmp/mbr.img" bs=512 seek=64 conv=notrunc status=none && seed mbr "$tmp/mbr.img"
	truncate -s 1M "$tmp/gpt.img" && printf 'label: gpt\nstart=40, size=1024, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI boot"\nstart=1100, size=800, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=rootfs\n' |
		try sfdisk -q "$tmp/gpt.img" && dd if="$tmp/f12.fat" of="$tmp/gpt.img" bs=512 seek=40 conv=notrunc status=none && seed gpt "$tmp/gpt.img"
fi
try mkimage -A arm -O linux -T kernel -C none -a 0x8000 -e 0x8000 -n seed -d "$tmp/a.tar" "$tmp/u.img" && seed uimage "$tmp/u.img"
(cd "$tmp" && try zip -q -r a.zip tree) && seed zip "$tmp/a.zip"
(cd "$tmp" && try 7z a -bd a.7z tree) && seed sevenzip "$tmp/a.7z"
(cd "$tmp" && try ar rc a.ar a.tar.gz) && seed ar "$tmp/a.ar"
seed elf /bin/true
# the ELF reader: small host programs and libraries, plus the MIPS samples below
for f in /bin/true /usr/bin/env /lib/x86_64-linux-gnu/libz.so.1; do
	[ -f "$f" ] && mkdir -p "$out/elfreader" && cp -L "$f" "$out/elfreader/$(basename "$f")"
done

# Linux kernel images (synthetic, small): zImage (gzip, big-endian xz),
# bzImage, arm64 Image, a raw vmlinux, IKCONFIG; device trees; U-Boot
# environment blocks.
try python3 - "$tmp" <<'EOF'
import gzip, lzma, os, struct, sys, zlib
d = sys.argv[1]
banner = b"Linux version 5.10.0-seed (b@h) (gcc 10) #1 SMP Mon Jan 1 00:00:00 UTC 2024\n\0"
cfg = b"# Linux/arm 5.10.0 Kernel Configuration\nCONFIG_MMU=y\nCONFIG_MODULES=y\n# CONFIG_STRICT_DEVMEM is not set\n"
ik = b"IKCFG_ST" + gzip.compress(cfg) + b"IKCFG_ED"
cpio = b"070701" + b"%08X" % 1 + b"%08X" % 0o100644 + b"00000000" * 4 + b"%08X" % 4 + b"00000000" * 4 + b"%08X" % 5 + b"00000000" + b"init\0" + b"\0" + b"#!/\n"
kernel = bytes(range(256)) * 256 + banner + ik + cpio + bytes(range(256)) * 300
def put(name, data):
    open(os.path.join(d, name), "wb").write(data)
def zimage(payload, be):
    e = ">" if be else "<"
    h = struct.pack(e + "8I", *([0xe1a00000] * 8)) + struct.pack(e + "I", 0xea000002)
    body = bytearray(h + struct.pack(e + "3I", 0x016F2818, 0, 0) + bytes(0x100 - 0x30) + payload + struct.pack("<I", len(kernel)))
    body[0x2c:0x30] = struct.pack(e + "I", len(body))
    return bytes(body)
put("z.zimage", zimage(gzip.compress(kernel), False))
put("zbe.zimage", zimage(lzma.compress(kernel, check=lzma.CHECK_CRC32), True))
setup = bytearray(8 * 512)
setup[0x1f1] = 7; setup[0x1fe:0x200] = b"\x55\xaa"; setup[0x202:0x206] = b"HdrS"
setup[0x206:0x208] = struct.pack("<H", 0x20f); setup[0x211] = 1
setup[0x800:0x812] = b"5.10.0-seed (b@h)\0"; setup[0x20e:0x210] = struct.pack("<H", 0x600)
pay = gzip.compress(kernel)
setup[0x248:0x250] = struct.pack("<II", 0x40, len(pay))
pm = bytes(0x40) + pay
pm += bytes((-len(pm) - 4) % 16)
setup[0x1f4:0x1f8] = struct.pack("<I", (len(pm) + 4) // 16)
img = bytes(setup) + pm
put("b.bzimage", img + struct.pack("<I", zlib.crc32(img) ^ 0xffffffff))
a = bytearray(kernel[:140000])
a[0:64] = bytes(64); a[0x10:0x18] = struct.pack("<Q", 0x200000); a[0x18] = 0x0a; a[0x38:0x3c] = b"ARM\x64"
put("a.arm64image", bytes(a))
put("k.vmlinux", kernel[:140000])
put("c.ikconfig", ik)
EOF
for f in "$tmp"/*.zimage "$tmp"/*.bzimage "$tmp"/*.arm64image "$tmp"/*.vmlinux "$tmp"/*.ikconfig; do
	[ -f "$f" ] && seed "${f##*.}" "$f"
done
printf '/dts-v1/;\n/ { model = "Seed Board"; compatible = "seed,board", "seed,soc"; chosen { bootargs = "console=ttyS0"; }; };\n' > "$tmp/s.dts"
try dtc -q -I dts -O dtb -o "$tmp/s.dtb" "$tmp/s.dts" && seed dtb "$tmp/s.dtb"
printf 'bootcmd=bootm 0x9f050000\nbootdelay=1\nupgrade=tftp 0x80060000 fw.bin && erase 0x9f050000 +${filesize}\nverify=n\n' > "$tmp/env.txt"
try mkenvimage -s 0x1000 -o "$tmp/env.bin" "$tmp/env.txt" && seed uboot_env "$tmp/env.bin"
try mkenvimage -r -p 0 -s 0x2000 -o "$tmp/env-r.bin" "$tmp/env.txt" && seed uboot_env "$tmp/env-r.bin"

# saved JSON reports (firmgate-report/1) for `firmgate diff`
mkdir -p "$out/diff_report"
printf '%s\n' '{"schema":"firmgate-report/1","input":{"name":"fw.bin"},"components":[{"name":"busybox","version":"1.35.0","type":"application","cpe":null},{"name":"openssl","version":"1.1.1k"}],"vulnerabilities":[{"id":"CVE-2022-48174","component":"busybox","component_index":0,"severity":"critical","cvss":9.8,"kev":true,"epss":0.01,"status":"affected"}],"findings":[{"check_id":"credentials.default-password","title":"t","severity":"critical","message":"<b>m</b>","container":"fw.bin > squashfs@0x0","path":"/etc/shadow","line":1,"offset":0,"excerpt":"root:x","fingerprint":"00112233445566778899aabbccddeeff","remediation":"r"}],"compliance":[{"standard":"uk-psti","requirement":"Sch 1 para 1(2)","title":"t","level":"mandatory","class":"firmware","verdict":"fail","findings":1,"evidence":"e"}],"files":[{"container":"c","path":"/etc/shadow","type":"file","mode":416,"size":6,"sha256":"ab"},{"container":"c","path":"/bin/sh","type":"symlink","mode":511,"target":"busybox"}]}' > "$out/diff_report/report.json"
printf '%s\n' '{"schema":"firmgate-report/1","findings":[]}' > "$out/diff_report/empty.json"

# Intel HEX and S-records from an object with two sections (objcopy)
head -c 300 /bin/true > "$tmp/h1.bin" && head -c 200 /bin/sh > "$tmp/h2.bin" &&
	try objcopy -I binary -O elf32-i386 -B i386 "$tmp/h1.bin" "$tmp/h1.o" &&
	try objcopy --add-section .second="$tmp/h2.bin" --set-section-flags .second=alloc,load,contents "$tmp/h1.o" "$tmp/h2.o" &&
	try objcopy --change-section-address .data=0x08000000 --change-section-address .second=0x08010000 \
		--set-start 0x08000131 "$tmp/h2.o" "$tmp/h3.o" &&
	try objcopy -O ihex "$tmp/h3.o" "$tmp/a.hex" && seed ihex "$tmp/a.hex" &&
	try objcopy -O srec "$tmp/h3.o" "$tmp/a.srec" && seed srec "$tmp/a.srec" &&
	try objcopy -O srec --srec-forceS3 "$tmp/h3.o" "$tmp/a3.srec" && seed srec "$tmp/a3.srec"

# Flash and Android formats: romfs, EROFS (plain, LZ4 compact/full
# indexes, big pclusters, tail packing), Android sparse (img2simg of a
# small ext4), Android boot (v0, v3, vendor v3); YAFFS2 from the samples,
# also with the spare areas stripped (the no-OOB reading).
try genromfs -f "$tmp/r.romfs" -d "$tree" -V seed && seed romfs "$tmp/r.romfs"
try mkfs.erofs "$tmp/e-plain.erofs" "$tree" && seed erofs "$tmp/e-plain.erofs"
try mkfs.erofs -zlz4hc -C16384 -Eztailpacking "$tmp/e-lz4hc.erofs" "$tree" && seed erofs "$tmp/e-lz4hc.erofs"
try mkfs.erofs -zlz4 -Elegacy-compress "$tmp/e-legacy.erofs" "$tree" && seed erofs "$tmp/e-legacy.erofs"
try mkfs.erofs --chunksize=4096 "$tmp/e-chunk.erofs" "$tree" && seed erofs "$tmp/e-chunk.erofs"
try mkfs.ext4 -q -F -d "$tree" "$tmp/s.ext4" 1M && try img2simg "$tmp/s.ext4" "$tmp/s.simg" && seed android_sparse "$tmp/s.simg"
head -c 3000 /bin/true > "$tmp/bk" && gzip -c "$tmp/a.cpio" > "$tmp/brd.gz" &&
	try mkbootimg --kernel "$tmp/bk" --ramdisk "$tmp/brd.gz" --second "$tmp/bk" --cmdline console=ttyS0 \
		--os_version 11.0.0 --os_patch_level 2021-06 --header_version 0 -o "$tmp/b0.bootimg" &&
	seed android_boot "$tmp/b0.bootimg" &&
	try mkbootimg --kernel "$tmp/bk" --ramdisk "$tmp/brd.gz" --header_version 3 -o "$tmp/b3.bootimg" &&
	seed android_boot "$tmp/b3.bootimg" &&
	printf '\320\015\376\355' > "$tmp/bd.dtb" &&
	try mkbootimg --header_version 3 --vendor_boot "$tmp/v3.bootimg" --vendor_ramdisk "$tmp/brd.gz" \
		--dtb "$tmp/bd.dtb" && seed android_boot "$tmp/v3.bootimg"
if [ -n "$shared" ] && [ -d "$shared/samples" ]; then
	for f in "$shared/samples/binwalk/yaffs2.bin" "$shared"/samples/fact_extractor/yaffs/yaffs2_*.img; do
		[ -f "$f" ] || continue
		seed yaffs2 "$f"
		try python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(b"".join(d[i:i + 2048] for i in range(0, len(d), 2112)))' \
			"$f" "$tmp/nooob-$(basename "$f")" && seed yaffs2 "$tmp/nooob-$(basename "$f")"
	done
	[ -f "$shared/samples/binwalk/romfs.bin" ] && seed romfs "$shared/samples/binwalk/romfs.bin"
fi

# Vendor containers: generated byte by byte (no Debian tool makes them),
# plus the vendor samples (wr.fw is cut to -max_len by libFuzzer)
try python3 "$(dirname "$0")/vendor-seeds.py" "$out"
if [ -n "$shared" ] && [ -d "$shared/samples" ]; then
	for p in "tplink fact_extractor/tpl/wr.fw" "arcadyan binwalk/arcadyan.bin" \
		 "dahua fact_extractor/dahua/dh.bin" "broadcom_sao fact_extractor/broadcom/broadcom-sao.bin" \
		 "dji fact_extractor/dji/dji.img" "matter_ota binwalk/matter_ota.bin"; do
		f="$shared/samples/${p#* }"
		[ -f "$f" ] && seed "${p%% *}" "$f"
	done
fi

# Real samples under 1 MiB, to the targets they belong to and to the engine.
if [ -n "$shared" ] && [ -d "$shared/samples" ]; then
	find "$shared/samples" -type f -size -1024k | while read -r f; do
		seed engine "$f"
	done
	for f in "$shared"/samples/dvrf/*/gdbserver; do
		[ -f "$f" ] && mkdir -p "$out/elfreader" && cp "$f" "$out/elfreader/$(basename "$(dirname "$f")")-gdbserver"
	done
	# squashfs 2.x/3.x (zlib, vendor LZMA) and big-endian 4.0
	# real kernels and device trees
	f="$shared/samples/fact_extractor/linuxkernel"
	[ -f "$f/bzImage_xz" ] && seed bzimage "$f/bzImage_xz"
	[ -f "$f/zImage_be32" ] && seed zimage "$f/zImage_be32"
	[ -f "$shared/samples/fact_extractor/uboot/uboot.dtb" ] &&
		tail -c 32889 "$shared/samples/fact_extractor/uboot/uboot.dtb" > "$tmp/fact.dtb" && seed dtb "$tmp/fact.dtb"
	for f in "$shared"/samples/fact_extractor/squashFS/*.sqfs[23] \
		 "$shared"/samples/fact_extractor/squashFS/avm_be.sqfs4; do
		[ -f "$f" ] && seed squashfs_legacy "$f"
	done
	# Espressif images, partition tables, init data; flash dumps built
	# from them at the documented offsets (esp_flash)
	for f in "$shared"/samples/esptool/*.bin "$shared"/samples/esptool/esp8266_sdk/*.bin \
		 "$shared"/samples/esp8266-nonos-sdk/bin/*.bin "$shared"/samples/esp8266-nonos-sdk/bin/at/*/*.bin; do
		[ -f "$f" ] && seed esp_image "$f"
	done
	f="$shared/samples/esptool/partitions_singleapp.bin"
	[ -f "$f" ] && seed esp_partitions "$f"
	f="$shared/samples/esp8266-nonos-sdk/bin/esp_init_data_default_v08.bin"
	[ -f "$f" ] && seed esp_init_data "$f"
	try python3 - "$shared/samples" "$tmp" <<'ESPFLASH'
import os, sys
s, d = sys.argv[1], sys.argv[2]
def dump(name, size, parts):
    f = bytearray(b"\xff" * size)
    for off, rel in parts:
        b = open(os.path.join(s, rel), "rb").read()
        f[off:off + len(b)] = b
    open(os.path.join(d, name), "wb").write(f)
dump("esp32.espflash", 0x60000, [(0x1000, "esptool/bootloader_esp32.bin"),
     (0x8000, "esptool/partitions_singleapp.bin"), (0x10000, "esptool/esp_idf_blink_esp32s2.bin")])
dump("esp8266.espflash", 0x80000, [(0, "esp8266-nonos-sdk/bin/boot_v1.7.bin"),
     (0x1000, "esptool/bootloader_esp8266.bin")])
ESPFLASH
	for f in "$tmp"/*.espflash; do
		[ -f "$f" ] && seed esp_flash "$f"
	done
fi
for d in "$out"/*/; do
	for f in "$d"*; do seed engine "$f"; done
done

mkdir -p "$out/checks"
printf 'root:x:0:0::/root:/bin/sh\0root:$1$Dm0rT3r$2gbEgovaIH1wJgPWlqUVn/:1:0:9:7:::\0#!/bin/sh\ntelnetd -p 23 &\n' > "$out/checks/seed1"
printf 'a::0:0::/:/bin/sh\0a::1::::::\0::respawn:/bin/sh\ntelnet stream tcp nowait root /usr/sbin/telnetd\n' > "$out/checks/seed2"

# product declarations (YAML) and security.txt files from the source tree
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/declaration" "$out/security_txt"
cp "$src"/docs/declaration.example.yaml "$src"/tests/data/declaration/*.yaml "$out/declaration/" 2>/dev/null
cp "$src"/tests/data/security-txt/*.txt "$out/security_txt/" 2>/dev/null
printf 'a: &x [1, *x]\nb: {c: [d, {e: f}]}\n' > "$out/declaration/alias.yaml"

# suppressions files (YAML): the documented example and entries of each kind
mkdir -p "$out/suppress"
cp "$src"/docs/firmgate-ignore.example.yaml "$out/suppress/" 2>/dev/null
printf 'suppressions:\n  - check: "*"\n    path: "[!a-z]*"\n    subject: x\n    justification: j\n    expires: 2024-02-29\nseverity:\n  "c*.[a-z]*": off\n' > "$out/suppress/globs.yaml"
printf 'suppressions:\n  - fingerprint: 0123456789ABCDEF0123456789abcdef\n    justification: ""\n    bogus: 1\n  - [1]\nseverity: [x]\n' > "$out/suppress/errors.yaml"
printf 'hardening.*=off' > "$out/suppress/rule"

# vulnerability database inputs: NVD records, a feed, KEV, EPSS, OSV, VEX
mkdir -p "$out/vulns"
if [ -n "$shared" ] && [ -d "$shared/vulndata/nvd" ]; then
	for f in CVE-2017-9078 CVE-2022-29503 CVE-2023-52160 CVE-2021-42373; do
		cp "$shared/vulndata/nvd/$f.json" "$out/vulns/" 2>/dev/null || true
	done
	head -c 3000 "$shared/vulndata/kev.json" > "$out/vulns/kev-head.json"
	{ printf '{"vulnerabilities":[{"cve":'; cat "$shared/vulndata/nvd/CVE-2016-7406.json"; printf '}]}'; } |
		gzip -c > "$out/vulns/feed.json.gz"
fi
printf '#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-2020-0001,0.5,0.9\n' > "$out/vulns/epss.csv"
printf '[{"id":"OSV-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2020-0001"],"affected":[{"package":{"ecosystem":"Debian:12","name":"x"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}],"versions":["1.0-1"]}]}]' > "$out/vulns/osv.json"
printf '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2022-48174"},"products":[{"@id":"busybox"}],"status":"not_affected","justification":"component_not_present"}]}' > "$out/vulns/openvex.json"
printf '{"bomFormat":"CycloneDX","components":[{"bom-ref":"b","name":"busybox"}],"vulnerabilities":[{"id":"CVE-2022-48174","analysis":{"state":"not_affected"},"affects":[{"ref":"b"}]}]}' > "$out/vulns/cdx.json"
