#!/bin/bash
# headroom.sh TOOLDIR: mksfs -s auto --headroom sizes the image (ctest mksfs-headroom):
# 0 just fits (and checks clean), 100 doubles what the tree needs, bad values fail.
set -u
T=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/src"
for i in $(seq 1 40); do head -c $((i * 1000)) /dev/zero > "$W/src/f$i"; done
"$T/mksfs" -s auto --headroom 0 "$W/a.img" "$W/src" || { echo "FAIL: headroom 0"; exit 1; }
"$T/mksfs" -s auto --headroom 100 "$W/b.img" "$W/src" || { echo "FAIL: headroom 100"; exit 1; }
"$T/sfsck" "$W/a.img" >/dev/null || { echo "FAIL: headroom 0 image not clean"; exit 1; }
a=$(stat -c %s "$W/a.img") b=$(stat -c %s "$W/b.img")
# b = need*2 + 16 blocks, a = need + 16 blocks
need=$(( (a / 4096) - 16 ))
[ $(( b / 4096 )) -eq $(( need * 2 + 16 )) ] || { echo "FAIL: sizes $a / $b"; exit 1; }
if "$T/mksfs" -s auto --headroom -5 "$W/c.img" "$W/src" 2>/dev/null; then
  echo "FAIL: negative headroom accepted"; exit 1
fi
echo "PASS: the tree needs $need blocks; headroom 0 -> $a bytes, 100 -> $b bytes"
