#!/usr/bin/env python3
"""End-to-end: every real sample is recognised and unpacked as documented.

Expectations are data: tests/e2e/sample_formats/*.json, one file per
format family, each a list of entries:

  {"sample": "fact_extractor/tpl/wr.fw",        path under shared/samples
   "chain": ["tplink", "lzma"],                 formats in order along one
                                                container chain (or leaf)
   "info": {"tplink": ["0x0702"]},              substrings of that format's
                                                format_info / description
   "files": {"/main.img": "sha256" | null},     paths in some unpacked tree
                                                (sha256 checked when given)
   "min_files": 3,                              regular files in all trees
   "unrecognised": true,                        firmgate must refuse it as
                                                unrecognised (exit 3): no
                                                format claims it (all padding)
   "why": "SOURCES.md §5: ..."}                 where the expectation is from

The manifest is `firmgate unpack --list --json SAMPLE`.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

passed = 0
failed = 0


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)


def chain_formats(chain):
    """'a.bin > trx@0x0 > zip@0x1c' -> ['trx', 'zip']"""
    return [m.group(1) for m in re.finditer(r"([A-Za-z0-9_.-]+)@0x[0-9a-fA-F]+", chain)]


def has_subsequence(seq, want):
    it = iter(seq)
    return all(any(x == w for x in it) for w in want)


def manifest(firmgate, path):
    proc = subprocess.run([firmgate, "unpack", "--list", "--json", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if proc.returncode not in (0, 1):
        return None, "exit %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace")[:300])
    try:
        return json.loads(proc.stdout), None
    except ValueError as e:
        return None, "bad JSON (%s); stderr: %s" % (e, proc.stderr.decode(errors="replace")[:300])


def check_entry(firmgate, samples, e):
    name = e["sample"]
    path = os.path.join(samples, name)
    if not os.path.exists(path):
        ok(False, "%s: sample missing" % name)
        return
    if e.get("unrecognised"):
        proc = subprocess.run([firmgate, "unpack", "--list", "--json", path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        ok(proc.returncode == 3 and b"unrecognised input" in proc.stderr,
           "%s: expected 'unrecognised input' (exit 3), got exit %d" % (name, proc.returncode))
        return
    m, err = manifest(firmgate, path)
    ok(m is not None, "%s: %s" % (name, err))
    if m is None:
        return
    chains = []
    infos = {}
    for c in m["containers"]:
        fmts = chain_formats(c.get("chain", ""))
        if c.get("leaf"):
            fmts = chain_formats(c.get("in", "")) + [c["leaf"]]
            infos.setdefault(c["leaf"], []).append(c.get("description") or "")
        elif c.get("format"):
            infos.setdefault(c["format"], []).append(
                (c.get("format_info") or "") + " " + (c.get("note") or ""))
        chains.append(fmts)
    want = e.get("chain", [])
    ok(any(has_subsequence(ch, want) for ch in chains),
       "%s: no container chain contains %s (have %s)" % (name, " > ".join(want),
                                                         sorted({" > ".join(c) for c in chains})))
    for fmt, subs in e.get("info", {}).items():
        for s in subs:
            ok(any(s in i for i in infos.get(fmt, [])),
               "%s: %s info lacks %r (have %r)" % (name, fmt, s, infos.get(fmt)))
    entries = {}
    for t in m.get("trees", []):
        for ent in t["entries"]:
            entries.setdefault(ent["path"], []).append(ent)
    for p, sha in e.get("files", {}).items():
        got = entries.get(p, [])
        ok(bool(got), "%s: no file %s in any unpacked tree" % (name, p))
        if got and sha:
            ok(any(x.get("sha256") == sha for x in got),
               "%s: %s sha256 %s, want %s" % (name, p, [x.get("sha256") for x in got], sha))
    if "min_files" in e:
        n = sum(1 for lst in entries.values() for x in lst if x["type"] == "file")
        ok(n >= e["min_files"], "%s: %d regular files, want >= %d" % (name, n, e["min_files"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--only", help="run only this expectation file (basename)")
    args = ap.parse_args()
    samples = os.path.join(args.shared, "samples")
    if not os.path.isdir(samples):
        print("samples not found; skipping")
        return 77
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample_formats")
    for f in sorted(glob.glob(os.path.join(here, "*.json"))):
        if args.only and os.path.basename(f) != args.only:
            continue
        with open(f) as fh:
            for e in json.load(fh):
                check_entry(args.firmgate, samples, e)
    print("sample formats: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
