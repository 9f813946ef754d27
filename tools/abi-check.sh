#!/usr/bin/env bash
# tools/abi-check.sh <baseline.xml> <lib.so> [<headers-dir>]
#
# The ABI gate of one library: abidiff of a freshly built shared library
# against its committed abidw baseline (abi/<lib>.xml). Exit 0 when the new
# library is compatible, 1 when it is not, 77 when the check cannot run
# (abidiff missing). Compatible means abidiff reports nothing once these are
# set aside:
#  - added functions and variables (--no-added-syms);
#  - members appended at the end of an appendable struct: one whose first
#    member is `uint32_t size;` or `uint32_t version;` (config structs and
#    operation tables; the list is read from the headers, see below); its
#    existing members must keep their offsets and types;
#  - any change to a type defined outside the headers directory (a struct
#    private to a library's .c file, seen only through a pointer, as the
#    heap's region header behind `struct kk_heap`'s hint): its layout is
#    not part of the ABI.
# Anything else -- a removed or changed function, a struct member inserted,
# removed, retyped or reordered, a non-appendable struct growing -- fails,
# unless the SONAME's major version differs from the baseline's (a deliberate
# break; refresh the baseline with tools/abi-update.sh).
set -euo pipefail
base=${1:?usage: abi-check.sh <baseline.xml> <lib.so> [headers-dir]}
lib=${2:?usage: abi-check.sh <baseline.xml> <lib.so> [headers-dir]}
hdrs=${3:-}
if ! command -v abidiff >/dev/null 2>&1; then
  echo "abi-check: skipped: abidiff not installed (Debian: abigail-tools)"
  exit 77
fi
[ -f "$base" ] || { echo "abi-check: no baseline $base (run tools/abi-update.sh)"; exit 1; }
[ -f "$lib" ] || { echo "abi-check: no library $lib"; exit 1; }

name=$(basename "$lib")
old_soname=$(sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$base" | head -n1)
new_soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
major() { printf '%s\n' "${1##*.so.}" | cut -d. -f1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
supp="$tmp/appendable.ini"
private="$tmp/private.ini"
: >"$private"
if [ -n "$hdrs" ]; then
  # Types defined outside the headers directory (matched by its last two
  # path components: the baseline was dumped from another checkout).
  hd=$(cd "$hdrs" && pwd)
  printf '[suppress_type]\n  source_location_not_regexp = .*/%s/%s/.*\n\n' \
    "$(basename "$(dirname "$hd")")" "$(basename "$hd")" >"$private"
fi
cp "$private" "$supp"
if [ -n "$hdrs" ]; then
  # Appendable structs: the first member after `struct kk_x {` (comments
  # skipped) is `uint32_t size;` or `uint32_t version;`. On-disk structs
  # (sfs_format.h) are never appendable.
  awk '
    FILENAME ~ /_format\.h$/ { next }
    /^struct kk_[a-z0-9_]+ \{/ { name = $2; want = 1; next }
    want && /^[ \t]*(\/\*|\*)/ { next }
    want { if ($0 ~ /^[ \t]*uint32_t[ \t]+(size|version);/) print name; want = 0 }
  ' "$hdrs"/*.h | sort -u | while read -r s; do
    printf '[suppress_type]\n  type_kind = struct\n  name = %s\n  has_data_member_inserted_at = end\n\n' "$s"
  done >>"$supp"
fi

set +e
abidiff --no-added-syms --suppressions "$supp" "$base" "$lib" >"$tmp/report" 2>&1
rc=$?
# The suppressions let an appendable struct change in any way its size grows
# or not; only insertions at the end are allowed, so a second, unsuppressed
# run must show no existing member moved, retyped or removed.
abidiff --no-added-syms --suppressions "$private" "$base" "$lib" >"$tmp/full" 2>&1
full_rc=$?
set -e
if [ "$rc" -eq 0 ] && [ $((full_rc & 3)) -eq 0 ] &&
   grep -Eq 'offset changed|data member deletion|type name changed|replaced by' "$tmp/full"; then
  cp "$tmp/full" "$tmp/report"
  rc=4
fi
if [ "$rc" -eq 0 ]; then
  echo "abi-check: $name compatible with its baseline ($new_soname)"
  exit 0
fi
cat "$tmp/report"
if [ $((rc & 3)) -ne 0 ]; then
  echo "abi-check: $name: abidiff failed (status $rc)"
  exit 1
fi
if [ -n "$old_soname" ] && [ "$(major "$old_soname")" != "$(major "$new_soname")" ]; then
  echo "abi-check: $name: incompatible, but the SONAME major moved ($old_soname -> $new_soname): allowed; refresh abi/ with tools/abi-update.sh"
  exit 0
fi
echo "abi-check: $name: INCOMPATIBLE with its baseline ($old_soname); keep the ABI, or bump the major version (project(VERSION)) and run tools/abi-update.sh"
exit 1
