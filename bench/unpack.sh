#!/bin/sh
# Unpacking speed and memory: firmgate against binwalk -Me and against the
# image's decompression floor, on the same corpus images, in one
# invocation, with outputs on tmpfs. Prints two Markdown tables (the
# comparison, then what each floor is made of); each figure is the median
# of RUNS runs.
#
# The floor of an image is what the standard tools need to decompress
# everything the image holds, each pointed directly at its layer (cut out
# with dd beforehand, untimed), run one after the other: unsquashfs -d per
# squashfs, xz/gzip/lz4/lzop/zstd/bzip2 -dc per compressed stream
# (including a kernel's payload, found inside the zImage or ELF), cpio/tar
# for archives, debugfs rdump for ext2/3/4, fsck.cramfs --extract for cramfs.
# truth.json says where every layer is. A layer no standard tool extracts
# (ubi, jffs2) leaves the image without a floor ("n/a"), not a partial one.
# "unpacked" is the apparent size of everything the floor produced.
#
# Needs: binwalk, squashfs-tools, xz-utils, lz4, lzop, zstd, cpio,
# e2fsprogs, GNU time (apt-get install binwalk time ...), python3 and the
# corpus (tests build it in ~/.cache/firmgate/corpus). BINWALK=0 skips
# binwalk (the slow part).
#
#   bench/unpack.sh [BUILD_DIR] [IMAGE...]
set -eu

# run_step TOOL IN OUT: a layer's tool that needs a shell (a directory
# made first, a working directory, input on stdin); the others run
# directly (step_cmd)
run_step() {
	case $1 in
	cpio) mkdir "$3" && cd "$3" && cpio -idm --quiet --no-absolute-filenames <"$2" ;;
	tar) mkdir "$3" && tar -xf "$2" -C "$3" ;;
	debugfs) mkdir "$3" && debugfs -R "rdump / $3" "$2" ;;
	fsck.cramfs) fsck.cramfs --extract="$3" "$2" ;;
	*) echo "unknown tool $1" >&2; return 2 ;;
	esac
}
tool_cmd() {
	case $1 in
	unsquashfs) echo "unsquashfs -d" ;;
	unsquashfs1) echo "unsquashfs -p 1 -d" ;;
	lzma) echo "xz -dc --format=lzma" ;;
	xz) echo "xz -dc --single-stream" ;;
	lzo) echo "lzop -dc" ;;
	cpio) echo "cpio -idm" ;;
	tar) echo "tar -xf" ;;
	debugfs) echo "debugfs rdump" ;;
	fsck.cramfs) echo "fsck.cramfs --extract" ;;
	*) echo "$1 -dc" ;;
	esac
}
# step_cmd TOOL IN OUT: the tool's command line when it can run without a
# shell (the shell's start would count in a 50 ms measurement); the
# caller sets BENCH_STDOUT=OUT for the stream tools. Empty: run_step.
step_cmd() {
	case $1 in
	unsquashfs) echo "unsquashfs -no-progress -d $3 $2" ;;
	unsquashfs1) echo "unsquashfs -no-progress -p 1 -d $3 $2" ;;
	lzma) echo "xz -dc --format=lzma $2" ;;
	xz) echo "xz -dc --single-stream $2" ;;
	gzip) echo "gzip -dc $2" ;;
	lz4) echo "lz4 -dc $2" ;;
	lzo) echo "lzop -dc $2" ;;
	zstd) echo "zstd -dc $2" ;;
	bzip2) echo "bzip2 -dc $2" ;;
	esac
}
# timed_step OUT TOOL IN: measure one floor step
timed_step() {
	cmd=$(step_cmd "$2" "$3" "$1")
	case $2 in
	unsquashfs*) measure "$1" $cmd ;;
	*) if [ -n "$cmd" ]; then
		export BENCH_STDOUT="$1"
		measure "$1" $cmd
		unset BENCH_STDOUT
	   else
		measure "$1" env FG_BENCH_STEP=1 sh "$self" "$2" "$3" "$1"
	   fi ;;
	esac
}
# the script runs itself for one floor step (see measure), before any setup
if [ "${FG_BENCH_STEP:-}" = 1 ]; then
	run_step "$@"
	exit
fi

