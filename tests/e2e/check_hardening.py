#!/usr/bin/env python3
"""End-to-end test of the hardening checks.

1. firmgate's per-binary verdicts ("hardening"."binaries" of the JSON
   report) against Debian's checksec 2.6 on a FIXED set of binaries: the
   four corpus trees (mipsel, armhf, arm64), the samples (MIPS big-endian,
   uClibc ARM) and host x86-64 binaries. Every property both tools report
   must agree, except the cases in EXCEPTIONS, where checksec is wrong
   (each with its reason; docs/CHECKS.md lists the same). An exception
   that stops disagreeing fails the test too, so the list stays true.
2. Findings on the corpus: mipsel binaries have executable stacks, arm64
   ones do not; network-facing daemons rate higher; the summary's
   per-architecture counts match the binaries listed.
3. hardening.kernel-config on a Debian kernel configuration, plain and as
   /proc/config.gz, next to a BusyBox .config decoy.

Exit 77 (skipped) when checksec is missing.
"""
import argparse
import gzip
import json
import lzma
import os
import platform
import re
import shutil
import subprocess
import sys

# tree -> paths inside it (the corpus trees, then the samples, then host)
FIXED = {
    "rtr-a": [
        "/bin/busybox", "/usr/sbin/dnsmasq", "/usr/sbin/dropbear", "/usr/sbin/lighttpd",
        "/usr/sbin/hostapd", "/usr/sbin/xtables-legacy-multi", "/lib/mipsel-linux-gnu/libc.so.6",
        "/lib/mipsel-linux-gnu/libgcc_s.so.1", "/usr/lib/mipsel-linux-gnu/libnfnetlink.so.0.2.0",
        "/usr/lib/mipsel-linux-gnu/xtables/libxt_tcp.so",
    ],
    "cam-b": [
        "/usr/sbin/vsftpd", "/usr/sbin/lighttpd", "/usr/bin/curl", "/usr/bin/openssl",
        "/sbin/wpa_supplicant", "/lib/arm-linux-gnueabihf/libc.so.6",
        "/lib/arm-linux-gnueabihf/libcap.so.2.66", "/lib/arm-linux-gnueabihf/ld-linux-armhf.so.3",
        "/usr/lib/lighttpd/mod_cgi.so", "/usr/lib/arm-linux-gnueabihf/libcrypto.so.3",
    ],
    "gw-c": [
        "/bin/busybox", "/usr/sbin/dropbear", "/usr/sbin/telnetd", "/usr/sbin/snmpd",
        "/usr/sbin/in.tftpd", "/usr/sbin/inetutils-inetd", "/lib/aarch64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
        "/usr/lib/aarch64-linux-gnu/libnetsnmp.so.40.2.0", "/usr/bin/sqlite3",
    ],
    "clean-d": [
        "/bin/busybox", "/usr/sbin/dropbear", "/usr/sbin/hostapd", "/usr/bin/dbclient",
        "/lib/arm-linux-gnueabihf/libc.so.6", "/usr/lib/arm-linux-gnueabihf/libssl.so.3",
    ],
}
SAMPLES = [
    "dvrf/mips-i-big-endian/gdbserver", "dvrf/mips-i-little-endian/gdbserver",
    "digoo-bb-m1/cramfs-root-1/sbin/hostapd", "digoo-bb-m1/cramfs-root-0/bin/Sofia",
]
HOST = [
    "/usr/bin/ls", "/usr/sbin/ldconfig", "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/bin/readelf", "/usr/bin/cmake", "/usr/bin/openssl",
]

PIE_RUNNABLE_LIB = ("a shared library that also runs as a program: it has PT_INTERP, so the "
                    "kernel loads it as a PIE executable; checksec only calls an ET_DYN a PIE "
                    "when it has DT_DEBUG, which libraries do not have")
FORTIFY_LIBC = ("libc defines the __*_chk functions rather than using them; checksec counts "
                "every *_chk symbol in .dynsym, definitions included, firmgate counts the "
                "functions a file uses")
CANARY_STRIPPED_STATIC = ("static and stripped: there is no symbol table to look for "
                          "__stack_chk_fail in; checksec reports 'no', firmgate 'unknown'")

