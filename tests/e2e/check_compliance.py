#!/usr/bin/env python3
"""End-to-end: requirement verdicts on a corpus image with planted default
passwords and on the clean variant, the standards listing, and the
--standard / --fail-on-standard options."""
import argparse
import json
import os
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


def run(fg, *args):
    return subprocess.run([fg] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)


def verdicts(fg, image, *extra):
    p = run(fg, "scan", image, "--format", "json", "--fail-on", "none", *extra)
    ok(p.returncode == 0, "%s: exit %d" % (image, p.returncode))
    rep = json.loads(p.stdout)
    return rep, {(v["standard"], v["requirement"]): v for v in rep["compliance"]}


# Requirements the password checks bear on, in four baselines.
PASSWORD_REQS = [
    ("etsi-en-303-645", "5.1-1"),
    ("uk-psti", "Sch 1 para 1(2)"),
    ("au-code-of-practice", "Principle 1"),
    ("nist-ir-8259a", "Logical Access to Interfaces (2)"),
]


def consistent(v):
    """The verdict follows the requirement's class when nothing failed."""
    if v["verdict"] == "fail":
        return v["findings"] > 0
    return {"declaration": "declaration-missing", "device": "needs-device-test"}.get(
        v["class"], v["verdict"]) == v["verdict"] and (
        v["class"] != "firmware" or v["verdict"] in ("pass", "not-determined"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    fg = a.firmgate
    planted = os.path.join(a.corpus, "images", "cam-b_squashfs-gzip.img")
    clean = os.path.join(a.corpus, "images", "clean-d_rootfs.tar.gz")

    rep_p, vp = verdicts(fg, planted)
    rep_c, vc = verdicts(fg, clean)
    for key in PASSWORD_REQS:
        ok(vp.get(key, {}).get("verdict") == "fail", "planted image: %s %s should fail (%s)" % (key + (vp.get(key),)))
        ok(vc.get(key, {}).get("verdict") == "pass", "clean image: %s %s should pass (%s)" % (key + (vc.get(key),)))

    for std in ("etsi-en-303-645", "etsi-en-303-645-v3", "uk-psti"):
        for vs, name in ((vp, "planted"), (vc, "clean")):
            reqs = [v for (s, _), v in vs.items() if s == std]
            ok(len(reqs) == {"etsi-en-303-645": 68, "etsi-en-303-645-v3": 78, "uk-psti": 14}[std],
               "%s: %s has every requirement" % (name, std))
            bad = [v["requirement"] + ":" + v["verdict"] for v in reqs if not consistent(v)]
            ok(not bad, "%s: %s verdicts inconsistent with their class: %s" % (name, std, bad))
    summaries = {s["id"]: s for s in rep_p["standards"]}
    ok(len(summaries) == 20, "every catalogued standard is summarised (%d)" % len(summaries))
    ok(summaries["uk-psti"]["mandatory"]["fail"] >= 1, "planted: UK PSTI mandatory failures counted")

    # Selection and the gate.
    rep, vs = verdicts(fg, planted, "--standard", "uk-psti")
    ok({s for s, _ in vs} == {"uk-psti"}, "--standard keeps only that standard")
    p = run(fg, "scan", planted, "--fail-on", "none", "--fail-on-standard", "uk-psti", "-q")
    ok(p.returncode == 1, "--fail-on-standard uk-psti fails the planted image (exit %d)" % p.returncode)
    p = run(fg, "scan", clean, "--fail-on", "none", "--fail-on-standard", "uk-psti", "-q")
    ok(p.returncode == 0, "--fail-on-standard uk-psti passes the clean image (exit %d)" % p.returncode)
    p = run(fg, "scan", clean, "--standard", "no-such-standard")
    ok(p.returncode == 2 and b"unknown standard" in p.stderr, "unknown standard is a usage error")

    p = run(fg, "standards")
    ok(p.returncode == 0 and p.stdout.count(b"\n") == 21, "standards lists 20 baselines")
    p = run(fg, "standards", "show", "etsi-en-303-645")
    ok(p.returncode == 0 and b"5.1-1" in p.stdout and b"credentials.default-password" in p.stdout,
       "standards show lists requirements and their checks")
    p = run(fg, "standards", "show", "nope")
    ok(p.returncode == 2, "standards show of an unknown ID is a usage error")

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
