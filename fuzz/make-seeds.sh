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
try mkimage -A arm -O linux -T kernel -C none -a 0x8000 -e 0x8000 -n seed -d "$tmp/a.tar" "$tmp/u.img" && seed uimage "$tmp/u.img"
(cd "$tmp" && try zip -q -r a.zip tree) && seed zip "$tmp/a.zip"
(cd "$tmp" && try 7z a -bd a.7z tree) && seed sevenzip "$tmp/a.7z"
(cd "$tmp" && try ar rc a.ar a.tar.gz) && seed ar "$tmp/a.ar"
seed elf /bin/true

# Real samples under 1 MiB, to the targets they belong to and to the engine.
if [ -n "$shared" ] && [ -d "$shared/samples" ]; then
	find "$shared/samples" -type f -size -1024k | while read -r f; do
		seed engine "$f"
	done
fi
for d in "$out"/*/; do
	for f in "$d"*; do seed engine "$f"; done
done

mkdir -p "$out/checks"
printf 'root:x:0:0::/root:/bin/sh\0root:$1$Dm0rT3r$2gbEgovaIH1wJgPWlqUVn/:1:0:9:7:::\0#!/bin/sh\ntelnetd -p 23 &\n' > "$out/checks/seed1"
printf 'a::0:0::/:/bin/sh\0a::1::::::\0::respawn:/bin/sh\ntelnet stream tcp nowait root /usr/sbin/telnetd\n' > "$out/checks/seed2"

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
