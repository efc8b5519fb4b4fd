#!/usr/bin/env python3
"""End-to-end: firmgate's SBOMs on corpus images.

CycloneDX 1.6 output is validated against the official JSON schema
(vendored under tests/data/schemas, references resolved offline); SPDX
2.3 output against the specification's rules (and its JSON schema when
one is vendored). Both must be deterministic: the same input gives the
same bytes under one SOURCE_DATE_EPOCH, and only the timestamp differs
under another. `firmgate scan --format cyclonedx,spdx -o DIR` must write
the same documents as `firmgate sbom`.
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


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)
    return cond


def run(cmd, epoch="1700000000"):
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=900)


def load_cdx_validator(schemas):
    import jsonschema
    base = os.path.join(schemas, "cyclonedx")
    docs = {}
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        with open(os.path.join(base, name)) as f:
            docs[name] = json.load(f)
    main = docs["bom-1.6.schema.json"]
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7
        resources = []
        for doc in docs.values():
            r = Resource.from_contents(doc, default_specification=DRAFT7)
            resources.append((doc["$id"], r))
        registry = Registry().with_resources(resources)
        return jsonschema.Draft7Validator(main, registry=registry,
                                          format_checker=jsonschema.FormatChecker())
    except ImportError:
        store = {doc["$id"]: doc for doc in docs.values()}

        def offline(uri):
            raise RuntimeError("schema reference not vendored: " + uri)
        resolver = jsonschema.RefResolver.from_schema(main, store=store,
                                                      handlers={"http": offline, "https": offline})
        return jsonschema.Draft7Validator(main, resolver=resolver,
                                          format_checker=jsonschema.FormatChecker())


def check_cdx(label, doc, validator, report):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:5]:
        print("  %s: %s at %s" % (label, e.message[:200], "/".join(str(p) for p in e.path)))
    ok(not errors, "%s: CycloneDX document does not validate (%d errors)" % (label, len(errors)))
    ok(re.match(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                doc.get("serialNumber", "")), "%s: serialNumber is not a name-based UUID" % label)
    comps = doc.get("components", [])
    ok(len(comps) == len(report["components"]),
       "%s: %d CycloneDX components for %d in the report" % (label, len(comps), len(report["components"])))
    refs = [c["bom-ref"] for c in comps]
    ok(len(refs) == len(set(refs)), "%s: duplicate bom-refs" % label)
    deps = doc.get("dependencies", [{}])[0].get("dependsOn", [])
    ok(sorted(deps) == sorted(refs), "%s: firmware does not depend on every component" % label)
    for c in comps:
        if c["name"] == "busybox":
            ok(c.get("cpe", "").startswith("cpe:2.3:a:busybox:busybox:") and c.get("purl"),
               "%s: busybox without CPE or purl" % label)
            ok(c.get("evidence", {}).get("occurrences"), "%s: busybox without evidence" % label)
            ok(any(h["alg"] == "SHA-256" for h in c.get("hashes", [])), "%s: busybox without hash" % label)


SPDXID = re.compile(r"^SPDXRef-[A-Za-z0-9.\-]+$")
PURPOSES = {"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING-SYSTEM", "DEVICE",
            "FIRMWARE", "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER"}
REL_TYPES = {"DESCRIBES", "CONTAINS", "DEPENDS_ON", "CONTAINED_BY"}
CPE23 = re.compile(r"^cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!\"#$$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+(\?*|\*?))|[\*\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!\"#$$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+(\?*|\*?))|[\*\-])){4}$")


def check_spdx_rules(label, doc, report):
    """The SPDX 2.3 specification's requirements on what firmgate writes."""
    for key in ("spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace", "creationInfo"):
        ok(key in doc, "%s: SPDX document lacks %s" % (label, key))
    ok(doc.get("spdxVersion") == "SPDX-2.3" and doc.get("dataLicense") == "CC0-1.0"
       and doc.get("SPDXID") == "SPDXRef-DOCUMENT", "%s: SPDX header fields" % label)
    ci = doc.get("creationInfo", {})
    ok(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", ci.get("created", "")) and
       all(re.match(r"^(Tool|Organization|Person): .+", c) for c in ci.get("creators", [])) and ci.get("creators"),
       "%s: creationInfo" % label)
    ok(re.match(r"^https?://[^\s#]+$", doc.get("documentNamespace", "")), "%s: namespace is no URI" % label)
    ids = ["SPDXRef-DOCUMENT"]
    pkgs = doc.get("packages", [])
    for p in pkgs:
        ids.append(p.get("SPDXID", ""))
        bad = [k for k in ("SPDXID", "name", "downloadLocation") if k not in p]
        ok(not bad, "%s: package %s lacks %s" % (label, p.get("name"), bad))
        ok(p.get("primaryPackagePurpose", "OTHER") in PURPOSES, "%s: purpose of %s" % (label, p.get("name")))
        sup = p.get("supplier", "NOASSERTION")
        ok(sup == "NOASSERTION" or re.match(r"^(Organization|Person): .+", sup), "%s: supplier %r" % (label, sup))
        if p.get("filesAnalyzed", True):
            ok("packageVerificationCode" in p, "%s: analysed package without verification code" % label)
        for r in p.get("externalRefs", []):
            if r["referenceType"] == "cpe23Type":
                ok(r["referenceCategory"] == "SECURITY" and CPE23.match(r["referenceLocator"]),
                   "%s: bad cpe23Type %s" % (label, r["referenceLocator"]))
            elif r["referenceType"] == "purl":
                ok(r["referenceCategory"] == "PACKAGE-MANAGER" and r["referenceLocator"].startswith("pkg:"),
                   "%s: bad purl %s" % (label, r["referenceLocator"]))
            else:
                ok(False, "%s: unexpected external reference %s" % (label, r))
        for a in p.get("annotations", []):
            ok(a.get("annotationType") in ("REVIEW", "OTHER") and a.get("annotator") and a.get("comment")
               and a.get("annotationDate"), "%s: annotation of %s" % (label, p.get("name")))
    for f in doc.get("files", []):
        ids.append(f.get("SPDXID", ""))
        sums = {c["algorithm"]: c["checksumValue"] for c in f.get("checksums", [])}
        ok(f.get("fileName", "").startswith("./"), "%s: fileName %s" % (label, f.get("fileName")))
        ok(re.match(r"^[0-9a-f]{40}$", sums.get("SHA1", "")) and re.match(r"^[0-9a-f]{64}$", sums.get("SHA256", "")),
           "%s: checksums of %s" % (label, f.get("fileName")))
    ok(all(SPDXID.match(i) for i in ids), "%s: malformed SPDXID" % label)
    ok(len(ids) == len(set(ids)), "%s: duplicate SPDXIDs" % label)
    known = set(ids)
    rels = doc.get("relationships", [])
    for r in rels:
        ok(r.get("relationshipType") in REL_TYPES and r.get("spdxElementId") in known and
           r.get("relatedSpdxElement") in known, "%s: dangling relationship %s" % (label, r))
    ok(any(r["relationshipType"] == "DESCRIBES" and r["spdxElementId"] == "SPDXRef-DOCUMENT" for r in rels),
       "%s: document describes nothing" % label)
    ok(len(pkgs) == len(report["components"]) + 1,
       "%s: %d SPDX packages for %d components" % (label, len(pkgs) - 1, len(report["components"])))