# (tree, path, property) -> why checksec is wrong
EXCEPTIONS = {
    ("rtr-a", "/lib/mipsel-linux-gnu/libc.so.6", "pie"): PIE_RUNNABLE_LIB,
    ("rtr-a", "/lib/mipsel-linux-gnu/libc.so.6", "fortify"): FORTIFY_LIBC,
    ("cam-b", "/lib/arm-linux-gnueabihf/libc.so.6", "pie"): PIE_RUNNABLE_LIB,
    ("cam-b", "/lib/arm-linux-gnueabihf/libc.so.6", "fortify"): FORTIFY_LIBC,
    ("cam-b", "/lib/arm-linux-gnueabihf/libcap.so.2.66", "pie"): PIE_RUNNABLE_LIB,
    ("gw-c", "/lib/aarch64-linux-gnu/libc.so.6", "pie"): PIE_RUNNABLE_LIB,
    ("gw-c", "/lib/aarch64-linux-gnu/libc.so.6", "fortify"): FORTIFY_LIBC,
    ("clean-d", "/lib/arm-linux-gnueabihf/libc.so.6", "pie"): PIE_RUNNABLE_LIB,
    ("clean-d", "/lib/arm-linux-gnueabihf/libc.so.6", "fortify"): FORTIFY_LIBC,
    ("rtr-a", "/bin/busybox", "canary"): CANARY_STRIPPED_STATIC,
    ("gw-c", "/bin/busybox", "canary"): CANARY_STRIPPED_STATIC,
    ("clean-d", "/bin/busybox", "canary"): CANARY_STRIPPED_STATIC,
    ("host", "/usr/lib/x86_64-linux-gnu/libc.so.6", "pie"): PIE_RUNNABLE_LIB,
    ("host", "/usr/lib/x86_64-linux-gnu/libc.so.6", "fortify"): FORTIFY_LIBC,
    ("host", "/usr/sbin/ldconfig", "canary"): CANARY_STRIPPED_STATIC,
}

