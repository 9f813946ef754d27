#!/usr/bin/env bash
# run.sh: build the kernkit demo kernel and its user programs, pack the
# programs into an SFS disk image with kernkit's mksfs and boot it all in
# qemu-system-riscv64 -machine virt -bios default (disk on virtio-blk).
#
#   run.sh                       interactive shell (quit: type exit, or Ctrl-A X);
#                                its disk (build/demo/persist.img) is kept between
#                                runs, rebuilt only when the programs or rootfs/
#                                change, or with --fresh
#   run.sh --test [SCRIPT]       run SCRIPT (default /tests/all.sh) and power
#                                off; exits with the guest's status; checks the
#                                image with sfsck afterwards
# Options: --smp N (default 2)  --sched fair|stride  --mem SIZE (default 128M)
#          --image FILE  --keep-image (boot FILE as it is: a second boot)
#          --fresh (interactive: a new disk image even if the old one is current)
#          --modern (virtio-mmio version 2 instead of legacy)  --timeout S
#          --icount (guest time from the instruction count: CPU shares do not
#          depend on how busy the host is; used by the stride share test)
#          --build-dir DIR (default build/demo)  --no-build
#          --tools DIR (prebuilt mksfs/sfsck)  --kernel-build DIR (prebuilt
#          kernel.elf and user/): both imply no build of that part (ctest)
#          --blkcheck (the kernel checks its disk driver's batches at boot)
#          --expect REGEX (with --test: the guest's output must also match
#          this extended regular expression; may be repeated)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/examples/demo-kernel"
BUILD="$ROOT/build/demo"
SMP=2 MEM=128M SCHED="" TEST="" IMAGE="" KEEP=0 MODERN=0 TIMEOUT=300 DOBUILD=1
TOOLS="" KBUILD="" ICOUNT=0 BLKCHECK=0 FRESH=0
EXPECT=()
while [ $# -gt 0 ]; do
  case "$1" in
    --test) TEST=/tests/all.sh
            if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then TEST=$2; shift; fi ;;
    --smp) SMP=$2; shift ;;
    --sched) SCHED=$2; shift ;;
    --mem) MEM=$2; shift ;;
    --image) IMAGE=$2; shift ;;
    --keep-image) KEEP=1 ;;
    --fresh) FRESH=1 ;;
    --modern) MODERN=1 ;;
    --icount) ICOUNT=1 ;;
    --blkcheck) BLKCHECK=1 ;;
    --timeout) TIMEOUT=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --no-build) DOBUILD=0 ;;
    --tools) TOOLS=$2; shift ;;
    --kernel-build) KBUILD=$2; shift ;;
    --expect) EXPECT+=("$2"); shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# --test boots a fresh image each time; the interactive shell keeps its own.
if [ -n "$TEST" ]; then IMAGE=${IMAGE:-$BUILD/disk.img}; else IMAGE=${IMAGE:-$BUILD/persist.img}; fi
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -gt 2 ] && JOBS=2
log() { printf 'run.sh: %s\n' "$*" >&2; }

if [ "$DOBUILD" = 1 ] && [ -z "$TOOLS" ]; then
  log "building the host tools (mksfs, sfsck)"
  cmake -S "$ROOT" -B "$BUILD/host" -DCMAKE_BUILD_TYPE=Release -DKERNKIT_TESTS=OFF \
        -DKERNKIT_DOCS=OFF >/dev/null
  cmake --build "$BUILD/host" -j "$JOBS" --target mksfs sfsck >/dev/null
fi
if [ "$DOBUILD" = 1 ] && [ -z "$KBUILD" ]; then
  log "building the kernel and user programs (riscv64)"
  cmake -S "$HERE" -B "$BUILD/kernel" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/riscv64-elf.cmake" \
        >/dev/null
  cmake --build "$BUILD/kernel" -j "$JOBS" >/dev/null
