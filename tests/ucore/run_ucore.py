#!/usr/bin/env python3
"""Drive uCore lab8 on qemu-system-i386 with kernkit::sfs (examples/ucore-lab8).

  run_ucore.py test  --ucore DIR --kernkit SRC --tools BIN --work DIR
      copy the checkout, apply.sh, build lab8, make an image with kernkit's
      mksfs, boot, run programs through uCore's shell (one writes files, one
      runs from a 3-level path, one is a symlink), stop QEMU, sfsck the image.
  run_ucore.py grade ...   uCore's grade.sh (with the SFS drive added) on a
      stock copy and on a kernkit copy; prints both results test by test.
  run_ucore.py bench ...   kkbench (4 MiB write + read) under stock and kernkit.

Exit codes: 0 pass, 1 fail, 77 skip (no checkout or no qemu-system-i386).
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time


def log(msg):
    print(msg, flush=True)


def sh(cmd, cwd=None, quiet=True):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        tail = r.stdout.decode(errors="replace")[-3000:]
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), r.returncode, tail))
    return r.stdout.decode(errors="replace")


def lab8_dir(ucore):
    for d in (ucore, os.path.join(ucore, "labcodes_answer", "lab8_result")):
        if os.path.isfile(os.path.join(d, "kern", "fs", "sfs", "sfs_inode.c")):
            return d
    return None


def prepare(args, name, kernkit):
    """A built copy of lab8 in work/name, with kernkit applied when asked."""
    dst = os.path.join(args.work, name)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(args.lab8, dst, symlinks=True)
    for f in os.listdir(os.path.join(args.kernkit, "examples", "ucore-lab8", "user")):
        shutil.copy(os.path.join(args.kernkit, "examples", "ucore-lab8", "user", f),
                    os.path.join(dst, "user", f))
    if kernkit:
        sh([os.path.join(args.kernkit, "examples", "ucore-lab8", "apply.sh"), dst])
    with open(os.path.join(dst, "disk0.bench"), "wb") as f:
        f.write(b"\0" * (4 << 20))
    sh(["make", "-j2", "GCCPREFIX=", "bin/ucore.img", "bin/swap.img", "bin/sfs.img"], cwd=dst)
    return dst


def add_bench_file(dst):
    shutil.copy(os.path.join(dst, "disk0.bench"), os.path.join(dst, "disk0", "bench.dat"))


def kernkit_image(args, dst, img):
    """An image made by kernkit's mksfs from uCore's disk0/ plus a deep path and a symlink."""
    stage = os.path.join(dst, "kkroot")
    if os.path.exists(stage):
        shutil.rmtree(stage)
    shutil.copytree(os.path.join(dst, "disk0"), stage)
    deep = os.path.join(stage, "d1", "d2", "d3")
    os.makedirs(deep)
    shutil.copy(os.path.join(stage, "hello"), os.path.join(deep, "hello"))
    os.symlink("hello", os.path.join(stage, "link"))
    shutil.copy(os.path.join(dst, "disk0.bench"), os.path.join(stage, "bench.dat"))
    if os.path.exists(img):
        os.unlink(img)
    sh([os.path.join(args.tools, "mksfs"), "-s", "32M", img, stage])


class Qemu:
    def __init__(self, dst, img):
        self.p = subprocess.Popen(
            ["qemu-system-i386", "-display", "none", "-no-reboot", "-monitor", "none",
             "-serial", "stdio", "-hda", os.path.join(dst, "bin", "ucore.img"),
             "-drive", "file=%s,media=disk,cache=writeback,format=raw" %
             os.path.join(dst, "bin", "swap.img"),
             "-drive", "file=%s,media=disk,cache=writeback,format=raw" % img],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = ""

    def expect(self, pattern, start, timeout):
        end = time.time() + timeout
        while True:
            m = re.search(pattern, self.out[start:])
            if m:
                return start + m.end()
            if re.search(r"kernel panic|assertion failed", self.out[start:]):
                raise RuntimeError("uCore panicked:\n" + self.out[start:][-2000:])
            left = end - time.time()
            if left <= 0:
                raise RuntimeError("timeout waiting for %r; output tail:\n%s" %
                                   (pattern, self.out[-2000:]))
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1.0))
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    raise RuntimeError("qemu exited; output tail:\n" + self.out[-2000:])
                self.out += data.decode(errors="replace")

    def run(self, cmd, pattern, timeout=180):
        start = len(self.out)
        for ch in cmd + "\n":  # uCore's serial input is slow: one byte at a time
            self.p.stdin.write(ch.encode())
            self.p.stdin.flush()
            time.sleep(0.02)
        pos = self.expect(pattern, start, timeout)
        log("  %-18s -> %s" % (cmd, re.sub(r"\s+", " ", self.out[start:pos].strip())[-70:]))
        return self.out[start:pos]

    def stop(self):
        # SIGTERM: QEMU shuts down cleanly and flushes the drives ("power off").
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def boot(dst, img):
    q = Qemu(dst, img)
    q.expect(r"\$ ", 0, 300)
    time.sleep(1)
    return q


def cmd_test(args):
    dst = prepare(args, "kernkit", True)
    img = os.path.join(args.work, "kernkit.img")
    kernkit_image(args, dst, img)
    q = boot(dst, img)
    try:
        q.run("hello", r"hello pass\.")
        q.run("sfs_filetest1", r"sfs_filetest1 pass\.")
        q.run("d1/d2/d3/hello", r"hello pass\.")
        q.run("kkwrite", r"kkwrite pass\.")
        q.run("link", r"error: -?\d+")
        q.run("forktest", r"forktest pass\.")
        q.run("hello", r"hello pass\.")
    finally:
        q.stop()
    r = subprocess.run([os.path.join(args.tools, "sfsck"), "-n", img],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log("sfsck -n: exit %d %s" % (r.returncode, r.stdout.decode(errors="replace").strip()))
    if r.returncode != 0:
        return 1
    st = sh([os.path.join(args.tools, "sfs"), "stat", img, "/kkwrite.dat"])
    deep = sh([os.path.join(args.tools, "sfs"), "stat", img, "/d1/d2/d3/deep.dat"])
    log("written: " + st.strip().replace("\n", " ") + " | " + deep.strip().replace("\n", " "))
    if not re.search(r"\b65536\b", st) or not re.search(r"\b12288\b", deep):
        log("FAIL: written files have the wrong size")
        return 1
    log("PASS: uCore lab8 on kernkit::sfs")
    return 0


def grade_one(args, name, kernkit):
    dst = prepare(args, name, kernkit)
    gs = os.path.join(dst, "tools", "grade.sh")
    text = open(gs).read()
    # lab8's grade.sh starts QEMU without the SFS disk: add it.
    text = text.replace('qemuopts="-hda $osimg -drive file=$swapimg,media=disk,cache=writeback"',
                        'qemuopts="-hda $osimg -drive file=$swapimg,media=disk,cache=writeback'
                        ' -drive file=$sfsimg,media=disk,cache=writeback"')
    text = text.replace('## set default qemu-options', 'sfsimg=$(make_print sfsimg)\n'
                        '## set default qemu-options')
    # its own gdb port, so the stock and kernkit runs can go side by side
    text = text.replace("gdbport='1234'", "gdbport='%d'" % (1234 + 7 * kernkit + os.getpid() % 500))
    open(gs, "w").write(text)
    r = subprocess.run(["make", "GCCPREFIX=", "grade"], cwd=dst, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace")
    res, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^(\S+):\s+\(", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"^\s+-(.+?):\s+(OK|WRONG)\s*$", line)
        if m and cur:
            res["%s / %s" % (cur, m.group(1).strip())] = m.group(2)
    score = re.search(r"Total Score:\s*\d+/\d+", out)
    return res, (score.group(0) if score else "no score"), out


def cmd_grade(args):
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fs = ex.submit(grade_one, args, "grade-stock", False)
        fk = ex.submit(grade_one, args, "grade-kernkit", True)
        stock, sscore, sout = fs.result()
        kk, kscore, kout = fk.result()
    with open(os.path.join(args.work, "grade-stock.log"), "w") as f:
        f.write(sout)
    with open(os.path.join(args.work, "grade-kernkit.log"), "w") as f:
        f.write(kout)
    names = list(stock) + [n for n in kk if n not in stock]
    same = 0
    log("%-28s %-8s %-8s" % ("test", "stock", "kernkit"))
    for n in names:
        a, b = stock.get(n, "-"), kk.get(n, "-")
        same += a == b
        log("%-28s %-8s %-8s%s" % (n, a, b, "" if a == b else "  DIFFERENT"))
    log("stock %s | kernkit %s | %d of %d tests the same" % (sscore, kscore, same, len(names)))
    return 0 if same == len(names) else 1


def cmd_bench(args):
    results = []
    for name, kernkit in (("bench-stock", False), ("bench-kernkit", True)):
        dst = prepare(args, name, kernkit)
        if kernkit:
            img = os.path.join(args.work, "bench-kernkit.img")
            kernkit_image(args, dst, img)
        else:
            add_bench_file(dst)
            img = os.path.join(dst, "bin", "sfs.img")
            os.unlink(img)
            sh(["make", "GCCPREFIX=", "bin/sfs.img"], cwd=dst)
        q = boot(dst, img)
        try:
            out = q.run("kkbench", r"kkbench pass\.|kkbench: .*failed.*|error: -?\d+", 900)
        finally:
            q.stop()
        results.append((name, re.findall(r"kkbench: (\w+) \d+ KiB in (\d+) ms = (\d+) KiB/s", out)))
    for name, r in results:
        log("%-14s %s" % (name, ", ".join("%s %s KiB/s (%s ms)" % (w, k, ms) for w, ms, k in r)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["test", "grade", "bench"])
    ap.add_argument("--ucore", default="")
    ap.add_argument("--kernkit", required=True)
    ap.add_argument("--tools", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    if not args.ucore:
        print("SKIP: no uCore checkout (configure with -DKERNKIT_UCORE_DIR=<ucore_os_lab checkout>)")
        return 77
    args.lab8 = lab8_dir(args.ucore)
    if args.lab8 is None:
        print("SKIP: %s holds no uCore lab8 tree" % args.ucore)
        return 77
    if shutil.which("qemu-system-i386") is None:
        print("SKIP: qemu-system-i386 not installed")
        return 77
    os.makedirs(args.work, exist_ok=True)
    try:
        return {"test": cmd_test, "grade": cmd_grade, "bench": cmd_bench}[args.mode](args)
    except RuntimeError as e:
        log("FAIL: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
