#!/usr/bin/env python3
"""End-to-end: the manufacturer's declaration on the corpus images.

- The image with planted default passwords (cam-b) fails the password
  requirements of ETSI EN 303 645 (V2 and V3), UK PSTI, Australia
  principle 1 and NIST IR 8259A, with or without a declaration that claims
  otherwise; the clean variant (clean-d) with its complete declaration
  (tests/data/declaration/clean.yaml) passes or declares them.
- Every requirement of ETSI EN 303 645 (both editions) and UK PSTI gets the
  verdict an independent reading of the data tables gives (catalog.tsv,
  families.tsv, declaration-map.tsv, the report's findings, the YAML), and
  the requirements the declaration map names get the verdicts listed here.
- Invalid declarations and an expired security.txt give exact messages.
- The example declaration and the test declarations validate against
  docs/declaration.schema.json (python3-jsonschema) and load in firmgate.
- `firmgate statement` writes the draft UK PSTI statement.
"""
import argparse
import datetime
import html.parser
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

passed = 0
failed = 0
NOW = "1748736000"  # 2025-06-01T00:00:00Z: dates in the tests are relative to it


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)


def run(fg, *args, cwd=None):
    env = dict(os.environ, FG_NOW=NOW)
    return subprocess.run([fg] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=900, env=env, cwd=cwd)


def report(fg, image, *extra):
    p = run(fg, "scan", image, "--format", "json", "--fail-on", "none", "-j", "2", *extra)
    ok(p.returncode == 0, "%s %s: exit %d: %s" % (image, extra, p.returncode, p.stderr[-400:]))
    return json.loads(p.stdout)


# ---- an independent reading of the tables -------------------------------------------

def tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]


class Tables:
    def __init__(self, src):
        d = os.path.join(src, "data", "standards")
        self.families = {r[0]: [c for c in r[1].split(",") if c] for r in tsv(os.path.join(d, "families.tsv"))}
        self.reqs = [dict(standard=r[0], id=r[1], level=r[2], cls=r[3],
                          families=[f for f in r[4].split(",") if f]) for r in tsv(os.path.join(d, "catalog.tsv"))]
        self.rules = []
        for r in tsv(os.path.join(d, "declaration-map.tsv")):
            reqs = [tuple(x.split("/", 1)) for x in r[3].split(";")]
            self.rules.append(dict(fields=r[0].split("+"), na=r[1] == "not-applicable",
                                   family=None if r[2] == "-" else r[2], reqs=reqs))

    def checks_of(self, families, registered):
        out = []
        for f in families:
            for c in self.families.get(f, []):
                if c in registered and c not in out:
                    out.append(c)
        return out


def flatten(node, prefix, out):
    """Declaration fields as firmgate keeps them: dotted paths, booleans as true/false."""
    if isinstance(node, dict):
        for k, v in node.items():
            if prefix == "" and k == "requirements":
                continue
            flatten(v, prefix + ("." if prefix else "") + str(k), out)
    elif node is not None:
        if isinstance(node, bool):
            node = "true" if node else "false"
        elif isinstance(node, (datetime.date, datetime.datetime)):
            node = node.isoformat()
        out[prefix] = str(node)


def term_holds(fields, term):
    path, _, values = term.partition("=")
    present = any(f == path or f.startswith(path + ".") for f in fields)
    if not values:
        return present
    return path in fields and fields[path] in values.split("|")


