#!/bin/sh
# roundtrip.sh MKSFS SFSCK SFS WORKDIR
# mksfs -> sfsck -> sfs (library, via VFS) changes -> sfsck -> sfs extract must
# equal the source tree (contents, types, link targets, hard links); plus the
# tools' error paths, exit codes and determinism.
set -eu
MKSFS=$1 SFSCK=$2 SFS=$3 W=$4
fail() { echo "roundtrip: FAIL: $*" >&2; exit 1; }
rm -rf "$W" && mkdir -p "$W/src/dir/sub" "$W/src/empty"
cd "$W"
printf 'hello\n' > src/hello.txt
: > src/zero
head -c 70000 /dev/urandom > src/dir/mid.bin          # indirect blocks
head -c 4300000 /dev/urandom > src/dir/sub/big.bin    # double-indirect blocks
printf 'x' > src/.hidden
ln -s hello.txt src/link
ln -s ../../nowhere src/dir/dangling
ln src/hello.txt src/dir/hard
mkfifo src/fifo

# uCore's invocation: the image exists, its size is used
dd if=/dev/zero of=u.img bs=4096 count=2000 2>/dev/null
"$MKSFS" u.img src 2> warn.txt || fail "mksfs on an existing image"
grep -q "skipping special file" warn.txt || fail "no warning for the FIFO"
[ "$(stat -c %s u.img)" = $((2000 * 4096)) ] || fail "existing image size changed"
"$SFSCK" u.img || fail "sfsck not clean on a fresh image"

# --size auto, determinism
"$MKSFS" -s auto a.img src 2>/dev/null
"$MKSFS" -s auto b.img src 2>/dev/null
cmp -s a.img b.img || fail "same tree, different image bytes"

# extract equals the source (without the FIFO)
"$SFS" extract u.img out
rm src/fifo
diff -r --no-dereference src out || fail "extracted tree differs"
[ "$(stat -c %i out/hello.txt)" = "$(stat -c %i out/dir/hard)" ] || fail "hard link lost"
[ "$(readlink out/dir/dangling)" = "../../nowhere" ] || fail "symlink target lost"
"$SFS" ls u.img | grep -q '^l .* link -> hello.txt$' || fail "ls output"
[ "$("$SFS" cat u.img dir/hard)" = "hello" ] || fail "cat through hard link"
"$SFS" stat u.img dir/sub/big.bin | grep -q '^size: 4300000$' || fail "stat size"

# changes through the library keep the image clean
"$SFS" mkdir u.img newdir
"$SFS" put u.img src/dir/mid.bin newdir/copy
"$SFS" rm u.img dir/sub/big.bin
"$SFS" rm u.img empty
"$SFS" rm u.img dir && fail "rm of a non-empty directory succeeded"
"$SFSCK" u.img || fail "sfsck not clean after sfs put/rm/mkdir"
"$SFS" cat u.img newdir/copy | cmp -s - src/dir/mid.bin || fail "put/cat mismatch"

# bad input: one-line errors, non-zero exits
# (host file systems cannot hold a 256-byte name, so that check is not reachable here)
"$MKSFS" -s 1M l.img nonexistent-dir 2> err.txt && fail "mksfs accepted a missing tree"
[ "$(wc -l < err.txt)" = 1 ] || fail "missing-tree error is not one line"
"$MKSFS" -s 64K s.img src 2> err.txt && fail "mksfs accepted a too small image"
grep -q "too small.*needs at least" err.txt || fail "too-small error does not say the need"
"$SFS" cat u.img nope 2>/dev/null && fail "cat of a missing file succeeded"
head -c 8192 /dev/zero > junk.img
"$SFS" ls junk.img 2>/dev/null && fail "ls of a junk image succeeded"
"$MKSFS" -s -1 n.img src 2> err.txt && fail "mksfs accepted a negative size"
grep -q "bad size" err.txt || fail "negative size: no 'bad size' error"
"$MKSFS" -s 17179869184G n.img src 2> err.txt && fail "mksfs accepted a size that wraps"
grep -q "bad size" err.txt || fail "wrapping size: no 'bad size' error"
[ -e n.img ] && fail "mksfs created an image after a bad size"
: > empty.img
head -c 100 /dev/zero > part.img
for img in empty.img part.img /dev/null; do
    "$SFS" ls "$img" 2> err.txt && fail "sfs ls $img succeeded"
    [ "$(wc -l < err.txt)" = 1 ] || fail "sfs ls $img: error is not one line"
    grep -q "too small\|not a regular file" err.txt || fail "sfs ls $img: no reason: $(cat err.txt)"