def check_spdx(label, doc, report, schemas):
    check_spdx_rules(label, doc, report)
    path = os.path.join(schemas, "spdx", "spdx-2.3.schema.json")
    ok(os.path.exists(path), "%s: SPDX schema %s missing" % (label, path))
    if os.path.exists(path):
        import jsonschema
        validator = getattr(jsonschema, "Draft201909Validator", jsonschema.Draft7Validator)
        v = validator(json.load(open(path)))
        errors = list(v.iter_errors(doc))
        ok(not errors, "%s: SPDX document does not validate: %s" % (label, errors[:1]))
        # the schema has teeth: a package without downloadLocation and an
        # unknown relationship type are refused
        bad = json.loads(json.dumps(doc))
        if bad.get("packages"):
            bad["packages"][0].pop("downloadLocation", None)
            ok(list(v.iter_errors(bad)), "%s: schema accepted a package without downloadLocation" % label)
        bad = json.loads(json.dumps(doc))
        if bad.get("relationships"):
            bad["relationships"][0]["relationshipType"] = "LIKES"
            ok(list(v.iter_errors(bad)), "%s: schema accepted relationshipType LIKES" % label)


def strip_time(text):
    text = re.sub(r'"(timestamp|created|annotationDate)": "[^"]*"', r'"\1": ""', text)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--tmp", required=True)
    args = ap.parse_args()
    try:
        validator = load_cdx_validator(args.schemas)
    except ImportError:
        print("python jsonschema is missing (Debian: python3-jsonschema)")
        return 1
    targets = [os.path.join(args.corpus, ".build", "trees", "rtr-a"),
               os.path.join(args.corpus, "images", "cam-b_squashfs-gzip.img"),
               os.path.join(args.corpus, "images", "rtr-a_flash-16m.bin"),
               os.path.join(args.corpus, "images", "di-armel_sheevaplug_uInitrd")]
    shutil.rmtree(args.tmp, ignore_errors=True)
    os.makedirs(args.tmp)
    for target in targets:
        label = os.path.basename(target)
        if not ok(os.path.exists(target), "%s missing" % target):
            continue
        rep = run([args.firmgate, "scan", target, "--format", "json", "--fail-on", "none"])
        if not ok(rep.returncode == 0, "%s: scan failed" % label):
            continue
        report = json.loads(rep.stdout)
        outs = {}
        for fmt in ("cyclonedx", "spdx"):
            a = run([args.firmgate, "sbom", target, "--format", fmt])
            b = run([args.firmgate, "sbom", target, "--format", fmt])
            c = run([args.firmgate, "sbom", target, "--format", fmt], epoch="1800000000")
            if not ok(a.returncode == 0 and b.returncode == 0 and c.returncode == 0,
                      "%s: sbom --format %s failed: %s" % (label, fmt, a.stderr.decode()[-300:])):
                continue
            ok(a.stdout == b.stdout, "%s: %s output differs between two runs" % (label, fmt))
            ok(a.stdout != c.stdout and strip_time(a.stdout.decode()) == strip_time(c.stdout.decode()),
               "%s: %s output depends on more than SOURCE_DATE_EPOCH" % (label, fmt))
            outs[fmt] = a.stdout
            doc = json.loads(a.stdout)
            if fmt == "cyclonedx":
                check_cdx(label, doc, validator, report)
            else:
                check_spdx(label, doc, report, args.schemas)
        out_dir = os.path.join(args.tmp, label)
        s = run([args.firmgate, "scan", target, "--format", "json,cyclonedx,spdx", "-o", out_dir,
                 "--fail-on", "none", "-q"])
        if ok(s.returncode == 0, "%s: scan -o failed: %s" % (label, s.stderr.decode()[-300:])):
            for fmt, name in (("cyclonedx", "firmgate-sbom.cdx.json"), ("spdx", "firmgate-sbom.spdx.json")):
                path = os.path.join(out_dir, name)
                ok(os.path.exists(path) and open(path, "rb").read() == outs.get(fmt),
                   "%s: scan -o %s differs from firmgate sbom" % (label, name))
    bad = run([args.firmgate, "sbom", targets[0], "--format", "xml"])
    ok(bad.returncode == 2, "sbom --format xml: exit %d, want 2" % bad.returncode)
    # --signatures: a user's rule finds the web UI's firmware version
    sig = os.path.join(args.tmp, "user.sigs")
    with open(sig, "w") as f:
        f.write("component examplenet-webui\ntype application\nmatch \"<p>Firmware \"\n"
                "version \"<p>Firmware (\\d+\\.\\d+\\.\\d+)</p>\"\nfile-glob /www/*\n")
    user = run([args.firmgate, "sbom", targets[0], "--signatures", sig])
    if ok(user.returncode == 0, "sbom --signatures: exit %d: %s" % (user.returncode, user.stderr.decode())):
        names = {(c["name"], c.get("version")) for c in json.loads(user.stdout)["components"]}
        ok(("examplenet-webui", "3.2.1") in names, "sbom --signatures: user component missing")
    with open(sig, "w") as f:
        f.write("component broken\nmatch \"ab\"\n")
    broken = run([args.firmgate, "sbom", targets[0], "--signatures", sig])
    ok(broken.returncode == 2 and b"user.sigs:2" in broken.stderr,
       "sbom with a broken signature file: exit %d, %s" % (broken.returncode, broken.stderr.decode()))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
