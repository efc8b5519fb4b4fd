#!/usr/bin/env python3
"""End-to-end: firmgate on the real firmware samples' root filesystems.

IoTGoat (OWASP's deliberately vulnerable OpenWrt) and the Digoo BB-M1
camera carry documented credentials and a telnet server; each must be
reported where the documentation says.
"""
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


def scan(firmgate, target):
    proc = subprocess.run([firmgate, "scan", target, "--format", "json", "--fail-on", "none"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if proc.returncode != 0:
        print(proc.stderr.decode())
    ok(proc.returncode == 0, "%s: exit %d" % (target, proc.returncode))
    return json.loads(proc.stdout) if proc.returncode == 0 else {"findings": []}


def has(report, check, path, line, text=None):
    for f in report["findings"]:
        if f["check_id"] == check and f["path"] == path and f["line"] == line:
            if text is None or text in f["message"]:
                return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    samples = os.path.join(args.shared, "samples")
    if not os.path.isdir(samples):
        print("samples not found; skipping")
        return 77

    goat = scan(args.firmgate, os.path.join(samples, "iotgoat", "rootfs"))
    # iotgoatuser / 7ujMko0vizxv, a Mirai-list password (SOURCES.md).
    ok(has(goat, "credentials.default-password", "/etc/shadow", 8, "iotgoatuser"),
       "IoTGoat: iotgoatuser default password not reported at /etc/shadow:8")
    ok(has(goat, "services.telnet", "/etc/rc.local", 5), "IoTGoat: telnetd in rc.local:5 not reported")
    # Secrets are never printed in full.
    ok("7ujMko0vizxv" not in json.dumps(goat), "IoTGoat: the cracked password appears in the report")

    digoo = scan(args.firmgate, os.path.join(samples, "digoo-bb-m1", "cramfs-root"))
    # root / xmhdipc, hash stored in /etc/passwd (no shadow file).
    ok(has(digoo, "credentials.default-password", "/etc/passwd", 1, "root"),
       "Digoo: root/xmhdipc not reported at /etc/passwd:1")
    # rcS has telnetd commented out.
    ok(not any(f["check_id"] == "services.telnet" for f in digoo["findings"]),
       "Digoo: commented-out telnetd reported")

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