done
# an image inside the source tree is not copied into itself
mkdir selfsrc && printf 'a\n' > selfsrc/a
"$MKSFS" -s auto selfsrc/self.img selfsrc 2> err.txt || fail "mksfs with the image inside DIR"
grep -q "skipping the image itself" err.txt || fail "no warning for the image inside DIR"
"$SFS" ls selfsrc/self.img | grep -q self.img && fail "the image was copied into itself"
"$MKSFS" selfsrc/self.img selfsrc 2>/dev/null || fail "mksfs on an existing image inside DIR"
"$SFS" ls selfsrc/self.img | grep -q self.img && fail "the existing image was copied into itself"

# put: a directory source is refused before anything is created; a put that
# runs out of space leaves no partial file
cp u.img p.img
"$SFS" put p.img src pdir 2> err.txt && fail "put of a directory succeeded"
grep -q "not a regular file" err.txt || fail "put of a directory: no reason"
"$SFS" ls p.img pdir 2>/dev/null && fail "put of a directory left a file"
head -c $((2000 * 4096)) /dev/zero > toobig
"$SFS" put p.img toobig big 2> err.txt && fail "put larger than the image succeeded"
grep -qi "no space" err.txt || fail "put too big: no reason"
"$SFS" ls p.img big 2>/dev/null && fail "failed put left a partial file"
"$SFSCK" p.img || fail "sfsck not clean after failed puts"
# put over an existing file: a copy that runs out of space leaves the old file
# whole and no temporary name behind; a good one replaces it, again and again
"$SFS" put p.img toobig dir/mid.bin 2> err.txt && fail "put over a file: too big succeeded"
grep -qi "no space" err.txt || fail "put over a file: no reason"
"$SFS" cat p.img dir/mid.bin | cmp -s - src/dir/mid.bin || fail "failed put changed the old file"
"$SFS" ls p.img dir | grep -q '\.tmp$' && fail "failed put left its temporary file"
"$SFSCK" p.img || fail "sfsck not clean after a failed put over a file"
head -c 3000000 /dev/urandom > three.bin
for i in 1 2 3 4 5 6; do
    "$SFS" put p.img three.bin dir/mid.bin || fail "put over a file, round $i"
done
"$SFS" cat p.img dir/mid.bin | cmp -s - three.bin || fail "put over a file: wrong contents"
"$SFSCK" p.img || fail "sfsck not clean after puts over a file"
set +e
for img in empty.img part.img /dev/null; do
    "$SFSCK" "$img" 2> err.txt >/dev/null; [ $? = 8 ] || fail "sfsck $img: want exit 8"
    grep -q "too small\|not a regular file" err.txt || fail "sfsck $img: no reason: $(cat err.txt)"
