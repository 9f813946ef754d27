#!/bin/sh
# run.sh: one case of the sfsck regression suite (e2fsprogs style).
#
#   run.sh GEN SFSCK SFS SRCDIR WORKDIR CASE [bless]
#
# Builds the damaged image of CASE with GEN, then checks:
#   - `sfsck -y image` prints SRCDIR/CASE/expect.1 (its last line is
#     "Exit status is N");
#   - the read-only `sfsck image` run before it predicted the same lines
#     (without " (fixed)") and exited 4 (0 when expect.1 says clean);
#   - a second `sfsck image` prints SRCDIR/CASE/expect.2 (exit 0, except the
#     unrecoverable classes of docs/sfs.md);
#   - after a clean second pass, `sfs ls -R`-style walks work: `sfs ls image /`.
# "bless" rewrites the expect files from the current output instead.
set -u
GEN=$1 SFSCK=$2 SFS=$3 SRC=$4 WORK=$5 CASE=$6 BLESS=${7:-}
D=$WORK/$CASE
rm -rf "$D" && mkdir -p "$D" && cd "$D" || exit 1
fail() { echo "sfsck-case $CASE: FAIL: $*"; exit 1; }
"$GEN" "$CASE" image || fail "generator"
"$SFSCK" image > out.0 2> err.0; rc0=$?
"$SFSCK" -y image > out.1 2> err.1; rc1=$?
echo "Exit status is $rc1" >> out.1
"$SFSCK" image > out.2; rc2=$?
echo "Exit status is $rc2" >> out.2
if [ "$BLESS" = bless ]; then
    mkdir -p "$SRC/$CASE"
    cp out.1 "$SRC/$CASE/expect.1"
    cp out.2 "$SRC/$CASE/expect.2"
fi
diff -u "$SRC/$CASE/expect.1" out.1 || fail "pass 1 (sfsck -y) differs from expect.1"
diff -u "$SRC/$CASE/expect.2" out.2 || fail "pass 2 differs from expect.2"
# the read-only run predicts -y: same lines, exit 4 when anything was found
sed -e 's/ (fixed)$//' -e '$d' out.1 > want.0
diff -u want.0 out.0 || fail "read-only run does not predict sfsck -y"
# (8: not an SFS image at all, an operational error: both runs refuse it)
case $rc1 in 0 | 8) want=$rc1 ;; *) want=4 ;; esac
[ $rc0 = $want ] || fail "read-only exit $rc0, want $want"
# pass 2 clean, unless every remaining finding is an unrecoverable one
if [ $rc2 = 8 ]; then
    grep -q "not an SFS image" err.1 || fail "exit 8 without 'not an SFS image'"
elif [ $rc2 != 0 ]; then
    grep -v "(cannot repair)" out.2 | grep -qv "^Exit status" &&
        fail "pass 2 not clean and not an unrecoverable class"
else
    "$SFS" ls image / > ls.out || fail "sfs ls after repair"
fi
exit 0
