#!/bin/sh
# Unpacking speed and memory: firmgate against binwalk -Me and against
# unsquashfs (the decompression floor: it only decompresses one squashfs
# it is pointed at), on the same corpus images, in one invocation, with
# outputs on tmpfs. Prints a Markdown table; each figure is the median of
# RUNS runs. Needs: binwalk, squashfs-tools, GNU time (apt-get install
# binwalk time), and the corpus (tests build it in ~/.cache/firmgate/corpus).
#
#   bench/unpack.sh [BUILD_DIR] [IMAGE...]
set -eu
build=${1:-build}
shift 2>/dev/null || true
corpus=${FG_CORPUS_DIR:-$HOME/.cache/firmgate/corpus}
runs=${RUNS:-3}
fg="$build/firmgate"
work=$(mktemp -d /dev/shm/fg-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

images=${*:-"rtr-a_trx.bin rtr-a_squashfs-lzo.img cam-b_squashfs-gzip.img gw-c_uimage-firmware.bin clean-d_fit.itb"}

# median of wall seconds and of peak RSS (KiB) over $runs runs of "$@"
measure() {
	ts=""; ms=""
	i=0
	while [ $i -lt "$runs" ]; do
		rm -rf "$work/out"
		/usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true
		read -r t m <<EOT
$(tail -n 1 "$work/t")
EOT
		ts="$ts $t"; ms="$ms $m"
		i=$((i + 1))
	done
	t=$(echo $ts | tr ' ' '\n' | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	m=$(echo $ms | tr ' ' '\n' | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	echo "$t $m"
}

# squashfs offset and size of an image, from truth.json
sqfs_layer() {
	python3 - "$corpus/truth.json" "$1" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
img = next(i for i in t["images"] if i["name"] == sys.argv[2])
def walk(l, base=0):
    here = base + (l.get("offset") or 0)
    if l["format"] == "squashfs":
        print(here, l["size"]); sys.exit()
    for c in l.get("children") or []:
        walk(c, here)
walk(img["layers"])
PY
}

echo "| image | MiB | unsquashfs -d (floor) | firmgate -j1 | firmgate -j2 | binwalk -Me | firmgate peak RSS | unpacked MiB | j1/floor | j2/floor | binwalk/j2 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for name in $images; do
	img="$corpus/images/$name"
	[ -f "$img" ] || continue
	size=$(stat -c %s "$img")
	set -- $(sqfs_layer "$name")
	dd if="$img" of="$work/fs.sqfs" bs=64K iflag=skip_bytes,count_bytes skip="$1" count="$2" 2>/dev/null
	set -- $(measure unsquashfs -no-progress -d "$work/out" "$work/fs.sqfs")
	floor=$1
	unpacked=$(du -sm "$work/out" 2>/dev/null | cut -f1); unsquashfs -no-progress -d "$work/out" "$work/fs.sqfs" >/dev/null 2>&1 || true
	unpacked=$(du -sm --apparent-size "$work/out" | cut -f1)
	set -- $(measure "$fg" unpack -j 1 "$img" -o "$work/out")
	j1=$1
	set -- $(measure "$fg" unpack -j 2 "$img" -o "$work/out")
	j2=$1; rss=$2
	set -- $(measure sh -c "cd '$work' && mkdir -p out && cd out && binwalk -Me -q $(test "$(id -u)" = 0 && echo --run-as=root) '$img'")
	bw=$1
	python3 - "$name" "$size" "$floor" "$j1" "$j2" "$bw" "$rss" "$unpacked" <<'PY'
import sys
n, size, floor, j1, j2, bw, rss, unp = sys.argv[1:]
size, floor, j1, j2, bw, rss = int(size), float(floor), float(j1), float(j2), float(bw), int(rss)
r = lambda a, b: "%.2f" % (a / b) if b > 0 else "-"
print("| %s | %.1f | %.2fs | %.2fs | %.2fs | %.2fs | %.0f MiB | %s | %s | %s | %s |" % (
    n, size / 1048576, floor, j1, j2, bw, rss / 1024, unp, r(j1, floor), r(j2, floor), r(bw, j2)))
PY
done