done
"$SFSCK" junk.img >/dev/null; [ $? = 8 ] || fail "sfsck junk (non-SFS) image: want exit 8"
"$SFSCK" /nonexistent.img 2>/dev/null; [ $? = 8 ] || fail "sfsck missing image: want exit 8"
# damage unused_blocks: 4 without -y, 1 with -y, then 0
cp u.img d.img
printf '\001' | dd of=d.img bs=1 seek=8 conv=notrunc 2>/dev/null
"$SFSCK" d.img >/dev/null; [ $? = 4 ] || fail "sfsck damaged: want 4"
"$SFSCK" -y d.img >/dev/null; [ $? = 1 ] || fail "sfsck -y damaged: want 1"
# a superblock block count too small for the layout is rebuilt from the device size
cp u.img z.img
printf '\001\000\000\000' | dd of=z.img bs=1 seek=4 conv=notrunc 2>/dev/null
"$SFSCK" z.img > out.txt; [ $? = 4 ] || fail "sfsck 1-block superblock: want 4"
grep -q "count set from the device size" out.txt || fail "1-block superblock: reason: $(cat out.txt)"
"$SFSCK" -y z.img > /dev/null; [ $? = 1 ] || fail "sfsck -y 1-block superblock: want 1"
"$SFSCK" z.img; [ $? = 0 ] || fail "sfsck after count rebuild: want 0"
"$SFSCK" d.img; [ $? = 0 ] || fail "sfsck after repair: want 0"
set -e

# extract into a tree that exists: an error per entry by default, replaced
# with --force, kept with --skip-existing (and said once)
cp u.img x.img
rm -rf xo && "$SFS" extract x.img xo
echo changed > xo/dir/mid.bin
"$SFS" extract x.img xo 2> err.txt && fail "extract over an existing tree succeeded"
grep -q "File exists" err.txt || fail "extract over a tree: no reason"
"$SFS" extract x.img xo --skip-existing 2> err.txt || fail "extract --skip-existing"
grep -q "kept (--skip-existing)" err.txt || fail "--skip-existing: no summary"
[ "$(cat xo/dir/mid.bin)" = changed ] || fail "--skip-existing replaced a file"
"$SFS" extract x.img xo --force || fail "extract --force"
cmp -s xo/dir/mid.bin src/dir/mid.bin || fail "--force kept the old file"
# put into a directory keeps the host file's base name
printf 'into\n' > into.txt
"$SFS" put x.img into.txt dir/ || fail "put into dir/"
"$SFS" put x.img into.txt /dir || fail "put into /dir"
[ "$("$SFS" cat x.img dir/into.txt)" = into ] || fail "put into a directory: wrong name"
"$SFS" ls x.img / | grep -q ' dir$' || fail "put into /dir replaced the directory"
"$SFSCK" x.img || fail "sfsck after extract/put into a directory"

# backends: the pread fallback is chosen on request and reported
KK_HOSTBLK_BACKEND=pread "$SFS" -v ls u.img 2>&1 >/dev/null | grep -q "backend pread" ||
    fail "--verbose does not report the pread backend"
"$SFS" --pread -v ls u.img 2>&1 >/dev/null | grep -q "backend pread" || fail "--pread"

