#!/bin/sh
# Installs everything firmgate needs to build, run and test, from Debian 12
# packages. Idempotent: installs only what is missing. Run as root.
set -eu

packages="
	build-essential cmake pkg-config
	zlib1g-dev libdeflate-dev liblzma-dev libsquashfs-dev liblzo2-dev libzstd-dev liblz4-dev
	libvectorscan-dev libarchive-dev nettle-dev libext2fs-dev libfdt-dev libbz2-dev
	libcrypt-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev libyaml-dev
	squashfs-tools python3 openssl
"
# libcurl4-openssl-dev is for <curl/curl.h> only: firmgate does not link
# libcurl but loads it (libcurl4, which the -dev package pulls in) when
# `firmgate db update` downloads (src/vulns/curl_dl.c).
# The test suite also builds the firmware corpus and compares with these.
test_packages="
	clang cpio python3-jsonschema python3-yaml mtd-utils bzip2 lz4 lzop xz-utils zstd zip p7zip-full e2fsprogs u-boot-tools device-tree-compiler
	checksec linux-config-6.1
	dosfstools mtools fdisk gdisk xorriso
	genromfs erofs-utils android-sdk-libsparse-utils mkbootimg
	chromium
	groff-base man-db
"

want=""
for p in $packages ${FG_DEPS_TEST:+$test_packages}; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		want="$want $p"
	fi
done

if [ -z "$want" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$want" >&2
	echo "install-deps: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing$want"
export DEBIAN_FRONTEND=noninteractive
# A stale or partly failing index (one mirror mid-sync) must not stop us
# when the packages are still installable.
apt-get update -qq || echo "install-deps: apt-get update reported errors; continuing" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $want
