#!/bin/sh
# Builds the demo firmware image: demo/rootfs as squashfs (xz), with the
# ownership, modes and device nodes a real router image has. Timestamps
# are fixed so the image is the same on every machine.
set -eu
src=$1
out=$2
mkdir -p "$(dirname "$out")"
pf=$(mktemp)
trap 'rm -f "$pf" "$out.tmp"' EXIT
cat > "$pf" <<'PF'
dev d 755 0 0
dev/console c 600 0 0 5 1
dev/null c 666 0 0 1 3
tmp m 1777 0 0
etc/shadow m 600 0 0
PF
rm -f "$out.tmp"
mksquashfs "$src" "$out.tmp" -comp xz -noappend -all-root -quiet -no-progress \
	-mkfs-time 1700000000 -all-time 1700000000 -pf "$pf" >/dev/null
mv "$out.tmp" "$out"