def expected_verdicts(t, rep, decl):
    registered = set(rep["checks_run"])
    ran_ok = bool(rep["filesystems"])
    hits = {}
    for f in rep["findings"]:
        if f["severity"] != "info":
            hits[f["check_id"]] = hits.get(f["check_id"], 0) + 1
    fields, stmts = {}, {}
    if decl:
        flatten(decl, "", fields)
        stmts = decl.get("requirements") or {}
    out = {}
    for r in t.reqs:
        checks = t.checks_of(r["families"], registered)
        found = sum(hits.get(c, 0) for c in checks)
        stmt = stmts.get(r["standard"] + "/" + r["id"])
        active = [u for u in t.rules if decl and (r["standard"], r["id"]) in u["reqs"]
                  and all(term_holds(fields, x) for x in u["fields"])]
        refuting = sum(hits.get(c, 0) for u in active if u["family"]
                       for c in t.checks_of([u["family"]], registered) if c not in checks)
        if found or refuting:
            v = "fail"
        elif stmt and stmt["status"] == "not-met":
            v = "fail"
        elif (stmt and stmt["status"] == "not-applicable") or (not stmt and any(u["na"] for u in active)):
            v = "not-applicable"
        elif r["cls"] == "FW" and checks and ran_ok:
            v = "pass"
        elif stmt or active:
            v = "declared"
        else:
            v = {"FW": "not-determined", "DECL": "declaration-missing"}.get(r["cls"], "needs-device-test")
        out[(r["standard"], r["id"])] = (v, found + refuting)
    return out


def compare(t, rep, decl, name, standards):
    want = expected_verdicts(t, rep, decl)
    got = {(v["standard"], v["requirement"]): v for v in rep["compliance"]}
    n = 0
    for key, (verdict, findings) in want.items():
        if key[0] not in standards:
            continue
        n += 1
        v = got.get(key)
        ok(v is not None and v["verdict"] == verdict and v["findings"] == findings,
           "%s: %s %s: got %s, the tables say %s (%d findings)" % (
               name, key[0], key[1], v and (v["verdict"], v["findings"]), verdict, findings))
    ok(n == sum(1 for k in got if k[0] in standards), "%s: every requirement compared" % name)


# ---- the cases ------------------------------------------------------------------------------

PASSWORD_REQS = [
    ("etsi-en-303-645", "5.1-1"),
    ("etsi-en-303-645-v3", "5.1-1"),
    ("uk-psti", "Sch 1 para 1(2)"),
    ("au-code-of-practice", "Principle 1"),
    ("nist-ir-8259a", "Logical Access to Interfaces (2)"),
]

# Requirements of the declaration map (ETSI, PSTI) and what the complete
# declaration of the clean image makes of them.
CLEAN_MAPPED = {
    ("etsi-en-303-645", "5.2-1"): "declared",
    ("etsi-en-303-645-v3", "5.2-1"): "declared",
    ("uk-psti", "Sch 1 para 2"): "declared",
    ("etsi-en-303-645", "5.3-13"): "declared",
    ("etsi-en-303-645-v3", "5.3-13"): "declared",
    ("uk-psti", "Sch 1 para 3"): "declared",
    ("uk-psti", "SoC: defined support period"): "declared",
    ("uk-psti", "SoC: manufacturer identity"): "declared",
    ("uk-psti", "SoC: prepared by/for manufacturer"): "declared",
    ("uk-psti", "SoC: product type and batch"): "declared",
    ("uk-psti", "SoC: signatory"): "declared",
    ("etsi-en-303-645", "5.3-11"): "declared",
    ("etsi-en-303-645-v3", "5.3-11"): "declared",
    ("etsi-en-303-645", "5.11-3"): "declared",
    ("etsi-en-303-645-v3", "5.11-3"): "declared",
    ("etsi-en-303-645", "6-1"): "declared",
    ("etsi-en-303-645-v3", "6-1"): "declared",
    ("etsi-en-303-645", "5.1-2"): "declared",           # requirements: met
    ("etsi-en-303-645", "5.5-3"): "fail",               # requirements: not-met
    ("uk-psti", "Sch 1 para 1(3)(a)"): "not-applicable",  # requirements: not-applicable
    ("uk-psti", "Sch 1 para 1(3)(b)"): "not-applicable",
    ("etsi-en-303-645", "5.10-1"): "not-applicable",     # features.telemetry: false
    ("etsi-en-303-645", "6-4"): "not-applicable",
    ("etsi-en-303-645", "6-5"): "not-applicable",
    ("etsi-en-303-645-v3", "6-5"): "not-applicable",
    ("etsi-en-303-645", "6-2"): "not-applicable",        # features.consent_based_processing: false
    ("etsi-en-303-645", "6-3"): "not-applicable",
    ("etsi-en-303-645-v3", "6-3A"): "not-applicable",
    ("etsi-en-303-645-v3", "6-3B"): "not-applicable",
    ("etsi-en-303-645", "5.6-4"): "not-applicable",      # features.physical_debug_interfaces: false
    ("etsi-en-303-645-v3", "5.6-4B"): "not-applicable",
    ("uk-psti", "Sch 1 para 1(2)"): "pass",              # features.passwords: true: firmware decides
    ("uk-psti", "Sch 1 para 1(3)(d)"): "pass",
    ("etsi-en-303-645", "5.1-1"): "pass",
}

# The camera's declaration claims no passwords and 5.1-1 met: the image refutes both.
PLANTED_MAPPED = {
    ("etsi-en-303-645", "5.1-1"): "fail",
    ("etsi-en-303-645", "5.1-2"): "fail",
    ("etsi-en-303-645-v3", "5.1-2"): "fail",
    ("uk-psti", "Sch 1 para 1(2)"): "fail",
    ("uk-psti", "Sch 1 para 1(3)(a)"): "fail",
    ("uk-psti", "Sch 1 para 1(3)(b)"): "fail",
    ("uk-psti", "Sch 1 para 1(3)(c)"): "fail",
    ("uk-psti", "Sch 1 para 1(3)(d)"): "fail",
    ("uk-psti", "Sch 1 para 2"): "declared",             # contact + timelines
    ("etsi-en-303-645", "5.2-1"): "declaration-missing", # no policy_url declared
    ("uk-psti", "Sch 1 para 3"): "declared",
    ("etsi-en-303-645", "5.3-13"): "declared",
    ("uk-psti", "SoC: signatory"): "declaration-missing",
}


def by_key(rep):
    return {(v["standard"], v["requirement"]): v for v in rep["compliance"]}


def check_images(fg, t, corpus, data):
    planted = os.path.join(corpus, "images", "cam-b_squashfs-gzip.img")
    clean = os.path.join(corpus, "images", "clean-d_rootfs.tar.gz")
    clean_decl = os.path.join(data, "declaration", "clean.yaml")
    planted_decl = os.path.join(data, "declaration", "planted.yaml")
    cases = [
        ("planted", planted, None),
        ("planted+declaration", planted, planted_decl),
        ("clean", clean, None),
        ("clean+declaration", clean, clean_decl),
    ]
    reps = {}
    for name, image, decl in cases:
        rep = report(fg, image, *(["--declaration", decl] if decl else []))
        d = yaml.safe_load(open(decl)) if decl else None
        reps[name] = rep
        compare(t, rep, d, name, ("etsi-en-303-645", "etsi-en-303-645-v3", "uk-psti"))
        ok((rep["declaration"] is None) == (decl is None), "%s: the report carries the declaration" % name)

    for key in PASSWORD_REQS:
        for name in ("planted", "planted+declaration"):
            v = by_key(reps[name]).get(key, {})
            ok(v.get("verdict") == "fail" and v.get("findings", 0) > 0, "%s: %s should fail (%s)" % (name, key, v))
        v = by_key(reps["clean+declaration"]).get(key, {})
        ok(v.get("verdict") in ("pass", "declared"), "clean+declaration: %s should pass or be declared (%s)" % (key, v))

    for name, table in (("clean+declaration", CLEAN_MAPPED), ("planted+declaration", PLANTED_MAPPED)):
        got = by_key(reps[name])
        for key, want in table.items():
            v = got.get(key, {})
            ok(v.get("verdict") == want, "%s: %s should be %s (%s)" % (name, key, want, v.get("verdict")))
    # every rule of the map that names ETSI or PSTI is exercised by the two declarations
    mapped = {k for u in t.rules for k in u["reqs"] if k[0] in ("etsi-en-303-645", "etsi-en-303-645-v3", "uk-psti")}
    covered = set(CLEAN_MAPPED) | set(PLANTED_MAPPED)
    ok(len(mapped & covered) >= 25, "the explicit tables cover the map (%d of %d)" % (len(mapped & covered), len(mapped)))

    # the firmware fail keeps the declaration as context
    v = by_key(reps["planted+declaration"])[("etsi-en-303-645", "5.1-1")]
    ok("a declaration cannot refute what the image shows" in v["evidence"] and v["declaration"]
       and "requirements: etsi-en-303-645/5.1-1 is met" in v["declaration"], "planted: 5.1-1 evidence names the refuted declaration")
    v = by_key(reps["clean+declaration"])[("uk-psti", "Sch 1 para 3")]
    ok(v["declaration"] and "support_period.end = 2031-06-30 (line 28)" in v["declaration"],
       "clean: PSTI para 3 carries the declared end date and its line (%s)" % v["declaration"])
    # summaries: mandatory and recommended apart
    s = {x["id"]: x for x in reps["clean+declaration"]["standards"]}
    ok(set(s["uk-psti"]) >= {"mandatory", "recommended", "all"}, "summaries have mandatory, recommended, all")
    ok(s["uk-psti"]["mandatory"]["declared"] == sum(1 for v in reps["clean+declaration"]["compliance"]
                                                  if v["standard"] == "uk-psti" and v["verdict"] == "declared"),
       "PSTI declared count (all mandatory)")
    ok(s["etsi-en-303-645"]["recommended"]["not-applicable"] >= 2, "ETSI recommended not-applicable counted")
    ok(len(s) == 20, "20 standards summarised (%d)" % len(s))
    ok(s["etsi-en-303-645"]["requirements"] == 68 and s["etsi-en-303-645-v3"]["requirements"] == 78,
       "ETSI V2.1.1 has 68 provisions, V3.1.3 78")

    # the gate: --fail-on-standard counts mandatory fails only
    p = run(fg, "scan", clean, "--declaration", clean_decl, "--fail-on", "none", "--fail-on-standard", "uk-psti", "-q")
    ok(p.returncode == 0, "clean+declaration passes --fail-on-standard uk-psti (exit %d)" % p.returncode)
    p = run(fg, "scan", planted, "--declaration", planted_decl, "--fail-on", "none", "--fail-on-standard", "uk-psti", "-q")
    ok(p.returncode == 1, "planted+declaration fails --fail-on-standard uk-psti (exit %d)" % p.returncode)
    return planted, clean, clean_decl


def check_messages(fg, data, tiny):
    d = os.path.join(data, "declaration")
    p = run(fg, "scan", tiny, "--declaration", "missing-support-end.yaml", cwd=d)
    ok(p.returncode == 2, "missing support period: exit 2 (%d)" % p.returncode)
    ok(p.stderr.decode().splitlines()[:1] == [
        "missing-support-end.yaml:13:1: support_period.end: required field is missing "
        "(the last day security updates are provided, YYYY-MM-DD)"], "missing support period: %r" % p.stderr)
    p = run(fg, "scan", tiny, "--declaration", "invalid.yaml", cwd=d)
    ok(p.returncode == 2, "invalid declaration: exit 2 (%d)" % p.returncode)
    ok(p.stderr.decode().splitlines() == [
        "invalid.yaml:4:3: warning: manufacturer.webpage: unknown key (ignored)",
        "invalid.yaml:10:12: vulnerability_disclosure.contact.email: 'security(at)examplehome.example.com' "
        "is not a valid e-mail address",
        "invalid.yaml:11:15: vulnerability_disclosure.policy_url: "
        "'http://examplehome.example.com/security/policy' is not an https:// URL",
        "invalid.yaml:13:22: vulnerability_disclosure.timelines.acknowledgement: 'soon' names no time "
        "(e.g. '5 working days', '72 hours', 'every 30 days')",
        "invalid.yaml:16:8: support_period.end: '2031-02-30' is not a valid date (YYYY-MM-DD)",
        "invalid.yaml:19:3: requirements: 'etsi-en-303-645/5.5-99' is not in the catalog "
        "(see 'firmgate standards show etsi-en-303-645')",
    ], "invalid declaration messages: %r" % p.stderr)
    p = run(fg, "scan", tiny, "--declaration", "ended.yaml", "--format", "json", "--fail-on", "none", cwd=d)
    ok(p.returncode == 0, "ended support period is a warning only (exit %d)" % p.returncode)
    ok(p.stderr.decode().splitlines()[:1] == [
        "ended.yaml:14:8: warning: support_period.end: 2024-12-31 is in the past: the declared support period has ended"],
       "ended support period warning: %r" % p.stderr)
    rep = json.loads(p.stdout)
    ok(rep["declaration"]["support_ended"] is True, "the report says the support period ended")
    ok(any(x["stage"] == "declaration" and "2024-12-31 is in the past" in x["message"] for x in rep["diagnostics"]),
       "the ended support period is a diagnostic")
    p = run(fg, "scan", tiny, "--declaration", "no-such-file.yaml", cwd=d)
    ok(p.returncode == 2 and b"no-such-file.yaml: cannot open: No such file or directory" in p.stderr,
       "unreadable declaration: exit 2 (%d %r)" % (p.returncode, p.stderr))

    s = os.path.join(data, "security-txt")
    p = run(fg, "scan", tiny, "--security-txt", "expired.txt", "--format", "json", "--fail-on", "none", cwd=s)
    ok(p.returncode == 0, "--security-txt: exit %d" % p.returncode)
    msgs = sorted(f["message"] for f in json.loads(p.stdout)["findings"] if f["check_id"] == "disclosure.security-txt")
    ok(msgs == ["expired.txt:4: Expires 2023-01-01T00:00:00Z is in the past",
                "expired.txt:6: Policy http://examplehome.example.com/security/policy is not https:// "
                "(RFC 9116: web URIs must use https)"], "--security-txt messages: %r" % msgs)
    for good in ("valid.txt", "signed.txt"):
        p = run(fg, "scan", tiny, "--security-txt", good, "--format", "json", "--fail-on", "none", cwd=s)
        found = [f for f in json.loads(p.stdout)["findings"] if f["check_id"] == "disclosure.security-txt"]
        ok(p.returncode == 0 and not found, "%s: no problems (%r)" % (good, found))
    p = run(fg, "scan", tiny, "--security-txt", "missing.txt", cwd=s)
    ok(p.returncode == 2 and b"missing.txt: cannot open" in p.stderr, "--security-txt of a missing file: exit 2")


def check_schema(fg, src, data, tiny):
    schema = json.load(open(os.path.join(src, "docs", "declaration.schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)

    def as_json(path):
        # every scalar as the text written, as firmgate reads it (no dates, no
        # YAML 1.1 booleans: the schema accepts their spellings)
        return yaml.load(open(path), Loader=yaml.BaseLoader)

    files = [os.path.join(src, "docs", "declaration.example.yaml")] + [
        os.path.join(data, "declaration", f) for f in ("clean.yaml", "planted.yaml", "ended.yaml")]
    for f in files:
        errs = [e.message for e in v.iter_errors(as_json(f))]
        ok(not errs, "%s validates against the schema: %s" % (f, errs[:3]))
        p = run(fg, "scan", tiny, "--declaration", f, "--fail-on", "none", "-q")
        ok(p.returncode == 0, "%s loads in firmgate (exit %d, %r)" % (f, p.returncode, p.stderr))
        ok(b"warning" not in p.stderr or f.endswith("ended.yaml"), "%s: no warnings (%r)" % (f, p.stderr))
    for f in ("invalid.yaml", "missing-support-end.yaml"):
        ok(any(True for _ in v.iter_errors(as_json(os.path.join(data, "declaration", f)))),
           "%s fails the schema as it fails firmgate" % f)


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad, self.tables = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "!doctype"):
            self.stack.append(tag)
        self.tables += tag == "table"

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)


def check_statement(fg, planted, clean, clean_decl, tmp):
    out = os.path.join(tmp, "statement.md")
    p = run(fg, "statement", "--standard", "uk-psti", clean, "--declaration", clean_decl, "-o", out, "-j", "2")
    ok(p.returncode == 0, "statement for the clean image: exit %d %r" % (p.returncode, p.stderr[-300:]))
    md = open(out).read() if os.path.exists(out) else ""
    for want in ("# Statement of compliance (DRAFT)", "## 1. Product", "smart home hub",
                 "ExampleHome Hub, model H1", "units shipped with firmware 4.0.x", "ExampleHome Ltd",
                 "10 Example Road, Cambridge, CB1 1AA, United Kingdom", "at least until 2031-06-30",
                 "https://examplehome.example.com/hub/support-period", "| 5.1-1 | Sch 1 para 1 | pass |",
                 "Sch 1 para 1(2): Passwords", "| met (firmware evidence) |",
                 "## 6. Still missing", "- Sch 1 para 1(3)(c) (not determined from the image)",
                 "- **Name:** Sam Example", "- **Function:** Director of Engineering",
                 "- **Date of issue:** ____________________"):
        ok(want in md, "statement contains %r" % want)
    ok("[missing:" not in md, "the complete declaration leaves no field missing")
    ok(md.count("| mandatory |") == 14, "every PSTI requirement listed (%d)" % md.count("| mandatory |"))
    p2 = run(fg, "statement", "--standard", "uk-psti", clean, "--declaration", clean_decl, "-j", "2")
    ok(p2.stdout.decode() == md, "the statement is deterministic (stdout = -o FILE)")

    p = run(fg, "statement", "--standard", "uk-psti", clean, "--declaration", clean_decl, "--format", "html", "-j", "2")
    h = Tags()
    h.feed(p.stdout.decode())
    ok(p.returncode == 0 and not h.bad and not h.stack and h.tables == 2,
       "HTML statement is well-formed with two tables (%r %r %d)" % (h.bad, h.stack, h.tables))

    p = run(fg, "statement", "--standard", "uk-psti", planted, "-j", "2")
    text = p.stdout.decode()
    ok(p.returncode == 1, "statement for the planted image: exit 1 (%d)" % p.returncode)
    ok("| NOT MET |" in text and "the image refutes it" in text and "[missing: add it to the declaration]" in text
       and "- the manufacturer's declaration (firmgate statement --declaration FILE)" in text,
       "planted statement names the failures and what is missing")
    # the policy of `scan` applies: suppressed findings do not fail a requirement
    sup = os.path.join(tmp, "ignore.yaml")
    with open(sup, "w") as fh:
        fh.write("suppressions:\n  - check: \"credentials.*\"\n    path: \"*\"\n"
                 "    justification: accepted in test\n")
    p2 = run(fg, "statement", "--standard", "uk-psti", planted, "-j", "2", "--suppress", sup)
    text2 = p2.stdout.decode()
    row = [l for l in text2.splitlines() if l.startswith("| 5.1-1 |")]
    before = [l for l in text.splitlines() if l.startswith("| 5.1-1 |")]
    ok(before and "| fail |" in before[0] and row and "| fail |" not in row[0] and
       "only suppressed finding(s)" in row[0],
       "--suppress: 5.1-1 no longer fails on suppressed findings (%r)" % (row[:1],))
    p2 = run(fg, "statement", "--standard", "uk-psti", planted, "--suppress", sup, "--no-suppress")
    ok(p2.returncode == 2, "--suppress with --no-suppress is a usage error")
    p = run(fg, "statement", "--standard", "etsi-en-303-645", clean)
    ok(p.returncode == 2, "statement for another standard is a usage error")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    fg = os.path.abspath(a.firmgate)
    data = os.path.join(a.source, "tests", "data")
    t = Tables(a.source)
    with tempfile.TemporaryDirectory() as tmp:
        tiny = os.path.join(tmp, "rootfs")
        os.makedirs(os.path.join(tiny, "etc"))
        with open(os.path.join(tiny, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0::/root:/bin/sh\n")
        planted, clean, clean_decl = check_images(fg, t, a.corpus, data)
        check_messages(fg, data, tiny)
        check_schema(fg, a.source, data, tiny)
        check_statement(fg, planted, clean, clean_decl, tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
