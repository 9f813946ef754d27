#!/bin/bash
# boot-from-prefix.sh SRC WORK: what docs/quickstart.md tells a kernel author
# to do, as a test (ctest quickstart-riscv64-prefix). Builds kernkit for
# riscv64 lp64d (the Debian toolchain's default ABI), installs it into a
# prefix, compiles the quick-start kernel with plain -I/-L/-l command lines
# (as a kernel Makefile would), boots it in QEMU and expects its line
# "quickstart: all ok". Skips (77) without riscv64-unknown-elf-gcc or
# qemu-system-riscv64.
set -euo pipefail
SRC=$1
WORK=$2
CC=riscv64-unknown-elf-gcc
for tool in $CC qemu-system-riscv64; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed"
    exit 77
  fi
done
rm -rf "$WORK"
mkdir -p "$WORK"
PREFIX=$WORK/prefix

# 1. kernkit: a cross preset, installed.
cmake -S "$SRC" --preset riscv64-lp64d -B "$WORK/build" >/dev/null
cmake --build "$WORK/build" -j 2 >/dev/null
cmake --install "$WORK/build" --prefix "$PREFIX" >/dev/null

# 2. The .pc files carry the ABI flags the archives were built with.
if command -v pkg-config >/dev/null; then
  cflags=$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags kernkit-sfs)
  case "$cflags" in
    *-mabi=lp64d*) ;;
    *) echo "FAIL: pkg-config --cflags kernkit-sfs lacks -mabi=lp64d: $cflags"; exit 1 ;;
  esac
fi

# 3. Your kernel's Makefile (docs/quickstart.md, "Linking").
ABI="-march=rv64imafdc -mabi=lp64d -mcmodel=medany"
KCFLAGS="$ABI -ffreestanding -nostdlib -fno-builtin -O2 -Wall -Werror -I$PREFIX/include"
Q=$SRC/examples/quickstart
objs=()
for f in qs_buddy qs_sync qs_pagetable qs_sfs qs_main machine bare_kernel; do
  $CC $KCFLAGS -c "$Q/$f.c" -o "$WORK/$f.o"
  objs+=("$WORK/$f.o")
done
$CC $ABI -nostdlib -static -T "$Q/riscv64.ld" -Wl,--no-warn-rwx-segments -o "$WORK/kernel" "${objs[@]}" \
  -L"$PREFIX/lib" -lkernkit_sfs -lkernkit_vfs -lkernkit_pagetable -lkernkit_sync -lkernkit_buddy \
  -lkernkit_base -lgcc

# 4. Boot it.
set +e
out=$(timeout 120 qemu-system-riscv64 -machine virt -bios default -nographic -m 128M -smp 1 \
  -no-reboot -kernel "$WORK/kernel" </dev/null 2>&1)
rc=$?
set -e
printf '%s\n' "$out" | sed -n '/kernkit quickstart kernel/,$p'
if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -q '^quickstart: all ok'; then
  echo "FAIL: qemu exit $rc, no 'quickstart: all ok'"
  exit 1
fi
echo "PASS: installed riscv64 lp64d prefix linked into a kernel that boots"