build=${1:-build}
shift 2>/dev/null || true
corpus=${FG_CORPUS_DIR:-$HOME/.cache/firmgate/corpus}
runs=${RUNS:-3}
fg="$build/firmgate"
work=$(mktemp -d /dev/shm/fg-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
tab=$(printf '\t')

images=${*:-"rtr-a_trx.bin rtr-a_squashfs-lzo.img cam-b_squashfs-gzip.img gw-c_uimage-firmware.bin clean-d_fit.itb"}

median() {
	tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# time_one CMD...: runs CMD once; prints wall seconds (a monotonic clock,
# not GNU time's 10 ms steps: the small images take 50 ms), peak RSS
# (KiB), CPU seconds (user+sys) and the exit status
# (BENCH_STDIN/BENCH_STDOUT name files for its input and output)
time_one() {
	python3 -c '
import os, resource, subprocess, sys, time
fin = open(os.environ["BENCH_STDIN"], "rb") if os.environ.get("BENCH_STDIN") else subprocess.DEVNULL
fout = open(os.environ["BENCH_STDOUT"], "wb") if os.environ.get("BENCH_STDOUT") else subprocess.DEVNULL
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdin=fin, stdout=fout, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %d %.4f %d" % (wall, r.ru_maxrss, r.ru_utime + r.ru_stime, p.returncode))
' "$@"
}

# measure OUT CMD...: runs CMD $runs times, removing OUT before each run;
# prints the medians of wall seconds, peak RSS (KiB) and CPU seconds
# (user+sys), then the exit status of the last run
measure() {
	out=$1; shift
	ts=""; ms=""; cs=""; st=0
	i=0
	while [ $i -lt "$runs" ]; do
		rm -rf "$out"
		read -r t m c st <<EOT
$(time_one "$@")
EOT
		ts="$ts $t"; ms="$ms $m"; cs="$cs $c"
		i=$((i + 1))
	done
	echo "$(echo $ts | median) $(echo $ms | median) $(echo $cs | median) $st"
}

# The floor's steps for an image, from truth.json, one a line:
#   step <TAB> label <TAB> tool <TAB> source <TAB> offset <TAB> size <TAB> expect <TAB> leaf
#   na <TAB> label <TAB> reason
# source is "img" or the number of the step whose output is the input;
# expect is the output size in bytes when known ("-" otherwise); leaf is 1
# when the output counts as unpacked (a stream whose content is then
# extracted as an archive does not: its tree does).
floor_plan() {
	python3 - "$corpus/truth.json" "$1" "$2" <<'PY'
import bz2, json, lzma, sys, zlib

truth, name, path = sys.argv[1:]
img = next(i for i in json.load(open(truth))["images"] if i["name"] == name)
data = open(path, "rb").read()
STREAMS = ("lzma", "xz", "gzip", "lz4", "lzo", "zstd", "bzip2")
CONTAINERS = ("trx", "uimage", "fit", "flash")
BLOBS = ("u-boot", "uboot-env", "dtb", "u-boot-script")  # nothing compressed
EXTRACT = {"squashfs": "unsquashfs", "cpio": "cpio", "tar": "tar",
           "ext2": "debugfs", "ext3": "debugfs", "ext4": "debugfs",
           "cramfs": "fsck.cramfs"}
steps = []


def step(label, tool, src, off, size, expect=None, leaf=1):
    steps.append("step\t%s\t%s\t%s\t%d\t%d\t%s\t%d" % (
        label, tool, src, off, size, "-" if expect is None else expect, leaf))
    return len(steps) - 1


def na(label, reason):
    steps.append("na\t%s\t%s" % (label, reason))


# A kernel's compressed payload: the first stream in it that decompresses
# to something holding the Linux banner. Python tells the exact compressed
# length (the bytes after it, like the zImage's appended size word, are not
# part of the stream the tool is handed).
MAGICS = ((b"\xfd7zXZ\x00", "xz"), (b"\x1f\x8b\x08", "gzip"),
          (b"]\x00\x00", "lzma"), (b"BZh", "bzip2"))


def decoder(kind):
    if kind == "gzip":
        return zlib.decompressobj(31)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE)


def kernel_payload(off, size):
    blob = data[off:off + size]
    cands = []
    for m, kind in MAGICS:
        i = blob.find(m)
        while 0 <= i and len(cands) < 64:
            cands.append((i, kind))
            i = blob.find(m, i + 1)
    for i, kind in sorted(set(cands)):
        d = decoder(kind)
        try:
            out = d.decompress(blob[i:], 256 << 20)
        except Exception:
            continue
        if not d.eof or b"Linux version" not in out:
            continue
        return i, kind, size - i - len(d.unused_data), len(out)
    return None


def walk(l, base):
    here = base + (l.get("offset") or 0)
    f, size = l["format"], l["size"]
    label = "%s @0x%x" % (f, here)
    kids = l.get("children") or []
    if f in CONTAINERS:
        for c in kids:
            walk(c, here)
    elif f in BLOBS:
        pass
    elif f in EXTRACT:
        step(label, EXTRACT[f], "img", here, size)
    elif f in STREAMS:
        archive = [c for c in kids if c["format"] in ("cpio", "tar")]
        expect = kids[0]["size"] if len(kids) == 1 and not kids[0].get("offset") else None
        s = step(label, f, "img", here, size, expect, 0 if archive else 1)
        for c in kids:
            if c["format"] in ("cpio", "tar"):
                step("%s in %s" % (c["format"], label), c["format"], s, 0, c["size"])
            elif c["format"] != "kernel":
                na("%s in %s" % (c["format"], label), "nested layer not handled")
    elif f == "kernel" and l.get("kind") == "raw":
        pass  # plain kernel (or the output of its parent stream)
    elif f == "kernel":
        p = kernel_payload(here, size)
        if p is None:
            na(label, "no xz/gzip/lzma/bzip2 payload found in the %s" % l.get("kind"))
        else:
            i, kind, clen, dlen = p
            step("%s payload @0x%x (%s)" % (kind, here + i, l.get("kind")), kind, "img",
                 here + i, clen, dlen)
    else:
        na(label, "no standard tool extracts %s" % f)


walk(img["layers"], 0)
if not steps:
    na("(whole image)", "nothing compressed or packed to extract")
print("\n".join(steps))
PY
}

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# floor IMAGE_NAME IMAGE_PATH: times every step of the floor; prints
# "wall rss cpu unpacked_bytes" or "n/a"; appends to $work/layers
floor() {
	floor_plan "$1" "$2" >"$work/plan"
	rm -rf "$work/floor"; mkdir "$work/floor"
	if grep -q "^na$tab" "$work/plan"; then
		grep "^na$tab" "$work/plan" | while IFS=$tab read -r _ label reason; do
			echo "| $1 | $label | n/a: $reason | | |" >>"$work/layers"
		done
		echo n/a; return
	fi
	n=0; wall=0; wall1=0; cpu=0; rss=0; unp=0; ok=1
	while IFS=$tab read -r _ label tool src off size expect leaf; do
		in="$work/floor/in.$n"; out="$work/floor/out.$n"
		if [ "$src" = img ]; then
			dd if="$2" of="$in" bs=64K iflag=skip_bytes,count_bytes \
				skip="$off" count="$size" 2>/dev/null
		else
			in="$work/floor/out.$src"
		fi
		set -- "$1" "$2" $(timed_step "$out" "$tool" "$in")
		bytes=$(du -sb "$out" 2>/dev/null | cut -f1)
		bytes=${bytes:-0}
		# with a known size, the size decides (gzip exits 2 on a warning)
		bad=0
		if [ "$expect" != - ]; then
			[ "$bytes" = "$expect" ] || bad=1
		elif [ "$6" != 0 ]; then
			bad=1
		fi
		if [ "$bad" = 1 ]; then
			echo "unpack.sh: $1: $label: $tool exited $6, wrote $bytes bytes (expected $expect)" >&2
			ok=0
		fi
		mib=$(echo "$bytes" | awk '{ printf "%.1f", $1 / 1048576 }')
		[ "$bad" = 0 ] || mib="$mib: failed, exit $6, floor n/a"
		echo "| $1 | $label | $(tool_cmd "$tool") | $3s | $mib |" >>"$work/layers"
		step1=$3
		if [ "$tool" = unsquashfs ]; then
			# the same step on one core: unsquashfs uses every CPU
			set -- "$1" "$2" $(timed_step "$out.1" unsquashfs1 "$in")
			rm -rf "$out.1"
			echo "| $1 | $label | $(tool_cmd unsquashfs1) | $3s | (one core) |" >>"$work/layers"
			set -- "$1" "$2" "$step1" "$4" "$5" "$6" "$3"
		else
			set -- "$1" "$2" "$step1" "$4" "$5" "$6" "$step1"
		fi
		read -r wall cpu rss unp wall1 <<EOT
$(echo "$wall $3 $cpu $5 $rss $4 $unp $bytes $leaf $wall1 $7" |
	awk '{ printf "%.4f %.4f %.0f %.0f %.4f", $1 + $2, $3 + $4, ($6 > $5 ? $6 : $5), $7 + ($9 ? $8 : 0), $10 + $11 }')
EOT
		n=$((n + 1))
	done <"$work/plan"
	rm -rf "$work/floor"
	if [ "$ok" = 1 ] && [ "$n" -gt 0 ]; then echo "$wall $rss $cpu $unp $wall1"; else echo n/a; fi
}

echo "load at start: $(uptime)"
echo
echo "| image | MiB | floor | floor CPU | floor peak RSS | floor, one core | firmgate -j1 | -j1 CPU | firmgate -j2 | -j2 CPU | -j2 --hash | binwalk -Me | firmgate peak RSS | unpacked MiB | j1/floor | j1/floor one core | j2/floor | j2 --hash/floor | binwalk/j2 | RSS/unpacked |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
: >"$work/layers"
for name in $images; do
	img="$corpus/images/$name"
	[ -f "$img" ] || { echo "unpack.sh: no image $img" >&2; continue; }
	size=$(stat -c %s "$img")
	fl=$(floor "$name" "$img")
	set -- $(measure "$work/out" "$fg" unpack -j 1 "$img" -o "$work/out")
	j1=$1; j1cpu=$3
	set -- $(measure "$work/out" "$fg" unpack -j 2 "$img" -o "$work/out")
	j2=$1; rss=$2; j2cpu=$3
	# the same with the manifest's SHA-256 of every file
	set -- $(measure "$work/out" "$fg" unpack -j 2 "$img" -o "$work/out" --hash)
	j2h=$1
	bw=0
	if [ "${BINWALK:-1}" != 0 ]; then
		set -- $(measure "$work/out" sh -c "cd '$work' && mkdir -p out && cd out && binwalk -Me -q $(test "$(id -u)" = 0 && echo --run-as=root) '$img'")
		bw=$1
	fi
	rm -rf "$work/out"
	python3 - "$name" "$size" "$j1" "$j1cpu" "$j2" "$j2cpu" "$bw" "$rss" "$j2h" $fl <<'PY'
import sys
n, size, j1, j1cpu, j2, j2cpu, bw, rss, j2h = sys.argv[1:10]
fl_args = sys.argv[10:]  # the floor's "wall rss cpu unpacked wall1", or "n/a"
size, rss = int(size), int(rss)
j1, j1cpu, j2, j2cpu, bw, j2h = map(float, (j1, j1cpu, j2, j2cpu, bw, j2h))
r = lambda a, b: "%.2f" % (a / b) if a > 0 and b > 0 else "-"
if len(fl_args) == 5:
    floor, frss, fcpu, unp = float(fl_args[0]), int(fl_args[1]), float(fl_args[2]), int(fl_args[3])
    floor1 = float(fl_args[4])
    fl = "%.3fs | %.3fs | %.0f MiB | %.3fs" % (floor, fcpu, frss / 1024, floor1)
    unp_mib = "%.0f" % (unp / 1048576)
    rj1, rj11, rj2, rm = r(j1, floor), r(j1, floor1), r(j2, floor), r(rss * 1024, unp)
    rj2h = r(j2h, floor)
else:
    fl, unp_mib, rj1, rj11, rj2, rj2h, rm = "n/a | n/a | n/a | n/a", "n/a", "-", "-", "-", "-", "-"
bws = "%.3fs" % bw if bw > 0 else "-"
print("| %s | %.1f | %s | %.3fs | %.3fs | %.3fs | %.3fs | %.3fs | %s | %.0f MiB | %s | %s | %s | %s | %s | %s | %s |" % (
    n, size / 1048576, fl, j1, j1cpu, j2, j2cpu, j2h, bws, rss / 1024, unp_mib, rj1, rj11, rj2,
    rj2h, r(bw, j2), rm))
PY
done
echo
echo "Floor composition (each step's median wall time; output is what it wrote):"
echo
echo "| image | layer | tool | seconds | output MiB |"
echo "|---|---|---|---:|---:|"
cat "$work/layers"
echo
echo "load at end: $(uptime)"
