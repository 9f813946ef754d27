#!/bin/sh
# blockdev.sh MKSFS SFSCK SFS WORKDIR
# The tools on a real block device (a loop device over a file): the size comes
# from the device, not from stat (which says 0 for block devices). Needs root
# and a free loop device; skipped (exit 77) otherwise, or when KK_TEST_NO_ROOT
# or KK_TEST_NO_LOOP is set (.ci/masked.sh).
set -eu
MKSFS=$1 SFSCK=$2 SFS=$3 W=$4
fail() { echo "blockdev: FAIL: $*" >&2; exit 1; }
[ -z "${KK_TEST_NO_ROOT:-}${KK_TEST_NO_LOOP:-}" ] || { echo "SKIP: root or loop devices masked (KK_TEST_NO_ROOT/KK_TEST_NO_LOOP)"; exit 77; }
[ "$(id -u)" = 0 ] && command -v losetup >/dev/null 2>&1 || { echo "SKIP: blockdev: needs root and losetup"; exit 77; }
rm -rf "$W" && mkdir -p "$W/src"
cd "$W"
printf 'on a block device\n' > src/hello
truncate -s 8M back.img
LOOP=$(losetup -f --show back.img 2>/dev/null) || { echo "SKIP: blockdev: no loop device could be set up"; exit 77; }
trap 'losetup -d "$LOOP"' EXIT
"$MKSFS" "$LOOP" src 2> err.txt || fail "mksfs on $LOOP: $(cat err.txt)"
"$SFSCK" "$LOOP" > out.txt 2>&1 || fail "sfsck on $LOOP: $(cat out.txt)"
[ "$("$SFS" cat "$LOOP" hello)" = "on a block device" ] || fail "sfs cat on $LOOP"
"$SFS" stat "$LOOP" / > /dev/null || fail "sfs stat on $LOOP"
# the whole device was used: 8 MiB = 2048 blocks in the superblock
blocks=$(od -An -tu4 -j4 -N4 back.img | tr -d ' ')
[ "$blocks" = 2048 ] || fail "superblock says $blocks blocks, want 2048"
"$MKSFS" -s 4M "$LOOP" src 2> err.txt || fail "mksfs -s 4M on $LOOP: $(cat err.txt)"
blocks=$(od -An -tu4 -j4 -N4 back.img | tr -d ' ')
[ "$blocks" = 1024 ] || fail "-s 4M: superblock says $blocks blocks, want 1024"
"$MKSFS" -s 16M "$LOOP" src 2> err.txt && fail "mksfs -s 16M on an 8M device succeeded"
grep -q "larger than the device" err.txt || fail "-s too big: no reason: $(cat err.txt)"
echo "blockdev: ok"
