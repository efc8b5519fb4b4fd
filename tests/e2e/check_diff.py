#!/usr/bin/env python3
"""End-to-end: `firmgate diff` between the corpus's planted camera (cam-b)
and the clean reference (clean-d), both armhf builds from the same
script, against truth.json and the staged rootfs trees.

  planted -> clean: every planted issue of cam-b is listed as fixed (right
      check, path and line), and every other fixed or new finding is one
      truth.json implies: on the line of a planted issue (the same
      account line gives a weak-hash finding too), or on a file whose
      package differs between the two variants (truth's component files:
      vsftpd only in cam-b, hostapd only in clean-d, busybox vs
      busybox-static). One more kind comes from the staged trees: a
      finding about a program started at boot, when the script that
      starts it exists on that side only (cam-b's updater, truth
      mechanism "fwupdate", runs curl from /usr/sbin/fw_update.sh; clean-d
      has no such script). Components added, removed and changed are those
      the truth's component lists imply (for the components firmgate
      inventories), the product identity included. Files added, removed
      and changed are exactly those of the staged trees, hashed here.
      NEW introduces nothing at or above high: exit 0.
  clean -> planted: the planted issues are new, the gate fails: exit 1.
  saved reports: report vs report (written with --files) and report vs
      image give the same diff as image vs image; a report without
      --files is compared but its files are not.
  a release against itself, as image and as report: nothing changed.
  text and HTML outputs, -o, usage and input errors.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys

KIND_TO_CHECK = {
    "default_password": "credentials.default-password",
    "empty_password": "credentials.empty-password",
    "telnet_enabled": "services.telnet",
    "serial_shell": "debug.serial-shell",
    "private_key": "secrets.private-key",
    "expired_cert": "certificates.expired",
    "cloud_secret": "secrets.cloud-credential",
    "plaintext_update_url": "updates.plaintext-url",
    "update_signature_disabled": "updates.signature-disabled",
    "ftp_enabled": "services.ftp",
    "snmp_public": "services.snmp",
}
SEVERITIES = ["info", "low", "medium", "high", "critical"]

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


def run(fg, *args):
    return subprocess.run([fg] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)


def diff_json(fg, old, new, *extra, want_rc=None):
    p = run(fg, "diff", old, new, "--format", "json", *extra)
    ok(p.returncode in (0, 1), "diff %s %s: exit %d %s" % (old, new, p.returncode, p.stderr.decode()[-300:]))
    if want_rc is not None:
        ok(p.returncode == want_rc, "diff %s %s: exit %d, want %d" % (
            os.path.basename(old), os.path.basename(new), p.returncode, want_rc))
    d = json.loads(p.stdout)
    ok(d["schema"] == "firmgate-diff/1", "schema firmgate-diff/1")
    gate_failed = any(SEVERITIES.index(f["severity"]) >= SEVERITIES.index("high") for f in d["findings"]["new"])
    ok(d["gate"]["failed"] == gate_failed and p.returncode == (1 if gate_failed else 0),
       "exit code and gate follow the new findings at or above high")
    return d, p


# ---- what truth.json implies --------------------------------------------------

def owners(variant):
    """path -> (debian package, debian version) of every ELF file the truth lists."""
    out = {}
    for c in variant["components"]:
        for f in c.get("files") or []:
            out[f] = (c["debian_package"], c["debian_version"])
    return out


def package_changed(path, old_owners, new_owners):
    return path in old_owners or path in new_owners and old_owners.get(path) != new_owners.get(path)


STARTED = re.compile(r"started at boot (?:by |\()(/[^\s)]+) line \d+")


def implied(f, planted_lines, old_owners, new_owners, only_this_side):
    """ONLY_THIS_SIDE: paths of the staged tree of the finding's side that
    the other side's tree lacks."""
    if (f["path"], f["line"]) in planted_lines or (f["path"], None) in planted_lines:
        return True
    if old_owners.get(f["path"]) != new_owners.get(f["path"]):
        return True
    m = STARTED.search(f.get("message") or "")
    return bool(m) and m.group(1) in only_this_side