fi
TOOLS=${TOOLS:-$BUILD/host/tools}
KBUILD=${KBUILD:-$BUILD/kernel}
MKSFS="$TOOLS/mksfs"
SFSCK="$TOOLS/sfsck"
KERNEL="$KBUILD/kernel.elf"
[ -x "$MKSFS" ] || { log "no mksfs at $MKSFS (kernkit::sfs not in this tree?)"; exit 2; }
[ -f "$KERNEL" ] || { log "no kernel at $KERNEL"; exit 2; }

# What the image is made from: the programs and rootfs/ (their checksum).
STAMP=$( { for p in "$KBUILD/user/"*; do [ -f "$p" ] && [ -x "$p" ] && cat "$p"; done
           find "$HERE/rootfs" -type f | sort | xargs cat; } | cksum)
if [ -z "$TEST" ] && [ "$KEEP" = 0 ] && [ "$FRESH" = 0 ] && [ -f "$IMAGE" ] &&
   [ "$(cat "$IMAGE.stamp" 2>/dev/null)" = "$STAMP" ]; then
  KEEP=1
  log "keeping $IMAGE (files written last time are there; --fresh for a new one)"
fi
if [ "$KEEP" = 0 ] || [ ! -f "$IMAGE" ]; then
  STAGE="$BUILD/rootfs"
  rm -rf "$STAGE"
  mkdir -p "$STAGE/bin"
  mkdir -p "$(dirname "$IMAGE")"
  # Only the user programs (executables), not the build files beside them.
  for p in "$KBUILD/user/"*; do [ -f "$p" ] && [ -x "$p" ] && cp "$p" "$STAGE/bin/"; done
  cp -r "$HERE/rootfs/." "$STAGE/"
  rm -f "$IMAGE"
  "$MKSFS" -s 32M -i "kernkit demo" "$IMAGE" "$STAGE" >/dev/null
  echo "$STAMP" > "$IMAGE.stamp"
  log "disk image $IMAGE ($(du -h "$IMAGE" | cut -f1)) from $STAGE"
fi

ARGS=""
[ -n "$SCHED" ] && ARGS="sched=$SCHED"
[ "$BLKCHECK" = 1 ] && ARGS="$ARGS blkcheck"
[ -n "$TEST" ] && ARGS="$ARGS -- $TEST"
QEMU=(qemu-system-riscv64 -machine virt -bios default -m "$MEM" -smp "$SMP" -no-reboot
      -kernel "$KERNEL" -append "$ARGS"
      -drive "file=$IMAGE,if=none,format=raw,id=disk0"
      -device virtio-blk-device,drive=disk0)
[ "$MODERN" = 1 ] && QEMU+=(-global virtio-mmio.force-legacy=false)
[ "$ICOUNT" = 1 ] && QEMU+=(-icount shift=3,sleep=off)

if [ -z "$TEST" ]; then
  log "booting (type 'exit' in the shell to power off, or Ctrl-A X to quit QEMU)"
  exec "${QEMU[@]}" -nographic
fi

log "booting: $TEST, smp $SMP${SCHED:+, sched $SCHED}"
OUT="$IMAGE.log"
set +e
timeout "$TIMEOUT" "${QEMU[@]}" -display none -serial stdio -monitor none </dev/null | tee "$OUT"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" = 124 ]; then
  log "FAIL: timed out after ${TIMEOUT}s"
  exit 124
fi
if [ "$rc" = 0 ] && ! grep -q "KK-DEMO-PASS" "$OUT"; then
  log "FAIL: exit status 0 but no KK-DEMO-PASS marker from the guest"
  rc=1
fi
for re in ${EXPECT[@]+"${EXPECT[@]}"}; do
  if [ "$rc" = 0 ] && ! grep -Eq -- "$re" "$OUT"; then
    log "FAIL: the guest's output does not match '$re'"
    rc=1
  fi
done
if [ -x "$SFSCK" ]; then
  if "$SFSCK" "$IMAGE"; then
    log "sfsck: $IMAGE is clean"
  else
    log "FAIL: sfsck found problems in $IMAGE"
    [ "$rc" = 0 ] && rc=4
  fi
fi
log "guest exit status $rc"
exit "$rc"
