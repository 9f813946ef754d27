#!/usr/bin/env bash
# Proves that the host suite passes or skips (never fails) on a machine that
# lacks an optional capability, on any machine: each capability is masked in
# turn with its environment switch (see docs/testing.md) and the tests that
# need it must be skipped with a reason; then the whole host suite runs with
# every mask at once and must have no failure. Ends with a summary like
# .ci/test.sh. Usage: bash .ci/masked.sh (after or without a host build).
set -uo pipefail
cd "$(dirname "$0")/.."
source .ci/steps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
ALL_MASKS=(KK_TEST_NO_I386=1 KK_TEST_NO_QEMU=1 KK_TEST_NO_IO_URING=1 KK_HOSTBLK_BACKEND=pread
    KK_TEST_NO_FUSE=1 KK_TEST_NO_ROOT=1 KK_TEST_NO_LOOP=1)

build_host() {
    cmake --preset host >/dev/null
    cmake --build --preset host -j "$JOBS"
}

# with_masks VAR=VALUE... -- CTEST_ARG...: the tests must pass or skip.
with_masks() {
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    export "${envs[@]}"
    ctest_run build/host --preset host "$@"
}

# expect_skips VAR=VALUE... -- REGEX: with the variables set, every host test
# whose name matches REGEX is skipped (none passes, none fails).
expect_skips() {
    local regex=${*: -1}
    with_masks "${@:1:$#-1}" -R "$regex"
    grep -Eq '^0/([0-9]+) passed, \1 skipped$' "$KK_STEP_NOTE" || {
        echo "masked: with ${*:1:$#-2} not every test matching '$regex' was skipped"
        return 1
    }
}

step build build_host
# i386 masked alone: buddy-meta32 still runs, under qemu-i386
step no-i386 with_masks KK_TEST_NO_I386=1 -- -R '^buddy-meta32$'
step no-i386-no-qemu expect_skips KK_TEST_NO_I386=1 KK_TEST_NO_QEMU=1 -- '^(buddy-meta32|qemu-|demo-)'
step no-io_uring expect_skips KK_TEST_NO_IO_URING=1 -- '^hostblk-io_uring'
step hostblk-pread expect_skips KK_HOSTBLK_BACKEND=pread -- '^hostblk-io_uring'
step hostblk-pread-tools with_masks KK_HOSTBLK_BACKEND=pread -- -R '^(hostblk-pread|sfs-tools-)'
step no-fuse expect_skips KK_TEST_NO_FUSE=1 -- '^sfs-fuse(-stress)?$'
step no-root expect_skips KK_TEST_NO_ROOT=1 -- '^sfs-tools-blockdev$'
step no-loop expect_skips KK_TEST_NO_LOOP=1 -- '^sfs-tools-blockdev$'
step all-masked with_masks "${ALL_MASKS[@]}" --

steps_summary
