#!/usr/bin/env python3
"""The hostile-input suite: firmgate on images built to hurt it.

    run_hostile.py --firmgate BIN --work DIR [--results FILE] [--sanitize]
                   [--only REGEX] [--timeout S] [--mem-budget MIB]

make_cases.py writes the images (bombs, traversal, symlink loops, cuts at
every structural boundary, corrupt headers and CRCs, overlapping chunks,
absurd counts, deep nesting, hostile names, empty and 4 GiB files) into
DIR/cases. For each case this runs

    firmgate unpack IMG --list --json
    firmgate unpack IMG -o OUT
    firmgate scan IMG --format json --fail-on none

each with a wall-clock timeout and a memory limit (RLIMIT_AS; under
AddressSanitizer, whose shadow memory needs a huge address space, the
peak RSS of the child is measured and compared with the budget instead),
and asserts: an exit code docs/CLI.md allows; no crash, no sanitizer
report; the documented note (a container or entry flagged truncated with
its reason, and a scan diagnostic naming where) for the cases that must be
cut short or refused; peak RSS under the budget; and for `unpack -o OUT`
that nothing appeared outside OUT (every ancestor of OUT, /tmp, /etc and
the host paths the image aims at are checked; symlinks in the image point
at directories created empty beforehand, and hard links at files created
beforehand, which must stay untouched), every path under OUT resolves
inside OUT, no file is setuid/setgid, owned by someone else, hard-linked
or a device node. Run as root (as CI does), that is the point.

Per case it records the outcome, exit codes, seconds and peak RSS, prints
a table and writes it as Markdown (--results).
"""
import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SANITIZER_PATTERNS = [b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                      b"SUMMARY: UndefinedBehaviorSanitizer", b"AddressSanitizer:DEADLYSIGNAL"]

# The limits the suite gives firmgate: tight enough that every bomb is
# defused within the suite's memory budget and in seconds, on 2 cores.
FG_LIMITS = ["--max-bytes", "256M", "--max-file-size", "64M", "--max-files", "20000",
             "--max-seconds", "60", "-j", "2"]


class Proc:
    def __init__(self, rc, out, err, seconds, rss_kib, timed_out):
        self.rc, self.out, self.err = rc, out, err
        self.seconds, self.rss_kib, self.timed_out = seconds, rss_kib, timed_out


def run_limited(argv, timeout, as_limit, env, cwd):
    """Runs ARGV with RLIMIT_AS (when AS_LIMIT) and a wall-clock TIMEOUT;
    returns exit code (negative: signal), output, seconds and the child's
    own peak RSS (wait4's rusage, so per child, not the running maximum)."""
    outp = os.path.join(cwd, ".stdout")
    errp = os.path.join(cwd, ".stderr")

    def pre():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if as_limit:
            resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
    with open(outp, "wb") as fo, open(errp, "wb") as fe:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                             preexec_fn=pre, env=env, cwd=cwd)
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        timer.cancel()
        secs = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(outp, "rb") as f:
        out = f.read()
    with open(errp, "rb") as f:
        err = f.read()
    os.unlink(outp)
    os.unlink(errp)
    return Proc(p.returncode, out, err, secs, ru.ru_maxrss, bool(timed_out))


def listdir_set(d):
    try:
        return set(os.listdir(d))
    except OSError:
        return set()


