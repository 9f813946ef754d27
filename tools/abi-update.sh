#!/usr/bin/env bash
# tools/abi-update.sh [build-dir]
#
# Refreshes the ABI baseline deliberately: configures and builds the shared
# libraries (BUILD_SHARED_LIBS=ON, as .ci/test.sh does; default build dir
# build/abi) and writes one abidw XML per library into abi/<lib>.xml. Run it
# after adding public functions or appending config fields (the gate accepts
# those against the old baseline, but the new baseline then protects them),
# and after a deliberate break together with a major version bump. The
# baseline is for x86_64 (the gate skips on other hosts). Commit abi/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/abi}
command -v abidw >/dev/null || { echo "abi-update: abidw not installed (Debian: abigail-tools)" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "abi-update: the baseline is x86_64; run it on an x86_64 host" >&2; exit 1; }
cmake -S . -B "$build" -DBUILD_SHARED_LIBS=ON -DKERNKIT_DOCS=OFF -DKERNKIT_TESTS=OFF \
      -DKERNKIT_TOOLS=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p abi
rm -f abi/*.xml
n=0
for so in "$build"/*/libkernkit_*.so "$build"/libkernkit_*.so; do
  [ -L "$so" ] || [ -f "$so" ] || continue
  lib=$(basename "$so" .so)
  lib=${lib#libkernkit_}
  tools/abi-dump.sh "$so" >"abi/$lib.xml"
  echo "abi-update: abi/$lib.xml ($(readelf -d "$so" | sed -n 's/.*soname: \[\(.*\)\].*/\1/p'))"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "abi-update: no shared library found in $build" >&2; exit 1; }