PROPS = ["relro", "canary", "nx", "pie", "rpath", "runpath", "symbols", "fortify"]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def scan(firmgate, root):
    p = subprocess.run([firmgate, "scan", root, "--format", "json", "--fail-on", "none"],
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("firmgate scan %s: exit %d: %s" % (root, p.returncode, p.stderr[-2000:]))
    return json.loads(p.stdout)


def checksec(path):
    p = subprocess.run(["checksec", "--output=json", "--file=" + path], capture_output=True,
                       text=True, timeout=120)
    return json.loads(p.stdout)[path]


def ours_as_checksec(b):
    """firmgate's verdicts in checksec's vocabulary."""
    return {
        "relro": b["relro"], "canary": b["canary"], "nx": b["nx"], "pie": b["pie"],
        "rpath": "yes" if b["rpath"] is not None else "no",
        "runpath": "yes" if b["runpath"] is not None else "no",
        "symbols": "no" if b["stripped"] else "yes",
        "fortify": "yes" if b["fortify"] == "yes" else "no",
    }


def theirs(c):
    return {"relro": c["relro"], "canary": c["canary"], "nx": c["nx"], "pie": c["pie"],
            "rpath": c["rpath"], "runpath": c["runpath"], "symbols": c["symbols"],
            "fortify": c["fortify_source"]}


def compare(tree, root, paths, report, agree, used):
    binaries = {b["path"]: b for b in report["hardening"]["binaries"]}
    for path in paths:
        b = binaries.get(path)
        if b is None:
            fail("%s:%s: not in the report's hardening.binaries" % (tree, path))
            continue
        a, c = ours_as_checksec(b), theirs(checksec(root + path))
        for prop in PROPS:
            key = (tree, path, prop)
            same = a[prop] == c[prop]
            agree.setdefault(prop, [0, 0])
            agree[prop][1] += 1
            if key in EXCEPTIONS:
                used.add(key)
                if same:
                    fail("%s:%s %s: listed as an exception but both say %r" % (tree, path, prop, a[prop]))
                continue
            if same:
                agree[prop][0] += 1
            else:
                fail("%s:%s %s: firmgate %r, checksec %r (evidence: %s)" % (
                    tree, path, prop, a[prop], c[prop],
                    b["evidence"].get(prop if prop != "symbols" else "nx")))


def host_tree(tmp):
    """Copies the host binaries that exist into TMP/host, keeping their paths."""
    root = os.path.join(tmp, "host")
    shutil.rmtree(root, ignore_errors=True)
    present = []
    for p in HOST:
        real = os.path.realpath(p)
        if not os.path.isfile(real):
            continue
        dst = root + p
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(real, dst)
        present.append(p)
    return root, present


def sample_tree(tmp, shared):
    root = os.path.join(tmp, "samples")
    shutil.rmtree(root, ignore_errors=True)
    present = []
    for rel in SAMPLES:
        src = os.path.join(shared, "samples", rel)
        if not os.path.isfile(src):
            continue
        dst = os.path.join(root, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        present.append("/" + rel)
    return root, present


def findings(report, check, path=None):
    return [f for f in report["findings"] if f["check_id"] == check and (path is None or f["path"] == path)]


def check_corpus_findings(reports):
    rtr, gw = reports.get("rtr-a"), reports.get("gw-c")
    if rtr:
        f = findings(rtr, "hardening.nx", "/usr/sbin/dnsmasq")
        if not f or f[0]["severity"] != "high" or "PT_GNU_STACK flags RWX" not in f[0]["excerpt"]:
            fail("rtr-a: dnsmasq's executable stack (Debian mipsel) not reported HIGH: %r" % f)
        f = findings(rtr, "hardening.pie", "/bin/busybox")
        if not f or f[0]["severity"] != "medium" or "started at boot" not in f[0]["message"]:
            fail("rtr-a: busybox (static, ET_EXEC, runs telnetd at boot) not rated MEDIUM for PIE: %r" % f)
        offenders = rtr["hardening"]["worst_offenders"]
        if not offenders or not offenders[0]["network_facing"]:
            fail("rtr-a: worst offenders do not start with a network-facing program")
    if gw:
        if findings(gw, "hardening.nx"):
            fail("gw-c (arm64): executable stacks reported: %r" % findings(gw, "hardening.nx")[:3])
    for tree, r in reports.items():
        h = r["hardening"]
        total = sum(a["elf_files"] for a in h["by_arch"])
        if total != len(h["binaries"]):
            fail("%s: by_arch counts %d ELF files, binaries lists %d" % (tree, total, len(h["binaries"])))
        for a in h["by_arch"]:
            nx = a["nx"]
            if nx["rated"] and nx["percent"] != round(100 * nx["yes"] / nx["rated"]):
                fail("%s: nx percent %r for %r" % (tree, nx["percent"], nx))
        print("%s: %s" % (tree, ", ".join("%s %d files, NX %s%%, PIE %s%%, full RELRO %s%%, canary %s%%" % (
            a["arch"], a["elf_files"], a["nx"]["percent"], a["pie"]["percent"], a["relro"]["percent"],
            a["canary"]["percent"]) for a in h["by_arch"])))


def debian_config():
    p = "/boot/config-" + platform.release()
    if os.path.isfile(p):
        return open(p, "rb").read(), os.path.basename(p)
    p = "/usr/src/linux-config-6.1/config.amd64_none_amd64.xz"
    if os.path.isfile(p):
        return lzma.open(p).read(), "config-6.1.0-amd64"
    return None, None


def check_kernel_config(firmgate, tmp):
    data, name = debian_config()
    if data is None:
        print("kernel config: skipped (no /boot/config-$(uname -r) and no linux-config-6.1)")
        return
    root = os.path.join(tmp, "kconfig")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "boot"))
    os.makedirs(os.path.join(root, "proc"))
    os.makedirs(os.path.join(root, "busybox"))
    open(os.path.join(root, "boot", name), "wb").write(data)
    open(os.path.join(root, "proc", "config.gz"), "wb").write(gzip.compress(data, mtime=0))
    open(os.path.join(root, "busybox", ".config"), "w").write(
        "# Automatically generated make config: don't edit\nCONFIG_DESKTOP=y\n# CONFIG_STATIC is not set\n")
    r = scan(firmgate, root)
    by_file = {}
    for f in findings(r, "hardening.kernel-config"):
        by_file.setdefault(f["path"], []).append((f["severity"], f["line"], f["excerpt"]))
    plain, gz = by_file.get("/boot/" + name, []), by_file.get("/proc/config.gz", [])
    if not plain:
        fail("kernel config: no unmet option reported for %s" % name)
    if sorted(plain) != sorted(gz):
        fail("kernel config: /proc/config.gz differs from the plain copy")
    if "/busybox/.config" in by_file:
        fail("kernel config: the BusyBox .config was taken for a kernel configuration")
    reported = sorted(re.search(r"CONFIG_\w+", e).group(0) for _, _, e in plain)
    print("kernel config %s: %d unmet options: %s" % (name, len(plain), ", ".join(reported)))
    check_debian_expectations(data, name, reported)


