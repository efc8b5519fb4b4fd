#!/bin/sh
# A long fuzzing run: each TARGET for SECONDS (default 1800) on the kept
# corpus (~/.cache/firmgate/fuzz/<target>) plus fresh seeds, one target
# after another, then one summary line per target in RESULTS (default
# build-fuzz/campaign.tsv): target, seconds, executions, edge coverage,
# features, corpus size, peak RSS, crashes. Crash reproducers land in
# fuzz/crashes/<target>/ and make the run fail. A unit slower than
# FG_FUZZ_TIMEOUT seconds (default 60: sanitizers slow the password
# cracking, whose own budget is up to 20 s of estimated CPU per hash)
# counts as a crash.
#   fuzz/campaign.sh SECONDS TARGET...
# FG_FUZZ_BUILD names the build directory (default build-fuzz), so two
# campaigns can run side by side.
set -u
cd "$(dirname "$0")/.."
secs=${1:-1800}
[ $# -gt 0 ] && shift
b=${FG_FUZZ_BUILD:-build-fuzz}
results=${FG_CAMPAIGN_RESULTS:-$b/campaign.tsv}
CC=clang cmake -S . -B "$b" -DFG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
for t in "$@"; do
	cmake --build "$b" -j2 --target "fuzz_$t" >/dev/null || exit 1
done
seeds=$b/campaign-seeds
rm -rf "$seeds"
sh fuzz/make-seeds.sh "$seeds" "${FG_SHARED_DIR:-../shared}"
keep=${FG_FUZZ_CACHE:-$HOME/.cache/firmgate/fuzz}
mkdir -p "$(dirname "$results")"
[ -f "$results" ] || printf 'target\tseconds\texecutions\tcoverage\tfeatures\tcorpus\tpeak_rss_mb\tcrashes\tdate\n' > "$results"
status=0
for t in "$@"; do
	mkdir -p "$keep/$t" "$seeds/$t" "fuzz/crashes/$t"
	for f in tests/data/regress/"$t"/*; do
		[ -f "$f" ] && cp "$f" "$seeds/$t/"
	done
	log=$b/campaign-$t.log
	echo "== fuzz_$t: ${secs}s"
	"$b/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=2560 \
		-timeout=${FG_FUZZ_TIMEOUT:-60} -print_final_stats=1 -artifact_prefix="fuzz/crashes/$t/" \
		"$keep/$t" "$seeds/$t" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
	last=$(grep -aE '^#[0-9]+.* cov: ' "$log" | tail -1)
	cov=$(echo "$last" | awk '{for (i = 1; i < NF; i++) if ($i == "cov:") print $(i + 1)}')
	ft=$(echo "$last" | awk '{for (i = 1; i < NF; i++) if ($i == "ft:") print $(i + 1)}')
	corp=$(echo "$last" | awk '{for (i = 1; i < NF; i++) if ($i == "corp:") print $(i + 1)}' | cut -d/ -f1)
	# slow-unit-* files are kept for inspection, not failures
	crashes=$(find "fuzz/crashes/$t" -type f ! -name 'slow-unit-*' | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$secs" "${execs:-?}" "${cov:-?}" \
		"${ft:-?}" "${corp:-?}" "${rss:-?}" "$crashes" "$(date -u +%Y-%m-%d)" >> "$results"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		echo "fuzz_$t: failed (exit $rc, $crashes reproducers); see $log"
		tail -30 "$log"
		status=1
	fi
done
rmdir fuzz/crashes/* fuzz/crashes 2>/dev/null || true
exit $status
