#!/usr/bin/env python3
"""Keeps the component list of docs/SIGNATURES.md in sync with
data/signatures/components.txt.

    scripts/gen-signature-doc.py --write   rewrite the generated section
    scripts/gen-signature-doc.py --check   exit 1 when it is out of date (a test)
"""
import argparse
import os
import sys

BEGIN = "<!-- BEGIN GENERATED: scripts/gen-signature-doc.py -->"
END = "<!-- END GENERATED -->"


def parse(path):
    comps = []
    cur = None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kw, _, rest = line.partition(" ")
        rest = rest.strip()
        if kw == "component":
            cur = {"name": rest, "type": "application", "cpe": "", "how": set(), "packages": ""}
            comps.append(cur)
        elif cur is None:
            continue
        elif kw == "type":
            cur["type"] = rest
        elif kw == "cpe":
            cur["cpe"] = rest
        elif kw == "package":
            cur["packages"] = rest
        elif kw in ("match", "version", "version-near"):
            cur["how"].add("content")
        elif kw == "filename":
            cur["how"].add("file name")
        elif kw == "version-map":
            cur["how"].add("soname map")
    return comps


def table(comps):
    rows = ["| component | type | CPE vendor:product | found by | package names |",
            "|---|---|---|---|---|"]
    for c in sorted(comps, key=lambda c: c["name"].lower()):
        rows.append("| %s | %s | %s | %s | %s |" % (
            c["name"], c["type"], ("`%s`" % c["cpe"]) if c["cpe"] else "",
            ", ".join(sorted(c["how"])), c["packages"]))
    return "%d components.\n\n%s\n" % (len(comps), "\n".join(rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    data = os.path.join(args.root, "data", "signatures", "components.txt")
    doc_path = os.path.join(args.root, "docs", "SIGNATURES.md")
    doc = open(doc_path, encoding="utf-8").read()
    if BEGIN not in doc or END not in doc:
        print("%s: generated-section markers missing" % doc_path)
        return 1
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + BEGIN + "\n" + table(parse(data)) + END + tail
    if args.check:
        if new != doc:
            print("docs/SIGNATURES.md is out of date: run scripts/gen-signature-doc.py --write")
            print("1 passed, 1 failed")
            return 1
        print("docs/SIGNATURES.md lists the %d components of components.txt" % len(parse(data)))
        print("1 passed, 0 failed")
        return 0
    open(doc_path, "w", encoding="utf-8").write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