# a free map that marks live blocks free (consistent count): writes are refused
# with a line naming sfsck -y, the old file stays intact, sfsck -y repairs
mkdir -p lie.d && head -c 100000 /dev/urandom > lie.d/f
"$MKSFS" -s 4M lie.img lie.d > /dev/null
python3 - lie.img <<'PY' || fail "lying map: python3"
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
blocks = struct.unpack_from('<I', d, 4)[0]
for b in range(2 + (blocks + 32767) // 32768, blocks):
    d[8192 + b // 8] |= 1 << (b % 8)
struct.pack_into('<I', d, 8, sum(bin(x).count('1') for x in d[8192:8192 + (blocks + 7) // 8]))
open(p, 'wb').write(d)
PY
set +e
"$SFS" put lie.img lie.d/f g 2> out.txt; [ $? = 1 ] || fail "put on a lying map: want 1"
grep -q "sfsck -y" out.txt || fail "put on a lying map: message: $(cat out.txt)"
"$SFSCK" -y lie.img > /dev/null; [ $? = 1 ] || fail "sfsck -y lying map: want 1"
"$SFS" cat lie.img f > lie.out && cmp -s lie.d/f lie.out || fail "lying map: old file damaged"
"$SFS" put lie.img lie.d/f g || fail "put after repair"
"$SFSCK" lie.img > /dev/null || fail "sfsck after put on repaired map"
"$SFS" mkdir lie.img dd || fail "mkdir after repair"

# leaked blocks (marked used, unreachable: what a power cut leaves) and a stale
# free count do not refuse writes
"$MKSFS" -s 4M leak.img lie.d > /dev/null
python3 - leak.img <<'PY' || fail "leaked blocks: python3"
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
blocks = struct.unpack_from('<I', d, 4)[0]
for b in range(blocks - 50, blocks):
    d[8192 + b // 8] &= ~(1 << (b % 8)) & 0xff
open(p, 'wb').write(d)
PY
"$SFS" put leak.img lie.d/f g || fail "put on an image with leaked blocks"
"$SFS" mkdir leak.img dd || fail "mkdir on an image with leaked blocks"
"$SFSCK" -y leak.img > /dev/null; [ $? = 1 ] || fail "sfsck -y leaked blocks: want 1"
"$SFSCK" leak.img > /dev/null || fail "sfsck after -y on leaked blocks"
"$SFS" cat leak.img g | cmp -s - lie.d/f || fail "leaked blocks: new file damaged"

# bad blocks (KK_HOSTBLK_FAIL_BLOCK test hook): one line naming the block,
# non-zero exit, nothing synced before is lost
cp leak.img bad.img
KK_HOSTBLK_FAIL_BLOCK=1:r "$SFS" ls bad.img / > /dev/null 2> out.txt; [ $? = 1 ] || fail "bad read: want 1"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "reading block 1$" out.txt || fail "bad read: $(cat out.txt)"
KK_HOSTBLK_FAIL_BLOCK=2:w "$SFS" put bad.img lie.d/f h 2> out.txt; [ $? = 1 ] || fail "bad write: want 1"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "writing block 2$" out.txt || fail "bad write: $(cat out.txt)"
"$SFS" cat bad.img g | cmp -s - lie.d/f || fail "bad write: synced file damaged"
KK_HOSTBLK_FAIL_BLOCK=1:r "$SFSCK" bad.img > /dev/null 2> out.txt; [ $? = 8 ] || fail "sfsck bad read: want 8"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "reading block 1$" out.txt || fail "sfsck bad read: $(cat out.txt)"
KK_HOSTBLK_FAIL_BLOCK=0:r "$SFSCK" bad.img > /dev/null 2> out.txt; [ $? = 8 ] || fail "sfsck bad superblock read: want 8"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "Input/output error reading block 0$" out.txt || fail "sfsck bad superblock read: $(cat out.txt)"
KK_HOSTBLK_FAIL_BLOCK=5:w "$MKSFS" -s 4M bad2.img lie.d 2> out.txt; [ $? = 1 ] || fail "mksfs bad write: want 1"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "writing block 5$" out.txt || fail "mksfs bad write: $(cat out.txt)"
# a map marking the root inode free cannot be mounted: the line names sfsck -y
cp bad.img root.img
printf '\002' | dd of=root.img bs=1 seek=8192 conv=notrunc 2> /dev/null # block 1's bit (set = free)
"$SFS" put root.img lie.d/f h2 2> out.txt; [ $? = 1 ] || fail "root marked free: want 1"
[ "$(wc -l < out.txt)" = 1 ] && grep -q "run \`sfsck -y root.img\`" out.txt || fail "root marked free: $(cat out.txt)"
# a failed read is not damage: sfsck -y must not clear the entry naming it
ino=$("$SFS" ls bad.img / | awk '$5 == "g" { print $2 }')
cp bad.img bad3.img
KK_HOSTBLK_FAIL_BLOCK=$ino:r "$SFSCK" -y bad3.img > out.txt 2> err.txt; [ $? = 8 ] || fail "sfsck -y bad inode read: want 8"
[ "$(wc -l < err.txt)" = 1 ] && grep -q "reading block $ino$" err.txt || fail "sfsck -y bad inode read: $(cat err.txt)"
cmp -s bad.img bad3.img || fail "sfsck -y wrote repairs after a failed read: $(cat out.txt)"
"$SFSCK" -y bad.img > /dev/null; "$SFSCK" bad.img > /dev/null || fail "sfsck after bad blocks"
set -e
echo "roundtrip: ok"
