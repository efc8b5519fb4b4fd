#!/usr/bin/env python3
"""Does firmgate recover every file binwalk -Me extracts?

For each input (default: every sample under shared/samples that is a
binary image, and the corpus images), runs `binwalk -Me` into a temporary
directory and `firmgate unpack --list --json`, and compares the contents
(SHA-256) of the regular files binwalk extracted with those of every
file `firmgate unpack -o` writes (file-tree files and container
contents). binwalk's own carve artefacts -- files named by their hex
offset (`1C.zip`, `3C0000.squashfs`, `40`, and the byte-swapped
`0.cramfs.swap`, or a label: `rom 67269c23.romfs`) directly in an
`_*.extracted` directory -- are
intermediate chunks, not files of the firmware, and are left out; so are
empty files and copies of the input itself. A symlink binwalk's ext
extractor wrote as a regular file (of the link's length) counts as
recovered when firmgate has a symlink of that name and length. Prints a Markdown table with wall times;
exits 1 when firmgate misses a file binwalk found.

  bench/binwalk_files.py --firmgate build/firmgate [--shared ../shared]
                         [--corpus ~/.cache/firmgate/corpus] [INPUT...]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ARTEFACT = re.compile(r"^[0-9A-Fa-f]+(\.[A-Za-z0-9_-]+)?(\.swap)?$")
# chunks binwalk names by a label instead of the offset ("rom 67269c23.romfs")
CHUNK_SUFFIX = (".romfs", ".squashfs", ".cramfs", ".jffs2", ".ubi", ".yaffs", ".uimage")
SKIP_SUFFIX = (".md", ".txt", ".json", ".py")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def binwalk_files(inp, tmp):
    out = os.path.join(tmp, "bw")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cmd = ["binwalk", "-Me", "-q", "-C", out, inp]
    if os.geteuid() == 0:
        cmd.insert(1, "--run-as=root")
    t0 = time.time()
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    except subprocess.TimeoutExpired:
        pass
    took = time.time() - t0
    files = {}  # sha256 -> (relative path, size)
    for root, dirs, names in os.walk(out):
        carve_dir = os.path.basename(root).startswith("_") and root.endswith(".extracted")
        for n in names:
            p = os.path.join(root, n)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            if carve_dir and (ARTEFACT.match(n) or n.endswith(CHUNK_SUFFIX)):
                continue
            if os.path.getsize(p) == 0:
                continue
            files.setdefault(sha256(p), (os.path.relpath(p, out), os.path.getsize(p)))
    return files, took


def firmgate_hashes(fg, inp, tmp):
    """Every regular file `firmgate unpack -o` writes: the files of the
    file trees and the decompressed or sliced contents of containers."""
    out = os.path.join(tmp, "fg")
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    subprocess.run([fg, "unpack", inp, "-o", out], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=900)
    took = time.time() - t0
    hashes = set()
    links = {}
    n = 0
    for root, dirs, names in os.walk(out):
        for nm in names + dirs:
            p = os.path.join(root, nm)
            if os.path.islink(p):
                links.setdefault(nm, set()).add(len(os.readlink(p)))
                continue
            if nm in dirs or not os.path.isfile(p) or os.path.getsize(p) == 0:
                continue
            hashes.add(sha256(p))
            n += 1
    return hashes, links, n, took


def default_inputs(shared, corpus):
    out = []
    samples = os.path.join(shared, "samples")
    for root, dirs, names in os.walk(samples):
        rel = os.path.relpath(root, samples)
        if rel.startswith(("iotgoat", "digoo-bb-m1")):
            continue
        for n in sorted(names):
            if n.endswith(SKIP_SUFFIX) or n in ("VERSION", "SOURCES.md"):
                continue
            out.append(os.path.join(root, n))
    imgs = os.path.join(corpus, "images")
    if os.path.isdir(imgs):
        out += [os.path.join(imgs, n) for n in sorted(os.listdir(imgs))]
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", default="build/firmgate")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--corpus", default=os.path.expanduser("~/.cache/firmgate/corpus"))
    ap.add_argument("inputs", nargs="*")
    a = ap.parse_args()
    if not shutil.which("binwalk"):
        print("binwalk not installed (apt-get install binwalk)")
        return 77
    inputs = a.inputs or default_inputs(a.shared, a.corpus)
    missing_total = 0
    as_links = 0
    print("| input | files binwalk extracted | of them recovered by firmgate | firmgate files | binwalk s | firmgate s |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        for inp in inputs:
            bw, bt = binwalk_files(inp, tmp)
            fh, links, fn, ft = firmgate_hashes(a.firmgate, inp, tmp)
            fh.add(sha256(inp))  # binwalk's carve of a whole-file chunk is the input itself
            missing = []
            for h, (rel, size) in bw.items():
                if h in fh:
                    continue
                # binwalk's ext extractor writes a symlink as a regular file of
                # the link's length; firmgate keeps it as the symlink it is
                if size in links.get(os.path.basename(rel), ()):
                    as_links += 1
                    continue
                missing.append(rel)
            missing_total += len(missing)
            name = os.path.relpath(inp, a.shared) if inp.startswith(a.shared) else os.path.basename(inp)
            print("| %s | %d | %d | %d | %.2f | %.2f |" % (name, len(bw), len(bw) - len(missing), fn, bt, ft))
            for m in sorted(missing)[:10]:
                print("|   missing: `%s` | | | | | |" % m)
    print()
    print("symlinks binwalk wrote as regular files (firmgate keeps them as symlinks): %d" % as_links)
    print("files binwalk extracted that firmgate did not: %d" % missing_total)
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
