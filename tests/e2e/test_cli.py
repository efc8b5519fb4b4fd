#!/usr/bin/env python3
"""End-to-end: the firmgate command line — exit codes, errors, reports, gate."""
import argparse
import gzip
import hashlib
import json
import lzma
import os
import pty
import random
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


def run(args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    return subprocess.run([FG] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=e, timeout=timeout)


def run_tty(args, env=None):
    """Runs with stdout on a pseudo-terminal; returns (exit code, output)."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(FG, [FG] + args, e)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out


def one_error_line(proc, *needles):
    lines = proc.stderr.decode().strip().splitlines()
    text = "\n".join(lines)
    return len(lines) == 1 and all(n in text for n in needles)


def findings(proc):
    return json.loads(proc.stdout)["findings"]


def has(fs, check, path, line):
    return any(f["check_id"] == check and f["path"] == path and f["line"] == line for f in fs)


def test_basics():
    p = run(["--version"])
    ok(p.returncode == 0 and p.stdout.decode().startswith("firmgate "), "--version")
    for args in (["--help"], ["scan", "--help"], ["unpack", "--help"]):
        p = run(args)
        ok(p.returncode == 0 and b"usage: firmgate" in p.stdout, "%s prints usage" % args)
    for args in ([], ["frobnicate"], ["scan"], ["scan", "a", "b"], ["scan", DEMO, "--fail-on", "bogus"],
                 ["scan", DEMO, "--jobs", "x"], ["scan", DEMO, "--max-bytes", "-1"],
                 ["scan", DEMO, "--format", "pdf"], ["scan", DEMO, "--nope"], ["unpack", DEMO],
                 ["unpack", DEMO, "--list", "-o", "x"], ["unpack", DEMO, "--json", "-o", "x"]):
        p = run(args)
        ok(p.returncode == 2, "usage error exit 2 for %s (got %d)" % (args, p.returncode))


def test_bad_inputs():
    missing = os.path.join(TMP, "does-not-exist.bin")
    p = run(["scan", missing])
    ok(p.returncode == 3 and one_error_line(p, missing, "No such file"), "missing input: %r" % p.stderr)

    empty = os.path.join(TMP, "empty.bin")
    open(empty, "wb").close()
    p = run(["scan", empty])
    ok(p.returncode == 3 and one_error_line(p, empty, "empty"), "empty input: %r" % p.stderr)

    junk = os.path.join(TMP, "junk.bin")
    rnd = random.Random(7)
    with open(junk, "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(65536)))
    p = run(["scan", junk])
    ok(p.returncode == 3 and one_error_line(p, junk, "unrecognised"), "unrecognised input: %r" % p.stderr)

    emptydir = os.path.join(TMP, "emptydir")
    os.makedirs(emptydir, exist_ok=True)
    p = run(["scan", emptydir])
    ok(p.returncode == 3 and one_error_line(p, emptydir, "empty"), "empty directory: %r" % p.stderr)

    data = open(DEMO, "rb").read()
    for cut in (32, 96, len(data) // 2, len(data) - 100):
        trunc = os.path.join(TMP, "trunc-%d.img" % cut)
        with open(trunc, "wb") as f:
            f.write(data[:cut])
        p = run(["scan", trunc, "--format", "json"])
        ok(p.returncode in (0, 1, 3) and p.returncode >= 0,
           "truncated image at %d: exit %d" % (cut, p.returncode))
        if p.returncode == 3:
            ok(one_error_line(p, trunc), "truncated image at %d: one error line: %r" % (cut, p.stderr))

    p = run(["scan", "/bin/true", "--format", "json", "--fail-on", "none"])
    ok(p.returncode == 0, "a bare ELF file is a recognised input (exit %d)" % p.returncode)

    gz = os.path.join(TMP, "trunc.img.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(data)[:4000])
    p = run(["scan", gz, "--format", "json", "--fail-on", "none"])
    ok(p.returncode in (0, 3), "truncated gzip: exit %d" % p.returncode)


def test_demo_findings():
    p = run(["scan", DEMO, "--format", "json"])
    ok(p.returncode == 1, "demo scan exits 1 at the default gate (got %d)" % p.returncode)
    fs = findings(p)
    ok(has(fs, "credentials.default-password", "/etc/shadow", 1), "demo: root default password")
    ok(has(fs, "credentials.empty-password", "/etc/shadow", 4), "demo: operator empty password")
    ok(has(fs, "services.telnet", "/etc/init.d/S45telnetd", 4), "demo: telnet started at boot")
    ok(not any(f["check_id"] == "services.telnet" and f["path"] == "/etc/init.d/S50dropbear" for f in fs),
       "demo: dropbear is not telnet")
    ok(not has(fs, "credentials.default-password", "/etc/shadow", 3), "demo: admin's strong password not cracked")
    for f in fs:
        ok(len(f["fingerprint"]) == 32 and f["severity"] in ("info", "low", "medium", "high", "critical"),
           "finding fields well-formed: %s" % f)
        ok(f["container"].startswith("demo-router.img"), "provenance names the image: %s" % f["container"])
    report = json.loads(p.stdout)
    ok(report["schema"] == "firmgate-report/1", "schema id")
    ok(any(c["name"] == "DemoWRT" and c["version"] == "2.4.1" for c in report["components"]), "os-release component")
    verdicts = {(v["standard"], v["requirement"]): v["verdict"] for v in report["compliance"]}
    ok(verdicts.get(("etsi-en-303-645", "5.1-1")) == "fail", "ETSI 5.1-1 fails on the demo")

    p2 = run(["scan", DEMO, "--format", "json"])
    ok(p.stdout == p2.stdout, "JSON report is deterministic")

    for gate, code in (("none", 0), ("critical", 1), ("high", 1), ("info", 1)):
        p = run(["scan", DEMO, "--fail-on", gate, "-q"])
        ok(p.returncode == code, "--fail-on %s exits %d (got %d)" % (gate, code, p.returncode))
        ok(p.stdout == b"", "--quiet prints nothing on stdout")


def test_nested_streams():
    data = open(DEMO, "rb").read()
    gz = os.path.join(TMP, "demo.img.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(data))
    xz = os.path.join(TMP, "demo.img.gz.xz")
    with open(xz, "wb") as f:
        f.write(lzma.compress(gzip.compress(data)))
    for path in (gz, xz):
        p = run(["scan", path, "--format", "json", "--fail-on", "none"])
        ok(p.returncode == 0, "%s scans" % path)
        fs = findings(p) if p.returncode == 0 else []
        ok(has(fs, "credentials.default-password", "/etc/shadow", 1), "%s: finding through the streams" % path)
        ok(all(" > " in f["container"] for f in fs), "%s: provenance chain shows nesting" % path)
    p = run(["scan", xz, "--format", "json", "--fail-on", "none", "--max-depth", "2"])
    rep = json.loads(p.stdout) if p.returncode == 0 else {"findings": [1], "diagnostics": []}
    ok(p.returncode == 0 and not rep["findings"], "--max-depth 2 stops before the squashfs")
    ok(any("depth limit" in d["message"] for d in rep["diagnostics"]), "depth limit is reported")
    p = run(["scan", gz, "--format", "json", "--fail-on", "none", "--max-bytes", "2K"])
    rep = json.loads(p.stdout) if p.returncode == 0 else {"diagnostics": []}
    ok(any("limit" in d["message"] for d in rep["diagnostics"]), "byte budget is reported")
    ok(not rep.get("findings"), "nothing is found past the byte budget")


def test_outputs():
    out = os.path.join(TMP, "out")
    shutil.rmtree(out, ignore_errors=True)
    p = run(["scan", DEMO, "-o", out, "--format", "json,text", "--fail-on", "none"])
    ok(p.returncode == 0, "scan -o exits 0 with --fail-on none")
    ok(b"Findings" in p.stdout and b"firmgate: PASS gate=none" in p.stderr,
       "summary on stdout, gate line on stderr")
    rep = os.path.join(out, "firmgate-report.json")
    ok(os.path.isfile(rep) and json.load(open(rep))["summary"]["findings"] >= 3, "JSON report written")
    ok(os.path.isfile(os.path.join(out, "firmgate-report.txt")), "text report written")
    p = run(["scan", DEMO, "-o", "/proc/firmgate-cannot-write", "--fail-on", "none"])
    ok(p.returncode == 4, "unwritable output dir exits 4 (got %d)" % p.returncode)

    code, tty_out = run_tty(["scan", DEMO, "--fail-on", "none"])
    ok(code == 0 and b"\x1b[" in tty_out, "colour on a TTY")
    code, tty_out = run_tty(["scan", DEMO, "--fail-on", "none"], env={"NO_COLOR": "1"})
    ok(code == 0 and b"\x1b[" not in tty_out, "NO_COLOR respected")
    p = run(["scan", DEMO, "--fail-on", "none"])
    ok(b"\x1b[" not in p.stdout, "no colour when stdout is not a TTY")


def test_unpack_list():
    p = run(["unpack", "--list", DEMO])
    out = p.stdout.decode()
    ok(p.returncode == 0, "unpack --list exits 0")
    ok("== squashfs xz at 0x0" in out, "unpack --list shows the format")
    ok("drwxrwxrwt" in out, "sticky /tmp shown")
    ok("crw-------" in out and "[5, 1]" in out, "device node shown with numbers")
    ok("-rw-------     0     0" in out, "shadow mode and owner shown")


def test_manifest_notes():
    """A blob cut short (a stream's output over --max-file-size, one nested
    past --max-depth) has its reason in the manifest, listed and written."""
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("big.gz", gzip.compress(b"\0" * 3000000)),
                           ("deep.gz", gzip.compress(gzip.compress(gzip.compress(b"nested\n"))))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    img = os.path.join(TMP, "notes.tar")
    with open(img, "wb") as f:
        f.write(buf.getvalue())
    limits = ["--max-file-size", "1M", "--max-depth", "3"]
    p = run(["unpack", img, "--list", "--json"] + limits)
    man = json.loads(p.stdout) if p.returncode == 0 else {"containers": []}
    notes = {c["path"]: c.get("content_note") for c in man["containers"]}
    ok("output limit" in (notes.get("/big") or ""), "capped stream output noted: %s" % notes)
    ok("depth limit" in (notes.get("/deep.out") or ""), "blob past the depth limit noted: %s" % notes)
    ok(notes.get("/big.gz") is None, "complete files have no content_note")
    out = os.path.join(TMP, "notes-out")
    shutil.rmtree(out, ignore_errors=True)
    p = run(["unpack", img, "-o", out] + limits)
    written = json.load(open(os.path.join(out, "firmgate-manifest.json"))) if p.returncode == 0 else {}
    ok(written.get("containers") == man["containers"], "the written manifest says the same")


def snapshot(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            out.append(os.path.join(dirpath, n))
    return sorted(out)


def test_unpack_to_dir():
    import io
    import tarfile
    base = os.path.join(TMP, "hostile")
    shutil.rmtree(base, ignore_errors=True)
    outside = os.path.join(base, "outside")
    os.makedirs(outside)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        def add(name, data=b"x", **kw):
            ti = tarfile.TarInfo(name)
            for k, v in kw.items():
                setattr(ti, k, v)
            if ti.type == tarfile.REGTYPE:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            else:
                tf.addfile(ti)
        add("ok/file.txt", b"fine")
        add("../escaped.txt", b"evil")
        add("/abs/evil.txt", b"evil")
        add("lnk", type=tarfile.SYMTYPE, linkname=outside)
        add("lnk/pwned.txt", b"evil")
        add("hard", type=tarfile.LNKTYPE, linkname="../../../etc/passwd")
        add("suid", b"#!/bin/sh\n", mode=0o4755)
        add("dev/console", type=tarfile.CHRTYPE, devmajor=5, devminor=1)
    img = os.path.join(base, "hostile.tar")
    with open(img, "wb") as f:
        f.write(buf.getvalue())
    out = os.path.join(base, "out")
    before = snapshot(base)
    p = run(["unpack", img, "-o", out])
    ok(p.returncode in (0, 4), "hostile tar unpacks (exit %d: %s)" % (p.returncode, p.stderr))
    after = [x for x in snapshot(base) if not x.startswith(out + os.sep) and x != out]
    ok(after == before, "nothing created outside the output dir: %s" % sorted(set(after) - set(before)))
    ok(os.listdir(outside) == [], "nothing written through the symlink")
    ex = os.path.join(out, "hostile.tar.unpacked")
    ok(open(os.path.join(ex, "ok", "file.txt")).read() == "fine", "regular content written")
    ok(os.path.isfile(os.path.join(ex, "abs", "evil.txt")), "absolute path lands inside")
    ok(os.path.islink(os.path.join(ex, "lnk")), "symlink created as a link")
    st = os.stat(os.path.join(ex, "suid"))
    ok(not (st.st_mode & 0o6000), "setuid bit not applied on disk")
    ok(not os.path.exists(os.path.join(ex, "dev", "console")), "device node not created")
    man = json.load(open(os.path.join(out, "firmgate-manifest.json")))
    ents = {e["path"]: e for t in man["trees"] for e in t["entries"]}
    ok(ents.get("/dev/console", {}).get("major") == 5, "device node recorded in the manifest")
    ok(ents.get("/suid", {}).get("mode") == 0o4755, "setuid recorded in the manifest")
    ok(not any("sha256" in e for e in ents.values()), "no digests in the manifest without --hash")
    p = run(["unpack", img, "-o", out])
    ok(p.returncode == 2 and b"not empty" in p.stderr, "non-empty output dir refused")
    # --hash: every regular file's digest, and it is the digest of what was written
    hashed = os.path.join(base, "hashed")
    p = run(["unpack", img, "-o", hashed, "--hash"])
    ok(p.returncode in (0, 4), "unpack -o --hash (exit %d: %s)" % (p.returncode, p.stderr))
    man = json.load(open(os.path.join(hashed, "firmgate-manifest.json")))
    files = [e for t in man["trees"] for e in t["entries"] if e["type"] == "file"]
    ok(files and all("sha256" in e for e in files), "--hash: every file has a digest")
    e = next((e for e in files if e["path"] == "/ok/file.txt"), {})
    ok(e.get("sha256") == hashlib.sha256(b"fine").hexdigest(), "--hash: the digest of the written content")
    p = run(["unpack", img, "--list", "--hash"])
    ok(p.returncode == 2, "--hash without -o is a usage error")
    # a directory input's own file of the manifest's name does not replace it
    src = os.path.join(base, "dirinput")
    os.makedirs(src)
    with open(os.path.join(src, "firmgate-manifest.json"), "w") as f:
        f.write("mine")
    out = os.path.join(base, "dirout")
    p = run(["unpack", src, "-o", out])
    ok(p.returncode == 0 and b"NAME~N" in p.stderr, "name clash reported (exit %d: %s)" % (p.returncode, p.stderr))
    ok(json.load(open(os.path.join(out, "firmgate-manifest.json")))["schema"] == "firmgate-manifest/1",
       "the manifest keeps its name")
    ok(open(os.path.join(out, "firmgate-manifest.json~1")).read() == "mine", "the input's file is written as NAME~1")
    p = run(["unpack", img, "-o", out, "--force"])
    ok(p.returncode in (0, 4), "--force writes into a non-empty dir")


def main():
    global FG, DEMO, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--demo", required=True)
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    FG, DEMO, TMP = a.firmgate, a.demo, a.tmp
    os.makedirs(TMP, exist_ok=True)
    for t in (test_basics, test_bad_inputs, test_demo_findings, test_nested_streams, test_outputs,
              test_unpack_list, test_unpack_to_dir, test_manifest_notes):
        t()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
