#!/usr/bin/env bash
# tools/abi-dump.sh <lib.so>: the abidw XML of one library, as abi/ stores it
# (no paths or source locations, so it does not depend on the checkout).
set -euo pipefail
exec abidw --no-corpus-path --no-comp-dir-path --no-show-locs "${1:?usage: abi-dump.sh <lib.so>}"
