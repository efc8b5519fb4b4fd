#!/usr/bin/env python3
"""End-to-end: `firmgate unpack` on the corpus against truth.json and the
staged source trees.

- Every layer of truth.json whose format this build unpacks, and that is
  not inside a compressed layer (where offsets are in the decompressed
  stream), is found at its absolute offset in the image.
- Every file tree unpacked from an image equals its staged source tree
  path by path: type, permission bits (incl. setuid/setgid/sticky), size,
  symlink target and SHA-256 of the content.
"""
import argparse
import hashlib
import json
import os
import stat
import subprocess
import sys

COMPRESSED = {"gzip", "xz", "lzma", "bzip2", "zstd", "lz4", "lzop", "zlib", "ubi", "ubifs"}
# truth.json format name -> firmgate format name
ALIASES = {"ext2": "ext", "ext3": "ext", "ext4": "ext"}

passed = 0
failed = 0


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)
    return cond


def layers_with_offsets(layer, base=0, compressed=False):
    """Yields (layer, absolute offset or None)."""
    here = base + (layer.get("offset") or 0)
    yield layer, (None if compressed or layer.get("offset") is None else here)
    inner = compressed or layer["format"] in COMPRESSED
    for child in layer.get("children") or []:
        yield from layers_with_offsets(child, here, inner)


def staged_entries(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = "/" + os.path.relpath(full, root)
            st = os.lstat(full)
            e = {"mode": stat.S_IMODE(st.st_mode)}
            if stat.S_ISLNK(st.st_mode):
                e["type"] = "symlink"
                e["target"] = os.readlink(full)
            elif stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISREG(st.st_mode):
                e["type"] = "file"
                e["size"] = st.st_size
                with open(full, "rb") as f:
                    e["sha256"] = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                e["type"] = "chr" if stat.S_ISCHR(st.st_mode) else "blk"
                e["major"], e["minor"] = os.major(st.st_rdev), os.minor(st.st_rdev)
            else:
                e["type"] = "other"
            out[rel] = e
    return out


def compare_tree(name, entries, staged):
    got = {e["path"]: e for e in entries}
    missing = sorted(set(staged) - set(got))
    # mkfs.ext* adds /lost+found, which the staged tree never had
    extra = sorted(p for p in set(got) - set(staged)
                   if not (p == "/lost+found" and got[p]["type"] == "dir"))
    ok(not missing, "%s: %d paths missing, e.g. %s" % (name, len(missing), missing[:5]))
    ok(not extra, "%s: %d unexpected paths, e.g. %s" % (name, len(extra), extra[:5]))
    bad = []
    for path, want in staged.items():
        have = got.get(path)
        if not have:
            continue
        t = have["type"]
        if t == "hardlink":
            t = "file"
        if t != want["type"]:
            bad.append((path, "type", t, want["type"]))
            continue
        if have["mode"] != want["mode"]:
            bad.append((path, "mode", oct(have["mode"]), oct(want["mode"])))
        for key in ("size", "sha256", "target", "major", "minor"):
            if key in want and have.get(key) != want[key]:
                bad.append((path, key, have.get(key), want[key]))
    ok(not bad, "%s: %d mismatches, e.g. %s" % (name, len(bad), bad[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    args = ap.parse_args()
    truth = json.load(open(os.path.join(args.corpus, "truth.json")))
    formats = {line.split()[0] for line in subprocess.run(
        [args.firmgate, "formats"], stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()}
    staged_cache = {}

    for img in truth["images"]:
        path = os.path.join(args.corpus, img["path"])
        proc = subprocess.run([args.firmgate, "unpack", "--list", "--json", path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if proc.returncode == 3:
            man = {"containers": [], "trees": []}
        elif not ok(proc.returncode == 0, "%s: unpack exit %d" % (img["name"], proc.returncode)):
            continue
        else:
            man = json.loads(proc.stdout)
        found = set()
        for c in man["containers"]:
            if "input_offset" in c and c.get("format"):
                found.add((c["format"], c["input_offset"]))
            if "input_offset" in c and c.get("leaf"):
                found.add((c["leaf"], c["input_offset"]))
            for ch in c.get("chunks", []):
                pass  # chunks appear as containers of their own with input_offset
        for layer, off in layers_with_offsets(img["layers"]):
            fmt = ALIASES.get(layer["format"], layer["format"])
            if off is None or fmt not in formats or layer is img["layers"] and fmt == "flash":
                continue
            ok((fmt, off) in found, "%s: %s layer at offset 0x%x not found (have %s)" % (
                img["name"], fmt, off, sorted(found)[:8]))

        for fs in img["filesystems"]:
            if not fs["variant"]:
                continue
            tree = [t for t in man["trees"]
                    if sum(1 for e in t["entries"] if e["type"] in ("file", "hardlink")) == fs["regular_files"]]
            if not tree:
                continue  # not unpacked by this build (check_corpus.py lists it)
            if fs["variant"] not in staged_cache:
                staged_cache[fs["variant"]] = staged_entries(
                    os.path.join(args.corpus, ".build", "trees", fs["variant"]))
            compare_tree("%s:%s" % (img["name"], fs["id"]), tree[0]["entries"], staged_cache[fs["variant"]])

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
