#!/usr/bin/env python3
"""End-to-end: firmgate on the firmware corpus against its truth.json.

For every staged rootfs tree and every image whose formats firmgate
unpacks, each planted issue of the kinds the current checks cover must be
reported by the right check at the right path and line; nothing may be
reported on a decoy; the clean variant yields none of these findings; and
the file counts of every unpacked tree equal the truth. Every other image
is still scanned and must end with a documented exit code, never a crash.
"""
import argparse
import json
import os
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
CHECKS = set(KIND_TO_CHECK.values())

# File-tree formats firmgate unpacks today. Wrappers around them (TRX,
# uImage, FIT, flash layouts, kernels) need no handler of their own: the
# carver finds the file tree inside. A file tree of another format is
# skipped (listed) until its handler lands.
SUPPORTED_FS = {"squashfs", "tar", "cpio", "ext2", "ext4", "cramfs", "jffs2", "ubifs"}

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


def scan(firmgate, target):
    proc = subprocess.run(
        [firmgate, "scan", target, "--format", "json", "--fail-on", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return proc


def relevant(findings):
    return [f for f in findings if f["check_id"] in CHECKS]


def assert_issues(name, report, issues, decoys, strict=True):
    """STRICT: every relevant finding must be a planted issue (synthetic
    images); images copied as shipped (planted: false) list no issues and
    may have real findings."""
    findings = relevant(report["findings"])
    for issue in issues:
        check = KIND_TO_CHECK[issue["kind"]]
        hit = [f for f in findings
               if f["check_id"] == check and f["path"] == issue["path"]
               and (issue.get("line") is None or f["line"] == issue["line"])]
        ok(hit, "%s: %s not reported at %s:%s" % (name, check, issue["path"], issue.get("line")))
    expected = {(KIND_TO_CHECK[i["kind"]], i["path"], i.get("line")) for i in issues}
    for f in (findings if strict else []):
        key = (f["check_id"], f["path"], f["line"])
        ok(key in expected or (f["check_id"], f["path"], None) in expected,
           "%s: unexpected finding %s at %s:%s (%s)" % (name, f["check_id"], f["path"], f["line"], f["message"]))
    for d in decoys:
        on_decoy = [f for f in findings if f["path"] == d["path"] and f["line"] == d.get("line")]
        ok(not on_decoy, "%s: finding on decoy %s:%s (%s)" % (name, d["path"], d.get("line"), d["why"]))


def assert_counts(name, report, filesystems):
    trees = report["filesystems"]
    for fs in filesystems:
        match = [t for t in trees if t["regular_files"] == fs["regular_files"]
                 and t["symlinks"] == fs["symlinks"]]
        ok(match, "%s: no unpacked tree with %d files and %d symlinks like %s (got %s)" % (
            name, fs["regular_files"], fs["symlinks"], fs["id"],
            [(t["container"], t["regular_files"], t["symlinks"]) for t in trees]))


def tree_layers(layers):
    """Yields (filesystem id, format) for every file-tree layer."""
    if isinstance(layers, dict):
        layers = [layers]
    for layer in layers or []:
        if layer.get("fs"):
            yield layer["fs"], layer["format"]
        yield from tree_layers(layer.get("children"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    args = ap.parse_args()

    truth = json.load(open(os.path.join(args.corpus, "truth.json")))
    variants = truth["variants"]

    def filt(issues):
        return [i for i in issues if i["kind"] in KIND_TO_CHECK]

    # Staged rootfs directories.
    trees = os.path.join(args.corpus, ".build", "trees")
    for vname, v in sorted(variants.items()):
        path = os.path.join(trees, vname)
        if not ok(os.path.isdir(path), "staged tree %s missing" % path):
            continue
        proc = scan(args.firmgate, path)
        if not ok(proc.returncode == 0, "%s: exit %d: %s" % (vname, proc.returncode, proc.stderr.decode()[-500:])):
            continue
        report = json.loads(proc.stdout)
        assert_issues("tree " + vname, report, filt(v["issues"]), v["decoys"])
        counts = dict(v, id=vname)
        assert_counts("tree " + vname, report, [counts])
        if vname == "clean-d":
            ok(not relevant(report["findings"]), "clean-d tree: findings reported")

    # Images.
    for img in truth["images"]:
        path = os.path.join(args.corpus, img["path"])
        proc = scan(args.firmgate, path)
        name = img["name"]
        ok(proc.returncode in (0, 3), "%s: exit code %d (%s)" % (name, proc.returncode, proc.stderr.decode()[-300:]))
        fs_format = dict(tree_layers(img["layers"]))
        supported = [fs for fs in img["filesystems"] if fs_format.get(fs["id"]) in SUPPORTED_FS]
        skipped = [fs["id"] + ":" + str(fs_format.get(fs["id"])) for fs in img["filesystems"] if fs not in supported]
        if skipped:
            print("skip: %s (%s): file trees not yet unpacked: %s" % (name, img["format_chain"], ", ".join(skipped)))
        if not supported:
            continue
        if not ok(proc.returncode == 0, "%s: scan failed" % name):
            continue
        report = json.loads(proc.stdout)
        ids = {fs["id"] for fs in supported}
        issues = [i for i in filt(img["issues"]) if i["fs"] in ids]
        decoys = [d for fs in supported if fs["variant"] for d in variants[fs["variant"]]["decoys"]]
        assert_issues(name, report, issues, decoys, strict=img.get("planted", True))
        assert_counts(name, report, supported)
        if all(fs["variant"] == "clean-d" for fs in supported):
            ok(not relevant(report["findings"]), "%s: clean image has findings" % name)

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
