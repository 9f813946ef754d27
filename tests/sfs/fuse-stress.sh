#!/bin/sh
# fuse-stress.sh SFS_FUSE MKSFS SFSCK WORKDIR: mount a fresh image with
# sfs-fuse and load it through the kernel: fio with verification (sequential,
# random, O_DIRECT where the mount accepts it, several jobs) and stress-ng's
# file-system stressors with --verify, each for a bounded short time; then
# unmount and require sfsck to be clean. Exits 77 (ctest SKIP_RETURN_CODE)
# without FUSE (see fuse-mount.sh), fio or stress-ng. KK_STRESS_SECS sets the
# seconds per stressor (default 1).
set -u
FUSE=$1 MKSFS=$2 SFSCK=$3 W=$4
. "$(dirname "$0")/fuse-mount.sh"
fuse_usable
command -v fio >/dev/null 2>&1 || skip "no fio"
command -v stress-ng >/dev/null 2>&1 || skip "no stress-ng"
T=${KK_STRESS_SECS:-1}
rm -rf "$W" && mkdir -p "$W/src" "$W/mnt" || exit 1
M=$W/mnt IMG=$W/img
"$MKSFS" -s 64M "$IMG" "$W/src" > /dev/null || fail "mksfs"
fuse_mount "$FUSE" "$IMG" "$M" "$W/fuse.log"

# fio: write then read back and verify every block (crc32c), 2 jobs each.
fio_run() { # NAME fio-options...
    n=$1; shift
    mkdir -p "$M/$n" || fail "mkdir $n"
    fio --name="$n" --directory="$M/$n" --ioengine=psync --size=2m \
        --numjobs=2 --verify=crc32c --verify_fatal=1 --do_verify=1 --verify_state_save=0 \
        --output="$W/fio-$n.log" "$@" || fail "fio $n: $(grep -i -m3 -e err -e verify "$W/fio-$n.log")"
    rm -rf "${M:?}/$n" || fail "rm $n"
}
fio_run seq --rw=write --bs=64k
fio_run rand --rw=randwrite --bs=4k
fio_run randmix --rw=randrw --bs=16k --verify=sha1
# O_DIRECT: only where the mount accepts an O_DIRECT open.
if dd if=/dev/zero of="$M/odirect" bs=4096 count=1 oflag=direct status=none 2>/dev/null; then
    rm -f "$M/odirect"
    fio_run direct --rw=randwrite --bs=4k --direct=1
else
    rm -f "$M/odirect"
    echo "note: O_DIRECT refused by the mount, fio direct job skipped"
fi

# stress-ng: one stressor at a time, so a failure names its stressor.
mkdir -p "$M/sng" || fail "mkdir sng"
for s in hdd filename dir dentry rename link symlink seek io sync-file getdent; do
    extra=
    case $s in
    hdd) extra="--hdd-bytes 1m --hdd-write-size 16k" ;;
    seek) extra="--seek-size 1m" ;;
    sync-file) extra="--sync-file-bytes 1m" ;;
    esac
    # shellcheck disable=SC2086
    stress-ng --$s 1 $extra --verify --timeout "${T}s" --temp-path "$M/sng" \
        --metrics-brief > "$W/sng-$s.log" 2>&1 ||
        fail "stress-ng --$s: $(grep -m3 -i -e fail -e error -e incorrect "$W/sng-$s.log")"
done
df "$M" > "$W/df.log" || fail "statfs"
fusermount3 -u "$M" || fail "unmount"
wait $PID || fail "sfs-fuse exit status $?"
PID=
"$SFSCK" "$IMG" > "$W/sfsck.log" 2>&1 || fail "sfsck after unmount: $(head -3 "$W/sfsck.log")"
echo "fuse-stress: ok"
