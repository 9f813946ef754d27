#!/usr/bin/env python3
"""Regenerate tests/fuzz/corpus/sfs-vfs/ (seeds of fuzz-sfs-vfs) from the
images in tests/fuzz/corpus/sfs/: each image is packed (first 512 bytes of
every 4096-byte block, trailing zero chunks dropped) and followed by an op
script and its length byte (format in fuzz-sfs-vfs.c).
Usage: gen-sfs-vfs-seeds.py [SFS_CORPUS_DIR [OUT_DIR]]"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "sfs")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus", "sfs-vfs")

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


os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(src)):
    if name.startswith("crash-") or name.startswith("bigdir"):
        continue
    with open(os.path.join(src, name), "rb") as f:
        img = pack(f.read())
    for tag, script in SCRIPTS.items():
        base = os.path.splitext(name)[0]
        with open(os.path.join(out, "%s-%s" % (base, tag)), "wb") as f:
            f.write(img + script + bytes([len(script)]))
