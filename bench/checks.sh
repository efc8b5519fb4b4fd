#!/bin/sh
# The checks stage against unpacking, on the largest corpus root
# filesystem (gw-c, as a directory and as its images) and one image of
# each other variant: the "unpack" and "checks" times firmgate's -v
# summary prints, medians of RUNS runs (default 5), as a Markdown table;
# then the time of every check alone on the gw-c tree (bench/check_times.c,
# compiled here against the build's static library).
#
#   bench/checks.sh [BUILD_DIR]
set -eu
build=${1:-build}
corpus=${FG_CORPUS_DIR:-$HOME/.cache/firmgate/corpus}
runs=${RUNS:-5}
fg="$build/firmgate"
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/fg-cbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

median() {
	tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

echo "| input | MiB | files | unpack s | checks s | checks/unpack | findings |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for t in "$corpus/.build/trees/gw-c" "$corpus/images/gw-c_ext4.img" \
	 "$corpus/images/gw-c_uimage-firmware.bin" "$corpus/images/gw-c_rootfs.tar.gz" \
	 "$corpus/images/rtr-a_trx.bin" "$corpus/images/cam-b_squashfs-gzip.img" \
	 "$corpus/images/clean-d_fit.itb"; do
	[ -e "$t" ] || continue
	u=""; c=""
	for i in $(seq "$runs"); do
		line=$("$fg" scan "$t" -v --fail-on none --format json -o "$work/r" 2>&1 >/dev/null | grep '^Time:' || true)
		[ -n "$line" ] || line=$("$fg" scan "$t" -v --fail-on none -o "$work/r" 2>/dev/null | grep '^Time:')
		u="$u $(echo "$line" | sed 's/.*unpack \([0-9.]*\)s.*/\1/')"
		c="$c $(echo "$line" | sed 's/.*checks \([0-9.]*\)s.*/\1/')"
	done
	um=$(echo "$u" | median); cm=$(echo "$c" | median)
	if [ -d "$t" ]; then
		mib=$(du -sm "$t" | cut -f1); files=$(find "$t" -type f | wc -l)
	else
		mib=$(( $(stat -c %s "$t") / 1048576 )); files=-
	fi
	n=$("$fg" scan "$t" --format json --fail-on none 2>/dev/null |
	    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')
	ratio=$(awk -v c="$cm" -v u="$um" 'BEGIN { if (u > 0) printf "%.2f", c / u; else print "-" }')
	echo "| $(basename "$t") | $mib | $files | $um | $cm | $ratio | $n |"
done

echo
libs=$(pkg-config --libs zlib libdeflate liblzma libsquashfs1 libcrypt libcrypto lzo2 libzstd liblz4 \
	libarchive libhs ext2fs sqlite3 libcurl)
cc -O2 -D_GNU_SOURCE -I"$src/include" -I"$src/src" "$src/bench/check_times.c" \
	"$build/libfirmgate.a" $libs -lbz2 -lfdt -lpthread -lm -o "$work/check_times"
"$work/check_times" "$corpus/.build/trees/gw-c" "$runs"
