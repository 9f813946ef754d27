#!/bin/sh
# apply.sh UCORE_LAB8_DIR         install kernkit::sfs as uCore lab8's kern/fs/sfs
# apply.sh --revert UCORE_LAB8_DIR restore uCore's own kern/fs/sfs and Makefile
#
# UCORE_LAB8_DIR is a lab8 tree (labcodes_answer/lab8_result of
# chyyuu/ucore_os_lab, or a student's lab8). Changes made:
#   kern/fs/sfs/          replaced: the adapter (sfs.h, sfs_kernkit.c), header
#                         shims, and a copy of kernkit's base, vfs and sfs
#                         libraries under kern/fs/sfs/kernkit/
#   Makefile              one marked block after the kernel sources line that
#                         compiles kernkit's sources and links libgcc
# uCore's originals are kept in .kernkit-orig/ for --revert. Nothing else of
# uCore is touched; `make`, `make qemu` and `make grade` work as before.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kk=$(cd "$here/../.." && pwd)

revert=0
if [ "${1:-}" = "--revert" ]; then
    revert=1
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--revert] UCORE_LAB8_DIR" >&2
    exit 2
fi
dst=$(cd "$1" && pwd)
if [ ! -f "$dst/Makefile" ] || [ ! -d "$dst/kern/fs/vfs" ]; then
    echo "apply.sh: $dst is not a uCore lab8 tree (no Makefile or kern/fs/vfs)" >&2
    exit 2
fi
orig="$dst/.kernkit-orig"

if [ $revert = 1 ]; then
    if [ ! -d "$orig" ]; then
        echo "apply.sh: $dst has no kernkit installed" >&2
        exit 2
    fi
    rm -rf "$dst/kern/fs/sfs"
    mv "$orig/sfs" "$dst/kern/fs/sfs"
    mv "$orig/Makefile" "$dst/Makefile"
    rmdir "$orig"
    echo "apply.sh: restored uCore's kern/fs/sfs in $dst"
    exit 0
fi

if [ -d "$orig" ]; then
    echo "apply.sh: kernkit already installed in $dst (use --revert first)" >&2
    exit 2
fi
grep -q '^\$(call add_files_cc,\$(call listf_cc,\$(KSRCDIR)),kernel,\$(KCFLAGS))' "$dst/Makefile" || {
    echo "apply.sh: $dst/Makefile has no kernel sources line to hook into" >&2
    exit 2
}

mkdir "$orig"
mv "$dst/kern/fs/sfs" "$orig/sfs"
cp "$dst/Makefile" "$orig/Makefile"

s="$dst/kern/fs/sfs"
mkdir -p "$s/ucshim" "$s/kernkit/kkshim" "$s/kernkit/config/kernkit"
cp "$here/sfs.h" "$here/sfs_kernkit.c" "$s/"
cp "$here/ucshim/"*.h "$s/ucshim/"
cp "$here/kkshim/stdint.h" "$s/kernkit/kkshim/"
cp -r "$kk/include" "$s/kernkit/include"
for lib in base vfs sfs; do
    mkdir -p "$s/kernkit/$lib"
    cp "$kk/$lib/"*.c "$s/kernkit/$lib/"
    find "$kk/$lib" -maxdepth 1 -name '*.h' -exec cp {} "$s/kernkit/$lib/" \;
done
cp -r "$kk/base/internal" "$s/kernkit/base/internal"
ver=$(sed -n 's/^project(kernkit[^)]*VERSION \([0-9.]*\).*/\1/p' "$kk/CMakeLists.txt" | head -n 1)
ver=${ver:-0.0.0}
sed -e "s/@PROJECT_VERSION_MAJOR@/$(echo "$ver" | cut -d. -f1)/" \
    -e "s/@PROJECT_VERSION_MINOR@/$(echo "$ver" | cut -d. -f2)/" \
    -e "s/@PROJECT_VERSION_PATCH@/$(echo "$ver" | cut -d. -f3)/" \
    -e "s/@PROJECT_VERSION@/$ver/" -e "s/@KERNKIT_SHARED@/0/" \
    "$kk/cmake/config.h.in" > "$s/kernkit/config/kernkit/config.h"

block=$(cat <<'EOF'
# >>> kernkit (examples/ucore-lab8/apply.sh; undo with apply.sh --revert)
KKDIR		:= kern/fs/sfs/kernkit
KKINC		:= -I$(KKDIR)/include -I$(KKDIR)/config
KCFLAGS		+= -Ikern/fs/sfs/ucshim $(KKINC)
KKCFLAGS	:= -I$(KKDIR)/kkshim -isystem $(shell $(CC) -print-file-name=include) \
		   $(KKINC) -I$(KKDIR)/base/internal -O2
$(call add_files_cc,$(wildcard $(KKDIR)/base/*.c $(KKDIR)/vfs/*.c $(KKDIR)/sfs/*.c),kernel,$(KKCFLAGS))
KKLIBGCC	:= $(shell $(CC) -m32 -print-libgcc-file-name)
# <<< kernkit
EOF
)
awk -v block="$block" '
    /^\$\(call add_files_cc,\$\(call listf_cc,\$\(KSRCDIR\)\),kernel,\$\(KCFLAGS\)\)/ && !done {
        print block; print; done = 1; next }
    /^KOBJS[ \t]*=/ { print; print "KOBJS\t+= $(KKLIBGCC)"; next }
    { print }' "$orig/Makefile" > "$dst/Makefile"
echo "apply.sh: kernkit::sfs installed in $dst (kern/fs/sfs; uCore's originals in .kernkit-orig)"
