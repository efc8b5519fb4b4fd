#!/bin/sh
# Builds the firmware corpus (../shared/corpus/build.sh) into OUTDIR unless
# a build from the same build.sh is already there. The staged rootfs trees
# are kept (FG_KEEP_WORK=1): tests compare against them.
set -eu
shared=$1
out=$2
build="$shared/corpus/build.sh"
if [ ! -x "$build" ] && [ ! -f "$build" ]; then
	echo "corpus: $build not found; the shared test material is missing" >&2
	exit 77
fi
stamp="$out/.firmgate-stamp"
want=$(sha256sum "$build" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$out/truth.json" ] \
	&& [ -d "$out/.build/trees" ]; then
	echo "corpus: cached in $out"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "corpus: building needs root (apt-get, dpkg --add-architecture); run as root once" >&2
	exit 1
fi
mkdir -p "$out"
rm -f "$stamp"
echo "corpus: building into $out (takes a few minutes on first run)"
FG_KEEP_WORK=1 bash "$build" "$out"
echo "$want" > "$stamp"
