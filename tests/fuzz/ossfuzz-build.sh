#!/bin/sh
# ossfuzz-build.sh SRCDIR WORKDIR: run .clusterfuzzlite/build.sh as ClusterFuzzLite
# would (CC=clang, libFuzzer), offline, then run each fuzzer over its seed
# corpus (-runs=0: the seeds only, deterministic). Exits 77 when clang cannot link -fsanitize=fuzzer here.
set -u
S=$1 W=$2
rm -rf "$W" && mkdir -p "$W" || exit 1
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' > "$W/t.c"
clang -fsanitize=fuzzer "$W/t.c" -o "$W/t" 2>/dev/null || { echo "SKIP: clang -fsanitize=fuzzer unavailable"; exit 77; }
CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
    OUT="$W/out" SRC="$S" nice bash "$S/.clusterfuzzlite/build.sh" || { echo "FAIL: build.sh"; exit 1; }
for h in sfs-image sfs-vfs sfs-tools buddy pagetable; do
    [ -x "$W/out/fuzz-$h" ] || { echo "FAIL: no fuzz-$h"; exit 1; }
    mkdir -p "$W/c-$h"
    "$W/out/fuzz-$h" -runs=0 "$W/c-$h" "$S/tests/fuzz/corpus/${h%-image}" > "$W/$h.log" 2>&1 ||
        { echo "FAIL: fuzz-$h"; tail -20 "$W/$h.log"; exit 1; }
done
for d in sfs-image sfs-vfs sfs-tools; do [ -f "$W/out/fuzz-$d.dict" ] || { echo "FAIL: no SFS dictionary for fuzz-$d in OUT"; exit 1; }; done
echo "ok: $(ls "$W/out" | tr '\n' ' ')"
