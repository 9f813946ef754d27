#!/usr/bin/env bash
# The README's test command body: every host preset built and tested, every
# cross preset built with check-freestanding, formatting and docs checked.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
step() { printf '\n=== %s ===\n' "$*"; }

step "format"
git ls-files -- '*.c' '*.h' | xargs -r clang-format --dry-run -Werror

for p in host asan tsan clang; do
  step "preset $p"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$JOBS"
  ctest --preset "$p"
done

step "each library alone (-DKERNKIT_LIBS=...), with its tests, host"
for libs in buddy pagetable sched sync trapframe vfs "vfs;sfs"; do
  dir="build/alone-${libs//;/-}"
  cmake -S . -B "$dir" -DKERNKIT_LIBS="$libs" -DKERNKIT_DOCS=OFF >/dev/null
  cmake --build "$dir" -j "$JOBS" >/dev/null
  echo "built alone: $libs"
done

step "shared libraries (BUILD_SHARED_LIBS=ON): build and install-consumer"
cmake -S . -B build/shared -DBUILD_SHARED_LIBS=ON -DKERNKIT_DOCS=OFF >/dev/null
cmake --build build/shared -j "$JOBS" >/dev/null
(cd build/shared && ctest --output-on-failure -R 'install-consumer|^base$')

step "preset release (benchmarks build)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$JOBS"

for p in riscv64 riscv64-lp64d x86_64 i386 aarch64; do  # quickstart-kernel links in riscv64*, x86_64
  step "preset $p (freestanding)"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$JOBS"
  cmake --build --preset "$p" --target check-freestanding
done

for p in riscv64 i386; do
  step "preset $p, sync debug + uniprocessor build (freestanding)"
  cmake --preset "$p" -B "build/$p-sync-debug-up" -DKERNKIT_LIBS=sync \
        -DKERNKIT_SYNC_DEBUG=ON -DKERNKIT_SYNC_UP=ON >/dev/null
  cmake --build "build/$p-sync-debug-up" -j "$JOBS"
done

step "docs"
cmake --build --preset host --target docs

echo
echo "kernkit: all checks passed"
