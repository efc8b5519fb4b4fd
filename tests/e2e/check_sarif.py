#!/usr/bin/env python3
"""End-to-end: SARIF output validates against the official SARIF 2.1.0
schema, and fingerprints are stable across scans and across releases."""
import argparse
import json
import os
import shutil
import subprocess
import sys

import jsonschema

passed = 0
failed = 0


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)


def sarif(fg, target):
    p = subprocess.run([fg, "scan", target, "--format", "sarif", "--fail-on", "none"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    ok(p.returncode == 0, "%s: exit %d %s" % (target, p.returncode, p.stderr.decode()[-300:]))
    return json.loads(p.stdout)


def fingerprints(doc):
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
            r["partialFingerprints"]["firmgateFinding/v1"] for r in doc["runs"][0]["results"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--demo", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--corpus")
    a = ap.parse_args()
    schema = json.load(open(os.path.join(a.source, "tests", "data", "schemas", "sarif-2.1.0-rtm.5.json")))
    validator = jsonschema.Draft4Validator(schema)

    targets = [a.demo]
    if a.corpus:
        targets += [os.path.join(a.corpus, "images", n) for n in
                    ("rtr-a_trx.bin", "cam-b_squashfs-gzip.img", "gw-c_rootfs.tar.gz")]
    for t in targets:
        if not os.path.exists(t):
            continue
        doc = sarif(a.firmgate, t)
        errors = sorted(validator.iter_errors(doc), key=str)
        ok(not errors, "%s: SARIF invalid: %s" % (t, [e.message for e in errors[:3]]))
        run = doc["runs"][0]
        rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
        ok(all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"]),
           "%s: ruleIndex points at the rule" % t)
        ok(len(rules) == len(set(rules)), "%s: rules unique" % t)
        ok(fingerprints(doc) == fingerprints(sarif(a.firmgate, t)), "%s: fingerprints identical across two scans" % t)

    # Two releases of the same product: lines move, other files change, the
    # planted problems stay. Their fingerprints must not change.
    src = os.path.join(a.source, "demo", "rootfs")
    v1 = os.path.join(a.tmp, "release-1")
    v2 = os.path.join(a.tmp, "release-2")
    for d in (v1, v2):
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(src, d, symlinks=True)
    with open(os.path.join(v2, "etc", "init.d", "S45telnetd")) as f:
        script = f.read()
    with open(os.path.join(v2, "etc", "init.d", "S45telnetd"), "w") as f:
        f.write(script.replace("#!/bin/sh\n", "#!/bin/sh\n# release 2: new comment lines\n# shift the rest\n", 1))
    with open(os.path.join(v2, "etc", "shadow")) as f:
        shadow = f.read()
    with open(os.path.join(v2, "etc", "shadow"), "w") as f:
        f.write("svc:*:19000:0:99999:7:::\n" + shadow)
    with open(os.path.join(v2, "etc", "hostname"), "w") as f:
        f.write("demo-router-2\n")
    f1, f2 = fingerprints(sarif(a.firmgate, v1)), fingerprints(sarif(a.firmgate, v2))
    ok(len(f1) >= 3, "release 1 has the demo findings (%d)" % len(f1))
    ok(f1 == f2, "unchanged findings keep their fingerprints across releases: %s vs %s" % (f1, f2))

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
