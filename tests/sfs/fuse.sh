#!/bin/sh
# fuse.sh SFS_FUSE MKSFS SFSCK SFS WORKDIR: mount an image with sfs-fuse and
# use it through the kernel (every FUSE operation sfs-fuse implements), then
# unmount and check the image with sfsck and the sfs tool. Exits 77 (ctest
# SKIP_RETURN_CODE) when FUSE cannot be used here (no /dev/fuse, no
# fusermount3, or the mount is refused, as in many containers), or when
# KK_TEST_NO_FUSE is set (.ci/masked.sh).
set -u
FUSE=$1 MKSFS=$2 SFSCK=$3 SFS=$4 W=$5
. "$(dirname "$0")/fuse-mount.sh"
fuse_usable
rm -rf "$W" && mkdir -p "$W/src/sub" "$W/mnt" || exit 1
M=$W/mnt IMG=$W/img
printf 'hello\n' > "$W/src/hello"
printf 'deep\n' > "$W/src/sub/deep"
"$MKSFS" -s 8M "$IMG" "$W/src" || fail "mksfs"
fuse_mount "$FUSE" "$IMG" "$M" "$W/fuse.log"
# read, lookup, readdir
[ "$(cat "$M/hello")" = hello ] || fail "read"
[ "$(cat "$M/sub/deep")" = deep ] || fail "lookup"
[ "$(ls "$M" | tr '\n' ' ')" = "hello sub " ] || fail "readdir: $(ls "$M")"
# create, write, append, truncate, fsync
printf 'abc' > "$M/new" && printf 'def' >> "$M/new" || fail "create/write"
[ "$(cat "$M/new")" = abcdef ] || fail "append"
truncate -s 2 "$M/new" && [ "$(cat "$M/new")" = ab ] || fail "truncate"
truncate -s 10000 "$M/new" && [ "$(stat -c %s "$M/new")" = 10000 ] || fail "extend"
# chmod/chown are accepted no-ops (SFS keeps no modes): cp -a into the mount works
chmod 0755 "$M/new" && chown "$(id -u):$(id -g)" "$M/new" || fail "chmod/chown not accepted"
cp -a "$W/src/sub" "$M/cpa" 2>"$W/cpa.err" && [ ! -s "$W/cpa.err" ] || fail "cp -a: $(cat "$W/cpa.err")"
dd if=/dev/urandom of="$W/rand" bs=4096 count=300 status=none
dd if="$W/rand" of="$M/rand" bs=65536 conv=fsync status=none || fail "fsync"
cmp "$W/rand" "$M/rand" || fail "big file"
# mkdir, link, symlink, readlink, rename, unlink, rmdir
mkdir "$M/d" && ln "$M/hello" "$M/d/hard" && ln -s ../hello "$M/d/sym" || fail "mkdir/link/symlink"
[ "$(stat -c %h "$M/hello")" = 2 ] || fail "nlink"
[ "$(readlink "$M/d/sym")" = ../hello ] && [ "$(cat "$M/d/sym")" = hello ] || fail "readlink"
mv "$M/d/hard" "$M/sub/moved" && [ "$(cat "$M/sub/moved")" = hello ] || fail "rename"
mv "$M/new" "$M/sub/deep" && [ "$(stat -c %s "$M/sub/deep")" = 10000 ] || fail "rename over"
rm "$M/d/sym" && rmdir "$M/d" && [ ! -e "$M/d" ] || fail "unlink/rmdir"
rmdir "$M/sub" 2>/dev/null && fail "rmdir of a non-empty directory"
for n in $(seq 1 300); do : > "$M/many$n" || fail "create $n"; done
[ "$(ls "$M" | grep -c many)" = 300 ] || fail "readdir across FUSE buffers"
rm "$M"/many* || fail "unlink many"
df "$M" > /dev/null || fail "statfs"
fusermount3 -u "$M" || fail "unmount"
wait $PID || fail "sfs-fuse exit status $?"
PID=
"$SFSCK" "$IMG" || fail "sfsck after unmount"
[ "$("$SFS" cat "$IMG" sub/moved)" = hello ] || fail "contents after unmount"
"$SFS" cat "$IMG" rand | cmp - "$W/rand" || fail "big file after unmount"
echo "fuse: ok"
