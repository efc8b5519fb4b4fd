#!/bin/sh
# Builds the libFuzzer targets and runs each for SECONDS (default 10) on
# freshly made seeds, the regression inputs in tests/data/regress/, and the
# inputs it kept from earlier runs (under ~/.cache/firmgate/fuzz). Any
# crash, leak or sanitizer report fails the run and leaves the reproducer
# in fuzz/crashes/<target>/.
#   fuzz/run.sh [SECONDS] [TARGET...]
# SECONDS = 0 replays those inputs once without mutating them (what CI
# runs: deterministic, so a red run is always a regression).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
[ $# -gt 0 ] && shift
jobs=$(nproc 2>/dev/null || echo 2)
CC=clang cmake -S . -B build-fuzz -DFG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" >/dev/null

seeds=build-fuzz/seeds
rm -rf "$seeds"
sh fuzz/make-seeds.sh "$seeds" "${FG_SHARED_DIR:-../shared}"
keep=${FG_FUZZ_CACHE:-$HOME/.cache/firmgate/fuzz}

targets=${*:-$(cd build-fuzz/fuzz && ls fuzz_* | sed 's/^fuzz_//')}
failed=""
ran=0
for t in $targets; do
	bin=build-fuzz/fuzz/fuzz_$t
	[ -x "$bin" ] || continue
	mkdir -p "$keep/$t" "$seeds/$t" "fuzz/crashes/$t"
	for f in tests/data/regress/"$t"/*; do
		[ -f "$f" ] && cp "$f" "$seeds/$t/"
	done
	if [ "$secs" = 0 ]; then
		echo "== fuzz_$t: replay"
		set -- -runs=0
	else
		echo "== fuzz_$t: ${secs}s"
		set -- -max_total_time="$secs"
	fi
	if ! "$bin" "$@" -max_len=1048576 -rss_limit_mb=2560 -timeout=20 \
		-print_final_stats=1 -artifact_prefix="fuzz/crashes/$t/" \
		"$keep/$t" "$seeds/$t" > "build-fuzz/fuzz_$t.log" 2>&1; then
		tail -40 "build-fuzz/fuzz_$t.log"
		failed="$failed $t"
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$t.log" | tr '\n' ' '
		echo
	fi
	ran=$((ran + 1))
done
rmdir fuzz/crashes/* fuzz/crashes 2>/dev/null || true
if [ -n "$failed" ]; then
	echo "fuzz: failures in:$failed"
	exit 1
fi
echo "fuzz: $ran targets ran clean"