def truth_components(variant):
    comps = {}
    for c in variant["components"]:
        comps.setdefault(c["name"], set()).add(c["version"])
    comps.setdefault(variant["product"]["name"], set()).add(variant["product"]["version"])
    return comps


def check_findings(d, planted, old_v, new_v, old_tree, new_tree, direction):
    """DIRECTION "fixed": OLD is planted; "new": NEW is planted."""
    old_owners, new_owners = owners(old_v), owners(new_v)
    only = {"fixed": set(old_tree) - set(new_tree), "new": set(new_tree) - set(old_tree)}
    planted_lines = {(i["path"], i.get("line")) for i in planted}
    listed = d["findings"][direction]
    for i in planted:
        if i["kind"] not in KIND_TO_CHECK:
            continue
        check = KIND_TO_CHECK[i["kind"]]
        ok(any(f["check_id"] == check and f["path"] == i["path"] and f["line"] == i.get("line") for f in listed),
           "planted %s at %s:%s listed as %s" % (i["kind"], i["path"], i.get("line"), direction))
    for kind in ("fixed", "new"):
        for f in d["findings"][kind]:
            ok(implied(f, planted_lines if kind == direction else set(), old_owners, new_owners, only[kind]),
               "%s finding truth.json does not imply: %s %s:%s (%s)" % (kind, f["check_id"], f["path"], f["line"],
                                                                     (f["message"] or "")[:120]))
    # what stayed is on files both variants share unchanged, never a planted line
    for f in d["findings"]["unchanged"]:
        ok((f["path"], f["line"]) not in planted_lines, "planted issue left unchanged: %s %s:%s" % (
            f["check_id"], f["path"], f["line"]))


def check_components(d, old_v, new_v, old_rep, new_rep):
    t_old, t_new = truth_components(old_v), truth_components(new_v)
    inv_old = {c["name"] for c in old_rep["components"]}
    inv_new = {c["name"] for c in new_rep["components"]}
    added = {c["name"] for c in d["components"]["added"]}
    removed = {c["name"] for c in d["components"]["removed"]}
    changed = {c["name"] for c in d["components"]["changed"]}
    want_added = {n for n in t_new if n not in t_old and n in inv_new}
    want_removed = {n for n in t_old if n not in t_new and n in inv_old}
    want_changed = {n for n in t_old if n in t_new and t_old[n] != t_new[n] and n in inv_old and n in inv_new}
    ok(added == want_added, "components added: %s, truth implies %s" % (sorted(added), sorted(want_added)))
    ok(removed == want_removed, "components removed: %s, truth implies %s" % (sorted(removed), sorted(want_removed)))
    ok(changed == want_changed, "components changed: %s, truth implies %s" % (sorted(changed), sorted(want_changed)))
    ok(want_added and want_removed, "the pair differs in components (%d added, %d removed)" % (
        len(want_added), len(want_removed)))
    for c in d["components"]["changed"]:
        ok(c["change"] in ("upgraded", "downgraded", "changed"), "change kind of %s" % c["name"])


# ---- the staged trees ----------------------------------------------------------