# Debian 12's amd64 kernel configuration (linux-config-6.1), read directly
# here: options KSPP wants that Debian leaves off must be reported, options
# Debian sets the KSPP way must not be.
DEBIAN_UNMET = {
    "CONFIG_DEVMEM": "y", "CONFIG_KEXEC": "y", "CONFIG_HIBERNATION": "y",
    "CONFIG_PROC_KCORE": "y", "CONFIG_IA32_EMULATION": "y", "CONFIG_BINFMT_MISC": "m",
    "CONFIG_MODULE_SIG_FORCE": None, "CONFIG_PANIC_ON_OOPS": None, "CONFIG_USELIB": "y",
}
DEBIAN_MET = ["CONFIG_STRICT_KERNEL_RWX", "CONFIG_HARDENED_USERCOPY", "CONFIG_RANDOMIZE_BASE",
              "CONFIG_RANDOMIZE_MEMORY", "CONFIG_STACKPROTECTOR_STRONG", "CONFIG_VMAP_STACK",
              "CONFIG_SLAB_FREELIST_RANDOM", "CONFIG_SLAB_FREELIST_HARDENED", "CONFIG_SECCOMP",
              "CONFIG_SECURITY_YAMA", "CONFIG_LEGACY_VSYSCALL_NONE", "CONFIG_STRICT_DEVMEM",
              "CONFIG_SCHED_STACK_END_CHECK", "CONFIG_FORTIFY_SOURCE", "CONFIG_MODULE_SIG",
              "CONFIG_DEFAULT_MMAP_MIN_ADDR", "CONFIG_KGDB", "CONFIG_DEVKMEM"]


def config_value(text, opt):
    m = re.search(r"^%s=(.*)$" % opt, text, re.M)
    if m:
        return m.group(1)
    return None  # "is not set" or absent


def check_debian_expectations(data, name, reported):
    if not name.startswith("config-6.1"):
        print("kernel config: %s is not Debian 12's 6.1 configuration; exact set not asserted" % name)
        return
    text = data.decode("utf-8", "replace")
    for opt, want_actual in DEBIAN_UNMET.items():
        actual = config_value(text, opt)
        if actual != want_actual:
            print("kernel config: Debian's %s is now %r; expectation table out of date" % (opt, actual))
            continue
        if opt not in reported:
            fail("kernel config: %s (Debian: %s) not reported as unmet" % (opt, actual or "not set"))
    for opt in DEBIAN_MET:
        if opt in reported:
            fail("kernel config: %s reported although Debian sets it as KSPP recommends (%r)"
                 % (opt, config_value(text, opt)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    if not shutil.which("checksec"):
        print("checksec not installed (apt-get install checksec): skipped")
        return 77
    os.makedirs(a.tmp, exist_ok=True)
    trees = os.path.join(a.corpus, ".build", "trees")
    agree, used, reports = {}, set(), {}
    for tree, paths in FIXED.items():
        root = os.path.join(trees, tree)
        if not os.path.isdir(root):
            fail("corpus tree %s missing" % root)
            continue
        reports[tree] = scan(a.firmgate, root)
        compare(tree, root, paths, reports[tree], agree, used)
    if a.shared:
        root, present = sample_tree(a.tmp, a.shared)
        if present:
            compare("samples", root, present, scan(a.firmgate, root), agree, used)
    root, present = host_tree(a.tmp)
    if present:
        compare("host", root, present, scan(a.firmgate, root), agree, used)
    binaries = agree.get("nx", [0, 0])[1]
    compared = sum(t for _, t in agree.values())
    same = sum(s for s, _ in agree.values())
    print("checksec comparison: %d binaries, %d verdicts, %d agree, %d documented exceptions" % (
        binaries, compared, same, len(used)))
    for prop in PROPS:
        s, t = agree.get(prop, [0, 0])
        print("  %-8s %d/%d agree" % (prop, s, t))
    for key in sorted(used):
        print("  exception %s:%s %s: %s" % (key[0], key[1], key[2], EXCEPTIONS[key]))
    check_corpus_findings(reports)
    check_kernel_config(a.firmgate, a.tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all hardening checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
