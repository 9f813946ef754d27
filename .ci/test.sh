#!/usr/bin/env bash
# The README's test command body: every host preset built and tested, every
# cross preset built with check-freestanding, formatting and docs checked.
# Every step runs even after one fails; a summary (one line per step, with
# its status and seconds) ends the run, and the exit status is non-zero if
# any step failed.
#
# To add a check, append one line `step NAME COMMAND [ARG...]` below (COMMAND
# may be a shell function defined here; it runs under `set -e`).
set -uo pipefail
cd "$(dirname "$0")/.."
source .ci/steps.sh
JOBS=$(nproc 2>/dev/null || echo 2)

check_format() {
    git ls-files -- '*.c' '*.h' | xargs -r clang-format --dry-run -Werror
}

# preset_tests PRESET: configure, build and run the preset's ctest suite.
preset_tests() {
    cmake --preset "$1" >/dev/null
    cmake --build --preset "$1" -j "$JOBS"
    ctest_run "build/$1" --preset "$1"
}

# each library alone (-DKERNKIT_LIBS=...), with its tests, host
libs_alone() {
    local libs dir
    for libs in buddy pagetable sched sync trapframe vfs "vfs;sfs"; do
        dir="build/alone-${libs//;/-}"
        cmake -S . -B "$dir" -DKERNKIT_LIBS="$libs" -DKERNKIT_DOCS=OFF >/dev/null
        cmake --build "$dir" -j "$JOBS" >/dev/null
        echo "built alone: $libs"
    done
}

# shared libraries (BUILD_SHARED_LIBS=ON): build, install-consumer and the ABI gate
shared() {
    cmake -S . -B build/shared -DBUILD_SHARED_LIBS=ON -DKERNKIT_DOCS=OFF >/dev/null
    cmake --build build/shared -j "$JOBS" >/dev/null
    ctest_run build/shared --test-dir build/shared --output-on-failure -R 'install-consumer|^base$|^abi-'
}

# release preset (benchmarks build)
release() {
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$JOBS"
}

# freestanding cross preset, with check-freestanding
cross() {
    cmake --preset "$1" >/dev/null
    cmake --build --preset "$1" -j "$JOBS"
    cmake --build --preset "$1" --target check-freestanding
}

# sync debug + uniprocessor build of a cross preset (freestanding)
sync_debug_up() {
    cmake --preset "$1" -B "build/$1-sync-debug-up" -DKERNKIT_LIBS=sync \
        -DKERNKIT_SYNC_DEBUG=ON -DKERNKIT_SYNC_UP=ON >/dev/null
    cmake --build "build/$1-sync-debug-up" -j "$JOBS"
}

docs() {
    cmake --build --preset host --target docs
}

step format check_format
step host preset_tests host
step asan preset_tests asan
step tsan preset_tests tsan
step clang preset_tests clang
step alone libs_alone
step shared shared
step release release
step riscv64 cross riscv64
step riscv64-lp64d cross riscv64-lp64d  # quickstart-kernel links in riscv64*, x86_64
step x86_64 cross x86_64
step i386 cross i386
step aarch64 cross aarch64
step riscv64-sync-debug-up sync_debug_up riscv64
step i386-sync-debug-up sync_debug_up i386
step docs docs

steps_summary