def tree_files(root):
    """path -> (kind, sha256 or link target, permission bits) of regular files and symlinks."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            path = "/" + os.path.relpath(full, root)
            if stat.S_ISLNK(st.st_mode):
                out[path] = ("symlink", os.readlink(full), stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256(open(full, "rb").read()).hexdigest()
                out[path] = ("file", h, stat.S_IMODE(st.st_mode))
    return out


def check_files(d, a, b):
    """A, B: tree_files() of the staged trees of OLD and NEW."""
    if not ok(d["files"] is not None, "files compared"):
        return
    want_added = sorted(set(b) - set(a))
    want_removed = sorted(set(a) - set(b))
    want_changed = sorted(p for p in set(a) & set(b) if a[p][:2] != b[p][:2])
    got_added = sorted(f["path"] for f in d["files"]["added"])
    got_removed = sorted(f["path"] for f in d["files"]["removed"])
    got_content = sorted(c["path"] for c in d["files"]["changed"] if c["content"])
    ok(got_added == want_added, "files added: %d, the trees differ by %d (%s)" % (
        len(got_added), len(want_added), sorted(set(got_added) ^ set(want_added))[:5]))
    ok(got_removed == want_removed, "files removed: %d, the trees differ by %d (%s)" % (
        len(got_removed), len(want_removed), sorted(set(got_removed) ^ set(want_removed))[:5]))
    ok(got_content == want_changed, "files changed: %d, the trees differ by %d (%s)" % (
        len(got_content), len(want_changed), sorted(set(got_content) ^ set(want_changed))[:5]))
    for c in d["files"]["changed"]:
        if c["content"] and c["new"].get("sha256"):
            ok(c["new"]["sha256"] == b[c["path"]][1], "new hash of %s" % c["path"])
    ok(d["files"]["unchanged"] == len(set(a) & set(b)) - len(want_changed) -
       sum(1 for c in d["files"]["changed"] if not c["content"]),
       "unchanged files counted (%d)" % d["files"]["unchanged"])


def strip_sides(d):
    d = dict(d)
    d.pop("old")
    d.pop("new")
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    fg = a.firmgate
    truth = json.load(open(os.path.join(a.corpus, "truth.json")))
    images = {i["name"]: i for i in truth["images"]}
    variants = truth["variants"]
    old_img, new_img = "cam-b_squashfs-gzip.img", "clean-d_rootfs.tar.gz"
    old = os.path.join(a.corpus, images[old_img]["path"])
    new = os.path.join(a.corpus, images[new_img]["path"])
    old_v, new_v = variants["cam-b"], variants["clean-d"]
    trees = os.path.join(a.corpus, ".build", "trees")
    old_tree, new_tree = tree_files(os.path.join(trees, "cam-b")), tree_files(os.path.join(trees, "clean-d"))
    ok(old_v["arch"] == new_v["arch"] and images[old_img]["planted"] and images[old_img]["issues"]
       and not images[new_img]["issues"], "a planted and a clean image of one architecture")
    shutil.rmtree(a.tmp, ignore_errors=True)
    os.makedirs(a.tmp)

    # saved reports, with and without the file list
    reps = {}
    for name, path, extra in (("old", old, ["--files"]), ("new", new, ["--files"]), ("new-nofiles", new, [])):
        out = os.path.join(a.tmp, name + ".json")
        p = run(fg, "scan", path, "--format", "json", "--fail-on", "none", *extra)
        ok(p.returncode == 0, "scan %s: exit %d" % (path, p.returncode))
        open(out, "wb").write(p.stdout)
        reps[name] = out
    old_rep, new_rep = json.load(open(reps["old"])), json.load(open(reps["new"]))
    ok("files" in old_rep and "files" not in json.load(open(reps["new-nofiles"])), "--files adds the file list")
    ok(all(len(f.get("sha256") or "") == 64 for f in old_rep["files"] if f["type"] == "file"),
       "every listed file has a SHA-256")

    # planted -> clean, images
    d, _ = diff_json(fg, old, new, want_rc=0)
    planted = images[old_img]["issues"]
    check_findings(d, planted, old_v, new_v, old_tree, new_tree, "fixed")
    check_components(d, old_v, new_v, old_rep, new_rep)
    check_files(d, old_tree, new_tree)
    ok(d["summary"]["findings"]["fixed"] == len(d["findings"]["fixed"]), "summary counts the fixed findings")
    ok(any(v["old"] == "fail" and v["new"] == "pass" and v["standard"] == "uk-psti" for v in d["verdicts"]),
       "a UK PSTI requirement goes from fail to pass")

    # the same from saved reports, and mixed
    d2, _ = diff_json(fg, reps["old"], reps["new"])
    ok(strip_sides(d2) == strip_sides(d), "report vs report gives the image diff")
    ok(d2["old"]["source"] == "report" and d["old"]["source"] == "image", "sides say where they came from")
    d3, _ = diff_json(fg, reps["old"], new)
    ok(strip_sides(d3) == strip_sides(d), "report vs image gives the image diff")
    d4, _ = diff_json(fg, reps["old"], reps["new-nofiles"])
    ok(d4["files"] is None and d4["summary"]["files"] is None, "files not compared without --files")
    ok(d4["findings"] == d["findings"] and d4["components"] == d["components"], "the rest is compared all the same")

    # clean -> planted: the planted issues are new, the gate fails
    r, _ = diff_json(fg, new, old, want_rc=1)
    check_findings(r, planted, new_v, old_v, new_tree, old_tree, "new")
    ok(len(r["findings"]["new"]) == len(d["findings"]["fixed"]) and
       len(r["findings"]["fixed"]) == len(d["findings"]["new"]), "the reverse diff mirrors the forward one")
    p = run(fg, "diff", reps["new"], reps["old"], "--fail-on", "none", "-q")
    ok(p.returncode == 0 and p.stdout == b"" and b"gate off" in p.stderr, "--fail-on none -q: exit 0, gate line on stderr")
    p = run(fg, "diff", reps["new"], reps["old"], "--fail-on", "critical", "-q")
    ok(p.returncode == 1 and b"FAIL" in p.stderr, "--fail-on critical fails on the planted default passwords")

    # a new finding suppressed by the policy of its scan is listed, marked,
    # and does not count for the gate: scanned now with --suppress, or read
    # from a report written with it
    crit = [f for f in r["findings"]["new"] if f["severity"] == "critical"]
    ok(crit, "the planted side brings critical findings")
    sup = os.path.join(a.tmp, "ignore.yaml")
    with open(sup, "w") as fh:
        fh.write("suppressions:\n")
        for f in crit:
            fh.write("  - fingerprint: %s\n    justification: accepted in test\n" % f["fingerprint"])
    p = run(fg, "diff", new, old, "--format", "json", "--fail-on", "critical", "--suppress", sup)
    s = json.loads(p.stdout) if p.returncode in (0, 1) else {"findings": {"new": []}, "summary": {}}
    ok(p.returncode == 0, "--suppress: the suppressed critical findings no longer fail the gate (exit %d)" %
       p.returncode)
    marked = [f for f in s["findings"]["new"] if f.get("suppression")]
    ok(sorted(f["fingerprint"] for f in marked) == sorted(f["fingerprint"] for f in crit) and
       all(f["suppression"]["justification"] == "accepted in test" for f in marked),
       "exactly the suppressed findings are marked, with their justification")
    ok(len(s["findings"]["new"]) == len(r["findings"]["new"]), "suppressed findings are still listed")
    ok(s["summary"]["findings"].get("new_suppressed") == len(crit) and
       s["summary"]["new_by_severity"]["critical"] == 0, "the summary counts them apart")
    planted_sup = os.path.join(a.tmp, "planted-suppressed.json")
    p = run(fg, "scan", old, "--format", "json", "--fail-on", "none", "--suppress", sup)
    open(planted_sup, "wb").write(p.stdout)
    p = run(fg, "diff", reps["new"], planted_sup, "--fail-on", "critical")
    text = p.stdout.decode()
    ok(p.returncode == 0 and "%d suppressed)" % len(crit) in text and "[suppressed: accepted in test]" in text
       and "(%d of the new suppressed)" % len(crit) in text,
       "a report keeps the suppressions of its scan (exit %d)" % p.returncode)
    p = run(fg, "diff", reps["new"], planted_sup, "--fail-on", "critical", "--no-suppress")
    ok(p.returncode == 0, "--no-suppress does not undo a report's suppressions")
    bad_sup = os.path.join(a.tmp, "bad.yaml")
    open(bad_sup, "w").write("suppressions:\n  - fingerprint: nothex\n")
    p = run(fg, "diff", new, old, "--suppress", bad_sup)
    ok(p.returncode == 2 and b"bad.yaml" in p.stderr, "a suppressions file with errors is a usage error")
    p = run(fg, "diff", new, old, "--suppress", sup, "--no-suppress")
    ok(p.returncode == 2, "--suppress with --no-suppress is a usage error")

    # against itself
    for path in (old, reps["old"]):
        s, _ = diff_json(fg, path, path, want_rc=0)
        empty = (not s["findings"]["new"] and not s["findings"]["fixed"] and not s["verdicts"] and
                 not any(s["components"].values()) and not any(s["vulnerabilities"].values()) and
                 not s["files"]["added"] and not s["files"]["removed"] and not s["files"]["changed"])
        ok(empty, "%s against itself: nothing changed" % os.path.basename(path))
        ok(len(s["findings"]["unchanged"]) == len(old_rep["findings"]) and
           s["files"]["unchanged"] == len(old_rep["files"]), "%s against itself: everything unchanged" %
           os.path.basename(path))

    # text and HTML
    p = run(fg, "diff", reps["old"], reps["new"])
    text = p.stdout.decode()
    ok(p.returncode == 0 and "Findings: %d new, %d fixed, %d unchanged" % (
        len(d["findings"]["new"]), len(d["findings"]["fixed"]), len(d["findings"]["unchanged"])) in text,
       "text summary line")
    ok(re.search(r"^firmgate diff: PASS: %d new finding" % len(d["findings"]["new"]), text, re.M) is not None,
       "text ends with the gate line")
    for f in d["findings"]["fixed"]:
        ok("fixed %-8s %s  %s" % (f["severity"], f["check_id"], f["path"]) in text, "text lists fixed %s %s" % (
            f["check_id"], f["path"]))
    html = os.path.join(a.tmp, "diff.html")
    p = run(fg, "diff", reps["old"], reps["new"], "--format", "html", "-o", html)
    ok(p.returncode == 0 and os.path.isfile(html), "diff --format html -o FILE")
    page = open(html, encoding="utf-8").read()
    ok(page.startswith("<!DOCTYPE html>") and "<script>alert" not in page, "an HTML page")
    for f in d["findings"]["fixed"] + d["findings"]["new"]:
        ok('data-fingerprint="%s"' % f["fingerprint"] in page, "HTML shows %s" % f["fingerprint"])

    # errors
    p = run(fg, "diff", old)
    ok(p.returncode == 2, "one input is a usage error")
    p = run(fg, "diff", old, new, "--format", "xml")
    ok(p.returncode == 2 and b"unknown format" in p.stderr, "unknown format is a usage error")
    p = run(fg, "diff", old, os.path.join(a.tmp, "missing.bin"))
    ok(p.returncode == 3, "a missing input is an input error")
    sarif = os.path.join(a.tmp, "other.json")
    open(sarif, "w").write('{"version": "2.1.0", "runs": []}\n')
    p = run(fg, "diff", sarif, reps["new"])
    ok(p.returncode == 3 and b"not a firmgate report" in p.stderr and sarif.encode() in p.stderr,
       "a JSON document of another kind is refused, naming the file (%s)" % p.stderr.decode().strip())
    broken = os.path.join(a.tmp, "broken.json")
    open(broken, "wb").write(open(reps["old"], "rb").read()[:5000])
    p = run(fg, "diff", broken, reps["new"])
    ok(p.returncode == 3 and b"broken.json" in p.stderr and b"offset 5000" in p.stderr,
       "a truncated report is refused with the offset (%s)" % p.stderr.decode().strip())

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
