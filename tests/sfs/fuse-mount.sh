# fuse-mount.sh: sourced by the sfs-fuse test scripts. Defines skip, fail,
# fuse_usable (exits 77 when FUSE cannot be used here: KK_TEST_NO_FUSE set
# (.ci/masked.sh), no usable /dev/fuse or no fusermount3) and fuse_mount
# FUSE IMG MNT LOG (starts sfs-fuse in the foreground as $PID and waits for
# the mount, up to 30 s on a loaded machine; exits 77 when the mount is
# refused, as in many containers: sfs-fuse exits or never mounts).
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${PID:-}" ] && fusermount3 -u "$M" 2>/dev/null; exit 1; }
fuse_usable() {
    [ -z "${KK_TEST_NO_FUSE:-}" ] || skip "FUSE masked (KK_TEST_NO_FUSE)"
    [ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
    command -v fusermount3 >/dev/null 2>&1 || skip "no fusermount3"
}
fuse_mount() {
    "$1" "$2" "$3" -f > "$4" 2>&1 &
    PID=$!
    i=0
    until grep -q " $3 fuse" /proc/mounts; do
        i=$((i + 1))
        if [ $i -gt 300 ] || ! kill -0 $PID 2>/dev/null; then
            kill $PID 2>/dev/null; wait $PID 2>/dev/null
            skip "mount refused: $(head -c 200 "$4" | tr '\n' ' ')"
        fi
        sleep 0.1
    done
}
