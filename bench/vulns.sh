#!/bin/sh
# Vulnerability database at full-NVD size: import speed and matching time.
#
# Generates RECORDS (default 250000) NVD 2.0 records by re-keying the real
# records of vulndata/nvd/ (bench/vulns_gen.py: same configurations,
# products and versions varied a little) as 25 gzip feed files, then
#   1. imports them into a fresh database (one transaction),
#   2. imports them again (everything unchanged: the idempotent path),
#   3. matches COMPONENTS (default 1000) components as one scan, RUNS times.
# Prints a Markdown table with wall and CPU seconds (GNU time), and the load
# average, since other work on the machine inflates wall time.
#
#   bench/vulns.sh [BUILD_DIR]
# Needs: python3, GNU time (apt-get install time), the shared test data.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
records=${RECORDS:-250000}
components=${COMPONENTS:-1000}
runs=${RUNS:-3}
shared=${FG_SHARED_DIR:-../shared}
fg="$build/firmgate"
work=$(mktemp -d "${TMPDIR:-/tmp}/fg-vbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 bench/vulns_gen.py "$shared/vulndata/nvd" "$work/data" "$records" "$components" >&2
db="$work/vulndb.sqlite"

# "wall user sys maxrss" of "$@"
measure() {
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || {
		cat "$work/err" >&2
		exit 1
	}
	tail -n 1 "$work/t"
}

row() { # label wall user sys rss extra
	printf '| %s | %s | %.1f | %.0f MiB | %s |\n' "$1" "$2" "$(echo "$3 + $4" | bc)" "$(echo "$5 / 1024" | bc)" "$6"
}

echo "| step | wall s | CPU s (user+sys) | max RSS | result |"
echo "|---|---|---|---|---|"
set -- $(measure "$fg" db import --vulndb "$db" "$work"/data/*.json.gz)
rate=$(echo "$records / $1" | bc)
cpurate=$(echo "$records / ($2 + $3)" | bc)
row "import $records records (fresh)" "$1" "$2" "$3" "$4" "$rate records/s wall, $cpurate records/s CPU; $(grep -o '[0-9]* CPE match criteria' "$work/out")"
set -- $(measure "$fg" db import --vulndb "$db" "$work"/data/*.json.gz)
row "import again (all unchanged)" "$1" "$2" "$3" "$4" "$(echo "$records / $1" | bc) records/s"
size=$(du -m "$db" | cut -f1)
i=0
while [ $i -lt "$runs" ]; do
	set -- $(measure "$fg" db match --vulndb "$db" --batch "$work/data/components.txt" --summary)
	m=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["stats"]; print("%d matches, %d without applicability data, matcher %.3f s" % (s["matches"], s["no_applicability_data"], s["seconds"]))' "$work/out")
	row "match $components components (run $((i + 1)))" "$1" "$2" "$3" "$4" "$m"
	i=$((i + 1))
done
echo
echo "Database: $size MiB. Machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)."
