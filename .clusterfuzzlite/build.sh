#!/bin/bash -eu
# build.sh: build kernkit's fuzz harnesses the OSS-Fuzz way. ClusterFuzzLite
# (and OSS-Fuzz) run it inside their base-builder image with $CC, $CFLAGS,
# $LIB_FUZZING_ENGINE, $SRC and $OUT set; locally (no network) it runs with
# defaults, e.g. ctest `fuzz-ossfuzz-build`:
#   CC=clang CFLAGS="-fsanitize=fuzzer-no-link,address" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out .clusterfuzzlite/build.sh
# Each harness goes to $OUT/<name> with its seed corpus ($OUT/<name>_seed_corpus.zip
# when zip is present, else a directory) and dictionary ($OUT/<name>.dict).
set -eu # also when run as `bash build.sh` (the shebang flags are then ignored)
SRCDIR=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$SRCDIR/sfs" ] || SRCDIR=$SRC/kernkit
CC=${CC:-clang}
CFLAGS=${CFLAGS:-"-fsanitize=fuzzer-no-link,address,undefined"}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
OUT=${OUT:?set OUT to the output directory}
WORK=${WORK:-$OUT/.work}
mkdir -p "$OUT" "$WORK"
S=$SRCDIR
# kernkit/config.h, as CMake would configure it (static build)
mkdir -p "$WORK/include/kernkit"
sed -e 's/@[A-Za-z_]*VERSION_MAJOR@/0/' -e 's/@[A-Za-z_]*VERSION_MINOR@/0/' \
    -e 's/@[A-Za-z_]*VERSION_PATCH@/0/' -e 's/"@[A-Za-z_]*VERSION@"/"0.0.0"/' \
    -e 's/@[A-Za-z_]*@/0/g' "$S/cmake/config.h.in" > "$WORK/include/kernkit/config.h"
INC="-I$WORK/include -I$S/include -I$S/base -I$S/base/internal -I$S/sfs -I$S/tests/sfs"
# the libraries the harnesses need, compiled once with the fuzzing flags
LIBSRC="$S/base/base.c $S/base/rbtree.c $S/vfs/vfs.c $S/sfs/sfs.c $S/sfs/io.c $S/sfs/cache.c
        $S/sfs/inode.c $S/sfs/dir.c $S/sfs/ops.c $S/sfs/fsck.c $S/sfs/verify.c $S/sfs/vfs_ops.c
        $S/tests/sfs/ramdev.c $S/tests/sfs/exercise.c"
objs=""
for f in $LIBSRC; do
    o=$WORK/$(basename "$(dirname "$f")")-$(basename "$f" .c).o
    $CC $CFLAGS $INC -std=c11 -D_GNU_SOURCE -c "$f" -o "$o"
    objs="$objs $o"
done
for h in sfs-image sfs-vfs sfs-tools buddy pagetable; do
    case $h in
    sfs-image | sfs-vfs) extra="$objs" ;;
    sfs-tools) extra="$objs $S/tools/sfs-cmd.c $S/tools/msg.c -I$S/tools" ;;
    buddy) extra="$S/buddy/*.c $S/base/base.c $S/base/rbtree.c" ;;
    pagetable) extra="$S/pagetable/*.c $S/base/base.c $S/base/rbtree.c $S/tests/pagetable/arena.c $S/tests/pagetable/ref_walk.c -I$S/tests/pagetable" ;;
    esac
    # shellcheck disable=SC2086
    $CC $CFLAGS $INC -I$S/$h -std=c11 -D_GNU_SOURCE "$S/tests/fuzz/fuzz-$h.c" $extra \
        $LIB_FUZZING_ENGINE -lpthread -o "$OUT/fuzz-$h"
    c=$S/tests/fuzz/corpus/${h%-image}
    if command -v zip >/dev/null 2>&1; then
        (cd "$c" && zip -q -r "$OUT/fuzz-${h}_seed_corpus.zip" .)
    else
        rm -rf "$OUT/fuzz-${h}_seed_corpus" && cp -r "$c" "$OUT/fuzz-${h}_seed_corpus"
    fi
    d=$S/tests/fuzz/${h%-*}.dict # sfs-image and sfs-vfs share sfs.dict
    if [ -f "$d" ]; then cp "$d" "$OUT/fuzz-$h.dict"; fi
done
rm -rf "$WORK"