def sha256_file(p):
    try:
        with open(p, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def inside(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


class Case:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.problems = []
        self.exits = []
        self.seconds = 0.0
        self.rss_kib = 0
        self.outcome = ""
        self.manifest_silent = False

    def fail(self, msg):
        self.problems.append(msg)


class Suite:
    def __init__(self, a):
        self.a = a
        self.fg = os.path.abspath(a.firmgate)
        self.work = os.path.abspath(a.work)
        self.sanitize = a.sanitize or self.binary_has_asan()
        self.token = "FGHOSTILE-%d-%s" % (os.getpid(), os.urandom(3).hex())
        self.timeout = a.timeout or (240 if self.sanitize else 60)
        # RLIMIT_AS for plain builds; RSS budget for both. ASan's shadow and
        # quarantine add a fixed overhead and about twice the heap.
        self.as_limit = None if self.sanitize else a.as_limit * (1 << 20)
        self.rss_budget_mib = a.mem_budget or (1536 if self.sanitize else 512)
        self.env = dict(os.environ)
        self.env.pop("NO_COLOR", None)
        if self.sanitize:
            self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=0")
            self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.cases = []

    def binary_has_asan(self):
        try:
            with open(self.a.firmgate, "rb") as f:
                return b"__asan_init" in f.read()
        except OSError:
            return False

    # ---- generation ----
    def generate(self):
        cases_dir = os.path.join(self.work, "cases")
        argv = [sys.executable, os.path.join(HERE, "make_cases.py"), cases_dir,
                "--token", self.token]
        if self.a.only:
            argv += ["--only", self.a.only]
        t0 = time.monotonic()
        subprocess.run(argv, check=True)
        self.gen_seconds = time.monotonic() - t0
        with open(os.path.join(cases_dir, "manifest.json")) as f:
            m = json.load(f)
        self.cases_dir = cases_dir
        self.skipped = m["skipped"]
        return m["cases"]

    # ---- one case ----
    def firmgate(self, c, args, cwd, env):
        p = run_limited([self.fg] + args, self.timeout, self.as_limit, env, cwd)
        c.exits.append(p.rc)
        c.seconds += p.seconds
        c.rss_kib = max(c.rss_kib, p.rss_kib)
        what = " ".join(a for a in args[:2])
        if p.timed_out:
            c.fail("%s: timed out after %d s" % (what, self.timeout))
        if p.rc < 0:
            c.fail("%s: killed by signal %d" % (what, -p.rc))
        for pat in SANITIZER_PATTERNS:
            if pat in p.err:
                i = p.err.index(pat)
                c.fail("%s: sanitizer report: %s" % (what, p.err[i:i + 300].decode("utf-8", "replace")))
                break
        if p.rss_kib > self.rss_budget_mib * 1024:
            c.fail("%s: peak RSS %d MiB over the budget of %d MiB"
                   % (what, p.rss_kib // 1024, self.rss_budget_mib))
        allowed = c.spec.get("exit", [0])
        if p.rc >= 0 and p.rc not in allowed:
            c.fail("%s: exit %d, expected one of %s; stderr: %s"
                   % (what, p.rc, allowed, p.err.decode("utf-8", "replace").strip()[:300]))
        if p.rc == 3:
            lines = p.err.decode("utf-8", "replace").strip().splitlines()
            if len(lines) != 1 or c.spec["file"] not in lines[0]:
                c.fail("%s: exit 3 must print one line naming the input, got %r" % (what, lines[:3]))
        return p

    def run_case(self, spec):
        c = Case(spec)
        img = os.path.join(self.cases_dir, spec["file"])
        base = os.path.join(self.work, "out", c.name)
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(base)
        out = os.path.join(base, "out")
        tmpd = os.path.join(base, "tmp")
        os.makedirs(tmpd)
        env = dict(self.env, TMPDIR=tmpd, HOME=base)
        # host paths the image aims at
        for t in spec.get("targets", []):
            shutil.rmtree(t, ignore_errors=True)
            os.makedirs(t)
        victims = {}
        for v in spec.get("victims", []):
            with open(v, "w") as f:
                f.write("victim %s\n" % v)
            victims[v] = sha256_file(v)
        secret_file = None
        if spec.get("secret"):
            secret_file = "/tmp/%s-secret" % self.token
            with open(secret_file, "w") as f:
                f.write("root:%s:0:0:root:/root:/bin/sh\n" % spec["secret"])
        watch = self.watch_dirs(out)
        before = {d: listdir_set(d) for d in watch}
        passwd_before = sha256_file("/etc/passwd")
        try:
            self.do_case(c, img, out, base, env)
        finally:
            after = {d: listdir_set(d) for d in watch}
            for d in watch:
                new = after[d] - before[d]
                for n in sorted(new):
                    if self.token in n:
                        c.fail("escaped: %s appeared" % os.path.join(d, n))
                if d == base and new - {"out"}:
                    c.fail("unexpected entries beside OUT: %s" % sorted(new - {"out"}))
            if os.listdir(tmpd):
                c.fail("firmgate left files in TMPDIR: %s" % os.listdir(tmpd)[:5])
            if sha256_file("/etc/passwd") != passwd_before:
                c.fail("/etc/passwd changed")
            for t in spec.get("targets", []):
                if os.listdir(t):
                    c.fail("written through a symlink: %s now holds %s" % (t, os.listdir(t)))
                shutil.rmtree(t, ignore_errors=True)
            for v, h in victims.items():
                st = os.lstat(v)
                if sha256_file(v) != h or st.st_nlink != 1:
                    c.fail("hard-link victim %s modified or linked (nlink %d)" % (v, st.st_nlink))
                os.unlink(v)
            if secret_file:
                os.unlink(secret_file)
        if not c.problems and not self.a.keep:
            shutil.rmtree(base, ignore_errors=True)
        return c

    def watch_dirs(self, out):
        dirs = []
        d = os.path.dirname(out)
        while True:
            dirs.append(d)
            if d == "/":
                break
            d = os.path.dirname(d)
        for extra in ["/tmp", "/etc", "/tmp/%s-abs" % self.token]:
            if extra not in dirs:
                dirs.append(extra)
        return dirs

    def do_case(self, c, img, out, base, env):
        spec = c.spec
        lim = FG_LIMITS
        # 1. the manifest
        p = self.firmgate(c, ["unpack", img, "--list", "--json"] + lim, base, env)
        manifest = None
        if p.rc == 0:
            try:
                manifest = json.loads(p.out)  # strict UTF-8 and JSON
            except ValueError as e:
                c.fail("unpack --list --json: not valid JSON/UTF-8: %s" % e)
        # 2. extraction
        p2 = self.firmgate(c, ["unpack", img, "-o", out] + lim, base, env)
        if p2.rc == 0:
            self.check_tree(c, out)
            if not os.path.isfile(os.path.join(out, "firmgate-manifest.json")):
                c.fail("unpack -o: no firmgate-manifest.json in OUT")
            if spec.get("o_notice") and not re.search(spec["o_notice"],
                                                      p2.err.decode("utf-8", "replace")):
                c.fail("unpack -o: stderr %r does not match /%s/" % (p2.err[:200], spec["o_notice"]))
        elif os.path.exists(out) and p2.rc not in (2, 3):
            self.check_tree(c, out)
        # 2b. names: the text outputs must not pass control bytes to a terminal
        if spec["category"] == "names":
            for label, argv in (("unpack --list", ["unpack", img, "--list"]),
                                ("scan (text summary)",
                                 ["scan", img, "--fail-on", "none", "-v", "--no-color",
                                  "--vulndb", os.path.join(base, "no-vulndb.sqlite")])):
                pt = self.firmgate(c, argv + lim, base, env)
                c.exits.pop()
                for what, out in (("stdout", pt.out), ("stderr", pt.err)):
                    bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", out)
                    if bad:
                        c.fail("%s %s: raw control byte %r: %r"
                               % (label, what, bad.group(0),
                                  out[max(0, bad.start() - 30):bad.end() + 10]))
        # 3. the scan
        p3 = self.firmgate(c, ["scan", img, "--format", "json", "--fail-on", "none",
                         "--vulndb", os.path.join(base, "no-vulndb.sqlite")] + lim, base, env)
        report = None
        if p3.rc == 0:
            try:
                report = json.loads(p3.out)
            except ValueError as e:
                c.fail("scan --format json: not valid JSON/UTF-8: %s" % e)
        self.check_expectations(c, p, manifest, report)
        if spec.get("secret"):
            blobs = [p.out, p.err, p2.out, p2.err, p3.out, p3.err]
            for dp, dn, fn in os.walk(out):
                for n in fn:
                    fp = os.path.join(dp, n)
                    if not os.path.islink(fp):
                        with open(fp, "rb") as f:
                            blobs.append(f.read())
            if any(spec["secret"].encode() in b for b in blobs):
                c.fail("the host file's secret appeared in firmgate's output")

    def check_tree(self, c, out):
        root = os.path.realpath(out)
        euid = os.geteuid()
        n = 0
        for dp, dn, fn in os.walk(out):
            for name in dn + fn:
                n += 1
                p = os.path.join(dp, name)
                try:
                    st = os.lstat(p)
                except OSError as e:
                    c.fail("cannot lstat %s: %s" % (p, e))
                    continue
                if not inside(os.path.realpath(dp), root):
                    c.fail("directory resolves outside OUT: %s" % dp)
                if stat.S_ISLNK(st.st_mode):
                    continue
                if not inside(os.path.realpath(p), root):
                    c.fail("path resolves outside OUT: %s" % p)
                if st.st_mode & 0o6000:
                    c.fail("setuid/setgid applied: %s %o" % (p, st.st_mode))
                if st.st_uid != euid:
                    c.fail("ownership applied: %s uid %d" % (p, st.st_uid))
                if stat.S_ISREG(st.st_mode):
                    if st.st_nlink != 1:
                        c.fail("hard link created: %s (nlink %d)" % (p, st.st_nlink))
                elif not stat.S_ISDIR(st.st_mode):
                    c.fail("special file created: %s (mode %o)" % (p, st.st_mode))
        for e in c.spec.get("escapes", []):
            p = e if e.startswith("/") else os.path.normpath(os.path.join(out, e))
            if os.path.lexists(p) and not inside(os.path.realpath(p), root):
                c.fail("escaped: %s exists" % p)
        return n

    def check_expectations(self, c, p, manifest, report):
        spec = c.spec
        notes = []
        paths = set()
        if manifest:
            for ct in manifest.get("containers", []):
                if ct.get("truncated"):
                    notes.append((ct.get("chain") or ct.get("in") or "?", ct.get("note") or ""))
                if ct.get("content_note"):
                    notes.append(((ct.get("in") or "?") + ":" + ct.get("path", ""), ct["content_note"]))
            for tr in manifest.get("trees", []):
                for e in tr.get("entries", []):
                    paths.add(e["path"])
                    if e.get("note"):
                        notes.append((tr["container"] + ":" + e["path"], e["note"]))
        diags = [d for d in (report or {}).get("diagnostics", []) if d.get("stage") == "unpack"]
        # bytes of the input itself that nothing claimed (not of the blobs
        # that came out of it: a decompressed text is "unknown" too)
        unclaimed = 0
        containers = (manifest or {}).get("containers", [])
        for ct in containers:
            cov = ct.get("coverage")
            if cov and ct.get("in") == manifest.get("input") and ct.get("path") == "/":
                unclaimed += cov.get("unknown", 0) + cov.get("high_entropy", 0)
        if p.rc == 3:
            c.outcome = "refused: " + p.err.decode("utf-8", "replace").strip().split(": ")[-1]
        elif notes:
            c.outcome = "noted: " + notes[0][1]
        elif diags:
            # only the scan's diagnostics say it (the manifest has no place
            # for a note on a stream's output or a depth-limited file)
            c.outcome = "noted (scan only): " + diags[0]["message"]
            c.manifest_silent = True
        elif manifest is not None:
            formats = sorted(set(ct["format"] for ct in containers
                                 if ct.get("format") and ct["format"] != "carve"))
            c.outcome = "ok: %s, %d entries" % ("+".join(formats) or "nothing unpacked", len(paths))
            if unclaimed:
                c.outcome += ", %d input bytes unclaimed" % unclaimed
        c.outcome = c.outcome.replace("|", "/").replace("\n", " ")[:100]
        if spec.get("note") and p.rc == 0:
            rx = re.compile(spec["note"])
            in_manifest = any(rx.search(n) and w for w, n in notes)
            in_scan = any(rx.search(d.get("message", "")) and d.get("where") for d in diags)
            if report is not None and not in_scan:
                c.fail("no scan diagnostic matching /%s/ naming where (diagnostics: %s)"
                       % (spec["note"], [d.get("message") for d in diags][:4]))
            if not in_manifest and not in_scan:
                c.fail("nothing flagged with a note matching /%s/ (manifest notes: %s)"
                       % (spec["note"], [n for _, n in notes][:4]))
        if spec.get("incomplete") and p.rc == 0:
            # refused, noted, or at least the bytes it could not use left
            # visibly unclaimed in the coverage
            if not notes and not diags and not unclaimed:
                c.fail("damaged image unpacked as whole: no note, no diagnostic, "
                       "no unclaimed bytes")
        if manifest is not None:
            for fmt, n in spec.get("containers", {}).items():
                got = sum(1 for ct in containers if ct.get("format") == fmt)
                if got != n:
                    c.fail("%d %s containers, expected %d" % (got, fmt, n))
            for want in spec.get("present", []):
                if want not in paths:
                    c.fail("missing from the manifest: %s" % want)
            for bad in spec.get("absent", []):
                if bad in paths:
                    c.fail("should not be in the manifest: %s" % bad)

    # ---- the whole suite ----
    def run(self):
        t0 = time.monotonic()
        specs = self.generate()
        print("hostile: %d cases (%d skipped), firmgate %s%s, timeout %d s, budget %d MiB%s"
              % (len(specs), len(self.skipped), self.fg, " (sanitizers)" if self.sanitize else "",
                 self.timeout, self.rss_budget_mib,
                 "" if self.sanitize else ", RLIMIT_AS %d MiB" % (self.as_limit >> 20)))
        print("hostile: firmgate limits: " + " ".join(FG_LIMITS))
        sys.stdout.flush()
        for spec in specs:
            try:
                c = self.run_case(spec)
            except Exception as e:  # a broken case must not hide the others
                c = Case(spec)
                c.fail("runner error: %s: %s" % (type(e).__name__, e))
            self.cases.append(c)
            if c.problems:
                print("FAIL %s: %s" % (c.name, spec["why"]))
                for pr in c.problems:
                    print("     " + pr)
                sys.stdout.flush()
        self.total_seconds = time.monotonic() - t0
        self.report()
        return 1 if any(c.problems for c in self.cases) else 0

    def table(self):
        rows = ["| case | category | outcome | exit (list, -o, scan) | seconds | peak RSS MiB | result |",
                "|---|---|---|---|---:|---:|---|"]
        for c in self.cases:
            rows.append("| %s | %s | %s | %s | %.2f | %.1f | %s |" % (
                c.name, c.spec["category"], c.outcome.replace("\n", " "),
                ", ".join(str(e) for e in c.exits), c.seconds, c.rss_kib / 1024.0,
                "FAIL" if c.problems else "pass"))
        return "\n".join(rows)

    def report(self):
        failed = [c for c in self.cases if c.problems]
        peak = max((c.rss_kib for c in self.cases), default=0)
        # every process of the suite: the generator, every firmgate, this script
        suite_peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                         resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        worst = max(self.cases, key=lambda c: c.rss_kib) if self.cases else None
        slow = max(self.cases, key=lambda c: c.seconds) if self.cases else None
        summary = ("%d cases, %d passed, %d failed, %d skipped; %.0f s in all (generation %.1f s); "
                   "firmgate's peak RSS %.1f MiB (%s) against a budget of %d MiB%s; "
                   "largest process of the suite %.1f MiB; slowest %s %.1f s"
                   % (len(self.cases), len(self.cases) - len(failed), len(failed), len(self.skipped),
                      self.total_seconds, self.gen_seconds, peak / 1024.0,
                      worst.name if worst else "-", self.rss_budget_mib,
                      "" if self.sanitize else " (RLIMIT_AS %d MiB)" % (self.as_limit >> 20),
                      suite_peak / 1024.0, slow.name if slow else "-", slow.seconds if slow else 0))
        cats = {}
        for c in self.cases:
            k = cats.setdefault(c.spec["category"], [0, 0, 0])
            k[0] += 1
            k[1] += 0 if c.problems else 1
            k[2] = max(k[2], c.rss_kib)
        print()
        print(self.table())
        print()
        for k, (n, ok, rss) in sorted(cats.items()):
            print("hostile: %-10s %3d cases, %3d passed, peak %.1f MiB" % (k, n, ok, rss / 1024.0))
        for s in self.skipped:
            print("hostile: skipped %s: %s" % (s["name"], s["why"]))
        print("hostile: " + summary)
        if self.a.results:
            with open(self.a.results, "w") as f:
                f.write("# Hostile-input suite results\n\n")
                f.write("firmgate: `%s`%s  \n" % (self.fg, " (ASan+UBSan)" if self.sanitize else ""))
                f.write("limits: `%s`  \n" % " ".join(FG_LIMITS))
                f.write("%s\n\n" % summary)
                f.write("| category | cases | passed | peak RSS MiB |\n|---|---:|---:|---:|\n")
                for k, (n, ok, rss) in sorted(cats.items()):
                    f.write("| %s | %d | %d | %.1f |\n" % (k, n, ok, rss / 1024.0))
                f.write("\n")
                for s in self.skipped:
                    f.write("skipped: %s (%s)  \n" % (s["name"], s["why"]))
                f.write("\n" + self.table() + "\n")
                if failed:
                    f.write("\n## Failures\n\n")
                    for c in failed:
                        f.write("- %s: %s\n" % (c.name, "; ".join(c.problems)))
            print("hostile: results in %s" % self.a.results)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--work", required=True, help="scratch directory (cases, outputs)")
    ap.add_argument("--results", help="write the results table (Markdown) here")
    ap.add_argument("--sanitize", action="store_true",
                    help="firmgate is an ASan/UBSan build (also detected from the binary)")
    ap.add_argument("--only", help="regex: run only the matching cases")
    ap.add_argument("--timeout", type=int, help="seconds per command (60; 240 with sanitizers)")
    ap.add_argument("--mem-budget", type=int,
                    help="peak RSS per command, MiB (512; 1536 with sanitizers)")
    ap.add_argument("--as-limit", type=int, default=2048,
                    help="RLIMIT_AS per command for plain builds, MiB (2048)")
    ap.add_argument("--keep", action="store_true", help="keep every case's output")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    a.work = os.path.abspath(a.work)
    sys.exit(Suite(a).run())


if __name__ == "__main__":
    main()
