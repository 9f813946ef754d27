#!/usr/bin/env bash
# demo-read-ratio: the -smp 2 disk-read stall (issue 15) stays fixed.
# Boots the demo kernel twice in the same run, -smp 1 and -smp 2, each
# running /tests/fileperf.sh (filetest three times), and compares the median
# file-read and file-read-fragmented figures of each boot: the test fails if
# a -smp 2 figure is below a tenth of its -smp 1 figure. A ratio, not a
# time: both boots see the same host. (Before the fix a 64 KiB read on
# -smp 2 waited about one timer tick: a twentieth of -smp 1 and less.)
# Usage: read_ratio.sh WORKDIR RUN.SH-COMMAND...
set -uo pipefail
work=$1
shift
mkdir -p "$work"
median() { # median FIGURE LOG: the median value of FIGURE in LOG (0 if none)
  grep -Eo "^$1: [0-9]+" "$2" | awk '{ print $2 }' | sort -n |
    awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}
for smp in 1 2; do
  log="$work/smp$smp.log"
  if ! "$@" --build-dir "$work/smp$smp" --smp "$smp" --test /tests/fileperf.sh >"$log" 2>&1; then
    tail -20 "$log"
    echo "read-ratio: the -smp $smp boot failed (log: $log)"
    exit 1
  fi
done
rc=0
for fig in file-read.throughput file-read-fragmented.throughput; do
  one=$(median "$fig" "$work/smp1.log")
  two=$(median "$fig" "$work/smp2.log")
  echo "read-ratio: $fig (median of 3) smp1 $one KiB/s, smp2 $two KiB/s"
  if [ "$one" -le 0 ] || [ "$two" -le 0 ]; then
    echo "read-ratio: FAIL: no $fig figure"
    rc=1
  elif [ $((two * 10)) -lt "$one" ]; then
    echo "read-ratio: FAIL: -smp 2 $fig is below a tenth of -smp 1"
    rc=1
  fi
done
exit $rc
