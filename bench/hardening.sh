#!/bin/sh
# Binary hardening: firmgate's checks stage against checksec --dir on the
# same root filesystems, in one invocation. firmgate's figure is the
# "checks" time its -v summary prints (every check, the ELF scan included;
# unpacking a directory and the rest of the pipeline are left out, they
# are not what checksec does), plus its whole wall time for reference;
# checksec's is its wall time. Each figure is the median of RUNS runs
# (default 3). Prints a Markdown table. Needs: checksec (apt-get install
# checksec) and the corpus (tests build it in ~/.cache/firmgate/corpus).
#
#   bench/hardening.sh [BUILD_DIR] [ROOTFS_DIR...]
set -eu
build=${1:-build}
shift 2>/dev/null || true
corpus=${FG_CORPUS_DIR:-$HOME/.cache/firmgate/corpus}
runs=${RUNS:-3}
fg="$build/firmgate"
work=$(mktemp -d /tmp/fg-hbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ $# -eq 0 ]; then
	set -- "$corpus/.build/trees/rtr-a" "$corpus/.build/trees/cam-b" \
		"$corpus/.build/trees/gw-c" "$corpus/.build/trees/clean-d"
fi

median() {
	tr ' ' '\n' | grep . | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# wall seconds of "$@" (output discarded)
wall() {
	/usr/bin/env python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.3f" % (time.monotonic() - t))
PY
}

echo "| rootfs | ELF files | firmgate checks | firmgate wall | checksec --dir | checksec / firmgate checks | checksec / firmgate wall |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for dir in "$@"; do
	[ -d "$dir" ] || continue
	elves=$("$fg" scan "$dir" --format json --fail-on none | python3 -c \
		'import json,sys; print(len(json.load(sys.stdin)["hardening"]["binaries"]))')
	cs=""; fw=""; cw=""
	i=0
	while [ $i -lt "$runs" ]; do
		"$fg" scan "$dir" -v --fail-on none --no-color >"$work/out" 2>&1 || true
		cs="$cs $(sed -n 's/.*checks \([0-9.]*\)s.*/\1/p' "$work/out" | tail -n 1)"
		fw="$fw $(wall "$fg" scan "$dir" --fail-on none)"
		cw="$cw $(wall checksec --output=json --dir="$dir")"
		i=$((i + 1))
	done
	c=$(echo $cs | median); f=$(echo $fw | median); k=$(echo $cw | median)
	python3 - "$(basename "$dir")" "$elves" "$c" "$f" "$k" <<'PY'
import sys
n, elves, c, f, k = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
r = lambda a, b: "%.0fx" % (a / b) if b > 0 else "-"
print("| %s | %d | %.3fs | %.3fs | %.1fs | %s | %s |" % (n, elves, c, f, k, r(k, c), r(k, f)))
PY
done
