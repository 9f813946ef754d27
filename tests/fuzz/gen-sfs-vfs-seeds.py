#!/usr/bin/env python3
"""Regenerate tests/fuzz/corpus/sfs-vfs/ (seeds of fuzz-sfs-vfs) and
tests/fuzz/corpus/sfs-tools/ (seeds of fuzz-sfs-tools) from the images in
tests/fuzz/corpus/sfs/: each image is packed (first 512 bytes of every
4096-byte block, trailing zero chunks dropped) and followed by an op script
and its length byte (format in fuzz-sfs-vfs.c), or by one mode byte (format
in fuzz-sfs-tools.c). Files named extra-* or crash-* (packed tests/sfsck
images, fuzzer finds) are kept as they are. With --check, write nothing and exit 1 when a
committed seed differs from what would be written (ctest sfs-vfs-seeds-gen).
Usage: gen-sfs-vfs-seeds.py [--check] [SFS_CORPUS_DIR [CORPUS_ROOT]]"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
check = bool(args) and args[0] == "--check"
if check:
    args = args[1:]
src = args[0] if len(args) > 0 else os.path.join(here, "corpus", "sfs")
root = args[1] if len(args) > 1 else os.path.join(here, "corpus")

# op bytes (op % 13): 0 stat 1 create 2 mkdir 3 link 4 symlink 5 rename
# 6 unlink 7 rmdir 8 readdir 9 readlink 10 read 11 chdir 12 chdir "/".
# A path is a header byte (0x80 absolute, low 2 bits depth-1, 4 trailing '/')
# then one name byte per component (0 a, 1 b, 2 c, 3 ".", 4 "..",
# 5 lost+found, 6 d, 7 "", 8 255-char name, 9 256-char name, 10+ readdir names).
SCRIPTS = {
    "ns": bytes([2, 0x80, 6,            # mkdir /d (create: flag, length bytes)
                 1, 0x81, 6, 0, 0, 5,   # create /d/a
                 3, 0x81, 6, 0, 0x80, 1,  # link /d/a /b
                 4, 0x81, 6, 0, 0x80, 2,  # symlink /d/a /c
                 10, 0x80, 2,           # read /c
                 9, 0x80, 2, 40,        # readlink /c
                 5, 0x80, 1, 0x82, 6, 3, 0,  # rename /b /d/./a
                 8, 0x80, 6,            # readdir /d
                 11, 0x80, 6, 0, 3,     # chdir /d
                 0, 0x01, 4, 0, 1,      # stat ../a
                 6, 0, 0,               # unlink a
                 12, 7, 0x80, 6,        # back to /, rmdir /d
                 6, 0x80, 2]),          # unlink /c
    "walk": bytes([8, 0x80, 7, 8, 0x80, 10, 8, 0x80, 11, 0, 0x81, 10, 11, 1,
                   10, 0x81, 10, 11, 10, 0x80, 12, 11, 0x80, 10,
                   8, 0, 3, 0, 0x03, 4, 4, 4, 4, 1, 0x80, 8, 0,
                   1, 0x80, 9, 1, 5, 0x80, 10, 0x80, 8, 2, 0x80, 8]),
}


def pack(img):
    chunks = [img[o:o + 512] for o in range(0, len(img), 4096)]
    while chunks and not any(chunks[-1]):
        chunks.pop()
    return b"".join(c.ljust(512, b"\0") for c in chunks)


# fuzz-sfs-tools mode byte: bit 0 submit(), bits 1-2 second extract (none,
# --force, --skip-existing, fresh directory), bit 3 ls -a of "/".
TOOL_MODES = [0, 2, 4, 6, 9, 3, 5, 7, 8, 1, 10, 12]

seeds = {}
images = [n for n in sorted(os.listdir(src))
          if not n.startswith("crash-") and not n.startswith("bigdir")]
for k, name in enumerate(images):
    with open(os.path.join(src, name), "rb") as f:
        img = pack(f.read())
    base = os.path.splitext(name)[0]
    for tag, script in SCRIPTS.items():
        seeds[("sfs-vfs", "%s-%s" % (base, tag))] = img + script + bytes([len(script)])
    seeds[("sfs-tools", base)] = img + bytes([TOOL_MODES[k % len(TOOL_MODES)]])

bad = 0
for (sub, name), blob in sorted(seeds.items()):
    path = os.path.join(root, sub, name)
    if check:
        try:
            with open(path, "rb") as f:
                same = f.read() == blob
        except OSError:
            same = False
        if not same:
            print("seed out of date: %s (run tests/fuzz/gen-sfs-vfs-seeds.py)" % path)
            bad = 1
        continue
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(blob)
if check:
    for sub in ("sfs-vfs", "sfs-tools"):
        d = os.path.join(root, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if (sub, name) not in seeds and not name.startswith(("extra-", "crash-")):
                print("seed not made by the generator: %s/%s" % (sub, name))
                bad = 1
    print("seeds: %d checked, %s" % (len(seeds), "out of date" if bad else "current"))
sys.exit(bad)
