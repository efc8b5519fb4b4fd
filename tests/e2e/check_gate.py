#!/usr/bin/env python3
"""End-to-end: the release gate of `firmgate scan`.

On the clean corpus image (its only finding at or above medium is one
hardening.pie finding, looked up from a first scan, not hard-coded):
  - `--fail-on medium` fails (exit 1); a suppressions file with one
    justified entry for that finding makes it pass (exit 0), while the
    JSON and SARIF reports still carry the finding, marked suppressed with
    the justification (SARIF validated against the official schema);
  - `.firmgate-ignore.yaml` in the current directory is read by default,
    `--no-suppress` ignores it, `--suppress FILE` names another;
  - an expired entry warns (naming file, line and entry) and suppresses
    nothing; a file with errors is a usage error (exit 2) with the message;
  - `--severity` overrides change the gate and are recorded in the report;
    `off` keeps a check from running;
  - the summary line on stderr, and `--fail-on-standard` composing with the
    other gates.
With the test vulnerability database (vulndata/ of the shared material, as
e2e.vulns builds it): `--fail-on-kev` fails on a root filesystem whose Samba
matches CVE-2017-7494 (in CISA KEV), and passes when a VEX statement says
the product is not affected.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

passed = 0
failed = 0
FG = None
TMP = None


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)
    return cond


def run(args, cwd=None):
    return subprocess.run([FG] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd or TMP,
                          timeout=600)


def report(p, what):
    if not ok(p.returncode in (0, 1) and p.stdout[:1] == b"{", "%s: a report (exit %d, %s)" % (
            what, p.returncode, p.stderr.decode()[-300:])):
        return {"findings": [], "summary": {}, "checks_run": [], "diagnostics": []}
    return json.loads(p.stdout)


SUMMARY = re.compile(r"^firmgate: (PASS|FAIL) gate=(\w+)(\+kev)? findings=(\d+) \(critical (\d+), high (\d+), "
                     r"medium (\d+), low (\d+), info (\d+), suppressed (\d+)\) kev=(\d+)"
                     r"( standards: .*)?$")


def summary(p):
    """The gate line: the last line on stderr."""
    lines = p.stderr.decode().strip().splitlines()
    m = SUMMARY.match(lines[-1]) if lines else None
    ok(m is not None, "summary line on stderr: %r" % (lines[-1:] if lines else p.stderr))
    return m


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def check_suppressions(image, validator):
    # the finding the gate is about, taken from the report itself
    p = run(["scan", image, "-f", "json", "--fail-on", "medium"])
    rep = report(p, "baseline scan")
    ok(p.returncode == 1, "clean image fails --fail-on medium (exit %d)" % p.returncode)
    gating = [f for f in rep["findings"] if f["severity"] in ("medium", "high", "critical")]
    if not ok(len(gating) == 1, "exactly one finding at or above medium (%d)" % len(gating)):
        return
    target = gating[0]
    m = summary(p)
    if m:
        ok(m.group(1) == "FAIL" and m.group(2) == "medium" and int(m.group(4)) == len(rep["findings"])
           and int(m.group(7)) == 1 and m.group(10) == "0", "summary: FAIL gate=medium, one medium finding")

    ignore = write("ignore.yaml",
                   "# accepted for this release\n"
                   "suppressions:\n"
                   "  - fingerprint: %s\n"
                   "    justification: built by the vendor SDK without PIE; tracked in PRJ-7\n"
                   "    owner: release-team\n"
                   "    expires: 2099-12-31\n" % target["fingerprint"])
    p = run(["scan", image, "-f", "json", "--fail-on", "medium", "--suppress", ignore])
    rep = report(p, "suppressed scan")
    ok(p.returncode == 0, "the justified suppression passes the gate (exit %d)" % p.returncode)
    same = [f for f in rep["findings"] if f["fingerprint"] == target["fingerprint"]]
    ok(len(same) == 1 and same[0]["severity"] == target["severity"], "the finding is still in the JSON report")
    sup = same[0].get("suppression") if same else None
    ok(sup is not None and sup["justification"].startswith("built by the vendor SDK")
       and sup["owner"] == "release-team" and sup["expires"] == "2099-12-31"
       and sup["source"] == ignore + ":3" and sup["matched_by"] == "fingerprint",
       "JSON: the finding carries its suppression (%r)" % sup)
    ok(rep["summary"].get("suppressed") == 1, "JSON summary counts one suppressed finding")
    ok(all(f["suppression"] is None for f in rep["findings"] if f["fingerprint"] != target["fingerprint"]),
       "nothing else is suppressed")
    entries = (rep.get("suppressions") or {}).get("entries", [])
    ok(len(entries) == 1 and entries[0]["suppressed"] == 1 and not entries[0]["expired"],
       "JSON lists the entry and what it suppressed")
    m = summary(p)
    if m:
        ok(m.group(1) == "PASS" and m.group(7) == "0" and m.group(10) == "1",
           "summary: PASS, medium 0, suppressed 1")

    p = run(["scan", image, "-f", "sarif", "--fail-on", "medium", "--suppress", ignore])
    ok(p.returncode == 0, "SARIF scan passes the gate (exit %d)" % p.returncode)
    doc = json.loads(p.stdout) if p.returncode == 0 else {"runs": [{"results": []}]}
    if validator:
        errors = sorted(validator.iter_errors(doc), key=str)
        ok(not errors, "SARIF with suppressions validates: %s" % [e.message[:120] for e in errors[:3]])
    results = [r for r in doc["runs"][0]["results"]
               if r["partialFingerprints"]["firmgateFinding/v1"] == target["fingerprint"]]
    sups = results[0].get("suppressions", []) if results else []
    ok(len(results) == 1 and len(sups) == 1 and sups[0]["kind"] == "external"
       and sups[0]["justification"].startswith("built by the vendor SDK"),
       "SARIF: the result is still there with an external suppression (%r)" % sups)
    ok(all("suppressions" not in r for r in doc["runs"][0]["results"] if r not in results),
       "SARIF: no other result is suppressed")

    p = run(["scan", image, "-f", "text", "-o", os.path.join(TMP, "out"), "--fail-on", "medium",
             "--suppress", ignore, "-q"])
    text = open(os.path.join(TMP, "out", "firmgate-report.txt")).read() if p.returncode == 0 else ""
    ok("[suppressed]" in text and "built by the vendor SDK" in text, "text report shows the suppression")

    # picked up from the current directory; --no-suppress ignores it
    work = os.path.join(TMP, "project")
    os.makedirs(work, exist_ok=True)
    shutil.copy(ignore, os.path.join(work, ".firmgate-ignore.yaml"))
    p = run(["scan", image, "--fail-on", "medium", "-q"], cwd=work)
    ok(p.returncode == 0, ".firmgate-ignore.yaml in the current directory is read (exit %d)" % p.returncode)
    p = run(["scan", image, "--fail-on", "medium", "-f", "json"], cwd=work)
    ok(b"firmgate: suppressions from ./.firmgate-ignore.yaml" in p.stderr, "reading it is said on stderr")
    ok(json.loads(p.stdout)["suppressions"]["file"] == ".firmgate-ignore.yaml" if p.returncode == 0 else False,
       "the report names the file")
    p = run(["scan", image, "--fail-on", "medium", "-q", "--no-suppress"], cwd=work)
    ok(p.returncode == 1, "--no-suppress ignores it (exit %d)" % p.returncode)
    p = run(["scan", image, "--fail-on", "medium", "-q", "--no-suppress", "--suppress", ignore], cwd=work)
    ok(p.returncode == 2, "--suppress with --no-suppress is a usage error (exit %d)" % p.returncode)

    # an expired entry warns and suppresses nothing
    expired = write("expired.yaml",
                    "suppressions:\n"
                    "  - fingerprint: %s\n"
                    "    justification: accepted for 1.0 only\n"
                    "    expires: 2020-01-31\n" % target["fingerprint"])
    p = run(["scan", image, "-f", "json", "--fail-on", "medium", "--suppress", expired])
    rep = report(p, "expired scan")
    ok(p.returncode == 1, "an expired entry does not pass the gate (exit %d)" % p.returncode)
    warning = "%s:2:5: warning: suppressions[0]: expired on 2020-01-31: it no longer suppresses" % expired
    ok(warning in p.stderr.decode(), "the expiry is warned about with file, line and entry: %r"
       % p.stderr.decode()[:400])
    ok(all(f["suppression"] is None for f in rep["findings"]), "nothing suppressed by an expired entry")
    ok(any(d["stage"] == "suppressions" and "expired on 2020-01-31" in d["message"] for d in rep["diagnostics"]),
       "the expiry is a diagnostic of the report")

    # errors stop the scan before it starts, every one named
    bad = write("bad.yaml",
                "suppressions:\n"
                "  - fingerprint: %s\n"
                "    expires: 31.01.2020\n"
                "  - check: hardening.pie\n"
                "    justification: no path\n" % target["fingerprint"])
    p = run(["scan", image, "--fail-on", "medium", "--suppress", bad])
    err = p.stderr.decode()
    ok(p.returncode == 2, "a suppressions file with errors exits 2 (%d)" % p.returncode)
    for msg in ("%s:3:14: suppressions[0].expires: '31.01.2020' is not a valid date (YYYY-MM-DD)" % bad,
                "%s:2:5: suppressions[0]: required field 'justification' is missing" % bad,
                "%s:4:5: suppressions[1]: required field 'path' is missing" % bad):
        ok(msg in err, "error reported: %s (got %r)" % (msg, err[:500]))
    p = run(["scan", image, "--suppress", os.path.join(TMP, "missing.yaml")])
    ok(p.returncode == 2 and b"missing.yaml" in p.stderr, "a missing --suppress file exits 2")


def check_severity(image):
    # lowering the one medium finding passes --fail-on medium
    p = run(["scan", image, "-f", "json", "--fail-on", "medium", "--severity", "hardening.pie=low"])
    rep = report(p, "--severity pie=low")
    ok(p.returncode == 0, "--severity hardening.pie=low passes --fail-on medium (exit %d)" % p.returncode)
    pie = [f for f in rep["findings"] if f["check_id"] == "hardening.pie"]
    ok(pie and all(f["severity"] == "low" and f["severity_overridden_from"] == "medium" for f in pie),
       "JSON records severity_overridden_from")
    ok(all(f["severity_overridden_from"] is None for f in rep["findings"] if f["check_id"] != "hardening.pie"),
       "other findings keep their severity")

    # raising a check fails a gate nothing else reaches
    p = run(["scan", image, "--fail-on", "high", "-q"])
    ok(p.returncode == 0, "clean image passes --fail-on high (exit %d)" % p.returncode)
    p = run(["scan", image, "--fail-on", "high", "-q", "--severity", "hardening.*=low",
             "--severity", "hardening.relro=high"])
    ok(p.returncode == 1, "--severity hardening.relro=high fails --fail-on high (exit %d)" % p.returncode)
    m = summary(p)
    ok(m and int(m.group(6)) > 0 and m.group(7) == "0", "summary counts the raised findings as high")

    # the same from the file's severity map; the command line comes after it
    sev = write("severity.yaml", "severity:\n  hardening.relro: high\n")
    p = run(["scan", image, "--fail-on", "high", "-q", "--suppress", sev])
    ok(p.returncode == 1, "severity: map in the file raises the gate (exit %d)" % p.returncode)
    p = run(["scan", image, "--fail-on", "high", "-q", "--suppress", sev, "--severity", "hardening.relro=low"])
    ok(p.returncode == 0, "--severity after the file's map wins (exit %d)" % p.returncode)

    # off: the check does not run at all
    p = run(["scan", image, "-f", "json", "--fail-on", "medium", "--severity", "hardening.*=off"])
    rep = report(p, "--severity hardening.*=off")
    ok(p.returncode == 0, "hardening.*=off passes --fail-on medium (exit %d)" % p.returncode)
    ok(not any(c.startswith("hardening.") for c in rep["checks_run"]), "off checks are not run")
    ok(not any(f["check_id"].startswith("hardening.") for f in rep["findings"]), "nor do they report")

    for bad in ("hardening.pie", "hardening.pie=loud", "bad pattern=low"):
        p = run(["scan", image, "--severity", bad])
        ok(p.returncode == 2 and b"--severity" in p.stderr, "--severity %r is a usage error" % bad)


def check_standards(image):
    p = run(["scan", image, "--fail-on", "none", "--fail-on-standard", "uk-psti", "-q"])
    ok(p.returncode == 0, "clean image passes --fail-on-standard uk-psti (exit %d)" % p.returncode)
    m = summary(p)
    ok(m and m.group(2) == "none" and (m.group(12) or "").startswith(" standards: uk-psti mandatory fail 0"),
       "summary names the standard gate")
    # composes: the standard passes but the finding gate fails
    p = run(["scan", image, "--fail-on", "medium", "--fail-on-standard", "uk-psti,etsi-en-303-645", "-q"])
    ok(p.returncode == 1, "--fail-on medium still fails beside --fail-on-standard (exit %d)" % p.returncode)
    m = summary(p)
    ok(m and "uk-psti mandatory fail" in (m.group(12) or "") and "etsi-en-303-645 mandatory fail"
       in (m.group(12) or ""), "both standards in the summary")
    p = run(["scan", image, "--standard", "uk-psti", "--fail-on-standard", "etsi-en-303-645"])
    ok(p.returncode == 2 and b"not among --standard" in p.stderr,
       "--fail-on-standard of a standard --standard leaves out is a usage error")


def check_kev(shared):
    data = os.path.join(shared, "vulndata")
    if not os.path.isdir(os.path.join(data, "nvd")):
        print("SKIP: no vulndata in %s: --fail-on-kev not tested" % shared)
        return
    db = os.path.join(TMP, "vulndb.sqlite")
    if os.path.exists(db):
        os.unlink(db)
    nvd = sorted(os.path.join(data, "nvd", f) for f in os.listdir(os.path.join(data, "nvd")))
    p = run(["db", "import", "--vulndb", db] + nvd + [os.path.join(data, "kev.json")])
    if not ok(p.returncode == 0, "import of the test data: %s" % p.stderr.decode()[-300:]):
        return
    rootfs = os.path.join(TMP, "kev-rootfs")
    shutil.rmtree(rootfs, ignore_errors=True)
    os.makedirs(os.path.join(rootfs, "usr", "sbin"))
    os.makedirs(os.path.join(rootfs, "etc"))
    with open(os.path.join(rootfs, "usr", "sbin", "smbd"), "wb") as f:
        f.write(b"\x7fELF\0\0junk\0Samba 4.5.9\0")
    with open(os.path.join(rootfs, "etc", "os-release"), "w") as f:
        f.write('NAME="OpenWrt"\nVERSION_ID="18.06.2"\nID=openwrt\n')
    base = ["scan", rootfs, "--vulndb", db, "--vulndb-max-age", "0", "--fail-on", "none"]
    p = run(base + ["-f", "json"])
    rep = report(p, "KEV scan")
    kev = [v for v in rep.get("vulnerabilities", []) if v["kev"] and v["status"] == "affected"]
    ok(any(v["id"] == "CVE-2017-7494" for v in kev), "Samba 4.5.9 matches CVE-2017-7494, in KEV")
    ok(rep["summary"].get("kev") == len({v["id"] for v in kev}) and rep["summary"].get("kev", 0) >= 1,
       "JSON summary counts the KEV vulnerabilities")
    ok(p.returncode == 0, "without --fail-on-kev a KEV match does not fail (exit %d)" % p.returncode)
    p = run(base + ["--fail-on-kev", "-q"])
    ok(p.returncode == 1, "--fail-on-kev fails on the KEV match (exit %d)" % p.returncode)
    m = summary(p)
    ok(m and m.group(1) == "FAIL" and m.group(3) == "+kev" and int(m.group(11)) >= 1, "summary: gate=none+kev kev>=1")

    # a VEX statement clears it: the gate passes
    vex = os.path.join(TMP, "samba.openvex.json")
    with open(vex, "w") as f:
        json.dump({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:test:gate", "author": "test",
                   "timestamp": "2026-01-01T00:00:00Z", "version": 1,
                   "statements": [{"vulnerability": {"name": v["id"]},
                                   "products": [{"@id": "samba"}], "status": "not_affected",
                                   "justification": "vulnerable_code_not_in_execute_path",
                                   "impact_statement": "no writable shares"} for v in kev]}, f)
    p = run(base + ["--fail-on-kev", "-q", "--vex", vex])
    ok(p.returncode == 0, "--fail-on-kev passes once VEX says not affected (exit %d, %s)"
       % (p.returncode, p.stderr.decode()[-200:]))


def main():
    global FG, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    FG = os.path.abspath(a.firmgate)
    TMP = os.path.abspath(a.tmp)
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    try:
        import jsonschema
        schema = json.load(open(os.path.join(a.source, "tests", "data", "schemas", "sarif-2.1.0-rtm.5.json")))
        validator = jsonschema.Draft4Validator(schema)
    except ImportError:
        print("note: python3-jsonschema missing: SARIF not validated")
        validator = None

    image = os.path.join(a.corpus, "images", "clean-d_rootfs.tar.gz")
    if not os.path.exists(image):
        print("SKIP: no corpus image %s" % image)
        return 77
    check_suppressions(image, validator)
    check_severity(image)
    check_standards(image)
    check_kev(a.shared)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
