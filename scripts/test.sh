#!/bin/sh
# Builds firmgate twice and runs the whole test suite on each build:
#   build/       the normal optimised build
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer; any report fails
# The end-to-end tests build the firmware corpus from ../shared/corpus on the
# first run and cache it under ~/.cache/firmgate (rebuilt when build.sh changes).
set -eu
cd "$(dirname "$0")/.."

FG_DEPS_TEST=1 scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_suite() {
	dir=$1
	shift
	echo "== $dir: configure and build"
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
	echo "== $dir: test"
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 1500
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DFG_SANITIZE=ON
echo "== all suites passed"
