#!/usr/bin/env bash
# Installs the Debian 12 packages kernkit needs, if any is missing.
# Shared by the README's two commands (.ci/run and .ci/demo).
set -euo pipefail
PKGS=(
  cmake make gcc libc6-dev pkg-config git
  clang lld llvm clang-format doxygen
  libcmocka-dev liburing-dev libfuse3-dev fuse3
  gcc-riscv64-unknown-elf gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
  lib32gcc-12-dev libc6-dev-i386
  qemu-system-misc qemu-system-x86 qemu-system-arm qemu-user python3
  abigail-tools tmux fio stress-ng
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -q
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi
