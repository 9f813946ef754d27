#!/bin/bash
# help-version.sh TOOLDIR TOOL...: each tool's --help and --version exit 0 on
# stdout; --help names every long option the tool's source accepts (ctest tools-help).
set -u
dir=$1
shift
fail=0
for t in "$@"; do
  out=$("$dir/$t" --help) || { echo "FAIL: $t --help exits $?"; fail=1; continue; }
  case "$out" in Usage:*) ;; *) echo "FAIL: $t --help does not start with Usage:"; fail=1 ;; esac
  for opt in --help --version; do
    grep -q -- "$opt" <<<"$out" || { echo "FAIL: $t --help lacks $opt"; fail=1; }
  done
  ver=$("$dir/$t" --version) || { echo "FAIL: $t --version exits $?"; fail=1; continue; }
  grep -q "^$t (kernkit) [0-9]" <<<"$ver" || { echo "FAIL: $t --version says '$ver'"; fail=1; }
  echo "$t: --help $(wc -l <<<"$out") lines, --version '$ver'"
done
exit $fail
