#!/bin/sh
# hostile.sh GEN SFS SFS_FUSE WORKDIR: the tools on hostile names and sizes.
#   - `sfs ls`/`stat` escape names that would fake lines or drive a terminal;
#   - `sfs extract` reports every entry it skips (an extra "." naming a
#     file, a name holding '/') and exits non-zero, writing only below DIR;
#   - `extract` and `cat` write a 4 GiB - 1 sparse file as holes;
#   - `cat` of a file whose indirect block lists itself fails (corrupt);
#   - sfs-fuse hides an entry named "a/b" instead of failing the directory
#     (this part is skipped where FUSE cannot mount).
set -u
GEN=$1 SFS=$2 FUSE=$3 W=$4
fail() { echo "hostile: FAIL: $*"; [ -n "${PID:-}" ] && fusermount3 -u "$W/mnt" 2>/dev/null; exit 1; }
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
ESC=$(printf '\033')

"$GEN" hostile_names names.img || fail "gen"
"$SFS" ls names.img / > ls.out || fail "ls"
[ "$(wc -l < ls.out)" = 6 ] || fail "ls: a name faked a line: $(cat ls.out)"
grep -q 'x\\012f 99 1 0 faked' ls.out || fail "ls: newline not escaped: $(cat ls.out)"
"$SFS" ls names.img /d > lsd.out || fail "ls /d"
grep -q "$ESC" lsd.out && fail "ls: raw ESC in the listing"
grep -q '\\033\[31mred\\\\' lsd.out || fail "ls: ESC not escaped: $(cat lsd.out)"
"$SFS" stat names.img "$(printf '/d/\033[31mred\\')" > st.out || fail "stat"
grep -q "$ESC" st.out && fail "stat: raw ESC"
grep -q '^path: /d/\\033\[31mred\\\\$' st.out || fail "stat: path not escaped: $(cat st.out)"

"$GEN" extra_dot_and_slash dot.img || fail "gen"
mkdir out && touch out.sentinel
"$SFS" extract dot.img out/x 2> ex.err; rc=$?
[ $rc != 0 ] || fail "extract with skipped entries exited 0"
grep -q "skipping entry '\.' (inode" ex.err || fail "extract: extra '.' not reported: $(cat ex.err)"
grep -q "skipping entry 'a/b'" ex.err || fail "extract: 'a/b' not reported: $(cat ex.err)"
[ "$(ls -A . | tr '\n' ' ')" = "dot.img ex.err ls.out lsd.out names.img out out.sentinel st.out " ] ||
    fail "extract wrote outside its directory: $(ls -A .)"
[ "$(cat out/x/a)" = aa ] || fail "extract: a"

"$GEN" sparse_4g sparse.img || fail "gen"
"$SFS" extract sparse.img sx || fail "extract sparse"
[ "$(stat -c %s sx/sp)" = 4294967295 ] || fail "extract: sparse size $(stat -c %s sx/sp)"
kb=$(du -k sx/sp | cut -f1)
[ "$kb" -lt 1024 ] || fail "extract: the sparse file takes $kb KiB"
"$SFS" cat sparse.img sp > cat.out || fail "cat sparse"
[ "$(stat -c %s cat.out)" = 4294967295 ] || fail "cat: sparse size"
kb=$(du -k cat.out | cut -f1)
[ "$kb" -lt 1024 ] || fail "cat: the sparse file takes $kb KiB"
cmp -s -n 6291456 cat.out sx/sp || fail "cat and extract differ"
[ "$(od -An -c -j 5242880 -N 1 cat.out | tr -d " ")" = s ] || fail "cat: data after the hole"
rm -f cat.out sx/sp

"$GEN" xlink_leaf_is_own_indirect self.img || fail "gen"
"$SFS" cat self.img big > self.out 2> self.err && fail "cat returned an indirect block as data"
grep -qi "corrupt\|needs cleaning" self.err || fail "cat: no corruption reported: $(cat self.err)"

# sfs-fuse: the entry "a/b" is hidden, the directory stays readable
[ -x "$FUSE" ] && [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1 || {
    echo "hostile: sfs-fuse part skipped (no FUSE here)"; exit 0; }
mkdir mnt
"$FUSE" -r dot.img mnt -f > fuse.log 2>&1 &
PID=$!
i=0
until grep -q " $W/mnt fuse" /proc/mounts; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 $PID 2>/dev/null; then
        kill $PID 2>/dev/null; wait $PID 2>/dev/null
        echo "hostile: sfs-fuse part skipped (mount refused)"; exit 0
    fi
    sleep 0.1
done
ls mnt/d > fls.out 2> fls.err || fail "fuse: ls of a directory holding 'a/b' failed: $(cat fls.err)"
[ "$(tr '\n' ' ' < fls.out)" = "h s " ] || fail "fuse: listing $(cat fls.out)"
ls mnt/d > /dev/null
fusermount3 -u mnt
wait $PID
[ "$(grep -c "hiding entry 'a/b'" fuse.log)" = 1 ] || fail "fuse: not logged once: $(cat fuse.log)"
exit 0
